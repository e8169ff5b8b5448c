"""HTML pages -> their main text, title and metadata (trafilatura). Bytes in; nothing touches the network.

    >>> article = extract_html(Path("page.html").read_bytes(), "news/page.html")    # doctest: +SKIP
    >>> article.title, article.meta["date"]                                           # doctest: +SKIP
    ('Baku hosts its first caviar festival', '2021-06-18')

trafilatura keeps the main text and leaves navigation, headers, footers and banners out; each block it keeps
(paragraph, heading, list item, table row as "cell | cell") becomes a paragraph, a `<br>` a newline. Metadata:
title (og:title, `<title>`, `<h1>`), url (canonical / og:url), date (ISO `YYYY-MM-DD`), author, publisher (site
name). The library gets bytes, never a URL or a path.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any

from qa.corpus.bylines import read_byline, read_date_line
from qa.corpus.extracted import Extracted, checked_meta, compose, header_lines_out, one_line
from qa.corpus.heading import LEAD, TITLE_FROM, lead_title, reads_like_title
from qa.errors import UnreadableFile

log = logging.getLogger("qa")

def extract_html(data: bytes, source: str) -> Extracted:
    """The main text of a web page, its title and metadata; UnreadableFile when the page has no main text."""
    import trafilatura  # ~0.4 s to import: paid by indexing HTML, never by asking a question
    from trafilatura.settings import set_date_params

    try:
        # Parse the bytes ourselves: given a tree, neither trafilatura nor htmldate can take the input for a URL
        # to download. No `url` is passed either: metadata comes from the page alone.
        data = undeclared_encoding(data, source)
        tree = trafilatura.load_html(data) if data.strip() else None
        if tree is None:
            raise UnreadableFile("not an HTML page (nothing to parse)")
        options: dict[str, Any] = dict(
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
        document = trafilatura.bare_extraction(tree, **options)
        if _short(document):
            document = _short_article(trafilatura, data, document, options)
    except UnreadableFile:
        raise
    except Exception as error:  # noqa: BLE001 - lxml and trafilatura raise many kinds on malformed input
        raise UnreadableFile(f"not a readable HTML page ({type(error).__name__}: {error})") from None
    if document is None or isinstance(document, dict):  # a dict only when asked for one (as_dict)
        raise UnreadableFile("no main text found in the HTML page")
    paragraphs = _paragraphs(document.body) if document.body is not None else []
    if not paragraphs:
        raise UnreadableFile("no main text found in the HTML page")
    if not has_main_text(paragraphs):
        raise UnreadableFile("no main text in the HTML page (only navigation, links, notices or boilerplate)")
    meta = {
        name: value.strip()
        for name, value in (
            ("url", document.url),
            ("date", document.date),  # htmldate gives ISO YYYY-MM-DD
            ("author", document.author),
            ("publisher", document.sitename),
        )
        if value and value.strip()
    }
    lang = _page_language(tree)
    if lang:
        meta["lang"] = lang
    found = document.title or ""
    paragraphs = _without_header_lines(paragraphs, meta, found)
    if not found and not reads_like_title(paragraphs[0]):
        found = lead_title("\n\n".join(paragraphs), 0)  # no title anywhere: the first sentence names the page
        meta[TITLE_FROM] = LEAD
    title = _html_title(found, tree, paragraphs[0])
    log.debug("%s: %d paragraphs of main text", source, len(paragraphs))
    text, body_start = compose(title, paragraphs)
    return Extracted(key=None, title=title, text=text, body_start=body_start, meta=checked_meta(meta, source))


_DECLARED = re.compile(rb"charset\s*=|encoding\s*=", re.I)


def undeclared_encoding(data: bytes, source: str = "") -> bytes:
    """A page that is not UTF-8 and names no charset, re-encoded as UTF-8 from the encoding its bytes read as
    (`qa.corpus.read.legacy_text`: Central European and Turkish code pages too, which trafilatura's guess misreads:
    ISO-8859-2 "ogłosiły" became "ogġosiġy"), with a `<meta charset>` saying so; any other page as it is (a declared
    charset is the page's word)."""
    if _DECLARED.search(data[:4096]):
        return data
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        from qa.corpus.read import legacy_text

        text = legacy_text(data, source)
        if text is not None:
            return b'<meta charset="utf-8">' + text.encode("utf-8")
    return data


def _without_header_lines(paragraphs: list[str], meta: dict[str, str], title: str) -> list[str]:
    """`paragraphs` without the byline and date lines at their top, or under the page's headline when the main
    text starts with it ("Grève des contrôleurs aériens", "Par Claire Dubois", "Publié le 12 mars 2025 à 10h30").
    `title`: the page's, so that a headline is not read as a byline (`header_lines_out`)."""
    if len(paragraphs) > 2 and reads_like_title(one_line(paragraphs[0])):
        second = one_line(paragraphs[1])
        if read_byline(second) is not None or read_date_line(second) is not None:
            return [paragraphs[0], *header_lines_out(paragraphs[1:], meta)]
    return header_lines_out(paragraphs, meta, title=title)


_SHORT_PAGE_CHARS = 1500
"""Below this much main text, a page is extracted a second time without trafilatura's fallbacks (`_short_article`)."""
_KEPT_SHARE = 0.6


def _short(document: Any) -> bool:
    return (document is not None and not isinstance(document, dict) and document.body is not None
            and len("".join(document.body.itertext())) < _SHORT_PAGE_CHARS)


def _short_article(trafilatura: Any, data: bytes, document: Any, options: dict[str, Any]) -> Any:
    """The extraction of a short article's page, with its headline and paragraphs apart and the menu left out.

    When trafilatura's main extraction finds under 250 characters (`min_extracted_size`: a story of one or two
    short paragraphs), it falls back to taking the page's text wholesale: one paragraph of the menu, the headline,
    the byline and the story ("Home News Ferry cancelled The morning ferry..."). Extracted again with that
    threshold at 1, the page gives its own blocks without the menu; that result is taken when it has prose and
    keeps most of the text (`_KEPT_SHARE`), so a page whose story only the fallback finds keeps the fallback's.
    """
    from trafilatura.settings import use_config

    config = use_config()
    config["DEFAULT"]["MIN_EXTRACTED_SIZE"] = "1"
    precise = trafilatura.bare_extraction(trafilatura.load_html(data), config=config, **options)
    if precise is None or isinstance(precise, dict) or precise.body is None:
        return document
    kept = _paragraphs(precise.body)
    if not kept or not has_main_text(kept):
        return document
    if len("".join(precise.body.itertext())) < _KEPT_SHARE * len("".join(document.body.itertext())):
        return document
    return precise


_BOILERPLATE = re.compile(r"cookie|all rights reserved|privacy (?:policy|notice)|terms (?:of|and) (?:use|service|"
                          r"conditions)|sign up for|subscribe to|newsletter|javascript"
                          r"|版权所有|版權所有|著作権|無断転載|저작권", re.I)  # "all rights reserved", "copyright"
_PROSE_SENTENCE = re.compile(r"(?:\S+\s+){5,}\S*[.!?…।॥؟۔][\"'”’)]*(?:\s|$)")
_UNSPACED = "\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_UNSPACED_SENTENCE = re.compile(rf"[{_UNSPACED}][^\s.!?。！？]{{11,}}[。！？｡.!?]|[{_UNSPACED}]{{30}}")
"""A sentence of a script written without spaces between words (Chinese, Japanese, Thai, Lao, Khmer, Burmese): 12
characters or more before its full stop ("。"), or a run of 30 letters (Thai and Lao write no full stop)."""


def has_main_text(paragraphs: list[str]) -> bool:
    """Whether a page has text to read: a sentence of six words or more (twelve characters in a script written
    without spaces), ending as sentences do, outside notices about cookies, copyright or newsletters. Navigation,
    link lists and footers have none."""
    return any((_PROSE_SENTENCE.search(paragraph) or _UNSPACED_SENTENCE.search(paragraph))
               and not _BOILERPLATE.search(paragraph) for paragraph in paragraphs)


def _html_title(found: str, tree: Any, first_paragraph: str) -> str:
    """trafilatura's title (og:title, a headline, `<title>`, `<h1>`), or the text's first line where it has none.

    trafilatura's headline heuristics can take a side widget ("Keyboard shortcuts") or the site's name for the
    page's title. When the `<title>` element ("Closures - The Rust Book") confirms the text's first line but
    not that title, or shows that title only as its last part (the site name), the first line wins.
    """
    title, first_line = one_line(found), one_line(first_paragraph)
    element = tree.find(".//head/title")
    page_title = one_line(element.text_content()).casefold() if element is not None else ""
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
            line.append(str(event))
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


def _page_language(tree: Any) -> str:
    """The page's language as its markup says: `<html lang>` (or `xml:lang`), else a `Content-Language` meta tag;
    "" when it says none. Checked as a language tag where it is used (`qa.lang.detect.article_language`)."""
    root = tree.getroottree().getroot() if hasattr(tree, "getroottree") else tree
    value = root.get("lang") or root.get("{http://www.w3.org/XML/1998/namespace}lang") or ""
    if not value.strip():
        for meta in root.iter("meta"):
            if (meta.get("http-equiv") or "").lower() == "content-language":
                value = (meta.get("content") or "").split(",")[0]
                break
    return value.strip()[:35]
