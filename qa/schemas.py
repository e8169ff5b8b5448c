"""Request and response bodies of the HTTP API; `qa ask --json` prints the same `AskResponse`.

Offsets (`start`, `end`, highlight spans) are character offsets into the article as returned by
`GET /documents/{id}` (`text`), half-open: `text[start:end]` is the passage.
"""

from __future__ import annotations

from urllib.parse import quote

from typing import Annotated, Any

import orjson

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, field_validator
from pydantic_core import PydanticCustomError

from qa.config import MAX_QUESTION_CHARS, MAX_TOP_K
from qa.index import Index
from qa.errors import InvalidRequest
from qa.models import Answer, Filter, Hit

_EXAMPLE_QUESTION = "When did Azerbaijan and Turkey sign the Shusha Declaration?"
ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"
NOT_BLANK = r"\S"
"""A question must contain a non-space character (in the schema too, so clients can tell before sending)."""

def _json_integer(value: object) -> object:
    """JSON Schema's integer: 3 and 3.0 are integers; true and "3" are not (pydantic's lax mode takes both)."""
    if isinstance(value, bool) or isinstance(value, str):
        raise PydanticCustomError("int_type", "Input should be a valid integer")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


TopK = Annotated[int, Field(ge=1, le=MAX_TOP_K), BeforeValidator(_json_integer)]
PerArticle = Annotated[int, Field(ge=0, le=MAX_TOP_K), BeforeValidator(_json_integer)]

Question = Annotated[str, Field(min_length=1, max_length=MAX_QUESTION_CHARS, pattern=NOT_BLANK,
                                description="The question, in plain words.")]


class AskOptions(BaseModel):
    """What every question request may say besides the question itself."""

    top_k: TopK | None = Field(None, description="Passages to return, 1..100 (default: QA_TOP_K, 3).")
    explain: StrictBool = Field(False, description="Add each question term's contribution to every passage's score.")
    max_per_article: PerArticle | None = Field(
        None, description="At most this many passages of one article (0: no limit; default "
        "QA_MAX_PER_ARTICLE).")
    source_prefix: str | None = Field(None, max_length=1000, description="Only articles whose file path (relative "
                                      "to the documents folder) starts with this, e.g. `business/`.")
    date_from: str | None = Field(None, pattern=ISO_DATE, description="Only articles dated on or after (YYYY-MM-DD).")
    date_to: str | None = Field(None, pattern=ISO_DATE, description="Only articles dated on or before (YYYY-MM-DD).")

    def where(self) -> Filter:
        return Filter(self.source_prefix or None, self.date_from, self.date_to)


class AskRequest(AskOptions):
    model_config = ConfigDict(json_schema_extra={"examples": [{"question": _EXAMPLE_QUESTION, "top_k": 3}]})

    question: Question


class AskQuery(BaseModel):
    """`GET /ask`'s query parameters (one model: FastAPI validates it in one pass, several times faster than
    seven separate parameters)."""

    q: Question = Field(examples=[_EXAMPLE_QUESTION])
    top_k: int | None = Field(None, ge=1, le=MAX_TOP_K, description="Passages to return, 1..100 (default 3).")
    explain: bool = Field(False, description="Add each term's contribution to the scores.")
    max_per_article: int | None = Field(None, ge=0, le=MAX_TOP_K,
                                        description="At most this many passages of one article (0: no limit).")
    source_prefix: str | None = Field(None, max_length=1000, description="e.g. business/")
    date_from: str | None = Field(None, pattern=ISO_DATE, description="YYYY-MM-DD, inclusive")
    date_to: str | None = Field(None, pattern=ISO_DATE, description="YYYY-MM-DD, inclusive")

    def where(self) -> Filter:
        return Filter(self.source_prefix or None, self.date_from, self.date_to)


class BatchRequest(AskOptions):
    model_config = ConfigDict(json_schema_extra={"examples": [{"questions": [_EXAMPLE_QUESTION], "top_k": 3}]})

    questions: list[Question] = Field(min_length=1, max_length=100, description="Up to 100 questions.")


class HighlightSpan(BaseModel):
    start: int
    end: int


