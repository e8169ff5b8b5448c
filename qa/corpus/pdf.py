"""PDF files -> the text of every page, with where each page starts (pypdf). Bytes in.

A PDF knows lines, not sentences: each page's lines are joined into paragraphs (`join_lines`), a word hyphenated at
a line end is made whole again, and a paragraph ends at a blank line, a short line that ends a sentence, a heading,
a change of font size or weight, or a wider space between lines (`qa.corpus.pdf_lines`). Running headers and
footers are left out (`without_running_lines`). Pages are separated by a blank line (a newline when a sentence runs
on); `page_starts[n - 1]` is where page n starts, so `qa.models.page_number` names the page of any offset.
Metadata: `/Title` (unless it is a file name or an editor's default, as browsers and Word write it: then the first
line), `/Author`, and the date: a date line under the title (the story's), else `/ModDate`, else `/CreationDate`
(when the file was saved; an impossible date is ignored with a warning naming the file; none for a page a browser
printed, whose dates are the day it was printed); a byline under the title gives the author the metadata does not.
"""

from __future__ import annotations

import io
import logging
import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from typing import Any

from qa.corpus.extracted import (
    Extracted,
    checked_meta,
    compose,
    drop_title_line,
    header_lines_out,
    one_line,
    placeholder_author,
    placeholder_title,
)
from qa.corpus.heading import LEAD, TITLE_FROM, lead_title, reads_like_title
from qa.corpus.pdf_lines import Line, page_lines
from qa.corpus.printed_page import (
    browser_print_lines,
    expand_ligatures,
    headline_in,
    share_bar,
    site_tail,
    written_by_browser,
)
from qa.errors import UnreadableFile

log = logging.getLogger("qa")


def extract_pdf(data: bytes, source: str) -> Extracted:
    """The text of every page of a PDF, with where each page starts; UnreadableFile for encrypted or broken files."""
    if b"%PDF-" not in data[:1024]:
        raise UnreadableFile("not a PDF (no %PDF- header)")
    import pypdf  # ~0.25 s to import: paid by indexing PDFs, never by asking a question
    from pypdf.errors import DependencyError, FileNotDecryptedError

    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        # Many PDFs are encrypted with an empty user password (only editing is restricted): those read fine.
        if reader.is_encrypted and not reader.decrypt(""):
            raise UnreadableFile("encrypted PDF (needs a password)")
        pages: list[list[Line]] = []
        for number, page in enumerate(reader.pages, 1):
            try:
                pages.append(page_lines(page)[1])
            except (DependencyError, FileNotDecryptedError):
                raise
            except Exception as error:  # noqa: BLE001 - a broken content stream raises anything
                raise UnreadableFile(f"not a readable PDF (page {number}: {type(error).__name__}: {error})") from None
        info = _pdf_info(reader)
        browser = written_by_browser(_creator(reader))
    except UnreadableFile:
        raise
    except DependencyError:  # AES encryption without the optional 'cryptography' package
        raise UnreadableFile("encrypted PDF (reading it needs the 'cryptography' package)") from None
    except FileNotDecryptedError:
        raise UnreadableFile("encrypted PDF (needs a password)") from None
    except Exception as error:  # noqa: BLE001 - pypdf raises PdfReadError, ValueError, KeyError... on broken files
        raise UnreadableFile(f"not a valid PDF ({type(error).__name__}: {error})") from None
    if not pages:
        raise UnreadableFile("PDF has no pages")
    printed = [browser_print_lines(lines, number, len(pages)) for number, lines in enumerate(pages, 1)]
    pages = [[line for index, line in enumerate(lines) if index not in drop] for lines, drop in zip(
        pages, printed, strict=True)]
    web = browser or any(printed)  # printed from the web: its /Creator or its print header or footer says so
    if web:  # a web page's share buttons, printed as a line of their own
        pages = [[line for line in lines if not share_bar(line.text)] for lines in pages]
    pages = without_running_lines(pages)
    usual = _usual_width([line for lines in pages for line in lines])
    # A browser breaks lines after a hyphen of the text and hyphenates no word: its line-end hyphens are the text's.
    texts = [_page_text(lines, usual, hyphenates=not web) for lines in pages]
    if not any(texts):
        raise UnreadableFile("no text in the PDF (scanned pages need OCR first)")

    first_page = next(index for index, page_text in enumerate(texts) if page_text)
    first_line = one_line(texts[first_page].split("\n", 1)[0])
    title = info.pop("title", "")
    if placeholder_title(title):
        title = ""  # "report.html": a browser's print to PDF names the file, not the article
    headline = headline_in(title, texts[first_page].split("\n\n")) if title else None
    if headline is not None:  # "Storm hits coast - Daily Wire": a web page's <title>; its headline is the title
        paragraphs = texts[first_page].split("\n\n")
        title, texts[first_page] = one_line(paragraphs[headline]), "\n\n".join(paragraphs[headline:])
    elif title and _says_in_full(title, first_paragraph := texts[first_page].split("\n\n", 1)[0],
                                 pages[first_page]):
        title = first_line = one_line(first_paragraph)
    if headline is not None or web:  # a web page: its related links and copyright footer are the site's
        placed = [(number, paragraph) for number in range(first_page, len(texts)) if texts[number]
                  for paragraph in texts[number].split("\n\n")]  # the links may run on to the next page
        display = _display([line for lines in pages for line in lines])
        headings = {" ".join(line.text.split()) for lines in pages for line in lines if display(line)}
        end = site_tail([paragraph for _, paragraph in placed], headings)
        if end:  # (the story's headline is never all there is)
            for number in range(first_page, len(texts)):
                texts[number] = "\n\n".join(paragraph for at, (page, paragraph) in enumerate(placed)
                                            if page == number and at < end)
    if web:  # printed by a browser: /ModDate is when, not the story's day (a date line may give that)
        info.pop("date", None)
    if placeholder_author(info.get("author", "")):
        del info["author"]  # "Administrator": a byline in the text may name the author
    if not title:
        title = first_line if reads_like_title(first_line) else lead_title(texts[first_page], 0)
        if title != first_line:
            info[TITLE_FROM] = LEAD
    texts[first_page] = drop_title_line(texts[first_page], title)
    texts[first_page] = "\n\n".join(  # "By Jane Roe", "18 June 2021": the article's, not the file's
        header_lines_out(texts[first_page].split("\n\n"), info, title=title, file_dated=True))
    info = checked_meta(info, source)
    head, body_start = compose(title, [])
    page_starts = []
    offset = body_start
    separated = [page_text + _page_break(page_text, after, usual) if after is not None else page_text
                 for page_text, after in zip(texts, [*texts[1:], None], strict=True)]
    for page_text in separated:
        page_starts.append(offset)
        offset += len(page_text)
    text = head + "".join(separated)
    log.debug("%s: %d pages", source, len(texts))
    return Extracted(key=None, title=title, text=text, body_start=body_start, meta=info, page_starts=tuple(page_starts))


