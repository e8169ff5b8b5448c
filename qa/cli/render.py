"""Terminal rendering of answers for `qa ask`, with rich: one screen for three results.

    1. Azerbaijan, Turkey discuss digital transformation                                  score 0.377
       000_8339c2265b0242b8.txt · passage 1 · 2022-06-20
       …the Shusha Declaration on Allied Relations, which focuses on defence cooperation, promoting
       On June 15, Azerbaijan and Turkey signed the Shusha Declaration on Allied Relations, which
       focuses on defence cooperation, promoting regional stability and prosperity.
       The first meeting of the Azerbaijani-Turkish working group on digital transformation has…

Each result is a header (rank, title, score; then the source file, passage or page, date and author) and a
snippet: the passage's best sentence (`qa.answer.sentence`) in bold, at most `BEST_LINES` lines, with a line of
the passage before and after it, dimmed. The question's words are highlighted wherever they occur. Three results
take at most 25 lines at 100 columns. `full=True` (`qa ask --full`) prints whole passages instead of snippets.

On a terminal the styles are ANSI (rich); piped, or with `NO_COLOR` set (https://no-color.org) or `TERM=dumb`,
the same lines come out as plain text.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator

from rich.console import Console
from rich.text import Text

from qa.models import Answer, Passage, Suggestion

WORD = "bold yellow"  # a word that matched a question word
BEST = "bold"  # the best sentence
CONTEXT = "dim"  # the passage around it
META = "dim"  # the header's second line
BEST_LINES = 3
"""The best sentence is cut (…) after this many lines: a snippet is at most BEST_LINES + 2 lines."""
INDENT = 3
TITLE_CHARS = 70


def use_color(stream_is_tty: bool) -> bool:
    """Styles only on a terminal, and never when NO_COLOR is set (https://no-color.org) or TERM is dumb."""
    return stream_is_tty and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


def render_answer(answer: Answer, color: bool, width: int = 100, *, full: bool = False) -> str:
    """The answer as the terminal shows it: ANSI-styled when `color`, plain text otherwise."""
    console = make_console(color, width)
    for text in answer_texts(answer, width, full=full):
        console.print(text, soft_wrap=True)  # lines are cut to the width here; a message stays one line
    output = console.file.getvalue()  # type: ignore[attr-defined]
    return str(output).rstrip("\n")


def make_console(color: bool, width: int, *, record: bool = False) -> Console:
    """A rich console writing into a string: styled for a terminal (`color`) or plain."""
    return Console(file=io.StringIO(), width=width, force_terminal=color, no_color=not color, color_system=(
        "standard" if color else None), highlight=False, emoji=False, markup=False, record=record,
        legacy_windows=False)


def answer_texts(answer: Answer, width: int, *, full: bool = False) -> Iterator[Text]:
    """The answer's lines, as rich `Text` blocks: unknown words, then each result (or why there is none)."""
    if not answer.passages:  # the message says why, unknown words and suggestions included
        yield Text(answer.message or "No passages found.")
        return
    unknown = unknown_line(answer.unknown_terms, answer.suggestions)
    if unknown:
        yield Text(unknown[0].upper() + unknown[1:], style=CONTEXT)
    for number, hit in enumerate(answer.passages):
        if number:
            yield Text("")
        yield from passage_texts(hit, width, full=full)


def unknown_line(words: list[str], suggestions: list[Suggestion]) -> str:
    """'not in any article: zepelin (did you mean zeppelin?)', or "" when every word is in some article."""
    if not words:
        return ""
    offered = {s.word: s.did_you_mean for s in suggestions if s.did_you_mean}
    said = [f"{word} (did you mean {' or '.join(offered[word])}?)" if word in offered else word for word in words]
    return f"not in any article: {', '.join(said)}"


def passage_texts(hit: Passage, width: int, *, full: bool = False) -> Iterator[Text]:
    """One result: its two header lines, its snippet (or whole passage), and its explanation if asked."""
    yield header(hit, width)
    yield Text(" " * INDENT + source_line(hit), style=META, overflow="ellipsis", no_wrap=True)
    if hit.citation.copies:
        yield Text(" " * INDENT + copies_line(hit.citation.copies), style=META, overflow="ellipsis", no_wrap=True)
    inner = max(width - INDENT, 20)
    if full:
        for line in whole_passage(hit).wrap(_WRAPPER, inner):
            line.rstrip()
            yield Text(" " * INDENT) + line
    else:
        yield from snippet(hit, inner)
    for why in explanation_lines(hit):
        yield Text(" " * INDENT + why, style=CONTEXT)


_WRAPPER = Console(width=200, file=io.StringIO(), legacy_windows=False)
"""Only measures text for `Text.wrap` (which needs a console); never prints."""


def header(hit: Passage, width: int) -> Text:
    """'1. Title ...... score 0.377' on one line (a long title is cut with …)."""
    title = hit.citation.title
    if len(title) > TITLE_CHARS:
        title = title[: TITLE_CHARS - 1].rstrip() + "…"
    left = Text(f"{hit.rank}. ", style="bold")
    left.append(title, style="bold")
    right = f"score {hit.score:.3f}"
    room = width - len(right) - 1
    left.truncate(room, overflow="ellipsis")
    left.pad_right(max(room - left.cell_len, 0) + 1)
    left.append(right, style=META)
    return left


def source_line(hit: Passage) -> str:
    """'energy/pipeline.md · passage 2 · 2024-03-01 · Jane Doe': where to check the passage."""
    cite = hit.citation
    where = f"passage {cite.passage}"
    if cite.page is not None:
        where = f"page {cite.page}" if cite.end_page in (None, cite.page) else f"pages {cite.page}-{cite.end_page}"
    parts = [cite.source, where, cite.date, cite.author]
    return " · ".join(part for part in parts if part)


def copies_line(copies: list[str]) -> str:
    """'same story in: harbour.html, harbour-copy.txt': the other files of the folder that hold the passage's
    story (`Citation.copies`), which the answer does not repeat."""
    return f"same story in: {', '.join(copies)}"


def snippet(hit: Passage, width: int) -> list[Text]:
    """The best sentence, marked » in the margin, in bold and cut after `BEST_LINES` lines; one dimmed line of
    the passage before it and one after it, when there is text there."""
    text, offset = hit.text, hit.citation.start
    marks = [(span.start - offset, span.end - offset) for span in hit.highlights]
    best = hit.best_sentence
    a, z = (best.start - offset, best.end - offset) if best is not None else (0, 0)
    if z <= a:  # no best sentence: the passage's start
        a, z = 0, _head(text, 0, len(text), width * BEST_LINES)
    pad = Text(" " * INDENT)
    lines = []
    if text[:a].strip():
        start = _tail(text, max(a - width + 2, 0), a)
        before = Text("…" if start > 0 else "", style=CONTEXT)
        _append(before, text, start, a, marks, CONTEXT)
        lines.append(pad + _one_line(before, width))
    sentence = Text()
    _append(sentence, text, a, z, marks, BEST)
    sentence = _stripped(sentence)
    wrapped = list(sentence.wrap(_WRAPPER, width))
    if len(wrapped) > BEST_LINES:
        wrapped = wrapped[:BEST_LINES]
        wrapped[-1].truncate(width - 1)
        wrapped[-1].append("…", style=BEST)
    for number, line in enumerate(wrapped):
        line.rstrip()
        lines.append(Text(" » " if number == 0 else " " * INDENT) + line)
    if text[z:].strip():
        end = _head(text, z, len(text), width - 1)
        after = Text()
        _append(after, text, z, end, marks, CONTEXT)
        if text[end:].strip():
            after.append("…", style=CONTEXT)
        lines.append(pad + _one_line(after, width))
    return lines


def _stripped(line: Text) -> Text:
    """`line` without the spaces at either end."""
    plain = line.plain
    cut = line[len(plain) - len(plain.lstrip()) :]
    cut.rstrip()
    return cut


def _one_line(line: Text, width: int) -> Text:
    """`line` without its surrounding spaces, cut with … to `width` cells."""
    line = _stripped(line)
    line.truncate(width, overflow="ellipsis")
    return line


def whole_passage(hit: Passage) -> Text:
    """The passage with its paragraphs, the best sentence in bold and the question's words highlighted."""
    text, offset = hit.text, hit.citation.start
    marks = [(span.start - offset, span.end - offset) for span in hit.highlights]
    out = Text()
    best = hit.best_sentence
    a, z = (best.start - offset, best.end - offset) if best is not None else (0, 0)
    for start, end in _paragraphs(text):
        if len(out):
            out.append("\n")
        for piece_start, piece_end, style in ((start, max(start, min(a, end)), ""), (max(start, a), min(end, z), BEST),
                                              (max(start, z), end, "")):
            if piece_start < piece_end:
                _append(out, text, piece_start, piece_end, marks, style)
    return out


def _paragraphs(text: str) -> list[tuple[int, int]]:
    """Spans of the non-blank lines of a passage (its line breaks are kept when printed whole)."""
    spans, at = [], 0
    for line in text.split("\n"):
        if line.strip():
            spans.append((at, at + len(line)))
        at += len(line) + 1
    return spans


def _append(out: Text, text: str, start: int, end: int, marks: list[tuple[int, int]], style: str) -> None:
    """Append `text[start:end]` with runs of whitespace as one space and the `marks` (matched words) highlighted."""
    at = start
    for mark_start, mark_end in marks:
        s, e = max(mark_start, start), min(mark_end, end)
        if s >= e:
            continue
        if s > at:
            out.append(_spaces(text[at:s]), style=style)
        out.append(_spaces(text[s:e]), style=f"{style} {WORD}".strip())
        at = e
    if at < end:
        out.append(_spaces(text[at:end]), style=style)


def _spaces(piece: str) -> str:
    """`piece` with each run of whitespace (line breaks included) as one space, its ends kept."""
    words = piece.split()
    if not words:
        return " " if piece else ""
    return (" " if piece[0].isspace() else "") + " ".join(words) + (" " if piece[-1].isspace() else "")


def _tail(text: str, start: int, end: int) -> int:
    """Where the context before `end` starts: at `start`, or at the next word after it."""
    if start == 0:
        return 0
    space = text.find(" ", start, end)
    return space + 1 if space >= 0 else start


def _head(text: str, start: int, end: int, chars: int) -> int:
    """Where to cut `text[start:end]` to at most `chars` characters, at a space when there is one."""
    if end - start <= chars:
        return end
    space = text.rfind(" ", start, start + chars)
    return space if space > start else start + chars


def explanation_lines(hit: Passage) -> list[str]:
    """One line per question word (as asked, its term after it): its BM25 ingredients and its part of the score."""
    lines = []
    for part in hit.explanation or []:
        times = f" x{part.count}" if part.count > 1 else ""
        term = f" [{part.term}]" if part.term != part.word.lower() else ""
        lines.append(f"  {part.word}{term}{times}: tf={part.tf} df={part.df} idf={part.idf:.3f} "
                     f"norm={part.length_norm:.3f} -> {part.contribution:.3f} ({part.share:.0%})")
    for pair in hit.proximity or []:
        share = pair.contribution / hit.score if hit.score else 0.0
        lines.append(f"  {pair.words[0]} near {pair.words[1]}: {pair.near}x -> {pair.contribution:.3f} ({share:.0%})")
    return ["why:", *lines] if lines else []
