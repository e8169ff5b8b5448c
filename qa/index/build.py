"""Build an index version of a documents folder, in full or as a live update of the current one.

    >>> report = build_index(Settings(documents=Path("documents")))                   # doctest: +SKIP
    >>> report.articles, report.passages                                                # doctest: +SKIP
    (2, 3)

`build_index` reads, chunks, analyses and indexes every article; `update_index` applies added and removed
articles to the live version without reading the others again, with every score equal to a full rebuild's. Both
write a new version and swap it in (`qa.index.store.swap_in`): a crash leaves the previous one in use.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path

import numpy as np

from qa.config import Settings
from qa.corpus.chunking import chunk_article, passage_spans, passage_words
from qa.corpus.read import read_articles
from qa.corpus.scan import ARTICLE_SUFFIXES, FileRecord, Scan, scan_documents
from qa.errors import EmptyCorpus, IndexFormatError
from qa.index.folder import FolderState, file_digest
from qa.index.reader import Index, load_index
from qa.index.store import build_lock, current_version, fingerprint, swap_in
from qa.index.writer import VersionWriter
from qa.models import Article, Chunk, SkippedFile
from qa.processes import die_with_parent
from qa.ranking.bm25 import BM25Params

log = logging.getLogger("qa")


@dataclass(frozen=True, slots=True)
class BuildReport:
    articles: int
    passages: int
    skipped: list[SkippedFile]
    seconds: float
    path: Path
    changes: str | None = None
    """For an incremental update of an index opened on a changed folder: "3 added, 1 changed, 1 removed"."""


def build_index(settings: Settings, scan: Scan | None = None, progress: bool = False) -> BuildReport:
    """Read, chunk, analyse and index the documents folder; swap the result in as the live index."""
    with build_lock(settings.resolved_index_dir()):
        return build_locked(settings, scan or scan_documents(settings.documents), progress)


def build_locked(settings: Settings, scan: Scan, progress: bool) -> BuildReport:
    """A full build (the caller holds the build lock)."""
    started = time.perf_counter()
    read = read_articles(scan, max_bytes=settings.max_file_bytes)
    state = FolderState(str(scan.root.resolve()), {record.source: record for record in read.records}, scan.others,
                        scan.started_ns)
    if not read.articles:
        raise EmptyCorpus(f"no readable article ({', '.join(ARTICLE_SUFFIXES)}) in {settings.documents}"
                          + (f" ({len(state.skipped())} file(s) skipped)" if state.skipped() else ""))

    bodies = [article.text[article.body_start:] for article in read.articles]
    words = passage_words(settings.chunk_words, sum(map(len, bodies)), lambda: bodies)

    def write(folder: Path) -> int:
        with VersionWriter(folder, settings, words) as version:
            with _chunked(read.articles, settings.chunk_overlap, words) as chunked:
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
            return version.finish(engine, state)

    folder, n_passages = swap_in(settings.resolved_index_dir(), write)
    return BuildReport(len(read.articles), n_passages, state.skipped(), time.perf_counter() - started, folder)


@dataclass(slots=True)
class Change:
    """What changes between the live version and the next: new articles (an article with the id of an old one
    replaces it), article ids to drop, files read again (all their old articles go), files gone, and the file
    records to set. `others` and `scanned_ns` replace the recorded ones when given (a scan of the whole folder);
    an API write gives neither, so it records only what it wrote."""

    articles: list[Article] = field(default_factory=list)
    removed_ids: set[str] = field(default_factory=set)
    reread_sources: set[str] = field(default_factory=set)
    removed_sources: set[str] = field(default_factory=set)
    records: dict[str, FileRecord] = field(default_factory=dict)
    others: list[SkippedFile] | None = None
    scanned_ns: int | None = None


def update_index(settings: Settings, added: list[Article], removed: list[str],
                 records: list[FileRecord] | None = None) -> BuildReport:
    """Apply added (or replaced: same id) and removed articles to the live index without re-reading the others.

    The caller has already written or deleted the files in the documents folder. The new version records only
    those files: `records` (by default each added article's file as it is now on disk), and the files of removed
    articles are forgotten; any other change in the folder is left for the next reconcile
    (`qa.index.reconcile.open_index`) to find. Kept passages keep their tokens (only the new articles are
    analysed); IDF, average length and weights are recomputed, so every score equals a full rebuild's. Without
    a usable live index built with these settings, this is a full build.
    """
    with build_lock(settings.resolved_index_dir()):
        return update_locked(settings, added, removed, records)


def update_locked(settings: Settings, added: list[Article], removed: list[str],
                  records: list[FileRecord] | None = None) -> BuildReport:
    """`update_index` for a caller that holds the build lock (a document write: file and index under one lock)."""
    old = usable_index(settings)
    if old is None:
        return build_locked(settings, scan_documents(settings.documents), progress=False)
    if records is None:
        records = [record for record in map(_record_on_disk(settings, old), added) if record is not None]
    dropped = set(removed) | {article.id for article in added}
    kept_sources = {info.source for info in old.articles if info.id not in dropped}
    kept_sources |= {article.source for article in added}
    gone = {info.source for info in old.articles if info.id in dropped} - kept_sources  # notes.txt -> notes.md
    change = Change(list(added), set(removed), removed_sources=gone,
                    records={record.source: record for record in records})
    return apply_change(settings, old, change)


def _record_on_disk(settings: Settings, old: Index) -> Callable[[Article], FileRecord | None]:
    """The record of an added article's file as it is now (stat and SHA-256); None when it is gone."""
    state = FolderState.of(old.manifest)

    def record(article: Article) -> FileRecord | None:
        path = settings.documents / article.source
        try:
            info = path.stat()
        except OSError:
            return None
        digest = file_digest(path)
        previous = state.records.get(article.source)
        base = article.id if previous is None or article.id == previous.base else previous.base
        return FileRecord(article.source, info.st_size, info.st_mtime_ns, digest, base)

    return record


def usable_index(settings: Settings) -> Index | None:
    """The live version when it can be updated in place: same format, settings and documents folder."""
    folder = current_version(settings.resolved_index_dir())
    if folder is None:
        return None
    try:
        index = load_index(folder)
    except IndexFormatError as error:
        log.warning("%s; rebuilding", error)
        return None
    if (index.manifest.get("settings") != fingerprint(settings)
            or index.manifest.get("documents") != str(settings.documents.resolve())):
        log.info("index in %s was built with other settings or for another folder; rebuilding", folder)
        return None
    return index


def apply_change(settings: Settings, old: Index, change: Change) -> BuildReport:
    """Write the next version from the live one (`old`) and `change`; the caller holds the build lock."""
    started = time.perf_counter()
    state = FolderState.of(old.manifest)
    gone = change.reread_sources | change.removed_sources
    drop = change.removed_ids | {article.id for article in change.articles}
    drop |= {info.id for info in old.articles if info.source in gone}
    for source in change.removed_sources:
        state.records.pop(source, None)
    state.records.update(change.records)
    if change.others is not None:
        state.others = list(change.others)
    if change.scanned_ns is not None:
        state.scanned_ns = change.scanned_ns
    keep_articles = [n for n, info in enumerate(old.articles) if info.id not in drop]
    added = [article.text[article.body_start:] for article in change.articles]
    offsets = old.text_offsets
    size = sum(int(offsets[n + 1] - offsets[n]) for n in keep_articles) + sum(map(len, added))
    words = passage_words(settings.chunk_words, size, lambda: [
        *(old.article_text(n)[old.articles[n].body_start:] for n in keep_articles), *added])
    if words != old.manifest.get("passage_words"):  # the folder grew past or fell below small: cut it again
        log.info("the folder's passage length changes (%s -> %s words); rebuilding", old.manifest.get(
            "passage_words"), words)
        return build_locked(settings, scan_documents(settings.documents), progress=False)
    keep = np.zeros(old.engine.n_docs, bool)
    for n in keep_articles:
        info = old.articles[n]
        keep[info.first_passage : info.first_passage + info.n_passages] = True

    def write(folder: Path) -> int:
        with VersionWriter(folder, settings, words, analyzer=old.analyzer, vocab=dict(old.all_terms)) as version:
            for n in keep_articles:
                version.add_kept(old, n)
            for article in change.articles:
                version.add_article(article)
            tokens, lengths = version.builder.arrays()
            engine = old.engine.updated(keep, tokens, lengths, len(version.builder.vocab))
            return version.finish(engine, state)

    folder, n_passages = swap_in(settings.resolved_index_dir(), write)
    return BuildReport(len(keep_articles) + len(change.articles), n_passages, state.skipped(),
                       time.perf_counter() - started, folder)


PARALLEL_CHUNKING_MIN = 200
"""A full build of at least this many articles chunks them in a second process (see `_chunked`)."""

_FORKED_ARTICLES: list[Article] = []  # what a forked chunking process reads (inherited, never pickled)


_STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}


