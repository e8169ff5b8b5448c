"""The index layer: the stored format and its versions, building, opening, and live updates.

    store      the folder on disk: versions, the CURRENT pointer, checksums, the build lock
    writer     one version being written          reader     a version, opened (memory-mapped)
    build      full builds and live updates       reconcile  open the index of a folder, equal to the folder
    folder     what a version holds of the folder (file records) and what changed since
    live       the index a service answers from: reloads, writes, watching the folder
"""

from qa.index.build import BuildReport, build_index, update_index
from qa.index.reader import ArticleInfo, Index, load_index
from qa.index.reconcile import open_index
from qa.index.store import current_version, folder_size

__all__ = ["ArticleInfo", "BuildReport", "Index", "build_index", "current_version", "folder_size", "load_index",
           "open_index", "update_index"]
