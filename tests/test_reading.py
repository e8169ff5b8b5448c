"""Issue 18: the answer a person reads. One screen in the terminal, words as asked, empty answers that say why (with
suggestions), a best sentence that reads what the question asks for, and evaluation on held-out splits."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from qa.answer.search import Searcher
from qa.cli import main
from qa.cli.evaluation import evaluate_beir, evaluate_squad, load_squad, squad_halves
from qa.cli.render import render_answer, use_color
from qa.collection import Collection
from qa.config import Settings
from qa.index import open_index
from qa.web.app import create_app

from .conftest import ARTICLES, SEED_DOCUMENTS, TESTS, settings_for

SHUSHA = "When did Azerbaijan and Turkey sign the Shusha Declaration?"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture(scope="module")
def newsroom(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Dated articles with long titles and long passages, under two folders. The port articles are four stories, each
    its own wording (the same body under four titles would be copies of one story: `qa.index.copies`)."""
    docs = tmp_path_factory.mktemp("reading") / "news"
    (docs / "business").mkdir(parents=True)
    (docs / "sport").mkdir()
    for n in range(4):
        filler = " ".join(f"The harbour board met again on day {day} of season {n} and talked about cranes, ships "
                          "and tonnes." for day in range(40))
        (docs / "business" / f"port{n}.md").write_text(
            f"---\ntitle: The port of Baku and its {n} very long named new container terminal on the Caspian coast\n"
            f"date: 2024-0{n + 1}-15\nauthor: A. Reporter\n---\n\n{filler}\n\n"
            f"The new terminal cost $120 million and handles 40 percent of the country's container traffic. "
            f"It opened in 2018, said Taleh Ziyadov.\n\n{filler}\n", encoding="utf-8")
    (docs / "sport" / "match.md").write_text("---\ntitle: Cup final\ndate: 2023-05-02\n---\n\nThe match ended 2-1.\n",
                                             encoding="utf-8")
    topics = ["wheat harvest in the north", "tea prices at the bazaar", "a chess final in Shamakhi", "rain over Baku",
              "a new metro line", "carpet weavers of Guba", "a jazz festival", "pomegranate exports", "a film premiere",
              "the national library", "mountain roads in winter", "a football derby"]
    for n, topic in enumerate(topics):  # other news, so that the harbour's words are rare enough to weigh
        (docs / "sport" / f"other{n}.md").write_text(f"---\ntitle: Other news {n}\n---\n\nA short report on {topic}.\n",
                                                    encoding="utf-8")
    return docs


@pytest.fixture(scope="module")
def collection(newsroom: Path, tmp_path_factory: pytest.TempPathFactory) -> Collection:
    return Collection(newsroom, tmp_path_factory.mktemp("reading-index") / "index")


# -- the terminal --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("color", [False, True])
def test_three_results_fit_in_25_lines_at_100_columns(collection: Collection, color: bool) -> None:
    answer = collection.ask("How much did the new container terminal in the harbour cost?", top_k=3)
    assert len(answer.passages) == 3
    out = render_answer(answer, color=color, width=100)
    lines = ANSI.sub("", out).split("\n")
    assert len(lines) <= 25
    assert all(len(line) <= 100 for line in lines)
    assert ("\x1b[" in out) == color  # styles only when asked for
    for hit in answer.passages:  # each result: its header with rank and score, where it is from, its best sentence
        assert any(line.startswith(f"{hit.rank}. The port of Baku") and line.endswith(f"score {hit.score:.3f}")
                   for line in lines)
        assert f"   {hit.citation.source} · passage {hit.citation.passage} · {hit.citation.date} · A. Reporter" in lines
    assert answer.passages[0].best_sentence is not None
    assert answer.passages[0].best_sentence.text.startswith("The new terminal cost $120 million")
    best = [line for line in lines if line.startswith(" » ")]
    assert len(best) == 3 and best[0].startswith(" » The new terminal cost $120 million")


def test_full_prints_whole_passages(collection: Collection) -> None:
    answer = collection.ask("container terminal cost", top_k=1)
    short = render_answer(answer, color=False, width=100)
    full = render_answer(answer, color=False, width=100, full=True)
    passage_words = answer.passages[0].text.split()
    assert " ".join(full.split()).count(" ".join(passage_words)) == 1  # every word of the passage, in order
    assert len(short.splitlines()) <= 7 < len(full.splitlines())


