"""Service layers around the HTTP API: limits, time budget, CORS, error hiding, metrics and access logs.

`install_service_layers(app, settings)` (called at the end of `qa.api.create_app`) adds one pure ASGI middleware,
`ServiceLayers`, and the `GET /metrics` endpoint. For every HTTP request the middleware, in this order:

1. refuses a body larger than `QA_MAX_BODY_BYTES` with 413 (from `Content-Length` before reading anything, or while
   reading a chunked body); an article upload (`POST /documents`) may be as large as `QA_MAX_FILE_MB` allows;
   a JSON body that is not UTF-8 is 422;
2. runs the app under a time budget of `QA_REQUEST_TIMEOUT_S`: a request that has not started its response by then
   is answered 504 (CPU-bound work in the event loop cannot be interrupted; the budget is enforced as soon as the
   handler yields, and bounds slow uploads);
3. turns any unexpected exception into `500 {"detail": "internal error"}`, logged with its traceback on the
   server, never sent to the client;
4. counts the request (`qa.metrics`: method, route template, status, latency) and writes one access-log line
   (logger `qa.access`; `QA_LOG_FORMAT=json` for one JSON object a line, `QA_ACCESS_LOG=false` for none).

CORS is off unless `QA_CORS_ORIGINS` lists origins (comma-separated, or `*`). Settings are read when the first
request arrives (from `settings`, else `qa.config.get_settings()`), so `service.py` can build the app at import.

It is one middleware rather than four on purpose: each ASGI layer costs a few microseconds per request, and
`BaseHTTPMiddleware` costs far more.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import time
from datetime import datetime, timezone
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response
from starlette.middleware.cors import CORSMiddleware
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from qa import metrics
from qa.config import Settings, get_settings

log = logging.getLogger("qa.service")
access_log = logging.getLogger("qa.access")

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_LOGGED_TARGET_CHARS = 300
_UPLOAD_PATH = "/documents"
_FORM_OVERHEAD_BYTES = 65_536


def install_service_layers(app: FastAPI, settings: Settings | None) -> None:
    """Add the limits, CORS, error hiding, metrics and access logs to `app`, and `GET /metrics`."""
    app.add_middleware(ServiceLayers, settings=settings, routes=app.router.routes)

    @app.get("/metrics", tags=["service"], response_class=Response,
             responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text format"}})
    async def get_metrics(request: Request) -> Response:
        """Prometheus metrics: requests by route and status, latency histogram, index size and age, process."""
        body, content_type = metrics.render(_served_index(request.app))
        return Response(content=body, media_type=content_type)


def _served_index(app: FastAPI) -> Any:
    """The index the app answers from (`app.state.live` keeps it current), or None before the lifespan ran."""
    live = getattr(app.state, "live", None)
    if live is not None:
        return live.index
    searcher = getattr(app.state, "searcher", None)
    return searcher.index if searcher is not None else None


class ServiceLayers:
    """Pure ASGI middleware: body limit, time budget, catch-all 500, metrics and access log (see the module)."""

    def __init__(self, app: ASGIApp, settings: Settings | None = None, routes: list[BaseRoute] | None = None) -> None:
        self.app = app
        self._settings = settings
        self._routes = routes if routes is not None else []
        self._inner: ASGIApp | None = None

    def _configure(self) -> ASGIApp:
        settings = self._settings or get_settings()
        self.max_body = settings.max_body_bytes
        # an article upload (POST /documents) may be as large as an article file may be, plus the form's overhead
        max_file = settings.max_file_bytes
        self.max_upload = max(self.max_body, max_file + _FORM_OVERHEAD_BYTES)
        self.budget = settings.request_timeout_s
        self.log_requests = settings.access_log
        configure_logging(settings.log_format, settings.access_log)
        origins = [origin.strip() for origin in settings.cors_origins.split(",") if origin.strip()]
        inner = self.app
        if origins:
            inner = CORSMiddleware(inner, allow_origins=origins, allow_methods=["GET", "POST", "DELETE"],
                                   allow_headers=["content-type", "authorization"], max_age=600)
        self._inner = inner
        return inner

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        inner = self._inner or self._configure()
        if scope["type"] != "http":
            await inner(scope, receive, send)
            return
        started = time.perf_counter()
        state = _Exchange(send, scope, self._routes)
        try:
            await self._handle(inner, scope, receive, state)
        except Exception:
            log.exception("unexpected error answering %s %s", scope["method"], _target(scope))
            if not state.status:
                await _send_json(state.send, 500, {"detail": "internal error"})
            # else: the response had started; the server closes the connection, the client sees it cut short
        finally:
            elapsed = time.perf_counter() - started
            route = scope.get("route")
            template = getattr(route, "path", None) or metrics.UNMATCHED
            status = state.status or 500
            metrics.observe(scope["method"], template, status, elapsed)
            if self.log_requests:
                _log_access(scope, status, elapsed, template)

    async def _handle(self, inner: ASGIApp, scope: Scope, receive: Receive, state: "_Exchange") -> None:
        """Run the request; at the budget, cancel it if no response has started (then answer 504)."""
        task = asyncio.current_task()
        timed_out = False

        def on_budget_spent() -> None:
            nonlocal timed_out
            if not state.status and task is not None:
                timed_out = True
                task.cancel()

        timer = asyncio.get_running_loop().call_later(self.budget, on_budget_spent)
        try:
            await self._checked(inner, scope, receive, state.send)
        except asyncio.CancelledError:
            if not timed_out:
                raise  # the server is shutting down, or the client left
            if task is not None:
                task.uncancel()
            if not state.status:
                await _send_json(state.send, 504, {"detail": f"the request took longer than the time budget of "
                                                             f"{self.budget:g} s"})
        finally:
            timer.cancel()

    async def _checked(self, inner: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse a body over the size limit (413) or a JSON body that is not UTF-8 (422); then run the app."""
        if scope["method"] in _BODY_METHODS:
            limit = self.max_upload if scope["path"] == _UPLOAD_PATH else self.max_body
            length = _content_length(scope)
            if length is not None and length > limit:
                await _send_json(send, 413, {"detail": _too_large(limit)})
                return
            body = await _read_body(receive, limit)
            if body is None:
                await _send_json(send, 413, {"detail": _too_large(limit)})
                return
            if body and _is_json(scope):
                try:
                    body.decode("utf-8")
                except UnicodeDecodeError as error:
                    detail = f"body: the request body is not UTF-8 (invalid byte at offset {error.start})"
                    await _send_json(send, 422, {"detail": detail, "errors": [
                        {"loc": ["body"], "msg": detail, "type": "json_invalid"}]})
                    return
            receive = _replay(body, receive)
        await inner(scope, receive, send)