class Citation(BaseModel):
    document_id: str = Field(description="Stable id: the file path relative to the documents folder, no extension.")
    title: str
    source: str = Field(description="The file, relative to the documents folder.")
    passage: int = Field(description="1-based number of the passage within its article.")
    start: int = Field(description="Character offset of the passage in the article.")
    end: int = Field(description="End offset (exclusive): article_text[start:end] is the passage.")
    url: str = Field(description="This passage in its article, with context: GET it on this service.")
    source_url: str | None = Field(None, description="Where the article was published (front matter `url:`).")
    date: str | None = Field(None, description="Publication date (front matter `date:`).")
    author: str | None = Field(None, description="Author (front matter `author:`).")
    publisher: str | None = Field(None, description="Publisher or site (HTML metadata, JSONL `source`).")
    page: int | None = Field(None, description="PDF: the page the passage starts on.")
    end_page: int | None = Field(None, description="PDF: the page it ends on (differs when it crosses pages).")


class BestSentence(BaseModel):
    text: str
    start: int = Field(description="Article offset of the sentence.")
    end: int
    score: float = Field(description="The sentence's lexical BM25 match with the question.")


class TermExplanation(BaseModel):
    term: str = Field(description="The question term after analysis.")
    count: int = Field(description="Occurrences in the question (the term is searched once however often).")
    tf: int = Field(description="Occurrences in the passage (title included when titles are indexed).")
    df: int = Field(description="Passages containing the term.")
    idf: float
    length_norm: float = Field(description="k1 * (1 - b + b * passage_length / average_length).")
    contribution: float = Field(description="idf * tf * (k1 + 1) / (tf + length_norm).")
    share: float = Field(description="contribution / score.")


class ProximityExplanation(BaseModel):
    terms: list[str] = Field(description="Two question terms (in question order).", min_length=2, max_length=2)
    near: int = Field(description="Occurrences of the first with the second at most QA_PROXIMITY_WINDOW terms away.")
    contribution: float = Field(description="proximity_weight * min(idf) * near * (k1 + 1) / (near + length_norm).")


def document_url(document_id: str, start: int, end: int) -> str:
    return f"/documents/{quote(document_id, safe='/')}?start={start}&end={end}"


class PassageResult(BaseModel):
    rank: int
    score: float
    text: str
    citation: Citation
    best_sentence: BestSentence | None = Field(description="The passage's sentence that best matches the question.")
    highlights: list[HighlightSpan] = Field(
        description="Article offsets of the words that matched a question term after analysis.")
    explanation: list[TermExplanation] | None = Field(None, description="Only with explain=true.")
    proximity: list[ProximityExplanation] | None = Field(
        None, description="Only with explain=true: question terms found near each other. The contributions of "
        "`explanation` and `proximity` add up to the score. null for a passage the proximity stage did not score "
        "(beyond BM25's first 20), whose score is BM25's alone.")


class AskResponse(BaseModel):
    question: str
    passages: list[PassageResult]
    took_ms: float
    terms: list[str] = Field(description="The question's terms after analysis: what was searched for.")
    unknown_terms: list[str] = Field(description="Words of the question that occur in no article: rephrase these.")
    message: str | None = Field(None, description="Set when no passage is returned, saying why.")


class BatchResponse(BaseModel):
    answers: list[AskResponse]
    took_ms: float


def answer_body(answer: Answer) -> dict[str, Any]:
    """The `AskResponse` of an answer as plain data, ready for `to_json`.

    Answers are the hot path of the service: building the pydantic models (validating or not) cost more than
    the rest of the response, so the body is built as dicts and lists and serialised by orjson. The models above
    remain the one definition of the response: they give the OpenAPI schema, and the tests validate these bodies
    against them (`AskResponse.model_validate`), as the API fuzzing does over HTTP.
    """
    return {"question": answer.question, "passages": [_passage_body(hit) for hit in answer.hits],
            "took_ms": answer.took_ms, "terms": answer.terms, "unknown_terms": answer.unknown_terms,
            "message": answer.message}


def _passage_body(hit: Hit) -> dict[str, Any]:
    meta = hit.meta
    best = hit.best_sentence
    return {
        "rank": hit.rank, "score": hit.score, "text": hit.text,
        "citation": {"document_id": hit.document_id, "title": hit.title, "source": hit.source, "passage": hit.passage,
                     "start": hit.start, "end": hit.end, "url": document_url(hit.document_id, hit.start, hit.end),
                     "source_url": meta.get("url"), "date": meta.get("date"), "author": meta.get("author"),
                     "publisher": meta.get("publisher"), "page": hit.page, "end_page": hit.end_page},
        "best_sentence": {"text": best.text, "start": best.start, "end": best.end, "score": best.score}
        if best else None,
        "highlights": [{"start": span.start, "end": span.end} for span in hit.highlights],
        "explanation": [{"term": c.term, "count": c.count, "tf": c.tf, "df": c.df, "idf": c.idf,
                         "length_norm": c.length_norm, "contribution": c.contribution, "share": c.share}
                        for c in hit.explanation] if hit.explanation is not None else None,
        "proximity": [{"terms": list(p.terms), "near": p.near, "contribution": p.contribution}
                      for p in hit.proximity] if hit.proximity is not None else None,
    }


