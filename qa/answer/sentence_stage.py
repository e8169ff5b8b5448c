"""The best sentence as the last ranking stage: the first few passages reordered by how well their best sentence
answers.

    >>> order([9.0, 8.5, 4.0], [1.2, 2.9, 0.4], weight=0.2)   # 1.24, 1.52, 0.52
    [1, 0, 2]

A passage is the answer only if one of its sentences is, and the passage's score (BM25 plus the proximity bonus)
cannot see sentences: a passage that mentions every question word across three paragraphs outscores one whose
single sentence says them together. So, after the passages are cited, the first `SENTENCE_DEPTH` of them are put
in the order of

    fused(p) = score(p) / the first passage's score + weight x best_sentence(p).score

where the best sentence's score is `qa.answer.sentence.best_sentence`'s (its matched terms scaled to the
passage's best, its words spelled as asked, its neighbourhood's and previous sentence's share of the question,
the asked kind's bonus). Passages below `SENTENCE_DEPTH` keep their place; every passage keeps its score (which
its explanation adds up to), so within the first `SENTENCE_DEPTH` the scores need not decrease. Ties keep the
scores' order. Weight 0 turns the stage off; so does a question that is not asked as one (`weight_for`).

Chosen on the choose splits only, with 700-word passages (`benchmarks/sentence_stage.py`; `README.md`, Measured
quality, has the table and the held-out figures): on the SQuAD v1.1 dev "choose" half, weight 0.05 / 0.1 / 0.2 over
the first 3 passages puts a passage holding an answer first for 0.8521 / 0.8581 / 0.8641 of the questions instead of
0.8447, and its best sentence holds one for 0.6981 / 0.7047 / 0.7142 instead of 0.6906; on our BBC questions'
choose half the same weights give hit@1 0.90 / 0.89 / 0.88 against 0.90 without the stage (a sibling story whose
sentence says the question's words takes rank 1). The default is the largest weight that loses nothing at rank 1 on
any choose split (issue 17's rule). With the first 3 passages, the number `qa ask` shows, the stage costs no more
evidence than the answer already gathers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from qa.models import Passage

SENTENCE_DEPTH = 3
"""Passages the stage may reorder: on the SQuAD choose half, at weight 0.2, 3 gives nearly the gain of 5 (best
sentence@1 0.7193 against 0.7202; 2: 0.7158), and `qa ask` cites 3 anyway (5 made its answers 1.4x slower)."""


_ASKING = re.compile(r"\?\s*$|^\W*(?:what|which|who|whom|whose|when|where|why|how|in what|is|are|was|were|do|does|"
                     r"did|can|could|should|would|will|has|have|had)\b", re.I)


def weight_for(question: str, weight: float) -> float:
    """The stage's weight for `question`: `weight` when it is asked as a question (it ends with a question mark or
    starts with a question word), else 0. A statement to check, such as SciFact's claims ("0-dimensional
    biomaterials lack inductive properties."), is supported by a whole passage rather than answered by one of its
    sentences: on SciFact's train claims the stage cost nDCG@10 at every weight tried (0.7033 without it; 0.7026,
    0.6999, 0.6948, 0.6863 at 0.2, 0.4, 0.6, 1.0)."""
    return weight if weight > 0 and _ASKING.search(question) else 0.0


def depth(question: str, top_k: int, weight: float) -> int:
    """How many passages to rank and cite so that the stage can choose the first `top_k` of them."""
    return max(top_k, SENTENCE_DEPTH) if weight_for(question, weight) else top_k


def order(scores: Sequence[float], sentence_scores: Sequence[float], weight: float) -> list[int]:
    """The positions of a ranking's first `SENTENCE_DEPTH` passages (of `scores`, best first, and their best
    sentences' scores) in the stage's order; the rest are not returned (they keep their place)."""
    head = min(len(scores), SENTENCE_DEPTH)
    top = max(scores[:head], default=0.0)
    if weight <= 0 or head < 2 or top <= 0:
        return list(range(head))
    fused = [scores[n] / top + weight * sentence_scores[n] for n in range(head)]
    return sorted(range(head), key=lambda n: (-fused[n], n))


def by_best_sentence(question: str, passages: list[Passage], weight: float, top_k: int) -> list[Passage]:
    """The cited `passages` of `question` (best first by score) in the stage's order, the first `top_k`, ranks
    renumbered."""
    positions = order([p.score for p in passages],
                      [p.best_sentence.score if p.best_sentence else 0.0 for p in passages],
                      weight_for(question, weight))
    ordered = [passages[n] for n in positions] + passages[len(positions):]
    return [passage if passage.rank == rank else replace(passage, rank=rank)
            for rank, passage in enumerate(ordered[:top_k], start=1)]
