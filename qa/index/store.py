"""The index folder on disk: versions side by side, a `CURRENT` pointer, checksums, and one builder at a time.

    index_dir/
      CURRENT                 -> "v-20261124T211500-1234"  (replaced atomically with os.replace)
      build.lock              one builder per index folder (flock)
      v-20261124T211500-1234/
        manifest.json         format, settings fingerprint, the folder as this version holds it (each article
                              file's size, mtime, SHA-256 and id base; entries not opened; skipped files; when
                              the scan began: qa.index.folder), counts, build time, and the size and CRC-32 of
                              every other file (whole, or its two ends for a big one: checked on load, a
                              damaged version is rebuilt)
        articles.json         id, title, source, body_start, first passage, metadata, language (and whence)
        texts.zst, text_*     every article's text, UTF-8, concatenated, compressed in 2 KB blocks (qa.index.texts);
                              text_offsets.npy: where each starts in the uncompressed text
        passages.npy          per passage: article, start, end (character offsets), number (int32 where they fit)
        sentences.npy         the passages' sentence spans, relative to the passage start (uint16 pairs below 64 K
                              characters), and
        sentence_ptr.npy      where each passage's sentences start in them
        sequences.npy         every passage's term ids in order, as indexed (uint16 for up to 65,536 terms, else
                              int32), and
        sequence_ptr.npy      where each passage's start: the positions `qa.answer.proximity` looks at
        word_starts.npy       where each of those terms' words starts, relative to the passage (qa.index.spans),
        word_lengths.npy      and its length in characters (uint8 below 256)
        vocab.json            terms in id order, and the analyzers' word -> term caches (English's, and per
                              language the others')
        engine/               the SparseBM25 arrays (memory-mapped on load)

A version is written completely into `<name>.partial`, renamed, and only then named by `CURRENT`: a crash at any
point leaves the previous version in use (`swap_in`).
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from qa.errors import IndexFormatError, disk_error
from qa.ranking.analysis import ANALYZER_VERSION

if TYPE_CHECKING:
    from qa.config import Settings

INDEX_FORMAT = 13
"""Bump when the files of a version change meaning, so older versions are rebuilt rather than misread (9:
word_spans.npy; 10: each article's language, analysis caches per language; 11: postings without stored weights,
tfs in the narrowest type, texts compressed in blocks (texts.zst), word_starts/word_lengths, narrower arrays;
12: files over 1 MB checksummed by their first and last 256 KB, not 4 MB and 1 MB; 13: a
term in half of the passages or more has a positive IDF in every folder, `qa.ranking.bm25.okapi_idf`)."""
CURRENT = "CURRENT"
MANIFEST = "manifest.json"


def fingerprint(settings: Settings) -> dict[str, Any]:
    """What must match for a saved version to be reused: the settings that change scores, analysis and format."""
    return {**settings.index_fingerprint(), "analyzer": ANALYZER_VERSION, "language": settings.language,
            "format": INDEX_FORMAT}


def current_version(index_dir: Path) -> Path | None:
    """The live version folder, or None when there is none yet."""
    try:
        name = (index_dir / CURRENT).read_text().strip()
    except OSError:
        return None
    folder = index_dir / name
    return folder if (folder / MANIFEST).is_file() else None


def swap_in(index_dir: Path, write: Callable[[Path], int],
            check: Callable[[Path], None] | None = None) -> tuple[Path, int]:
    """Write a version into a staging folder, rename it complete, then point CURRENT at it (atomically).

    `write(folder)` fills the folder and returns its passage count; `check(version)`, when given, looks at the
    complete version (under its final name) before CURRENT names it, and raises to refuse it. Whatever fails (an
    error, a refusal, Ctrl-C), the new folder is removed and CURRENT still names the previous version.
    """
    version, n_passages = write_version(index_dir, write)
    try:
        if check is not None:
            check(version)
        _point_current(index_dir, version.name)
    except BaseException:
        shutil.rmtree(version, ignore_errors=True)
        raise
    _remove_old_versions(index_dir, keep=version.name)  # once CURRENT names it, the new version is never removed
    return version, n_passages


def write_version(index_dir: Path, write: Callable[[Path], int]) -> tuple[Path, int]:
    """The first half of `swap_in`: a complete version folder beside the current one, which it does not replace
    (a sharded write makes it current only once every shard has taken the change: `make_current`). Whatever
    fails, nothing is left."""
    version = index_dir / f"v-{datetime.now(UTC):%Y%m%dT%H%M%S%f}-{os.getpid()}"
    staging = version.with_name(version.name + ".partial")
    try:
        n_passages = write(staging)
        fsync_dir(staging)
        fsync_dir(staging / "engine")
        staging.rename(version)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return version, n_passages


def make_current(index_dir: Path, version: Path) -> None:
    """The second half of `swap_in`: point CURRENT at `version` (atomically), then remove the older versions."""
    _point_current(index_dir, version.name)
    _remove_old_versions(index_dir, keep=version.name)


@contextmanager
def build_lock(index_dir: Path) -> Iterator[None]:
    """One builder (or document write) per index folder at a time: other processes wait.

    The folder is created when missing. When what runs under the lock fails (an empty documents folder, a full
    disk, Ctrl-C) and the folder holds no version, the folder is removed again: failed runs leave nothing behind
    under ~/.cache/qa. A write that fails for want of space or permission becomes `NoSpace` or `NotWritable`.
    """
    try:
        lock = _locked(index_dir)
    except OSError as error:
        raise disk_error(error, index_dir, "index") or error from None
    try:
        yield
    except BaseException as error:
        if current_version(index_dir) is None:
            _remove_if_unused(index_dir)
        if isinstance(error, OSError) and _writing_index(error, index_dir):
            raise disk_error(error, index_dir, "index") or error from None
        raise
    finally:
        lock.close()  # closing the file releases the lock


def _writing_index(error: OSError, index_dir: Path) -> bool:
    """Whether `error` is one of a write into the index folder: it names a path there, or none (a write to an open
    file, numpy's short write). A file of the documents folder that cannot be read is not."""
    return error.filename is None or Path(os.fsdecode(error.filename)).is_relative_to(index_dir)


def _locked(index_dir: Path) -> IO[str]:
    """The lock file, locked. A waiter whose lock file was removed meanwhile (`_remove_if_unused`) tries again."""
    while True:
        index_dir.mkdir(parents=True, exist_ok=True)
        lock = open(index_dir / "build.lock", "a")  # noqa: SIM115 - closed by build_lock
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if os.stat(index_dir / "build.lock").st_ino == os.fstat(lock.fileno()).st_ino:
                return lock
        except FileNotFoundError:
            pass
        lock.close()


def _remove_if_unused(index_dir: Path) -> None:
    """Remove a folder that holds no index version: its lock file, pointer files left aside, then the folder (only
    if nothing else is in it)."""
    with suppress(OSError):
        for child in index_dir.iterdir():
            if child.name == "build.lock" or (child.name.startswith(f"{CURRENT}.") and child.name.endswith(".tmp")):
                child.unlink(missing_ok=True)
        index_dir.rmdir()


WHOLE_CRC_BYTES = 1 << 20
"""Files up to this size are checksummed whole when a version opens; of bigger ones, the first and last
`EDGE_CRC_BYTES` (see `verify_files`)."""
EDGE_CRC_BYTES = 256 << 10


def checksums(folder: Path) -> dict[str, list[int]]:
    """Size and CRC-32 of every file of a version (flushed to disk on the way), for the manifest: of the whole
    file, or for a big one, of its first and last `EDGE_CRC_BYTES`."""
    return {path.relative_to(folder).as_posix(): [path.stat().st_size, _crc32(path, sync=True)]
            for path in sorted(folder.rglob("*")) if path.is_file()}


def verify_files(folder: Path, recorded: dict[str, list[int]]) -> None:
    """Every file the manifest lists has its recorded size and CRC-32: a truncated or damaged file is refused.

    Big files (the postings, term sequences and texts of a big folder) are checked by their size and the CRC-32
    of their two ends, not whole: reading 600 MB to checksum them cost 0.25 s at every open of a 1M-passage
    index (each server worker, each `qa ask`), more than opening it, whereas a version is complete by
    construction (written, flushed, then renamed and named by CURRENT) and the damage seen in practice is a
    truncated or replaced file, which sizes and ends catch."""
    for name, (size, crc) in recorded.items():
        path = folder / name
        try:
            actual = path.stat().st_size
        except OSError:
            raise IndexFormatError(f"cannot open index in {folder}: {name} is missing") from None
        if actual != size:
            raise IndexFormatError(f"cannot open index in {folder}: {name} is truncated or changed "
                                   f"({actual} bytes, expected {size})")
        if _crc32(path) != crc:
            raise IndexFormatError(f"cannot open index in {folder}: {name} is corrupt (checksum mismatch)")


def write_json(path: Path, data: Any) -> None:
    """Write and flush a JSON file (UTF-8, non-ASCII kept)."""
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(json.dumps(data, ensure_ascii=False))  # one string: the C encoder (json.dump's is Python's)
        handle.flush()
        os.fsync(handle.fileno())


def folder_size(folder: Path) -> int:
    """Bytes on disk of the files of an index version."""
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def fsync_dir(folder: Path) -> None:
    """Make a folder's entries (new files, renames) durable."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _crc32(path: Path, sync: bool = False) -> int:
    """CRC-32 of a file (zlib's, about 2.5 GB/s), read in 4 MB pieces, or of its first and last `EDGE_CRC_BYTES`
    when it is bigger than `WHOLE_CRC_BYTES`; `sync` also flushes it to disk."""
    crc = 0
    with open(path, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if size > WHOLE_CRC_BYTES:
            crc = zlib.crc32(handle.read(EDGE_CRC_BYTES))
            handle.seek(size - EDGE_CRC_BYTES)
            crc = zlib.crc32(handle.read(EDGE_CRC_BYTES), crc)
        else:
            while piece := handle.read(WHOLE_CRC_BYTES):
                crc = zlib.crc32(piece, crc)
        if sync:
            os.fsync(handle.fileno())
    return crc


def _point_current(index_dir: Path, name: str) -> None:
    """Make `name` the live version: write the pointer aside, flush it, rename it over CURRENT, flush the folder."""
    pointer = index_dir / f"{CURRENT}.{os.getpid()}.tmp"
    with open(pointer, "w") as handle:
        handle.write(name)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(pointer, index_dir / CURRENT)
    fsync_dir(index_dir)


def _remove_old_versions(index_dir: Path, keep: str) -> None:
    """Delete every other version, and pointer files left by a build killed before its swap."""
    for child in index_dir.iterdir():
        if child.is_dir() and child.name.startswith("v-") and child.name != keep:
            shutil.rmtree(child, ignore_errors=True)  # open memory maps stay valid on POSIX
        elif child.name.startswith(f"{CURRENT}.") and child.name.endswith(".tmp"):
            child.unlink(missing_ok=True)
