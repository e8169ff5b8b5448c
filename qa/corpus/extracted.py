"""The shape every reader of a structured format (HTML, PDF, JSONL, ...) returns, and the helpers that make it.

Every `Extracted.text` has the same shape: the title on its first line, a blank line, then the body, so that the
chunker (which splits at blank lines) and the citations work as for a `.txt` file; `text[body_start:]` is the
body. A first body line equal to the title (an HTML `<h1>`, a PDF's first line) is not repeated.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from qa.corpus.bylines import author_name, find_date, read_byline, read_date_line
from qa.dates import date_prefix

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
    line: int | None = None
    """JSONL: the 1-based line of the record in its file."""


def one_line(value: str) -> str:
    """Whitespace (newlines included) collapsed to single spaces: titles are one line."""
    return " ".join(value.split())


_PLACEHOLDER_TITLE = re.compile(
    r"(?:untitled(?:[ -]\d+)?|untitled document|document ?\d*|title|about:blank|microsoft \w+ - .*"
    r"|\S*\.(?:html?|pdf|docx?|odt|rtf|txt|md|pptx?|xlsx?|tex|dvi|ps|indd))",
    re.IGNORECASE)


def placeholder_title(value: str) -> bool:
    """A title a program wrote rather than the author: a file name ("report.html", "Microsoft Word - notes.docx",
    as a browser or Word prints to PDF) or an editor's default ("Untitled", "Document1"). The text's own title
    line is better."""
    return _PLACEHOLDER_TITLE.fullmatch(one_line(value)) is not None


_PLACEHOLDER_AUTHOR = re.compile(
    r"(?:python-docx|administrator|admin|user|owner|author|unknown|anonymous|microsoft office user|windows user"
    r"|authorized user|valued customer|default|\(?none\)?|-)", re.IGNORECASE)


def placeholder_author(value: str) -> bool:
    """An author a program or an installation wrote rather than a person ("python-docx", "Microsoft Office User",
    "Administrator", "User"): a byline in the text names the author better."""
    return _PLACEHOLDER_AUTHOR.fullmatch(one_line(value)) is not None


def drop_title_line(body: str, title: str) -> str:
    """`body` without its first line when that line is the title (ignoring case and spacing) and more follows."""
    first, _, rest = body.lstrip().partition("\n")
    if rest.strip() and one_line(first).casefold() == title.casefold():
        return rest.strip()
    return body


def compose(title: str, paragraphs: list[str]) -> tuple[str, int]:
    """`title`, a blank line, the paragraphs separated by blank lines; and where the body starts."""
    if len(paragraphs) > 1 and one_line(paragraphs[0]).casefold() == title.casefold():
        paragraphs = paragraphs[1:]
    head = f"{title}\n\n"
    return head + "\n\n".join(paragraphs), len(head)


def checked_meta(meta: dict[str, str], source: str) -> dict[str, str]:
    """`meta` with its date as a real YYYY-MM-DD day; an impossible or unreadable date is left out with a warning
    naming the file (2024-02-30 is no day: filters and citations would otherwise carry it). Its author is the name
    alone, without a byline word or role around it (`author_name`)."""
    if meta.get("author"):
        meta = {**meta, "author": author_name(meta["author"])}
    value = meta.get("date")
    if value is None:
        return meta
    day = metadata_day(value)
    result = {key: item for key, item in meta.items() if key != "date"}
    if day is None:
        log.warning("%s: ignored the date '%s' of its metadata: not a real date", source, value[:60])
    else:
        result["date"] = day
    return result


def metadata_day(value: str) -> str | None:
    """The real YYYY-MM-DD day a metadata date names ('2021-06-18T09:30', 'June 18, 2021'), or None."""
    day = date_prefix(value.strip())
    if day is None:
        found = find_date(value)
        day = found[0] if found is not None and len(value) <= 60 else None
    return day


def header_lines_out(paragraphs: list[str], meta: dict[str, str], *, title: str = "",
                     file_dated: bool = False) -> list[str]:
    """`paragraphs` without the byline and date lines at their top (at most three), whose author, publisher and date
    go to `meta` where it has none; never the last paragraph.

    A paragraph that starts or ends the `title` is the headline, never a byline, though it may start with another
    language's byline word ("Di Canio Wins Appeal" under the page title "Di Canio Wins Appeal - Sport": no author
    "Canio Wins Appeal"; `read_byline`'s `under_title`). `file_dated`: `meta`'s date is the file's own (a PDF's
    /ModDate, a .docx's modified time: when it was saved or printed), so the first date line in the text replaces
    it (a later one, "Updated ...", does not)."""
    headline = one_line(title).casefold()
    dropped = 0
    dated = False
    while dropped < min(3, len(paragraphs) - 1):
        line = one_line(paragraphs[dropped])
        the_headline = bool(headline) and (headline.startswith(line.casefold()) or headline.endswith(line.casefold()))
        found = read_byline(line, under_title=not the_headline)
        if found is None:
            day = read_date_line(line)
            found = {"date": day} if day is not None else None
        if found is None:
            break
        for key, value in found.items():
            if key == "date" and file_dated and not dated:
                meta[key] = value
                dated = True
            else:
                meta.setdefault(key, value)
        dropped += 1
    return paragraphs[dropped:]
