"""A change to the documents folder that is undone unless it is committed: how a document write is all or nothing.

    with FolderChange(root) as change:              # any exception: every step below is undone
        change.make_parents(target)                 # folders created for the file (removed again on failure)
        change.delete(other)                        # a file taken out (its folder too, when that leaves it empty)
        staged = change.stage(target, data)         # the bytes, written and flushed aside (a hidden file)
        change.put(staged, target)                  # one rename: the old file, if any, is kept aside
        update_locked(settings, [article], [])      # the index; when it fails, the folder goes back as it was

A document write changes the folder (the source of truth) and then the index. Each step in the folder is a
rename or a link, which needs no space and is atomic, so at any moment the article's file is either its old
version or its new one; the old one stays reachable (a hidden hard link) until the index has the new one, and a
failure of any later step (no space for the new index version, Ctrl-C, any error) puts it back. A restored file
keeps its inode and modification time, so the index still matches the folder afterwards.

Hidden files (`.<name>.qa-new`, `.<name>.qa-old`) are what a process killed in the middle leaves behind: hidden,
so the folder's scan never reads them, and removed by the next write of the same file name. One write at a time
runs (the caller holds the index's build lock), so the names need nothing to tell writers apart. What a crash at
each point leaves is listed in the README ("Reliability and limits").
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType

from qa.errors import Conflict, InvalidRequest, NoSpace, disk_error
from qa.index.store import folder_size, fsync_dir

log = logging.getLogger("qa")

SPACE_MARGIN_BYTES = 64 << 10
"""Free space kept beyond what a write is known to need (directory entries, the manifest, file-system rounding)."""


def inside_folder(root: Path, relative: str) -> Path:
    """`root / relative`, checked before anything is created: it must resolve inside `root` (a link in the way may
    not lead out: 422), no folder may stand where the file goes, and no file where a folder must be (409)."""
    target = root / relative
    try:
        leads_out = not target.resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError):  # a loop of links
        leads_out = True
    if leads_out:
        raise InvalidRequest(f"'{relative}' leads outside the documents folder (through a link); choose another id")
    here = root
    for part in Path(relative).parts[:-1]:
        here = here / part
        if here.exists() and not here.is_dir():
            raise Conflict(f"'{here.relative_to(root).as_posix()}' is a file, so '{relative}' cannot be saved "
                           "under it; choose another id")
    if target.is_dir():
        raise Conflict(f"'{relative}' is a folder in the documents folder; choose another id")
    return target


def check_space(root: Path, index_dir: Path, current: Path | None, incoming: int) -> None:
    """Refuse a write the disks certainly cannot take (`NoSpace`) before anything is written: the file needs
    `incoming` bytes on the documents' disk, and the new index version at least as much as the current one
    (`current`) plus the file, beside it, on the index's disk (the old version is removed only after the swap)."""
    index_need = (folder_size(current) if current is not None else 0) + incoming
    needs = {root: incoming, index_dir: index_need}
    try:
        if os.stat(root).st_dev == os.stat(index_dir).st_dev:
            needs = {index_dir: incoming + index_need}
    except OSError:
        pass  # no index folder yet: checked where it will be
    for path, need in needs.items():
        try:
            free = shutil.disk_usage(path if path.exists() else path.parent).free
        except OSError:
            continue  # cannot tell: the write itself will say
        if free < need + SPACE_MARGIN_BYTES:
            raise NoSpace(path, "documents folder" if path == root else "index")