def test_color_only_on_a_terminal_and_never_with_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    assert use_color(True) and not use_color(False)
    monkeypatch.setenv("NO_COLOR", "1")
    assert not use_color(True)
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("TERM", "dumb")
    assert not use_color(True)


def test_cli_full_and_explain_show_words_as_asked(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    args = ["--documents", str(SEED_DOCUMENTS), "--index-dir", str(tmp_path / "i")]
    assert main(["ask", "How do Azerbaijan and Turkey cooperate?", "--top-k", "1", "--explain", "--json", *args]) == 0
    body = json.loads(capsys.readouterr().out)
    assert {"word": "cooperate", "term": "cooper"} in body["terms"]
    parts = {part["word"]: part["term"] for part in body["passages"][0]["explanation"]}
    assert parts["cooperate"] == "cooper" and parts["Azerbaijan"] == "azerbaijan"
    assert all(len(pair["words"]) == 2 for pair in body["passages"][0]["proximity"])
    assert main(["ask", "How do Azerbaijan and Turkey cooperate?", "--top-k", "1", "--explain", *args]) == 0
    out = capsys.readouterr().out
    assert "     cooperate [cooper]: tf=" in out and "     Azerbaijan: tf=" in out
    assert main(["ask", SHUSHA, "--top-k", "1", "--json", *args]) == 0
    passage = json.loads(capsys.readouterr().out)["passages"][0]["text"]
    assert main(["ask", SHUSHA, "--top-k", "1", "--full", *args]) == 0
    full = capsys.readouterr().out
    assert " ".join(passage.split()) in " ".join(full.split())  # the whole passage, every word in order


# -- empty answers and suggestions ---------------------------------------------------------------------------


def test_unknown_words_get_suggestions_from_the_articles(tmp_path: Path,
                                                         capsys: pytest.CaptureFixture) -> None:
    searcher = Searcher(open_index(settings_for(SEED_DOCUMENTS, tmp_path / "s")))
    answer = searcher.ask("cooperashun", top_k=3)
    assert answer.passages == [] and answer.unknown_terms == ["cooperashun"]
    assert [(s.word, s.did_you_mean) for s in answer.suggestions] == [("cooperashun", ["cooperation"])]
    assert answer.message == 'No passage contains any of: cooperashun. Did you mean "cooperation" for "cooperashun"?'
    found = searcher.ask("Azerbaijan cooperashun", top_k=1)
    assert found.passages and found.suggestions[0].did_you_mean == ["cooperation"] and found.message is None
    assert all(not s.did_you_mean for s in searcher.ask("zx 2031", top_k=1).suggestions)  # short words, numbers
    args = ["--documents", str(SEED_DOCUMENTS), "--index-dir", str(tmp_path / "i")]
    assert main(["ask", "Azerbaijan cooperashun", "--top-k", "1", *args]) == 0
    assert capsys.readouterr().out.startswith("Not in any article: cooperashun (did you mean cooperation?)\n1. ")


def test_empty_answers_say_which_reason(collection: Collection) -> None:
    later = collection.ask("terminal", date_from="2031-01-01")
    assert later.passages == []
    assert later.message == ("No article matches the filter date_from=2031-01-01 (dated articles run from 2023-05-02 "
                             "to 2024-04-15).")
    nowhere = collection.ask("terminal", source_prefix="weather/", date_to="2020-01-01")
    assert nowhere.message == ("No article matches the filter source_prefix=weather/, date_to=2020-01-01 (dated "
                               "articles run from 2023-05-02 to 2024-04-15; no article's file path starts with "
                               "'weather/').")
    elsewhere = collection.ask("terminal cranes", source_prefix="sport/")
    assert elsewhere.message == ("No passage of the articles that match the filter source_prefix=sport/ contains any "
                                 "of: terminal, cranes.")
    unknown = collection.ask("zeppelins")
    assert unknown.message == "No passage contains any of: zeppelins."


def test_http_gives_words_as_asked_and_suggestions(newsroom: Path, tmp_path: Path) -> None:
    with TestClient(create_app(settings_for(newsroom, tmp_path / "index", access_log=False))) as client:
        body = client.get("/ask", params={"q": "containr terminals", "top_k": 1}).json()
        assert body["terms"] == [{"word": "containr", "term": "containr"}, {"word": "terminals", "term": "termin"}]
        assert body["suggestions"] == [{"word": "containr", "did_you_mean": ["container"]}]
        assert body["passages"] and body["message"] is None
        batch = client.post("/ask/batch", json={"questions": ["terminal"], "date_from": "2031-01-01"}).json()
        assert batch["answers"][0]["message"].startswith("No article matches the filter date_from=2031-01-01")


# -- the best sentence ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("question", "expected"), [
    ("How much did the new terminal cost?", "The new terminal cost $120 million"),
    ("What percentage of container traffic does the terminal handle?", "The new terminal cost $120 million"),
    ("When did the new terminal open?", "It opened in 2018, said Taleh Ziyadov."),
    ("Who said the new terminal opened?", "It opened in 2018, said Taleh Ziyadov."),
])
def test_best_sentence_holds_what_is_asked(collection: Collection, question: str, expected: str) -> None:
    best = collection.ask(question, top_k=1).passages[0].best_sentence
    assert best is not None and best.text.startswith(expected)


