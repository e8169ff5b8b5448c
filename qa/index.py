"""Build, save, load and refresh the on-disk index of a documents folder.

An index folder holds versions side by side and a `CURRENT` file naming the live one:

    index_dir/
      CURRENT                 -> "v-20261124T211500-1234"  (replaced atomically with os.replace)
      v-20261124T211500-1234/
        manifest.json         format, settings fingerprint, file stamps, counts, build time, and the size and
                              CRC-32 of every other file (checked on load: a damaged version is rebuilt)
        articles.json         id, title, source, body_start, byte offset of the text, first passage
        texts.bin             every article's text, UTF-8, concatenated
        passages.npy          per passage: article, start, end (character offsets), number
        sentences.npy         the passages' sentence spans, relative to the passage start (int32 pairs), and
        sentence_ptr.npy      where each passage's sentences start in them (the best sentence is chosen from
                              these: answering never splits sentences again)
        sequences.npy         every passage's term ids in order, as indexed (int32), and
        sequence_ptr.npy      where each passage's start: the positions `qa.proximity` looks at
        vocab.json            terms in id order, and the analyzer's word -> term cache
        engine/               the SparseBM25 arrays (memory-mapped on load)

A build writes a new version folder completely, then swaps `CURRENT`: a crash mid-build leaves the previous index
in use. `open_index` reuses the live version when its manifest matches the current files and settings, and
rebuilds otherwise (an index built with other settings is never silently reused).
"""

from __future__ import annotations

import fcntl
import json
import re
import logging
import multiprocessing
import os
import shutil
import signal
import sys
import threading
import time
import zlib
from array import array
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from itertools import repeat
from pathlib import Path
from typing import Any

import numpy as np

from qa.analysis import ANALYZER_VERSION, Analyzer
from qa.bm25 import BM25Params
from qa.chunking import chunk_article, passage_spans
from qa.config import Settings
from qa.engine import EngineBuilder, SparseBM25, load_array
from qa.errors import DocumentNotFound, EmptyCorpus, IndexFormatError
from qa.ingest import Scan, read_articles, scan_documents
from qa.models import Article, Filter, Passage, SkippedFile

log = logging.getLogger("qa")

INDEX_FORMAT = 6
_CURRENT = "CURRENT"
_PASSAGE_FIELDS = 4  # article, start, end, number


@dataclass(frozen=True, slots=True)
class ArticleInfo:
    """An article's metadata as kept in the index (its text stays on disk until asked for)."""

    id: str
    source: str
    title: str
    body_start: int
    first_passage: int
    n_passages: int
    meta: dict[str, str]
    page_starts: list[int]
    title_terms: int = 0
    """Terms the title puts before each passage's own in the index (0 without `title_in_passages`)."""


@dataclass(frozen=True, slots=True)
class BuildReport:
    articles: int
    passages: int
    skipped: list[SkippedFile]
    seconds: float
    path: Path