_RUNNING_EDGE = 3
"""Running headers and footers are looked for among a page's first and last lines, this many of each."""
_RUNNING_SHARE = 0.6
_DIGITS = re.compile(r"\d+")


def without_running_lines(pages: list[list[Line]]) -> list[list[Line]]:
    """The pages without their running headers and footers: a line among a page's first or last few that recurs on
    most pages (at least 3, and 60 %), digits aside ("Annual report 2023 · page 7", "12/3/26, 6:45 PM",
    "file:///home/me/report.html 7/50", a lone page number). Left in, they would cut the sentence that runs on
    to the next page and be searched on every page."""
    edges = [_edges(lines) for lines in pages]
    counts: dict[str, int] = {}
    for page in edges:
        for key in {_running_key(lines_text) for _, lines_text in page}:
            counts[key] = counts.get(key, 0) + 1
    with_text = sum(1 for page in edges if page)
    need = max(3, _RUNNING_SHARE * with_text)
    running = {key for key, count in counts.items() if count >= need and key}
    if not running:
        return pages
    first = next((number for number, page in enumerate(edges) if page), None)
    result = []
    for number, (lines, page) in enumerate(zip(pages, edges, strict=True)):
        drop = {index for index, line_text in page if _running_key(line_text) in running}
        if number == first:
            drop.discard(page[0][0])  # the document's first line is its title, even when the pages repeat it
        result.append([line for index, line in enumerate(lines) if index not in drop])
    return result


def _edges(lines: list[Line]) -> list[tuple[int, str]]:
    """(index, text) of the first and last `_RUNNING_EDGE` lines with text."""
    filled = [(index, line.text) for index, line in enumerate(lines) if line.text.strip()]
    if len(filled) <= 2 * _RUNNING_EDGE:
        return filled
    return filled[:_RUNNING_EDGE] + filled[-_RUNNING_EDGE:]


def _running_key(text: str) -> str:
    return _DIGITS.sub("#", " ".join(text.split())).casefold()


