"""The index a running service or a `Collection` answers from, kept current without a failed question.

- **Reload.** Before every question, each worker process looks at the index folder's `CURRENT` (one `stat`, about
  a microsecond); when it was replaced (another worker added an article, `qa index` ran, the watcher rebuilt),
  the worker loads the version it names (memory-mapped, so this is quick) and swaps it in with one reference
  assignment: a question is answered entirely by the index it started with, and a question that arrives after a
  write was acknowledged, in any worker, is answered from the written version.
- **Writes.** `add` and `remove` change the documents folder (the source of truth: a restart finds the same
  corpus) and apply the change to the index incrementally (`qa.index.build.update_locked`), then swap; both or
  neither (`qa.index.folder_change`): a write that fails, for want of space or anything else, leaves the folder
  and the index as they were.
- **Watch.** `start_watching()` is told of changes to the documents folder by the operating system (the
  `watchfiles` package) and reconciles the index with the folder in the background (only changed files are
  read); questions keep being answered from the old index until the new one is swapped in.
"""

from __future__ import annotations

import glob
import logging
import os
import re
import threading
from collections.abc import Callable, Mapping
from pathlib import Path

from qa.config import Settings
from qa.corpus.extracted import metadata_day, one_line
from qa.corpus.read import read_article
from qa.corpus.scan import SINGLE_ARTICLE_SUFFIXES
from qa.dates import parse_date
from qa.errors import DocumentNotFound, InvalidRequest
from qa.index.build import BuildReport, update_locked
from qa.index.folder_change import FolderChange, check_space, inside_folder
from qa.index.reader import ArticleInfo, Index, load_index
from qa.index.reconcile import open_index
from qa.index.store import CURRENT, build_lock, current_version
from qa.models import Article

log = logging.getLogger("qa")

_NON_ASCII = (r"\u00a1-\u00ac\u00ae-\u061b\u061d-\u167f\u1681-\u180d\u180f-\u1fff\u2010-\u2027\u2030-\u205e"
              r"\u2070-\u2fff\u3001-\ud7ff\uf900-\ufefe\uff00-\uffef")
"""Letters and digits of every script (Übersicht, café, 東京, Москва: names the folder's own files have), written
as ranges that mean the same in Python's and JSON Schema's (ECMA-262) regexes: the characters from U+00A1 to
U+FFEF except white space, invisible and direction-changing format characters (U+00AD, U+061C the Arabic letter
mark, U+180E, U+200B-U+200F, U+202A-U+202E, U+2060-U+206F, U+FEFF), surrogates and private use. Characters beyond
U+FFFF are left out in both dialects (Python sees one character outside the ranges; ECMA two surrogates, also
outside)."""
_ID_SEGMENT = rf"[A-Za-z0-9{_NON_ASCII}](?:[A-Za-z0-9._ {_NON_ASCII}-]*[A-Za-z0-9._{_NON_ASCII}-])?"
DOCUMENT_ID_PATTERN = rf"^{_ID_SEGMENT}(?:/{_ID_SEGMENT})*$"
"""What a written document's id may be: folder names and a file name joined by '/', each starting with a letter or
digit (of any script) and not ending in a space (so no '..', no hidden files). The HTTP schema states the same
pattern."""
DOCUMENT_ID_RULE = "use letters, digits, '.', '_', '-', ' ' and '/' between folder names (at most 200 characters)"
_DOCUMENT_ID = re.compile(DOCUMENT_ID_PATTERN)


def markdown_article(title: str, text: str, origin: Mapping[str, str | None]) -> bytes:
    """An article written through the API, as the Markdown file it is saved as: front matter for its title and
    `date`, `url`, `author` (so they reach citations), then its text. InvalidRequest for a date the reader could
    not read (2024-13-01), which would otherwise be dropped from an acknowledged article."""
    given = origin.get("date")
    if given and metadata_day(date := one_line(given)) is None:
        # the reader would drop it with a warning: refuse it now, rather than acknowledge an article left undated
        try:
            parse_date(date)  # for its reason ("month must be in 1..12")
        except ValueError as error:
            raise InvalidRequest(f"date: {error}") from None
    lines = ["---", f"title: {one_line(title)}"]
    for key in ("date", "url", "author"):
        value = origin.get(key)
        if value:
            lines.append(f"{key}: {one_line(value)}")
    return ("\n".join(lines) + "\n---\n\n" + text.strip() + "\n").encode("utf-8")


