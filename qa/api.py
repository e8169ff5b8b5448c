"""The HTTP API: a thin FastAPI layer over `Searcher.ask` and the loaded `Index`.

`create_app()` builds the app; the index is opened (built if needed) once, in the lifespan, into `app.state`.
`service.py` at the top level holds `app = create_app()` for `uvicorn service:app`; `qa serve` runs the same
factory. Errors raised by qa (`qa.errors`) become 4xx responses with a one-line `detail`; nothing else leaks.
"""

from __future__ import annotations

import gc
import hmac
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

import orjson
from fastapi import Depends, FastAPI, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool

from qa.config import Settings, get_settings
from qa.errors import DocumentNotFound, Forbidden, InvalidRequest, QAError, Unauthorized
from qa.live import LiveIndex
from qa.middleware import install_service_layers
from qa.schemas import (NOT_BLANK, AskQuery, AskRequest, AskResponse, BatchRequest, BatchResponse, DocumentChange,
                        DocumentDetail, DocumentIn, DocumentList, ErrorBody, Health, answer_body, document_detail,
                        document_summaries, health, to_json)
from qa.search import Searcher

log = logging.getLogger("qa")

STATIC = Path(__file__).parent / "static"

_ERRORS = {404: {"model": ErrorBody, "description": "Unknown document"},
           422: {"model": ErrorBody, "description": "Invalid request; `detail` says what to change"}}
_WRITE_ERRORS = {**_ERRORS, 401: {"model": ErrorBody, "description": "Missing or wrong API key"},
                 403: {"model": ErrorBody, "description": "Writes are disabled (no QA_API_KEY configured)"}}


def create_app(settings: Settings | None = None) -> FastAPI:
    """The qa HTTP app over `settings.documents` (default: settings from the `QA_*` environment)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        chosen = settings or get_settings()
        app.state.settings = chosen
        app.state.live = live = LiveIndex(chosen)
        gc.collect()
        gc.freeze()  # the loaded index's objects leave the collector's sight: full collections stop pausing questions
        if chosen.watch:
            live.start_watching(chosen.watch_interval)
        try:
            yield
        finally:
            live.stop()

    app = FastAPI(
        title="qa",
        summary="Ask questions over a folder of articles; get the passages that answer them, with citations.",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,  # served below from local files: the default pulls Swagger UI from a CDN
        redoc_url=None,
    )
    _add_error_handlers(app)
    _add_routes(app)
    _add_page(app)
    install_service_layers(app, settings)
    return app


def _add_page(app: FastAPI) -> None:
    """The question page (`/`, plain HTML/JS/CSS from qa/static, no build step, no external assets)."""

    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    import swagger_ui_bundle

    app.mount("/swagger", StaticFiles(directory=swagger_ui_bundle.swagger_ui_path), name="swagger")

    @app.get("/docs", include_in_schema=False)
    async def api_docs() -> Response:
        """Interactive API docs (Swagger UI), with its files served by this service: works offline."""
        return get_swagger_ui_html(openapi_url="/openapi.json", title="qa API",
                                   swagger_js_url="/swagger/swagger-ui-bundle.js",
                                   swagger_css_url="/swagger/swagger-ui.css",
                                   swagger_favicon_url="/swagger/favicon-32x32.png")


def _json(model: BaseModel, status_code: int = 200) -> Response:
    """Serialise with pydantic's Rust encoder directly (skips a second validation pass)."""
    return Response(content=model.model_dump_json(), media_type="application/json", status_code=status_code)


def _raw_json(body: object) -> Response:
    """Serialise plain data (an answer's body, `answer_body`) with orjson."""
    return Response(content=to_json(body), media_type="application/json")


def _check_key(request: Request, required: bool) -> None:
    """Bearer-token check: writes always need QA_API_KEY; reads only with QA_PROTECT_READS."""
    settings: Settings = request.app.state.settings
    if not required:
        return
    if not settings.api_key:
        raise Forbidden("writes are disabled: set QA_API_KEY to enable POST and DELETE /documents")
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), settings.api_key.encode()):
        raise Unauthorized("a valid API key is required: send 'Authorization: Bearer <QA_API_KEY>'")


async def require_reader(request: Request) -> None:  # async: FastAPI would run a plain def in a thread
    _check_key(request, request.app.state.settings.protect_reads)


async def require_writer(request: Request) -> None:
    _check_key(request, True)


FastPath = Callable[[Request], Awaitable[Response | None]]


