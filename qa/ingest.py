"""Files of the documents folder -> `Article`s, with a reason for every file that cannot be used.

    >>> scan = scan_documents(Path("documents"))          # doctest: +SKIP
    >>> [a.id for a in read_articles(scan).articles]       # doctest: +SKIP
    ['000_8339c2265b0242b8', '004_7d268188ac327656']

A file is skipped, with a warning naming it, when it is empty, binary, not UTF-8, unreadable, a link pointing
outside the folder, or has the same document id as a file read before it. Skipping one file never stops the
others from being indexed.
"""

from __future__ import annotations

import logging
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qa.errors import CorpusNotFound
from qa.models import Article, SkippedFile

log = logging.getLogger("qa")

ARTICLE_SUFFIXES = (".txt", ".md", ".html", ".htm", ".pdf", ".jsonl")
SINGLE_ARTICLE_SUFFIXES = (".txt", ".md", ".html", ".htm", ".pdf")
_MAX_LINE_WARNINGS = 20
DEFAULT_MAX_BYTES = 20_000_000
_BINARY_SNIFF_BYTES = 8192


@dataclass(frozen=True, slots=True)
class FileStamp:
    """What identifies one version of a file cheaply: its path, size and modification time."""

    source: str
    size: int
    mtime_ns: int


@dataclass(slots=True)
class Scan:
    """The article files of a folder, found without reading them."""

    root: Path
    files: list[tuple[Path, FileStamp]]
    irregular: list[str] = field(default_factory=list)
    """Article-named entries that are not regular files (named pipes, devices): never opened."""

    def fingerprint(self) -> list[list[str | int]]:
        """A JSON-able summary that changes whenever a file is added, removed or modified."""
        return [[stamp.source, stamp.size, stamp.mtime_ns] for _, stamp in self.files]


@dataclass(slots=True)
class ReadResult:
    articles: list[Article] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)


def scan_documents(root: Path) -> Scan:
    """List the article files under `root` (recursively, sorted, hidden files and folders left out)."""
    if not root.exists():
        raise CorpusNotFound(f"documents folder not found: {root}")
    if not root.is_dir():
        raise CorpusNotFound(f"documents path is not a folder: {root}")
    files = []
    irregular = []
    for path in _walk(root):
        try:
            info = path.stat()
        except OSError:
            continue  # vanished or a dangling link; read_articles never sees it
        source = path.relative_to(root).as_posix()
        if not stat.S_ISREG(info.st_mode):
            irregular.append(source)  # a named pipe would block the reader; a device never ends
            continue
        files.append((path, FileStamp(source, info.st_size, info.st_mtime_ns)))
    return Scan(root, files, irregular)


def _walk(root: Path) -> Iterator[Path]:
    for directory, subdirs, names in os.walk(root, followlinks=False):
        subdirs[:] = sorted(d for d in subdirs if not d.startswith("."))
        for name in sorted(names):
            if not name.startswith(".") and name.lower().endswith(ARTICLE_SUFFIXES):
                yield Path(directory) / name


def read_articles(scan: Scan, max_bytes: int = DEFAULT_MAX_BYTES) -> ReadResult:
    """Read every scanned file into an `Article`, collecting the ones that cannot be used."""
    result = ReadResult()
    seen_ids: dict[str, str] = {}
    root = scan.root.resolve()
    for source in scan.irregular:
        result.skipped.append(SkippedFile(source, "not a regular file"))
        log.warning("skipped %s: not a regular file", source)
    for path, stamp in scan.files:
        try:
            articles, warnings = read_file(path, stamp.source, root, max_bytes)
        except _Skip as skip:
            result.skipped.append(SkippedFile(stamp.source, str(skip)))
            log.warning("skipped %s: %s", stamp.source, skip)
            continue
        for warning in warnings[:_MAX_LINE_WARNINGS]:  # bad lines of a JSONL file; the good lines are kept
            result.skipped.append(SkippedFile(stamp.source, warning))
            log.warning("skipped part of %s: %s", stamp.source, warning)
        if len(warnings) > _MAX_LINE_WARNINGS:
            more = f"and {len(warnings) - _MAX_LINE_WARNINGS} more bad lines"
            result.skipped.append(SkippedFile(stamp.source, more))
            log.warning("skipped part of %s: %s", stamp.source, more)
        for article in articles:
            if article.id in seen_ids:
                reason = f"same document id '{article.id}' as {seen_ids[article.id]}"
                result.skipped.append(SkippedFile(stamp.source, reason))
                log.warning("skipped %s: %s", stamp.source, reason)
                continue
            seen_ids[article.id] = stamp.source
            result.articles.append(article)
    return result


