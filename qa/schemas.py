"""Request and response bodies of the HTTP API; `qa ask --json` prints the same `AskResponse`.

Offsets (`start`, `end`, highlight spans) are character offsets into the article as returned by
`GET /documents/{id}` (`text`), half-open: `text[start:end]` is the passage.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from qa.config import MAX_QUESTION_CHARS, MAX_TOP_K
from qa.index import Index
from qa.models import Answer, Hit

_EXAMPLE_QUESTION = "When did Azerbaijan and Turkey sign the Shusha Declaration?"


def _not_blank(question: str) -> str:
    if not question.strip():
        raise ValueError("the question is empty")
    return question


class AskRequest(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"question": _EXAMPLE_QUESTION, "top_k": 3}]})

    question: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS, description="The question, in plain words.")
    top_k: int | None = Field(None, ge=1, le=MAX_TOP_K, description="Passages to return (default: QA_TOP_K, 3).")

    _check_question = field_validator("question")(_not_blank)


class BatchRequest(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"questions": [_EXAMPLE_QUESTION], "top_k": 3}]})

    questions: list[str] = Field(min_length=1, max_length=100, description="Up to 100 questions.")
    top_k: int | None = Field(None, ge=1, le=MAX_TOP_K)

    @field_validator("questions")
    @classmethod
    def _check_questions(cls, questions: list[str]) -> list[str]:
        for number, question in enumerate(questions):
            if not question.strip():
                raise ValueError(f"question {number} is empty")
            if len(question) > MAX_QUESTION_CHARS:
                raise ValueError(f"question {number} is longer than {MAX_QUESTION_CHARS} characters")
        return questions


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


class PassageResult(BaseModel):
    rank: int
    score: float
    text: str
    citation: Citation
    highlights: list[HighlightSpan] = Field(
        description="Article offsets of the words that matched a question term after analysis.")

    @classmethod
    def from_hit(cls, hit: Hit) -> "PassageResult":
        return cls(
            rank=hit.rank, score=hit.score, text=hit.text,
            citation=Citation(document_id=hit.document_id, title=hit.title, source=hit.source, passage=hit.passage,
                              start=hit.start, end=hit.end),
            highlights=[HighlightSpan(start=s.start, end=s.end) for s in hit.highlights],
        )


class AskResponse(BaseModel):
    question: str
    passages: list[PassageResult]
    took_ms: float
    terms: list[str] = Field(description="The question's terms after analysis: what was searched for.")
    message: str | None = Field(None, description="Set when no passage is returned, saying why.")

    @classmethod
    def from_answer(cls, answer: Answer) -> "AskResponse":
        return cls(question=answer.question, passages=[PassageResult.from_hit(h) for h in answer.hits],
                   took_ms=answer.took_ms, terms=answer.terms, message=answer.message)


class BatchResponse(BaseModel):
    answers: list[AskResponse]
    took_ms: float


class DocumentSummary(BaseModel):
    id: str
    title: str
    source: str
    passages: int


class DocumentList(BaseModel):
    documents: list[DocumentSummary]


class PassageSpan(BaseModel):
    passage: int
    start: int
    end: int


class DocumentDetail(BaseModel):
    id: str
    title: str
    source: str
    text: str
    body_start: int = Field(description="Offset where the body starts (after the title line).")
    passages: list[PassageSpan]


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
    return DocumentList(documents=[DocumentSummary(id=a.id, title=a.title, source=a.source, passages=a.n_passages)
                                   for a in index.articles])


def document_detail(index: Index, document_id: str) -> DocumentDetail:
    number = index.article_number(document_id)
    info = index.articles[number]
    spans = [PassageSpan(passage=n, start=s, end=e)
             for _, s, e, n in (index.passage(p) for p in range(info.first_passage,
                                                                   info.first_passage + info.n_passages))]
    return DocumentDetail(id=info.id, title=info.title, source=info.source, text=index.article_text(number),
                          body_start=info.body_start, passages=spans)


def health(index: Index) -> Health:
    manifest = index.manifest
    return Health(articles=manifest["articles"], passages=manifest["passages"], terms=manifest["terms"],
                  built_at=manifest["built_at"], skipped_files=len(manifest.get("skipped", [])))
