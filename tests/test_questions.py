"""Reader questions about the two bundled articles (documents/), each with words the right passage holds.

Done when (issue 15): every question answered in the top 3, and all but at most one at rank 1. Measured: all 20 in
the top 3 and 19 at rank 1. The folder is small, so its passages are cut shorter (`qa.corpus.chunking.passage_words`:
eleven passages, not four): with four, BM25Okapi's IDF of a word in two of them is ln((4 - 2 + 0.5) / (2 + 0.5)) = 0
and questions about the Shusha Declaration or the joint projects were answered by the wrong passage. The one below
rank 1 (`BELOW_RANK_1`) asks about the Serbian meeting in words the Turkish meeting's passage shares.
"""

from __future__ import annotations

import pytest

from qa.answer.search import Searcher
from qa.index import Index

QUESTIONS = [  # (question, words of the answer the passage must hold)
    ("Who co-chaired the first meeting of the Azerbaijani-Turkish working group on digital transformation?",
     "Rovshan Rustamov"),
    ("In what format was the first meeting of the digital transformation working group held?", "videoconference"),
    ("When was the roadmap of the Azerbaijani-Turkish working group on digital transformation signed?",
     "September 14, 2021"),
    ("Which areas of cooperation does the digital transformation roadmap include?", "cybersecurity"),
    ("What forum did the working group decide to establish?", "digital transformation forum"),
    ("When will the first event of the digital transformation forum be organized?", "end of 2022"),
    ("Which infrastructure projects have Azerbaijan and Turkey completed together?", "TANAP"),
    ("When did Azerbaijan and Turkey sign the Shusha Declaration?", "June 15"),
    ("What was the trade turnover between Azerbaijan and Turkey in the first ten months of 2021?", "$3.4 billion"),
    ("What mutual trade turnover goal did the two countries set for 2023?", "$15 billion"),
    ("Who is Azerbaijan's second-largest investor?", "second-largest investor"),
    ("Which country was ready to participate in the restoration of Azerbaijan's liberated territories?",
     "liberated territories"),
    ("Who is the chairman of the Agency for Development of Small and Medium-sized Businesses?", "Orkhan Mammadov"),
    ("Which ambassadors did the SMB agency chairman Orkhan Mammadov meet?", "Dragan Vladisavljevic"),
    ("What is the name of the Turkish ambassador?", "Jahit Bagchi"),
    ("How did Azerbaijan's trade turnover with Serbia change in 2021?", "tripled"),
    ("What was the total turnover between Azerbaijan and Serbia in 2020?", "$9 million"),
    ("How many agreements were signed at the Azerbaijani-Turkish business forum in Ankara?", "Eleven agreements"),
    ("What was the trade turnover between Azerbaijan and Turkey in the first half of 2020?", "$2.2 billion"),
    ("What did the parties discuss at the meeting with the Serbian ambassador?", "support mechanisms"),
]
BELOW_RANK_1 = {"What did the parties discuss at the meeting with the Serbian ambassador?"}


def rank_of_answer(searcher: Searcher, question: str, words: str) -> int | None:
    return next((p.rank for p in searcher.ask(question, top_k=3).passages if words in p.text), None)


@pytest.mark.parametrize(("question", "words"), QUESTIONS)
def test_every_question_is_answered_in_the_top_3(seed_index: Index, question: str, words: str) -> None:
    assert rank_of_answer(Searcher(seed_index), question, words) is not None


def test_the_rest_are_answered_at_rank_1(seed_index: Index) -> None:
    searcher = Searcher(seed_index)
    ranks = {question: rank_of_answer(searcher, question, words) for question, words in QUESTIONS}
    assert {question for question, rank in ranks.items() if rank != 1} == BELOW_RANK_1
    assert len(QUESTIONS) >= 15 and seed_index.engine.n_docs == 11