def _page_break(before: str, after: str, usual: int) -> str:
    """What separates two pages' texts: a blank line, or a newline when a sentence runs on to the next page, so
    that it stays one sentence: the page ends without a sentence's end, and the next begins in lower case or the
    page's last paragraph is longer than a full line (`usual`), a wrapped paragraph, not a heading or a link (a
    story's "...the top South" + "American players..." was cut in two)."""
    if not before or not after or _ENDS_SENTENCE.search(before):
        return "\n\n"
    if after[:1].islower() or len(before.rsplit("\n\n", 1)[-1]) > usual:
        return "\n"
    return "\n\n"


def _page_text(lines: list[Line], usual: int | None = None, hyphenates: bool = True) -> str:
    """One page's text as paragraphs separated by blank lines (see `join_lines`)."""
    return "\n\n".join(join_lines([Line(expand_ligatures(line.text.strip()), line.size, line.bold, line.y)
                                    for line in lines], usual, hyphenates))


_ENDS_SENTENCE = re.compile(r"[.!?:…][\"'”’)\]]*$")
_HYPHENATED = re.compile(r"[^\W\d_]-$|\u00ad$")
_OTHER_SIZE = 1.15
"""Lines whose font sizes differ by more than this ratio are not one paragraph (a headline over its story)."""
_PARAGRAPH_GAP = 1.4
"""A step to the next line this many times the page's usual step (for the font size) sets a paragraph apart."""


def join_lines(lines: list[str] | list[Line], usual: int | None = None, hyphenates: bool = True) -> list[str]:
    """The paragraphs of a page given as lines: lines of one paragraph are joined with a space, and a word split by a
    hyphen at a line end ("transfor-" + "mation") is joined without it when the next line goes on in lower case
    (unless `hyphenates` is False: the writer, a browser, hyphenates no word, so the hyphen is the text's). A
    paragraph ends at a blank line; after a short line (under 3/4 of the usual line: `usual`, the document's, else
    the page's) that ends a sentence; around a heading (a short line that reads like a title, followed by a line
    that opens anew: `_opens_anew`); and, when the PDF says how its lines are set (`qa.corpus.pdf_lines`), where the
    font size or boldness changes (a title or heading of any length: its lines are one paragraph, apart from the
    text under it) or a wider space than the page's usual line step follows a line, unless the next line plainly
    goes on with it (it starts in lower case, or the line ends with a hyphen or comma); and after each item of a
    list without bullets, short lines one under another (`_ends_item`)."""
    styled = [line if isinstance(line, Line) else Line(line) for line in lines]
    if not any(line.text for line in styled):
        return []
    usual = usual or _usual_width(styled)
    step = _usual_step(styled)
    display = _display(styled)
    paragraphs: list[str] = []
    current = ""
    for i, styled_line in enumerate(styled):
        line = styled_line.text
        if not line:
            if current:
                paragraphs.append(current)
            current = ""
            continue
        after = styled[i + 1] if i + 1 < len(styled) else Line("")
        following = after.text
        if current and hyphenates and _HYPHENATED.search(current) and line[:1].islower():
            current = current.rstrip("-\u00ad") + line  # "transfor-" + "mation"
        elif current.endswith("-") and not current.endswith(" -") and line[:1].isalnum():
            current += line  # "Baku-Tbilisi-" + "Ceyhan": a hyphen of the text (not a spaced dash: "boss -")
        else:
            current = f"{current} {line}" if current else line
        heading = (len(line) < 0.6 * usual and reads_like_title(line) and _opens_anew(following)
                   and current == line and not display(styled_line))  # a display line ends where its style does
        if heading or (_ENDS_SENTENCE.search(line) and len(line) < _SHORT * usual) or (
                following and _set_apart(styled_line, after, step)) or _ends_item(styled, i, usual, display):
            paragraphs.append(current)
            current = ""
    if current:
        paragraphs.append(current)
    return paragraphs


_SHORT = 0.75
"""A line shorter than this share of a full line ends well before the right margin."""
_FITS = 0.85
"""A word fits on a line when the line with it is at most this share of a full line: of 6,500 lines of 200 BBC
stories printed by Chromium that wrap in the text's type, none with the next line's first word came under 0.93
of the full line (`_usual_width`); lengths in characters vary with the letters."""