def upload_target(filename: str) -> tuple[str, str]:
    """(document id, suffix) an uploaded file is saved under: its own name, in the documents folder's top level;
    InvalidRequest for a type that is not one article per file."""
    name = Path(filename.replace("\\", "/")).name
    stem, dot, suffix = name.rpartition(".")
    if not dot or f".{suffix.lower()}" not in SINGLE_ARTICLE_SUFFIXES:
        raise InvalidRequest(f"'{name}' is not a supported article file ({', '.join(SINGLE_ARTICLE_SUFFIXES)}; "
                             "put .jsonl feeds into the documents folder and run qa index or serve --watch)")
    return check_document_id(stem), f".{suffix.lower()}"


def check_document_id(document_id: str) -> str:
    """A document id usable as a relative path inside the documents folder, or InvalidRequest."""
    if len(document_id) > 200 or not _DOCUMENT_ID.fullmatch(document_id):
        raise InvalidRequest(f"invalid document id '{document_id[:200]}': {DOCUMENT_ID_RULE}")
    return document_id


class LiveIndex:
    """Owns the current `Index`; thread-safe for questions, serialises writes."""

    def __init__(self, settings: Settings, progress: bool = False,
                 on_build: Callable[[BuildReport], None] | None = None, warm: bool = False) -> None:
        """`warm`: load the stemmer with every index version (about a second, paid at start rather than by the
        first question with a word never seen): for a server, not for a one-question command."""
        self.settings = settings
        self._warm = warm
        self._write_lock = threading.Lock()
        self._pointer = settings.resolved_index_dir() / CURRENT
        self._pointer_seen = self._pointer_stamp()
        self._swap(open_index(settings, progress=progress, on_build=on_build), first=True)
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None

    @property
    def index(self) -> Index:
        """The index to answer the next question from (a newer version is picked up on the way)."""
        stamp = self._pointer_stamp()
        if stamp != self._pointer_seen:
            self._pointer_seen = stamp
            self._reload_if_newer()
        return self._index

    def _pointer_stamp(self) -> tuple[int, int] | None:
        """Which `CURRENT` file is in place: each swap renames a new file over it (a new inode, a later mtime)."""
        try:
            stat = os.stat(self._pointer)
        except OSError:
            return None
        return stat.st_ino, stat.st_mtime_ns

    def _reload_if_newer(self, written: Index | None = None) -> None:
        """Answer from the live version if it is not the one in use: `written`, this process's write, when it is
        still the live one (read back before it went live: not loaded again), else loaded."""
        folder = current_version(self.settings.resolved_index_dir())
        if folder is None or folder == self._index.path:
            return
        try:
            self._swap(written if written is not None and written.path == folder else load_index(folder))
        except Exception as error:  # a version being removed under us: keep answering from the one we have
            log.warning("could not load index version %s (%s); keeping the current one", folder.name, error)

    def _swap(self, index: Index, first: bool = False) -> None:
        if self._warm:
            index.languages.warm()  # a server pays NLTK's import (and the detector's load) at start, not in a request
        self._index = index
        if not first:  # the first is what the process was started on: its caller says so
            log.info("now answering from %s (%s passages)", index.path.name, index.manifest["passages"])

    # -- writes ---------------------------------------------------------------------------------------------

    def add_document(self, id: str, title: str, text: str, **origin: str | None) -> ArticleInfo:
        """Write an article into the documents folder as markdown and index it (replacing one with its id).

        `origin` may give `date`, `url` and `author`, written as front matter so they reach citations.
        """
        return self._write(check_document_id(id), ".md", markdown_article(title, text, origin))

    def add_file(self, filename: str, data: bytes) -> ArticleInfo:
        """Save an uploaded file into the documents folder under its own name and index it."""
        return self._write(*upload_target(filename), data)

    def _write(self, document_id: str, suffix: str, data: bytes) -> ArticleInfo:
        """Save the file and index it, all or nothing (`qa.index.folder_change`): on any failure the folder and
        the index stay exactly as they were. One write at a time: this process's threads wait on the lock, other
        processes on the index folder's build lock."""
        root = self.settings.documents
        index_dir = self.settings.resolved_index_dir()
        with self._write_lock, build_lock(index_dir):
            previous = self._info(document_id)
            refuse_feed_record(previous)
            target = inside_folder(root, f"{document_id}{suffix}")
            check_space(root, index_dir, current_version(index_dir), len(data))
            with FolderChange(root) as change:
                article = put_article(change, root, target, data, previous, self.settings.max_file_bytes)
                overwritten = [info.id for info in self._index.articles  # the file's article under another id
                               if info.source == article.source and info.id != article.id]
                written = update_locked(self.settings, added=[article], removed=overwritten)  # records only this file
            self._reload_if_newer(written.index)
            return self._index.articles[self._index.article_number(article.id)]

    def remove(self, document_id: str) -> ArticleInfo:
        """Delete the article's file from the documents folder and from the index, both or neither."""
        root = self.settings.documents
        with self._write_lock, build_lock(self.settings.resolved_index_dir()):
            info = self._info(document_id)
            if info is None:
                raise DocumentNotFound(f"no document with id '{document_id}'")
            refuse_feed_record(info)
            with FolderChange(root) as change:
                delete_article_file(change, root, info)
                written = update_locked(self.settings, added=[], removed=[document_id])
            self._reload_if_newer(written.index)
            return info

    def _info(self, document_id: str) -> ArticleInfo | None:
        self._reload_if_newer()
        index = self._index
        try:
            return index.articles[index.article_number(document_id)]
        except DocumentNotFound:
            return None

    # -- watching -------------------------------------------------------------------------------------------

    def start_watching(self, interval: float) -> None:
        """Watch the documents folder (watchfiles: inotify, FSEvents or ReadDirectoryChangesW; polling where the
        file system has no notifications, or with WATCHFILES_FORCE_POLLING=1) and reconcile the index with it
        after each burst of changes, in a background thread. `interval` (seconds) is how long a burst may last."""
        self._watcher = threading.Thread(target=self._watch, args=(interval,), name="qa-watch", daemon=True)
        self._watcher.start()

    def stop(self) -> None:
        self._stop.set()
        if self._watcher is not None:
            self._watcher.join(timeout=10)

    def _watch(self, interval: float) -> None:
        from watchfiles import watch

        settle = max(int(interval * 1000), 50)
        checked = False
        try:
            root = self.settings.documents.resolve()
            for changes in watch(root, watch_filter=_Visible(root), debounce=settle, step=50,
                                 stop_event=self._stop, rust_timeout=settle, yield_on_timeout=True,
                                 raise_interrupt=False):
                if changes or not checked:  # the first timeout: changes made before the watch began
                    checked = True
                    self._reconcile()
        except Exception as error:  # the folder itself went away: keep answering from the index we have
            log.warning("watch: stopped watching %s (%s)", self.settings.documents, error)

    def _reconcile(self) -> None:
        try:
            with self._write_lock:
                index = open_index(self.settings)  # reads only what changed (qa.index.reconcile)
                if index.path != self._index.path:
                    self._swap(index)
        except Exception as error:  # keep watching, keep answering from the index we have
            log.warning("watch: update failed (%s); still answering from the previous index", error)


