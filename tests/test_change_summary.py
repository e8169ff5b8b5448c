"""The line that says what opening the index changed reads as one sentence: it printed "qa: 0 added, 0 changed,
0 removed (2 touched but unchanged) (2 articles, 11 passages) in 0.1 s", two pairs of brackets and counts of
nothing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from qa.cli import main
from qa.cli.app import report_build
from qa.corpus.scan import FileRecord
from qa.index.build import BuildReport
from qa.index.folder import Plan


def plan(added: int = 0, changed: int = 0, removed: int = 0, touched: int = 0, others: bool = False) -> Plan:
    records = {f"t{n}.txt": FileRecord(f"t{n}.txt", 1, 1, "0" * 64, f"t{n}") for n in range(touched)}
    return Plan(added=added, changed=changed, removed=[f"r{n}.txt" for n in range(removed)], restamped=records,
                others_changed=others)


@pytest.mark.parametrize(("counts", "expected"), [
    ({"added": 3, "changed": 1, "removed": 1}, "3 files added, 1 changed and 1 removed"),
    ({"added": 1}, "1 file added"),
    ({"changed": 2}, "2 files changed"),
    ({"removed": 1}, "1 file removed"),
    ({"touched": 2}, "2 files touched but unchanged"),
    ({"touched": 1}, "1 file touched but unchanged"),
    ({"changed": 1, "touched": 2}, "1 file changed and 2 touched but unchanged"),
    ({"added": 1, "changed": 1, "removed": 1, "touched": 1},
     "1 file added, 1 changed, 1 removed and 1 touched but unchanged"),
    ({"added": 2, "removed": 1, "others": True}, "2 files added and 1 removed"),
    ({"others": True}, "no article changed, only skipped files"),
])
def test_the_summary_names_only_what_happened(counts: dict[str, int], expected: str) -> None:
    assert plan(**counts).summary() == expected


@pytest.mark.parametrize(("changes", "articles", "passages", "expected"), [
    (None, 2, 11, "qa: indexed 2 articles, 11 passages in 0.4 s\n"),
    (None, 1, 1, "qa: indexed 1 article, 1 passage in 0.4 s\n"),
    ("2 files touched but unchanged", 2, 11,
     "qa: 2 files touched but unchanged: updated the index to 2 articles, 11 passages in 0.4 s\n"),
    ("3 files added, 1 changed and 1 removed", 5, 5,
     "qa: 3 files added, 1 changed and 1 removed: updated the index to 5 articles, 5 passages in 0.4 s\n"),
])
def test_the_build_line_has_no_nested_brackets(changes: str | None, articles: int, passages: int, expected: str,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    report_build(BuildReport(articles, passages, [], 0.41, Path("index"), changes=changes))
    assert capsys.readouterr().err == expected


def test_touching_files_says_so_in_one_sentence(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    documents = tmp_path / "documents"
    documents.mkdir()
    for name in ("museum", "harbour"):
        (documents / f"{name}.txt").write_text(f"The {name}\n\nThe {name} reopened on Sunday.\n", encoding="utf-8")
    args = ["--documents", str(documents), "--index-dir", str(tmp_path / "index")]
    assert main(["ask", "museum", *args]) == 0
    assert capsys.readouterr().err.startswith("qa: indexed 2 articles, 2 passages in ")
    for path in documents.iterdir():
        os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 5 * 10**9))
    assert main(["ask", "museum", *args]) == 0
    err = capsys.readouterr().err
    assert err.startswith("qa: 2 files touched but unchanged: updated the index to 2 articles, 2 passages in "), err
    assert err.count("(") == 0
