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
    """Offset where the body (everything after the title line and any front matter) begins."""
    meta: dict[str, str] = field(default_factory=dict)
    """Known origin: `url`, `date`, `author`, `publisher` (markdown front matter, HTML metadata, JSONL fields)."""
    page_starts: tuple[int, ...] = ()
    """PDF: where each page (1, 2, ...) starts in `text`, so citations can name the page."""


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
    sentences: tuple[tuple[int, int], ...] = ()
    """Article spans of the passage's sentences (pieces of an over-long one), in order: where the best sentence
    is chosen from, kept with the index so that answering never splits sentences again."""


@dataclass(frozen=True, slots=True)
class Filter:
    """Which articles a question may be answered from. Empty fields do not filter.

    `source_prefix` matches the start of the file path relative to the documents folder ("business/");
    `date_from`/`date_to` (ISO YYYY-MM-DD, inclusive) keep articles whose `date` lies in the range, so
    articles without a date are left out when either is given.
    """

    source_prefix: str | None = None
    date_from: str | None = None
    date_to: str | None = None

    def __bool__(self) -> bool:
        return bool(self.source_prefix or self.date_from or self.date_to)


@dataclass(frozen=True, slots=True)
class SkippedFile:
    """A file of the documents folder that could not be used, and why."""

    source: str
    reason: str


@dataclass(frozen=True, slots=True)
class TermContribution:
    """How one question term contributed to a passage's score (see `qa.bm25` for the formula)."""

    term: str
    count: int
    """Times the term occurs in the question (it is searched once however often it occurs)."""
    tf: int
    df: int
    idf: float
    length_norm: float
    """k1 * (1 - b + b * passage_length / average_length): the length part of the denominator."""
    contribution: float
    share: float
    """contribution / score (0 when the score is 0)."""


@dataclass(frozen=True, slots=True)
class PairContribution:
    """Two question terms found near each other in a passage, and what that added (see `qa.proximity`)."""

    terms: tuple[str, str]
    near: int
    """Occurrences of the first term with the second at most the proximity window away."""
    contribution: float


@dataclass(frozen=True, slots=True)
class BestSentence:
    start: int
    end: int
    text: str
    score: float


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
    best_sentence: BestSentence | None = None
    explanation: list[TermContribution] | None = None
    proximity: list[PairContribution] | None = None
    """With the explanation: the pairs of question terms that stand near each other; the term contributions and
    these add up to the score. None for a passage the proximity stage did not score (beyond BM25's first 20)."""
    meta: dict[str, str] = field(default_factory=dict)
    page: int | None = None
    """PDF: the page the passage starts on."""
    end_page: int | None = None
    """PDF: the page the passage ends on (the same page unless it crosses a page break)."""


@dataclass(slots=True)
class Answer:
    """The result of one question."""

    question: str
    hits: list[Hit]
    took_ms: float
    message: str | None = None
    terms: list[str] = field(default_factory=list)
    """The question's terms after analysis (what was actually searched)."""
    unknown_terms: list[str] = field(default_factory=list)
    """Words of the question whose term occurs in no article (what to rephrase)."""