def _chunker_start() -> None:
    """The chunking process ends with its parent, and leaves Ctrl-C and SIGTERM to it: a terminal (or `kill` of
    the process group) signals every process of the group, and the parent stops the build (the child's traceback
    would only be noise). The parent's stopping ends the child: the pool is shut down, or the parent dies.

    The child is forked with these signals blocked (`_forked_without_stop_signals`), so one that arrives while
    multiprocessing sets the child up, before this runs, waits; ignoring it here discards it."""
    die_with_parent()
    for signum in _STOP_SIGNALS:
        signal.signal(signum, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)


@contextmanager
def _forked_without_stop_signals() -> Iterator[None]:
    """Block SIGINT and SIGTERM in this thread while it forks the chunking process (the child inherits the mask
    and the parent's handlers, which would raise `Stopped` in the child); they are delivered to this process as
    soon as the fork is done."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _spans_of(number: int, chunk_words: int, overlap: int) -> list[tuple[int, int, tuple[tuple[int, int], ...]]]:
    return passage_spans(_FORKED_ARTICLES[number], chunk_words, overlap)


@contextmanager
def _chunked(articles: list[Article], overlap: int, cw: int) -> Iterator[Iterator[tuple[Article, list[Chunk]]]]:
    """Each article with its passages, in order.

    Chunking (sentence splitting) is about a third of a build's work and needs nothing from the rest, so for a big
    folder a second process chunks while this one analyses and writes: `qa index` of 1M passages went from 94 s
    to 51 s on 2 cores. The process is forked, so it shares the articles already read and only spans travel
    back; and only from a single-threaded process (`qa index`, `qa eval`, a script), since forking a process with
    other threads (a server rebuilding in the background) can deadlock the child. Elsewhere, chunking runs here.
    """
    if (len(articles) < PARALLEL_CHUNKING_MIN or (os.cpu_count() or 1) < 2 or threading.active_count() > 1
            or "fork" not in multiprocessing.get_all_start_methods()):
        yield ((article, chunk_article(article, cw, overlap)) for article in articles)
        return
    global _FORKED_ARTICLES
    _FORKED_ARTICLES = articles
    try:
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"),
                                 initializer=_chunker_start) as pool:
            with _forked_without_stop_signals():  # the first submit forks the process
                spans = pool.map(_spans_of, range(len(articles)), repeat(cw), repeat(overlap), chunksize=16)
            try:
                yield ((article, [Chunk(article.id, number, start, end, article.text[start:end], sentences)
                                  for number, (start, end, sentences) in enumerate(rows, start=1)])
                       for article, rows in zip(articles, spans, strict=False))
            except BaseException:  # a failed build stops now, not once the child has chunked everything
                pool.shutdown(wait=False, cancel_futures=True)
                raise
    finally:
        _FORKED_ARTICLES = []


def _progress_bar(total: int, enabled: bool):  # type: ignore[no-untyped-def]
    """A tqdm bar on stderr when it is a terminal (files, passages, files/s); None otherwise (quiet in pipes)."""
    if not enabled or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc="indexing", unit=" files", file=sys.stderr, dynamic_ncols=True)