class FolderChange:
    """Steps taken in the documents folder, undone in reverse order unless the `with` block completes."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._undo: list[tuple[str, Path, Path | None]] = []  # (what, path, kept-aside copy)
        self._temporary: list[Path] = []
        self._ours: set[Path] = set()  # the hidden files this change made (never swept)

    def __enter__(self) -> FolderChange:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        for path in self._temporary:  # first: a folder made for the file is then empty again
            _remove(path)
        if kind is None:
            self._commit()
        else:
            self._rollback()

    def make_parents(self, target: Path) -> None:
        """Create the folders between the root and `target` that are missing."""
        missing = []
        here = target.parent
        while here != self.root and not here.exists():
            missing.append(here)
            here = here.parent
        for folder in reversed(missing):
            self._os(folder.mkdir)
            self._undo.append(("made", folder, None))

    def stage(self, target: Path, data: bytes) -> Path:
        """Write `data` beside `target` under a hidden name, flushed to disk; removed when the change ends. What
        killed writes left in that folder goes first (one write runs at a time, so any such file is stale)."""
        self._sweep(target.parent)
        staged = target.with_name(f".{target.name}.qa-new")
        self._temporary.append(staged)
        self._ours.add(staged)
        with _disk_errors(self.root), open(staged, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        return staged

    def put(self, staged: Path, target: Path) -> None:
        """Make the staged file `target`, in one rename; an existing `target` is kept aside until the commit."""
        kept = self._keep(target) if os.path.lexists(target) else None
        self._os(os.replace, staged, target)
        self._undo.append(("put", target, kept))
        self._os(fsync_dir, target.parent)

    def delete(self, path: Path) -> None:
        """Take `path` out of the folder, in one rename to a hidden name (deleted at the commit)."""
        self._sweep(path.parent)
        aside = self._aside(path)
        self._os(os.replace, path, aside)
        self._undo.append(("deleted", path, aside))
        self._os(fsync_dir, path.parent)

    def _keep(self, path: Path) -> Path:
        """A hidden hard link to `path`: the old file stays whole while the new one is renamed over it."""
        kept = self._aside(path)
        try:
            os.link(path, kept, follow_symlinks=False)
        except OSError:  # a file system without hard links: a copy (which says why when it fails too)
            self._os(shutil.copy2, path, kept, follow_symlinks=False)
        return kept

    def _aside(self, path: Path) -> Path:
        aside = path.with_name(f".{path.name}.qa-old")
        _remove(aside)  # left by a killed write of this article
        self._ours.add(aside)
        return aside

    def _sweep(self, folder: Path) -> None:
        """Remove what killed writes left in `folder` (hidden `.qa-new`, `.qa-old` files that are not this
        change's own): one write runs at a time, so any other is stale."""
        try:
            with os.scandir(folder) as entries:
                stale = [Path(entry.path) for entry in entries
                         if entry.name.startswith(".") and entry.name.endswith(_LEFTOVER_SUFFIXES)]
        except OSError:
            return  # a folder this write is about to create
        for path in stale:
            if path not in self._ours:
                _remove(path)

    def _commit(self) -> None:
        for _, _, kept in self._undo:
            if kept is not None:
                _remove(kept)
        for what, path, _ in self._undo:
            if what == "deleted":
                self._prune(path.parent)

    def _prune(self, folder: Path) -> None:
        """Remove `folder`, and its parents below the root, while they are empty: a sub-folder whose last article
        was deleted goes with it (as `git rm` takes it), never the documents folder itself. Best effort: the
        deletion is already committed, and a folder left empty is harmless."""
        while folder != self.root and folder.is_relative_to(self.root):
            try:
                folder.rmdir()  # only an empty folder: anything else in it (another file, a hidden one) keeps it
            except OSError:
                return
            folder = folder.parent

    def _rollback(self) -> None:
        for what, path, kept in reversed(self._undo):
            try:
                if what == "made":
                    path.rmdir()
                elif kept is not None:
                    os.replace(kept, path)
                else:
                    path.unlink(missing_ok=True)
            except OSError as error:  # keep undoing the other steps; say what could not be
                log.error("could not undo a step of a failed write (%s %s): %s", what, path, error)

    def _os(self, call: Callable[..., object], *args: object, **kwargs: object) -> None:
        with _disk_errors(self.root):
            call(*args, **kwargs)


@contextmanager
def _disk_errors(root: Path) -> Iterator[None]:
    """A write into the documents folder that fails for want of space or permission: `NoSpace`, `NotWritable`."""
    try:
        yield
    except OSError as error:
        found = disk_error(error, root, "documents folder")
        if found is None:
            raise
        raise found from None


_LEFTOVER_SUFFIXES = (".qa-new", ".qa-old")


def _remove(path: Path) -> None:
    if not os.path.lexists(path):
        return  # (on a read-only disk, unlinking a missing file is EROFS, not ENOENT)
    try:
        path.unlink(missing_ok=True)
    except OSError as error:
        log.warning("could not remove %s: %s", path, error)
