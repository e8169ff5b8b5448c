"""HTML, PDF and JSONL files -> the text qa stores and cites, with title and metadata. Pure functions: bytes in.

    >>> article = extract_html(Path("page.html").read_bytes(), "news/page.html")    # doctest: +SKIP
    >>> article.title, article.meta["date"]                                           # doctest: +SKIP
    ('Baku hosts its first caviar festival', '2021-06-18')
    >>> articles, warnings = extract_jsonl(Path("feed.jsonl").read_bytes(), "feed.jsonl")  # doctest: +SKIP
    >>> warnings                                                                         # doctest: +SKIP
    ["line 7: missing 'text'"]

Every `Extracted.text` has the same shape: the title on its first line, a blank line, then the body, so that the
chunker (which splits at blank lines) and the citations work as for a `.txt` file; `text[body_start:]` is the
body. A first body line equal to the title (an HTML `<h1>`, a PDF's first line) is not repeated.

- HTML: trafilatura keeps the main text and leaves navigation, headers, footers and banners out; each block it
  keeps (paragraph, heading, list item, table row as "cell | cell") becomes a paragraph, a `<br>` a newline.
  Metadata: title (og:title, `<title>`, `<h1>`), url (canonical / og:url), date (ISO `YYYY-MM-DD`), author,
  publisher (site name).
- PDF: pypdf's text of each page, pages separated by a blank line; `page_starts[n - 1]` is where page n starts,
  so `page_number()` names the page of any offset. Metadata: `/Title`, `/Author`, `/CreationDate`.
- JSONL: one article per line; a bad line is skipped with a warning naming it, the good lines are kept.

Nothing here touches the network or the file system: the libraries get bytes, never a URL or a path.
"""

from __future__ import annotations

import io
import json
import logging
import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from qa.errors import QAError

log = logging.getLogger("qa")


@dataclass(frozen=True, slots=True)
class Extracted:
    """One article taken out of a file, ready to become an `Article` (the caller adds `id` and `source`)."""

    key: str | None
    """None for single-article files; the record id for a JSONL line."""
    title: str
    text: str
    """The article text as qa will store and cite it: the title, a blank line, then the body."""
    body_start: int
    """Offset in `text` where the body starts."""
    meta: dict[str, str] = field(default_factory=dict)
    """Any of: url, date, author, publisher (JSONL `source` goes to `publisher`)."""
    page_starts: tuple[int, ...] = ()
    """PDF: offset in `text` where each page (1, 2, ...) starts."""


class FormatError(QAError):
    """A file cannot be read as its format; the message is the reason it is skipped (shown to the user)."""


def page_number(page_starts: tuple[int, ...], offset: int) -> int | None:
    """The 1-based page holding `offset` of a PDF's text, or None before page 1 (the title) or without pages.

    >>> page_number((12, 40, 75), 50)
    2
    """
    page = bisect_right(page_starts, offset)
    return page or None


# --- HTML -------------------------------------------------------------------------------------------------------


