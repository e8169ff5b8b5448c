"""Where an article's title, byline and date are, and where its body starts: read as a person reads the top of a page.

    >>> head = read_heading("By Ayya Lmahamad\\n\\nThe first meeting was held in Baku on Monday. It ...", 0)
    >>> head.title, head.meta, head.title_from
    ('The first meeting was held in Baku on Monday.', {'author': 'Ayya Lmahamad'}, 'lead')

The rules (README, "Article formats"), applied to the first lines of the text:

1. A line is the **title** when it reads like one: at most 20 words and 160 characters, no sentence-final
   punctuation (a final period, comma, colon or semicolon; "?", "!" and "..." are allowed: headlines ask and
   exclaim), not a list item, and standing alone (followed by a blank line, or by a line that is not its
   continuation). A Markdown heading (`# Title`, or a line underlined with `===`) is always a title. Under front
   matter that gives the title, a plain line is a title only when it repeats it.
2. A **byline** ("By NAME", "By NAME, role", "NAME | Publisher", optionally with a date) gives the author (and
   publisher, date); a line that is only a **date** ("18 June 2021", "Published: June 18, 2021") gives the date.
   Both leave the body.
3. Anything else is a **paragraph**: the body starts there. A paragraph is always body text, even when it is the
   first line of the file.
4. Without a title line, the title is the metadata's (front matter, HTML `<title>`/og:title, PDF /Title, .docx
   core properties), else the body's **first sentence**, cut at a word boundary when it is long (`lead_title`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from qa.corpus.bylines import read_byline, read_date_line
from qa.corpus.sentences import split_paragraphs, split_sentences

MAX_TITLE_WORDS = 20
MAX_TITLE_CHARS = 160
LEAD_TITLE_CHARS = 90
"""A title made from the first sentence is cut (at a word boundary, with "…") to about this many characters."""
LEAD = "lead"
TITLE_FROM = "title_from"
"""`Article.meta[TITLE_FROM] == LEAD` marks a title made from the first sentence: it is shown, but not indexed as
a title (its words are the first passage's own; put before every passage they would drown what sets the article's
passages apart), nor taken for the article's subject when the best sentence is chosen."""
_HEADER_LINES = 5
"""At most this many lines are looked at before the body is taken to start."""

_ATX = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+•]|\d{1,3}[.)])\s")
_SENTENCE_FINAL = re.compile(r"(?<![.…])[.,;:]$")
_ABBREVIATION_END = re.compile(r"(?:\b[A-Z]\.){2,}$|\b(?:Inc|Ltd|Co|Corp|Jr|Sr|St|Dr|etc)\.$")


@dataclass(frozen=True, slots=True)
class Heading:
    """What the top of an article says about it."""

    title: str
    body_start: int
    """Offset of the first body line (the lead paragraph, when there is no title line)."""
    meta: dict[str, str] = field(default_factory=dict)
    """author, publisher, date found in byline and date lines."""
    title_from: str = "line"
    """'line' (a title line of the text), 'metadata' (given by the format), 'lead' (the first sentence), or
    'none' (an article with no text)."""


def read_heading(text: str, start: int, known_title: str | None = None, markdown: bool = False,
                 shown: str | None = None) -> Heading:
    """The title, byline and date lines at the top of `text[start:]`, and where the body starts.

    `known_title` is the title the format's metadata gives (front matter, `<title>`, /Title); it is used when the
    text has no title line, or when a title line is all the text there is (that line is then the body). A title
    line of the text that repeats it is still taken out of the body. `shown` is a Markdown file's text with its
    syntax blanked (same offsets): bylines, dates and titles are read from it ("*By Jane Doe* | Reuters"),
    headings (`# Title`) from `text`.
    """
    raw_lines = _lines(text, start)
    lines = _lines(shown, start) if shown is not None else raw_lines
    meta: dict[str, str] = {}
    title: str | None = None
    title_start = len(text)
    body_start = len(text)
    i = 0
    looked = 0
    while i < len(lines) and looked < _HEADER_LINES:
        line_start, line = lines[i]
        stripped = line.strip()
        if not stripped:
            i += 1
            continue
        looked += 1
        following = _next_line(lines, i)
        heading = _markdown_heading(raw_lines[i][1], _next_line(raw_lines, i)) if markdown else None
        if heading is not None:
            if title is not None:
                body_start = line_start  # a second heading is a section of the body
                break
            title, title_start = heading, line_start
            raw_following = _next_line(raw_lines, i)
            i += 2 if _SETEXT.match(raw_following or "") and not _ATX.match(raw_lines[i][1]) else 1
            continue
        byline = read_byline(stripped, under_title=title is not None)
        if byline is not None and _alone(lines, i):
            for key, value in byline.items():
                meta.setdefault(key, value)
            i += 1
            continue
        day = read_date_line(stripped)
        if day is not None and _alone(lines, i):
            meta.setdefault("date", day)
            i += 1
            continue
        if title is None and reads_like_title(stripped) and (_stands_alone(line, following)
                                                             or _header_line(following)) \
                and _may_be_title(stripped, known_title):
            title, title_start = one_line(stripped), line_start
            i += 1
            continue
        body_start = line_start
        break
    else:
        body_start = lines[i][0] if i < len(lines) else len(text)
    if title is not None and known_title and known_title.strip() and not text[body_start:].strip():
        # the title line is all the text there is (an article posted as one short line): it is the body, and the
        # metadata's title the title, else the body would be empty and the metadata's title lost
        return Heading(one_line(known_title), title_start, meta, "metadata")
    if title is not None:
        return Heading(title, body_start, meta, "line")
    if known_title and known_title.strip():
        return Heading(one_line(known_title), body_start, meta, "metadata")
    lead = lead_title(text, body_start)
    return Heading(lead, body_start, meta, "lead" if lead else "none")


