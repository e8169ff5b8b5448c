"""A sharded index served as a collection: what the HTTP app (`qa.web.app.create_app`) answers from, in place of
`qa.collection.Collection`, so that `qa serve --ray` is the same app (routes, schema, auth, limits, metrics, page).

    >>> served = ShardedCollection(LocalShards(shards), settings, ShardedWriter(LocalShards(shards), settings))
    >>> served.searcher.ask("harbour strike", top_k=3)                                   # doctest: +SKIP
    >>> app = create_app(settings, open_served=lambda _settings: served)                # doctest: +SKIP

Nothing here imports Ray: the shards are reached through `ShardCalls` (in this process for tests, Ray actors in
`qa.distributed.cluster`), and writes through a `Writer` (a `ShardedWriter` here, the one writer actor on Ray).

Articles and passages of a sharded index are numbered per shard; the view the document routes read
(`ShardedView`) numbers them `shard << SHARD_SHIFT | number in the shard`, so an article's passages are still
`first_passage .. first_passage + n_passages - 1`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import Any, Protocol, overload

from qa.config import Settings
from qa.distributed.calls import ShardCalls
from qa.distributed.layout import shard_of
from qa.distributed.ranking import ShardedSearcher
from qa.errors import DocumentNotFound
from qa.index.reader import ArticleInfo
from qa.lang import Analyzers

log = logging.getLogger("qa")

SHARD_SHIFT = 40
"""Article and passage numbers of the view: the shard in the bits above these, its own number below."""
_LOCAL = (1 << SHARD_SHIFT) - 1


class Writer(Protocol):
    """The writes of `qa.collection.Collection`, over a sharded index (`qa.distributed.writes.ShardedWriter`)."""

    def add_document(self, id: str, title: str, text: str, **origin: str | None) -> ArticleInfo: ...

    def add_file(self, filename: str, data: bytes) -> ArticleInfo: ...

    def remove(self, document_id: str) -> ArticleInfo: ...


class ShardedCollection:
    """The `Collection` the HTTP app needs (`qa.web.deps.Served`), over the shards of a sharded index."""

    waits = True
    """A question waits on the shards' processes: the app asks it in a thread (`qa.web.routes.ask.answer`)."""

    def __init__(self, shards: ShardCalls, settings: Settings, writer: Writer,
                 analyzers: Analyzers | None = None) -> None:
        self.settings = settings
        self.shards = shards
        self.writer = writer
        self._searcher = ShardedSearcher(shards, settings, analyzers)
        self._view = ShardedView(shards)

    @property
    def searcher(self) -> ShardedSearcher:
        return self._searcher

    @property
    def index(self) -> ShardedView:
        return self._view

    def add_document(self, id: str, title: str, text: str, **origin: str | None) -> ArticleInfo:
        return self.writer.add_document(id, title, text, **origin)

    def add_file(self, filename: str, data: bytes) -> ArticleInfo:
        return self.writer.add_file(filename, data)

    def remove(self, document_id: str) -> ArticleInfo:
        return self.writer.remove(document_id)

    def watch(self) -> None:
        log.warning("--watch is not available with --ray: change the folder through POST/DELETE /documents, or "
                    "run qa index --shards N and start the service again")

    def close(self) -> None:
        """Nothing to stop: the shards belong to whoever started them."""


class ShardedView:
    """The index as the document and service routes read it (`qa.web.views.IndexView`), asked of the shards."""

    def __init__(self, shards: ShardCalls) -> None:
        self.shards = shards
        self.articles = _Articles(shards)

    @property
    def manifest(self) -> dict[str, Any]:
        """What /health and /metrics report: the shards' figures added up (terms: the collection's)."""
        found: list[dict[str, Any]] = self.shards.each("status")
        return {"articles": sum(status["articles"] for status in found),
                "passages": sum(status["passages"] for status in found),
                "terms": found[0]["terms"] if found else 0,
                "built_at": max(status["built_at"] for status in found),
                "skipped": [item for status in found for item in status["skipped"]],
                "shards": len(found)}

    def article_number(self, document_id: str) -> int:
        shard = shard_of(document_id, self.shards.n_shards)
        found = self.shards.gather("article", [(shard, (document_id,))])[0]
        if found is None:
            raise DocumentNotFound(f"no document with id '{document_id}'")
        return shard << SHARD_SHIFT | int(found[0])

    def article_text(self, number: int) -> str:
        text: str = self.shards.gather("article_text", [(number >> SHARD_SHIFT, (number & _LOCAL,))])[0]
        return text

    def passage(self, passage_id: int) -> tuple[int, int, int, int]:
        shard = passage_id >> SHARD_SHIFT
        article, start, end, number = self.shards.gather("passage", [(shard, (passage_id & _LOCAL,))])[0]
        return shard << SHARD_SHIFT | article, start, end, number


class _Articles(Sequence[ArticleInfo]):
    """Every article, in the one index's order when iterated; one article when indexed by its view number."""

    def __init__(self, shards: ShardCalls) -> None:
        self.shards = shards

    def _all(self) -> list[ArticleInfo]:
        placed: list[tuple[int, ArticleInfo]] = []
        for shard, (_, infos, places) in enumerate(self.shards.each("listing")):
            placed.extend((place, _numbered(shard, info)) for info, place in zip(infos, places, strict=True))
        return [info for _, info in sorted(placed, key=lambda pair: pair[0])]

    def __iter__(self) -> Iterator[ArticleInfo]:
        return iter(self._all())

    def __len__(self) -> int:
        return sum(int(status["articles"]) for status in self.shards.each("status"))

    @overload
    def __getitem__(self, number: int) -> ArticleInfo: ...

    @overload
    def __getitem__(self, number: slice) -> Sequence[ArticleInfo]: ...

    def __getitem__(self, number: int | slice) -> ArticleInfo | Sequence[ArticleInfo]:
        if isinstance(number, slice):
            return self._all()[number]
        shard = number >> SHARD_SHIFT
        info: ArticleInfo = self.shards.gather("article_info", [(shard, (number & _LOCAL,))])[0]
        return _numbered(shard, info)


def _numbered(shard: int, info: ArticleInfo) -> ArticleInfo:
    return replace(info, first_passage=shard << SHARD_SHIFT | info.first_passage)
