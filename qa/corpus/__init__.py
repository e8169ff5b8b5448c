"""The corpus layer: a documents folder -> articles -> chunks with exact spans.

`scan` lists the files, `read` turns each into articles through one reader per format (`plain`, `html`, `pdf`,
`jsonl`), `sentences` splits text into paragraphs and sentences, and `chunking` groups sentences into the chunks
that are indexed. Nothing here knows about ranking or the index.
"""
