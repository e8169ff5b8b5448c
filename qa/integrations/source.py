"""Where an integration gets its answers (a documents folder or a running server), and how it hands on a passage.

Every integration takes either `documents=` (and optionally `index_dir=`) or `url=` (and optionally `api_key=`);
`open_source` is the one place that decides which, and `Query` and `ask` the one place that checks the options
and turns qa's errors into the `ValueError` both LangChain and LlamaIndex use for bad input, so every integration
refuses the same mistakes with the same words.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from qa.collection import Collection, make_filter
from qa.defaults import passage_count
from qa.errors import ConfigError, InvalidRequest, QAError
from qa.integrations.remote import RemoteCollection
from qa.models import Answer, Passage


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


@dataclass(frozen=True, slots=True)
class Query:
    """How many passages a retriever returns, and from which articles (the options of `Collection.ask`)."""

    top_k: int
    source_prefix: str | None = None
    date_from: str | None = None
    date_to: str | None = None
    max_per_article: int | None = None

    def __post_init__(self) -> None:
        """Refuse impossible options when the retriever is made, rather than at its first question."""
        check_count("top_k", self.top_k, 1)
        if self.max_per_article is not None:
            check_count("max_per_article", self.max_per_article, 0)
        try:
            make_filter(self.source_prefix, self.date_from, self.date_to)
        except InvalidRequest as error:
            raise ValueError(str(error)) from error


def check_count(name: str, value: object, least: int) -> None:
    """`value` is a number of passages by qa's rule (`qa.defaults.passage_count`), or a `ValueError` with its
    message, naming the option."""
    try:
        passage_count(name, value, least)
    except InvalidRequest as error:
        raise ValueError(str(error)) from None


def ask(source: Source, question: str, query: Query) -> list[Passage]:
    """The passages that answer `question`; a question qa cannot ask (empty, too long) is a `ValueError` with qa's
    message (the `InvalidRequest` is its `__cause__`). Other qa errors (a server that cannot be reached, a key it
    refuses) stay qa's own (`QAError`)."""
    try:
        answer = source.ask(question, query.top_k, max_per_article=query.max_per_article,
                            source_prefix=query.source_prefix, date_from=query.date_from, date_to=query.date_to)
    except InvalidRequest as error:
        raise ValueError(str(error)) from error
    return answer.passages


def opened(documents: str | Path | None, index_dir: str | Path | None, url: str | None,
           api_key: str | None) -> Collection | RemoteCollection:
    """`open_source` for a retriever's constructor: qa's errors become the `ValueError` the libraries use."""
    try:
        return open_source(documents, index_dir, url, api_key)
    except QAError as error:
        raise ValueError(str(error)) from error


def metadata(passage: Passage) -> dict[str, Any]:
    """What a retriever's document or node says about where it comes from: the citation, flattened.

    Always `document_id`, `title`, `source`, `passage`, `start`, `end`, `url`, `score` and `rank`, with
    `best_sentence` when there is one; `source_url`, `date`, `author`, `publisher`, `page` and `end_page` only when
    known, `copies` only when the story has some (vector stores and tracers refuse or mangle None values).
    """
    citation = passage.citation
    found: dict[str, Any] = {
        "document_id": citation.document_id, "title": citation.title, "source": citation.source,
        "passage": citation.passage, "start": citation.start, "end": citation.end, "url": citation.url,
        "score": passage.score, "rank": passage.rank}
    if passage.best_sentence is not None:
        found["best_sentence"] = passage.best_sentence.text
    for key in ("source_url", "date", "author", "publisher", "page", "end_page"):
        value = getattr(citation, key)
        if value is not None:
            found[key] = value
    if citation.copies:
        found["copies"] = citation.copies
    return found


def passage_id(passage: Passage) -> str:
    """A stable id for a passage: its article's id and its number (`000_8339c2265b0242b8#1`)."""
    return f"{passage.citation.document_id}#{passage.citation.passage}"