def to_json(body: Any) -> bytes:
    """JSON bytes of plain data (orjson: UTF-8, no spaces)."""
    return orjson.dumps(body)


class DocumentSummary(BaseModel):
    id: str
    title: str
    source: str
    passages: int
    source_url: str | None = None
    date: str | None = None
    author: str | None = None
    publisher: str | None = None


class DocumentList(BaseModel):
    documents: list[DocumentSummary]


class PassageSpan(BaseModel):
    passage: int
    start: int
    end: int


class SpanInContext(BaseModel):
    start: int
    end: int
    text: str = Field(description="article_text[start:end]")
    context_start: int = Field(description="Start of the surrounding context (whole sentences before the span).")
    context_end: int
    context: str = Field(description="article_text[context_start:context_end], which contains the span.")


class DocumentDetail(BaseModel):
    id: str
    title: str
    source: str
    text: str
    body_start: int = Field(description="Offset where the body starts (after the title line and front matter).")
    passages: list[PassageSpan]
    source_url: str | None = None
    date: str | None = None
    author: str | None = None
    publisher: str | None = None
    span: SpanInContext | None = Field(None, description="The span asked for with ?start=&end=, with context.")


class DocumentIn(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "business/port-strike", "title": "Port strike ends", "text": "Dock workers ended their strike...",
        "date": "2024-03-01", "url": "https://news.example/port-strike"}]})

    id: str = Field(min_length=1, max_length=200, description="Document id; the file is saved as <id>.md in the "
                    "documents folder ('/' makes sub-folders). An existing id is replaced.")
    title: str = Field(min_length=1, max_length=1000)
    text: str = Field(min_length=1, max_length=10_000_000)
    url: str | None = Field(None, max_length=2000)
    date: str | None = Field(None, max_length=100)
    author: str | None = Field(None, max_length=500)

    @field_validator("title", "text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value


class DocumentChange(BaseModel):
    id: str
    source: str
    title: str
    passages: int
    status: str = Field(description="'indexed' or 'removed'.")


class Health(BaseModel):
    status: str = "ok"
    articles: int
    passages: int
    terms: int
    built_at: str = Field(description="When the index was built (UTC, ISO 8601).")
    skipped_files: int


class ErrorBody(BaseModel):
    detail: str


def document_summaries(index: Index) -> DocumentList:
    return DocumentList(documents=[DocumentSummary(id=a.id, title=a.title, source=a.source, passages=a.n_passages,
                                                   source_url=a.meta.get("url"), date=a.meta.get("date"),
                                                   author=a.meta.get("author"), publisher=a.meta.get("publisher"))
                                   for a in index.articles])


CONTEXT_CHARS = 300
"""About this much context is returned on each side of a requested span, extended to whole words."""


def document_detail(index: Index, document_id: str, start: int | None = None,
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
                          span=span_in_context(text, start, end))


def span_in_context(text: str, start: int | None, end: int | None) -> SpanInContext | None:
    """`text[start:end]` with about CONTEXT_CHARS of whole words around it; None when no span was asked for."""
    if start is None and end is None:
        return None
    start = 0 if start is None else start
    end = len(text) if end is None else end
    if not 0 <= start <= end <= len(text):
        raise InvalidRequest(f"the span start={start}, end={end} is not within the article (0..{len(text)})")
    left = max(0, start - CONTEXT_CHARS)
    if left > 0:
        space = text.find(" ", left, start)
        left = space + 1 if space != -1 else left
    right = min(len(text), end + CONTEXT_CHARS)
    if right < len(text):
        space = text.rfind(" ", end, right)
        right = space if space != -1 else right
    return SpanInContext(start=start, end=end, text=text[start:end], context_start=left, context_end=right,
                         context=text[left:right])


def health(index: Index) -> Health:
    manifest = index.manifest
    return Health(articles=manifest["articles"], passages=manifest["passages"], terms=manifest["terms"],
                  built_at=manifest["built_at"], skipped_files=len(manifest.get("skipped", [])))