class _Visible:
    """The changes worth a look: not of hidden files or folders inside the documents folder (a write's
    `.name.qa-new` and `.name.qa-old` files, editors' swap files)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def __call__(self, change: object, path: str) -> bool:
        try:
            parts = Path(path).relative_to(self.root).parts
        except ValueError:
            return True
        return not any(part.startswith(".") for part in parts)


def put_article(change: FolderChange, root: Path, target: Path, data: bytes, previous: ArticleInfo | None,
                max_bytes: int) -> Article:
    """Within `change`, write `data` as `target` and read it as the article the index gets; a file that cannot be
    indexed is refused (`InvalidRequest` naming it) before anything is in place. The file of the article it
    replaces (`previous`) goes when it had another name. Both writers (`LiveIndex`, the sharded one) write so."""
    source = target.relative_to(root).as_posix()
    change.make_parents(target)
    staged = change.stage(target, data)
    try:
        article = read_article(staged, source, root.resolve(), max_bytes=max_bytes,
                               base=written_id(root, source, previous))
    except Exception as error:  # the reason it cannot be indexed, said to the client
        raise InvalidRequest(f"cannot index '{target.name}': {error}") from None
    change.put(staged, target)
    if previous is not None and previous.source != article.source:
        change.delete(root / previous.source)
    return article


def delete_article_file(change: FolderChange, root: Path, info: ArticleInfo) -> None:
    """Within `change`, delete the file of the article `info`, if it is there and inside the folder."""
    path = root / info.source
    if os.path.lexists(path) and path.resolve().is_relative_to(root.resolve()):
        change.delete(path)


def written_id(root: Path, source: str, previous: ArticleInfo | None) -> str:
    """The document id a written file gets (`qa.corpus.scan.base_ids`): its path without extension, unless
    another file beside it shares that (then its whole path), the file it replaces aside."""
    stem = source.rsplit(".", 1)[0]
    folder = (root / source).parent
    name = Path(stem).name
    others = [path.relative_to(root).as_posix() for path in folder.glob(f"{glob.escape(name)}.*")
              if not path.name.startswith(".") and path.is_file()]
    others = [other for other in others if other.rsplit(".", 1)[0] == stem and other != source
              and (previous is None or other != previous.source)]
    return source if others else stem


def refuse_feed_record(info: ArticleInfo | None) -> None:
    """An article of a JSONL feed shares its file with others: it is changed by editing the feed."""
    if info is not None and info.source.lower().endswith(".jsonl"):
        raise InvalidRequest(f"document '{info.id}' is a record of {info.source}, which holds other articles too: "
                             "edit that file instead")
