"""A full build's reading and analysing, spread over one process per core (up to `MAX_WORKERS`).

    >>> with analysed_batches(scan, settings, passage_words=700) as batches:   # doctest: +SKIP
    ...     for batch in batches:                                              # in the folder's order
    ...         ...

Reading a file, chunking its articles and analysing them (`qa.index.analysing`) is nearly all of a build's work
and needs nothing from the other files, so worker processes each take a batch of files at a time and send back
compact arrays: term ids in their own numbering, with the terms they numbered since their last batch, and the
words they analysed (the index's word caches). The building process only maps term ids onto the version's
(`qa.index.analysing.TermMap`), appends arrays and compresses the texts, in the folder's order, and warns of
skipped files: the version is the one a single process builds, byte for byte (`tests/test_parallel_build.py`),
but for one thing: a file skipped because another file took its document id was analysed by a worker before the
builder saw the clash, so the word caches saved with the index (words -> terms) may also hold its words.

Memory stays bounded: no process holds the folder's texts (a worker holds its batch; the builder, compact arrays
and the texts it is compressing), and at most `AHEAD` batches a worker are in flight. `qa index` of the 1M-passage
benchmark (`benchmarks/index_size.py`) had one process read every text first, and peaked at 2.6 GB.

Workers are forked, so they start at once with everything imported and the stemmers loaded, and only from a
single-threaded process (`qa index`, `qa eval`, a script): forking a process with other threads (a server
rebuilding in the background) can deadlock the child. Elsewhere the build runs in its own process.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qa.config import Settings
from qa.corpus.read import read_source
from qa.corpus.scan import FileRecord, FileStamp, Scan
from qa.index.analysing import AnalysedArticle, ArticleAnalyser
from qa.lang import Analyzers
from qa.processes import die_with_parent

log = logging.getLogger("qa")

PARALLEL_MIN_FILES = 64
"""A folder of fewer files is built in one process: starting workers costs more than it saves."""
BATCH_BYTES = 4 << 20
BATCH_FILES = 256
"""A batch is this many bytes of files, or this many files, whichever comes first (one big file is a batch): at
1M passages, batches of 4 MB built 0.7 s faster than of 1 MB (fewer round trips), 8 MB no faster."""
AHEAD = 2
"""Batches in flight per worker: enough to keep every worker busy, few enough to bound the memory they hold."""

_STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}


@dataclass(slots=True)
class Batch:
    """What a worker sends back for a batch of files, in the files' order."""

    worker: int
    """The worker's process id: its term numbering is its own."""
    new_terms: list[str]
    """The terms the worker numbered since its previous batch (`ArticleAnalyser.new_terms`)."""
    learned: dict[str, list[tuple[str, str]]]
    """(word, term) of the words it analysed since then, by language."""
    files: list[tuple[FileRecord, list[AnalysedArticle]]]


def worth_parallel(scan: Scan) -> bool:
    """Whether a full build of `scan` should use worker processes (and can, here)."""
    return (len(scan.files) >= PARALLEL_MIN_FILES and workers() >= 2 and threading.active_count() == 1
            and "fork" in multiprocessing.get_all_start_methods())


MAX_WORKERS = 4
"""The builder maps, appends and compresses about three workers' output (0.7 ms an article against their 2 ms at
1M passages): more would wait on it, each holding its memory."""


def workers() -> int:
    """The cores this process may run on, up to `MAX_WORKERS`."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return min(cores, MAX_WORKERS)


@contextmanager
def analysed_batches(scan: Scan, settings: Settings, passage_words: int) -> Iterator[Iterator[Batch]]:
    """Every file of `scan` read and its articles analysed by worker processes, as batches in the folder's order.

    Leaving the block early (an error, Ctrl-C) cancels the batches not begun and stops the workers."""
    Analyzers().of("en").load_stemmer()  # loaded once here, before the fork, rather than once in each worker
    from qa.corpus import chunk_kernel  # noqa: F401 - the same: numba, the compiled chunker and word table
    from qa.index import word_table  # noqa: F401
    root = scan.root.resolve()
    bases = scan.base_ids()
    batches = _batches(scan.files)
    count = workers()
    context = multiprocessing.get_context("fork")
    stopping = context.Event()
    with ProcessPoolExecutor(count, mp_context=context, initializer=_worker_start,
                             initargs=(settings, passage_words, stopping)) as pool:
        try:
            in_flight: deque[Future[Batch]] = deque()

            def submit() -> None:
                files = next(batches, None)
                if files is not None:
                    in_flight.append(pool.submit(_analyse_batch, [(path, stamp, bases[stamp.source]) for path, stamp
                                                                  in files], root, settings.max_file_bytes))

            with _forked_without_stop_signals():  # the first submit forks the workers
                for _ in range(count * AHEAD):
                    submit()
            log.debug("%d workers started", count)

            def results() -> Iterator[Batch]:
                while in_flight:
                    batch = in_flight.popleft().result()
                    submit()
                    yield batch

            yield results()
        except BaseException:  # the workers stop after their current file, before the caller cleans up
            stopping.set()
            pool.shutdown(wait=True, cancel_futures=True)
            raise


def _batches(files: list[tuple[Path, FileStamp]]) -> Iterator[list[tuple[Path, FileStamp]]]:
    batch: list[tuple[Path, FileStamp]] = []
    size = 0
    for path, stamp in files:
        batch.append((path, stamp))
        size += stamp.size
        if size >= BATCH_BYTES or len(batch) >= BATCH_FILES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


_ANALYSER: ArticleAnalyser | None = None  # the worker's (made by `_worker_start`)
_STOPPING: Any = None  # set when the build stops: a worker leaves the rest of its batch


def _worker_start(settings: Settings, passage_words: int, stopping: Any) -> None:
    """A worker ends with its parent, and leaves Ctrl-C and SIGTERM to it: a terminal (or `kill` of the process
    group) signals every process of the group, and the parent stops the build (a worker's traceback would only be
    noise). The parent's stopping ends the workers: the pool is shut down, or the parent dies.

    `stopping` is set when the build stops, so that a worker does not go on reading files (a stopped `qa eval`
    removes its temporary folder) nor warn about them.

    The worker is forked with these signals blocked (`_forked_without_stop_signals`), so one that arrives while
    multiprocessing sets it up, before this runs, waits; ignoring it here discards it."""
    global _ANALYSER, _STOPPING
    die_with_parent()
    for signum in _STOP_SIGNALS:
        signal.signal(signum, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)
    _ANALYSER = ArticleAnalyser(settings, passage_words, compiled=True)
    _STOPPING = stopping


def _analyse_batch(files: list[tuple[Path, FileStamp, str]], root: Path, max_bytes: int) -> Batch:
    analyser = _ANALYSER
    assert analyser is not None, "a worker analyses only after _worker_start"
    done = []
    for path, stamp, base in files:
        if _STOPPING.is_set():  # the build has stopped (Ctrl-C, an error): its files may be gone already
            break
        read = read_source(path, stamp, root, base, max_bytes, quiet=True)  # the builder warns, in order
        done.append((read.record, [analyser.analyse(article) for article in read.articles]))
    return Batch(os.getpid(), analyser.new_terms(), analyser.learned_words(), done)


@contextmanager
def _forked_without_stop_signals() -> Iterator[None]:
    """Block SIGINT and SIGTERM in this thread while it forks the workers (a child inherits the mask and the
    parent's handlers, which would raise `Stopped` in it); they are delivered to this process as soon as the
    forks are done."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
