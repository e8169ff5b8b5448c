"""Plain-text and Markdown files -> `Article`s: front matter, title, byline and date lines, where the body starts.

The text is stored as read from the file, with one exception: Markdown syntax is blanked out character for
character (`qa.corpus.markdown`), so offsets are the file's and what is shown has no markup. The title, byline and
body rules are `qa.corpus.heading`'s.
"""

from __future__ import annotations

import re

from qa.corpus.extracted import checked_meta
from qa.corpus.heading import LEAD, TITLE_FROM, lead_title, one_line, read_heading
from qa.corpus.markdown import mask_markdown
from qa.errors import UnreadableFile
from qa.models import Article

FRONT_MATTER_KEYS = ("title", "date", "url", "author", "publisher", "lang")
_SYNONYMS = {"language": "lang"}
_FRONT_MATTER = re.compile(
    r"(?:---[ \t]*\r?\n(?P<yaml>.*?)\r?\n(?:---|\.\.\.)"  # YAML (Jekyll, Pandoc: may end with "...")
    r"|\+\+\+[ \t]*\r?\n(?P<toml>.*?)\r?\n\+\+\+)"  # TOML (Hugo)
    r"[ \t]*(?:\r?\n|$)", re.DOTALL)
_YAML_KEY = re.compile(r"""\s*(?:[\w-]+|"[^"]*"|'[^']*')\s*:(?:\s|$)""")
_TOML_KEY = re.compile(r"""\s*(?:[\w.-]+|"[^"]*")\s*=|\s*\[""")


def plain_article(text: str, doc_id: str, source: str, markdown: bool) -> Article:
    """The article of a .txt (`markdown` False) or .md file's decoded text."""
    if not text.strip():
        raise UnreadableFile("empty file")
    meta, content_start = parse_front_matter(text) if markdown else ({}, 0)
    shown = mask_markdown(text, content_start) if markdown else None
    head = read_heading(text, content_start, known_title=meta.pop("title", None), markdown=markdown, shown=shown)
    for key, value in head.meta.items():
        meta.setdefault(key, value)  # front matter says it first
    title = head.title
    if head.title_from == LEAD:
        meta[TITLE_FROM] = LEAD
    written = text
    if shown is not None:
        text = shown
        if head.title_from == LEAD:
            title = lead_title(text, head.body_start) or title  # the first sentence as shown: without markup
        else:
            title = one_line(mask_markdown(title)) or title
    return Article(id=doc_id, source=source, title=title, text=text, body_start=_body_start(text, head.body_start,
                                                                                     content_start, written),
                   meta=checked_meta(meta, source))


def _body_start(text: str, body_start: int, content_start: int, written: str) -> int:
    """Where the passages start: the body, or, when nothing is left of it as shown (an article of one title line,
    a byline, a date line, or a body all Markdown syntax), the first text after the front matter, so that a short
    article is its own passage and the front matter never is (it is not shown, and it is not the article's text).
    Raises `UnreadableFile` when there is no such text (`written`: the file's text before its Markdown syntax was
    blanked, to say whether markup was all there was)."""
    if text[body_start:].strip():
        return body_start
    first = len(text) - len(text[content_start:].lstrip())
    if first >= len(text):
        syntax = ", only Markdown syntax" if written[content_start:].strip() else ""
        raise UnreadableFile(("no text after the front matter" if content_start else "no text") + syntax)
    return first


def parse_front_matter(text: str) -> tuple[dict[str, str], int]:
    """`key: value` lines between `---` fences at the very top of a markdown file (YAML; the closing fence may be
    `...`), or `key = "value"` lines between `+++` fences (TOML, as Hugo writes it), and where the content starts.

    Only the keys qa uses are kept (title, date, url, author, publisher, lang, or language for lang); quotes around
    values are removed. A file without front matter gives ({}, 0).
    """
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, 0
    toml = match.group("toml") is not None
    block = match.group("toml") if toml else match.group("yaml")
    first = next((line for line in block.splitlines() if line.strip() and not line.lstrip().startswith("#")), None)
    if first is not None and not (_TOML_KEY if toml else _YAML_KEY).match(first):
        return {}, 0  # a thematic break, text, another break: no metadata, but the article's text
    meta = {}
    for line in block.splitlines():
        key, sep, value = line.partition("=" if toml else ":")
        key, value = key.strip().lower(), _unquoted(value.strip())
        key = _SYNONYMS.get(key, key)
        if sep and key in FRONT_MATTER_KEYS and value:
            meta[key] = value
    return meta, match.end()


def _unquoted(value: str) -> str:
    """A scalar without the quotes around it: only a matching pair is taken off, so that a title ending in a quote
    of its own ("Ferry service 'to resume by May'") keeps it; `\\"` in a double-quoted value is a quote."""
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1].replace('\\"', '"')
    if len(value) >= 2 and value[0] == value[-1] == "'":
        return value[1:-1].replace("''", "'")  # YAML: '' inside single quotes is one quote
    return value