def _ends_item(lines: list[Line], at: int, usual: int, display: Callable[[Line], bool]) -> bool:
    """Line `at` is an item of a list without bullets ("Walrus numbers recovered strongly" over "Seal pups were
    counted from the air"; a browser draws its bullets as shapes, not text): one of two short lines or more one
    under another (the line before or after it is short too, so that a paragraph whose lines fill the width never
    qualifies), both in the text's type (`_alike`); it ended although the next line's first word would have fitted
    on it, and that line opens anew (`_opens_anew`). A line ending with a comma or hyphen goes on. Such items were
    joined into one paragraph when they were too long to pass for headings (over 0.6 of a full line)."""
    if at + 1 >= len(lines):
        return False
    line, after = lines[at].text.strip(), lines[at + 1].text.strip()
    if not line or not _wide(after) or line.endswith((",", "-", "\u00ad")):
        return False
    if not _alike(lines[at], lines[at + 1], display):
        return False
    if not _opens_anew(after) or len(line) + 1 + len(after.split()[0]) > _FITS * usual:
        return False
    before = lines[at - 1].text.strip() if at else ""
    return len(after) < _SHORT * usual or bool(before) and len(before) < _SHORT * usual and _alike(
        lines[at - 1], lines[at], display)


def _alike(line: Line, other: Line, display: Callable[[Line], bool]) -> bool:
    """Both lines are in the text's type, the same (not a headline, a bold lead-in, a footnote mark)."""
    return (line.size, line.bold) == (other.size, other.bold) and not display(line) and not display(other)


