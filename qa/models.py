"""Plain data passed between the layers: articles and their chunks, and the answer a question gets. No I/O here.

Character offsets are always relative to `Article.text`, the article exactly as read from its file (after
decoding), so that `article.text[chunk.start:chunk.end] == chunk.text` and a citation can be checked against the
file.

The answer types (`Answer`, `Passage`, `Citation`, ...) are the one definition of what a question returns: the
Python API hands them out, `qa ask --json` and the HTTP API serialise them as they are (orjson writes dataclasses
field by field, in order), and FastAPI derives the OpenAPI schema from them (the `Field` descriptions below).
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Annotated, Any


def Field(**details: Any) -> Any:  # noqa: N802 (it stands for pydantic's `Field` in the annotations below)
    """pydantic's `Field(description=..., ...)`, made when FastAPI or pydantic read these annotations (they are strings
    until then), not when the models are imported: `qa ask "..."` never loads pydantic (0.1 s of its start-up)."""
    from pydantic import Field as pydantic_field

    return pydantic_field(**details)


# -- what the corpus layer reads --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Article:
    """One article: a file of the documents folder, or one record of a JSONL feed."""

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
class Chunk:
    """A run of whole sentences of one article: the unit that is indexed and returned."""

    article_id: str
    number: int
    """1-based position of the chunk within its article."""
    start: int
    end: int
    text: str
    sentences: tuple[tuple[int, int], ...] = ()
    """Article spans of the chunk's sentences (pieces of an over-long one), in order: where the best sentence is
    chosen from, kept with the index so that answering never splits sentences again."""


@dataclass(frozen=True, slots=True)
class SkippedFile:
    """A file of the documents folder that could not be used, and why."""

    source: str
    reason: str


def page_number(page_starts: tuple[int, ...] | list[int], offset: int) -> int | None:
    """The 1-based page holding `offset` of a PDF's text, or None before page 1 (the title) or without pages.

    >>> page_number((12, 40, 75), 50)
    2
    """
    return bisect_right(page_starts, offset) or None


# -- what a question may say ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Filter:
    """Which articles a question may be answered from. Empty fields do not filter.

    `source_prefix` matches the start of the file path relative to the documents folder ("business/");
    `date_from`/`date_to` (ISO YYYY-MM-DD, inclusive, real dates: `qa.dates.parse_date`) keep articles whose
    `date` lies in the range, so articles without a date are left out when either is given.
    """

    source_prefix: str | None = None
    date_from: str | None = None
    date_to: str | None = None

    def __bool__(self) -> bool:
        return bool(self.source_prefix or self.date_from or self.date_to)


# -- what a question gets --------------------------------------------------------------------------------------
# Plain dataclasses, without __slots__: orjson serialises a dataclass from its __dict__ at C speed and one with
# __slots__ field by field, about 8 times slower (39 highlight spans: 17 µs against 2 µs; a whole top-3 answer's
# JSON took 28 µs of its 0.3 ms).


@dataclass
class Span:
    """A half-open character range `[start, end)` of an article."""

    start: int
    end: Annotated[int, Field(description="Exclusive.")]


@dataclass
class BestSentence:
    text: str
    start: Annotated[int, Field(description="Article offset of the sentence.")]
    end: int
    score: Annotated[float, Field(description="How well the sentence matches the question (see README).")]


@dataclass
class Citation:
    """Where a passage comes from, precisely enough to check it."""

    document_id: Annotated[str, Field(description="Stable id: the file path relative to the documents folder, "
                                      "without extension (a JSONL record: `<file>/<record id>`).")]
    title: str
    source: Annotated[str, Field(description="The file, relative to the documents folder.")]
    passage: Annotated[int, Field(description="1-based number of the passage within its article.")]
    start: Annotated[int, Field(description="Character offset of the passage in the article.")]
    end: Annotated[int, Field(description="End offset (exclusive): article_text[start:end] is the passage.")]
    url: Annotated[str, Field(description="This passage in its article, with context: GET it on this service.")]
    source_url: Annotated[str | None, Field(description="Where the article was published.")] = None
    date: Annotated[str | None, Field(description="Publication date (YYYY-MM-DD).")] = None
    author: Annotated[str | None, Field(description="Author.")] = None
    publisher: Annotated[str | None, Field(description="Publisher or site (HTML metadata, JSONL `source`).")] = None
    page: Annotated[int | None, Field(description="PDF: the page the passage starts on.")] = None
    end_page: Annotated[int | None, Field(description="PDF: the page it ends on (differs when it crosses pages).")
                        ] = None
    line: Annotated[int | None, Field(description="JSONL: the line of the record in its file (`document_id` ends "
                                      "with the record's id).")] = None
    language: Annotated[str | None, Field(description="The language the article was analysed in (\"en\", "
                                          "\"zh\"...: its metadata's, else detected; \"und\": no letters).")] = None
    copies: Annotated[list[str], Field(description="Other files of the folder that hold the same story (the same "
                                       "text saved twice, or as .html and .pdf, give or take a byline or footer): "
                                       "the answer cites one copy, the best-scoring, and names these.")
                      ] = field(default_factory=list)


@dataclass
class QuestionTerm:
    """A word of the question as it was asked, and the term it was searched as."""

    word: Annotated[str, Field(description="The word as the question spells it (\"cooperate\").")]
    term: Annotated[str, Field(description="What was searched for: the word after analysis (lowercased, "
                               "stemmed: \"cooper\"). Words with the same term match each other.")]


@dataclass
class Suggestion:
    """Words of the articles spelled like a question word that no article contains."""

    word: Annotated[str, Field(description="The question's word, as asked, that no article contains.")]
    did_you_mean: Annotated[list[str], Field(description="Words of the articles spelled nearly alike, likeliest "
                                             "first (at most 3; empty when none is close).")]


@dataclass
class TermExplanation:
    """How one question term contributed to a passage's score (see `qa.ranking.bm25` for the formula)."""

    word: Annotated[str, Field(description="The question's word, as asked (its first, if several share a term).")]
    term: Annotated[str, Field(description="The question term after analysis.")]
    count: Annotated[int, Field(description="Occurrences in the question (searched once however often).")]
    tf: Annotated[int, Field(description="Occurrences in the passage (title included when titles are indexed).")]
    df: Annotated[int, Field(description="Passages containing the term.")]
    idf: float
    length_norm: Annotated[float, Field(description="k1 * (1 - b + b * passage_length / average_length).")]
    contribution: Annotated[float, Field(description="idf * tf * (k1 + 1) / (tf + length_norm).")]
    share: Annotated[float, Field(description="contribution / score (0 when the score is 0).")]


