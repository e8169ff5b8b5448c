"""What a route needs from the app: what it answers from (a `Collection`, or any `Served`) and the settings (put
into `app.state` by the lifespan)."""

from __future__ import annotations

from typing import Protocol

from fastapi import Request

from qa.config import Settings
from qa.index.reader import ArticleInfo
from qa.models import Answer, Filter
from qa.web.views import IndexView


class Searching(Protocol):
    def ask(self, question: str, top_k: int = 3, *, explain_scores: bool = False,
            max_per_article: int | None = None, where: Filter | None = None) -> Answer: ...


class Served(Protocol):
    """What the app answers from: `qa.collection.Collection`, or a sharded index on Ray
    (`qa.distributed.collection.ShardedCollection`), so that both are served by the same app."""

    @property
    def settings(self) -> Settings: ...

    @property
    def searcher(self) -> Searching: ...

    @property
    def index(self) -> IndexView: ...

    def add_document(self, id: str, title: str, text: str, **origin: str | None) -> ArticleInfo: ...

    def add_file(self, filename: str, data: bytes) -> ArticleInfo: ...

    def remove(self, document_id: str) -> ArticleInfo: ...

    def watch(self) -> None: ...

    def close(self) -> None: ...


def collection(request: Request) -> Served:
    """The collection the app answers from."""
    found: Served = request.app.state.collection
    return found


def settings(request: Request) -> Settings:
    found: Settings = request.app.state.settings
    return found
