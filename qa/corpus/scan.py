"""List the files of a documents folder without reading them, and say what each one's document id is.

    >>> scan = scan_documents(Path("documents"))          # doctest: +SKIP
    >>> [stamp.source for _, stamp in scan.files]          # doctest: +SKIP
    ['000_8339c2265b0242b8.txt', '004_7d268188ac327656.txt']

Files are found recursively, sorted, with hidden files and folders left out. What identifies a file's version
cheaply (path, size, modification time) is kept with each, so an index can tell what changed without reading.
Files qa cannot read as articles (other types, pipes, devices, broken links, link loops, folders it may not
open) are listed with the reason, once each.

Document ids: a file's id is its path without the extension (`news/a.txt` -> `news/a`), unless another file of
the folder has the same path without extension (`a.txt` beside `a.md`): then each of them keeps its extension
(`a.txt`, `a.md`), so neither hides the other (`base_ids`).
"""

from __future__ import annotations

import errno
import os
import stat
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from qa.errors import CorpusNotFound
from qa.models import SkippedFile

ARTICLE_SUFFIXES = (".txt", ".md", ".html", ".htm", ".pdf", ".docx", ".jsonl")
"""Files read as articles (a .jsonl file holds many)."""
SINGLE_ARTICLE_SUFFIXES = (".txt", ".md", ".html", ".htm", ".pdf", ".docx")
"""Files that hold one article each: what `qa add` and an upload accept."""


@dataclass(frozen=True, slots=True)
class FileStamp:
    """What identifies one version of a file cheaply: its path, size and modification time."""

    source: str
    size: int
    mtime_ns: int


@dataclass(frozen=True, slots=True)
class FileRecord:
    """What an index holds of one article file: its stamp, the hash of the bytes it read, the document id base it
    gave the file's articles, and why parts of it (or all of it) were skipped."""

    source: str
    size: int
    mtime_ns: int
    digest: str | None
    """SHA-256 of the bytes read (None when the file could not be read)."""
    base: str
    skipped: tuple[str, ...] = ()
    """Reasons: the whole file's (nothing of it indexed) or its bad lines' (a JSONL feed)."""

    def skipping(self, reason: str) -> FileRecord:
        """This record for the file skipped whole, for `reason` (nothing of it indexed)."""
        return FileRecord(self.source, self.size, self.mtime_ns, self.digest, self.base, (reason,))

    def to_json(self) -> list[object]:
        return [self.source, self.size, self.mtime_ns, self.digest, self.base, list(self.skipped)]

    @classmethod
    def from_json(cls, row: list[object]) -> FileRecord:
        source, size, mtime_ns, digest, base, skipped = row
        return cls(str(source), int(size), int(mtime_ns), None if digest is None else str(digest),  # type: ignore[call-overload]
                   str(base), tuple(str(reason) for reason in skipped))  # type: ignore[attr-defined]


@dataclass(slots=True)
class Scan:
    """The files of a folder, found without reading them."""

    root: Path
    files: list[tuple[Path, FileStamp]]
    others: list[SkippedFile] = field(default_factory=list)
    """Entries qa does not open, with the reason: other file types, pipes and devices, broken links, link loops,
    folders it may not read."""
    started_ns: int = 0
    """The clock when the scan began: a file modified at about this time may change again within the same
    modification-time tick, so its content is checked again later (see `qa.index.reconcile`)."""

    def base_ids(self) -> dict[str, str]:
        """The document id base of every article file (see the module docstring)."""
        return base_ids([stamp.source for _, stamp in self.files])


def base_ids(sources: list[str]) -> dict[str, str]:
    """`source` -> its document id base: the path without extension, or the whole path where two files share it."""
    stems = [source.rsplit(".", 1)[0] if "." in source.rsplit("/", 1)[-1] else source for source in sources]
    shared = Counter(stems)
    return {source: stem if shared[stem] == 1 else source for source, stem in zip(sources, stems, strict=True)}


def scan_documents(root: Path) -> Scan:
    """List the article files under `root` (recursively, sorted, hidden files and folders left out)."""
    if not root.exists():
        raise CorpusNotFound(f"documents folder not found: {root.absolute()}")
    if not root.is_dir():
        raise CorpusNotFound(f"documents path is not a folder: {root.absolute()}")
    started = time.time_ns()
    files = []
    others: list[SkippedFile] = []
    for path in _walk(root, others):
        source = path.relative_to(root).as_posix()
        if not path.name.lower().endswith(ARTICLE_SUFFIXES):
            others.append(SkippedFile(source, f"unsupported file type ({path.suffix.lower() or 'no extension'})"))
            continue
        try:
            info = path.stat()
        except OSError as error:
            others.append(SkippedFile(source, _link_problem(path, error)))
            continue
        if not stat.S_ISREG(info.st_mode):
            # a named pipe would block the reader; a device never ends
            reason = "a folder named like a file" if stat.S_ISDIR(info.st_mode) else "not a regular file"
            others.append(SkippedFile(source, reason))
            continue
        files.append((path, FileStamp(source, info.st_size, info.st_mtime_ns)))
    return Scan(root, files, others, started)


def _link_problem(path: Path, error: OSError) -> str:
    if error.errno == errno.ELOOP:
        return "symbolic link loop"
    if error.errno == errno.ENOENT and path.is_symlink():
        return "broken link (its target does not exist)"
    return f"unreadable ({error.strerror or error})"


def _walk(root: Path, others: list[SkippedFile]) -> Iterator[Path]:
    """Every non-hidden file below `root`, sorted; folders that cannot be listed are reported in `others`."""

    def unreadable(error: OSError) -> None:
        where = Path(error.filename).relative_to(root).as_posix() if error.filename else "."
        others.append(SkippedFile(where + "/", f"unreadable folder ({error.strerror or error})"))

    for directory, subdirs, names in os.walk(root, followlinks=False, onerror=unreadable):
        here = Path(directory)
        kept = []
        for name in sorted(subdirs):
            if name.startswith("."):
                continue
            if (here / name).is_symlink():  # never followed: it may lead outside the folder, or loop
                source = (here / name).relative_to(root).as_posix()
                others.append(SkippedFile(source + "/", "link to a folder (not followed)"))
                continue
            kept.append(name)
        subdirs[:] = kept
        for name in sorted(names):
            if not name.startswith("."):
                yield here / name