class Index:
    """A loaded index: the engine, the vocabulary, and the articles and passages to cite."""

    def __init__(self, path: Path, manifest: dict[str, Any], articles: list[ArticleInfo], texts: np.ndarray,
                 text_offsets: np.ndarray, passages: np.ndarray, sentences: np.ndarray, sentence_ptr: np.ndarray,
                 sequences: np.ndarray, sequence_ptr: np.ndarray, vocab: dict[str, int], engine: SparseBM25,
                 analyzer: Analyzer) -> None:
        self.path = path
        self.manifest = manifest
        self.articles = articles
        self.texts = texts
        self.text_offsets = text_offsets
        self.passages = passages
        self.sentences = sentences
        self.sentence_ptr = sentence_ptr
        self.sequences = sequences
        self.sequence_ptr = sequence_ptr
        self.title_terms = np.fromiter((info.title_terms for info in articles), np.int64, len(articles))
        self.vocab = vocab
        self.engine = engine
        self.analyzer = analyzer
        self._by_id = {info.id: number for number, info in enumerate(articles)}
        self._filters: dict[Filter, np.ndarray] = {}
        self._recent_texts: dict[int, str] = {}
        self._text_bytes = memoryview(texts)  # decoding from it copies the bytes once, not twice
        self._ascii_chars: list[int] = [-1] * len(articles)  # see `article_window`; -1: not looked at yet
        self._subjects: dict[str, frozenset[str]] = {}

    def allowed(self, where: Filter) -> np.ndarray | None:
        """A uint8 flag per passage: 1 where the passage's article passes the filter (None: no filter)."""
        if not where:
            return None
        cached = self._filters.get(where)
        if cached is None:
            keep = np.fromiter((_passes(info, where) for info in self.articles), np.uint8, len(self.articles))
            cached = keep[np.asarray(self.passages[:, 0])]
            if len(self._filters) >= 64:
                self._filters.clear()  # as for texts: simple and thread-safe
            self._filters[where] = cached
        return cached

    @property
    def skipped(self) -> list[SkippedFile]:
        return [SkippedFile(**item) for item in self.manifest.get("skipped", [])]

    def term_ids(self, terms: list[str]) -> list[int]:
        """Ids of the terms the corpus knows; unknown terms are dropped."""
        vocab = self.vocab
        return [vocab[t] for t in terms if t in vocab]

    def article_number(self, document_id: str) -> int:
        try:
            return self._by_id[document_id]
        except KeyError:
            raise DocumentNotFound(f"no document with id '{document_id}'") from None

    def article_text(self, number: int) -> str:
        """The article as read from its file (decoded from the memory-mapped text store; recent ones cached)."""
        text = self._recent_texts.get(number)
        if text is None:
            start, end = self.text_offsets[number], self.text_offsets[number + 1]
            text = bytes(self.texts[start:end]).decode("utf-8")
            if len(self._recent_texts) >= 256:
                self._recent_texts.clear()  # simple and thread-safe; a miss costs one decode
            self._recent_texts[number] = text
        return text

    def article_window(self, number: int, start: int, end: int) -> tuple[str, int]:
        """`(text, base)`: `text` is the article's text from offset `base`, at most `start - 1` (or 0), to `end` or
        further. It holds the passage (`start`, `end`) with the character before it: all a hit's evidence reads.

        Decoding the whole article for each hit cost about a tenth of building the hit (8 µs for the 37 KB
        articles of the 1M benchmark), so where an article starts with ASCII, in which characters and bytes have
        the same offsets, a passage there is decoded alone; a passage beyond gets the whole article (`article_text`).
        """
        ascii_chars = self._ascii_chars[number]
        if ascii_chars < 0:
            ascii_chars = self._ascii_start(number)
        if end > ascii_chars:
            return self.article_text(number), 0
        base = max(start - 1, 0)
        offset = int(self.text_offsets[number])
        return str(self._text_bytes[offset + base : offset + end], "ascii"), base

    def _ascii_start(self, number: int) -> int:
        """How many characters the article starts with that are ASCII (remembered: looked at once per article)."""
        start, end = self.text_offsets[number : number + 2].tolist()
        data = bytes(self._text_bytes[start:end])
        found = len(data) if data.isascii() else _NOT_ASCII.search(data).start()  # type: ignore[union-attr]
        self._ascii_chars[number] = found  # a list item: thread-safe, and the same whoever writes it
        return found

    def subject_terms(self, title: str) -> frozenset[str]:
        """The terms of an article's title (recent ones cached: the best sentence of every hit needs them)."""
        terms = self._subjects.get(title)
        if terms is None:
            terms = frozenset(self.analyzer.terms(title))
            if len(self._subjects) >= 16_384:
                self._subjects.clear()  # as for texts: simple and thread-safe
            self._subjects[title] = terms
        return terms

    def passage(self, passage_id: int) -> tuple[int, int, int, int]:
        """(article number, start, end, passage number) of a passage."""
        article, start, end, number = self.passages[passage_id].tolist()
        return article, start, end, number

    def passage_sentences(self, passage_id: int, start: int) -> list[tuple[int, int]]:
        """Article spans of the sentences of the passage `passage_id`, which starts at `start`."""
        first, last = self.sentence_ptr[passage_id : passage_id + 2].tolist()
        return [(start + a, start + z) for a, z in self.sentences[first:last].tolist()]


