"""Terminal rendering of answers for `qa ask`: highlighted terms on a terminal, plain text when piped.

    1. score 7.412
       On June 15, Azerbaijan and Turkey signed the Shusha Declaration on Allied Relations, ...
       -- By Ayya Lmahamad | 000_8339c2265b0242b8.txt | passage 4 | chars 2210-2436
"""

from __future__ import annotations

import os
import textwrap

from qa.models import Answer, Hit

_BOLD_YELLOW = "\x1b[1;33m"
_DIM = "\x1b[2m"
_RESET = "\x1b[0m"


def use_color(stream_is_tty: bool) -> bool:
    """Color only on a terminal, and never when NO_COLOR is set (https://no-color.org)."""
    return stream_is_tty and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


def render_answer(answer: Answer, color: bool, width: int = 100) -> str:
    if not answer.hits:
        return answer.message or "No passages found."
    blocks = [_render_hit(hit, color, width) for hit in answer.hits]
    return "\n\n".join(blocks)


_TITLE_CHARS = 70


def citation_line(hit: Hit) -> str:
    title = hit.title if len(hit.title) <= _TITLE_CHARS else hit.title[: _TITLE_CHARS - 1].rstrip() + "…"
    return f"-- {title} | {hit.source} | passage {hit.passage} | chars {hit.start}-{hit.end}"


def _render_hit(hit: Hit, color: bool, width: int) -> str:
    text = _highlighted(hit, color) if color else hit.text
    body = "\n".join(_wrap(line, width - 3) for line in text.splitlines() if line.strip())
    cite = citation_line(hit)
    if color:
        cite = f"{_DIM}{cite}{_RESET}"
    return f"{hit.rank}. score {hit.score:.3f}\n{textwrap.indent(body, '   ')}\n   {cite}"


def _highlighted(hit: Hit, color: bool) -> str:
    parts, cursor = [], 0
    for span in hit.highlights:
        a, b = span.start - hit.start, span.end - hit.start
        parts.append(hit.text[cursor:a])
        parts.append(f"{_BOLD_YELLOW}{hit.text[a:b]}{_RESET}")
        cursor = b
    parts.append(hit.text[cursor:])
    return "".join(parts)


def _wrap(line: str, width: int) -> str:
    # escape sequences have no width; textwrap counts them, which only makes colored lines wrap a bit early
    return "\n".join(textwrap.wrap(line.strip(), width=width, break_long_words=False, break_on_hyphens=False)) or ""