@dataclass
class ProximityExplanation:
    """Two question terms found near each other in a passage, and what that added (see `qa.answer.proximity`)."""

    words: Annotated[list[str], Field(description="Two question words, as asked (in question order).",
                                      min_length=2, max_length=2)]
    terms: Annotated[list[str], Field(description="Their terms after analysis.", min_length=2, max_length=2)]
    near: Annotated[int, Field(description="Occurrences of the first with the second at most "
                               "QA_PROXIMITY_WINDOW terms away.")]
    contribution: Annotated[float, Field(description="proximity_weight * min(idf) * near * (k1 + 1) / "
                                         "(near + length_norm).")]


@dataclass
class Passage:
    """One passage of an answer: its text, score and citation, and the evidence a reader checks it by."""

    rank: int
    score: float
    text: str
    citation: Citation
    best_sentence: Annotated[BestSentence | None, Field(
        description="The passage's sentence that best matches the question.")]
    highlights: Annotated[list[Span], Field(
        description="Article offsets of the words that matched a question term after analysis.")]
    explanation: Annotated[list[TermExplanation] | None, Field(description="Only with explain=true.")] = None
    proximity: Annotated[list[ProximityExplanation] | None, Field(
        description="Only with explain=true: question terms found near each other. The contributions of "
        "`explanation` and `proximity` add up to the score. null for a passage the proximity stage did not score "
        "(beyond BM25's first 20), whose score is BM25's alone.")] = None


@dataclass
class Answer:
    """The passages that best answer one question, best first."""

    question: str
    passages: list[Passage]
    took_ms: float
    terms: Annotated[list[QuestionTerm], Field(
        description="The question's searchable words, in order, each as asked and as searched (its term).")
        ] = field(default_factory=list)
    unknown_terms: Annotated[list[str], Field(
        description="Words of the question, as asked, that occur in no article: rephrase these.")
        ] = field(default_factory=list)
    suggestions: Annotated[list[Suggestion], Field(
        description="For each unknown word, words of the articles spelled nearly alike (\"did you mean\").")
        ] = field(default_factory=list)
    message: Annotated[str | None, Field(description="Set when no passage is returned, saying why: no searchable "
                                         "word, no article passing the filter, or no passage holding any of the "
                                         "question's words.")] = None


@dataclass
class BatchAnswer:
    answers: list[Answer]
    took_ms: float
