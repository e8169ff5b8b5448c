"""`GET /documents`, `GET /documents/{id}`, `POST /documents` and `DELETE /documents/{id}`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from qa.errors import InvalidRequest
from qa.index.reader import ArticleInfo
from qa.web.deps import collection
from qa.web.schemas import (
    NOT_AN_OBJECT,
    DocumentChange,
    DocumentDetail,
    DocumentIn,
    DocumentList,
    ErrorBody,
    ListQuery,
    SpanQuery,
)
from qa.web.security import require_reader, require_writer
from qa.web.views import document_detail, document_summaries

READ_ERRORS: dict[int | str, dict[str, object]] = {
    404: {"model": ErrorBody, "description": "Unknown document"},
    422: {"model": ErrorBody, "description": "Invalid request; `detail` says what to change"}}
WRITE_ERRORS: dict[int | str, dict[str, object]] = {
    **READ_ERRORS,
    401: {"model": ErrorBody, "description": "Missing or wrong API key"},
    403: {"model": ErrorBody, "description": "Writes are disabled (no QA_API_KEY configured), or the documents or "
          "index folder cannot be written (read-only, permission denied); nothing was changed"},
    409: {"model": ErrorBody, "description": "The id clashes with the documents folder (a folder where the file "
          "would go, a file where a folder must be)"},
    507: {"model": ErrorBody, "description": "No space left on a disk for the file or the new index version; "
          "nothing was changed"}}
_UPLOAD = {"type": "object", "required": ["file"], "properties": {"file": {"type": "string", "format": "binary"}}}
_DOCUMENT = "#/paths/~1documents~1%7Bdocument_id%7D"
_ADDED_LINKS = {  # OpenAPI links: what a client (and the stateful fuzz test) can do next with the article it added
    "GetDocument": {"operationRef": f"{_DOCUMENT}/get", "parameters": {"document_id": "$response.body#/id"}},
    "AskAboutIt": {"operationRef": "#/paths/~1ask/get", "parameters": {"q": "$response.body#/title"}},
    "RemoveDocument": {"operationRef": f"{_DOCUMENT}/delete", "parameters": {"document_id": "$response.body#/id"}}}

_SEND_A_FILE = "send the article as a multipart form whose field 'file' holds the file: curl -F file=@article.pdf"

router = APIRouter(tags=["documents"])


@router.get("/documents", response_model=DocumentList, dependencies=[Depends(require_reader)])
async def list_documents(request: Request, _: Annotated[ListQuery, Query()]) -> Response:
    """Every indexed article: id, title, source file and number of passages."""
    return model_response(document_summaries(collection(request).index))


@router.get("/documents/{document_id:path}", response_model=DocumentDetail, responses=READ_ERRORS,
            dependencies=[Depends(require_reader)])
async def get_document(document_id: str, request: Request, span: Annotated[SpanQuery, Query()]) -> Response:
    """One article's full text, title, source and passage spans; with `start`/`end`, also that span with the text
    around it (`span`). Ids may contain `/` (sub-folders)."""
    return model_response(document_detail(collection(request).index, document_id, span.start, span.end))


@router.post("/documents", response_model=DocumentChange, status_code=201,
             responses={**WRITE_ERRORS, 201: {"description": "Indexed", "links": _ADDED_LINKS}},
             dependencies=[Depends(require_writer)],
             openapi_extra={"requestBody": {"required": True, "content": {
                 "application/json": {"schema": DocumentIn.model_json_schema()},
                 "multipart/form-data": {"schema": _UPLOAD}}}})
async def add_document(request: Request) -> Response:
    """Add (or replace, same id) an article: JSON `{"id", "title", "text", "url", "date", "author"}`, or a file
    upload (`file` field of a multipart form). It is saved in the documents folder and indexed incrementally; it is
    answerable as soon as this returns. Needs `Authorization: Bearer <QA_API_KEY>`."""
    documents = collection(request)
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        try:
            form = await request.form()
        except HTTPException as error:  # starlette's 400 for a form it cannot parse: an invalid body, as for JSON
            raise InvalidRequest(f"the form cannot be read: {str(error.detail).rstrip('.')} ({_SEND_A_FILE})") from None
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise InvalidRequest(f"the form has no complete 'file' field ({_SEND_A_FILE})")
        info = await run_in_threadpool(documents.add_file, upload.filename or "", await upload.read())
    elif request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):  # curl -d, no -H
        raise InvalidRequest(f"body: {NOT_AN_OBJECT} (or a file as multipart/form-data: curl -F file=@report.pdf)")
    else:
        try:
            document = DocumentIn.model_validate_json(await request.body())
        except ValidationError as error:
            raise RequestValidationError(error.errors()) from None
        info = await run_in_threadpool(lambda: documents.add_document(**document.model_dump()))
    return model_response(change(info, "indexed"), status_code=201)


@router.delete("/documents/{document_id:path}", response_model=DocumentChange, responses=WRITE_ERRORS,
               dependencies=[Depends(require_writer)])
async def remove_document(document_id: str, request: Request) -> Response:
    """Delete an article: its file is removed from the documents folder and its passages from the index."""
    info = await run_in_threadpool(collection(request).remove, document_id)
    return model_response(change(info, "removed"))


def change(info: ArticleInfo, status: str) -> DocumentChange:
    return DocumentChange(id=info.id, source=info.source, title=info.title, passages=info.n_passages, status=status)


def model_response(model: BaseModel, status_code: int = 200) -> Response:
    """Serialise with pydantic's Rust encoder directly (skips a second validation pass)."""
    return Response(content=model.model_dump_json(), media_type="application/json", status_code=status_code)
