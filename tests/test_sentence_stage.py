"""Issue 18: the best-sentence stage puts the first passages in the order of their score and best sentence."""

from __future__ import annotations

import pytest

from qa.answer.search import Searcher
from qa.answer.sentence_stage import SENTENCE_DEPTH, depth, order, weight_for
from qa.index import Index

SERBIAN = "What did the parties discuss at the meeting with the Serbian ambassador?"


def test_order_weighs_the_score_share_and_the_best_sentence() -> None:
    # fused: 1 + 0.6 x 1.2 = 1.72; 8.5 / 9 + 0.6 x 2.9 = 2.68; 4 / 9 + 0.6 x 0.4 = 0.68
    assert order([9.0, 8.5, 4.0], [1.2, 2.9, 0.4], 0.6) == [1, 0, 2]
    assert order([9.0, 8.5, 4.0], [1.2, 2.9, 0.4], 0.0) == [0, 1, 2]
    assert order([9.0, 9.0], [1.0, 1.0], 0.6) == [0, 1]  # ties keep the scores' order
    assert order([5.0], [0.0], 0.6) == [0]
    assert order([], [], 0.6) == []


def test_only_the_first_passages_are_reordered() -> None:
    scores = [10.0, 9.0, 8.0, 7.0, 6.0, 5.9, 5.8]
    sentences = [0.0] * 6 + [9.0]  # the best sentence of all, but below the stage's depth
    assert order(scores, sentences, 0.6) == list(range(SENTENCE_DEPTH))


@pytest.mark.parametrize(("text", "asked"), [
    (SERBIAN, True),
    ("when did the strike end", True),  # no question mark, a question word first
    ("Is coffee bad for you", True),
    ("  who won?  ", True),
    ("0-dimensional biomaterials lack inductive properties.", False),  # a SciFact claim
    ("harbour strike", False),
])
def test_the_stage_weighs_only_questions(text: str, asked: bool) -> None:
    assert weight_for(text, 0.6) == (0.6 if asked else 0.0)
    assert depth(text, 3, 0.6) == (SENTENCE_DEPTH if asked else 3)
    assert depth(text, 3, 0.0) == 3 and depth(text, 8, 0.6) == 8


def test_a_passage_whose_sentence_answers_comes_first(seed_index: Index) -> None:
    plain = Searcher(seed_index, sentence_weight=0.0).ask(SERBIAN, top_k=2).passages
    staged = Searcher(seed_index, sentence_weight=0.4).ask(SERBIAN, top_k=2).passages
    # by score, the Turkish meeting's passage (1) comes first; its words are spread over sentences, and its best
    # sentence ("During the meeting with Bagchi last week, the parties discussed ...") says most of the question's
    # words too: weight 0.4 (fused 2.00 against 2.03), not the shipped 0.05, puts the Serbian meeting first
    assert [(p.citation.passage, "support mechanisms" in p.text) for p in plain] == [(1, False), (2, True)]
    assert [(p.rank, p.citation.passage) for p in staged] == [(1, 2), (2, 1)]
    assert [p.score for p in staged] == [plain[1].score, plain[0].score]  # scores are kept, as explained
    best = staged[0].best_sentence
    assert best is not None and "support mechanisms" in best.text


def test_a_statement_keeps_the_order_of_the_scores(seed_index: Index) -> None:
    statement = "The parties discussed the meeting with the Serbian ambassador"
    plain = Searcher(seed_index, sentence_weight=0.0).ask(statement, top_k=3).passages
    staged = Searcher(seed_index, sentence_weight=5.0).ask(statement, top_k=3).passages
    assert [(p.rank, p.citation.passage, p.score) for p in staged] == [
        (p.rank, p.citation.passage, p.score) for p in plain]
