"""The sharded index on disk: full builds, one shard's live change, and opening a shard.

    >>> report = build_sharded(Settings(documents=Path("documents")), n_shards=2)      # doctest: +SKIP
    >>> report.passages, [len(shard) for shard in report.shards]                       # doctest: +SKIP

Each shard is an ordinary index version (`qa.index.writer.VersionWriter`, swapped in by `qa.index.store.swap_in`)
of the articles `shard_of` gives it, cut into passages of the *whole folder's* passage length (a small folder's
passages are shorter: `qa.corpus.chunking.passage_words`), so its passages are exactly those one index of the
folder has. Beside them each version keeps `order.npy`: every article's place in the one index (its position in
the folder at a full build; one past the last for an article written later, as a live update of one index
appends it). Equal scores are ordered by that place across shards, as one index orders them by passage number.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import shutil
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from qa.config import Settings
from qa.corpus.chunking import passage_words
from qa.corpus.read import read_articles
from qa.corpus.scan import ARTICLE_SUFFIXES, FileRecord, scan_documents
from qa.distributed.layout import Layout, shard_of
from qa.errors import EmptyCorpus
from qa.index.folder import FolderState, file_digest, plan_changes
from qa.index.reader import Index, load_index
from qa.index.store import build_lock, current_version, make_current, swap_in, write_version
from qa.index.writer import VersionWriter
from qa.models import Article, SkippedFile
from qa.processes import die_with_parent
from qa.ranking.bm25 import BM25Params
from qa.ranking.engine import load_array

log = logging.getLogger("qa")

ORDER = "order.npy"


@dataclass(frozen=True, slots=True)
class ShardedReport:
    """What a full build made: articles and passages per shard, what was skipped, how long it took, where."""

    articles: list[int]
    passages: list[int]
    skipped: list[SkippedFile]
    seconds: float
    build: Path


@dataclass(slots=True)
class _Part:
    """One shard's share of a full build."""

    articles: list[Article]
    order: list[int]
    records: dict[str, FileRecord]


_FORKED_PARTS: list[_Part] = []  # what a forked shard builder reads (inherited, never pickled)


def build_sharded(settings: Settings, n_shards: int, jobs: int | None = None) -> ShardedReport:
    """Read the documents folder once and build every shard (in `jobs` processes, default one a core), then swap
    the new build in whole: a failure or Ctrl-C leaves the previous build in use."""
    started = time.perf_counter()
    layout = Layout.of(settings, n_shards)
    layout.root.mkdir(parents=True, exist_ok=True)
    with build_lock(layout.root):
        scan = scan_documents(settings.documents)
        read = read_articles(scan, max_bytes=settings.max_file_bytes)
        if not read.articles:
            raise EmptyCorpus(f"no readable article ({', '.join(ARTICLE_SUFFIXES)}) in {settings.documents}")
        bodies = [article.text[article.body_start:] for article in read.articles]
        words = passage_words(settings.chunk_words, sum(map(len, bodies)), lambda: bodies)
        parts = [_Part([], [], {}) for _ in range(n_shards)]
        for position, article in enumerate(read.articles):
            part = parts[shard_of(article.id, n_shards)]
            part.articles.append(article)
            part.order.append(position)
        owners = {article.source: shard_of(article.id, n_shards) for article in read.articles}
        for record in read.records:  # a file without articles (unreadable) goes where its id would
            parts[owners.get(record.source, shard_of(record.base, n_shards))].records[record.source] = record
        build = layout.root / f"b-{datetime.now(UTC):%Y%m%dT%H%M%S%f}-{os.getpid()}"
        staging = build.with_name(build.name + ".partial")
        try:
            staging.mkdir()
            state = (str(scan.root.resolve()), scan.others, scan.started_ns)
            counts = _build_parts(settings, parts, words, state, [layout.shard_dir(staging, n)
                                                                  for n in range(n_shards)], jobs)
            staging.rename(build)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        layout.publish(build, settings)
    skipped = FolderState(state[0], {r.source: r for r in read.records}, scan.others).skipped()
    return ShardedReport([len(part.articles) for part in parts], counts, skipped, time.perf_counter() - started,
                         build)


def _build_parts(settings: Settings, parts: list[_Part], words: int,
                 state: tuple[str, list[SkippedFile], int], folders: list[Path], jobs: int | None) -> list[int]:
    """Write every shard; in forked processes when there are several shards, cores, and no other thread."""
    jobs = min(jobs or os.cpu_count() or 1, len(parts))
    if jobs < 2 or threading.active_count() > 1 or "fork" not in multiprocessing.get_all_start_methods():
        return [_write_part(settings, part, words, state, folder) for part, folder in zip(parts, folders,
                                                                                          strict=True)]
    global _FORKED_PARTS
    _FORKED_PARTS = parts
    try:
        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork"),
                                 initializer=die_with_parent) as pool:
            return list(pool.map(_write_forked, range(len(parts)), [settings] * len(parts), [words] * len(parts),
                                 [state] * len(parts), folders))
    finally:
        _FORKED_PARTS = []


def _write_forked(number: int, settings: Settings, words: int, state: tuple[str, list[SkippedFile], int],
                  folder: Path) -> int:
    return _write_part(settings, _FORKED_PARTS[number], words, state, folder)


