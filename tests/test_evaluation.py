"""`qa eval` on tiny data of our own (tests/data/beir_tiny, tests/data/squad_tiny.json), metrics checked by hand."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from qa.answer.search import Searcher
from qa.cli import main
from qa.cli.evaluation import (
    EvaluationDataError,
    contains_answer,
    evaluate_beir,
    evaluate_squad,
    load_beir,
    load_squad,
    normalize_answer,
    open_searcher,
    ranked_texts,
    trec_metrics,
)
from qa.config import Settings

from .conftest import TESTS

BEIR_TINY = TESTS / "data" / "beir_tiny"
SQUAD_TINY = TESTS / "data" / "squad_tiny.json"
# Settings written out, so these tests do not move when the shipped defaults are tuned.
FIXED = Settings(k1=1.2, b=0.75, epsilon=0.25, chunk_words=20, chunk_overlap=0, title_in_passages=True)


# -- BEIR ----------------------------------------------------------------------------------------------------


def test_beir_metrics_match_hand_computed_values() -> None:
    # q1 "bananas in tropical places" -> d2 first (relevant): nDCG 1, recall 1, RR 1.
    # q2 "red fruits" -> d3 (red + fruit) then d1 (red; relevant): nDCG 1/log2(3), recall 1, RR 1/2.
    # q3 "zebra" -> nothing: 0, 0, 0. q4 is not judged and is not asked.
    result = evaluate_beir(BEIR_TINY, FIXED)
    assert result["records"] == 5 and result["passages"] == 5 and result["queries"] == 3
    assert result["ndcg@10"] == round((1 + 1 / math.log2(3) + 0) / 3, 4) == 0.5436
    assert result["recall@100"] == round(2 / 3, 4)
    assert result["mrr@10"] == 0.5


def test_beir_records_are_indexed_whole_whatever_the_chunk_setting() -> None:
    # d5 has two paragraphs; a 10-word chunk setting would split it, but BEIR records stay one passage.
    result = evaluate_beir(BEIR_TINY, Settings(chunk_words=10, chunk_overlap=0))
    assert result["passages"] == result["records"] == 5
    assert result["settings"]["chunk_words"] == 2000


def test_trec_metrics_cut_mrr_at_10_and_count_unanswered_queries() -> None:
    qrels = {"a": {"rel": 1}, "b": {"rel": 1}, "c": {"rel": 1}}
    ranked = {f"x{i}": float(100 - i) for i in range(10)}  # ten wrong documents first...
    run = {"a": {**ranked, "rel": 1.0},                     # ...then the relevant one, 11th
           "b": {"rel": 5.0, "x": 4.0}}                      # "c" absent: answered with nothing
    metrics = trec_metrics(qrels, run)
    assert metrics["mrr@10"] == round((0 + 1 + 0) / 3, 4)  # rank 11 is beyond MRR@10
    assert metrics["recall@100"] == round(2 / 3, 4)
    assert metrics["ndcg@10"] == round(1 / 3, 4)


def test_beir_loader_errors_name_the_problem(tmp_path: Path) -> None:
    with pytest.raises(EvaluationDataError, match="BEIR folder not found"):
        load_beir(tmp_path / "nope")
    (tmp_path / "corpus.jsonl").write_text('{"_id": "1", "title": "t", "text": "x"}\n')
    with pytest.raises(EvaluationDataError, match=r"missing queries.jsonl, qrels/test.tsv"):
        load_beir(tmp_path)
    (tmp_path / "queries.jsonl").write_text("not json\n")
    (tmp_path / "qrels").mkdir()
    (tmp_path / "qrels" / "test.tsv").write_text("q\t1\t1\n")
    with pytest.raises(EvaluationDataError, match=r"queries.jsonl, line 1: not JSON"):
        load_beir(tmp_path)
    (tmp_path / "queries.jsonl").write_text('{"_id": "other", "text": "x"}\n')
    with pytest.raises(EvaluationDataError, match="judges 1 queries absent from queries.jsonl"):
        load_beir(tmp_path)


# -- SQuAD ---------------------------------------------------------------------------------------------------


def test_normalize_answer_is_the_official_one() -> None:
    assert normalize_answer("The  Denver Broncos!") == "denver broncos"
    assert normalize_answer("an apple, a pear and the U.S.") == "apple pear and us"
    assert normalize_answer("Theatre") == "theatre"  # articles only as whole words
    assert normalize_answer("  ") == ""


def test_contains_answer_matches_whole_normalised_words() -> None:
    assert contains_answer("They won in 1850, the records say.", ["in 1850"])
    assert contains_answer("Visitors eat roasted chestnuts.", ["The roasted chestnuts"])
    assert not contains_answer("It was 18500 years ago.", ["1850"])
    assert not contains_answer("anything", ["", "!"])


def test_squad_articles_are_rebuilt_and_answer_offsets_map_into_the_file() -> None:
    data = load_squad(SQUAD_TINY)
    assert [title for title, _ in data.articles] == ["Tiny Town", "Big River"]
    text = data.articles[1][1]
    assert text.startswith("Big River\n\nThe Big River flows north for 300 miles.")
    assert "Clearwater.\n\nSalmon swim" in text
    assert data.span_mismatches == 0
    for question in data.questions:
        article = data.articles[question.article][1]
        assert [article[a:b] for a, b in question.spans] == question.answers
    [t4] = [q for q in data.questions if q.id == "t4"]
    start = len("Big River\n\nThe Big River flows north for ")
    assert t4.spans == [(start, start + len("300 miles"))]


def test_squad_metrics_match_hand_computed_values() -> None:
    # One passage per paragraph (20 words). t1 "founded" -> its paragraph first (recall@1, span).
    # t2 "festival visitors eat" -> its paragraph first. t4 "lake salmon swim": the salmon paragraph (2 terms,
    # shorter) beats the lake one, which holds "300 miles": found at rank 2 only. t5: no word in the corpus.
    result = evaluate_squad(SQUAD_TINY, FIXED, split="all")
    assert result["articles"] == 2 and result["passages"] == 4 and result["questions"] == 4
    assert result["answer_recall@1"] == 0.5
    assert result["answer_recall@5"] == 0.75
    assert result["answer_recall@20"] == 0.75
    assert result["span_overlap@1"] == 0.5
    assert result["span_mismatches"] == 0


def test_squad_of_two_passages_answers_from_the_right_article() -> None:
    # One passage per article. BM25Okapi's IDF is ln(1.5 / 1.5) = 0 for a word of one passage and below 0 for a
    # word of both (the floor is a share of a mean that is not positive), so rank-bm25 scores every passage 0 or
    # below and qa answered nothing; its IDF stays positive (qa.ranking.bm25.okapi_idf), so each question with a
    # word in the corpus gets its article first (t5's words are in none), and t1's and t2's best sentences hold
    # the answer (t4 asks about the salmon sentence for "300 miles", the other one).
    result = evaluate_squad(SQUAD_TINY, FIXED.model_copy(update={"chunk_words": 500}), split="all")
    assert result["passages"] == 2
    assert result["answer_recall@1"] == 0.75 and result["answer_recall@20"] == 0.75
    assert result["span_overlap@1"] == 0.75 and result["best_sentence@1"] == 0.5


def test_ranking_is_searcher_ask_s(tmp_path: Path) -> None:
    """The evaluation's ranking (`Searcher.rank`) returns exactly the passages `Searcher.ask` returns, in order."""
    data = load_squad(SQUAD_TINY)
    documents = tmp_path / "documents"
    documents.mkdir()
    for number, (_, text) in enumerate(data.articles):
        (documents / f"{number:05d}.txt").write_text(text, encoding="utf-8")
    index, searcher = open_searcher(documents, FIXED.model_copy(update={"chunk_words": 10}))
    plain = Searcher(index)
    compared = 0
    for question in data.questions:
        ours = ranked_texts(searcher, question.question, 20)
        theirs = plain.ask(question.question, top_k=20).passages
        assert [(h.document_id, h.start, h.end, h.text) for h in ours] == \
            [(h.citation.document_id, h.citation.start, h.citation.end, h.text) for h in theirs]
        compared += len(ours)
    assert compared > len(data.questions)