class _Skip(Exception):
    """Why a file is not an article."""


def decode(data: bytes) -> str:
    """The text of a file: UTF-8 (a BOM is dropped), or UTF-16 when it starts with a UTF-16 BOM."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise _Skip(f"not valid UTF-16 (bad bytes at offset {error.start})") from None
    else:
        if not data.strip():
            raise _Skip("empty file")
        if b"\x00" in data[:_BINARY_SNIFF_BYTES]:
            raise _Skip("binary file (contains NUL bytes)")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise _Skip(f"not UTF-8 (invalid byte at offset {error.start})") from None
    if "\x00" in text:
        raise _Skip("binary file (contains NUL characters)")
    return text


def read_file(path: Path, source: str, root: Path,
              max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[list[Article], list[str]]:
    """The articles of one file (a JSONL file holds many), and warnings for parts that were left out.

    Raises `_Skip` with the reason when nothing of the file can be used.
    """
    try:
        if not path.resolve().is_relative_to(root):
            raise _Skip("links outside the documents folder")
        size = path.stat().st_size
        if size > max_bytes:
            raise _Skip(f"{size / 1e6:.1f} MB, larger than the {max_bytes / 1e6:g} MB limit (QA_MAX_FILE_MB)")
        data = path.read_bytes()
    except OSError as error:
        raise _Skip(f"unreadable ({error.strerror or error})") from None
    if not data.strip():
        raise _Skip("empty file")
    suffix = Path(source).suffix.lower()  # `source` names the format (`path` may be a staging file)
    doc_id = source.rsplit(".", 1)[0]
    if suffix in (".txt", ".md"):
        return [_plain_article(decode(data), doc_id, source, markdown=suffix == ".md")], []
    from qa import formats  # the HTML and PDF libraries load on the first such file only

    try:
        if suffix == ".jsonl":
            extracted, warnings = formats.extract_jsonl(data, source)
            if not extracted:
                raise _Skip("no usable line (" + "; ".join(warnings[:3]) + ")" if warnings else "no articles")
            return [_from_extracted(item, f"{doc_id}/{item.key}", source) for item in extracted], warnings
        extract = formats.extract_pdf if suffix == ".pdf" else formats.extract_html
        return [_from_extracted(extract(data, source), doc_id, source)], []
    except formats.FormatError as error:
        raise _Skip(str(error)) from None


def read_article(path: Path, source: str, root: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> Article:
    """Read a file that holds one article (anything but JSONL); raise `_Skip` with a reason when it cannot."""
    articles, _ = read_file(path, source, root, max_bytes)
    if len(articles) != 1:
        raise _Skip(f"holds {len(articles)} articles; expected one")
    return articles[0]


def _plain_article(text: str, doc_id: str, source: str, markdown: bool) -> Article:
    if not text.strip():
        raise _Skip("empty file")
    meta, content_start = parse_front_matter(text) if markdown else ({}, 0)
    title, body_start = _title(text, content_start, markdown)
    if meta.get("title"):
        title, body_start = meta.pop("title"), content_start
    return Article(id=doc_id, source=source, title=title, text=text, body_start=body_start, meta=meta)


def _from_extracted(item: Any, doc_id: str, source: str) -> Article:
    return Article(id=doc_id, source=source, title=item.title, text=item.text, body_start=item.body_start,
                   meta=dict(item.meta), page_starts=tuple(item.page_starts))


FRONT_MATTER_KEYS = ("title", "date", "url", "author")
_FRONT_MATTER = re.compile(r"---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|$)", re.DOTALL)


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
