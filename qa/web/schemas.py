"""Request bodies of the HTTP API, and the bodies about documents and the service it answers with.

The answer to a question is `qa.models.Answer` itself (a dataclass FastAPI documents and orjson serialises), so
`qa ask --json`, the Python API and HTTP share one definition. Offsets (`start`, `end`, highlight spans) are
character offsets into the article as returned by `GET /documents/{id}` (`text`), half-open.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, ValidationInfo
from pydantic_core import PydanticCustomError

from qa.answer.search import question_too_long
from qa.config import MAX_QUESTION_CHARS, MAX_TOP_K
from qa.dates import parse_date
from qa.defaults import count_from_text, passage_count
from qa.errors import InvalidRequest
from qa.index.live import DOCUMENT_ID_PATTERN, check_document_id
from qa.models import Filter

_EXAMPLE_QUESTION = "When did Azerbaijan and Turkey sign the Shusha Declaration?"
ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"
"""The schema's pattern of a date; `Day` also refuses days that do not exist (2024-02-30)."""
NOT_BLANK = r"[^\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
"""A question (a title, an article's text) must contain a character that is not white space, in the schema too, so
clients can tell before sending. White space is what the handlers' `str.strip` removes (the separators U+001C to
U+001F and U+0085 included), spelt out: the shorthand for it means something else in each regex dialect (JSON
Schema's ECMA-262, pydantic's Rust regex, Python's), and with it a question of U+001D passed the schema and was then
refused as empty."""

def _document_id(value: str) -> str:
    """The handler's own check of an id (`qa.index.live.check_document_id`), with its message."""
    try:
        return check_document_id(value)
    except InvalidRequest as error:
        raise PydanticCustomError("document_id", "{reason}", {"reason": str(error)}) from None


