"""A folder of articles you can ask questions of: the one API behind the CLI, the HTTP service and the integrations.

    >>> from qa import Collection
    >>> docs = Collection("documents")                                                  # doctest: +SKIP
    >>> answer = docs.ask("When did Azerbaijan and Turkey sign the Shusha Declaration?", top_k=1)  # doctest: +SKIP
    >>> answer.passages[0].citation.source, answer.passages[0].best_sentence.text       # doctest: +SKIP
    ('000_8339c2265b0242b8.txt', 'On June 15, Azerbaijan and Turkey signed the Shusha Declaration ...')

Opening a collection opens the folder's index (building it when the folder or the settings changed). Questions are
answered from the newest index version: a write by this collection, another process or `qa index` is picked up
before the next question. Writes (`add`, `add_file`, `add_document`, `remove`) change the documents folder, which
stays the source of truth, and update the index incrementally. Questions may be asked from several threads at once;
writes wait for each other.

What a question returns (`Answer`, `Passage`, `Citation`, `BestSentence`) is plain data from `qa.models`: the same
objects `qa ask --json` prints and the HTTP API sends, field for field.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from qa.answer.search import Searcher
from qa.config import Settings, make_settings
from qa.dates import parse_date
from qa.defaults import passage_count
from qa.errors import InvalidQuestion, InvalidRequest
from qa.index.build import BuildReport
from qa.index.folder_change import FolderChange, inside_folder
from qa.index.live import LiveIndex, put_article, upload_target
from qa.index.reader import ArticleInfo, Index
from qa.models import Answer, Filter


class Collection:
    """The articles of one documents folder, and the questions they answer.

        >>> with Collection("documents", index_dir="/tmp/qa-index") as docs:                # doctest: +SKIP
        ...     answer = docs.ask("Who co-chaired the first meeting?", top_k=1)
        ...     info = docs.add("notes/port-strike.md")     # answerable at once; docs.remove(info.id) undoes it
    """

    def __init__(self, documents: str | Path | None = None, index_dir: str | Path | None = None, *,
                 settings: Settings | None = None, progress: bool = False,
                 on_build: Callable[[BuildReport], None] | None = None, warm: bool = False,
                 **overrides: Any) -> None:
        """`documents` and `index_dir` default to the settings' (`QA_DOCUMENTS`, `QA_INDEX_DIR`); `overrides` are
        any other setting (`chunk_words=300`, `top_k=5`, ...). `progress` shows a progress bar on a terminal
        while a build runs; `on_build` is told about a build when one was needed. `warm` loads now what the first
        question with a new word would otherwise load (the stemmer, about a second): for long-running services."""
        if settings is None:
            settings = make_settings(documents=Path(documents) if documents is not None else None,
                                     index_dir=Path(index_dir) if index_dir is not None else None, **overrides)
        self.settings = settings
        self._live = LiveIndex(settings, progress=progress, on_build=on_build, warm=warm)
        self._searcher = Searcher.from_settings(self._live.index, settings)

    @classmethod
    def begin(cls, path: str | Path, settings: Settings) -> tuple[Collection, ArticleInfo]:
        """The collection of a documents folder that holds no readable article yet (it cannot be opened: there is
        nothing to index), begun with the article file at `path`: copied into the folder as `add` does (a file that
        is not an article qa can index raises `InvalidRequest` and nothing is written), then indexed. What
        `qa add FILE` does in a new, empty folder."""
        path = Path(path)
        try:
            data = path.read_bytes()
        except OSError as error:
            raise InvalidRequest(f"cannot read {path}: {error.strerror or error}") from None
        root = settings.documents
        with FolderChange(root) as change:
            document_id, suffix = upload_target(path.name)
            put_article(change, root, inside_folder(root, f"{document_id}{suffix}"), data, None,
                        settings.max_file_bytes)
        collection = cls(settings=settings)
        return collection, collection.index.articles[collection.index.article_number(document_id)]

    @property
    def index(self) -> Index:
        """The index version questions are answered from now."""
        return self._live.index

    @property
    def searcher(self) -> Searcher:
        """The search function over the current index version."""
        index = self._live.index
        if self._searcher.index is not index:
            self._searcher = Searcher.from_settings(index, self.settings)
        return self._searcher

    def ask(self, question: str, top_k: int | None = None, *, explain: bool = False,
            max_per_article: int | None = None, source_prefix: str | None = None, date_from: str | None = None,
            date_to: str | None = None) -> Answer:
        """The passages that best answer `question`, best first, each with its citation and best sentence.

        `top_k` defaults to the settings' (3); `source_prefix` keeps articles whose file path starts with it;
        `date_from`/`date_to` (YYYY-MM-DD, inclusive) keep articles dated in that range (undated ones are then left
        out); `max_per_article` caps the passages of one article (0: no limit); `explain` adds every term's part
        of each score. An invalid question or filter raises `InvalidRequest` (or its subclass `InvalidQuestion`)
        saying what to change. A question that matches nothing is not an error: the answer has no passages and a
        `message` saying why.
        """
        if not isinstance(question, str):
            raise InvalidQuestion(f"the question must be a string, not {type(question).__name__}")
        top_k = None if top_k is None else passage_count("top_k", top_k)
        max_per_article = None if max_per_article is None else passage_count("max_per_article", max_per_article, 0)
        for name, value in (("source_prefix", source_prefix), ("date_from", date_from), ("date_to", date_to)):
            if value is not None and not isinstance(value, str):
                raise InvalidRequest(f"{name} must be a string, not {value!r}")
        where = make_filter(source_prefix, date_from, date_to)
        return self.searcher.ask(question, self.settings.top_k if top_k is None else top_k, explain_scores=explain,
                                 max_per_article=max_per_article, where=where)

    def documents(self) -> list[ArticleInfo]:
        """Every indexed article (id, title, source file, passage count, `meta`), in the folder's order."""
        return list(self.index.articles)

    def add(self, path: str | Path) -> ArticleInfo:
        """Copy the article file at `path` into the documents folder under its own name and index it; an article
        with the same id (the name without its extension) is replaced. What `qa add FILE` does.

        A file that cannot be read, or is not an article qa can index, raises `InvalidRequest` saying why, and
        nothing changes.
        """
        path = Path(path)
        try:
            data = path.read_bytes()
        except OSError as error:
            raise InvalidRequest(f"cannot read {path}: {error.strerror or error}") from None
        return self.add_file(path.name, data)

    def add_file(self, filename: str, data: bytes) -> ArticleInfo:
        """Save a file's bytes into the documents folder under its own name and index it (same id: replaced)."""
        return self._live.add_file(filename, data)

    def add_document(self, id: str, title: str, text: str, **origin: str | None) -> ArticleInfo:
        """Write an article into the documents folder as Markdown (`<id>.md`) and index it; `origin` may give
        `date`, `url` and `author`."""
        return self._live.add_document(id, title, text, **origin)

    def remove(self, document_id: str) -> ArticleInfo:
        """Delete an article's file from the documents folder and its passages from the index."""
        return self._live.remove(document_id)

    def watch(self) -> None:
        """Pick up changes to the documents folder in the background until `close`."""
        self._live.start_watching(self.settings.watch_interval)

    def close(self) -> None:
        """Stop watching the folder (questions can still be asked)."""
        self._live.stop()

    def __enter__(self) -> Collection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def make_filter(source_prefix: str | None = None, date_from: str | None = None,
                date_to: str | None = None) -> Filter:
    """The filter of a question; an impossible date (2024-02-30) or a reversed range is an `InvalidRequest`."""
    try:
        for value in (date_from, date_to):
            if value is not None:
                parse_date(value)
    except ValueError as error:
        raise InvalidRequest(str(error)) from None
    if date_from and date_to and date_from > date_to:
        raise InvalidRequest(f"date_from {date_from} is after date_to {date_to}")
    return Filter(source_prefix or None, date_from or None, date_to or None)