def _usual_width(lines: list[Line]) -> int:
    """The length of a full line of text: the upper quartile of the lines' lengths (0 without lines), or, when
    longer, the median length of the lines that plainly wrap (the next line, in the same type, goes on in lower
    case). On a short page most lines are short (the site's name, its menu, a headline, a list of links under a
    story of one paragraph): their upper quartile was a short line, so that no line of the list was short beside it
    and the list was joined into one paragraph."""
    filled = [line for line in lines if line.text.strip()]
    widths = sorted(len(line.text.strip()) for line in filled)
    if not widths:
        return 0
    quartile = widths[min(len(widths) - 1, (3 * len(widths)) // 4)]
    wrapping = sorted(len(line.text.strip()) for line, after in zip(filled, filled[1:], strict=False)
                      if after.text.lstrip()[:1].islower() and line.size == after.size
                      and not _ENDS_SENTENCE.search(line.text.rstrip()))
    return max(quartile, wrapping[len(wrapping) // 2]) if wrapping else quartile


def _set_apart(line: Line, following: Line, step: tuple[float, float] | None) -> bool:
    """The next line starts a paragraph by how it is set: another font size (unless a word is split across them),
    another weight or a wider space above it (unless it plainly goes on with `line`: it starts in lower case, or
    `line` ends with a comma or hyphen)."""
    if line.text.endswith(("-", "\u00ad")):
        return False
    wide = _wide(line.text) and _wide(following.text)  # not a footnote mark or a drop capital
    if wide and line.size and following.size and max(line.size, following.size) > _OTHER_SIZE * min(
            line.size, following.size):
        return True  # a headline over a story that starts in lower case ("iPhone sales...") too
    if following.text[:1].islower() or line.text.endswith(","):
        return False
    if wide and line.bold != following.bold and (line.bold or _ENDS_SENTENCE.search(line.text)):
        return True  # out of a bold line; into one after a sentence (not into bold words inside a sentence)
    if step is None or line.y is None or following.y is None or not line.size:
        return False
    down, per_size = step
    return (line.y - following.y) * down > _PARAGRAPH_GAP * per_size * max(line.size, following.size)


def _says_in_full(title: str, paragraph: str, lines: list[Line]) -> bool:
    """Whether the first page's first `paragraph` is its headline, the /Title said in full: "Wind farm approved off
    the coast" under the /Title "Wind farm approved" (a web page's shorter <title>). It starts with the title's
    words, goes on, and is set apart from the text as a headline is (`_display`); the title then gives way to it,
    so that the byline and date under it are read as the article's."""
    head, full = one_line(title).casefold(), one_line(paragraph)
    if len(full) <= len(head) or not full.casefold().startswith(head) or full[len(head)].isalnum():
        return False
    display = _display(lines)
    said = ""
    for line in (line for line in lines if line.text.strip()):  # the paragraph's lines, all of them display type
        if not display(line):
            return False
        said = one_line(f"{said} {expand_ligatures(line.text)}")
        if len(said) >= len(full):
            return said == full
    return False


def _display(lines: list[Line]) -> Callable[[Line], bool]:
    """Whether a line is set apart from the page's text (larger, or bold where the text is not): a wrapped title
    whose lines are short is still one paragraph."""
    sizes = Counter((line.size, line.bold) for line in lines if line.text)
    if not sizes:
        return lambda line: False
    size, bold = sizes.most_common(1)[0][0]
    return lambda line: bool(size and line.size > _OTHER_SIZE * size or line.bold and not bold)


def _alnum(text: str) -> int:
    return sum(char.isalnum() for char in text)


def _opens_anew(text: str) -> bool:
    """The line opens as a new item would, not as a sentence going on: after any opening quote or bracket ("'Last
    chance' warning"), with a capital, a digit or a sign ("2005 was a record year", "$1m payoff for former Shell
    boss"), or with a name that has a capital inside it ("iPhone sales soar", "eBay"). A list of headlines in
    which one opened so was joined into one paragraph, and its heading no longer stood over a list."""
    stripped = text.lstrip("\"'“‘’«([")
    if not stripped or stripped[:1].isspace():
        return False
    word = stripped.split()[0]
    return (word[0].isupper() or word[0].isdigit() or unicodedata.category(word[0]) == "Sc"
            or word[0].isalpha() and any(char.isupper() for char in word[1:]))


def _wide(text: str) -> bool:
    """More than a footnote mark ("12", "*") or a drop capital ("T"): three letters or digits, or two letters (the
    last word of a wrapped headline: "on")."""
    return _alnum(text) >= 3 or sum(char.isalpha() for char in text) >= 2


_LEAST_STEP = 0.8
"""A step to the next line of less than this many times the font size is no line step of running text (a
superscript, a table's cells read as lines): it does not count in the usual step."""


def _usual_step(lines: list[Line]) -> tuple[float, float] | None:
    """(which way is down: 1 or -1, the usual step from a line to the next divided by its font size) over the
    page's consecutive lines of one size; None when the page does not say.

    The usual step is the lower quartile of the steps, not their median: on a short page, a story of four lines in
    three paragraphs, half of the steps are paragraph gaps, and their median took a gap for the line step, so that
    no paragraph was set apart (a news page printed to PDF became one paragraph)."""
    steps = [(a.y - b.y) / a.size for a, b in zip(lines, lines[1:], strict=False)
             if a.y is not None and b.y is not None and a.size and a.size == b.size and a.text and b.text
             and a.y != b.y]
    if len(steps) < 2:
        return None
    down = 1.0 if sum(value > 0 for value in steps) * 2 >= len(steps) else -1.0
    along = sorted(value * down for value in steps if value * down >= _LEAST_STEP)
    if not along:
        return None
    return down, along[len(along) // 4]


_PDF_DATE = re.compile(r"^(?:D:)?(\d{4})(\d{2})?(\d{2})?")


def _pdf_day(value: object) -> str | None:
    """The day of a PDF date string ("D:20210618093000+04'00'") as YYYY-MM-DD; the raw value when it is no real
    day (`checked_meta` then leaves it out with a warning); None when absent."""
    if not value:
        return None
    raw = str(value).strip()
    match = _PDF_DATE.match(raw)
    if match is None or match.group(2) is None:
        return raw
    return f"{match.group(1)}-{match.group(2)}-{match.group(3) or '01'}"


def _creator(reader: Any) -> str:
    """The program that made the document, /Creator ("" when absent or unreadable)."""
    try:
        info = reader.metadata
        return str(info.creator or "") if info is not None else ""
    except Exception as error:  # noqa: BLE001 - pypdf raises many kinds on malformed /Info entries
        log.debug("unreadable PDF creator: %s", error)
        return ""


def _pdf_info(reader: Any) -> dict[str, str]:
    """title, author and date (ISO, from /ModDate, else /CreationDate) of the document information dictionary.

    A broken information dictionary is no reason to lose the text: a field that cannot be read is left out.
    """
    meta = {}
    read: Callable[[Any], object]
    for name, read in (
        ("title", lambda info: info.title),
        ("author", lambda info: info.author),
        ("date", lambda info: _pdf_day(info.get("/ModDate")) or _pdf_day(info.get("/CreationDate"))),
    ):
        try:
            info = reader.metadata
            value = one_line(str(read(info) or "")) if info is not None else ""
        except Exception as error:  # noqa: BLE001 - pypdf raises many kinds on malformed /Info entries
            log.debug("unreadable PDF %s: %s", name, error)
            continue
        if value:
            meta[name] = value
    return meta
