"""The question-time loops of `qa.ranking.kernels` in NumPy alone: for a process that answers one question.

Same inputs and results as `kernels.top_k` + `kernels.rescore` and as `kernels.near_counts`. Scoring is term at a
time over a score array of the corpus's size (a few milliseconds at 1M passages, nothing to compile or load),
each term's weights added in question order, repeats again, which is exactly the order `kernels.rescore` adds
them in: the scores are equal to the last bit, and ties fall to passage order as there.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from qa.ranking.bm25 import term_weight

Array = npt.NDArray[Any]


Postings = tuple[Array, Array, Array, Array, Array, Array, Array, float]
"""(indptr, doc_ids, tfs, idf, doc_len, norm_of_len, unit_of_len, k1): `SparseBM25.postings`."""


def term_postings(postings: Postings, term: int) -> tuple[Array, Array]:
    """The passages of a term and their weights (`qa.bm25.term_weight` on whole arrays: the same operations, in
    the same order, as the compiled kernels apply to each posting, so the same numbers to the last bit)."""
    indptr, doc_ids, tfs, idf, doc_len, norm_of_len, _, k1 = postings
    lo, hi = int(indptr[term]), int(indptr[term + 1])
    docs = doc_ids[lo:hi]
    return docs, term_weight(tfs[lo:hi].astype(np.float64), idf[term], norm_of_len[doc_len[docs]], k1)


def top_k(postings: Postings, n_docs: int, q_terms: Array, q_counts: Array, k: int,
          allowed: Array) -> tuple[Array, Array]:
    """The k best passages holding at least one question term (within `allowed` when it is not empty), best
    first, equal scores in passage order; with their scores."""
    scores = np.zeros(n_docs, np.float64)
    hit = np.zeros(n_docs, np.bool_)
    for term, count in zip(q_terms.tolist(), q_counts.tolist(), strict=True):
        docs, weights = term_postings(postings, term)
        for _ in range(count):
            scores[docs] += weights  # doc ids are distinct within a list: no lost updates
        hit[docs] = True
    if allowed.shape[0] > 0:
        hit &= allowed.view(np.bool_) if allowed.dtype == np.uint8 else allowed.astype(np.bool_)
    found = np.flatnonzero(hit)
    found_scores = scores[found]
    if found.size > k:  # keep every passage that ties the k-th best score, then order them
        kth = np.partition(found_scores, found.size - k)[found.size - k]
        keep = found_scores >= kth
        found, found_scores = found[keep], found_scores[keep]
    order = np.lexsort((found, -found_scores))[:k]
    return found[order].astype(np.int64), found_scores[order]


def near_counts(sequences: Array, seq_ptr: Array, docs: Array, title_lens: Array, q_terms: Array, pair_first: Array,
                pair_second: Array, window: int) -> Array:
    """`kernels.near_counts`: for each passage of `docs` and each pair p of question terms, how many occurrences
    of `q_terms[pair_first[p]]` have an occurrence of `q_terms[pair_second[p]]` at most `window` positions away
    (the title's terms, first in the sequence, kept more than `window` away from the text)."""
    out = np.zeros((docs.shape[0], pair_first.shape[0]), np.int64)
    which_of = {int(term): j for j, term in reversed(list(enumerate(q_terms.tolist())))}
    for n, doc in enumerate(docs.tolist()):
        sequence = sequences[seq_ptr[doc]:seq_ptr[doc + 1]]
        at = np.flatnonzero(np.isin(sequence, q_terms))
        title_len = int(title_lens[n])
        places: dict[int, list[int]] = {}
        for position, term in zip(at.tolist(), sequence[at].tolist(), strict=True):
            place = position if position < title_len else position + window + 1
            places.setdefault(which_of[term], []).append(place)
        for p, (first, second) in enumerate(zip(pair_first.tolist(), pair_second.tolist(), strict=True)):
            others = places.get(second, [])
            out[n, p] = sum(1 for x in places.get(first, []) if any(abs(y - x) <= window for y in others))
    return out
