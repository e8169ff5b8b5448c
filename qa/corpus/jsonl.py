"""JSONL feeds -> one article per line; a bad line is skipped with a warning naming it, the good lines are kept.

Each article remembers its line (`Extracted.line`), so a citation names the record's id and line.

    >>> articles, warnings = extract_jsonl(Path("feed.jsonl").read_bytes(), "feed.jsonl")  # doctest: +SKIP
    >>> warnings                                                                         # doctest: +SKIP
    ["line 7: missing 'text'"]
"""

from __future__ import annotations

import json
import logging
from dataclasses import replace

from qa.corpus.extracted import Extracted, checked_meta, compose, drop_title_line, one_line

log = logging.getLogger("qa")


_JSONL_OPTIONAL = (("url", "url"), ("date", "date"), ("source", "publisher"), ("lang", "lang"), ("language", "lang"))


def extract_jsonl(data: bytes, source: str) -> tuple[list[Extracted], list[str]]:
    """One article per line (`id`, `title`, `text`; optional `url`, `date`, `source`, `lang`), and a warning per bad
    line.

    Blank lines are ignored. A line that is not UTF-8, not a JSON object, lacks a required field, has an empty
    one or one of the wrong type is skipped, as is a line repeating an id of an earlier line. Line numbers are
    1-based.
    """
    articles: list[Extracted] = []
    warnings: list[str] = []
    first_line_of: dict[str, int] = {}
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for number, raw in enumerate(data.split(b"\n"), 1):
        if not raw.strip():
            continue
        try:
            article = _jsonl_article(raw, f"{source} line {number}")
        except _BadLine as bad:
            warnings.append(f"line {number}: {bad}")
            continue
        assert article.key is not None
        if article.key in first_line_of:
            warnings.append(f"line {number}: duplicate id '{article.key}' (first on line {first_line_of[article.key]})")
            continue
        first_line_of[article.key] = number
        articles.append(replace(article, line=number))
    log.debug("%s: %d articles, %d bad lines", source, len(articles), len(warnings))
    return articles, warnings


class _BadLine(Exception):
    """Why one JSONL line is not an article."""


def _jsonl_article(raw: bytes, where: str) -> Extracted:
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _BadLine(f"not UTF-8 (invalid byte at column {error.start + 1})") from None
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        raise _BadLine(f"invalid JSON ({error.msg} at column {error.colno})") from None
    if not isinstance(record, dict):
        raise _BadLine(f"not a JSON object ({_json_type(record)})")
    for name in ("id", "title", "text"):
        if name not in record or record[name] is None:
            raise _BadLine(f"missing '{name}'")
    key = record["id"]
    if isinstance(key, bool) or not isinstance(key, (str, int)):
        raise _BadLine(f"'id' must be a string or an integer, not {_json_type(key)}")
    key = str(key).strip()
    if not key:
        raise _BadLine("empty 'id'")
    for name in ("title", "text"):
        if not isinstance(record[name], str):
            raise _BadLine(f"'{name}' must be a string, not {_json_type(record[name])}")
        if not record[name].strip():
            raise _BadLine(f"empty '{name}'")
    meta: dict[str, str] = {}
    for name, meta_name in _JSONL_OPTIONAL:
        value = record.get(name)
        if value is None:
            continue
        if not isinstance(value, str):
            raise _BadLine(f"'{name}' must be a string, not {_json_type(value)}")
        if value.strip():
            meta[meta_name] = value.strip()
    title = one_line(record["title"])
    body = drop_title_line(record["text"].strip(), title)
    text, body_start = compose(title, [body])
    return Extracted(key=key, title=title, text=text, body_start=body_start, meta=checked_meta(meta, where))


def _json_type(value: object) -> str:
    names = {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "a list", dict: "an object"}
    return names.get(type(value), "null")
