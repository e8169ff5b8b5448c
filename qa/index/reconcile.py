"""Open the index of a documents folder, and make it equal to the folder: incrementally when it can be.

    >>> index = open_index(Settings(documents=Path("documents")))                      # doctest: +SKIP
    qa: 3 files added, 1 changed and 1 removed: updated the index to 41 articles, 97 passages in 0.2 s

The saved version records every file it holds (`qa.index.folder`). Opening compares that with the folder: new
and changed files are read and analysed, removed ones dropped, and nothing else is read again
(`qa.index.build.apply_change`: every score equals a full rebuild's); one line says what changed. An index built
with other settings, another format or analyzer, or for another folder is rebuilt in full; a damaged one
(checksum mismatch, missing file) too, with a warning. The CLI, `qa serve` and each of its workers open the index
this way, so a change made by hand while nothing ran is found by whichever opens first.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import replace

from qa.config import Settings
from qa.corpus.read import read_source, unique_ids
from qa.corpus.scan import scan_documents
from qa.errors import EmptyCorpus
from qa.index.build import BuildReport, Change, apply_change, build_locked, usable_index
from qa.index.folder import FolderState, plan_changes
from qa.index.reader import Index, load_index
from qa.index.store import build_lock

log = logging.getLogger("qa")


def open_index(settings: Settings, progress: bool = False,
               on_build: Callable[[BuildReport], None] | None = None) -> Index:
    """The index of `settings.documents`, equal to the folder: the saved one when nothing changed, an incremental
    update when files changed, else a full build. `on_build` hears of any build or update."""
    scan = scan_documents(settings.documents)
    index = usable_index(settings, say_why=False)  # looked at again under the lock, which says why it rebuilds
    if index is not None and not plan_changes(FolderState.of(index.manifest), scan):
        return index
    index_dir = settings.resolved_index_dir()
    index_dir.mkdir(parents=True, exist_ok=True)
    with build_lock(index_dir):
        report = reconcile_locked(settings, progress)  # another process may have done it meanwhile: looked at again
    if report is None:
        found = usable_index(settings)
        assert found is not None
        return found
    if on_build is not None:
        on_build(report)
    return report.index if report.index is not None else load_index(report.path)


def reconcile_locked(settings: Settings, progress: bool = False) -> BuildReport | None:
    """Bring the live version up to the folder (the caller holds the build lock); None when it already is."""
    scan = scan_documents(settings.documents)
    old = usable_index(settings)
    if old is None:
        return build_locked(settings, scan, progress)
    plan = plan_changes(FolderState.of(old.manifest), scan)
    if not plan:
        return None
    started = time.perf_counter()
    root = scan.root.resolve()
    bases = scan.base_ids()
    reread = {stamp.source for _, stamp in plan.read}
    taken = {info.id: info.source for info in old.articles if info.source not in reread | set(plan.removed)}
    read = unique_ids([read_source(path, stamp, root, bases[stamp.source], settings.max_file_bytes)
                       for path, stamp in plan.read], taken)
    if not taken and not any(item.articles for item in read):
        raise EmptyCorpus(f"no readable article left in {settings.documents}")
    change = Change(articles=[article for item in read for article in item.articles], reread_sources=reread,
                    removed_sources=set(plan.removed),
                    records={**plan.restamped, **{item.record.source: item.record for item in read}},
                    others=scan.others, scanned_ns=scan.started_ns)
    report = apply_change(settings, old, change)
    summary = plan.summary()
    log.info("%s: %s", settings.documents, summary)
    return replace(report, seconds=time.perf_counter() - started, changes=summary)
