"""Writes to a sharded index: the article file into the documents folder, its passages into the shard that owns
it, and the collection's new statistics into every shard, all before the write is acknowledged.

    >>> writer = ShardedWriter(LocalShards(shards), settings)                           # doctest: +SKIP
    >>> writer.add_document("port-strike", "Port strike ends", "Dock workers voted ...")  # doctest: +SKIP

The documents folder stays the source of truth, as with one index (`qa.index.live.LiveIndex`, whose rules for
ids, file names and replaced files this follows). A write, one at a time:

1. the file is saved and read (a file that cannot be indexed is refused and nothing changes);
2. the owning shard (`shard_of` the article's id) writes its next version to disk (`Shard.prepare`), with the
   whole folder's passage length, beside its current version, which stays current; when the folder is small
   enough for that length to change, every shard is built again instead, as one index would be rebuilt;
3. the statistics of the collection are computed again from every shard's figures (`CollectionStatistics`);
4. every shard stages its passages weighed with them; then the owner makes its new version current on disk
   (`Shard.commit`: the write is done), and every shard switches: the next question, on any replica, is answered
   from the new statistics.

A failure before the commit undoes the write everywhere: the owner removes the version it prepared, every shard
opens the disk again (`Shard.reload`), and the file goes back as it was (`FolderChange`), so no shard keeps a
change the others and the folder do not have. A failure after it makes every shard open the disk again, which
has the change. A shard that dies meanwhile is restarted by Ray and opens the disk too; a writer that dies is
restarted and catches up with the folder (`catch_up`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from qa.config import Settings
from qa.corpus.chunking import passage_words
from qa.distributed.calls import ShardCalls
from qa.distributed.layout import shard_of
from qa.distributed.statistics import CollectionStatistics, ShardSummary, generation
from qa.distributed.store import build_sharded, open_sharded
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
        self._rebuilt = False
        """Whether the write under way built every shard again (its failure then builds them again)."""
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
            with self._change() as change:
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
            with self._change() as change:
                article = put_article(change, root, target, data, previous[0] if previous else None,
                                      self.settings.max_file_bytes)
                replaced = previous if article.id == document_id else self._find(article.id)
                owner = shard_of(article.id, self.shards.n_shards)
                self._apply(owner, [article], [], replaced[1] if replaced else 0)
            found = self._find(article.id)
            assert found is not None
            return found[0]

    @contextmanager
    def _change(self) -> Iterator[FolderChange]:
        """`FolderChange` of the documents folder, and, when the write fails after a full build read the changed
        folder (`_apply`), a build of the folder as it is put back: no shard keeps what the folder lost."""
        self._rebuilt = False
        try:
            with FolderChange(self.settings.documents) as change:
                yield change
        except BaseException:
            if self._rebuilt:
                log.warning("a write failed after the shards were built again with it; building them again")
                try:
                    build_sharded(self.settings, self.shards.n_shards)
                    self._reload()
                except Exception as error:  # the writer's restart (`catch_up`) builds them then
                    log.error("the shards could not be built again (%s); restart qa serve --ray", error)
            raise

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
            self._rebuilt = True
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
            self.shards.gather("commit", [(owner, (summary.version,))])
        except BaseException:
            log.warning("a write failed before it was on disk; every shard opens the disk as it was")
            self._reload()  # the owner removes the version it prepared: no shard has the change
            raise
        try:
            self.shards.each("switch", name)
        except BaseException as error:  # the change is on disk (committed): every shard opens it from there
            log.warning("a shard failed to switch to a write that is on disk (%s); every shard opens the disk "
                        "again", error)
            self._reload()
            return
        self._summaries = summaries

    def catch_up(self) -> bool:
        """Make the sharded index equal to the documents folder again, and every shard open it: what a writer
        restarted after dying does first. It may have died with a file in the folder and not yet in the index
        (as a killed `qa` leaves it for the next start), or files may have been changed by hand meanwhile.
        Whether the index was built again."""
        with self._lock:
            rebuilt = open_sharded(self.settings, self.shards.n_shards) is not None
            self._reload()
            return rebuilt

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

