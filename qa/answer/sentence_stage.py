"""The best sentence as the last ranking stage: the first passages reordered by how well their best sentence
answers.

    >>> order([9.0, 8.5, 4.0], [1.2, 2.9, 0.4], weight=0.2, weight_rest=0.0)   # first place: 1.24, 1.52, 0.52
    [1, 0, 2]

A passage is the answer only if one of its sentences is, and the passage's score (BM25 plus the proximity bonus)
cannot see sentences: a passage that mentions every question word across three paragraphs outscores one whose
single sentence says them together. So, after the passages are cited, they are put in the order of

    fused(p) = score(p) / the first passage's score + w x best_sentence(p).score

where the best sentence's score is `qa.answer.sentence.best_sentence`'s (its matched terms scaled to the
passage's best, its words spelled as asked, its neighbourhood's and previous sentence's share of the question,
the asked kind's bonus), in two steps with two weights:

- **the first place** goes to the best by `fused` with `weight` (0.05) among the first `SENTENCE_DEPTH` (3): the
  score still decides it, since a sibling story whose one sentence repeats the question's words is wrong there
  more often than a passage that BM25 and the proximity stage put first;
- **the places after it** go to the rest of the first `REST_DEPTH` (7) by `fused` with `weight_rest` (0.5): the
  first passage has the topic; what the next ones add is a sentence that answers, which is where several stories
  on one subject crowd out the right one (BBC, "What share of Manchester United's stock did Glazer's banks want
  backing a bid...": six other stories on the bid, each saying "Glazer" ten times or more, outscore the one whose
  sentence says that his backers wanted 75% of the shares behind it; it is seventh by score, third after the
  stage).

Passages below `REST_DEPTH` keep their place; every passage keeps its score (which its explanation adds up to), so
the scores among the first `REST_DEPTH` need not decrease. Ties keep the scores' order. Weights 0 turn the stage
off; so does a question that is not asked as one (`weight_for`). Only the passages returned are cited; of the
others only the score of the best sentence is found, the asked kind's bonus only where it can change the answer
(`stage_order`).

Chosen on the choose splits only, with 700-word passages (`benchmarks/sentence_stage.py`; `README.md`, Measured
quality, has the tables and the held-out figures):

- `weight`: on the SQuAD v1.1 dev "choose" half, 0.05 / 0.1 / 0.2 puts a passage holding an answer first for
  0.8521 / 0.8581 / 0.8641 of the questions instead of 0.8447, but on our BBC questions' choose half hit@1 is
  0.90 / 0.89 / 0.88 against 0.90 without the stage: 0.05 is the largest weight that loses nothing at rank 1 on
  any choose split (issue 17's rule).
- `weight_rest` and `REST_DEPTH`: with the first place as above, 0.1 / 0.2 / 0.3 / 0.4 / 0.5 / 0.6 / 0.8 over the
  first 7 give SQuAD choose hit@3 0.9506 / 0.9522 / 0.9527 / 0.9523 / **0.9530** / 0.9523 / 0.9522 against
  0.9474 (hit@5 0.9668 -> 0.9684), and BBC choose hit@3 0.96 up to 0.3, **0.97** from 0.4. Rank 1 is the first
  step's, so it does not move. The first 7 are the fewest that keep the gain of the first 10 (SQuAD choose 0.9532
  / 0.9688 at 0.5, BBC the same; the first 5: hit@5 0.9668, no gain) at 4/7 of its cost: each passage weighed
  reads its text and runs the compiled evidence over it (at 1M passages, `benchmarks/http_load.py`: about 25 µs
  a passage; the first 10 cost `qa serve` a fifth of its answers a second there).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace

from qa.answer.kinds import asked_kind
from qa.answer.sentence import KIND_BONUS
from qa.models import Passage

SENTENCE_DEPTH = 3
"""Passages the first place is chosen among: on the SQuAD choose half, at weight 0.2, 3 gives nearly the gain of 5
(best sentence@1 0.7193 against 0.7202; 2: 0.7158)."""

REST_DEPTH = 7
"""Passages the places after the first are chosen among (above: the fewest with the gain of 10)."""


_ASKING = re.compile(r"\?\s*$|^\W*(?:what|which|who|whom|whose|when|where|why|how|in what|is|are|was|were|do|does|"
                     r"did|can|could|should|would|will|has|have|had)\b", re.I)


def weight_for(question: str, weight: float) -> float:
    """The stage's weight for `question`: `weight` when it is asked as a question (it ends with a question mark or
    starts with a question word), else 0. A statement to check, such as SciFact's claims ("0-dimensional
    biomaterials lack inductive properties."), is supported by a whole passage rather than answered by one of its
    sentences: on SciFact's train claims the stage cost nDCG@10 at every weight tried (0.7033 without it; 0.7026,
    0.6999, 0.6948, 0.6863 at 0.2, 0.4, 0.6, 1.0)."""
    return weight if weight > 0 and _ASKING.search(question) else 0.0


def reordered(question: str, weight: float, weight_rest: float) -> int:
    """How many of the first passages the stage may reorder for `question` (0: it keeps the scores' order)."""
    if not (weight_for(question, weight) or weight_for(question, weight_rest)):
        return 0
    return REST_DEPTH if weight_rest > 0 else SENTENCE_DEPTH


def depth(question: str, top_k: int, weight: float, weight_rest: float) -> int:
    """How many passages to rank and cite so that the stage can choose the first `top_k` of them (for one, the
    first place's `SENTENCE_DEPTH` are enough)."""
    return max(top_k, min(reordered(question, weight, weight_rest), SENTENCE_DEPTH if top_k == 1 else REST_DEPTH))


def order(scores: Sequence[float], sentence_scores: Sequence[float], weight: float, weight_rest: float
          ) -> list[int]:
    """The positions of a ranking's first passages (of `scores`, best first, and their best sentences' scores) in
    the stage's order: the first place among the first `SENTENCE_DEPTH` by `weight`, the rest of the first
    `REST_DEPTH` by `weight_rest` (only the first `SENTENCE_DEPTH` when it is 0); the passages after those are not
    returned (they keep their place)."""
    head = min(len(scores), SENTENCE_DEPTH)
    deep = min(len(scores), REST_DEPTH) if weight_rest > 0 else head
    top = max(scores[:deep], default=0.0)
    if head < 2 or top <= 0 or (weight <= 0 and weight_rest <= 0):
        return list(range(deep))

    def fused(n: int, w: float) -> tuple[float, int]:
        return -(scores[n] / top + w * sentence_scores[n]), n  # best first; ties keep the scores' order

    first = min(range(head), key=lambda n: fused(n, weight))
    return [first, *sorted((n for n in range(deep) if n != first), key=lambda n: fused(n, weight_rest))]


def _with_bonus(question: str, scores: Sequence[float], sentence_scores: list[float], weight: float,
                weight_rest: float, head: int, top_k: int, weigh: Weigh) -> tuple[list[int], list[float]]:
    """The positions among `sentence_scores` (the first `head` found whole, the others without the asked kind's
    bonus) whose score with the bonus could bring them among the first `top_k`, and those scores, found whole.

    The first place is the first `head`'s, whatever the others score. Of the places after it, a passage found
    without the bonus scores at least that (`low`) and at most that plus the bonus (`high`): one whose `high`
    is below the `top_k - 1`'th best `low` of the others cannot come among the first `top_k`."""
    bonus = KIND_BONUS.get(asked_kind(question) or "", 0.0)
    if not bonus or weight_rest <= 0:
        return [], []
    deep, top = len(sentence_scores), max(scores[: len(sentence_scores)])
    if top <= 0:  # the stage keeps the scores' order
        return [], []
    first = order(scores[:head], sentence_scores[:head], weight, 0.0)[0]
    low = {n: scores[n] / top + weight_rest * sentence_scores[n] for n in range(deep) if n != first}
    bar = sorted(low.values(), reverse=True)[min(top_k - 1, len(low)) - 1] if top_k > 1 and low else float("inf")
    maybe = [n for n in range(head, deep) if low[n] + weight_rest * bonus >= bar]
    return maybe, weigh(maybe, True) if maybe else []


Cite = Callable[[list[int]], list[Passage]]
"""Cites the passages at these positions of a ranking, in that order (`Searcher.cite`)."""
Weigh = Callable[[list[int], bool], list[float]]
"""The scores of the best sentences of the passages at these positions of a ranking, in that order, with (True) or
without the asked kind's bonus, and without the rest of their evidence or their citations
(`Searcher.sentence_scores`)."""


def staged(question: str, scores: Sequence[float], cite: Cite, weigh: Weigh, weight: float, weight_rest: float,
           top_k: int) -> list[Passage]:
    """The first `top_k` of a ranking (`scores`: its passages' scores, best first) in the stage's order, ranks
    renumbered (`stage_order`)."""
    return [passage if passage.rank == rank else replace(passage, rank=rank) for rank, (_, passage) in enumerate(
        stage_order(question, scores, cite, weigh, weight, weight_rest, top_k), start=1)]


def stage_order(question: str, scores: Sequence[float], cite: Cite, weigh: Weigh, weight: float,
                weight_rest: float, top_k: int) -> list[tuple[int, Passage]]:
    """The first `top_k` of a ranking (`scores`: its passages' scores, best first) in the stage's order: each
    one's position in the ranking, and it cited by `cite`.

    The first `SENTENCE_DEPTH` are cited (the first place is theirs); of the others that the places after the
    first are chosen among, only their best sentences' scores are found (`weigh`), and those that come among the
    first `top_k` are cited then: citations, highlights and best sentences' texts are not made for nothing. Their
    scores are first found without the asked kind's bonus (`qa.answer.sentence.KIND_BONUS`: a date, a number...),
    checking each candidate sentence for a thing of that kind being its costliest part; then with it only for
    those whose score with the bonus at most could still bring them among the first `top_k`: the first `top_k`
    are the same as with every score found whole (tested); on SQuAD's choose questions, 14 % of those passages
    are weighed again.
    """
    def cited(positions: list[int]) -> list[Passage]:
        return cite(positions) if positions else []

    ranked = len(scores)
    first, rest = weight_for(question, weight), weight_for(question, weight_rest)
    if not (first or rest):
        shown = list(range(min(top_k, ranked)))
        return list(zip(shown, cited(shown), strict=True))
    head = min(ranked, SENTENCE_DEPTH)
    deep = min(ranked, REST_DEPTH) if rest > 0 and top_k > 1 else head
    found = dict(enumerate(cited(list(range(head)))))
    sentence_scores = [p.best_sentence.score if p.best_sentence else 0.0 for p in found.values()]
    if deep > head:
        sentence_scores += weigh(list(range(head, deep)), False)
        for n, value in zip(*_with_bonus(question, scores, sentence_scores, first, rest, head, top_k, weigh),
                            strict=True):
            sentence_scores[n] = value
    positions = order(scores[:deep], sentence_scores, first, rest)[:top_k]
    positions += range(deep, min(ranked, deep + top_k - len(positions)))  # top_k beyond the stage's passages
    missing = [n for n in positions if n not in found]
    found.update(zip(missing, cited(missing), strict=True))
    return [(n, found[n]) for n in positions]
