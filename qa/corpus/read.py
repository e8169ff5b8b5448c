"""Files of the documents folder -> `Article`s, with a reason for every file that cannot be used.

    >>> scan = scan_documents(Path("documents"))          # doctest: +SKIP
    >>> [a.id for a in read_articles(scan).articles]       # doctest: +SKIP
    ['000_8339c2265b0242b8', '004_7d268188ac327656']

A file is skipped, with a warning naming it, when it is empty, binary, not UTF-8, unreadable (permissions, an I/O
error, a folder, a link loop), a link pointing outside the folder, broken in its format, or has the same document
id as a file read before it. Skipping one file never stops the others from being indexed. Every file read gets a
`FileRecord` (its stamp, the SHA-256 of the bytes read, why parts were skipped): what an index keeps to tell later
whether the file changed.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from qa.corpus.extracted import Extracted
from qa.corpus.hangul import misread_as_korean
from qa.corpus.latin import FAMILY, WESTERN, alphabet_fit, latin_reading
from qa.corpus.plain import plain_article
from qa.corpus.scan import FileRecord, FileStamp, Scan
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
    records: list[FileRecord] = field(default_factory=list)


@dataclass(slots=True)
class SourceRead:
    """What one file gave: its articles and its record (whose `skipped` says what was left out, and why)."""

    articles: list[Article]
    record: FileRecord


def read_articles(scan: Scan, max_bytes: int = DEFAULT_MAX_BYTES) -> ReadResult:
    """Read every scanned file into `Article`s, collecting the ones that cannot be used."""
    result = ReadResult()
    result.skipped.extend(scan.others)
    for skipped in scan.others:
        log.warning("skipped %s: %s", skipped.source, skipped.reason)
    bases = scan.base_ids()
    read = [read_source(path, stamp, scan.root.resolve(), bases[stamp.source], max_bytes)
            for path, stamp in scan.files]
    for item in unique_ids(read):
        result.articles.extend(item.articles)
        result.records.append(item.record)
        result.skipped.extend(SkippedFile(item.record.source, reason) for reason in item.record.skipped)
    return result


def read_source(path: Path, stamp: FileStamp, root: Path, base: str,
                max_bytes: int = DEFAULT_MAX_BYTES, quiet: bool = False) -> SourceRead:
    """One file's articles and record; never raises for a bad file (the record says why it was skipped, and a
    warning, unless `quiet`: a parallel build's worker leaves them to the builder, `warn_skipped`)."""
    source = stamp.source
    digest: str | None = None
    try:
        data = read_bytes(path, root, max_bytes)
        digest = hashlib.sha256(data).hexdigest()
        articles, warnings = parse_file(data, source, base)
    except UnreadableFile as skip:
        read = SourceRead([], FileRecord(source, stamp.size, stamp.mtime_ns, digest, base, (str(skip),)))
    else:
        reasons = list(warnings[:_MAX_LINE_WARNINGS])  # bad lines of a JSONL file; the good lines are kept
        if len(warnings) > _MAX_LINE_WARNINGS:
            reasons.append(f"and {len(warnings) - _MAX_LINE_WARNINGS} more bad lines")
        read = SourceRead(articles, FileRecord(source, stamp.size, stamp.mtime_ns, digest, base, tuple(reasons)))
    if not quiet:
        warn_skipped(read.record, whole=not read.articles)
    return read


def warn_skipped(record: FileRecord, whole: bool) -> None:
    """Warn of what was skipped of a file: all of it (`whole`), or some lines."""
    for reason in record.skipped:
        log.warning("skipped %s: %s" if whole else "skipped part of %s: %s", record.source, reason)


def unique_ids(read: list[SourceRead], taken: dict[str, str] | None = None) -> list[SourceRead]:
    """`read` with a file skipped when one of its ids is already `taken` (id -> source), by an earlier file here
    or by an article kept from before; `taken` is updated."""
    seen = {} if taken is None else taken
    result = []
    for item in read:
        reason = clash(item.record.source, [article.id for article in item.articles], seen)
        if reason is not None:
            item = SourceRead([], item.record.skipping(reason))
        result.append(item)
    return result


def clash(source: str, ids: list[str], taken: dict[str, str]) -> str | None:
    """Why the file `source` with articles `ids` is skipped (one of its ids is `taken`: id -> source, by an
    earlier file), logged; else None, and its ids are taken."""
    found = next((id_ for id_ in ids if id_ in taken), None)
    if found is not None:
        reason = f"same document id '{found}' as {taken[found]}"
        log.warning("skipped %s: %s", source, reason)
        return reason
    for id_ in ids:
        taken[id_] = source
    return None


