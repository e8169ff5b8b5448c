"""Compiled loops of a hit's evidence (numba): the words that matched, the highlights, and every candidate
sentence's score, for all the passages of an answer in one call (`answer_evidence`).

`qa.answer.sentence.best_sentence` and `qa.answer.evidence.highlights` are the reference: they say what is
computed, in Python, with dicts and bit masks. These loops compute the same numbers, with the same floating-point
operations in the same order, from the index's term-id sequences, word spans and sentence bounds, so that a whole
answer costs not much more than its ranking (`qa.answer.fast`, tests/test_fast_evidence.py compares both on
real folders). Imported only where the compiled kernels are (`qa.ranking.loops.compiled`): `qa ask "..."` never loads
numba.

Adding a per-sentence feature to the best sentence: compute it in `sentence_scores` where the score is summed,
as one more term of the same sum, in the same place as in `best_sentence`, and pass its weight (read from
`qa.answer.sentence` by `qa.answer.fast.evidence` at each call) as one more argument after `spread_power`,
here and in `answer_evidence`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt
from numba import njit

Array = npt.NDArray[Any]


@njit(cache=True, nogil=True)
def decode_spans(gaps: Array, wide: Array, values: Array, lengths: Array, seq_ptr: Array,
                 docs: Array) -> tuple[Array, Array]:
    """The word spans of the passages `docs` (relative to each passage's start), one passage after the other, and
    where each passage's rows start among them: `qa.index.spans.starts_of` for each passage (a word's start is
    the sum of the gaps before it in its passage, a gap of 255 or more read from `values` where `wide` says),
    plus `lengths`, as `Index.word_spans` gives them."""
    n_docs = docs.shape[0]
    base = np.zeros(n_docs, np.int64)
    total = 0
    for n in range(n_docs):
        base[n] = total
        total += seq_ptr[docs[n] + 1] - seq_ptr[docs[n]]
    spans = np.empty((total, 2), np.int64)
    row = 0
    for n in range(n_docs):
        lo = seq_ptr[docs[n]]
        hi = seq_ptr[docs[n] + 1]
        k = np.searchsorted(wide, lo)
        at = np.int64(0)
        for i in range(lo, hi):
            if k < wide.shape[0] and wide[k] == i:
                at += values[k]
                k += 1
            else:
                at += gaps[i]
            spans[row, 0] = at
            spans[row, 1] = at + lengths[i]
            row += 1
    return spans, base


@njit(cache=True, nogil=True)
def matched_words(sequences: Array, seq_ptr: Array, word_spans: Array, span_base: Array, sentences: Array,
                  sentence_ptr: Array, docs: Array, title_lens: Array, q_ids: Array
                  ) -> tuple[Array, Array, Array, Array, Array, Array, Array, Array]:
    """The words of each passage of `docs` whose term is a question term (`q_ids`, term ids; -1 for a term the
    index lacks), as `Index.matched_tokens` finds them, and its highlights, as `evidence.highlights` merges them.

    Returns (tok_ptr, tok_term, tok_start, tok_end, tok_sentence, hl_ptr, hl_start, hl_end): passage n's words are
    `tok_ptr[n]:tok_ptr[n + 1]`, each with the index of its term in `q_ids`, its span (relative to the passage's
    start) and the position of the sentence it ends in (`sentence._by_sentence`); its highlights are
    `hl_ptr[n]:hl_ptr[n + 1]` (relative spans, overlapping words merged).
    """
    n_docs = docs.shape[0]
    m = q_ids.shape[0]
    sieve = np.uint64(0)  # as in qa.ranking.kernels.near_counts: most words are passed over at once
    for j in range(m):
        if q_ids[j] >= 0:
            sieve |= np.uint64(1) << np.uint64(q_ids[j] & 63)
    total = 0
    for n in range(n_docs):
        total += seq_ptr[docs[n] + 1] - seq_ptr[docs[n]]
    tok_ptr = np.zeros(n_docs + 1, np.int64)
    tok_term = np.empty(total, np.int64)
    tok_start = np.empty(total, np.int64)
    tok_end = np.empty(total, np.int64)
    tok_sentence = np.empty(total, np.int64)
    hl_ptr = np.zeros(n_docs + 1, np.int64)
    hl_start = np.empty(total, np.int64)
    hl_end = np.empty(total, np.int64)
    found = 0
    lit = 0
    for n in range(n_docs):
        d = docs[n]
        s_lo = sentence_ptr[d]
        s_hi = sentence_ptr[d + 1]
        last = s_hi - s_lo - 1
        cursor = s_lo
        first_lit = lit
        previous_end = np.int64(-1)
        for i in range(seq_ptr[d] + title_lens[n], seq_ptr[d + 1]):
            term = sequences[i]
            if not (sieve >> np.uint64(term & 63)) & np.uint64(1):
                continue
            for j in range(m):
                if q_ids[j] == term:
                    row = i - seq_ptr[d] + span_base[n]  # the passages' spans are decoded one after the other
                    start = np.int64(word_spans[row, 0])
                    end = np.int64(word_spans[row, 1])
                    if end < previous_end:
                        cursor = s_lo  # words are in text order; should one not be, look from the start again
                    previous_end = end
                    while cursor < s_hi and sentences[cursor, 1] < end:  # bisect_left over the sentences' ends
                        cursor += 1
                    tok_term[found] = j
                    tok_start[found] = start
                    tok_end[found] = end
                    tok_sentence[found] = min(cursor - s_lo, last)
                    found += 1
                    if lit > first_lit and start < hl_end[lit - 1]:
                        hl_end[lit - 1] = max(hl_end[lit - 1], end)
                    else:
                        hl_start[lit] = start
                        hl_end[lit] = end
                        lit += 1
                    break
        tok_ptr[n + 1] = found
        hl_ptr[n + 1] = lit
    return (tok_ptr, tok_term[:found], tok_start[:found], tok_end[:found], tok_sentence[:found], hl_ptr,
            hl_start[:lit], hl_end[:lit])


@njit(cache=True, nogil=True)
def spelled_words(text: Array, lengths: Array, tok_ptr: Array, tok_start: Array, tok_end: Array, words: Array,
                  word_ptr: Array) -> Array:
    """For each matched word, the index of the question's word it spells (lowercased), or -1: what
    `passage[start:end].lower()` finds among the question's spelled words; -2 for a word with a character that is
    not ASCII, which only Python lowercases (`str.lower`: Unicode's mappings, some to two characters).

    `text`: the passages' characters one after the other (`lengths[n]` of passage n; bytes where every passage is
    ASCII, else code points); `words[word_ptr[w]:word_ptr[w + 1]]`: the question's word w, lowercased, in the
    same encoding. A word of ASCII characters lowercases to A-Z mapped to a-z, which equals no word that is not
    ASCII.
    """
    n_docs = tok_ptr.shape[0] - 1
    n_words = word_ptr.shape[0] - 1
    out = np.full(tok_start.shape[0], -1, np.int64)
    base = 0
    for n in range(n_docs):
        if n:
            base += lengths[n - 1]
        for t in range(tok_ptr[n], tok_ptr[n + 1]):
            length = tok_end[t] - tok_start[t]
            at = base + tok_start[t]
            for i in range(length):
                if text[at + i] >= 128:
                    out[t] = -2
            if out[t] == -2:
                continue
            for w in range(n_words):
                if word_ptr[w + 1] - word_ptr[w] != length:
                    continue
                same = True
                for i in range(length):
                    c = np.int64(text[at + i])
                    if 65 <= c <= 90:
                        c += 32
                    if c != words[word_ptr[w] + i]:
                        same = False
                        break
                if same:
                    out[t] = w
                    break
    return out


@njit(cache=True, nogil=True)
def _bits(mask: np.uint64) -> int:
    count = 0
    while mask:
        mask &= mask - np.uint64(1)
        count += 1
    return count


@njit(cache=True, nogil=True)
def _covered(mask: np.uint64, idf_order: Array, q_idf: Array, counted: Array) -> float:
    """The IDF of the question terms (counted ones, in `idf_order`) whose bit is in `mask`: `sum(value for bit,
    value in valued if mask & bit)`, added in the same order, from 0."""
    total = 0.0
    for o in range(idf_order.shape[0]):
        j = idf_order[o]
        if counted[j] and (mask >> np.uint64(j)) & np.uint64(1):
            total += q_idf[j]
    return total


@njit(cache=True, nogil=True)
def sentence_scores(sentence_counts: Array, tok_ptr: Array, tok_term: Array, tok_sentence: Array, tok_word: Array,
                    q_times: Array, q_idf: Array, q_has_idf: Array, idf_order: Array, word_term: Array,
                    subject: Array, has_subject: Array, spelled_weight: float, window_weight: float,
                    previous_weight: float, idf_power: float, spread_power: float
                    ) -> tuple[Array, Array, Array, Array, Array]:
    """Every candidate sentence's score (without the asked kind's bonus) in each passage, as `best_sentence`
    scores it, and the best by (score, distinct matched terms, earlier).

    Per passage n (its `sentence_counts[n]` sentences, its matched words `tok_ptr[n]:tok_ptr[n + 1]` with their
    term index `tok_term`, sentence `tok_sentence` and the index of the question's word they spell, lowercased,
    `tok_word`, or -1). Per question term j (in the question's order, `AskedQuestion.counts`): how often it is
    asked, its IDF and whether it has one (`q_has_idf`); `idf_order`: the terms with an IDF in the order of
    `AskedQuestion.idf` (the order its sums are added in); `word_term`: each spelled word's term index. `subject`
    (n, j): whether the term is one of the article title's terms, which do not count unless none of the words
    that matched is another term (`has_subject[n]`: the title has terms).

    Returns (cand_ptr, cand_position, cand_score, cand_distinct, best): passage n's candidates, in passage order,
    are `cand_ptr[n]:cand_ptr[n + 1]`; `best[n]` is the index of its best candidate, -1 when it has none.
    """
    n_docs = sentence_counts.shape[0]
    m = q_times.shape[0]
    n_words = word_term.shape[0]
    cand_total = 0
    for n in range(n_docs):
        cand_total += sentence_counts[n]
    cand_ptr = np.zeros(n_docs + 1, np.int64)
    cand_position = np.empty(cand_total, np.int64)
    cand_score = np.empty(cand_total, np.float64)
    cand_distinct = np.empty(cand_total, np.int64)
    best = np.full(n_docs, -1, np.int64)
    counted = np.zeros(m, np.bool_)
    weight = np.zeros(m, np.float64)
    weighed = np.zeros(m, np.bool_)
    candidates = 0
    for n in range(n_docs):
        count = sentence_counts[n]
        cand_ptr[n + 1] = candidates
        t_lo = tok_ptr[n]
        t_hi = tok_ptr[n + 1]
        if count == 0 or t_hi == t_lo:
            continue
        excluded = has_subject[n]
        if excluded:  # the title's terms do not count: unless no other term matched (then the title's words choose)
            other = False
            for t in range(t_lo, t_hi):
                if q_has_idf[tok_term[t]] and not subject[n, tok_term[t]]:
                    other = True
                    break
            excluded = other
        for j in range(m):
            counted[j] = q_has_idf[j] and not (excluded and subject[n, j])
        asked_words = 0
        for w in range(n_words):
            if not (excluded and subject[n, word_term[w]]):
                asked_words += 1
        if asked_words == 0:
            asked_words = 1
        found = np.zeros(count, np.uint64)
        holds = np.zeros(count, np.bool_)
        spelled = np.zeros(count, np.uint64)
        for t in range(t_lo, t_hi):
            position = tok_sentence[t]
            found[position] |= np.uint64(1) << np.uint64(tok_term[t])
            holds[position] = True
            w = tok_word[t]
            if w >= 0 and not (excluded and subject[n, word_term[w]]):
                spelled[position] |= np.uint64(1) << np.uint64(w)
        weighed_mask = np.uint64(0)
        for j in range(m):
            weighed[j] = False
            if not counted[j]:
                continue
            present = 0
            for p in range(count):
                if holds[p] and (found[p] >> np.uint64(j)) & np.uint64(1):
                    present += 1
            if present:
                weight[j] = (q_times[j] * math.copysign(abs(q_idf[j]) ** idf_power, q_idf[j])
                             * math.log(1 + count / present) ** spread_power)
                weighed[j] = True
                weighed_mask |= np.uint64(1) << np.uint64(j)
        matched = np.zeros(count, np.float64)
        top = 0.0
        first = True
        for p in range(count):
            if not holds[p]:
                continue
            total = 0.0
            for j in range(m):
                if weighed[j] and (found[p] >> np.uint64(j)) & np.uint64(1):
                    total += weight[j]
            matched[p] = total
            if first or total > top:
                top = total
                first = False
        if top == 0.0:
            top = 1.0
        total_idf = 0.0
        for o in range(idf_order.shape[0]):
            if counted[idf_order[o]]:
                total_idf += q_idf[idf_order[o]]
        if total_idf == 0.0:
            total_idf = 1.0
        for p in range(count):
            near = holds[p] or (p > 0 and holds[p - 1]) or (p + 1 < count and holds[p + 1])
            if not near:
                continue
            mask = found[p]
            before = found[p - 1] if p > 0 else np.uint64(0)
            after = found[p + 1] if p + 1 < count else np.uint64(0)
            window = mask | before | after  # a mask of no term covers 0.0 (not 0.0 / total_idf: -0.0 if below 0)
            coverage = _covered(window, idf_order, q_idf, counted) / total_idf if window else 0.0
            before &= ~mask  # what only the previous sentence says
            previous = _covered(before, idf_order, q_idf, counted) / total_idf if before else 0.0
            score = (matched[p] / top + spelled_weight * _bits(spelled[p]) / asked_words
                     + window_weight * coverage + previous_weight * previous)
            distinct = _bits(mask & weighed_mask)
            c = candidates
            cand_position[c] = p
            cand_score[c] = score
            cand_distinct[c] = distinct
            b = best[n]
            if b < 0 or score > cand_score[b] or (score == cand_score[b] and distinct > cand_distinct[b]):
                best[n] = c
            candidates += 1
        cand_ptr[n + 1] = candidates
    return cand_ptr, cand_position[:candidates], cand_score[:candidates], cand_distinct[:candidates], best


@njit(cache=True, nogil=True)
def best_bounds(sentences: Array, sentence_ptr: Array, docs: Array, starts: Array, cand_position: Array,
                best: Array) -> Array:
    """Each passage's best sentence as article offsets (its first sentence when no candidate scored; (-1, -1)
    when it has no sentence). `starts`: the passages' article offsets."""
    out = np.full((docs.shape[0], 2), -1, np.int64)
    for n in range(docs.shape[0]):
        first = sentence_ptr[docs[n]]
        if first == sentence_ptr[docs[n] + 1]:
            continue
        row = first + cand_position[best[n]] if best[n] >= 0 else first
        out[n, 0] = starts[n] + sentences[row, 0]
        out[n, 1] = starts[n] + sentences[row, 1]
    return out


