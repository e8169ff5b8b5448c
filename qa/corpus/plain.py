"""Plain-text and Markdown files -> `Article`s: the title line, front matter, and where the body starts."""

from __future__ import annotations

import re

from qa.errors import UnreadableFile
from qa.models import Article

FRONT_MATTER_KEYS = ("title", "date", "url", "author")
_FRONT_MATTER = re.compile(r"---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|$)", re.DOTALL)


def plain_article(text: str, doc_id: str, source: str, markdown: bool) -> Article:
    """The article of a .txt (`markdown` False) or .md file's decoded text."""
    if not text.strip():
        raise UnreadableFile("empty file")
    meta, content_start = parse_front_matter(text) if markdown else ({}, 0)
    title, body_start = _title(text, content_start, markdown)
    if meta.get("title"):
        title, body_start = meta.pop("title"), content_start
    return Article(id=doc_id, source=source, title=title, text=text, body_start=body_start, meta=meta)


def parse_front_matter(text: str) -> tuple[dict[str, str], int]:
    """`key: value` lines between `---` fences at the very top of a markdown file, and where the content starts.

    Only the keys qa uses are kept (title, date, url, author); quotes around values are removed. A file without
    front matter gives ({}, 0).
    """
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, 0
    meta = {}
    for line in match.group(1).splitlines():
        key, sep, value = line.partition(":")
        key, value = key.strip().lower(), value.strip().strip("\"'")
        if sep and key in FRONT_MATTER_KEYS and value:
            meta[key] = value
    return meta, match.end()


def _title(text: str, start: int, markdown: bool) -> tuple[str, int]:
    """The first non-empty line from `start` (markdown '#' stripped) and the offset just after it."""
    offset = start
    for line in text[start:].splitlines(keepends=True):
        stripped = line.strip()
        offset += len(line)
        if stripped:
            if markdown:
                stripped = stripped.lstrip("#").strip() or stripped
            return stripped, offset
    return "", len(text)
