"""Markdown syntax blanked out, character for character, so that what is shown has no markup and every offset is
still an offset of the file.

    >>> mask_markdown("# Title\\n\\nSee **the report** at [Baku](https://x.example).")
    '  Title\\n\\nSee   the report   at  Baku                    .'

Why spaces rather than deleting the markup: a citation's `start:end` must point into the file the reader has,
and every offset qa keeps (passages, sentences, highlights, best sentences) is an offset of the stored text. With
the markup replaced by spaces the stored text has the file's length, every offset is the file's, and
`stored[start:end]` is the passage as shown: the file's `file[start:end]` is the same span with its markup. The
price is runs of spaces where markup was; sentence and passage spans are trimmed of them at their ends.

Blanked: heading markers (`#`, setext underlines), block quote `>`, list markers (`-`, `*`, `+`, `1.`) and task
boxes, thematic breaks, code fences (the code stays), table pipes and separator rows, emphasis (`*`, `_`, `~~`),
inline code backticks (the code stays), link and image syntax (the link text and alt text stay, the URL goes),
reference definitions, autolinks, HTML tags and comments, and backslash escapes.
"""

from __future__ import annotations

import re

_FENCE = re.compile(r"^( {0,3})(`{3,}|~{3,})(.*)$")
_ATX_OPEN = re.compile(r"( {0,3})(#{1,6})(?=[ \t]|$)")
_ATX_CLOSE = re.compile(r"[ \t](#+)[ \t]*$")
_RULE_OR_UNDERLINE = re.compile(r"^ {0,3}(?:(?:[-*_][ \t]*){3,}|=+[ \t]*)$")
_QUOTE = re.compile(r"^( {0,3}>[ \t]?)+")
_LIST = re.compile(r"([ \t]*)([-*+]|\d{1,9}[.)])([ \t]+)(\[[ xX]\][ \t]+)?")
_TABLE_SEPARATOR = re.compile(r"^[ \t]*\|?[ \t]*:?-{3,}:?[ \t]*(\|[ \t]*:?-{3,}:?[ \t]*)*\|?[ \t]*$")
_REFERENCE_DEFINITION = re.compile(r"^ {0,3}\[[^\]]+\]:[ \t]*\S+.*$")

_INLINE = re.compile(
    r"(?P<comment><!--.*?-->)"
    r"|(?P<autolink><(?:https?|ftp|mailto):[^>\s]*>)"
    r"|(?P<tag></?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>)"
    r"|(?P<image_open>!\[)"
    r"|(?P<link_close>\]\((?:[^()\s]|\([^()\s]*\))*(?:\s+\"[^\"]*\")?\))"
    r"|(?P<ref_close>\]\[[^\]]*\])"
    r"|(?P<link_open>\[)(?=[^\]\n]*\](?:\(|\[))"
    r"|(?P<code>`+)"
    r"|(?P<escape>\\[\\`*_{}\[\]()#+\-.!|>~])"
    r"|(?P<strike>~~)"
    r"|(?P<emphasis>(?<![\w*_])[*_]{1,3}(?=[^\s*_])|(?<=[^\s*_])[*_]{1,3}(?![\w*_]))",
    re.DOTALL,
)


def mask_markdown(text: str, start: int = 0) -> str:
    """`text` with the Markdown syntax from `start` on replaced by spaces (newlines kept): same length, same offsets."""
    chars = list(text)
    in_fence: str | None = None
    offset = 0
    for line in text.splitlines(keepends=True):
        line_start, content = offset, line.rstrip("\r\n")
        offset += len(line)
        if line_start < start:
            continue
        fence = _FENCE.match(content)
        if fence is not None and (in_fence is None or fence.group(2)[0] == in_fence[0]):
            _blank(chars, line_start, line_start + len(content))
            in_fence = None if in_fence is not None else fence.group(2)
            continue
        if in_fence is not None:
            continue  # code is shown as it is
        if _RULE_OR_UNDERLINE.match(content) or _TABLE_SEPARATOR.match(content) and "|" in content \
                or _REFERENCE_DEFINITION.match(content):
            _blank(chars, line_start, line_start + len(content))
            continue
        cursor = 0
        quote = _QUOTE.match(content)
        if quote is not None:
            _blank(chars, line_start, line_start + quote.end())
            cursor = quote.end()
        atx = _ATX_OPEN.match(content, cursor)
        if atx is not None:
            _blank(chars, line_start + atx.start(2), line_start + atx.end(2))
            close = _ATX_CLOSE.search(content, atx.end())
            if close is not None:
                _blank(chars, line_start + close.start(1), line_start + close.end(1))
        else:
            item = _LIST.match(content, cursor)
            while item is not None:  # "- 1. item": a list in a list
                _blank(chars, line_start + item.start(2), line_start + item.end())
                item = _LIST.match(content, item.end())
        if "|" in content and content.strip().startswith("|"):
            for pipe in re.finditer(r"(?<!\\)\|", content):
                chars[line_start + pipe.start()] = " "
        _mask_inline(chars, content, line_start)
    return "".join(chars)


def _mask_inline(chars: list[str], line: str, base: int) -> None:
    in_code = False
    for match in _INLINE.finditer(line):
        kind = match.lastgroup
        if kind == "code":
            in_code = not in_code
        elif in_code:
            continue  # markup inside inline code is code
        if kind == "escape":
            _blank(chars, base + match.start(), base + match.start() + 1)  # the backslash; the character stays
            continue
        _blank(chars, base + match.start(), base + match.end())


def _blank(chars: list[str], start: int, end: int) -> None:
    for i in range(start, end):
        if chars[i] not in "\r\n":
            chars[i] = " "