def read_bytes(path: Path, root: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """The bytes of a file inside `root`; UnreadableFile with the reason (outside, too big, any OSError)."""
    try:
        if not path.resolve(strict=True).is_relative_to(root):
            raise UnreadableFile("links outside the documents folder")
        size = path.stat().st_size
        if size > max_bytes:
            raise UnreadableFile(f"{size / 1e6:.1f} MB, larger than the {max_bytes / 1e6:g} MB limit (QA_MAX_FILE_MB)")
        return path.read_bytes()
    except OSError as error:
        raise UnreadableFile(f"unreadable ({error.strerror or error})") from None
    except RuntimeError as error:  # Path.resolve on a symbolic link loop (Python < 3.13)
        raise UnreadableFile(f"unreadable ({error})") from None


def decode(data: bytes, source: str = "") -> str:
    """The text of a file: UTF-8 (a BOM is dropped), UTF-16 when it starts with a UTF-16 BOM, else the older
    encoding its bytes read as (`legacy_text`; `source` names the file in the log line that says which)."""
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
            if _utf8_elsewhere(data):
                raise UnreadableFile(f"not UTF-8 (invalid byte at offset {error.start} of text that is UTF-8 "
                                     "elsewhere: save it as UTF-8)") from None
            legacy = legacy_text(data, source)
            if legacy is None:
                raise UnreadableFile(f"not UTF-8 (invalid byte at offset {error.start}), nor text in another "
                                     "encoding") from None
            text = legacy
    if "\x00" in text:
        raise UnreadableFile("binary file (contains NUL characters)")
    return text


def _utf8_elsewhere(data: bytes) -> bool:
    """More of the bytes beyond ASCII read as UTF-8 characters than not: a UTF-8 file with a stray byte of another
    encoding (a '€' pasted from a Windows program), not a file in an older encoding, which read as one would turn
    every other accented letter into two ('cafÃĐ'). A file in an older encoding rarely holds a valid UTF-8 sequence."""
    text = data.decode("utf-8", "replace")
    bad = text.count("\ufffd")
    return sum(1 for char in text if char > "\x7f") - bad > bad


_NEAR_CHAOS = 0.03
"""Encodings whose reading is this close to the best one's (charset-normalizer's "chaos") read the bytes as well."""

_FITS = 0.9
"""A Latin reading (`qa.corpus.latin`) charset-normalizer did not rate best is taken only when this share of its
letters fits one alphabet."""


def legacy_text(data: bytes, source: str = "") -> str | None:
    """The text of a file saved in an encoding older than UTF-8 (Windows-1252, -1250, -1254 and their ISO
    cousins, KOI8-R, Shift JIS, GBK, ...), as charset-normalizer finds it; None when no encoding gives text.

    When a Latin code page reads the bytes (about) as well as any encoding, the one whose letters fit one
    language's alphabet is taken (`qa.corpus.latin`): charset-normalizer rates Polish read as Windows-1252
    ("og³osi³y") as good as Windows-1250 ("ogłosiły"), and a short French or German file is read alike by several
    Western code pages, of which Windows-1252 is kept. (An English file whose only other bytes are curly quotes and
    dashes reads a little better, to charset-normalizer, as a DOS code page: "ōgreen roofsö" for "“green
    roofs”".) A reading in Hangul that shows the signs of Japanese or Chinese bytes read as Korean
    (`qa.corpus.hangul`) gives way to the others."""
    from charset_normalizer import from_bytes  # loaded only for a file that is not UTF-8

    matches = list(from_bytes(data))
    plausible = [match for match in matches if not misread_as_korean(str(match))]
    matches = plausible or matches  # a short EUC-JP, Shift JIS or GB2312 title read as Korean
    if not matches:
        return None
    least = min(match.chaos for match in matches)
    near = {name for match in matches if match.chaos <= least + _NEAR_CHAOS for name in match.could_be_from_charset}
    if near & FAMILY:
        reading = latin_reading(data)
        if reading is not None and (WESTERN in near or alphabet_fit(reading[0]) >= _FITS):
            log.info("%s: read as %s (not UTF-8)", source or "a file", reading[1])
            return reading[0]
    best = next(match for match in matches if match.chaos == least)
    log.info("%s: read as %s (not UTF-8)", source or "a file", best.encoding)
    return str(best)


def parse_file(data: bytes, source: str, base: str) -> tuple[list[Article], list[str]]:
    """The articles of one file's bytes (a JSONL file holds many, with ids `<base>/<record id>`), and warnings for
    parts that were left out. Raises `UnreadableFile` with the reason when nothing of the file can be used."""
    if not data.strip():
        raise UnreadableFile("empty file")
    suffix = Path(source).suffix.lower()  # `source` names the format (the bytes may come from a staging file)
    if suffix in (".txt", ".md"):
        return [plain_article(decode(data, source), base, source, markdown=suffix == ".md")], []
    if suffix == ".jsonl":
        from qa.corpus.jsonl import extract_jsonl

        extracted, warnings = extract_jsonl(data, source)
        if not extracted:
            raise UnreadableFile("no usable line (" + "; ".join(warnings[:3]) + ")" if warnings else "no articles")
        return [_from_extracted(item, f"{base}/{item.key}", source) for item in extracted], warnings
    return [_from_extracted(_extractor(suffix)(data, source), base, source)], []


def _extractor(suffix: str) -> Callable[[bytes, str], Extracted]:
    """The reader of a single-article format; its library loads with the first such file, never for a question."""
    if suffix == ".pdf":
        from qa.corpus.pdf import extract_pdf

        return extract_pdf
    if suffix == ".docx":
        from qa.corpus.word import extract_docx

        return extract_docx
    from qa.corpus.html import extract_html

    return extract_html


def read_article(path: Path, source: str, root: Path, max_bytes: int = DEFAULT_MAX_BYTES,
                 base: str | None = None) -> Article:
    """Read a file that holds one article (anything but JSONL); raise `UnreadableFile` with a reason when it cannot.

    `base` is its document id (default: `source` without its extension)."""
    data = read_bytes(path, root, max_bytes)
    articles, _ = parse_file(data, source, base if base is not None else source.rsplit(".", 1)[0])
    if len(articles) != 1:
        raise UnreadableFile(f"holds {len(articles)} articles; expected one")
    return articles[0]


def _from_extracted(item: Extracted, doc_id: str, source: str) -> Article:
    meta = dict(item.meta)
    if item.line is not None:
        meta["line"] = str(item.line)
    return Article(id=doc_id, source=source, title=item.title, text=item.text, body_start=item.body_start,
                   meta=meta, page_starts=tuple(item.page_starts))
