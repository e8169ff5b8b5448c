"""Question terms found near each other: a second ranking stage over BM25's best passages.

BM25 scores each question term on its own, so a passage that mentions "vitamin" in one sentence and "D" three
paragraphs later ranks like one that says "vitamin D". The `RERANK_DEPTH` best passages by BM25 are therefore
scored again with a bonus for every pair (a, b) of distinct question terms (in question order):

    bonus(d) = weight * sum over pairs of  min(idf(a), idf(b)) * near * (k1 + 1) / (near + length_norm(d))

where `near` is how many occurrences of a have an occurrence of b at most `window` terms away (terms as indexed:
stopwords removed; the title's terms, indexed before every passage of the article, count as near each other but
never as near the passage's first words). That is BM25's own saturation and length normalisation
(`qa.bm25.term_weight`), with the pair standing in for a term. The bonus is never negative, so passages only move
up, and only among the first `RERANK_DEPTH`: every passage keeps its BM25 score plus its bonus, and the results
stay in score order. The BM25 stage itself stays exactly rank-bm25's.

Measured on BEIR SciFact and SQuAD (`benchmarks/README-quality.md`): weight 0.2 and window 10 raise SciFact
nDCG@10 from 0.6912 to 0.7026 and SQuAD answer recall@1 from 0.8218 to 0.8385; weight 0 turns it off.
"""

from __future__ import annotations

from itertools import combinations
from types import ModuleType

import numpy as np

from qa.index.reader import Index
from qa.ranking import loops, plain
from qa.ranking.bm25 import term_weight

RERANK_DEPTH = 20
"""Passages re-scored: on SciFact, 20 gives the same nDCG@10 as 100 (passages further down never reach the top
10); fewer lose some of the gain."""


def _pairs(term_ids: list[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct question terms in question order, and the index pairs (first, second) between them."""
    distinct = np.asarray(list(dict.fromkeys(term_ids)), np.int64)
    pairs = list(combinations(range(len(distinct)), 2))
    first = np.asarray([a for a, _ in pairs], np.int64)
    second = np.asarray([b for _, b in pairs], np.int64)
    return distinct, first, second


def _pair_weights(index: Index, term_ids: list[int], docs: np.ndarray, window: int
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(near counts per passage and pair, min idf per pair, length norm per passage, and each pair's two term
    ids). A negative term id stands for a question term this index does not hold (see `bonuses`)."""
    engine = index.engine
    distinct, first, second = _pairs(term_ids)
    title_lens = index.title_terms[np.asarray(index.passages[docs, 0])]
    loops_here = loops.compiled() or plain  # NumPy alone in a one-question process (qa.ranking.loops)
    near = loops_here.near_counts(index.sequences, index.sequence_ptr, docs, title_lens, distinct, first, second,
                                  window)
    idf = np.where(distinct >= 0, np.asarray(engine.idf)[np.maximum(distinct, 0)], 0.0)
    min_idf = np.minimum(idf[first], idf[second])
    norms = engine.length_norms(docs)
    return near, min_idf, norms, distinct[first], distinct[second]


def bonuses(index: Index, term_ids: list[int], docs: np.ndarray, weight: float, window: int) -> np.ndarray:
    """The proximity bonus of each passage of `docs` for a question (its term ids).

    A term id below 0 stands for a question term this index does not hold (a shard of a bigger collection,
    `qa.distributed`; use a different negative id for each such term): it is near nothing, so its pairs add 0.
    The pairs' parts are added one after the other, in pair order, so such zeros change nothing, to the last
    bit: a shard's bonus equals that of one index holding every term.
    """
    if weight <= 0 or len(set(term_ids)) < 2 or docs.size == 0:
        return np.zeros(docs.shape[0], np.float64)
    compiled = _compiled()
    if compiled is not None:  # the same numbers in one call
        engine = index.engine
        distinct, first, second = _pairs(term_ids)
        title_lens = index.title_terms[np.asarray(index.passages[docs, 0])]
        bonus_of: np.ndarray = compiled.bonuses(index.sequences, index.sequence_ptr, docs, title_lens, distinct, first,
                                                second, window, engine.idf, engine.length_norms(docs),
                                                engine.params.k1, weight)
        return bonus_of
    near, min_idf, norms, _, _ = _pair_weights(index, term_ids, docs, window)
    k1 = index.engine.params.k1
    parts = term_weight(near.astype(np.float64), min_idf[None, :], norms[:, None], k1)
    bonus: np.ndarray = weight * np.cumsum(parts, axis=1)[:, -1]  # in order (`sum` adds in pairs: zeros would count)
    return bonus


def _compiled() -> ModuleType | None:
    """The compiled bonus (`qa.answer.proximity_kernel`), or None in a process that answers with NumPy alone."""
    if loops.compiled() is None:
        return None
    from qa.answer import proximity_kernel  # lazy: numba

    return proximity_kernel


def boost(docs: np.ndarray, scores: np.ndarray, bonus: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A ranking (`docs`, `scores`, best first) with its first `len(bonus)` passages' scores raised by `bonus` and
    put in order again (equal scores keep their order); the rest as it was."""
    head = bonus.shape[0]
    boosted = scores[:head] + bonus
    order = np.argsort(-boosted, kind="stable")  # equal scores keep BM25's order
    return np.concatenate([docs[:head][order], docs[head:]]), np.concatenate([boosted[order], scores[head:]])


def rerank(index: Index, term_ids: list[int], docs: np.ndarray, scores: np.ndarray, weight: float,
           window: int) -> tuple[np.ndarray, np.ndarray]:
    """BM25's ranking (`docs`, `scores`, best first) with the first `RERANK_DEPTH` passages scored again."""
    head = min(RERANK_DEPTH, docs.shape[0])
    if weight <= 0 or head < 1 or len(set(term_ids)) < 2:
        return docs, scores
    return boost(docs, scores, bonuses(index, term_ids, docs[:head], weight, window))


def pair_contributions(index: Index, term_ids: list[int], doc: int, weight: float, window: int
                       ) -> list[tuple[int, int, int, float]]:
    """(term id a, term id b, near, contribution) of every pair with near > 0: one passage's bonus, explained."""
    if weight <= 0 or len(set(term_ids)) < 2:
        return []
    docs = np.asarray([doc], np.int64)
    near, min_idf, norms, firsts, seconds = _pair_weights(index, term_ids, docs, window)
    k1 = index.engine.params.k1
    return [(int(firsts[p]), int(seconds[p]), int(near[0, p]),
             weight * float(term_weight(float(near[0, p]), float(min_idf[p]), float(norms[0]), k1)))
            for p in range(firsts.shape[0]) if near[0, p] > 0]