_NOT_ASCII = re.compile(rb"[\x80-\xff]")


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def iso_date(value: str | None) -> str | None:
    """The YYYY-MM-DD that starts `value`, or None when it does not start with one."""
    if value and _ISO_DATE.match(value):
        return value[:10]
    return None


def _passes(info: ArticleInfo, where: Filter) -> bool:
    if where.source_prefix and not info.source.startswith(where.source_prefix):
        return False
    if where.date_from or where.date_to:
        date = iso_date(info.meta.get("date"))
        if date is None or (where.date_from and date < where.date_from) or (where.date_to and date > where.date_to):
            return False
    return True


# -- building ----------------------------------------------------------------------------------------------


def build_index(settings: Settings, scan: Scan | None = None, progress: bool = False) -> BuildReport:
    """Read, chunk, analyse and index the documents folder; swap the result in as the live index."""
    index_dir = settings.resolved_index_dir()
    index_dir.mkdir(parents=True, exist_ok=True)
    with _build_lock(index_dir):
        return _build(settings, scan or scan_documents(settings.documents), progress)


def _build(settings: Settings, scan: Scan, progress: bool) -> BuildReport:
    """A full build (the caller holds the build lock)."""
    started = time.perf_counter()
    read = read_articles(scan, max_bytes=settings.max_file_bytes)
    if not read.articles:
        raise EmptyCorpus(f"no readable .txt or .md article in {settings.documents}"
                          + (f" ({len(read.skipped)} file(s) skipped)" if read.skipped else ""))

    def write(folder: Path) -> int:
        version = _VersionWriter(folder, settings)
        with _chunked(read.articles, settings) as chunked:
            bar = _progress_bar(len(read.articles), progress)
            for article, passages in chunked:
                version.add_article(article, passages)
                if bar is not None:
                    bar.update(1)
                    if bar.n % 50 == 0 or bar.n == bar.total:
                        bar.set_postfix(passages=len(version.builder), refresh=False)
            if bar is not None:
                bar.close()
        engine = version.builder.build(BM25Params(settings.k1, settings.b, settings.epsilon))
        return version.finish(engine, scan, read.skipped)

    folder, n_passages = _swap_in(settings.resolved_index_dir(), write)
    return BuildReport(len(read.articles), n_passages, read.skipped, time.perf_counter() - started, folder)


def update_index(settings: Settings, added: list[Article], removed: list[str]) -> BuildReport:
    """Apply added (or replaced: same id) and removed articles to the live index without re-reading the others.

    The caller has already written or deleted the files in the documents folder; the new version records the
    folder as it now is. Kept passages keep their tokens (only the new articles are analysed); IDF, average
    length and weights are recomputed, so every score equals a full rebuild's. Without a usable live index
    built with these settings, this is a full build.
    """
    started = time.perf_counter()
    index_dir = settings.resolved_index_dir()
    index_dir.mkdir(parents=True, exist_ok=True)
    with _build_lock(index_dir):
        scan = scan_documents(settings.documents)
        folder = current_version(index_dir)
        try:
            old = load_index(folder) if folder is not None else None
        except IndexFormatError as error:
            log.warning("%s; rebuilding", error)
            old = None
        if old is None or old.manifest.get("settings") != _fingerprint(settings):
            return _build(settings, scan, progress=False)
        drop = set(removed) | {article.id for article in added}
        keep_articles = [n for n, info in enumerate(old.articles) if info.id not in drop]
        keep = np.zeros(old.engine.n_docs, bool)
        for n in keep_articles:
            info = old.articles[n]
            keep[info.first_passage : info.first_passage + info.n_passages] = True

        def write(folder: Path) -> int:
            version = _VersionWriter(folder, settings, analyzer=old.analyzer, vocab=dict(old.vocab))
            for n in keep_articles:
                version.add_kept(old, n)
            for article in added:
                version.add_article(article)
            tokens, lengths = version.builder.arrays()
            engine = old.engine.updated(keep, tokens, lengths, len(version.builder.vocab))
            return version.finish(engine, scan, old.skipped)

        folder, n_passages = _swap_in(index_dir, write)
    return BuildReport(len(keep_articles) + len(added), n_passages, old.skipped, time.perf_counter() - started, folder)


