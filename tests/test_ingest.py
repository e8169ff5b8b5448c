from __future__ import annotations

import logging
from pathlib import Path

import pytest

from qa.corpus.read import read_articles
from qa.corpus.scan import scan_documents
from qa.errors import CorpusNotFound


def test_articles_ids_titles_and_sources(articles_dir: Path) -> None:
    read = read_articles(scan_documents(articles_dir))
    by_id = {a.id: a for a in read.articles}
    assert sorted(by_id) == ["energy/pipeline", "harbour", "markets"]
    pipeline = by_id["energy/pipeline"]
    assert pipeline.title == "The Caspian pipeline opens"  # markdown '#' stripped
    assert pipeline.source == "energy/pipeline.md"
    assert pipeline.text.startswith("  The Caspian")  # Markdown syntax blanked: the file's length and offsets
    assert len(pipeline.text) == len((articles_dir / "energy" / "pipeline.md").read_text())
    assert pipeline.text[pipeline.body_start :].lstrip().startswith("The Baku-Tbilisi-Ceyhan pipeline")
    assert by_id["markets"].title == "Trade targets for 2023"


def test_unusable_files_are_skipped_with_a_warning_naming_them(
    articles_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (articles_dir / "empty.txt").write_bytes(b"")
    (articles_dir / "blank.md").write_text("  \n\n ")
    (articles_dir / "binary.txt").write_bytes(b"\x89PNG\x00\x00\x01")
    (articles_dir / "garbled.txt").write_bytes(bytes(range(128, 256)) * 3)  # no encoding reads it as text
    (articles_dir / "markets.md").write_text("Beside markets.txt\n\nText.")  # neither hides the other
    (articles_dir / "notes.pdf").write_bytes(b"%PDF-1.4")
    (articles_dir / "notes.docx").write_bytes(b"PK\x03\x04")
    (articles_dir / "sheet.xlsx").write_bytes(b"PK\x03\x04")  # not an article type: listed once as skipped
    (articles_dir / ".hidden.txt").write_text("Hidden\n\nNot indexed.")
    with caplog.at_level(logging.WARNING, logger="qa"):
        read = read_articles(scan_documents(articles_dir))
    assert sorted(a.id for a in read.articles) == ["energy/pipeline", "harbour", "markets.md", "markets.txt"]
    reasons = {s.source: s.reason for s in read.skipped}
    assert reasons == {
        "binary.txt": "binary file (contains NUL bytes)",
        "blank.md": "empty file",
        "empty.txt": "empty file",
        "garbled.txt": "not UTF-8 (invalid byte at offset 0), nor text in another encoding",
        "notes.docx": "not a readable .docx file (BadZipFile: File is not a zip file)",
        "notes.pdf": "not a valid PDF (PdfStreamError: Stream has ended unexpectedly)",
        "sheet.xlsx": "unsupported file type (.xlsx)",
    }
    assert len(read.skipped) == len(reasons)  # each once
    for source in reasons:
        assert any(source in record.getMessage() for record in caplog.records)


def test_link_outside_the_folder_is_skipped(articles_dir: Path, tmp_path: Path) -> None:
    outside = tmp_path / "secret.txt"
    outside.write_text("Secret\n\nDo not read me.")
    (articles_dir / "link.txt").symlink_to(outside)
    read = read_articles(scan_documents(articles_dir))
    assert "link" not in {a.id for a in read.articles}
    assert {s.source: s.reason for s in read.skipped}["link.txt"] == "links outside the documents folder"


def test_utf8_bom_is_removed(articles_dir: Path) -> None:
    (articles_dir / "bom.txt").write_bytes("\ufeffWith BOM\n\nBody text.".encode("utf-8"))
    article = {a.id: a for a in read_articles(scan_documents(articles_dir)).articles}["bom"]
    assert article.title == "With BOM" and article.text.startswith("With BOM")


def test_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CorpusNotFound, match="documents folder not found"):
        scan_documents(tmp_path / "nope")
