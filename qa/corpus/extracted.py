"""The shape every reader of a structured format (HTML, PDF, JSONL, ...) returns, and the helpers that make it.

Every `Extracted.text` has the same shape: the title on its first line, a blank line, then the body, so that the
chunker (which splits at blank lines) and the citations work as for a `.txt` file; `text[body_start:]` is the
body. A first body line equal to the title (an HTML `<h1>`, a PDF's first line) is not repeated.
"""

from __future__ import annotations

from dataclasses import dataclass, field


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


def one_line(value: str) -> str:
    """Whitespace (newlines included) collapsed to single spaces: titles are one line."""
    return " ".join(value.split())


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