PARALLEL_CHUNKING_MIN = 200
"""A full build of at least this many articles chunks them in a second process (see `_chunked`)."""

_FORKED_ARTICLES: list[Article] = []  # what a forked chunking process reads (inherited, never pickled)


def die_with_parent() -> None:
    """Linux: this (child) process is killed when its parent dies: a killed build or server leaves no orphan."""
    try:
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _spans_of(number: int, chunk_words: int, overlap: int) -> list[tuple[int, int, tuple[tuple[int, int], ...]]]:
    return passage_spans(_FORKED_ARTICLES[number], chunk_words, overlap)


@contextmanager
def _chunked(articles: list[Article], settings: Settings) -> Iterator[Iterator[tuple[Article, list[Passage]]]]:
    """Each article with its passages, in order.

    Chunking (sentence splitting) is about a third of a build's work and needs nothing from the rest, so for a big
    folder a second process chunks while this one analyses and writes: `qa index` of 1M passages went from 94 s
    to 51 s on 2 cores. The process is forked, so it shares the articles already read and only spans travel
    back; and only from a single-threaded process (`qa index`, `qa eval`, a script), since forking a process with
    other threads (a server rebuilding in the background) can deadlock the child. Elsewhere, chunking runs here.
    """
    cw, overlap = settings.chunk_words, settings.chunk_overlap
    if (len(articles) < PARALLEL_CHUNKING_MIN or (os.cpu_count() or 1) < 2 or threading.active_count() > 1
            or "fork" not in multiprocessing.get_all_start_methods()):
        yield ((article, chunk_article(article, cw, overlap)) for article in articles)
        return
    global _FORKED_ARTICLES
    _FORKED_ARTICLES = articles
    try:
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"),
                                 initializer=die_with_parent) as pool:
            spans = pool.map(_spans_of, range(len(articles)), repeat(cw), repeat(overlap), chunksize=16)
            try:
                yield ((article, [Passage(article.id, number, start, end, article.text[start:end], sentences)
                                  for number, (start, end, sentences) in enumerate(rows, start=1)])
                       for article, rows in zip(articles, spans))
            except BaseException:  # a failed build stops now, not once the child has chunked everything
                pool.shutdown(wait=False, cancel_futures=True)
                raise
    finally:
        _FORKED_ARTICLES = []


def _swap_in(index_dir: Path, write: Callable[[Path], int]) -> tuple[Path, int]:
    """Write a version into a staging folder, rename it complete, then point CURRENT at it (atomically)."""
    version = index_dir / f"v-{datetime.now(timezone.utc):%Y%m%dT%H%M%S%f}-{os.getpid()}"
    staging = version.with_name(version.name + ".partial")
    try:
        n_passages = write(staging)
        _fsync_dir(staging)
        _fsync_dir(staging / "engine")
        staging.rename(version)
        _point_current(index_dir, version.name)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _remove_old_versions(index_dir, keep=version.name)
    return version, n_passages