# -- batch and errors ----------------------------------------------------------------------------------------


def test_skipped_files_are_named_once(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    docs = tmp_path / "docs"
    shutil.copytree(ARTICLES, docs)
    (docs / "empty.txt").write_text("")
    assert main(["index", "--documents", str(docs), "--index-dir", str(tmp_path / "i")]) == 0
    captured = capsys.readouterr()
    said = captured.out + captured.err
    assert said.count("empty.txt") == 1 and captured.err == ""  # the summary names it; no warning besides
    assert captured.out.splitlines()[1:] == ["skipped 1 file:", "  empty.txt: empty file"]
    (docs / "blank.md").write_text("   \n")
    assert main(["ask", "harbour", "--documents", str(docs), "--index-dir", str(tmp_path / "i")]) == 0
    err = capsys.readouterr().err  # a build a question needed: one line, then each skipped file once
    assert err.count("blank.md") == 1 and err.count("empty.txt") == 1 and "WARNING" not in err


# -- held-out splits -----------------------------------------------------------------------------------------


def test_squad_halves_follow_the_sorted_titles() -> None:
    assert squad_halves(["Super_Bowl_50", "Apollo", "Warsaw", "Oxygen"]) == ["choose", "choose", "report", "report"]
    data = load_squad(TESTS / "data" / "squad_tiny.json")  # "Tiny_Town" (report), "Big_River" (choose)
    assert data.halves == ["report", "choose"]
    assert {q.id for q in data.in_split("report")} == {q.id for q in data.questions if q.article == 0}
    assert len(data.in_split("choose")) + len(data.in_split("report")) == len(data.in_split("all"))


def test_squad_eval_reports_the_held_out_half_by_default(capsys: pytest.CaptureFixture) -> None:
    tiny = TESTS / "data" / "squad_tiny.json"
    data = load_squad(tiny)
    assert main(["eval", "squad", str(tiny), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["split"] == "report" and report["questions"] == len(data.in_split("report"))
    assert report["articles"] == 2 and report["split_articles"] == 1  # both indexed, one half asked
    choose = evaluate_squad(tiny, Settings(), split="choose")
    assert choose["split"] == "choose" and choose["questions"] == len(data.in_split("choose"))
    assert main(["eval", "squad", str(tiny), "--split", "train"]) == 2
    assert "--split train does not apply to squad: use choose or report or all" in capsys.readouterr().err


def test_beir_eval_uses_train_qrels_when_asked(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    folder = tmp_path / "beir"
    shutil.copytree(TESTS / "data" / "beir_tiny", folder)
    (folder / "qrels" / "train.tsv").write_text("query-id\tcorpus-id\tscore\nq4\td4\t1\n")
    train = evaluate_beir(folder, Settings(), split="train")
    assert train["split"] == "train" and train["queries"] == 1
    assert main(["eval", "beir", str(folder), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["queries"] == 3  # the test qrels by default
    assert main(["eval", "beir", str(folder), "--split", "report"]) == 2
    assert "--split report does not apply to beir: use train or test" in capsys.readouterr().err
