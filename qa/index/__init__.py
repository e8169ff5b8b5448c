"""The index layer: the stored format and its versions, building, opening, and live updates.

    store      the folder on disk: versions, the CURRENT pointer, checksums, the build lock
    writer     one version being written          reader     a version, opened (memory-mapped)
    build      full builds and live updates       reconcile  open the index of a folder, equal to the folder
    folder     what a version holds of the folder (file records) and what changed since
    live       the index a service answers from: reloads, writes, watching the folder
"""


from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from qa.index.build import BuildReport, build_index, update_index
    from qa.index.reader import ArticleInfo, Index, load_index
    from qa.index.reconcile import open_index
    from qa.index.store import current_version, folder_size

_HOME = {"BuildReport": "build", "build_index": "build", "update_index": "build", "ArticleInfo": "reader",
         "Index": "reader", "load_index": "reader", "open_index": "reconcile", "current_version": "store",
         "folder_size": "store"}
"""Where each name lives. Imported on first use: opening a saved index (`reader`) must not import the builder
(multiprocessing, the article readers), which a one-question `qa ask` never needs."""


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module 'qa.index' has no attribute '{name}'")
    value = getattr(import_module(f"qa.index.{_HOME[name]}"), name)
    globals()[name] = value
    return value


__all__ = ["ArticleInfo", "BuildReport", "Index", "build_index", "current_version", "folder_size", "load_index",
           "open_index", "update_index"]