def test_the_first_passages_carry_the_best_sentence_ask_shows_for_statements_too(tmp_path: Path) -> None:
    """best sentence@1 reads the first passage's best sentence: `ranked_texts` gives the first passages' as
    `Searcher.ask` does, a question the best-sentence stage leaves alone included (a statement: no question mark,
    no question word first), whose first passage had none (best sentence@1 0.7284 -> 0.7252 on SQuAD's report half,
    26 of its questions asked so)."""
    data = load_squad(SQUAD_TINY)
    documents = tmp_path / "documents"
    documents.mkdir()
    for number, (_, text) in enumerate(data.articles):
        (documents / f"{number:05d}.txt").write_text(text, encoding="utf-8")
    index, searcher = open_searcher(documents, FIXED.model_copy(update={"chunk_words": 10}))
    plain = Searcher(index)
    asked = [question.question for question in data.questions]
    stated = [f"tell me {question.rstrip('?')}" for question in asked]
    checked = 0
    for question in asked + stated:
        ours = ranked_texts(searcher, question, 20)[:3]
        theirs = plain.ask(question, top_k=3).passages
        assert [h.best_sentence for h in ours] == [h.best_sentence for h in theirs]
        checked += sum(h.best_sentence is not None for h in ours)
    assert checked >= len(asked + stated)


def test_squad_loader_errors_name_the_problem(tmp_path: Path) -> None:
    with pytest.raises(EvaluationDataError, match="SQuAD file not found"):
        load_squad(tmp_path / "nope.json")
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2]")
    with pytest.raises(EvaluationDataError, match="is not a SQuAD json file"):
        load_squad(bad)
    bad.write_text(json.dumps({"data": [{"title": "x", "paragraphs": [{"context": "c"}]}]}))
    with pytest.raises(EvaluationDataError, match="is not SQuAD v1.1: article 1 lacks or mistypes 'qas'"):
        load_squad(bad)


# -- CLI -----------------------------------------------------------------------------------------------------


def test_cli_prints_figures_and_json(capsys: pytest.CaptureFixture) -> None:
    assert main(["eval", "beir", str(BEIR_TINY), "--k1", "1.2", "--b", "0.75", "--epsilon", "0.25"]) == 0
    out = capsys.readouterr().out
    assert "nDCG@10            0.5436" in out and "MRR@10             0.5000" in out
    assert main(["eval", "squad", str(SQUAD_TINY), "--json", "--chunk-words", "20", "--chunk-overlap", "0",
                 "--k1", "1.2", "--b", "0.75", "--epsilon", "0.25", "--split", "all"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["answer_recall@5"] == 0.75 and result["settings"]["chunk_words"] == 20


def test_cli_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["eval", "beir", str(tmp_path / "missing")]) == 1
    assert capsys.readouterr().err == f"qa: error: BEIR folder not found: {tmp_path / 'missing'}\n"
    assert main(["eval", "squad", str(BEIR_TINY / "corpus.jsonl")]) == 1
    assert "is not a SQuAD json file" in capsys.readouterr().err
    assert main(["eval", "squad", str(SQUAD_TINY), "--documents", str(tmp_path)]) == 2  # qa eval makes its corpus
    assert capsys.readouterr().err == "qa: error: No such option: --documents (see 'qa eval --help')\n"
