"""The quick path of `qa ask "..."` (qa/cli/quick.py): the full command's output, without its imports; and every
case it does not handle left to the full command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from qa.answer.search import Searcher
from qa.cli import main
from qa.cli.app import main as full_main
from qa.cli.quick import DEFAULT_FINGERPRINT, DEFAULT_LANGUAGE, DEFAULT_TOP_K, Request, answer_quickly, parse
from qa.config import Settings
from qa.defaults import default_index_dir
from qa.index import build_index
from qa.index.store import fingerprint

from .conftest import CO_CHAIR, SEED_DOCUMENTS, settings_for

QUESTIONS = [CO_CHAIR, "When did Azerbaijan and Turkey sign the Shusha Declaration?", "zepelin flights", "what is it"]


@pytest.fixture
def no_qa_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in [key for key in os.environ if key.startswith("QA_")]:
        monkeypatch.delenv(key)


@pytest.fixture
def indexed(tmp_path: Path, no_qa_environment: None) -> list[str]:
    """The seed documents, indexed with the default settings: the arguments that name them."""
    build_index(settings_for(SEED_DOCUMENTS, tmp_path / "index"))
    return ["--documents", str(SEED_DOCUMENTS), "--index-dir", str(tmp_path / "index")]


def test_its_defaults_are_the_settings_defaults(no_qa_environment: None) -> None:
    settings = Settings()
    assert {**DEFAULT_FINGERPRINT, "analyzer": fingerprint(settings)["analyzer"], "language": DEFAULT_LANGUAGE,
            "format": fingerprint(settings)["format"]} == fingerprint(settings)
    assert settings.top_k == DEFAULT_TOP_K
    assert settings.max_per_article == 0
    searcher = Searcher.__init__.__defaults__
    assert searcher == (settings.max_per_article, settings.proximity_weight, settings.proximity_window,
                        settings.sentence_weight, settings.sentence_weight_rest)
    assert settings.resolved_index_dir() == default_index_dir(Path("documents"))


@pytest.mark.parametrize("flags", [[], ["--json"], ["--full"], ["--top-k", "5"], ["--top-k=1", "--json"]])
def test_it_prints_what_the_full_command_prints(indexed: list[str], flags: list[str],
                                                capsys: pytest.CaptureFixture[str]) -> None:
    for question in QUESTIONS:
        assert answer_quickly(["ask", question, *flags, *indexed]) == 0
        quick = capsys.readouterr().out
        assert full_main(["ask", question, *flags, *indexed, "--max-per-article", "0"]) == 0  # not a quick flag
        full = capsys.readouterr().out
        if "--json" in flags:
            quick_body, full_body = json.loads(quick), json.loads(full)
            assert quick_body.pop("took_ms") >= 0 and full_body.pop("took_ms") >= 0
            assert quick_body == full_body
        else:
            assert quick == full
        assert quick.strip()


def test_what_it_leaves_to_the_full_command(indexed: list[str], tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    assert answer_quickly(["ask", "", *indexed]) is None  # an error: said by the full command
    assert answer_quickly(["ask", "trade", "--top-k", "0", *indexed]) is None
    assert answer_quickly(["ask", "trade", "--documents", str(tmp_path / "absent"),
                           "--index-dir", str(tmp_path / "index")]) is None
    assert answer_quickly(["ask", "trade", "--documents", str(SEED_DOCUMENTS),
                           "--index-dir", str(tmp_path / "never-built")]) is None
    monkeypatch.setenv("QA_K1", "1.5")
    assert answer_quickly(["ask", "trade", *indexed]) is None  # any other setting: the full command
    monkeypatch.delenv("QA_K1")
    other = tmp_path / "other"
    build_index(settings_for(SEED_DOCUMENTS, other, chunk_words=200))
    assert answer_quickly(["ask", "trade", "--documents", str(SEED_DOCUMENTS), "--index-dir", str(other)]) is None


def test_a_changed_folder_goes_to_the_full_command(tmp_path: Path, no_qa_environment: None,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    documents = tmp_path / "docs"
    documents.mkdir()
    (documents / "a.txt").write_text("Walruses\n\nWalruses live on ice floes in the Arctic sea.\n")
    (documents / "b.txt").write_text("Penguins\n\nPenguins live in the south, far from any walrus.\n")
    args = ["--documents", str(documents), "--index-dir", str(tmp_path / "index")]
    assert main(["ask", "walrus", *args]) == 0  # builds
    assert answer_quickly(["ask", "walrus", *args]) == 0
    (documents / "c.txt").write_text("Seals\n\nSeals and walruses share the ice.\n")
    capsys.readouterr()
    assert answer_quickly(["ask", "walrus", *args]) is None
    assert main(["ask", "seals", *args]) == 0  # the full command updates the index
    assert "c.txt" in capsys.readouterr().out
    assert answer_quickly(["ask", "seals", *args]) == 0
    assert "c.txt" in capsys.readouterr().out


@pytest.mark.parametrize(("argv", "expected"), [
    (["ask", "trade"], Request("trade", 3, Path("documents"), None, False, False)),
    (["ask", "--json", "trade", "--top-k", "7", "--full"], Request("trade", 7, Path("documents"), None, True, True)),
    (["ask", "trade", "--documents=d", "--index-dir", "i"], Request("trade", 3, Path("d"), Path("i"), False, False)),
    (["ask", "trade", "--explain"], None), (["ask", "trade", "two"], None), (["ask", "--file", "q.txt"], None),
    (["ask", "trade", "--top-k"], None), (["ask", "trade", "--top-k", "x"], None), (["ask", "-h"], None),
    (["index"], None), (["ask"], None), (["ask", "trade", "--json", "--json"], Request("trade", 3, Path("documents"),
                                                                                     None, True, False)),
])
def test_the_command_lines_it_takes(argv: list[str], expected: Request | None) -> None:
    assert parse(argv, {}) == expected
    assert parse(argv, {"QA_DOCUMENTS": "news"}) == (expected._replace(documents=Path("news"))
                                                     if expected and "--documents=d" not in argv else expected)
    assert parse(argv, {"QA_TOP_K": "5"}) is None


def test_it_imports_neither_numba_nor_pydantic_nor_typer(indexed: list[str]) -> None:
    code = ("import sys; from qa.cli import main; status = main(sys.argv[1:]); "
            "print(status, sorted({m.split('.')[0] for m in sys.modules} & {'numba', 'pydantic', 'pydantic_settings', "
            "'typer', 'fastapi', 'scipy', 'nltk'}))")
    env = {key: value for key, value in os.environ.items() if not key.startswith("QA_")}
    known = "Who co-chaired the first meeting of the digital transformation working group?"  # no new word: no NLTK
    done = subprocess.run([sys.executable, "-c", code, "ask", known, "--json", *indexed], capture_output=True,
                          text=True, env=env, timeout=120, check=True)
    body, imported = done.stdout.splitlines()
    assert "Rovshan Rustamov" in json.loads(body)["passages"][0]["text"]
    assert imported == "0 []"


def test_a_known_word_in_other_letter_case_needs_no_stemmer() -> None:
    from qa.ranking.analysis import Analyzer

    analyzer = Analyzer()
    analyzer.preload({"Agency": "agenc", "Declaration": "declar"})
    assert analyzer.terms("the agency and its declaration") == ["agenc", "declar"]
    assert analyzer._stem is None  # NLTK (about a second to import) was not needed
    assert analyzer.terms("agencies") == ["agenc"]  # a new word is stemmed
    assert analyzer._stem is not None