class _VersionWriter:
    """Accumulates one index version: article texts and metadata, passage rows, and the engine's tokens."""

    def __init__(self, folder: Path, settings: Settings, analyzer: Analyzer | None = None,
                 vocab: dict[str, int] | None = None) -> None:
        folder.mkdir(parents=True)
        self.folder = folder
        self.settings = settings
        self.analyzer = analyzer or Analyzer()
        self.builder = EngineBuilder(vocab)
        self.rows = array("q")  # article, start, end, number; flattened
        self.sentence_rows = array("i")  # sentence start, end (relative to the passage start); flattened
        self.sentence_ptr = array("q", [0])
        self.kept_sequences = array("i")  # term ids of kept passages (new ones are in the builder), and their lengths
        self.kept_lengths = array("q")
        self.infos: list[dict[str, Any]] = []
        self.text_offsets = [0]
        self._texts = open(folder / "texts.bin", "wb")
        self._n_passages = 0
        self._added = False

    def _add_text(self, encoded: bytes) -> None:
        self._texts.write(encoded)
        self.text_offsets.append(self.text_offsets[-1] + len(encoded))

    def add_article(self, article: Article, passages: list[Passage] | None = None) -> None:
        """Chunk (unless `passages` are given, see `_chunked`) and analyse a new article."""
        settings, analyzer = self.settings, self.analyzer
        number = len(self.infos)
        self._added = True
        if passages is None:
            passages = chunk_article(article, settings.chunk_words, settings.chunk_overlap)
        title_ids = self.builder.ids_of(article.title, analyzer) if settings.title_in_passages else []
        self.infos.append({"id": article.id, "source": article.source, "title": article.title,
                           "body_start": article.body_start, "first_passage": self._n_passages,
                           "n_passages": len(passages), "meta": article.meta,
                           "page_starts": list(article.page_starts), "title_terms": len(title_ids)})
        for passage in passages:
            self.builder.add_text(passage.text, analyzer, prefix=title_ids)
            self.rows.extend((number, passage.start, passage.end, passage.number))
            base = passage.start
            self.sentence_rows.extend([offset - base for span in passage.sentences for offset in span])
            self.sentence_ptr.append(self.sentence_ptr[-1] + len(passage.sentences))
        self._n_passages += len(passages)
        self._add_text(article.text.encode("utf-8"))

    def add_kept(self, old: Index, old_number: int) -> None:
        """Carry an article of the previous version over unchanged (its postings are kept by the engine)."""
        if self._added:
            raise RuntimeError("kept articles come before new ones (passage order must match the engine's)")
        info = old.articles[old_number]
        number = len(self.infos)
        self.infos.append({**asdict(info), "first_passage": self._n_passages})
        rows = np.array(old.passages[info.first_passage : info.first_passage + info.n_passages], np.int64)
        rows[:, 0] = number
        self.rows.extend(rows.ravel().tolist())
        pointers = old.sentence_ptr[info.first_passage : info.first_passage + info.n_passages + 1]
        first = int(pointers[0])
        self.sentence_rows.extend(np.asarray(old.sentences[first : int(pointers[-1])]).ravel().tolist())
        self.sentence_ptr.extend((pointers[1:] - first + self.sentence_ptr[-1]).tolist())
        bounds = old.sequence_ptr[info.first_passage : info.first_passage + info.n_passages + 1]
        self.kept_sequences.extend(old.sequences[int(bounds[0]) : int(bounds[-1])].tolist())
        self.kept_lengths.extend(np.diff(bounds).tolist())
        self._n_passages += info.n_passages
        start, end = old.text_offsets[old_number], old.text_offsets[old_number + 1]
        self._add_text(bytes(old.texts[start:end]))

    def finish(self, engine: SparseBM25, scan: Scan, skipped: list[SkippedFile]) -> int:
        self._texts.close()
        folder = self.folder
        engine.save(folder / "engine")
        np.save(folder / "passages.npy", np.frombuffer(self.rows, np.int64).reshape(-1, _PASSAGE_FIELDS))
        np.save(folder / "text_offsets.npy", np.asarray(self.text_offsets, np.int64))
        np.save(folder / "sentences.npy", np.frombuffer(self.sentence_rows, np.int32).reshape(-1, 2))
        np.save(folder / "sentence_ptr.npy", np.frombuffer(self.sentence_ptr, np.int64))
        tokens, lengths = self.builder.arrays()
        if self.kept_lengths:
            tokens = np.concatenate([np.frombuffer(self.kept_sequences, np.int32), tokens])
            lengths = np.concatenate([np.frombuffer(self.kept_lengths, np.int64), lengths])
        np.save(folder / "sequences.npy", tokens)
        sequence_ptr = np.zeros(len(lengths) + 1, np.int64)
        np.cumsum(lengths, out=sequence_ptr[1:])
        np.save(folder / "sequence_ptr.npy", sequence_ptr)
        _write_json(folder / "articles.json", self.infos)
        _write_json(folder / "vocab.json", {"terms": list(self.builder.vocab),
                                            "analysis_cache": self.analyzer.export_cache()})
        manifest = {
            "format": INDEX_FORMAT,
            "settings": _fingerprint(self.settings),
            "documents": str(scan.root.resolve()),
            "files": scan.fingerprint(),
            "articles": len(self.infos),
            "passages": self._n_passages,
            "terms": len(self.builder.vocab),
            "skipped": [{"source": s.source, "reason": s.reason} for s in skipped],
            "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "checksums": {path.relative_to(folder).as_posix(): [path.stat().st_size, _crc32(path, sync=True)]
                          for path in sorted(folder.rglob("*")) if path.is_file()},
        }
        _write_json(folder / "manifest.json", manifest)  # written last: its presence marks a complete version
        return self._n_passages


