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
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from qa.corpus.extracted import Extracted
from qa.corpus.plain import plain_article
from qa.corpus.scan import Scan
from qa.errors import UnreadableFile
from qa.models import Article, SkippedFile

log = logging.getLogger("qa")

_MAX_LINE_WARNINGS = 20
DEFAULT_MAX_BYTES = 20_000_000
_BINARY_SNIFF_BYTES = 8192


@dataclass(slots=True)
class ReadResult:
    articles: list[Article] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)


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
        except UnreadableFile as skip:
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


def decode(data: bytes) -> str:
    """The text of a file: UTF-8 (a BOM is dropped), or UTF-16 when it starts with a UTF-16 BOM."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise UnreadableFile(f"not valid UTF-16 (bad bytes at offset {error.start})") from None
    else:
        if not data.strip():
            raise UnreadableFile("empty file")
        if b"\x00" in data[:_BINARY_SNIFF_BYTES]:
            raise UnreadableFile("binary file (contains NUL bytes)")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise UnreadableFile(f"not UTF-8 (invalid byte at offset {error.start})") from None
    if "\x00" in text:
        raise UnreadableFile("binary file (contains NUL characters)")
    return text


def read_file(path: Path, source: str, root: Path,
              max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[list[Article], list[str]]:
    """The articles of one file (a JSONL file holds many), and warnings for parts that were left out.

    Raises `UnreadableFile` with the reason when nothing of the file can be used.
    """
    try:
        if not path.resolve().is_relative_to(root):
            raise UnreadableFile("links outside the documents folder")
        size = path.stat().st_size
        if size > max_bytes:
            raise UnreadableFile(f"{size / 1e6:.1f} MB, larger than the {max_bytes / 1e6:g} MB limit (QA_MAX_FILE_MB)")
        data = path.read_bytes()
    except OSError as error:
        raise UnreadableFile(f"unreadable ({error.strerror or error})") from None
    if not data.strip():
        raise UnreadableFile("empty file")
    suffix = Path(source).suffix.lower()  # `source` names the format (`path` may be a staging file)
    doc_id = source.rsplit(".", 1)[0]
    if suffix in (".txt", ".md"):
        return [plain_article(decode(data), doc_id, source, markdown=suffix == ".md")], []
    if suffix == ".jsonl":
        from qa.corpus.jsonl import extract_jsonl

        extracted, warnings = extract_jsonl(data, source)
        if not extracted:
            raise UnreadableFile("no usable line (" + "; ".join(warnings[:3]) + ")" if warnings else "no articles")
        return [_from_extracted(item, f"{doc_id}/{item.key}", source) for item in extracted], warnings
    return [_from_extracted(_extractor(suffix)(data, source), doc_id, source)], []


def _extractor(suffix: str) -> Callable[[bytes, str], Extracted]:
    """The reader of a single-article format; its library loads with the first such file, never for a question."""
    if suffix == ".pdf":
        from qa.corpus.pdf import extract_pdf

        return extract_pdf
    from qa.corpus.html import extract_html

    return extract_html


def read_article(path: Path, source: str, root: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> Article:
    """Read a file that holds one article (anything but JSONL); raise `UnreadableFile` with a reason when it cannot."""
    articles, _ = read_file(path, source, root, max_bytes)
    if len(articles) != 1:
        raise UnreadableFile(f"holds {len(articles)} articles; expected one")
    return articles[0]


def _from_extracted(item: Extracted, doc_id: str, source: str) -> Article:
    return Article(id=doc_id, source=source, title=item.title, text=item.text, body_start=item.body_start,
                   meta=dict(item.meta), page_starts=tuple(item.page_starts))
