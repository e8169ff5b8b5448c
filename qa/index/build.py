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
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from qa.config import Settings
from qa.corpus.chunking import passage_words
from qa.corpus.read import clash, read_articles, warn_skipped
from qa.corpus.scan import ARTICLE_SUFFIXES, FileRecord, Scan, scan_documents
from qa.errors import EmptyCorpus, IndexFormatError
from qa.index import parallel
from qa.index.analysing import TermMap
from qa.index.folder import FolderState, file_digest
from qa.index.reader import Index, load_index
from qa.index.store import build_lock, current_version, fingerprint, swap_in
from qa.index.writer import VersionWriter
from qa.models import Article, SkippedFile
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
    """For an incremental update of an index opened on a changed folder: "3 files added, 1 changed and 1 removed"."""
    index: Index | None = None
    """The new version as read back before it went live (an update, `read_back`): answer from it, not a second load."""


def build_index(settings: Settings, scan: Scan | None = None, progress: bool = False) -> BuildReport:
    """Read, chunk, analyse and index the documents folder; swap the result in as the live index."""
    with build_lock(settings.resolved_index_dir()):
        return build_locked(settings, scan or scan_documents(settings.documents), progress)


def build_locked(settings: Settings, scan: Scan, progress: bool) -> BuildReport:
    """A full build (the caller holds the build lock): by worker processes for a big folder (`qa.index.parallel`),
    else here."""
    started = time.perf_counter()
    if parallel.worth_parallel(scan) and _large(settings, sum(stamp.size for _, stamp in scan.files)):
        try:
            return _build_parallel(settings, scan, progress, started)
        except _SmallAfterAll:
            log.info("the articles' text is shorter than their files; cutting them as a small folder's")
    read = read_articles(scan, max_bytes=settings.max_file_bytes)
    state = FolderState(str(scan.root.resolve()), {record.source: record for record in read.records}, scan.others,
                        scan.started_ns)
    if not read.articles:
        raise _empty(settings, state)
    size = sum(len(article.text) - article.body_start for article in read.articles)
    words = passage_words(settings.chunk_words, size,
                          lambda: (article.text[article.body_start:] for article in read.articles))

    def write(folder: Path) -> int:
        with VersionWriter(folder, settings, words) as version:
            bar = _progress_bar(len(read.articles), progress)
            for article in read.articles:
                version.add_article(article)
                _advance(bar, version)
            if bar is not None:
                bar.close()
            return version.finish_building(BM25Params(settings.k1, settings.b, settings.epsilon), state)

    folder, n_passages = swap_in(settings.resolved_index_dir(), write)
    return BuildReport(len(read.articles), n_passages, state.skipped(), time.perf_counter() - started, folder)


class _SmallAfterAll(Exception):
    """The folder's files were big enough to skip counting its words, but their text is not (`_large`)."""


def _large(settings: Settings, size: int) -> bool:
    """Whether a folder whose article bodies have `size` characters (or fewer) has passages of `chunk_words`
    without counting its words (`qa.corpus.chunking.passage_words`)."""
    return passage_words(settings.chunk_words, size, lambda: ()) == settings.chunk_words and size > 0


