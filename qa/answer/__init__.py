"""The answer layer: a question -> the best passages of an index, with their evidence.

`search` ranks (BM25, then `proximity` over the best few) and builds each passage's citation; `evidence` finds
the best sentence, the highlights and the explanation of every score.
"""
