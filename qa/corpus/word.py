"""Word (.docx) files -> their paragraphs and tables, title, author and date (python-docx). Bytes in.

    >>> article = extract_docx(Path("report.docx").read_bytes(), "report.docx")     # doctest: +SKIP
    >>> article.title, article.meta                                                   # doctest: +SKIP
    ('Harbour report 2023', {'author': 'Port Authority', 'date': '2023-11-02'})

Each paragraph of the body becomes a paragraph of the text (a line break inside one stays a newline), each table
row a paragraph of "cell | cell"; body and tables in document order. Metadata from the core properties: title,
author, and the date (modified, else created). Without a title property, the first paragraph is the title when it
is styled as one (Title, Heading 1) or reads like one (`qa.corpus.heading`), else the first sentence is.
"""

from __future__ import annotations

import io
import logging
from datetime import datetime
from typing import Any

from qa.corpus.extracted import Extracted, checked_meta, compose, header_lines_out, one_line
from qa.corpus.heading import lead_title, reads_like_title
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
    except UnreadableFile:
        raise
    except Exception as error:  # noqa: BLE001 - a broken package raises KeyError, ValueError, BadZipFile...
        raise UnreadableFile(f"not a readable .docx file ({type(error).__name__}: {error})") from None
    if not blocks:
        raise UnreadableFile("no text in the .docx file")
    paragraphs = [text for text, _ in blocks]
    title = meta.pop("title", "")
    kept = header_lines_out(paragraphs, meta)
    first_style = blocks[len(paragraphs) - len(kept)][1]
    if not title:
        first = one_line(kept[0])
        styled = first_style in _TITLE_STYLES and len(kept) > 1
        title = first if styled or reads_like_title(first) else lead_title("\n\n".join(kept), 0)
    text, body_start = compose(title, kept)
    log.debug("%s: %d paragraphs", source, len(kept))
    return Extracted(key=None, title=title, text=text, body_start=body_start, meta=checked_meta(meta, source))


def _blocks(document: Any) -> Any:
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
    """title, author, date (modified, else created) of the core properties; an unreadable one is left out."""
    meta: dict[str, str] = {}
    properties = document.core_properties
    for name, read in (("title", lambda: properties.title), ("author", lambda: properties.author)):
        try:
            value = one_line(str(read() or ""))
        except Exception as error:  # noqa: BLE001 - malformed XML values
            log.debug("%s: unreadable .docx %s (%s)", source, name, error)
            continue
        if value:
            meta[name] = value
    for name in ("modified", "created"):
        try:
            when = getattr(properties, name)
        except Exception as error:  # noqa: BLE001 - an impossible date ("2024-13-01") does not parse
            log.warning("%s: ignored the %s date of its properties: not a real date (%s)", source, name, error)
            continue
        if isinstance(when, datetime):
            meta["date"] = when.strftime("%Y-%m-%d")
            break
    return meta
