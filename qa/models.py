"""Plain data passed between modules: articles, passages, hits. No I/O here.

Character offsets are always relative to `Article.text`, the article exactly as read from its file (after
decoding), so that `article.text[passage.start:passage.end] == passage.text` and a citation can be checked
against the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Article:
    """One file of the documents folder."""

    id: str
    """Path relative to the documents folder, without extension, with `/` separators: stable across runs."""
    source: str
    """Path relative to the documents folder, with extension."""
    title: str
    text: str
    body_start: int
    """Offset where the body (everything after the title line) begins."""


@dataclass(frozen=True, slots=True)
class Span:
    """A half-open character range `[start, end)` of an article."""

    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Passage:
    """A run of whole sentences of one article."""

    article_id: str
    number: int
    """1-based position of the passage within its article."""
    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class SkippedFile:
    """A file of the documents folder that could not be used, and why."""

    source: str
    reason: str


@dataclass(slots=True)
class Hit:
    """A scored passage with everything needed to cite it."""

    rank: int
    score: float
    text: str
    document_id: str
    title: str
    source: str
    passage: int
    start: int
    end: int
    highlights: list[Span] = field(default_factory=list)


@dataclass(slots=True)
class Answer:
    """The result of one question."""

    question: str
    hits: list[Hit]
    took_ms: float
    message: str | None = None
    terms: list[str] = field(default_factory=list)
    """The question's terms after analysis (what was actually searched)."""
