"""The ranking layer: text -> terms (`analysis`), the BM25 definition (`bm25`), and the sparse engine that scores
passages (`engine`, with its compiled loops in `kernels`). It knows nothing of files, folders or HTTP."""