def _build_parallel(settings: Settings, scan: Scan, progress: bool, started: float) -> BuildReport:
    """`build_locked` with the files read and analysed by worker processes, written here in the folder's order."""
    log.debug("building with workers, %d files", len(scan.files))
    for skipped in scan.others:
        log.warning("skipped %s: %s", skipped.source, skipped.reason)
    state = FolderState(str(scan.root.resolve()), {}, scan.others, scan.started_ns)  # its records filled as read
    taken: dict[str, str] = {}
    n_articles = 0
    body_chars = 0

    def write(folder: Path) -> int:
        nonlocal n_articles, body_chars
        with VersionWriter(folder, settings, settings.chunk_words) as version:
            term_maps: dict[int, TermMap] = {}
            with parallel.analysed_batches(scan, settings, settings.chunk_words) as batches:
                bar = _progress_bar(len(scan.files), progress, unit=" files")
                for batch in batches:
                    terms = term_maps.get(batch.worker)
                    if terms is None:
                        terms = term_maps[batch.worker] = TermMap(version.builder.vocab)
                    terms.extend(batch.new_terms)
                    version.analyzers.remember(batch.learned)
                    for record, analysed in batch.files:
                        warn_skipped(record, whole=not analysed)
                        reason = clash(record.source, [article.info["id"] for article in analysed], taken)
                        if reason is not None:
                            record, analysed = record.skipping(reason), []
                        state.records[record.source] = record
                        for article in analysed:
                            version.add_analysed(article, terms)
                            body_chars += article.body_chars
                        n_articles += len(analysed)
                        _advance(bar, version)
                if bar is not None:
                    bar.close()
            log.debug("analysed in %.1f s", time.perf_counter() - started)
            if not n_articles:
                raise _empty(settings, state)
            if not _large(settings, body_chars):
                raise _SmallAfterAll
            return version.finish_building(BM25Params(settings.k1, settings.b, settings.epsilon), state)

    folder, n_passages = swap_in(settings.resolved_index_dir(), write)
    return BuildReport(n_articles, n_passages, state.skipped(), time.perf_counter() - started, folder)


def _empty(settings: Settings, state: FolderState) -> EmptyCorpus:
    return EmptyCorpus(f"no readable article ({', '.join(ARTICLE_SUFFIXES)}) in {settings.documents}"
                       + (f" ({len(state.skipped())} file(s) skipped)" if state.skipped() else ""))


def _advance(bar, version: VersionWriter) -> None:  # type: ignore[no-untyped-def]
    """One more file (or article) on the progress bar, with the passage count now and then."""
    if bar is not None:
        bar.update(1)
        if bar.n % 50 == 0 or bar.n == bar.total:
            bar.set_postfix(passages=len(version.builder), refresh=False)


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


def usable_index(settings: Settings, *, say_why: bool = True) -> Index | None:
    """The live version when it can be updated in place: same format, settings and documents folder.

    `say_why=False` for a first look that is made again under the build lock (`qa.index.reconcile.open_index`):
    the second look says why the index is rebuilt, so the reader hears it once."""
    folder = current_version(settings.resolved_index_dir())
    if folder is None:
        return None
    try:
        index = load_index(folder)
    except IndexFormatError as error:
        if say_why:
            log.warning("%s; rebuilding", error)
        return None
    if (index.manifest.get("settings") != fingerprint(settings)
            or index.manifest.get("documents") != str(settings.documents.resolve())):
        if say_why:
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
        with VersionWriter(folder, settings, words, analyzers=old.languages.analyzers,
                           vocab=dict(old.all_terms)) as version:
            for n in keep_articles:
                version.add_kept(old, n)
            for article in change.articles:
                version.add_article(article)
            tokens, lengths = version.builder.arrays()
            engine = old.engine.updated(keep, tokens, lengths, len(version.builder.vocab))
            return version.finish(engine, state)

    read: list[Index] = []
    folder, n_passages = swap_in(settings.resolved_index_dir(), write, check=lambda done: read.append(read_back(done)))
    return BuildReport(len(keep_articles) + len(change.articles), n_passages, state.skipped(),
                       time.perf_counter() - started, folder, index=read[0])


def read_back(folder: Path) -> Index:
    """Load the version just written (not yet live) as a reader will: an update merges the live version's arrays
    with new articles' (`VersionWriter.add_kept`), and a merge the reader refuses must fail the write, all or
    nothing, rather than become the live version that no process can open."""
    try:
        return load_index(folder)
    except IndexFormatError as error:
        raise IndexFormatError(f"the updated index could not be read back ({error}); nothing was changed") from None


def _progress_bar(total: int, enabled: bool, unit: str = " articles"):  # type: ignore[no-untyped-def]
    """A tqdm bar on stderr when it is a terminal (articles or files, passages, rate); None otherwise (quiet in
    pipes)."""
    if not enabled or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc="indexing", unit=unit, file=sys.stderr, dynamic_ncols=True)
