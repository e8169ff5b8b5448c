"""A PDF page's lines with how each is set: font size, bold, and where on the page (pypdf's public `visitor_text`).

    >>> lines = page_lines(reader.pages[0])                          # doctest: +SKIP
    >>> [(line.text, line.size, line.bold) for line in lines][:2]    # doctest: +SKIP
    [('Walrus numbers recover in Svalbard', 24.0, True), ('The walrus population ...', 12.0, False)]

Why: text alone cannot tell a title or heading from the first line of a paragraph when the heading is long (a
headline of ten words is as wide as a line of body text). A PDF says how each line is set: a headline is larger or
bold, and paragraphs are often set apart by more space than the lines inside them. `join_lines` (in
`qa.corpus.pdf`) ends a paragraph where that changes.

The text is exactly `page.extract_text()`'s (the same call, with a visitor that sees each piece of text as it is
added to the output); when the pieces do not add up to that text (a form XObject drawn in a way the visitor sees
differently), the lines are given without styles and the paragraphs are found from the text alone.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Any

_BOLD_NAMES = ("bold", "black", "heavy", "semibold", "demibold", "extrabold", "ultrabold")
_BOLD_WEIGHT = 600
"""A /FontDescriptor /FontWeight from this on is bold (CSS and the PDF specification: 700 is bold, 600 semibold)."""


@dataclass(frozen=True, slots=True)
class Line:
    """One line of a page as `extract_text` gives it, with how most of its characters are set."""

    text: str
    size: float = 0.0
    """The font size, in page units, that most of its characters have (0: not known)."""
    bold: bool = False
    """All its letters and digits are in a bold font (a bold word inside a line of text is not a bold line)."""
    y: float | None = None
    """Its baseline's height on the page, in page units (None: not known). Which way is down is the page's: the
    way most steps from one line to the next go."""


@dataclass(slots=True)
class _Piece:
    text: str
    size: float
    bold: bool
    y: float


def page_lines(page: Any) -> tuple[str, list[Line]]:
    """The text of a pypdf page (what `page.extract_text()` returns) and its lines with their styles."""
    pieces: list[_Piece] = []

    def visit(text: Any, cm: Any, tm: Any, font: Any, font_size: Any) -> None:
        if not isinstance(text, str) or not text:
            return
        try:
            size, y = _size_and_y(cm, tm, float(font_size))
            bold = _is_bold(font)
        except (TypeError, ValueError, IndexError, AttributeError):
            size, y, bold = 0.0, math.nan, False
        pieces.append(_Piece(text, size, bold, y))

    raw = page.extract_text(visitor_text=visit)
    if "".join(piece.text for piece in pieces) != raw:
        return raw, [Line(text) for text in _split(raw)]
    return raw, _styled_lines(pieces)


def _split(raw: str) -> list[str]:
    return raw.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _styled_lines(pieces: list[_Piece]) -> list[Line]:
    lines: list[Line] = []
    sizes: Counter[float] = Counter()
    bold = letters = 0
    y: float | None = None
    text: list[str] = []

    def end_line() -> None:
        nonlocal bold, letters, y
        size = sizes.most_common(1)[0][0] if sizes else 0.0
        lines.append(Line("".join(text), size, letters > 0 and bold == letters, y))
        sizes.clear()
        text.clear()
        bold = letters = 0
        y = None

    for piece in pieces:
        parts = piece.text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        for n, part in enumerate(parts):
            if n:
                end_line()
            if not part.strip():
                text.append(part)
                continue
            text.append(part)
            count = sum(char.isalnum() for char in part)
            if piece.size > 0:
                sizes[round(piece.size * 2) / 2] += len(part.strip())
            letters += count
            bold += count if piece.bold else 0
            if y is None and n == 0 and not math.isnan(piece.y):
                y = piece.y  # a part after a newline inside one piece has no position of its own
    end_line()
    return lines


def _size_and_y(cm: Any, tm: Any, font_size: float) -> tuple[float, float]:
    """The font size as drawn (the text matrix times the current transformation matrix scale it) and the
    baseline's vertical position on the page."""
    a, b, c, d, e, f = (float(value) for value in cm[:6])
    tc, td, te, tf = (float(value) for value in tm[2:6])
    vertical_x = tc * a + td * c
    vertical_y = tc * b + td * d
    return abs(font_size) * math.hypot(vertical_x, vertical_y), te * b + tf * d + f


def _is_bold(font: Any) -> bool:
    """A bold font: its name says so ("/Arial,Bold", "/ABCDEF+DejaVuSans-Bold"), or its descriptor's weight."""
    if font is None:
        return False
    name = str(font.get("/BaseFont", "")).lower()
    if any(word in name for word in _BOLD_NAMES):
        return True
    descriptor = font.get("/FontDescriptor")
    if descriptor is not None:
        descriptor = descriptor.get_object()
        weight = descriptor.get("/FontWeight")
        if weight is not None and float(weight) >= _BOLD_WEIGHT:
            return True
    return False
