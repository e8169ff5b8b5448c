"""Where an integration gets its answers: a documents folder (`Collection`) or a running server (`RemoteCollection`).

Every integration takes either `documents=` (and optionally `index_dir=`) or `url=` (and optionally `api_key=`);
`open_source` is the one place that decides which, so every integration refuses the same mistakes with the same
words.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from qa.collection import Collection
from qa.errors import ConfigError
from qa.integrations.remote import RemoteCollection
from qa.models import Answer


class Source(Protocol):
    """What the retrievers need: `Collection.ask`'s signature, which `RemoteCollection.ask` shares."""

    def ask(self, question: str, top_k: int | None = None, *, explain: bool = False,
            max_per_article: int | None = None, source_prefix: str | None = None, date_from: str | None = None,
            date_to: str | None = None) -> Answer: ...


def open_source(documents: str | Path | None = None, index_dir: str | Path | None = None, url: str | None = None,
                api_key: str | None = None) -> Collection | RemoteCollection:
    """A `RemoteCollection` when `url` is given, else the `Collection` of `documents` (default: `QA_DOCUMENTS`).

    Opening a folder builds its index when needed, so a folder that is missing or holds no article fails here,
    with qa's error (`CorpusNotFound`, `EmptyCorpus`), not at the first question.
    """
    if url is not None:
        if documents is not None or index_dir is not None:
            raise ConfigError("give either documents (a folder of articles) or url (a running qa server), not both")
        return RemoteCollection(url, api_key)
    if api_key is not None:
        raise ConfigError("api_key is sent to a qa server: give it together with url")
    return Collection(documents, index_dir)
