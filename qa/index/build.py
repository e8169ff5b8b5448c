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
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import repeat
from pathlib import Path

import numpy as np

from qa.config import Settings
from qa.corpus.chunking import chunk_article, passage_spans
from qa.corpus.read import read_articles
from qa.corpus.scan import Scan, scan_documents
from qa.errors import EmptyCorpus, IndexFormatError
from qa.index.reader import load_index
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


def build_index(settings: Settings, scan: Scan | None = None, progress: bool = False) -> BuildReport:
    """Read, chunk, analyse and index the documents folder; swap the result in as the live index."""
    index_dir = settings.resolved_index_dir()
    index_dir.mkdir(parents=True, exist_ok=True)
    with build_lock(index_dir):
        return build_locked(settings, scan or scan_documents(settings.documents), progress)


def build_locked(settings: Settings, scan: Scan, progress: bool) -> BuildReport:
    """A full build (the caller holds the build lock)."""
    started = time.perf_counter()
    read = read_articles(scan, max_bytes=settings.max_file_bytes)
    if not read.articles:
        raise EmptyCorpus(f"no readable .txt or .md article in {settings.documents}"
                          + (f" ({len(read.skipped)} file(s) skipped)" if read.skipped else ""))

    def write(folder: Path) -> int:
        with VersionWriter(folder, settings) as version:
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

    folder, n_passages = swap_in(settings.resolved_index_dir(), write)
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
    with build_lock(index_dir):
        scan = scan_documents(settings.documents)
        folder = current_version(index_dir)
        try:
            old = load_index(folder) if folder is not None else None
        except IndexFormatError as error:
            log.warning("%s; rebuilding", error)
            old = None
        if old is None or old.manifest.get("settings") != fingerprint(settings):
            return build_locked(settings, scan, progress=False)
        drop = set(removed) | {article.id for article in added}
        keep_articles = [n for n, info in enumerate(old.articles) if info.id not in drop]
        keep = np.zeros(old.engine.n_docs, bool)
        for n in keep_articles:
            info = old.articles[n]
            keep[info.first_passage : info.first_passage + info.n_passages] = True

        def write(folder: Path) -> int:
            with VersionWriter(folder, settings, analyzer=old.analyzer, vocab=dict(old.vocab)) as version:
                for n in keep_articles:
                    version.add_kept(old, n)
                for article in added:
                    version.add_article(article)
                tokens, lengths = version.builder.arrays()
                engine = old.engine.updated(keep, tokens, lengths, len(version.builder.vocab))
                return version.finish(engine, scan, old.skipped)

        folder, n_passages = swap_in(index_dir, write)
    return BuildReport(len(keep_articles) + len(added), n_passages, old.skipped, time.perf_counter() - started, folder)


PARALLEL_CHUNKING_MIN = 200
"""A full build of at least this many articles chunks them in a second process (see `_chunked`)."""

_FORKED_ARTICLES: list[Article] = []  # what a forked chunking process reads (inherited, never pickled)


def _chunker_start() -> None:
    """The chunking process ends with its parent, and leaves Ctrl-C to it: a terminal sends SIGINT to the whole
    process group, and the parent stops the build (the child's traceback would only be noise)."""
    die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _spans_of(number: int, chunk_words: int, overlap: int) -> list[tuple[int, int, tuple[tuple[int, int], ...]]]:
    return passage_spans(_FORKED_ARTICLES[number], chunk_words, overlap)


@contextmanager
def _chunked(articles: list[Article], settings: Settings) -> Iterator[Iterator[tuple[Article, list[Chunk]]]]:
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
                                 initializer=_chunker_start) as pool:
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
