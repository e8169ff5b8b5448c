"""The `qa` command through its real entry points: `main()` in-process, and the installed script as a process."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from qa.cli import main

from .conftest import SEED_DOCUMENTS

SHUSHA = "When did Azerbaijan and Turkey sign the Shusha Declaration?"
CO_CHAIRS = "Who co-chaired the meeting of Azerbaijan and Turkey on digital transformation?"  # see tests/test_api.py


@pytest.fixture
def corpus_args(tmp_path: Path) -> list[str]:
    return ["--documents", str(SEED_DOCUMENTS), "--index-dir", str(tmp_path / "index")]


def run_qa(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the installed `qa` script (falls back to `python -m qa`)."""
    script = shutil.which("qa", path=str(Path(sys.executable).parent))
    command = [script] if script else [sys.executable, "-m", "qa"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("QA_")}
    return subprocess.run([*command, *args], capture_output=True, text=True, timeout=120, cwd=cwd, env=env)


def test_ask_prints_ranked_passages_with_citations(corpus_args: list[str], capsys: pytest.CaptureFixture) -> None:
    assert main(["ask", CO_CHAIRS, *corpus_args]) == 0
    out = capsys.readouterr().out
    blocks = out.split("\n\n")
    assert len(blocks) == 3
    first = blocks[0].splitlines()
    assert first[0].startswith("1. The first meeting of the Azerbaijani-Turkish working group")
    assert first[1].startswith("   000_8339c2265b0242b8.txt · passage ")
    assert first[3].startswith(" » The meeting was co-chaired by Azerbaijan's Digital Development")  # once
    assert out.count("The meeting was co-chaired by") == 1 and "Rovshan Rustamov" in blocks[0]
    assert "\x1b[" not in out  # captured output is not a terminal: plain text


def test_ask_json_prints_the_http_body(corpus_args: list[str], capsys: pytest.CaptureFixture) -> None:
    assert main(["ask", CO_CHAIRS, "--top-k", "2", "--json", *corpus_args]) == 0
    body = json.loads(capsys.readouterr().out)
    assert set(body) == {"question", "passages", "took_ms", "terms", "unknown_terms", "suggestions", "message"}
    assert len(body["passages"]) == 2 and "Rovshan Rustamov" in body["passages"][0]["text"]


def test_ask_file_answers_each_line_as_json_lines(corpus_args: list[str], tmp_path: Path,
                                                 capsys: pytest.CaptureFixture) -> None:
    questions = tmp_path / "questions.txt"
    questions.write_text(f"{SHUSHA}\n\nWho did the SMB agency chairman meet?\nwhat is it\n")
    assert main(["ask", "--file", str(questions), "--json", "--top-k", "1", *corpus_args]) == 0
    lines = capsys.readouterr().out.splitlines()
    bodies = [json.loads(line) for line in lines]  # one answer per line of the file, in order
    assert [b["question"] for b in bodies] == [SHUSHA, "", "Who did the SMB agency chairman meet?", "what is it"]
    assert bodies[1] == {"question": "", "detail": "the question is empty", "line": 2}
    assert bodies[2]["passages"][0]["citation"]["document_id"] == "004_7d268188ac327656"
    assert bodies[3]["passages"] == [] and bodies[3]["message"]


def test_stopword_question_prints_one_line(corpus_args: list[str], capsys: pytest.CaptureFixture) -> None:
    assert main(["ask", "what is it", *corpus_args]) == 0
    out = capsys.readouterr().out
    assert out == "No passages: the question has only stopwords (what, is, it), which are not searched.\n"


