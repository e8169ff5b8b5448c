"""The proximity bonus of BM25's best passages in one compiled call (numba): `qa.answer.proximity.bonuses`
without its dozen NumPy steps (about 30 µs of a question's ranking at any corpus size).

The same numbers to the last bit: the pairs' near counts from `qa.ranking.kernels.near_counts`, each pair's part
computed as `qa.ranking.bm25.term_weight` computes it, and added in pair order starting from the first part, as
`np.cumsum` adds them (tests/test_proximity.py, tests/test_fast_evidence.py). Imported only where the compiled
kernels are (`qa.ranking.loops.compiled`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from numba import njit

from qa.ranking.kernels import near_counts

Array = npt.NDArray[Any]


@njit(cache=True, nogil=True)
def bonuses(sequences: Array, seq_ptr: Array, docs: Array, title_lens: Array, q_terms: Array, pair_first: Array,
            pair_second: Array, window: int, idf: Array, norms: Array, k1: float, weight: float) -> Array:
    """`weight` times the sum over pairs of min(idf(a), idf(b)) * near * (k1 + 1) / (near + norm), for each
    passage of `docs` (`norms`: their length norms; `idf`: the engine's, by term id; a negative term id is a term
    the index lacks, whose IDF counts as 0)."""
    near = near_counts(sequences, seq_ptr, docs, title_lens, q_terms, pair_first, pair_second, window)
    n_pairs = pair_first.shape[0]
    low = np.empty(n_pairs, np.float64)
    for p in range(n_pairs):
        a = q_terms[pair_first[p]]
        b = q_terms[pair_second[p]]
        idf_a = idf[a] if a >= 0 else 0.0
        idf_b = idf[b] if b >= 0 else 0.0
        low[p] = idf_a if idf_a <= idf_b else idf_b
    out = np.empty(docs.shape[0], np.float64)
    for n in range(docs.shape[0]):
        total = 0.0
        for p in range(n_pairs):
            tf = np.float64(near[n, p])
            part = low[p] * (tf * (k1 + 1) / (tf + norms[n]))
            total = part if p == 0 else total + part
        out[n] = weight * total
    return out
