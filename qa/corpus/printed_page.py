"""What a browser adds when it prints a web page to PDF, and how the page's own headline is found again.

Chromium and Firefox print a header and a footer on every page unless told not to: the date and time with the page's
`<title>` at the top, its address with "page/pages" at the bottom ("12/3/26, 7:41 PM  Storm hits coast - Daily
Wire", "file:///home/me/storm.html 1/2"). A PDF of many pages loses them as running lines; a story printed on one
or two pages does not repeat them often enough, so they are recognised by what they say and where they stand: at
the very top or bottom of the page, a date-time stamp first, or a page counter last that is this page's (or, printed
without them, by the browser's user agent as the PDF's /Creator: `written_by_browser`). And the
PDF's /Title is then the `<title>`, with the site's name after the headline ("Storm hits coast - Daily Wire"):
the headline is the line of the first page that the /Title starts with, and what comes before it on that page
(a cookie banner, the site's name, its menu) is the site's, not the story's. On a page known to be printed from
the web (any sign above), what follows the story is the site's too when it reads as such (`site_tail`): a
copyright footer, and a heading over a list of headlines ("More on this story", "Related links").

Typography ligatures (U+FB00-FB06: "ﬁ", "ﬂ", "ﬀ") are set by PDF writers for "fi", "fl", "ff" and come back as one
character: expanded, "ﬁght" is the word "fight" again, for the index and the reader alike.
"""

from __future__ import annotations

import re
import unicodedata

from qa.corpus.heading import reads_like_title
from qa.corpus.pdf_lines import Line

_LIGATURES = {code: unicodedata.normalize("NFKC", chr(code)) for code in range(0xFB00, 0xFB07)}
_STAMP = re.compile(r"\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4},?\s+\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AaPp]\.?[Mm]\.?)?(?:\s|$)")
_COUNTER = re.compile(r"(?:^|\s)(?:(?:page\s+)?(\d+)\s*(?:/|of)\s*(\d+))$", re.IGNORECASE)
_SITE_SEPARATORS = (" - ", " | ", " – ", " — ", " :: ", " · ")
_MAX_LEAD_WORDS = 80
"""At most this many words before the headline are taken for the site's page furniture (a cookie banner, a menu);
more is text of the document."""


def expand_ligatures(text: str) -> str:
    """`text` with typographic ligature characters written as their letters ("ﬁ" -> "fi")."""
    return text.translate(_LIGATURES)


def browser_print_lines(lines: list[Line], number: int, count: int) -> set[int]:
    """Indexes of the lines of page `number` (1-based, of `count`) that a browser's print header or footer wrote:
    the topmost or bottommost line of the page (by position), when it starts with a date-time stamp or ends with
    the counter of this page ("1/2", "Page 1 of 2"). Pages whose lines have no positions give none."""
    placed = [(index, line) for index, line in enumerate(lines) if line.text.strip() and line.y is not None]
    if len(placed) < 2:
        return set()
    ys = [line.y for _, line in placed if line.y is not None]
    top, bottom = max(ys), min(ys)
    found = set()
    for index, line in placed:
        if line.y not in (top, bottom):
            continue
        text = " ".join(line.text.split())
        counter = _COUNTER.search(text)
        if _STAMP.match(text) or counter is not None and (int(counter.group(1)), int(counter.group(2))) == (
                number, count):
            found.add(index)
    return found


def written_by_browser(creator: str) -> bool:
    """Whether a PDF's /Creator is a browser's user agent ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36
    (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36", as Chromium writes it): a page printed without
    the print header and footer (a common setting, and `--no-pdf-header-footer`) is printed from the web all the
    same. Its line-end hyphens were taken for a word's hyphenation ("self-" + "interest" read "selfinterest") and
    the day it was printed for the story's date."""
    return creator.startswith("Mozilla/")


_SHARE_ITEM = (r"(?:share(?:\s+(?:this|this\s+article|on\s+\w+|via\s+\w+))?|tweet|e-?mail|print|copy\s+link|save"
               r"|facebook|twitter|x|whatsapp|linkedin|telegram|reddit|pinterest|messenger|bluesky|threads)")
_SHARE_BAR = re.compile(rf"\s*{_SHARE_ITEM}(?:\s*[·|•/,:-]?\s*{_SHARE_ITEM})*\s*", re.IGNORECASE)


def share_bar(text: str) -> bool:
    """A line of a printed web page's share buttons ("Share on Facebook · Share on X · Email", "Share: Facebook
    Twitter WhatsApp"): it names sharing ("share") or two networks or more, and nothing else."""
    if not _SHARE_BAR.fullmatch(text):
        return False
    return "share" in text.casefold() or len(re.findall(_SHARE_ITEM, text, re.IGNORECASE)) >= 2


def headline_in(title: str, paragraphs: list[str]) -> int | None:
    """Where, among the first page's paragraphs, the headline of a /Title that names the site after it ("Storm
    hits coast - Daily Wire") stands, when only page furniture comes before it (at most `_MAX_LEAD_WORDS` words);
    None when the /Title is the headline itself or no paragraph is its headline."""
    heads = {title[:found].strip().casefold() for separator in _SITE_SEPARATORS
             for found in [title.rfind(separator)] if found > 0}
    words = 0
    for index, paragraph in enumerate(paragraphs):
        if " ".join(paragraph.split()).casefold() in heads:
            return index
        words += len(paragraph.split())
        if words > _MAX_LEAD_WORDS:
            return None
    return None


_FOOTER_LINK_WORDS = 12
_FOOTER_LINKS = 8


def _footer_start(paragraphs: list[str]) -> int:
    """Where the copyright footer at the end starts: its copyright line, with what follows it when that is only the
    footer's links, short lines ("Privacy policy", "Contact us", "Follow us on Facebook and YouTube.");
    `len(paragraphs)` when the last paragraphs hold no copyright line."""
    end = len(paragraphs)
    for at in range(len(paragraphs) - 1, max(-1, len(paragraphs) - 2 - _FOOTER_LINKS), -1):
        if _FOOTER.match(paragraphs[at].lstrip()):
            end = at
        elif len(paragraphs[at].split()) > _FOOTER_LINK_WORDS:
            break
    return end


_FOOTER = re.compile(r"(?:©|\(c\)|copyright\s+(?:©|\(c\)|\d{4})|.*\ball rights reserved\b)", re.IGNORECASE)
_ENDS_LIKE_SENTENCE = re.compile(r"(?<![.…])[.:;,][\"'”’)\]]*$")  # a headline may trail off: "'Memories of...'"
_MIN_LINKS = 2


def site_tail(paragraphs: list[str], headings: set[str]) -> int:
    """Where the site's furniture after the story starts among the last page's paragraphs (`len(paragraphs)` when
    there is none): a copyright footer at the very end ("© 2025 Polar Times. All rights reserved."), and before it
    a heading set apart in type (one of `headings`: the document's larger or bold lines) over at least two headlines
    (short lines that do not end like a sentence, though they may ask, exclaim or trail off), the related links a
    news page lists under its story. A story that ends in a list of short lines keeps it: no such heading stands
    over them."""
    end = _footer_start(paragraphs)
    start = end
    while start and reads_like_title(paragraphs[start - 1]) and not _ENDS_LIKE_SENTENCE.search(
            paragraphs[start - 1].rstrip()):
        start -= 1
    heads = [at for at in range(start, end - _MIN_LINKS) if " ".join(paragraphs[at].split()) in headings]
    return heads[-1] if heads else end
