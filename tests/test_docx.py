""".docx articles (python-docx): paragraphs and tables in order, title, author and date from the core properties."""

from __future__ import annotations

import datetime
import io
import logging
import zipfile
from pathlib import Path

import docx
import pytest

from qa.answer.search import Searcher
from qa.corpus.heading import LEAD, TITLE_FROM
from qa.corpus.word import extract_docx
from qa.errors import UnreadableFile
from qa.index import open_index

from .conftest import settings_for


def make_docx(paragraphs: list[tuple[str, str | None]], title: str | None = None, author: str | None = None,
              modified: datetime.datetime | None = None, created: datetime.datetime | None = None,
              table: list[list[str]] | None = None) -> bytes:
    """A Word document with these (text, style) paragraphs, an optional table after the first two, and properties."""
    document = docx.Document()
    properties = document.core_properties
    properties.title, properties.author = title or "", author or ""
    if modified is not None:
        properties.modified = modified
    if created is not None:
        properties.created = created
    for number, (text, style) in enumerate(paragraphs):
        document.add_paragraph(text, style=style)
        if number == 1 and table:
            grid = document.add_table(rows=len(table), cols=len(table[0]))
            for r, row in enumerate(table):
                for c, cell in enumerate(row):
                    grid.cell(r, c).text = cell
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


REPORT = [("Harbour report 2023", "Title"), ("By Leyla Mammadova", None),
          ("The pier was rebuilt in granite. Tugboats were painted orange.", None),
          ("The harbour master said dredging ends in May.", None)]


def test_title_author_date_paragraphs_and_tables() -> None:
    data = make_docx(REPORT, title="Harbour report 2023", author="Port Authority",
                     modified=datetime.datetime(2023, 11, 2, 10, 0), created=datetime.datetime(2023, 10, 1),
                     table=[["Berth", "Depth"], ["North", "14 m"]])
    article = extract_docx(data, "reports/harbour.docx")
    assert article.title == "Harbour report 2023"
    assert article.meta == {"author": "Port Authority", "date": "2023-11-02"}  # modified, then created
    assert article.text == ("Harbour report 2023\n\n"  # the Title paragraph is the title, not repeated
                            "Berth | Depth\n\nNorth | 14 m\n\n"  # the table, where it stands (after paragraph 2)
                            "The pier was rebuilt in granite. Tugboats were painted orange.\n\n"
                            "The harbour master said dredging ends in May.")
    assert article.text[article.body_start :].startswith("Berth | Depth")


def test_without_properties_the_styled_first_line_or_the_first_sentence_is_the_title() -> None:
    styled = extract_docx(make_docx(REPORT, modified=datetime.datetime(2020, 5, 1)), "a.docx")
    assert styled.title == "Harbour report 2023" and styled.meta == {"date": "2020-05-01", "author": "Leyla Mammadova"}
    plain = extract_docx(make_docx([("The pier was rebuilt in granite over the winter. It reopened in May.", None),
                                    ("Tugboats were painted orange.", None)]), "b.docx")
    assert plain.title == "The pier was rebuilt in granite over the winter."
    assert plain.meta[TITLE_FROM] == LEAD
    assert plain.text[plain.body_start :].startswith("The pier was rebuilt")  # the lead stays body text


def _with_core_date(data: bytes, old: bytes, new: bytes) -> bytes:
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            target.writestr(item, content.replace(old, new) if item.filename == "docProps/core.xml" else content)
    return out.getvalue()


def test_an_impossible_date_is_ignored_with_a_warning_naming_the_file(caplog: pytest.LogCaptureFixture) -> None:
    data = make_docx(REPORT, modified=datetime.datetime(2023, 11, 2, 10, 0), created=datetime.datetime(2023, 10, 1))
    broken = _with_core_date(data, b"2023-11-02T10:00:00Z", b"2023-13-02T10:00:00Z")
    with caplog.at_level(logging.WARNING, logger="qa"):
        article = extract_docx(broken, "reports/bad.docx")
    assert article.meta["date"] == "2023-10-01"  # created, since modified is no real day
    assert "reports/bad.docx: ignored the modified date '2023-13-02T10:00:00Z' of its properties" in caplog.text


@pytest.mark.parametrize(("data", "reason"), [
    (b"not a zip at all", "not a .docx file (not a ZIP package)"),
    (b"PK\x03\x04broken", "not a readable .docx file (BadZipFile: File is not a zip file)"),
])
def test_broken_docx_is_unreadable_with_its_reason(data: bytes, reason: str) -> None:
    with pytest.raises(UnreadableFile) as error:
        extract_docx(data, "broken.docx")
    assert str(error.value) == reason


def test_empty_docx_has_no_text() -> None:
    with pytest.raises(UnreadableFile, match=r"^no text in the \.docx file$"):
        extract_docx(make_docx([]), "empty.docx")


def test_docx_is_indexed_searched_and_cited(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "harbour.docx").write_bytes(make_docx(REPORT, title="Harbour report 2023", author="Port Authority",
                                                  modified=datetime.datetime(2023, 11, 2)))
    (docs / "other.txt").write_text("Other news\n\nGrain prices rose in Rotterdam on Tuesday.\n")
    (docs / "third.txt").write_text("Third\n\nCopper slipped for a third day.\n")
    index = open_index(settings_for(docs, tmp_path / "i"))
    hit = Searcher(index).ask("What colour were the tugboats painted?", top_k=1).passages[0]
    assert (hit.citation.document_id, hit.citation.source) == ("harbour", "harbour.docx")
    assert (hit.citation.title, hit.citation.author, hit.citation.date) == ("Harbour report 2023", "Port Authority",
                                                                            "2023-11-02")
    text = index.article_text(index.article_number("harbour"))
    assert text[hit.citation.start : hit.citation.end] == hit.text and "painted orange" in hit.text


@pytest.mark.parametrize("placeholder", ["python-docx", "Microsoft Office User", "Administrator", "User"])
def test_an_author_a_program_wrote_gives_way_to_the_byline(placeholder: str) -> None:
    article = extract_docx(make_docx(REPORT, author=placeholder), "harbour.docx")
    assert article.meta["author"] == "Leyla Mammadova"
    lone = extract_docx(make_docx(REPORT[:1] + REPORT[2:], author=placeholder), "harbour.docx")
    assert "author" not in lone.meta  # and no byline: no author rather than the program's name


def test_a_date_line_under_the_title_is_the_article_date_not_the_file_time() -> None:
    """A .docx's modified time is when the file was last saved; the date printed under the headline is the article's."""
    dated = [REPORT[0], REPORT[1], ("2 November 2023", None), *REPORT[2:]]
    saved = datetime.datetime(2024, 5, 6, 7, 8, 9)
    extracted = extract_docx(make_docx(dated, modified=saved), "report.docx")
    assert extracted.meta["date"] == "2023-11-02"
    assert "2 November 2023" not in extracted.text
    assert extract_docx(make_docx(REPORT, modified=saved), "report.docx").meta["date"] == "2024-05-06"  # no line


def test_the_first_date_line_is_the_article_date_not_a_later_updated_line() -> None:
    """Under the title, 'Updated ...' after the publication date does not replace it (as in .txt, .md and HTML,
    where the first date line wins): only the file's own modified time gives way."""
    dated = [REPORT[0], REPORT[1], ("2 November 2023", None), ("Updated 5 November 2023", None), *REPORT[2:]]
    extracted = extract_docx(make_docx(dated, modified=datetime.datetime(2024, 5, 6, 7, 8, 9)), "report.docx")
    assert extracted.meta["date"] == "2023-11-02"
    assert "Updated 5 November 2023" not in extracted.text