class FastPathRoute(APIRoute):
    """A route that FastAPI documents and validates as usual, with a fast path for plainly valid requests.

    Per request, FastAPI's machinery (dependencies, collecting parameters, validating them with error locations)
    costs about 50 µs, as much as ranking a question over 100,000 passages: on `/ask`, the service's hot path,
    that is a tenth of the server's throughput. The endpoint's `fast_path(request)` (see `with_fast_path`)
    validates with the same pydantic model and answers. When it returns None (anything but a plainly valid
    request: a missing or out-of-range field, malformed JSON, another content type), FastAPI's own handler takes
    the same request, so every error, status code and message stays exactly FastAPI's.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        standard = super().get_route_handler()
        fast: FastPath | None = getattr(self.endpoint, "fast_path", None)
        if fast is None:
            return standard

        async def handler(request: Request) -> Response:
            response = await fast(request)
            return response if response is not None else await standard(request)

        return handler


def with_fast_path(fast: FastPath) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Give an endpoint its `FastPathRoute` fast path."""

    def attach(endpoint: Callable[..., Any]) -> Callable[..., Any]:
        endpoint.fast_path = fast  # type: ignore[attr-defined]
        return endpoint

    return attach


def _json_body(request: Request, body: bytes) -> Any:
    """The body as JSON when FastAPI would read it as JSON (`application/json` or `application/*+json`), else
    None; None too for JSON that orjson refuses (FastAPI's path then says what is wrong)."""
    main, _, sub = request.headers.get("content-type", "").partition(";")[0].strip().lower().partition("/")
    if not body or main != "application" or not (sub == "json" or sub.endswith("+json")):
        return None
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return None


