from __future__ import annotations

from pathlib import Path

import pytest

from qa.answer.search import Searcher
from qa.config import Settings
from qa.errors import InvalidQuestion, InvalidRequest
from qa.index import Index, open_index

SHUSHA = "When did Azerbaijan and Turkey sign the Shusha Declaration?"
CO_CHAIRS = "Who co-chaired the meeting of Azerbaijan and Turkey on digital transformation?"
SMB = "Who did the SMB agency chairman meet?"


@pytest.fixture
def searcher(seed_index: Index) -> Searcher:
    return Searcher(seed_index)


def test_co_chairs_question_finds_them(searcher: Searcher, seed_index: Index) -> None:
    answer = searcher.ask(CO_CHAIRS, top_k=3)
    top = answer.passages[0]
    assert "Rovshan Rustamov" in top.text
    assert "Yavuz Emir Beyribey" in top.text
    article = seed_index.article_text(seed_index.article_number(top.citation.document_id))
    assert article[top.citation.start : top.citation.end] == top.text
    assert [h.rank for h in answer.passages] == [1, 2, 3]
    assert answer.passages[0].score >= answer.passages[1].score >= answer.passages[2].score


def test_smb_question_finds_the_turkish_ambassador_in_the_second_seed(searcher: Searcher, seed_index: Index) -> None:
    top = searcher.ask(SMB, top_k=3).passages[0]
    assert top.citation.document_id == "004_7d268188ac327656"
    assert top.citation.source == "004_7d268188ac327656.txt"
    assert "Turkish Ambassador Jahit Bagchi" in top.text  # in the lead paragraph, which is body text
    assert top.citation.title.startswith("Azerbaijan’s Agency for Development of Small and Medium-sized")
    article = seed_index.article_text(seed_index.article_number(top.citation.document_id))
    assert article[top.citation.start : top.citation.end] == top.text
    assert top.citation.start == 0 and top.text.startswith("Azerbaijan’s Agency")  # the passage starts at the lead


def test_highlights_point_at_matching_words(searcher: Searcher, seed_index: Index) -> None:
    top = searcher.ask(CO_CHAIRS, top_k=1).passages[0]
    article = seed_index.article_text(seed_index.article_number(top.citation.document_id))
    words = [article[s.start : s.end] for s in top.highlights]
    assert {"co", "chaired", "meeting", "Digital", "transformation"} <= set(words)
    assert all(top.citation.start <= s.start < s.end <= top.citation.end for s in top.highlights)


@pytest.mark.parametrize("money", ["$15 billion", "15 billion in 2023", "B2B", "2022-23", "co-chaired"])
def test_numbers_money_and_mixed_tokens_are_findable(searcher: Searcher, money: str) -> None:
    top = searcher.ask(money, top_k=1).passages[0]
    needle = {"$15 billion": "$15 billion", "15 billion in 2023": "$15 billion in 2023", "B2B": "B2B",
              "2022-23": "2022-23", "co-chaired": "co-chaired"}[money]
    assert needle in top.text


def test_a_word_in_half_of_the_passages_or_more_still_finds_them(searcher: Searcher, tmp_path: Path) -> None:
    """Four one-passage articles, two about harbour cranes: BM25Okapi gives a word in exactly 2 of them an IDF of
    ln(2.5 / 2.5) = 0, so rank-bm25 scores both 0 and qa found nothing; the floor of a word in more than half is
    theirs too (`qa.ranking.bm25.okapi_idf`), so both are returned, the shorter first."""
    docs = tmp_path / "docs"
    docs.mkdir()
    for name, text in (("a", "Harbour cranes lift steel."), ("b", "Harbour cranes rest at night."),
                       ("c", "Farmers sell grain in spring."), ("d", "Bakers sell bread at dawn.")):
        (docs / f"{name}.txt").write_text(f"Notes {name}\n\n{text}\n")
    small = Searcher(open_index(Settings(documents=docs, index_dir=tmp_path / "index")))
    assert small.index.engine.n_docs == 4
    answer = small.ask("harbour cranes", top_k=3)
    assert [(p.citation.document_id, p.text) for p in answer.passages] == [
        ("a", "Harbour cranes lift steel."), ("b", "Harbour cranes rest at night.")]
    assert answer.passages[0].score > answer.passages[1].score > 0 and answer.message is None
    assert [p.citation.document_id for p in small.ask("harbour grain", top_k=3).passages] == ["c", "a", "b"]