@pytest.mark.parametrize(("args", "status", "message"), [
    (["ask", "trade", "--documents", "/nonexistent/folder"], 1,
     "qa: error: documents folder not found: /nonexistent/folder (run qa from the folder that holds documents/, "
     "or give --documents DIR or QA_DOCUMENTS)\n"),
    # A question that cannot be asked is a bad argument: a usage error (exit 2, with the hint), like a bad flag;
    # it exited 1, as a failure of qa would.
    (["ask", "   "], 2, "qa: error: the question is empty (see 'qa ask --help')\n"),
    (["ask", ""], 2, "qa: error: the question is empty (see 'qa ask --help')\n"),
    (["ask", "x" * 2001], 2,
     "qa: error: the question is 2001 characters long; the limit is 2000 (see 'qa ask --help')\n"),
    # --top-k in the words of the Python API, HTTP and MCP (qa.defaults.count_problem), naming the flag
    (["ask", "trade", "--top-k", "0"], 2,
     "qa: error: --top-k must be a whole number from 1 to 100, not 0 (see 'qa ask --help')\n"),
    (["ask", "trade", "--top-k", "1000000000"], 2,
     "qa: error: --top-k must be a whole number from 1 to 100, not 1000000000 (see 'qa ask --help')\n"),
    (["ask", "trade", "--top-k", "2.5"], 2,
     "qa: error: --top-k must be a whole number from 1 to 100, not '2.5' (see 'qa ask --help')\n"),
    (["ask", "trade", "--max-per-article", "-1"], 2,
     "qa: error: --max-per-article must be a whole number from 0 (no limit) to 100, not -1 (see 'qa ask --help')\n"),
    (["ask"], 2, "qa: error: give either a question or --file FILE (see 'qa ask --help')\n"),
    (["ask", "trade", "--date-from", "2024-02-30"], 2,
     "qa: error: Invalid value for '--date-from': '2024-02-30' is not a real date (day is out of range for month)"
     " (see 'qa ask --help')\n"),
    (["ask", "trade", "--date-from", "2024-13-01"], 2,
     "qa: error: Invalid value for '--date-from': '2024-13-01' is not a real date (month must be in 1..12)"
     " (see 'qa ask --help')\n"),
])
def test_errors_are_one_line_and_non_zero(args: list[str], status: int, message: str,
                                          capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    assert main([*args, "--index-dir", str(tmp_path / "i")]) == status
    assert capsys.readouterr().err == message


def test_empty_corpus_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    (tmp_path / "docs").mkdir()
    assert main(["ask", "trade", "--documents", str(tmp_path / "docs"), "--index-dir", str(tmp_path / "i")]) == 1
    assert capsys.readouterr().err == ("qa: error: no readable article (.txt, .md, .html, .htm, .pdf, .docx, "
                                       f".jsonl) in {tmp_path / 'docs'}\n")


def test_bad_flag_is_one_line_exit_2(capsys: pytest.CaptureFixture) -> None:
    assert main(["ask", "trade", "--zzz"]) == 2
    assert capsys.readouterr().err == "qa: error: No such option: --zzz (see 'qa ask --help')\n"
    assert main(["ask-me"]) == 2
    assert capsys.readouterr().err == "qa: error: No such command 'ask-me'. Did you mean 'ask'? (see 'qa --help')\n"


def test_qa_alone_prints_the_commands_and_no_empty_error(capsys: pytest.CaptureFixture) -> None:
    assert main([]) == 2  # a usage error (click's exit status for a command without its subcommand)
    captured = capsys.readouterr()
    assert " ask " in captured.out and " mcp " in captured.out
    assert "error" not in captured.err  # was "qa: error:  (see 'qa --help')", an error saying nothing


def test_help_names_the_extra_to_install(capsys: pytest.CaptureFixture) -> None:
    """Help text is rich markup: a bare "[mcp]" is a style tag and vanished ("pip install "qa"")."""
    assert main(["mcp", "--help"]) == 0
    assert 'pip install "qa[mcp]"' in " ".join(capsys.readouterr().out.split())
    assert main(["--help"]) == 0
    assert 'pip install "qa[mcp]"' in " ".join(capsys.readouterr().out.replace("│", "").split())


def test_an_index_folder_inside_the_documents_folder_is_refused(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture) -> None:
    """It was used: its lock file was then read as an article ("skipped sub/build.lock: unsupported file type")."""
    documents = tmp_path / "docs"
    shutil.copytree(SEED_DOCUMENTS, documents)
    for inside in (documents / "sub", documents):
        assert main(["ask", "trade", "--documents", str(documents), "--index-dir", str(inside)]) == 1
        assert capsys.readouterr().err == (f"qa: error: invalid setting: the index folder {inside} is inside the "
                                           f"documents folder {documents}; give --index-dir (QA_INDEX_DIR) a folder "
                                           "outside it\n")
    assert not (documents / "sub").exists()
    assert main(["ask", "trade", "--documents", str(documents), "--index-dir", str(tmp_path / "docs-index")]) == 0


def test_a_check_of_several_settings_is_said_without_pydantic_words(capsys: pytest.CaptureFixture) -> None:
    assert main(["ask", "trade", "--chunk-words", "20", "--chunk-overlap", "5"]) == 1
    assert capsys.readouterr().err == ("qa: error: invalid setting: chunk_overlap sentences would fill most of a "
                                       "passage; lower it or raise chunk_words\n")  # not "settings: Value error, "


def test_a_questions_file_that_cannot_be_used_is_named_with_the_fix(tmp_path: Path, corpus_args: list[str],
                                                                    capsys: pytest.CaptureFixture) -> None:
    latin = tmp_path / "latin.txt"
    latin.write_bytes(b"caf\xe9 opening hours\n")
    blank = tmp_path / "blank.txt"
    blank.write_text("\n  \n")
    for path, said in [(latin, "is not UTF-8 text (save it as UTF-8, one question a line)"),
                       (blank, "has no questions (one question a line)"),
                       (tmp_path / "nope.txt", "")]:
        assert main(["ask", "--file", str(path), *corpus_args]) == 1
        error = capsys.readouterr().err
        assert error.startswith("qa: error: ") and str(path) in error and said in error


def test_help_shows_the_settings_defaults_and_environment(capsys: pytest.CaptureFixture) -> None:
    """Every setting's option says its default and variable, taken from the settings model, never typed twice."""
    from qa.config import Settings

    assert main(["ask", "--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    for name in ("chunk_words", "k1", "top_k", "proximity_window"):
        default = Settings.model_fields[name].default
        assert f"(default {default}; env QA_{name.upper()})" in out.replace("│ ", "")


def test_index_command_builds_and_reports(corpus_args: list[str], capsys: pytest.CaptureFixture) -> None:
    assert main(["index", *corpus_args]) == 0
    out = capsys.readouterr().out
    assert out.startswith("indexed 2 articles, ") and " passages in " in out


def test_installed_script_asks_and_fails_cleanly(tmp_path: Path) -> None:
    ok = run_qa("ask", CO_CHAIRS, "--top-k", "1", "--documents", str(SEED_DOCUMENTS), "--index-dir",
                str(tmp_path / "i"))
    assert ok.returncode == 0, ok.stderr
    assert "Rovshan Rustamov" in ok.stdout and "   000_8339c2265b0242b8.txt · passage " in ok.stdout
    assert ok.stderr.startswith("qa: indexed 2 articles")
    bad = run_qa("ask", "trade", "--documents", str(tmp_path / "missing"))
    assert bad.returncode == 1
    assert bad.stderr == (f"qa: error: documents folder not found: {tmp_path / 'missing'} (run qa from the folder "
                          "that holds documents/, or give --documents DIR or QA_DOCUMENTS)\n")
    elsewhere = run_qa("ask", "trade", cwd=tmp_path)  # outside a folder holding documents/: the path and the fix
    assert elsewhere.returncode == 1
    assert elsewhere.stderr == (f"qa: error: documents folder not found: {tmp_path / 'documents'} (run qa from the "
                                "folder that holds documents/, or give --documents DIR or QA_DOCUMENTS)\n")
    assert "Traceback" not in bad.stderr


def test_python_dash_m_qa_works(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "qa", "ask", "B2B", "--json", "--top-k", "1",
                             "--documents", str(SEED_DOCUMENTS), "--index-dir", str(tmp_path / "i")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "B2B" in json.loads(result.stdout)["passages"][0]["text"]


def test_a_question_of_known_words_does_not_load_the_stemmer(tmp_path: Path) -> None:
    """The index hands its word -> term cache back, so `qa ask` needs neither the stemmer nor NLTK's import (about a
    second); only a server warms it up."""
    args = ["ask", "Shusha Declaration", "--documents", str(SEED_DOCUMENTS), "--index-dir", str(tmp_path / "i")]
    assert main(args) == 0  # builds the index
    code = f"import sys; from qa.cli import main; main({args!r}); print('nltk' in sys.modules, file=sys.stderr)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip().endswith("False")