def extract_html(data: bytes, source: str) -> Extracted:
    """The main text of a web page, its title and metadata; FormatError when the page has no main text."""
    import trafilatura  # ~0.4 s to import: paid by indexing HTML, never by asking a question
    from trafilatura.settings import set_date_params

    try:
        # Parse the bytes ourselves: given a tree, neither trafilatura nor htmldate can take the input for a URL
        # to download. No `url` is passed either: metadata comes from the page alone.
        tree = trafilatura.load_html(data) if data.strip() else None
        if tree is None:
            raise FormatError("not an HTML page (nothing to parse)")
        document = trafilatura.bare_extraction(
            tree,
            with_metadata=True,  # title, url, date, author, site name
            include_comments=False,  # readers' comments are not the article
            include_tables=True,
            include_images=False,
            include_links=False,  # link targets would end up in the text
            include_formatting=False,  # plain text, no markdown markers in what is cited
            deduplicate=False,
            # The publication date from the page's markup only (meta tags, JSON-LD, <time>), never guessed from
            # the text: an extensive search takes a footer's "Copyright 2024" for the date.
            date_extraction_params=set_date_params(extensive=False),
        )
    except FormatError:
        raise
    except Exception as error:  # noqa: BLE001 - lxml and trafilatura raise many kinds on malformed input
        raise FormatError(f"not a readable HTML page ({type(error).__name__}: {error})") from None
    paragraphs = _paragraphs(document.body) if document is not None and document.body is not None else []
    if not paragraphs:
        raise FormatError("no main text found in the HTML page")
    title = _html_title(document.title or "", tree, paragraphs[0])
    meta = {
        name: value
        for name, value in (
            ("url", document.url),
            ("date", document.date),  # htmldate gives ISO YYYY-MM-DD
            ("author", document.author),
            ("publisher", document.sitename),
        )
        if value and value.strip()
    }
    log.debug("%s: %d paragraphs of main text", source, len(paragraphs))
    text, body_start = _compose(title, paragraphs)
    return Extracted(key=None, title=title, text=text, body_start=body_start, meta=meta)


def _html_title(found: str, tree: Any, first_paragraph: str) -> str:
    """trafilatura's title (og:title, a headline, `<title>`, `<h1>`), or the text's first line where it has none.

    trafilatura's headline heuristics can take a side widget ("Keyboard shortcuts") or the site's name for the
    page's title. When the `<title>` element ("Closures - The Rust Book") confirms the text's first line but
    not that title, or shows that title only as its last part (the site name), the first line wins.
    """
    title, first_line = _one_line(found), _one_line(first_paragraph)
    element = tree.find(".//head/title")
    page_title = _one_line(element.text_content()).casefold() if element is not None else ""
    if not title:
        return first_line
    if page_title and first_line.casefold() in page_title and first_line.casefold() != title.casefold():
        parts = _TITLE_SEPARATOR.split(page_title)
        if title.casefold() not in page_title or (len(parts) > 1 and title.casefold() == parts[-1]):
            return first_line
    return title


_TITLE_SEPARATOR = re.compile(r"\s+[-|–—·:»]+\s+")


# Tags of trafilatura's output tree that run inside a paragraph; every other element starts and ends one.
# (`<code>` is inline unless it spans lines.)
_INLINE_TAGS = frozenset({"hi", "ref", "del", "cell", "span"})
_BLOCK, _LINE_BREAK = object(), object()


def _paragraphs(body: Any) -> list[str]:
    """The blocks of trafilatura's output tree as paragraphs: whitespace collapsed, a `<br>` kept as a newline.

    The tree is rendered here rather than taken from trafilatura's text output, whose lines mix block breaks
    with newlines of the page's source and mark list items with "- ".
    """
    paragraphs: list[str] = []
    lines: list[str] = []
    line: list[str] = []

    def end_line() -> None:
        text = " ".join("".join(line).split())
        line.clear()
        if text:
            lines.append(text)

    def end_paragraph() -> None:
        end_line()
        if lines:
            paragraphs.append("\n".join(lines))
        lines.clear()

    for event in _events(body):
        if event is _BLOCK:
            end_paragraph()
        elif event is _LINE_BREAK:
            end_line()
        else:
            line.append(event)
    end_paragraph()
    return paragraphs


def _events(element: Any, keep_lines: bool = False) -> Iterator[object]:
    """Text pieces of `element`'s content, with _BLOCK and _LINE_BREAK markers, in document order.

    Inside a code block (`keep_lines`) the source's newlines are line breaks; elsewhere they are spaces.
    """
    yield from _pieces(element.text, keep_lines)
    for child in element:
        tag = child.tag if isinstance(child.tag, str) else ""  # comments and processing instructions: tail only
        if tag == "lb":
            yield _LINE_BREAK
        elif tag in _INLINE_TAGS or (tag == "code" and not _is_code_block(child)):
            if tag == "cell" and child.getprevious() is not None:
                yield " | "
            yield from _events(child, keep_lines)
        elif tag:
            yield _BLOCK
            yield from _events(child, keep_lines or tag == "code")
            yield _BLOCK
        yield from _pieces(child.tail, keep_lines)