def _may_be_title(line: str, known_title: str | None) -> bool:
    """A plain line (not a Markdown heading) is the title when the metadata gives none, or when it repeats the
    metadata's: under front matter that names the title, a short first line that says something else ("Result:
    Ferrer 6-3 Haas", a one-line lead without a period) is the body's first paragraph, not a second title."""
    return not known_title or not known_title.strip() or one_line(line).casefold() == one_line(known_title).casefold()


def reads_like_title(line: str) -> bool:
    """Short, without sentence-final punctuation, not a list item, holding a letter."""
    words = line.split()
    if not words or len(words) > MAX_TITLE_WORDS or len(line) > MAX_TITLE_CHARS:
        return False
    if _LIST_ITEM.match(line) or not any(char.isalpha() for char in line):
        return False
    return not (_SENTENCE_FINAL.search(line) and not _ABBREVIATION_END.search(line))


def lead_title(text: str, start: int, limit: int = LEAD_TITLE_CHARS) -> str:
    """The first sentence from `start`, on one line, cut at a word boundary (with "…") when longer than `limit`."""
    for p_start, p_end in split_paragraphs(text, start, len(text)):
        lines = text[p_start:p_end].splitlines()
        if len(lines) > 1 and max(len(line.strip()) for line in lines) < _SHORT_LINES:
            return shorten(one_line(lines[0]), limit)  # a list, an address, verse: its first line
        for s_start, s_end in split_sentences(text, p_start, p_end):
            return shorten(one_line(text[s_start:s_end]), limit)
    return ""


_SHORT_LINES = 40
"""A paragraph whose lines are all shorter than this is a list or verse, not a wrapped paragraph."""


def shorten(value: str, limit: int) -> str:
    """`value` when it fits; otherwise its words up to about `limit` characters, then "…"."""
    if len(value) <= limit:
        return value
    cut = value.rfind(" ", 0, limit)
    head = value[: cut if cut > limit // 2 else limit].rstrip(" ,;:-–—")
    return head + "…"


def one_line(value: str) -> str:
    """Whitespace (newlines included) collapsed to single spaces: titles are one line."""
    return " ".join(value.split())


def _lines(text: str, start: int) -> list[tuple[int, str]]:
    """(offset, line without its ending) of the lines of `text[start:]`."""
    lines = []
    offset = start
    for line in text[start:].splitlines(keepends=True):
        lines.append((offset, line.rstrip("\r\n")))
        offset += len(line)
    return lines


def _next_line(lines: list[tuple[int, str]], i: int) -> str | None:
    """The line after line `i`, or None at the end (a blank line is returned as it is)."""
    return lines[i + 1][1] if i + 1 < len(lines) else None


def _header_line(line: str | None) -> bool:
    """A byline or a date line: what may follow a title line directly."""
    return line is not None and (read_byline(line.strip()) is not None or read_date_line(line.strip()) is not None)


def _alone(lines: list[tuple[int, str]], i: int) -> bool:
    """A byline or date line is a line of its own, not the start of a paragraph wrapped onto the next line."""
    following = _next_line(lines, i)
    return following is None or not following.strip() or not following.strip()[0].islower()


def _stands_alone(line: str, following: str | None) -> bool:
    """A title is not the first line of a wrapped paragraph: the next line is blank, absent, or clearly not its
    continuation (it does not start in lower case, and the title is much shorter than it)."""
    if following is None or not following.strip():
        return True
    nxt = following.strip()
    if nxt[0].islower() or nxt[0] in ",;:)":
        return False
    return len(line.strip()) < 0.6 * len(nxt) or line.strip().isupper()


def _markdown_heading(line: str, following: str | None) -> str | None:
    """The text of a Markdown heading line (ATX `# Title`, or setext: a line underlined with === or ---)."""
    atx = _ATX.match(line)
    if atx is not None:
        return one_line(atx.group(2)) or None
    if following is not None and line.strip() and _SETEXT.match(following) and not _LIST_ITEM.match(line):
        return one_line(line) if reads_like_title(line.strip()) else None
    return None