@njit(cache=True, nogil=True)
def answer_evidence(sequences: Array, seq_ptr: Array, word_spans: Array, span_base: Array, sentences: Array,
                    sentence_ptr: Array, docs: Array, starts: Array, ends: Array, title_lens: Array, q_ids: Array,
                    text: Array, words: Array, word_ptr: Array, q_times: Array, q_idf: Array, q_has_idf: Array,
                   idf_order: Array, word_term: Array, subject: Array, has_subject: Array, spelled_weight: float,
                   window_weight: float, previous_weight: float, idf_power: float, spread_power: float
                   ) -> tuple[Array, Array, Array, Array, Array, Array, Array, Array, Array, bool]:
    """`matched_words`, `spelled_words` and `sentence_scores` in one call.

    Returns (hl_ptr, hl_start, hl_end, cand_ptr, cand_position, cand_score, cand_distinct, best, bounds, done): the
    highlights and `best_bounds` as article offsets, the candidates as `sentence_scores` gives them; `done` is
    False (and nothing scored) when a matched word is not ASCII (`spelled_words`)."""
    tok_ptr, tok_term, tok_start, tok_end, tok_sentence, hl_ptr, hl_start, hl_end = matched_words(
        sequences, seq_ptr, word_spans, span_base, sentences, sentence_ptr, docs, title_lens, q_ids)
    tok_word = spelled_words(text, ends - starts, tok_ptr, tok_start, tok_end, words, word_ptr)
    if tok_word.size and tok_word.min() == -2:  # a matched word that only Python lowercases: say so, score nothing
        none = np.zeros(0, np.int64)
        return (hl_ptr, hl_start, hl_end, none, none, np.zeros(0, np.float64), none, none, np.zeros((0, 2), np.int64),
                False)
    counts = sentence_ptr[docs + 1] - sentence_ptr[docs]
    cand_ptr, cand_position, cand_score, cand_distinct, best = sentence_scores(
        counts, tok_ptr, tok_term, tok_sentence, tok_word, q_times, q_idf, q_has_idf, idf_order, word_term, subject,
        has_subject, spelled_weight, window_weight, previous_weight, idf_power, spread_power)
    for n in range(docs.shape[0]):
        for h in range(hl_ptr[n], hl_ptr[n + 1]):
            hl_start[h] += starts[n]
            hl_end[h] += starts[n]
    bounds = best_bounds(sentences, sentence_ptr, docs, starts, cand_position, best)
    return hl_ptr, hl_start, hl_end, cand_ptr, cand_position, cand_score, cand_distinct, best, bounds, True
