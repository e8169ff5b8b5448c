"""Open the index of a documents folder: the saved version when it matches the folder and settings, else a build.

    >>> index = open_index(Settings(documents=Path("documents")))                      # doctest: +SKIP

An index built with other settings, another format or another analyzer is never reused; a damaged one (checksum
mismatch, missing file) is rebuilt with a warning.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from qa.config import Settings
from qa.corpus.scan import Scan, scan_documents
from qa.errors import IndexFormatError
from qa.index.build import BuildReport, build_locked
from qa.index.reader import Index, load_index
from qa.index.store import build_lock, current_version, fingerprint

log = logging.getLogger("qa")


def open_index(settings: Settings, progress: bool = False,
               on_build: Callable[[BuildReport], None] | None = None) -> Index:
    """The index of `settings.documents`: the saved one when it is up to date, else a fresh build."""
    scan = scan_documents(settings.documents)
    index_dir = settings.resolved_index_dir()
    index = _load_if_current(index_dir, settings, scan)
    if index is not None:
        return index
    index_dir.mkdir(parents=True, exist_ok=True)
    with build_lock(index_dir):
        index = _load_if_current(index_dir, settings, scan)  # another process may have built it meanwhile
        if index is not None:
            return index
        report = build_locked(settings, scan, progress)
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
    return (manifest.get("settings") == fingerprint(settings)
            and manifest.get("documents") == str(scan.root.resolve())
            and manifest.get("files") == scan.fingerprint())
