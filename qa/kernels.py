"""Compiled loops of the sparse engine (numba, `nogil` so server threads run them in parallel).

Kept apart from `engine.py` so that the engine reads as plain NumPy and these loops can be read one at a time.
`cache=True` stores the machine code beside this file, so only the first run after install pays the compile.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def count_postings(tokens, doc_starts, n_terms):  # pragma: no cover - compiled
    """Term frequencies per (passage, term), in passage order, and each term's document frequency.

    `tokens[doc_starts[d]:doc_starts[d + 1]]` are the term ids of passage d.
    Returns (pair_terms, pair_docs, pair_tfs, doc_freq) with one entry per distinct (passage, term).
    """
    n_docs = doc_starts.shape[0] - 1
    tf_of = np.zeros(n_terms, np.int32)
    pair_terms = np.empty(tokens.shape[0], np.int32)
    pair_docs = np.empty(tokens.shape[0], np.int32)
    pair_tfs = np.empty(tokens.shape[0], np.int32)
    doc_freq = np.zeros(n_terms, np.int64)
    n_pairs = 0
    for d in range(n_docs):
        first = n_pairs
        for p in range(doc_starts[d], doc_starts[d + 1]):
            t = tokens[p]
            if tf_of[t] == 0:
                pair_terms[n_pairs] = t
                pair_docs[n_pairs] = d
                n_pairs += 1
            tf_of[t] += 1
        for q in range(first, n_pairs):
            t = pair_terms[q]
            pair_tfs[q] = tf_of[t]
            doc_freq[t] += 1
            tf_of[t] = 0
    return pair_terms[:n_pairs], pair_docs[:n_pairs], pair_tfs[:n_pairs], doc_freq


@njit(cache=True, nogil=True)
def invert(pair_terms, pair_docs, pair_tfs, indptr):  # pragma: no cover - compiled
    """Counting sort of (term, passage, tf) pairs into term-major postings; passages stay ascending per term."""
    fill = indptr[:-1].copy()
    doc_ids = np.empty(pair_terms.shape[0], np.int32)
    tfs = np.empty(pair_terms.shape[0], np.int32)
    for q in range(pair_terms.shape[0]):
        t = pair_terms[q]
        slot = fill[t]
        doc_ids[slot] = pair_docs[q]
        tfs[slot] = pair_tfs[q]
        fill[t] = slot + 1
    return doc_ids, tfs


@njit(cache=True, nogil=True)
def posting_weights(indptr, doc_ids, tfs, idf, norms, k1):  # pragma: no cover - compiled
    """BM25 weight of every posting, in the same float operations as `qa.bm25.term_weights`."""
    weights = np.empty(doc_ids.shape[0], np.float64)
    for t in range(indptr.shape[0] - 1):
        w_idf = idf[t]
        for p in range(indptr[t], indptr[t + 1]):
            tf = np.float64(tfs[p])
            weights[p] = w_idf * (tf * (k1 + 1) / (tf + norms[doc_ids[p]]))
    return weights


@njit(cache=True, nogil=True)
def accumulate(indptr, doc_ids, weights, q_terms, q_counts, acc, seen, touched):  # pragma: no cover - compiled
    """Add every question term's postings into `acc`; list each passage touched once in `touched`.

    Returns how many passages were touched. Only the postings of the question's terms are read.
    """
    n_touched = 0
    for i in range(q_terms.shape[0]):
        t = q_terms[i]
        c = q_counts[i]
        for p in range(indptr[t], indptr[t + 1]):
            d = doc_ids[p]
            if seen[d] == 0:
                seen[d] = 1
                touched[n_touched] = d
                n_touched += 1
            if c == 1:
                acc[d] += weights[p]
            else:
                for _ in range(c):  # as rank-bm25: a repeated question term adds its weight again
                    acc[d] += weights[p]
    return n_touched


@njit(cache=True, nogil=True, inline="always")
def _better(score_a, doc_a, score_b, doc_b):  # pragma: no cover - compiled
    """Ranking order: higher score first; equal scores by passage order (earlier first)."""
    return score_a > score_b or (score_a == score_b and doc_a < doc_b)


@njit(cache=True, nogil=True)
def select_top_k(acc, touched, n_touched, k):  # pragma: no cover - compiled
    """The k best touched passages, best first, with a bounded heap: O(touched * log k), no full sort."""
    size = min(k, n_touched)
    heap_docs = np.empty(size, np.int64)
    heap_scores = np.empty(size, np.float64)
    filled = 0
    for j in range(n_touched):
        d = touched[j]
        s = acc[d]
        if filled < size:
            # sift up: the heap's root is the worst kept passage
            pos = filled
            filled += 1
            while pos > 0:
                parent = (pos - 1) // 2
                if _better(heap_scores[parent], heap_docs[parent], s, d):
                    heap_scores[pos] = heap_scores[parent]
                    heap_docs[pos] = heap_docs[parent]
                    pos = parent
                else:
                    break
            heap_scores[pos] = s
            heap_docs[pos] = d
        elif _better(s, d, heap_scores[0], heap_docs[0]):
            pos = 0
            while True:
                child = 2 * pos + 1
                if child >= size:
                    break
                if child + 1 < size and _better(heap_scores[child], heap_docs[child],
                                                heap_scores[child + 1], heap_docs[child + 1]):
                    child += 1
                if _better(s, d, heap_scores[child], heap_docs[child]):
                    heap_scores[pos] = heap_scores[child]
                    heap_docs[pos] = heap_docs[child]
                    pos = child
                else:
                    break
            heap_scores[pos] = s
            heap_docs[pos] = d
    # order best first (size is small: insertion sort)
    for a in range(1, size):
        s = heap_scores[a]
        d = heap_docs[a]
        b = a - 1
        while b >= 0 and _better(s, d, heap_scores[b], heap_docs[b]):
            heap_scores[b + 1] = heap_scores[b]
            heap_docs[b + 1] = heap_docs[b]
            b -= 1
        heap_scores[b + 1] = s
        heap_docs[b + 1] = d
    return heap_docs, heap_scores


@njit(cache=True, nogil=True)
def reset(acc, seen, touched, n_touched):  # pragma: no cover - compiled
    """Zero what one question wrote, so the buffers serve the next question without an O(N) clear."""
    for j in range(n_touched):
        d = touched[j]
        acc[d] = 0.0
        seen[d] = 0
