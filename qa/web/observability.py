"""What the service tells its operators: a count and a log line per request, and no internals to clients.

`Observability` is a pure ASGI middleware, the outermost layer. For every HTTP request it:

1. turns any unexpected exception into `500 {"detail": "internal error"}`, logged with its traceback on the server
   (logger `qa.service`), never sent to the client;
2. counts the request (`qa.web.metrics`: method, route template, status, latency);
3. writes one access-log line (logger `qa.access`; `QA_LOG_FORMAT=json` for one JSON object a line,
   `QA_ACCESS_LOG=false` for none: `qa.logs`);
4. completes the `Allow` header of a 405 from the API's own OpenAPI document (the router lists the methods of the
   first route matching the path only, and `/ask` is GET and POST).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from qa.config import Settings, get_settings
from qa.logs import configure_service_logging
from qa.web import metrics
from qa.web.limits import send_json

log = logging.getLogger("qa.service")
access_log = logging.getLogger("qa.access")

_LOGGED_TARGET_CHARS = 300


class Observability:
    """Pure ASGI middleware: catch-all 500, metrics and access log (see the module docstring)."""

    def __init__(self, app: ASGIApp, settings: Settings | None = None,
                 openapi: Callable[[], dict[str, Any]] | None = None) -> None:
        self.app = app
        self._settings = settings
        self._openapi = openapi
        self._methods: list[tuple[re.Pattern[str], set[str]]] = []
        self._configured = False
        self.log_requests = True

    def _configure(self) -> None:
        settings = self._settings or get_settings()
        self.log_requests = settings.access_log
        configure_service_logging(settings.log_format, settings.access_log)
        if self._openapi is not None:
            self._methods = _methods_by_path(self._openapi())
        self._configured = True

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._configured:
            self._configure()
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        state = _Exchange(send, scope, self._methods)
        try:
            await self.app(scope, receive, state.send)
        except Exception:
            log.exception("unexpected error answering %s %s", scope["method"], _target(scope))
            if not state.status:
                await send_json(state.send, 500, {"detail": "internal error"})
            # else: the response had started; the server closes the connection, the client sees it cut short
        finally:
            elapsed = time.perf_counter() - started
            route = scope.get("route")
            template = getattr(route, "path", None) or metrics.UNMATCHED
            status = state.status or 500
            metrics.observe(scope["method"], template, status, elapsed)
            if self.log_requests:
                _log_access(scope, status, elapsed, template)


class _Exchange:
    """Wraps `send` to remember the response status (0 until the response starts) and to complete `Allow`."""

    __slots__ = ("_send", "_scope", "_methods", "status")

    def __init__(self, send: Send, scope: Scope, methods: list[tuple[re.Pattern[str], set[str]]]) -> None:
        self._send = send
        self._scope = scope
        self._methods = methods
        self.status = 0

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            if self.status == 405:
                message = _with_full_allow(message, self._scope["path"], self._methods)
        await self._send(message)


def _methods_by_path(openapi: dict[str, Any]) -> list[tuple[re.Pattern[str], set[str]]]:
    """Each documented path as a pattern (a `{parameter}` may hold slashes: document ids do), with its methods."""
    found = []
    for path, operations in openapi.get("paths", {}).items():
        pattern = re.compile("^" + re.sub(r"\\\{[^/]+?\\\}", ".+", re.escape(path)) + "$")
        found.append((pattern, {method.upper() for method in operations}))
    return found


def _with_full_allow(message: Message, path: str, methods: list[tuple[re.Pattern[str], set[str]]]) -> Message:
    """The 405 with `Allow` listing every method documented for `path`."""
    allowed: set[str] = set()
    for pattern, path_methods in methods:
        if pattern.match(path):
            allowed |= path_methods
    if not allowed:
        return message
    headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"allow"]
    headers.append((b"allow", ", ".join(sorted(allowed)).encode()))
    return {**message, "headers": headers}


def _target(scope: Scope) -> str:
    """The request target as sent (percent-encoded), non-ASCII escaped, cut to a readable length."""
    target: bytes = scope.get("raw_path") or scope["path"].encode("utf-8", "backslashreplace")
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