@pytest.mark.parametrize("articles", [1, 2])
def test_a_folder_of_one_or_two_short_articles_answers(tmp_path: Path, articles: int) -> None:
    """With one passage every word's BM25Okapi IDF is ln(0.5 / 1.5) < 0, with two a word of one passage has 0 and
    the floor (a share of a mean that is not positive) is below 0: every score was 0 or below and a folder of one or
    two short articles answered nothing, whatever was asked. Now the rarer word weighs more."""
    docs = tmp_path / "docs"
    docs.mkdir()
    notes = {"bridge": "Bridge reopens\n\nThe old harbour bridge reopened on Monday after repairs costing 42 million "
                       "euros. Buses and bicycles may cross it until June.\n",
             "wind": "Wind farm approved\n\nThe harbour council approved an offshore wind farm on Tuesday. It will "
                     "power 700,000 homes from 2029.\n"}
    for name in list(notes)[:articles]:
        (docs / f"{name}.txt").write_text(notes[name])
    small = Searcher(open_index(Settings(documents=docs, index_dir=tmp_path / "index")))
    answer = small.ask("How much did the bridge repairs cost?", top_k=3)
    assert [p.citation.document_id for p in answer.passages] == ["bridge"]
    assert answer.passages[0].best_sentence is not None
    assert answer.passages[0].best_sentence.text == ("The old harbour bridge reopened on Monday after repairs costing "
                                                     "42 million euros.")
    if articles == 2:
        shared = small.ask("harbour wind", top_k=3)  # harbour is in both; wind, the rarer, decides
        assert [p.citation.document_id for p in shared.passages] == ["wind", "bridge"]


def test_scores_are_positive_for_the_bundled_articles(searcher: Searcher) -> None:
    for question in (SHUSHA, CO_CHAIRS, SMB, "Azerbaijan", "trade turnover Serbia"):
        scores = [p.score for p in searcher.ask(question, top_k=4).passages]
        assert scores and min(scores) > 0, question


def test_stopword_only_question_returns_nothing_and_says_why(searcher: Searcher) -> None:
    answer = searcher.ask("What is it that they were?", top_k=3)
    assert answer.passages == []
    assert answer.message == ("No passages: the question has only stopwords (What, is, it, that, they, were), "
                              "which are not searched.")
    punctuation = searcher.ask("?!", top_k=3)
    assert punctuation.passages == [] and punctuation.message == "No passages: the question has no words to search for."


def test_question_with_unknown_terms_only(searcher: Searcher) -> None:
    answer = searcher.ask("Zeppelin quasar", top_k=3)
    assert answer.passages == []
    assert answer.message == "No passage contains any of: Zeppelin, quasar."
    assert [(term.word, term.term) for term in answer.terms] == [("Zeppelin", "zeppelin"), ("quasar", "quasar")]


@pytest.mark.parametrize(("question", "top_k", "message"), [
    ("", 3, "the question is empty"),
    ("   ", 3, "the question is empty"),
    ("x" * 2001, 3, "the question is 2001 characters long; the limit is 2000"),
    ("trade", 0, "top_k must be a whole number from 1 to 100, not 0"),
    ("trade", 101, "top_k must be a whole number from 1 to 100, not 101"),
])
def test_invalid_questions_are_refused(searcher: Searcher, question: str, top_k: int, message: str) -> None:
    # top_k is not the question: its error is an InvalidRequest (InvalidQuestion's parent), as every edge raises it
    with pytest.raises(InvalidQuestion if top_k == 3 else InvalidRequest) as error:
        searcher.ask(question, top_k=top_k)
    assert str(error.value) == message


def test_top_k_larger_than_matches(searcher: Searcher, seed_index: Index) -> None:
    answer = searcher.ask("Serbia", top_k=100)
    assert 1 <= len(answer.passages) < seed_index.engine.n_docs
    assert all("Serbia" in h.text for h in answer.passages)


def test_a_pasted_page_is_searched_with_its_64_rarest_terms(seed_index: Index) -> None:
    from qa.answer.search import MAX_QUESTION_TERMS

    words: dict[str, str] = {}  # term -> a word of the articles that has it
    for token in seed_index.analyzer.tokens(seed_index.article_text(0) + " " + seed_index.article_text(1)):
        words.setdefault(token.term, token.term)
    question = " ".join(list(words)[:100])
    assert len(question) <= 2000 and len(set(seed_index.analyzer.terms(question))) > 64
    answer = Searcher(seed_index).ask(question, top_k=3)
    kept = {term.term for term in answer.terms}
    assert len(kept) == MAX_QUESTION_TERMS == 64
    df = {t: seed_index.engine.doc_freq(seed_index.vocab[t]) for t in set(seed_index.analyzer.terms(question))
          if t in seed_index.vocab}
    assert len(df) > 64
    assert max(df[t] for t in kept) <= min(df[t] for t in set(df) - kept)
    assert answer.passages
