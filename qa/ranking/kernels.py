"""Compiled loops of the sparse engine (numba, `nogil` so server threads run them in parallel).

Kept apart from `engine.py` so that the engine reads as plain NumPy and these loops can be read one at a time.
`cache=True` stores the machine code beside this file, so only the first run after install pays the compile.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from numba import njit

from qa.ranking import bm25

Array = npt.NDArray[Any]


@njit(cache=True, nogil=True)
def count_postings(tokens: Array, doc_starts: Array, n_terms: int) -> tuple[Array, Array, Array]:
    """Term frequencies per (passage, term), in passage order, and each term's document frequency.

    `tokens[doc_starts[d]:doc_starts[d + 1]]` are the term ids of passage d.
    Returns (pair_terms, pair_docs, pair_tfs) with one entry per distinct (passage, term), passage-major.
    """
    n_docs = doc_starts.shape[0] - 1
    tf_of = np.zeros(n_terms, np.int32)
    pair_terms = np.empty(tokens.shape[0], np.int32)
    pair_docs = np.empty(tokens.shape[0], np.int32)
    pair_tfs = np.empty(tokens.shape[0], np.int32)
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
            tf_of[t] = 0
    return pair_terms[:n_pairs], pair_docs[:n_pairs], pair_tfs[:n_pairs]


@njit(cache=True, nogil=True)
def count_documents(tokens: Array, doc_starts: Array, n_terms: int, first_doc: int, end_doc: int
                    ) -> tuple[Array, int]:
    """Each term's document frequency over passages first_doc..end_doc - 1, and the largest tf of any (passage,
    term) there: the first pass of `SparseBM25.from_flat` (one call per part of the passages, in threads)."""
    tf_of = np.zeros(n_terms, np.int64)
    doc_freq = np.zeros(n_terms, np.int64)
    largest = 0
    for d in range(first_doc, end_doc):
        for p in range(doc_starts[d], doc_starts[d + 1]):
            t = tokens[p]
            if tf_of[t] == 0:
                doc_freq[t] += 1
            tf_of[t] += 1
        for p in range(doc_starts[d], doc_starts[d + 1]):
            t = tokens[p]
            if tf_of[t] > largest:
                largest = tf_of[t]
            tf_of[t] = 0
    return doc_freq, largest


@njit(cache=True, nogil=True)
def fill_postings(tokens: Array, doc_starts: Array, fill: Array, doc_ids: Array, tfs: Array, first_doc: int,
                  end_doc: int) -> None:
    """Term-major postings straight from passages' term ids (the second pass): passages first_doc..end_doc - 1
    put at `fill[t]` onwards for term t (where that part's postings of t start). No (term, passage, tf) pair
    arrays, which at 1M passages took 450 MB beside the result. Passages stay ascending per term."""
    tf_of = np.zeros(fill.shape[0], np.int64)
    for d in range(first_doc, end_doc):
        for p in range(doc_starts[d], doc_starts[d + 1]):
            tf_of[tokens[p]] += 1
        for p in range(doc_starts[d], doc_starts[d + 1]):
            t = tokens[p]
            if tf_of[t]:
                slot = fill[t]
                doc_ids[slot] = d
                tfs[slot] = tf_of[t]
                fill[t] = slot + 1
                tf_of[t] = 0


@njit(cache=True, nogil=True)
def invert(pair_terms: Array, pair_docs: Array, pair_tfs: Array, indptr: Array) -> tuple[Array, Array]:
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


_term_weight: Any = njit(inline="always")(bm25.term_weight)  # the formula lives in qa/bm25.py only


@njit(cache=True, nogil=True)
def posting_maxima(indptr: Array, doc_ids: Array, tfs: Array, idf: Array, doc_len: Array, norm_of_len: Array,
                   unit_of_len: Array, k1: float) -> Array:
    """The largest weight of each term's postings (`qa.bm25.term_weight`, compiled): the most one occurrence of
    the term can add to a score."""
    n_terms = indptr.shape[0] - 1
    maxima = np.zeros(n_terms, np.float64)
    for t in range(n_terms):
        best = 0.0
        w_idf = idf[t]
        for p in range(indptr[t], indptr[t + 1]):
            weight = _weight(tfs, doc_len, norm_of_len, unit_of_len, p, doc_ids[p], w_idf, k1)
            if weight > best:
                best = weight
        maxima[t] = best
    return maxima


@njit(cache=True, nogil=True, inline="always")
def _weight(tfs: Array, doc_len: Array, norm_of_len: Array, unit_of_len: Array, p: int, d: int, w_idf: float,
            k1: float) -> float:
    """The weight of posting p (passage d) of a term whose IDF is `w_idf`: computed, not stored, always by the
    one formula (`qa.bm25.term_weight`) with the length norm of the passage's length, so every path gets the same
    number to the last bit. Most postings have tf 1, whose weight is idf * unit_of_len[|d|]
    (`SparseBM25.unit_of_len`: the formula's fraction at tf 1, the same number): a multiplication."""
    tf = tfs[p]
    length = doc_len[d]
    if tf == 1:
        unit: float = w_idf * unit_of_len[length]
        return unit
    weight: float = _term_weight(np.float64(tf), w_idf, norm_of_len[length], k1)
    return weight


@njit(cache=True, nogil=True, inline="always")
def _better(score_a: float, doc_a: int, score_b: float, doc_b: int) -> bool:
    """Ranking order: higher score first; equal scores by passage order (earlier first)."""
    return score_a > score_b or (score_a == score_b and doc_a < doc_b)


@njit(cache=True, nogil=True, inline="always")
def _seek(doc_ids: Array, lo: int, hi: int, d: int) -> int:
    """First position in the sorted doc_ids[lo:hi] holding a passage >= d (galloping, then binary search)."""
    step = 1
    bound = lo
    while bound < hi and doc_ids[bound] < d:
        lo = bound + 1
        bound += step
        step <<= 1
    if bound > hi:
        bound = hi
    while lo < bound:
        mid = (lo + bound) >> 1
        if doc_ids[mid] < d:
            lo = mid + 1
        else:
            bound = mid
    return lo


@njit(cache=True, nogil=True)
def _best_first(scores: Array, docs: Array, n: int) -> None:
    """Sort the first `n` of `scores` and `docs` together in place, best first (`_better`): an insertion sort, since
    n is k, small (and `rescore`'s passages, `top_k`'s answer, come nearly in order already)."""
    for a in range(1, n):
        s = scores[a]
        d = docs[a]
        b = a - 1
        while b >= 0 and _better(s, d, scores[b], docs[b]):
            scores[b + 1] = scores[b]
            docs[b + 1] = docs[b]
            b -= 1
        scores[b + 1] = s
        docs[b + 1] = d


_WINDOW = 8192  # passages per window of `top_k`: its buffers (~140 KB) stay in the L2 cache


@njit(cache=True, nogil=True, inline="always")
def _offer(heap_scores: Array, heap_docs: Array, filled: int, k: int, score: float, d: int) -> int:
    """Put passage d in the heap of the k best if it belongs there (the root is the worst kept); return the fill."""
    if filled < k:
        pos = filled  # sift up
        filled += 1
        while pos > 0:
            parent = (pos - 1) // 2
            if _better(heap_scores[parent], heap_docs[parent], score, d):
                heap_scores[pos] = heap_scores[parent]
                heap_docs[pos] = heap_docs[parent]
                pos = parent
            else:
                break
    elif _better(score, d, heap_scores[0], heap_docs[0]):
        pos = 0  # replace the root, sift down
        while True:
            child = 2 * pos + 1
            if child >= k:
                break
            if child + 1 < k and _better(heap_scores[child], heap_docs[child],
                                         heap_scores[child + 1], heap_docs[child + 1]):
                child += 1
            if _better(score, d, heap_scores[child], heap_docs[child]):
                heap_scores[pos] = heap_scores[child]
                heap_docs[pos] = heap_docs[child]
                pos = child
            else:
                break
    else:
        return filled
    heap_scores[pos] = score
    heap_docs[pos] = d
    return filled


@njit(cache=True, nogil=True, inline="always")
def _keep_hopeful(cand: Array, n: int, acc: Array, seen: Array, bound: float, threshold: float) -> int:
    """Shrink the candidates cand[:n] to those whose score so far plus `bound` beats `threshold`; return how many.

    Branch-free compaction (about half the candidates go, unpredictably); dropped ones are cleared from the buffers.
    """
    kept = 0
    for x in range(n):
        i = cand[x]
        keep = acc[i] + bound > threshold
        cand[kept] = i
        kept += keep
        if not keep:
            acc[i] = 0.0
            seen[i] = 0
    return kept


@njit(cache=True, nogil=True)
def top_k(indptr: Array, doc_ids: Array, tfs: Array, idf: Array, doc_len: Array, norm_of_len: Array,
          unit_of_len: Array, k1: float, max_weight: Array, q_terms: Array, q_counts: Array, k: int, prune: bool,
          allowed: Array) -> tuple[Array, Array]:

    """The k best passages for a question, best first: MaxScore over sorted postings, one window of passages at a time.

    Each list has a bound: the most its term can add (count x largest weight). Sorted by bound, the lists whose
    bounds add up to no more than the current k-th best score are "non-essential": a passage found only in them
    cannot enter the top k. The passage ids are cut into windows of `_WINDOW` consecutive ids, starting at the
    next passage of an essential list, and each window is scored in three steps, with small buffers instead of a
    corpus-sized one:
    1. the essential lists' postings in the window are added into a score buffer (scanned: no per-passage merge
       of list heads), and each passage hit for the first time becomes a candidate;
    2. the non-essential lists, largest bound first: the candidates whose score so far plus the bounds still
       unchecked cannot beat the k-th best are dropped, then the list's weights are added to the others (merging
       its stretch of the window, or searching it, galloping, for each candidate when they are few);
    3. the remaining candidates are offered to a heap of the k best.
    The k-th best score only changes between windows (it is used for pruning from the next window on), so every
    candidate comes after all the passages in the heap: one whose bound only ties the k-th best would lose the
    tie (equal scores: earlier passage first), as in the full ranking. Every passage's weights are added in the
    same order (lists by decreasing bound, whichever are essential at the time), so passages with equal weights
    score equally to the last bit and such ties are decided by passage order too. Exact: the result equals a
    full scan's, except where two passages' scores differ only in the last bit because the same sum was added
    in another order (equal weights reached through different terms): either may then take the k-th place.
    `prune=False` (some weight is negative) scores every list fully. `allowed` (one flag per passage, or empty
    for all) restricts the ranking to a filter: the result is the best k within it, not a filtered top k.
    """
    filtered = allowed.shape[0] > 0
    m = q_terms.shape[0]
    bounds = np.empty(m, np.float64)
    for i in range(m):
        bounds[i] = q_counts[i] * max_weight[q_terms[i]]
    order = np.argsort(bounds)  # ascending: the first lists become non-essential first
    ptr = np.empty(m, np.int64)
    end = np.empty(m, np.int64)
    counts = np.empty(m, np.int64)
    idfs = np.empty(m, np.float64)
    below = np.zeros(m + 1, np.float64)  # below[i] = sum of the bounds of lists 0..i-1
    for j in range(m):
        t = q_terms[order[j]]
        idfs[j] = idf[t]
        ptr[j] = indptr[t]
        end[j] = indptr[t + 1]
        counts[j] = q_counts[order[j]]
        below[j + 1] = below[j] + bounds[order[j]]
    heap_docs = np.empty(k, np.int64)
    heap_scores = np.empty(k, np.float64)
    filled = 0
    threshold = -np.inf
    first_essential = 0
    acc = np.zeros(_WINDOW, np.float64)  # score so far of passage base + i, 0 when not a candidate
    seen = np.zeros(_WINDOW, np.uint8)  # 1 for a candidate
    cand = np.empty(_WINDOW + 1, np.int64)  # the candidates, as offsets i from base (+ 1: written before counted)
    while True:
        base = -1
        for j in range(first_essential, m):
            if ptr[j] < end[j]:
                head = doc_ids[ptr[j]]
                if base == -1 or head < base:
                    base = head
        if base == -1:
            break
        limit = base + _WINDOW
        n = 0
        for j in range(m - 1, first_essential - 1, -1):  # 1. essential lists, scanned, largest bound first
            p = ptr[j]
            stop = end[j]
            w_idf = idfs[j]
            while p < stop and doc_ids[p] < limit:
                d = doc_ids[p]
                if filtered and allowed[d] == 0:
                    p += 1  # outside the filter: never a candidate, so never searched for in other lists
                    continue
                i = d - base
                w = _weight(tfs, doc_len, norm_of_len, unit_of_len, p, d, w_idf, k1)
                for _ in range(counts[j]):
                    acc[i] += w
                cand[n] = i
                n += 1 - seen[i]  # branch-free: a new candidate only on the first hit
                seen[i] = 1
                p += 1
            ptr[j] = p
        j = first_essential - 1
        while j >= 0:  # 2. non-essential lists, largest bound first
            n = _keep_hopeful(cand, n, acc, seen, below[j + 1], threshold)
            if n == 0:
                break
            stop = end[j]
            w_idf = idfs[j]
            p = _seek(doc_ids, ptr[j], stop, base)
            ptr[j] = p
            if p < stop:
                span = doc_ids[stop - 1] - base + 1
                in_window = (stop - p) * min(1.0, _WINDOW / span)  # postings expected in the window
                if 32 * n < in_window:  # a search costs about as much as scanning 32 postings
                    for x in range(n):
                        i = cand[x]
                        q = _seek(doc_ids, p, stop, base + i)
                        if q < stop and doc_ids[q] == base + i:
                            w = _weight(tfs, doc_len, norm_of_len, unit_of_len, q, base + i, w_idf, k1)
                            for _ in range(counts[j]):
                                acc[i] += w
                else:
                    while p < stop and doc_ids[p] < limit:
                        d = doc_ids[p]
                        i = d - base
                        if seen[i]:
                            w = _weight(tfs, doc_len, norm_of_len, unit_of_len, p, d, w_idf, k1)
                            for _ in range(counts[j]):
                                acc[i] += w
                        p += 1
                    ptr[j] = p
            j -= 1
        for x in range(n):  # 3. into the heap
            i = cand[x]
            score = acc[i]
            acc[i] = 0.0
            seen[i] = 0
            filled = _offer(heap_scores, heap_docs, filled, k, score, base + i)  # in the filter: see step 1
        if filled == k and prune:
            threshold = heap_scores[0]
            while first_essential < m and below[first_essential + 1] <= threshold:
                first_essential += 1
    _best_first(heap_scores, heap_docs, filled)
    return heap_docs[:filled], heap_scores[:filled]


@njit(cache=True, nogil=True)
def rescore(indptr: Array, doc_ids: Array, tfs: Array, idf: Array, doc_len: Array, norm_of_len: Array,
            unit_of_len: Array, k1: float, q_terms: Array, q_counts: Array, docs: Array) -> tuple[Array, Array]:
    """`docs` best first with their scores, each term's weight added in question order (as `SparseBM25.scores`
    adds them); equal scores in passage order.

    `top_k` chooses the passages by sums added in its own order (lists by decreasing bound); the scores returned
    are those of a full scan, added in the one order `SparseBM25.scores` uses, so equal passages score equally
    and ties fall to passage order whatever k is. Each term's list is walked forward once over the passages in
    passage order (galloping from where the previous passage was found), not searched from its start for each.
    """
    n_docs = docs.shape[0]
    order = np.argsort(docs)  # passage order: every list is read forward
    out = np.zeros(n_docs, np.float64)  # a passage's sum starts at 0.0 and takes the terms in question order
    for j in range(q_terms.shape[0]):
        t = q_terms[j]
        p = indptr[t]
        hi = indptr[t + 1]
        w_idf = idf[t]
        for x in range(n_docs):
            n = order[x]
            d = docs[n]
            p = _seek(doc_ids, p, hi, d)
            if p == hi:
                break
            if doc_ids[p] == d:
                w = _weight(tfs, doc_len, norm_of_len, unit_of_len, p, d, w_idf, k1)
                for _ in range(q_counts[j]):
                    out[n] += w
    ranked = docs.copy()
    _best_first(out, ranked, n_docs)
    return ranked, out


@njit(cache=True, nogil=True)
def near_counts(sequences: Array, seq_ptr: Array, docs: Array, title_lens: Array, q_terms: Array, pair_first: Array,
                pair_second: Array, window: int) -> Array:
    """For each passage of `docs` and each pair p of question terms: how many occurrences of the term
    `q_terms[pair_first[p]]` have an occurrence of `q_terms[pair_second[p]]` at most `window` positions away.

    `sequences[seq_ptr[d]:seq_ptr[d + 1]]` are passage d's term ids in order, as indexed (stopwords removed, the
    title's terms first: `title_lens[n]` of them for `docs[n]`). The title is kept more than `window` away from the
    text, so its words are near each other but never near the start of every passage. One scan of the passage
    finds where the question's terms stand; each pair then walks its two terms' positions, in order, once.
    """
    m = q_terms.shape[0]
    n_pairs = pair_first.shape[0]
    out = np.zeros((docs.shape[0], n_pairs), np.int64)
    sieve = np.uint64(0)  # bit (term % 64) of every question term: most other terms are passed over at once
    for j in range(m):
        sieve |= np.uint64(1) << np.uint64(q_terms[j] & 63)
    for n in range(docs.shape[0]):
        lo = seq_ptr[docs[n]]
        hi = seq_ptr[docs[n] + 1]
        where = np.empty(hi - lo, np.int64)
        which = np.empty(hi - lo, np.int64)
        found = 0
        for i in range(lo, hi):
            term = sequences[i]
            if not (sieve >> np.uint64(term & 63)) & np.uint64(1):
                continue
            for j in range(m):
                if q_terms[j] == term:
                    position = i - lo
                    where[found] = position if position < title_lens[n] else position + window + 1
                    which[found] = j
                    found += 1
                    break
        # each term's positions, in order (a counting sort by term): a pair then walks two short sorted lists
        starts = np.zeros(m + 1, np.int64)
        for x in range(found):
            starts[which[x] + 1] += 1
        for j in range(m):
            starts[j + 1] += starts[j]
        fill = starts[:m].copy()
        places = np.empty(found, np.int64)
        for x in range(found):
            places[fill[which[x]]] = where[x]
            fill[which[x]] += 1
        for p in range(n_pairs):
            near = 0
            y = starts[pair_second[p]]
            y_end = starts[pair_second[p] + 1]
            for x in range(starts[pair_first[p]], starts[pair_first[p] + 1]):
                while y < y_end and places[y] < places[x] - window:  # b's occurrences too far before this a
                    y += 1
                if y < y_end and places[y] <= places[x] + window:
                    near += 1
            out[n, p] = near
    return out