def _progress_bar(total: int, enabled: bool):  # type: ignore[no-untyped-def]
    """A tqdm bar on stderr when it is a terminal (files, passages, files/s); None otherwise (quiet in pipes)."""
    if not enabled or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc="indexing", unit=" files", file=sys.stderr, dynamic_ncols=True)


def folder_size(folder: Path) -> int:
    """Bytes on disk of the files of an index version."""
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def _fingerprint(settings: Settings) -> dict[str, Any]:
    return {**settings.index_fingerprint(), "analyzer": ANALYZER_VERSION, "format": INDEX_FORMAT}


def _crc32(path: Path, sync: bool = False) -> int:
    """CRC-32 of a file (zlib's, about 2.5 GB/s), read in 16 MB pieces; `sync` also flushes it to disk."""
    crc = 0
    with open(path, "rb") as handle:
        while piece := handle.read(1 << 24):
            crc = zlib.crc32(piece, crc)
        if sync:
            os.fsync(handle.fileno())
    return crc


def _fsync_dir(folder: Path) -> None:
    """Make a folder's entries (new files, renames) durable."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _verify_files(folder: Path, checksums: dict[str, list[int]]) -> None:
    """Every file the manifest lists has its recorded size and CRC-32: a truncated or damaged file is refused."""
    for name, (size, crc) in checksums.items():
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


def _write_json(path: Path, data: Any) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=False)
        handle.flush()
        os.fsync(handle.fileno())


def _point_current(index_dir: Path, name: str) -> None:
    """Make `name` the live version: write the pointer aside, flush it, rename it over CURRENT, flush the folder."""
    pointer = index_dir / f"{_CURRENT}.{os.getpid()}.tmp"
    with open(pointer, "w") as handle:
        handle.write(name)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(pointer, index_dir / _CURRENT)
    _fsync_dir(index_dir)


def _remove_old_versions(index_dir: Path, keep: str) -> None:
    """Delete every other version, and pointer files left by a build killed before its swap."""
    for child in index_dir.iterdir():
        if child.is_dir() and child.name.startswith("v-") and child.name != keep:
            shutil.rmtree(child, ignore_errors=True)  # open memory maps stay valid on POSIX
        elif child.name.startswith(f"{_CURRENT}.") and child.name.endswith(".tmp"):
            child.unlink(missing_ok=True)


@contextmanager
def _build_lock(index_dir: Path) -> Iterator[None]:
    """One builder per index folder at a time (other processes wait)."""
    with open(index_dir / "build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


# -- loading -----------------------------------------------------------------------------------------------


def current_version(index_dir: Path) -> Path | None:
    """The live version folder, or None when there is none yet."""
    try:
        name = (index_dir / _CURRENT).read_text().strip()
    except OSError:
        return None
    folder = index_dir / name
    return folder if (folder / "manifest.json").is_file() else None


def load_index(folder: Path) -> Index:
    """Open one version folder (arrays memory-mapped)."""
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        if manifest.get("format") != INDEX_FORMAT:
            raise IndexFormatError(f"index format {manifest.get('format')} is not {INDEX_FORMAT}")
        _verify_files(folder, manifest["checksums"])
        articles = [ArticleInfo(**item) for item in json.loads((folder / "articles.json").read_text("utf-8"))]
        vocab_file = json.loads((folder / "vocab.json").read_text(encoding="utf-8"))
        passages = load_array(folder / "passages.npy")
        sentences = load_array(folder / "sentences.npy")
        sentence_ptr = load_array(folder / "sentence_ptr.npy")
        sequences = load_array(folder / "sequences.npy")
        sequence_ptr = load_array(folder / "sequence_ptr.npy")
        text_offsets = np.load(folder / "text_offsets.npy")
        texts = (np.memmap(folder / "texts.bin", dtype=np.uint8, mode="r").view(np.ndarray) if text_offsets[-1]
                 else np.empty(0, np.uint8))
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise IndexFormatError(f"cannot open index in {folder}: {error}") from None
    engine = SparseBM25.load(folder / "engine")
    if (len(passages) != engine.n_docs or len(passages) != manifest["passages"]
            or len(sentence_ptr) != len(passages) + 1 or sentence_ptr[-1] != len(sentences)
            or len(sequence_ptr) != len(passages) + 1 or sequence_ptr[-1] != len(sequences)):
        raise IndexFormatError(f"index in {folder} is inconsistent (passages do not match the engine)")
    analyzer = Analyzer()
    analyzer.preload(vocab_file["analysis_cache"])
    vocab = {term: number for number, term in enumerate(vocab_file["terms"])}
    return Index(folder, manifest, articles, texts, text_offsets, passages, sentences, sentence_ptr, sequences,
                 sequence_ptr, vocab, engine, analyzer)


def open_index(settings: Settings, progress: bool = False,
               on_build: Callable[[BuildReport], None] | None = None) -> Index:
    """The index of `settings.documents`: the saved one when it is up to date, else a fresh build."""
    scan = scan_documents(settings.documents)
    index_dir = settings.resolved_index_dir()
    index = _load_if_current(index_dir, settings, scan)
    if index is not None:
        return index
    index_dir.mkdir(parents=True, exist_ok=True)
    with _build_lock(index_dir):
        index = _load_if_current(index_dir, settings, scan)  # another process may have built it meanwhile
        if index is not None:
            return index
        report = _build(settings, scan, progress)
    if on_build is not None:
        on_build(report)
    return load_index(report.path)


def _load_if_current(index_dir: Path, settings: Settings, scan: Scan) -> Index | None:
    folder = current_version(index_dir)
    if folder is None:
        return None
    try:
        index = load_index(folder)
    except IndexFormatError as error:
        log.warning("%s; rebuilding", error)
        return None
    if _is_current(index.manifest, settings, scan):
        return index
    log.info("index in %s is out of date; rebuilding", folder)
    return None


def _is_current(manifest: dict[str, Any], settings: Settings, scan: Scan) -> bool:
    return (manifest.get("settings") == _fingerprint(settings)
            and manifest.get("documents") == str(scan.root.resolve())
            and manifest.get("files") == scan.fingerprint())