def _pieces(text: str | None, keep_lines: bool) -> Iterator[object]:
    if not text:
        return
    if not keep_lines:
        yield text
        return
    for index, line in enumerate(text.split("\n")):
        if index:
            yield _LINE_BREAK
        yield line


def _is_code_block(element: Any) -> bool:
    """trafilatura's own rule: `<code>` spanning several lines is a block, otherwise inline code in a sentence."""
    return "\n" in "".join(element.itertext()).strip() or element.find(".//lb") is not None


# --- PDF --------------------------------------------------------------------------------------------------------


def extract_pdf(data: bytes, source: str) -> Extracted:
    """The text of every page of a PDF, with where each page starts; FormatError for encrypted or broken files."""
    if b"%PDF-" not in data[:1024]:
        raise FormatError("not a PDF (no %PDF- header)")
    import pypdf  # ~0.25 s to import: paid by indexing PDFs, never by asking a question
    from pypdf.errors import DependencyError, FileNotDecryptedError

    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        # Many PDFs are encrypted with an empty user password (only editing is restricted): those read fine.
        if reader.is_encrypted and not reader.decrypt(""):
            raise FormatError("encrypted PDF (needs a password)")
        pages = []
        for number, page in enumerate(reader.pages, 1):
            try:
                pages.append(_page_text(page.extract_text()))
            except (DependencyError, FileNotDecryptedError):
                raise
            except Exception as error:  # noqa: BLE001 - a broken content stream raises anything
                raise FormatError(f"not a readable PDF (page {number}: {type(error).__name__}: {error})") from None
        info = _pdf_info(reader)
    except FormatError:
        raise
    except DependencyError:  # AES encryption without the optional 'cryptography' package
        raise FormatError("encrypted PDF (reading it needs the 'cryptography' package)") from None
    except FileNotDecryptedError:
        raise FormatError("encrypted PDF (needs a password)") from None
    except Exception as error:  # noqa: BLE001 - pypdf raises PdfReadError, ValueError, KeyError... on broken files
        raise FormatError(f"not a valid PDF ({type(error).__name__}: {error})") from None
    if not pages:
        raise FormatError("PDF has no pages")
    if not any(pages):
        raise FormatError("no text in the PDF (scanned pages need OCR first)")

    first_page = next(index for index, page in enumerate(pages) if page)
    title = info.pop("title", "") or _one_line(pages[first_page].split("\n", 1)[0])
    pages[first_page] = _drop_title_line(pages[first_page], title)
    head, body_start = _compose(title, [])
    page_starts = []
    offset = body_start
    for page in pages:
        page_starts.append(offset)
        offset += len(page) + 2  # the blank line before the next page
    text = head + "\n\n".join(pages)
    log.debug("%s: %d pages", source, len(pages))
    return Extracted(key=None, title=title, text=text, body_start=body_start, meta=info, page_starts=tuple(page_starts))


def _page_text(raw: str) -> str:
    """One page's text: line endings unified, trailing spaces and surrounding blank lines removed."""
    lines = raw.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip()


def _pdf_info(reader: Any) -> dict[str, str]:
    """title, author and date (ISO, from /CreationDate) of the document information dictionary, where present.

    A broken information dictionary is no reason to lose the text: a field that cannot be read is left out.
    """
    meta = {}
    for name, read in (
        ("title", lambda info: info.title),
        ("author", lambda info: info.author),
        ("date", lambda info: info.creation_date and info.creation_date.strftime("%Y-%m-%d")),
    ):
        try:
            info = reader.metadata
            value = _one_line(str(read(info) or "")) if info is not None else ""
        except Exception as error:  # noqa: BLE001 - pypdf raises many kinds on malformed /Info entries
            log.debug("unreadable PDF %s: %s", name, error)
            continue
        if value:
            meta[name] = value
    return meta


