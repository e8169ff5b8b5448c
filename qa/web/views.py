"""What the document and service routes show, built from the index (the pydantic bodies of `qa.web.schemas`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from qa.errors import InvalidRequest
from qa.index.reader import ArticleInfo
from qa.web.schemas import DocumentDetail, DocumentList, DocumentSummary, Health, PassageSpan, SkippedOut, SpanInContext


class IndexView(Protocol):
    """What these views read of an index: `qa.index.reader.Index`, or the view of a sharded one
    (`qa.distributed.collection.ShardedView`)."""

    @property
    def articles(self) -> Sequence[ArticleInfo]: ...

    @property
    def manifest(self) -> dict[str, Any]: ...

    def article_number(self, document_id: str) -> int: ...

    def article_text(self, number: int) -> str: ...

    def passage(self, passage_id: int) -> tuple[int, int, int, int]: ...


def document_summaries(index: IndexView) -> DocumentList:
    return DocumentList(documents=[DocumentSummary(id=a.id, title=a.title, source=a.source, passages=a.n_passages,
                                                   source_url=a.meta.get("url"), date=a.meta.get("date"),
                                                   author=a.meta.get("author"), publisher=a.meta.get("publisher"),
                                                   language=a.language)
                                   for a in index.articles])


CONTEXT_CHARS = 300
"""About this much context is returned on each side of a requested span, extended to whole words."""


def document_detail(index: IndexView, document_id: str, start: int | None = None,
                    end: int | None = None) -> DocumentDetail:
    number = index.article_number(document_id)
    info = index.articles[number]
    text = index.article_text(number)
    spans = [PassageSpan(passage=n, start=s, end=e)
             for _, s, e, n in (index.passage(p) for p in range(info.first_passage,
                                                                   info.first_passage + info.n_passages))]
    return DocumentDetail(id=info.id, title=info.title, source=info.source, text=text, body_start=info.body_start,
                          passages=spans, source_url=info.meta.get("url"), date=info.meta.get("date"),
                          author=info.meta.get("author"), publisher=info.meta.get("publisher"),
                          language=info.language, span=span_in_context(text, start, end, info.body_start))


def span_in_context(text: str, start: int | None, end: int | None, body_start: int = 0) -> SpanInContext | None:
    """`text[start:end]` with about CONTEXT_CHARS of whole words around it; None when no span was asked for. The
    context does not reach back before the body (`body_start`) unless the span does: a Markdown file's front
    matter, before its body, is metadata, not text to show around a passage."""
    if start is None and end is None:
        return None
    start = 0 if start is None else start
    end = len(text) if end is None else end
    if not 0 <= start <= end <= len(text):
        raise InvalidRequest(f"the span start={start}, end={end} is not within the article (0..{len(text)})")
    floor = min(start, max(body_start, 0))
    left = max(floor, start - CONTEXT_CHARS)
    if left > floor:
        space = text.find(" ", left, start)
        left = space + 1 if space != -1 else left
    right = min(len(text), end + CONTEXT_CHARS)
    if right < len(text):
        space = text.rfind(" ", end, right)
        right = space if space != -1 else right
    return SpanInContext(start=start, end=end, text=text[start:end], context_start=left, context_end=right,
                         context=text[left:right])


def health(index: IndexView) -> Health:
    manifest = index.manifest
    skipped = manifest.get("skipped", [])
    return Health(articles=manifest["articles"], passages=manifest["passages"], terms=manifest["terms"],
                  built_at=manifest["built_at"], skipped_files=len(skipped),
                  skipped=[SkippedOut(**item) for item in skipped[:HEALTH_SKIPPED]])


HEALTH_SKIPPED = 100
"""GET /health lists at most this many skipped files (`skipped_files` counts them all)."""
