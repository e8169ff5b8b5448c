"""List the article files of a documents folder without reading them.

    >>> scan = scan_documents(Path("documents"))          # doctest: +SKIP
    >>> [stamp.source for _, stamp in scan.files]          # doctest: +SKIP
    ['000_8339c2265b0242b8.txt', '004_7d268188ac327656.txt']

Files are found recursively, sorted, with hidden files and folders left out. What identifies a file's version
cheaply (path, size, modification time) is kept with each, so an index can tell what changed.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from qa.errors import CorpusNotFound

ARTICLE_SUFFIXES = (".txt", ".md", ".html", ".htm", ".pdf", ".jsonl")
"""Files read as articles (a .jsonl file holds many)."""
SINGLE_ARTICLE_SUFFIXES = (".txt", ".md", ".html", ".htm", ".pdf")
"""Files that hold one article each: what `qa add` and an upload accept."""


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


def scan_documents(root: Path) -> Scan:
    """List the article files under `root` (recursively, sorted, hidden files and folders left out)."""
    if not root.exists():
        raise CorpusNotFound(f"documents folder not found: {root.absolute()}")
    if not root.is_dir():
        raise CorpusNotFound(f"documents path is not a folder: {root.absolute()}")
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
