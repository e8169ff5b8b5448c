"""Terminal rendering of answers for `qa ask`: highlighted terms on a terminal, plain text when piped.

    1. score 0.286
       » On June 15, Azerbaijan and Turkey signed the Shusha Declaration on Allied Relations, ...
       The first meeting of the Azerbaijani-Turkish working group on digital transformation ...
       -- By Ayya Lmahamad | 000_8339c2265b0242b8.txt | passage 1 | chars 18-1956

The line starting with » is the passage's best sentence (`qa.answer.evidence`); then the passage, then its citation.
"""

from __future__ import annotations

import os
import textwrap

from qa.models import Answer, Passage

_HIGHLIGHT = "1;33"  # bold yellow: words that matched a question term
_BEST = "4"  # underlined: the best sentence
_DIM = "\x1b[2m"
_RESET = "\x1b[0m"


def use_color(stream_is_tty: bool) -> bool:
    """Color only on a terminal, and never when NO_COLOR is set (https://no-color.org)."""
    return stream_is_tty and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


def render_answer(answer: Answer, color: bool, width: int = 100) -> str:
    unknown = f"not in any article: {', '.join(answer.unknown_terms)}" if answer.unknown_terms else ""
    if not answer.passages:
        message = answer.message or "No passages found."
        return f"{message[:-1]} ({unknown})." if unknown and message.endswith(".") else message
    blocks = [_render_hit(hit, color, width) for hit in answer.passages]
    if unknown:
        blocks.insert(0, f"({unknown})")
    return "\n\n".join(blocks)


_TITLE_CHARS = 70


def citation_line(hit: Passage) -> str:
    cite = hit.citation
    title = cite.title if len(cite.title) <= _TITLE_CHARS else cite.title[: _TITLE_CHARS - 1].rstrip() + "…"
    page = ""
    if cite.page is not None:
        page = f" | page {cite.page}" if cite.end_page in (None, cite.page) else f" | pages {cite.page}-{cite.end_page}"
    return f"-- {title} | {cite.source}{page} | passage {cite.passage} | chars {cite.start}-{cite.end}"


def _render_hit(hit: Passage, color: bool, width: int) -> str:
    text = _highlighted(hit, color) if color else hit.text
    body = "\n".join(_wrap(line, width - 3) for line in text.splitlines() if line.strip())
    cite = citation_line(hit)
    if color:
        cite = f"{_DIM}{cite}{_RESET}"
    lines = [f"{hit.rank}. score {hit.score:.3f}"]
    if hit.best_sentence is not None and hit.best_sentence.text != hit.text.strip():
        best = hit.best_sentence.text if not color else f"\x1b[1m{hit.best_sentence.text}{_RESET}"
        lines.append(textwrap.indent(_wrap(f"» {best}", width - 3), "   "))  # the answer, before its context
    lines += [textwrap.indent(body, "   "), f"   {cite}"]
    if hit.explanation is not None:
        lines.extend(f"   {line}" for line in explanation_lines(hit))
    return "\n".join(lines)


def explanation_lines(hit: Passage) -> list[str]:
    """One line per question term: its BM25 ingredients and its part of the score."""
    lines = []
    for part in hit.explanation or []:
        times = f" x{part.count}" if part.count > 1 else ""
        lines.append(f"   {part.term}{times}: tf={part.tf} df={part.df} idf={part.idf:.3f} "
                     f"norm={part.length_norm:.3f} -> {part.contribution:.3f} ({part.share:.0%})")
    for pair in hit.proximity or []:
        share = pair.contribution / hit.score if hit.score else 0.0
        lines.append(f"   {pair.terms[0]} near {pair.terms[1]}: {pair.near}x -> {pair.contribution:.3f} ({share:.0%})")
    return ["why:"] + lines if lines else []


def _highlighted(hit: Passage, color: bool) -> str:
    """The passage with matched words in bold yellow and the best sentence underlined (ANSI styles)."""
    styles: list[set[str]] = [set() for _ in hit.text]
    for span in hit.highlights:
        for i in range(span.start - hit.citation.start, span.end - hit.citation.start):
            styles[i].add(_HIGHLIGHT)
    if hit.best_sentence is not None:
        for i in range(hit.best_sentence.start - hit.citation.start, hit.best_sentence.end - hit.citation.start):
            if 0 <= i < len(styles) and not hit.text[i].isspace():
                styles[i].add(_BEST)
    parts, current = [], frozenset[str]()
    for char, style in zip(hit.text, styles, strict=False):
        if style != current:
            parts.append(_RESET if current else "")
            if style:
                parts.append(f"\x1b[{';'.join(sorted(style))}m")
            current = frozenset(style)
        parts.append(char)
    if current:
        parts.append(_RESET)
    return "".join(parts)


def _wrap(line: str, width: int) -> str:
    # escape sequences have no width; textwrap counts them, which only makes colored lines wrap a bit early
    return "\n".join(textwrap.wrap(line.strip(), width=width, break_long_words=False, break_on_hyphens=False)) or ""
