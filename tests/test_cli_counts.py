"""The CLI's counts read as English: "indexed 1 article, 1 passage", not "1 articles, 1 passages (0 files/s)", which
a user trial's folder of one readable article printed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from qa.cli import main


def test_one_article_is_counted_in_the_singular(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    documents = tmp_path / "documents"
    documents.mkdir()
    (documents / "museum.txt").write_text("Museum reopens\n\nThe museum reopened on Sunday after a long renovation "
                                          "of its roof.\n", encoding="utf-8")
    args = ["--documents", str(documents), "--index-dir", str(tmp_path / "index")]
    assert main(["index", *args]) == 0
    out = capsys.readouterr().out
    assert re.match(r"indexed 1 article, 1 passage in \d+\.\d s \((?:\d+|\d\.\d) files/s\); index ", out), out
    assert " 0 files/s" not in out
    (documents / "museum.txt").write_text("Museum reopens\n\nThe museum reopened on Monday.\n", encoding="utf-8")
    assert main(["ask", "museum", *args]) == 0
    assert capsys.readouterr().err.startswith("qa: 1 file changed: updated the index to 1 article, 1 passage in ")
