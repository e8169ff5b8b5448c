"""Writes to a sharded index: the article file into the documents folder, its passages into the shard that owns
it, and the collection's new statistics into every shard, all before the write is acknowledged.

    >>> writer = ShardedWriter(LocalShards(shards), settings)                           # doctest: +SKIP
    >>> writer.add_document("port-strike", "Port strike ends", "Dock workers voted ...")  # doctest: +SKIP

The documents folder stays the source of truth, as with one index (`qa.index.live.LiveIndex`, whose rules for
ids, file names and replaced files this follows). A write, one at a time:

1. the file is saved and read (a file that cannot be indexed is refused and nothing changes);
2. the owning shard (`shard_of` the article's id) writes its next version to disk (`Shard.prepare`), with the
   whole folder's passage length; when the folder is small enough for that length to change, every shard is
   built again instead, as one index would be rebuilt;
3. the statistics of the collection are computed again from every shard's figures (`CollectionStatistics`);
4. every shard stages its passages weighed with them, then every shard switches: the next question, on any
   replica, is answered from the new statistics.

A failure after step 2 makes every shard open the disk again (`Shard.reload`), so the shards never stay on
mixed statistics; a shard that dies meanwhile is restarted by Ray and opens the disk too.
"""

from __future__ import annotations

import logging
import threading

from qa.config import Settings
from qa.corpus.chunking import passage_words
from qa.distributed.calls import ShardCalls
from qa.distributed.layout import shard_of
from qa.distributed.statistics import CollectionStatistics, ShardSummary, generation
from qa.distributed.store import build_sharded
from qa.errors import DocumentNotFound
from qa.index.folder_change import FolderChange, inside_folder
from qa.index.live import (
    check_document_id,
    delete_article_file,
    markdown_article,
    put_article,
    refuse_feed_record,
    upload_target,
)
from qa.index.reader import ArticleInfo
from qa.models import Article

log = logging.getLogger("qa")


class ShardedWriter:
    """Adds and removes articles of a sharded index; one write at a time (in this process: a lock; on Ray: one
    writer actor)."""

    def __init__(self, shards: ShardCalls, settings: Settings) -> None:
        self.shards = shards
        self.settings = settings
        self._lock = threading.Lock()
        self._summaries: list[ShardSummary] = shards.each("summary")

    # -- what LiveIndex offers --------------------------------------------------------------------------------

    def add_document(self, id: str, title: str, text: str, **origin: str | None) -> ArticleInfo:
        """Write an article as Markdown (`<id>.md`, front matter for `date`, `url`, `author`) and index it."""
        return self._write(check_document_id(id), ".md", markdown_article(title, text, origin))

    def add_file(self, filename: str, data: bytes) -> ArticleInfo:
        """Save an uploaded file into the documents folder under its own name and index it."""
        return self._write(*upload_target(filename), data)

    def remove(self, document_id: str) -> ArticleInfo:
        """Delete an article's file from the documents folder and its passages from its shard, both or neither."""
        root = self.settings.documents
        with self._lock:
            found = self._find(document_id)
            if found is None:
                raise DocumentNotFound(f"no document with id '{document_id}'")
            info, size = found
            refuse_feed_record(info)
            with FolderChange(root) as change:
                delete_article_file(change, root, info)
                self._apply(shard_of(document_id, self.shards.n_shards), [], [document_id], size)
            return info

    # -- the file -----------------------------------------------------------------------------------------------

    def _write(self, document_id: str, suffix: str, data: bytes) -> ArticleInfo:
        """Save the file and index it on its shard, all or nothing (`qa.index.folder_change`, as `LiveIndex`
        writes): a change the shards refuse puts the folder back as it was."""
        root = self.settings.documents
        with self._lock:
            previous = self._find(document_id)
            refuse_feed_record(previous[0] if previous else None)
            target = inside_folder(root, f"{document_id}{suffix}")
            with FolderChange(root) as change:
                article = put_article(change, root, target, data, previous[0] if previous else None,
                                      self.settings.max_file_bytes)
                replaced = previous if article.id == document_id else self._find(article.id)
                owner = shard_of(article.id, self.shards.n_shards)
                self._apply(owner, [article], [], replaced[1] if replaced else 0)
            found = self._find(article.id)
            assert found is not None
            return found[0]

    def _find(self, document_id: str) -> tuple[ArticleInfo, int] | None:
        """The article with this id (on the shard its id gives) and the size of its text, if there is one."""
        found = self.shards.gather("article", [(shard_of(document_id, self.shards.n_shards), (document_id,))])[0]
        return None if found is None else (found[1], found[2])

    # -- the index ----------------------------------------------------------------------------------------------

    def _apply(self, owner: int, added: list[Article], removed: list[str], dropped_bytes: int) -> None:
        """Steps 2-4 of the module docstring for one change on shard `owner` (`dropped_bytes`: the size of the text
        of the article it replaces or removes)."""
        current = self._summaries[owner].passage_words
        words = self._passage_words(added, [*removed, *(a.id for a in added)], dropped_bytes)
        if words != current:  # the folder crossed the size where its passages get shorter: cut it again
            log.info("the folder's passage length changes (%s -> %s words); rebuilding the shards", current, words)
            build_sharded(self.settings, self.shards.n_shards)
            self._reload()
            return
        first_order = max(summary.max_order for summary in self._summaries) + 1
        try:
            summary: ShardSummary = self.shards.gather("prepare", [(owner, (added, removed, words, first_order))])[0]
            summaries = [summary if n == owner else found for n, found in enumerate(self._summaries)]
            statistics = CollectionStatistics(summaries, self.settings.epsilon)
            name = generation(summaries)
            self.shards.gather("stage", [(n, (name, summaries[n].version, statistics.for_shard(n)))
                                         for n in range(self.shards.n_shards)])
            self.shards.each("switch", name)
        except BaseException:
            log.warning("a write failed half way; every shard opens the disk again")
            self._reload()
            raise
        self._summaries = summaries

    def reopen(self) -> None:
        """Make every shard open the disk again: what a writer restarted after dying in a write does first, so
        that a version written to disk but not yet switched to is either taken by all shards or by none."""
        with self._lock:
            self._reload()

    def _reload(self) -> None:
        names = set(self.shards.each("reload"))
        self._summaries = self.shards.each("summary")
        if len(names) != 1:  # another change landed meanwhile: should not happen (one writer)
            log.warning("the shards opened different generations: %s", ", ".join(sorted(names)))

    def _passage_words(self, added: list[Article], dropped: list[str], dropped_bytes: int) -> int:
        """The folder's passage length after the change (`qa.corpus.chunking.passage_words`: it needs the bodies
        only when the folder is small)."""
        bodies = [article.text[article.body_start:] for article in added]
        size = sum(summary.text_bytes for summary in self._summaries) - dropped_bytes + sum(map(len, bodies))

        def every_body() -> list[str]:
            kept: list[list[str]] = self.shards.each("bodies", dropped)
            return [body for shard in kept for body in shard] + bodies

        return passage_words(self.settings.chunk_words, size, every_body)

