"""The HTTP API: a thin FastAPI layer over `qa.collection.Collection`.

`create_app()` builds the app; the collection (its index opened, built if needed) is made once, in the lifespan,
into `app.state`. `service.py` at the top level holds `app = create_app()` for `uvicorn service:app`; `qa serve`
runs the same factory. Errors raised by qa (`qa.errors`) become 4xx responses with a one-line `detail` (507 for a
write the disk has no space for); anything else is a 500 whose details stay in the server's log
(`qa.web.observability`). Every error body is `{"detail": "..."}` (422s add `errors`, each problem located).
"""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from qa.collection import Collection
from qa.config import Settings, get_settings
from qa.errors import (
    Conflict,
    DocumentNotFound,
    Forbidden,
    InvalidRequest,
    NoSpace,
    NotWritable,
    QAError,
    Unauthorized,
    Unavailable,
)
from qa.web.deps import Served
from qa.web.fastpath import FastLane
from qa.web.limits import Limits
from qa.web.observability import Observability
from qa.web.routes import ask, documents, page, service
from qa.web.schemas import COUNT_ERROR, problem_message, unknown_field

log = logging.getLogger("qa")


def create_app(settings: Settings | None = None, *,
               open_served: Callable[[Settings], Served] | None = None) -> FastAPI:
    """The qa HTTP app over `settings.documents` (default: settings from the `QA_*` environment).

    `open_served` opens what it answers from in place of a `Collection` of the folder: `qa serve --ray` passes
    one that reaches the shards of a sharded index on Ray (`qa.distributed.cluster`); the app is otherwise the
    same."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        chosen = settings or get_settings()
        app.state.settings = chosen
        collection: Served = (open_served(chosen) if open_served is not None
                              else Collection(settings=chosen, warm=True))
        app.state.collection = collection
        gc.collect()
        gc.freeze()  # the loaded index's objects leave the collector's sight: full collections stop pausing questions
        if chosen.watch:
            collection.watch()
        try:
            yield
        finally:
            collection.close()

    app = FastAPI(
        title="qa",
        summary="Ask questions over a folder of articles; get the passages that answer them, with citations.",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,  # served by `routes.page` from local files: the default pulls Swagger UI from a CDN
        redoc_url=None,
    )
    _add_error_handlers(app)
    asking = ask.router()
    app.include_router(asking)
    app.include_router(documents.router)
    app.include_router(service.router)
    page.mount(app)
    app.add_middleware(FastLane, routes=asking.routes)  # innermost: limits, metrics and the access log see it
    app.add_middleware(Limits, settings=settings)
    app.add_middleware(Observability, settings=settings, openapi=app.openapi)
    return app


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
        problems = []
        for item in error.errors():
            where = ".".join(str(part) for part in item.get("loc", ()) if part != "body") or "body"
            if item.get("type") == "json_invalid" and where != "body":
                # FastAPI's location is ("body", offset): say where in the body, and why, not a bare "22: ..."
                reason = (item.get("ctx") or {}).get("error")
                where, message = "body", f"{item['msg']} at character {where}" + (f" ({reason})" if reason else "")
            elif item.get("type") == "extra_forbidden":
                message = unknown_field(str(item.get("loc", ("",))[-1]))
            else:
                message = problem_message(item)  # qa's words for an empty or long question, as MCP says them
            problems.append(message if item.get("type") == COUNT_ERROR else f"{where}: {message}")
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

    @app.exception_handler(Conflict)
    async def conflict(request: Request, error: Conflict) -> JSONResponse:
        return JSONResponse(status_code=409, content={"detail": str(error)})

    @app.exception_handler(NoSpace)
    async def no_space(request: Request, error: NoSpace) -> JSONResponse:
        log.error("write refused: %s", error)  # the path is for the server's log, not for the client
        return JSONResponse(status_code=507, content={
            "detail": f"no space left on the disk of the {error.what}; nothing was changed"})

    @app.exception_handler(NotWritable)
    async def not_writable(request: Request, error: NotWritable) -> JSONResponse:
        log.error("write refused: %s", error)
        return JSONResponse(status_code=403, content={
            "detail": f"the {error.what} cannot be written ({error.reason}); nothing was changed"})

    @app.exception_handler(Unavailable)
    async def unavailable(request: Request, error: Unavailable) -> JSONResponse:
        log.warning("request not answered now: %s", error)
        return JSONResponse(status_code=503, content={"detail": str(error)}, headers={"Retry-After": "1"})

    @app.exception_handler(QAError)
    async def other_error(request: Request, error: QAError) -> JSONResponse:
        log.warning("request failed: %s", error)
        return JSONResponse(status_code=400, content={"detail": str(error)})
