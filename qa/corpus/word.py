"""Word (.docx) files -> their paragraphs and tables, title, author and date (python-docx). Bytes in.

    >>> article = extract_docx(Path("report.docx").read_bytes(), "report.docx")     # doctest: +SKIP
    >>> article.title, article.meta                                                   # doctest: +SKIP
    ('Harbour report 2023', {'author': 'Port Authority', 'date': '2023-11-02'})

Each paragraph of the body becomes a paragraph of the text (a line break inside one stays a newline), each table
row a paragraph of "cell | cell"; body and tables in document order. Metadata from the core properties: title,
author, and the date (a date line under the title, else modified, else created). Without a title property, the
first paragraph is the title when it is styled as one (Title, Heading 1) or reads like one (`qa.corpus.heading`),
else the first sentence is.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from typing import Any

from qa.corpus.extracted import Extracted, checked_meta, compose, header_lines_out, one_line, placeholder_author
from qa.corpus.heading import LEAD, TITLE_FROM, lead_title, reads_like_title
from qa.dates import date_prefix
from qa.errors import UnreadableFile

log = logging.getLogger("qa")

_TITLE_STYLES = frozenset({"title", "heading 1"})


def extract_docx(data: bytes, source: str) -> Extracted:
    """The text of a Word document with its title and metadata; UnreadableFile for a broken or empty file."""
    if not data.startswith(b"PK"):
        raise UnreadableFile("not a .docx file (not a ZIP package)")
    import docx  # python-docx, loaded with the first .docx file

    try:
        document = docx.Document(io.BytesIO(data))
        blocks = list(_blocks(document))
        meta = _core_properties(document, source)
        day = _core_date(data, source)
    except UnreadableFile:
        raise
    except Exception as error:  # noqa: BLE001 - a broken package raises KeyError, ValueError, BadZipFile...
        raise UnreadableFile(f"not a readable .docx file ({type(error).__name__}: {error})") from None
    if not blocks:
        raise UnreadableFile("no text in the .docx file")
    if day is not None:
        meta["date"] = day
    paragraphs = [text for text, _ in blocks]
    first, first_style = one_line(paragraphs[0]), blocks[0][1]
    title = meta.pop("title", "")
    if not title and (first_style in _TITLE_STYLES or reads_like_title(first)) and len(paragraphs) > 1:
        title = first
    if title and first.casefold() == title.casefold() and len(paragraphs) > 1:
        paragraphs = paragraphs[1:]  # the title, shown as the document's first line: not repeated in the body
    kept = header_lines_out(paragraphs, meta, title=title, file_dated=True)
    if not title:
        title = lead_title("\n\n".join(kept), 0)
        meta[TITLE_FROM] = LEAD
    text, body_start = compose(title, kept)
    log.debug("%s: %d paragraphs", source, len(kept))
    return Extracted(key=None, title=title, text=text, body_start=body_start, meta=checked_meta(meta, source))


def _blocks(document: Any) -> Iterator[tuple[str, str]]:
    """(text, style name in lower case) of every non-empty paragraph and table row, in document order."""
    for item in document.iter_inner_content():
        if hasattr(item, "rows"):
            for row in item.rows:
                cells = [" ".join(cell.text.split()) for cell in row.cells]
                line = " | ".join(dict.fromkeys(cell for cell in cells if cell))  # merged cells repeat
                if line:
                    yield line, ""
            continue
        lines = [" ".join(line.split()) for line in item.text.split("\n")]
        text = "\n".join(line for line in lines if line)
        if text:
            style = item.style.name.lower() if item.style is not None and item.style.name else ""
            yield text, style


def _core_properties(document: Any, source: str) -> dict[str, str]:
    """title, author and language of the core properties; an unreadable one is left out."""
    meta: dict[str, str] = {}
    properties = document.core_properties
    for name in ("title", "author", "language"):
        try:
            value = one_line(str(getattr(properties, name) or ""))
        except Exception as error:  # noqa: BLE001 - malformed XML values
            log.debug("%s: unreadable .docx %s (%s)", source, name, error)
            continue
        if value and not (name == "author" and placeholder_author(value)):
            meta[name] = value
    return meta


_DCTERMS = "{http://purl.org/dc/terms/}"
_TEMPLATE_STAMP = "2013-12-23T23:15:00Z"
"""The created and modified time of python-docx's default template, which every document it makes keeps unless
the program sets them: the template's day, not the document's."""


def _core_date(data: bytes, source: str) -> str | None:
    """The day the document was last modified, else created (docProps/core.xml, read as written: python-docx
    turns a date it cannot parse into None, and an impossible one must be reported, not silently passed over)."""
    import xml.etree.ElementTree as ElementTree
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as package:
        try:
            core = ElementTree.fromstring(package.read("docProps/core.xml"))
        except KeyError:
            return None
    for name in ("modified", "created"):
        element = core.find(f"{_DCTERMS}{name}")
        value = (element.text or "").strip() if element is not None else ""
        if not value or value == _TEMPLATE_STAMP:
            continue
        day = date_prefix(value)
        if day is not None:
            return day
        log.warning("%s: ignored the %s date '%s' of its properties: not a real date", source, name, value[:40])
    return None