# --- JSONL ------------------------------------------------------------------------------------------------------

_JSONL_OPTIONAL = (("url", "url"), ("date", "date"), ("source", "publisher"))


def extract_jsonl(data: bytes, source: str) -> tuple[list[Extracted], list[str]]:
    """One article per line (`id`, `title`, `text`; optional `url`, `date`, `source`), and a warning per bad line.

    Blank lines are ignored. A line that is not UTF-8, not a JSON object, lacks a required field, has an empty
    one or one of the wrong type is skipped, as is a line repeating an id of an earlier line. Line numbers are
    1-based.
    """
    articles: list[Extracted] = []
    warnings: list[str] = []
    first_line_of: dict[str, int] = {}
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for number, raw in enumerate(data.split(b"\n"), 1):
        if not raw.strip():
            continue
        try:
            article = _jsonl_article(raw)
        except _BadLine as bad:
            warnings.append(f"line {number}: {bad}")
            continue
        assert article.key is not None
        if article.key in first_line_of:
            warnings.append(f"line {number}: duplicate id '{article.key}' (first on line {first_line_of[article.key]})")
            continue
        first_line_of[article.key] = number
        articles.append(article)
    log.debug("%s: %d articles, %d bad lines", source, len(articles), len(warnings))
    return articles, warnings


class _BadLine(Exception):
    """Why one JSONL line is not an article."""


def _jsonl_article(raw: bytes) -> Extracted:
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _BadLine(f"not UTF-8 (invalid byte at column {error.start + 1})") from None
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        raise _BadLine(f"invalid JSON ({error.msg} at column {error.colno})") from None
    if not isinstance(record, dict):
        raise _BadLine(f"not a JSON object ({_json_type(record)})")
    for name in ("id", "title", "text"):
        if name not in record or record[name] is None:
            raise _BadLine(f"missing '{name}'")
    key = record["id"]
    if isinstance(key, bool) or not isinstance(key, (str, int)):
        raise _BadLine(f"'id' must be a string or an integer, not {_json_type(key)}")
    key = str(key).strip()
    if not key:
        raise _BadLine("empty 'id'")
    for name in ("title", "text"):
        if not isinstance(record[name], str):
            raise _BadLine(f"'{name}' must be a string, not {_json_type(record[name])}")
        if not record[name].strip():
            raise _BadLine(f"empty '{name}'")
    meta = {}
    for name, meta_name in _JSONL_OPTIONAL:
        value = record.get(name)
        if value is None:
            continue
        if not isinstance(value, str):
            raise _BadLine(f"'{name}' must be a string, not {_json_type(value)}")
        if value.strip():
            meta[meta_name] = value.strip()
    title = _one_line(record["title"])
    body = _drop_title_line(record["text"].strip(), title)
    text, body_start = _compose(title, [body])
    return Extracted(key=key, title=title, text=text, body_start=body_start, meta=meta)


def _json_type(value: object) -> str:
    names = {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "a list", dict: "an object"}
    return names.get(type(value), "null")


# --- shared -----------------------------------------------------------------------------------------------------


def _one_line(value: str) -> str:
    """Whitespace (newlines included) collapsed to single spaces: titles are one line."""
    return " ".join(value.split())


def _drop_title_line(body: str, title: str) -> str:
    """`body` without its first line when that line is the title (ignoring case and spacing) and more follows."""
    first, _, rest = body.lstrip().partition("\n")
    if rest.strip() and _one_line(first).casefold() == title.casefold():
        return rest.strip()
    return body


def _compose(title: str, paragraphs: list[str]) -> tuple[str, int]:
    """`title`, a blank line, the paragraphs separated by blank lines; and where the body starts."""
    if len(paragraphs) > 1 and _one_line(paragraphs[0]).casefold() == title.casefold():
        paragraphs = paragraphs[1:]
    head = f"{title}\n\n"
    return head + "\n\n".join(paragraphs), len(head)