def _write_part(settings: Settings, part: _Part, words: int, state: tuple[str, list[SkippedFile], int],
                folder: Path) -> int:
    """One shard's first version (its own index folder)."""
    documents, others, scanned_ns = state
    folder.mkdir()

    def write(version_dir: Path) -> int:
        with VersionWriter(version_dir, settings, words) as version:
            for article in part.articles:
                version.add_article(article)
            _save_order(version_dir, part.order)  # before `finish`, so the manifest checksums it
            engine = version.builder.build(BM25Params(settings.k1, settings.b, settings.epsilon))
            return version.finish(engine, FolderState(documents, part.records, list(others), scanned_ns))

    return swap_in(folder, write)[1]


def _save_order(folder: Path, order: list[int]) -> None:
    np.save(folder / ORDER, np.asarray(order, np.int64))


@dataclass(frozen=True, slots=True)
class OpenShard:
    """A shard's current version, opened, with every article's place in the one index (`order`)."""

    index: Index
    order: np.ndarray


def open_shard(folder: Path) -> OpenShard:
    """The current version of a shard's index folder (memory-mapped)."""
    version = current_version(folder)
    if version is None:
        raise FileNotFoundError(f"no index version in {folder}")
    return open_version(version)


def open_version(version: Path) -> OpenShard:
    """One version folder of a shard (the current one, or one written by `change_shard` and not yet current)."""
    return OpenShard(load_index(version), load_array(version / ORDER, mmap=False))


def commit_shard(version: Path) -> None:
    """Make a version written by `change_shard` the shard's current one (the moment a sharded write is on disk)."""
    folder = version.parent
    with build_lock(folder):
        make_current(folder, version)


def discard_version(version: Path) -> None:
    """Remove a version written by `change_shard` that a failed write leaves unused (never the current one)."""
    if current_version(version.parent) != version:
        shutil.rmtree(version, ignore_errors=True)


def change_shard(settings: Settings, folder: Path, old: OpenShard, added: list[Article], removed: set[str],
                 words: int, first_order: int) -> OpenShard:
    """The next version of one shard: `added` articles (one with the id of an old one replaces it) appended with
    places `first_order`, `first_order + 1`, ..., and the articles `removed` gone; then opened. Written beside
    the current version, which stays current until `commit_shard` (a write that another shard fails leaves the
    disk as it was: `discard_version`).

    What `qa.index.build.update_index` does to one index (kept articles keep their tokens; IDF, lengths and weights
    are recomputed; the version records the added articles' files as they are now on disk and forgets the files of
    removed ones), with the folder's passage length given (it is the whole folder's, not this shard's).
    """
    index = old.index
    state = FolderState.of(index.manifest)
    dropped = removed | {article.id for article in added}
    kept_sources = {info.source for info in index.articles if info.id not in dropped}
    kept_sources |= {article.source for article in added}
    for info in index.articles:
        if info.id in dropped and info.source not in kept_sources:  # notes.txt -> notes.md
            state.records.pop(info.source, None)
    for article in added:
        record = _record_on_disk(settings, state, article)
        if record is not None:
            state.records[record.source] = record
    keep_articles = [n for n, info in enumerate(index.articles) if info.id not in dropped]
    keep = np.zeros(index.engine.n_docs, bool)
    for n in keep_articles:
        info = index.articles[n]
        keep[info.first_passage : info.first_passage + info.n_passages] = True
    order = [*old.order[keep_articles].tolist(), *range(first_order, first_order + len(added))]

    def write(version_dir: Path) -> int:
        with VersionWriter(version_dir, settings, words, analyzers=index.languages.analyzers,
                           vocab=dict(index.all_terms)) as version:
            for n in keep_articles:
                version.add_kept(index, n)
            for article in added:
                version.add_article(article)
            _save_order(version_dir, order)
            tokens, lengths = version.builder.arrays()
            engine = index.engine.updated(keep, tokens, lengths, len(version.builder.vocab))
            return version.finish(engine, state)

    with build_lock(folder):
        version, _ = write_version(folder, write)
    return open_version(version)


def _record_on_disk(settings: Settings, state: FolderState, article: Article) -> FileRecord | None:
    """The record of an added article's file as it is now (stat and SHA-256); None when it is gone."""
    path = settings.documents / article.source
    try:
        info = path.stat()
    except OSError:
        return None
    previous = state.records.get(article.source)
    base = article.id if previous is None or article.id == previous.base else previous.base
    return FileRecord(article.source, info.st_size, info.st_mtime_ns, file_digest(path), base)


def open_sharded(settings: Settings, n_shards: int) -> ShardedReport | None:
    """Make the sharded index equal to the documents folder: nothing when it is (None), else a full build (its
    report). A build for other settings, another folder, or a folder that changed since is built again."""
    layout = Layout.of(settings, n_shards)
    manifest = layout.manifest()
    if manifest is None or not layout.matches(manifest, settings):
        return build_sharded(settings, n_shards)
    build = layout.root / manifest["build"]
    try:
        states = [FolderState.of(load_index(version).manifest) for version in layout.versions(build)]
    except Exception as error:  # a damaged shard: built again, as a damaged index is
        log.warning("sharded index in %s cannot be opened (%s); rebuilding", layout.root, error)
        return build_sharded(settings, n_shards)
    whole = FolderState(states[0].documents, {}, states[0].others, min(state.scanned_ns for state in states))
    for state in states:
        whole.records.update(state.records)
    plan = plan_changes(whole, scan_documents(settings.documents))
    if not plan:
        return None
    log.info("%s: %s; rebuilding the %d shards", settings.documents, plan.summary(), n_shards)
    return build_sharded(settings, n_shards)