def _too_large(limit: int) -> str:
    return f"the request body is larger than the limit of {limit} bytes"


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    """The whole request body, or None as soon as it exceeds `limit` bytes."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":  # http.disconnect: the app will see it on its next receive
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that hands the app the body already read, then waits on the real one (for a disconnect)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _is_json(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"content-type":
            return b"json" in value.lower()
    return True  # FastAPI reads a body without a content type as JSON


class _Exchange:
    """Wraps `send` to remember the response status (0 until the response starts) and to complete `Allow`."""

    __slots__ = ("_send", "_scope", "_routes", "status")

    def __init__(self, send: Send, scope: Scope, routes: list[BaseRoute]) -> None:
        self._send = send
        self._scope = scope
        self._routes = routes
        self.status = 0

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            if self.status == 405:
                message = _with_full_allow(message, self._scope, self._routes)
        await self._send(message)


def _with_full_allow(message: Message, scope: Scope, routes: list[BaseRoute]) -> Message:
    """Starlette's 405 lists the methods of the first route matching the path only (`/ask` is GET and POST)."""
    methods: set[str] = set()
    for route in routes:
        regex, route_methods = getattr(route, "path_regex", None), getattr(route, "methods", None)
        if regex is not None and route_methods and regex.match(scope["path"]):
            methods |= route_methods
    if not methods:
        return message
    headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"allow"]
    headers.append((b"allow", ", ".join(sorted(methods)).encode()))
    return {**message, "headers": headers}


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _send_json(send: Send, status: int, body: dict[str, Any]) -> None:
    content = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(content)).encode())]})
    await send({"type": "http.response.body", "body": content})


def _target(scope: Scope) -> str:
    """The request target as sent (percent-encoded), non-ASCII escaped, cut to a readable length."""
    target = scope.get("raw_path") or scope["path"].encode("utf-8", "backslashreplace")
    if scope.get("query_string"):
        target += b"?" + scope["query_string"]
    text = target.decode("ascii", "backslashreplace")
    return text if len(text) <= _LOGGED_TARGET_CHARS else text[:_LOGGED_TARGET_CHARS] + "..."


def _log_access(scope: Scope, status: int, elapsed: float, route: str) -> None:
    client = scope.get("client")
    host = client[0] if client else "-"
    target = _target(scope)
    access_log.info('%s "%s %s" %d %.2fms', host, scope["method"], target, status, elapsed * 1000,
                    extra={"client": host, "method": scope["method"], "path": target, "route": route,
                           "status": status, "duration_ms": round(elapsed * 1000, 3)})


# -- logging ------------------------------------------------------------------------------------------------

_ACCESS_FIELDS = ("client", "method", "path", "route", "status", "duration_ms")


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, the access fields when present, and `exc_info`."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in _ACCESS_FIELDS:
            if hasattr(record, name):
                entry[name] = getattr(record, name)
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever `sys.stderr` is at the time (test runners swap it)."""

    def __init__(self) -> None:
        super().__init__()

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        pass


def configure_logging(log_format: str, access: bool) -> None:
    """Give the service's loggers (`qa.access`, `qa.service`) one stderr handler in `log_format` ("text" or "json").

    Access lines are logged at INFO (WARNING when `access` is off, which silences them). The handler is added once
    per process (a later app updates its format); these loggers do not propagate, so a host's handler on `qa`
    (the CLI's) never prints a line twice. A handler the host put on them itself is left alone.
    """
    formatter = (JsonFormatter() if log_format == "json"
                 else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    for logger in (access_log, log):
        ours = [h for h in logger.handlers if isinstance(h, _StderrHandler)]
        if logger.handlers and not ours:
            continue
        handler = ours[0] if ours else _StderrHandler()
        handler.setFormatter(formatter)
        if not ours:
            logger.addHandler(handler)
        logger.propagate = False
    access_log.setLevel(logging.INFO if access else logging.WARNING)