def _not_blank(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("string_blank", "must not be blank")
    return value


DocumentId = Annotated[str, AfterValidator(_document_id), Field(json_schema_extra={"pattern": DOCUMENT_ID_PATTERN})]
"""An id as the handler takes it: checked by the handler's function, stated in the schema by the same pattern, so
every edge that validates with this model (HTTP, MCP) says why an id is refused in the same words."""
NotBlank = Annotated[str, AfterValidator(_not_blank), Field(json_schema_extra={"pattern": NOT_BLANK})]
"""A title or an article's text: refused when `str.strip` leaves nothing, which the schema's NOT_BLANK states."""

Day = Annotated[str, Field(pattern=ISO_DATE, json_schema_extra={"format": "date"}), AfterValidator(parse_date)]

COUNT_ERROR = "passage_count"
"""The type of a validation error whose message is `qa.defaults.count_problem`'s, which names the field itself:
the HTTP API and the MCP server say it as it is ("top_k must be a whole number from 1 to 100, not 0"), as the
Python API and the CLI do, rather than after the field's location."""


def _count(least: int, text: bool = False) -> Callable[[object, ValidationInfo], int]:
    """A number of passages checked by qa's own rule (`qa.defaults.passage_count`) before pydantic sees it, so
    that HTTP and MCP refuse 0, 101, 10**9, 2.5, true or "3" in the Python API's words. JSON Schema's integers: 3
    and 3.0 are integers, true and "3" are not (pydantic's lax mode takes both); `text`: a URL's query, where every
    value is text ("3")."""

    def check(value: object, info: ValidationInfo) -> int:
        if type(value) is int and least <= value <= MAX_TOP_K:  # the common cases, at once (it is per request)
            return value
        if text and type(value) is str and 0 < len(value) < 4 and value.isascii() and value.isdigit() \
                and least <= int(value) <= MAX_TOP_K:
            return int(value)
        name = info.field_name or "top_k"
        try:
            if text and isinstance(value, str):
                return count_from_text(name, value, least)
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            return passage_count(name, value, least)
        except InvalidRequest as error:
            raise PydanticCustomError(COUNT_ERROR, "{reason}", {"reason": str(error)}) from None

    return check


TopK = Annotated[int, Field(ge=1, le=MAX_TOP_K), BeforeValidator(_count(1))]
PerArticle = Annotated[int, Field(ge=0, le=MAX_TOP_K), BeforeValidator(_count(0))]
QueryTopK = Annotated[int, Field(ge=1, le=MAX_TOP_K), BeforeValidator(_count(1, text=True))]
QueryPerArticle = Annotated[int, Field(ge=0, le=MAX_TOP_K), BeforeValidator(_count(0, text=True))]

Question = Annotated[str, Field(min_length=1, max_length=MAX_QUESTION_CHARS, pattern=NOT_BLANK,
                                description="The question, in plain words.")]


_STRICT = ConfigDict(extra="forbid")
"""A field the API does not know is refused (422), not ignored: `date_form` for `date_from` would otherwise answer
without the filter the client meant. (A subclass's `model_config` is merged with its parent's: AskRequest and
BatchRequest keep it.)"""


NOT_AN_OBJECT = "expected a JSON object, sent with 'content-type: application/json'"
"""Why a body that is not a JSON object is refused, with the fix: `curl -d '{...}'` without its content-type header
sends a form, which FastAPI does not read as JSON (pydantic said 'Input should be a valid dictionary or object to
extract fields from')."""


def problem_message(item: Mapping[str, Any]) -> str:
    """One validation problem (an item of pydantic's `errors()`) in qa's words where qa has its own: an empty or
    blank question, an over-long one (as `qa ask` says it), a validator's message without pydantic's "Value error, "
    prefix; else pydantic's message. The HTTP API and the MCP server both say it so."""
    kind, ctx, message = item.get("type"), item.get("ctx") or {}, str(item.get("msg", "invalid"))
    names = [part for part in item.get("loc", ()) if isinstance(part, str)]
    asks = bool(names) and names[-1] in ("question", "q", "questions")  # a batch's item: ("questions", 1)
    if (kind == "string_pattern_mismatch" and ctx.get("pattern") == NOT_BLANK) or (asks and kind == "string_too_short"):
        return "the question is empty"
    if kind in ("model_attributes_type", "model_type") and names in ([], ["body"]):  # a list, a form, plain text
        return NOT_AN_OBJECT
    if kind == "string_too_long" and asks and isinstance(item.get("input"), str) \
            and ctx.get("max_length") == MAX_QUESTION_CHARS:
        return question_too_long(len(item["input"]))
    return message.removeprefix("Value error, ")  # what pydantic puts before a validator's ValueError message


def unknown_field(name: str) -> str:
    """Why a field is refused, with the request field it most likely meant ("date_form": "date_from")."""
    known = {field for model in (AskRequest, AskQuery, BatchRequest, DocumentIn, SpanQuery)
             for field in model.model_fields}
    # a field of another request is not a typo (`question` posted to /documents): no "did you mean questions?"
    close = [] if name in known else difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
    return "not a field of this request" + (f" (did you mean {close[0]}?)" if close else "")


class AskOptions(BaseModel):
    """What every question request may say besides the question itself."""

    model_config = _STRICT

    top_k: TopK | None = Field(None, description="Passages to return, 1..100 (default: QA_TOP_K, 3).")
    explain: StrictBool = Field(False, description="Add each question term's contribution to every passage's score.")
    max_per_article: PerArticle | None = Field(
        None, description="At most this many passages of one article (0: no limit; default "
        "QA_MAX_PER_ARTICLE).")
    source_prefix: str | None = Field(None, max_length=1000, description="Only articles whose file path (relative "
                                      "to the documents folder) starts with this, e.g. `business/`.")
    date_from: Day | None = Field(None, description="Only articles dated on or after (YYYY-MM-DD).")
    date_to: Day | None = Field(None, description="Only articles dated on or before (YYYY-MM-DD).")

    def where(self) -> Filter:
        return Filter(self.source_prefix or None, self.date_from, self.date_to)


class AskRequest(AskOptions):
    model_config = ConfigDict(json_schema_extra={"examples": [{"question": _EXAMPLE_QUESTION, "top_k": 3}]})

    question: Question


class AskQuery(BaseModel):
    """`GET /ask`'s query parameters (one model: FastAPI validates it in one pass, several times faster than
    seven separate parameters)."""

    model_config = _STRICT

    q: Question = Field(examples=[_EXAMPLE_QUESTION])
    top_k: QueryTopK | None = Field(None, description="Passages to return, 1..100 (default 3).")
    explain: bool = Field(False, description="Add each term's contribution to the scores.")
    max_per_article: QueryPerArticle | None = Field(
        None, description="At most this many passages of one article (0: no limit).")
    source_prefix: str | None = Field(None, max_length=1000, description="e.g. business/")
    date_from: Day | None = Field(None, description="YYYY-MM-DD, inclusive")
    date_to: Day | None = Field(None, description="YYYY-MM-DD, inclusive")

    def where(self) -> Filter:
        return Filter(self.source_prefix or None, self.date_from, self.date_to)


class BatchRequest(AskOptions):
    model_config = ConfigDict(json_schema_extra={"examples": [{"questions": [_EXAMPLE_QUESTION], "top_k": 3}]})

    questions: list[Question] = Field(min_length=1, max_length=100, description="Up to 100 questions.")


class DocumentSummary(BaseModel):
    id: str
    title: str
    source: str
    passages: int
    source_url: str | None = None
    date: str | None = None
    author: str | None = None
    publisher: str | None = None
    language: str | None = Field(None, description="The language the article was analysed in (\"en\", \"zh\"...).")


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
    language: str | None = Field(None, description="The language the article was analysed in (\"en\", \"zh\"...).")
    span: SpanInContext | None = Field(None, description="The span asked for with ?start=&end=, with context.")


class DocumentIn(BaseModel):
    model_config = ConfigDict(**_STRICT, json_schema_extra={"examples": [{
        "id": "business/port-strike", "title": "Port strike ends", "text": "Dock workers ended their strike...",
        "date": "2024-03-01", "url": "https://news.example/port-strike"}]})

    id: DocumentId = Field(min_length=1, max_length=200, description="Document id; the file is saved as <id>.md in "
                           "the documents folder ('/' makes sub-folders). An existing id is replaced. Letters, digits, "
                           "'.', '_', '-' and ' ', each folder name starting with a letter or digit.")
    title: NotBlank = Field(min_length=1, max_length=1000)
    text: NotBlank = Field(min_length=1, max_length=10_000_000)
    url: str | None = Field(None, max_length=2000)
    date: str | None = Field(None, max_length=100)
    author: str | None = Field(None, max_length=500)


class DocumentChange(BaseModel):
    id: str
    source: str
    title: str
    passages: int
    status: str = Field(description="'indexed' or 'removed'.")


class SkippedOut(BaseModel):
    source: str = Field(description="The file (or folder, ending in '/'), relative to the documents folder.")
    reason: str


class Health(BaseModel):
    status: str = "ok"
    articles: int
    passages: int
    terms: int
    built_at: str = Field(description="When the index was built (UTC, ISO 8601).")
    skipped_files: int = Field(description="Files (or parts of a JSONL feed) not in the index, unsupported types "
                               "included.")
    skipped: list[SkippedOut] = Field(default_factory=list, description="The first 100 of them, each once, with "
                                      "the reason.")


class ErrorBody(BaseModel):
    detail: str


class ListQuery(BaseModel):
    """`GET /documents` has no query parameters; one it is sent is refused (`?limit=10` would otherwise answer every
    article, saying nothing), as `GET /ask` and `GET /documents/{id}` refuse theirs."""

    model_config = _STRICT


class SpanQuery(BaseModel):
    """`GET /documents/{id}`'s query parameters. A parameter it does not have is refused, as `GET /ask` refuses
    one (`?begin=5` was ignored, and the article came back without the span asked for, saying nothing)."""

    model_config = _STRICT

    start: int | None = Field(None, ge=0, description="Start of a span to return with context.")
    end: int | None = Field(None, ge=0, description="End of that span (exclusive).")
