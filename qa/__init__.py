"""qa: ask questions over a folder of articles and get the passages that answer them, with citations.

Modules, each owning one thing:
    config    settings (QA_* environment, CLI flags)      errors    the exceptions
    models    plain data: Article, Passage, Hit, Answer    ingest    files -> articles
    chunking  article -> passages with exact spans         analysis  the one analyzer: text -> terms
    bm25      the BM25 formulas                            engine    sparse postings, top-k, save/load
    kernels   the engine's compiled loops                  index     the on-disk index of a folder
    proximity question terms near each other (2nd stage)  evidence  best sentence, highlights, explanations
    search    question -> cited passages                   schemas   HTTP/JSON bodies
    api       the FastAPI app                              cli       the `qa` command
"""

__version__ = "0.1.0"