def _add_routes(app: FastAPI) -> None:
    def searcher(request: Request) -> Searcher:
        return request.app.state.live.searcher

    def default_top_k(request: Request, top_k: int | None) -> int:
        return top_k if top_k is not None else request.app.state.settings.top_k

    def answer(request: Request, question: str, options: AskQuery | AskRequest) -> Response:
        """The one way both `/ask` routes answer."""
        found = searcher(request).ask(question, default_top_k(request, options.top_k), explain_scores=options.explain,
                                      max_per_article=options.max_per_article, where=options.where())
        return _raw_json(answer_body(found))

    async def ask_fast(request: Request) -> Response | None:
        data = _json_body(request, await request.body())
        if not isinstance(data, dict):
            return None  # FastAPI decides: it reports unreadable JSON even before it checks the key
        await require_reader(request)
        try:
            body = AskRequest.model_validate(data)
        except ValidationError:
            return None
        return answer(request, body.question, body)

    async def ask_get_fast(request: Request) -> Response | None:
        await require_reader(request)
        try:
            query = AskQuery.model_validate(dict(request.query_params))  # the last of repeated keys, as FastAPI
        except ValidationError:
            return None
        return answer(request, query.q, query)

    @with_fast_path(ask_fast)
    async def ask(body: AskRequest, request: Request) -> Response:
        """Answer one question with the best passages, each with its citation."""
        return answer(request, body.question, body)

    @with_fast_path(ask_get_fast)
    async def ask_get(request: Request, query: Annotated[AskQuery, Query()]) -> Response:
        """The same as `POST /ask`, for links and quick tries: `GET /ask?q=...&top_k=3&explain=true`."""
        return answer(request, query.q, query)

    for method, endpoint in (("POST", ask), ("GET", ask_get)):
        app.router.add_api_route("/ask", endpoint, methods=[method], response_model=AskResponse, responses=_ERRORS,
                                 tags=["ask"], dependencies=[Depends(require_reader)],
                                 route_class_override=FastPathRoute)

    @app.post("/ask/batch", response_model=BatchResponse, responses=_ERRORS, tags=["ask"], dependencies=[Depends(require_reader)])
    async def ask_batch(body: BatchRequest, request: Request) -> Response:
        """Answer up to 100 questions in one request; answers come back in the questions' order."""
        started = time.perf_counter()
        top_k = default_top_k(request, body.top_k)
        where = body.where()
        answers = [answer_body(searcher(request).ask(q, top_k, explain_scores=body.explain,
                                                     max_per_article=body.max_per_article, where=where))
                   for q in body.questions]
        return _raw_json({"answers": answers, "took_ms": round((time.perf_counter() - started) * 1000, 3)})

    @app.get("/documents", response_model=DocumentList, tags=["documents"], dependencies=[Depends(require_reader)])
    async def list_documents(request: Request) -> Response:
        """Every indexed article: id, title, source file and number of passages."""
        return _json(document_summaries(searcher(request).index))

    @app.get("/documents/{document_id:path}", response_model=DocumentDetail, responses=_ERRORS, tags=["documents"], dependencies=[Depends(require_reader)])
    async def get_document(
        document_id: str,
        request: Request,
        start: Annotated[int | None, Query(ge=0, description="Start of a span to return with context.")] = None,
        end: Annotated[int | None, Query(ge=0, description="End of that span (exclusive).")] = None,
    ) -> Response:
        """One article's full text, title, source and passage spans; with `start`/`end`, also that span with
        the text around it (`span`). Ids may contain `/` (sub-folders)."""
        return _json(document_detail(searcher(request).index, document_id, start, end))

    @app.post("/documents", response_model=DocumentChange, status_code=201, responses=_WRITE_ERRORS,
              tags=["documents"], dependencies=[Depends(require_writer)],
              openapi_extra={"requestBody": {"required": True, "content": {
                  "application/json": {"schema": {"$ref": "#/components/schemas/DocumentIn"}},
                  "multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {
                      "file": {"type": "string", "format": "binary"}}}}}}})
    async def add_document(request: Request) -> Response:
        """Add (or replace, same id) an article: JSON `{"id", "title", "text", "url", "date", "author"}`, or a
        file upload (`file` field of a multipart form). It is saved in the documents folder and indexed
        incrementally; it is answerable as soon as this returns. Needs `Authorization: Bearer <QA_API_KEY>`."""
        live: LiveIndex = request.app.state.live
        if request.headers.get("content-type", "").startswith("multipart/form-data"):
            form = await request.form()
            upload = form.get("file")
            if upload is None or isinstance(upload, str):
                raise InvalidRequest("the form needs a 'file' field holding the article file")
            info = await run_in_threadpool(live.add_file, upload.filename or "", await upload.read())
        else:
            try:
                document = DocumentIn.model_validate_json(await request.body())
            except ValidationError as error:
                raise RequestValidationError(error.errors()) from None
            info = await run_in_threadpool(lambda: live.add_document(**document.model_dump()))
        return _json(DocumentChange(id=info.id, source=info.source, title=info.title, passages=info.n_passages,
                                    status="indexed"), status_code=201)

    @app.delete("/documents/{document_id:path}", response_model=DocumentChange, responses=_WRITE_ERRORS,
                tags=["documents"], dependencies=[Depends(require_writer)])
    async def remove_document(document_id: str, request: Request) -> Response:
        """Delete an article: its file is removed from the documents folder and its passages from the index."""
        info = await run_in_threadpool(request.app.state.live.remove, document_id)
        return _json(DocumentChange(id=info.id, source=info.source, title=info.title, passages=info.n_passages,
                                    status="removed"))

    @app.get("/health", response_model=Health, tags=["service"])
    async def get_health(request: Request) -> Response:
        """Liveness, and what is indexed: articles, passages, when the index was built."""
        return _json(health(searcher(request).index))


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
        problems = []
        for item in error.errors():
            where = ".".join(str(part) for part in item.get("loc", ()) if part != "body") or "body"
            message = item.get("msg", "invalid")
            if item.get("type") == "string_pattern_mismatch" and (item.get("ctx") or {}).get("pattern") == NOT_BLANK:
                message = "the question is empty"  # the NOT_BLANK pattern, said in words
            problems.append(f"{where}: {message}")
        details = [{k: v for k, v in item.items() if k in ("loc", "msg", "type")} for item in error.errors()]
        return JSONResponse(status_code=422, content={"detail": "; ".join(problems) or "invalid request",
                                                      "errors": jsonable_encoder(details)})

    @app.exception_handler(InvalidRequest)
    async def invalid_question(request: Request, error: InvalidRequest) -> JSONResponse:
        return JSONResponse(status_code=422, content={"detail": str(error)})

    @app.exception_handler(DocumentNotFound)
    async def not_found(request: Request, error: DocumentNotFound) -> JSONResponse:
        return JSONResponse(status_code=404, content={"detail": str(error)})

    @app.exception_handler(Unauthorized)
    async def unauthorized(request: Request, error: Unauthorized) -> JSONResponse:
        return JSONResponse(status_code=401, content={"detail": str(error)}, headers={"WWW-Authenticate": "Bearer"})

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, error: Forbidden) -> JSONResponse:
        return JSONResponse(status_code=403, content={"detail": str(error)})

    @app.exception_handler(QAError)
    async def other_error(request: Request, error: QAError) -> JSONResponse:
        log.warning("request failed: %s", error)
        return JSONResponse(status_code=400, content={"detail": str(error)})
