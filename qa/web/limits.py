"""Limits of one HTTP request: its body's size and encoding, and its time budget.

`Limits` is a pure ASGI middleware (`BaseHTTPMiddleware` costs far more per request). For every HTTP request it:

1. refuses a body larger than `QA_MAX_BODY_BYTES` with 413 (from `Content-Length` before reading anything, or while
   reading a chunked body); an article upload (`POST /documents`) may be as large as `QA_MAX_FILE_MB` allows;
   a JSON body that is not UTF-8 is 422;
2. runs the app under a time budget of `QA_REQUEST_TIMEOUT_S`: a request that has not started its response by then
   is answered 504 (CPU-bound work in the event loop cannot be interrupted; the budget is enforced as soon as the
   handler yields, and bounds slow uploads).

CORS is off unless `QA_CORS_ORIGINS` lists origins (comma-separated, or `*`): then starlette's `CORSMiddleware`
runs inside this one. Settings are read when the first request arrives (from `settings`, else
`qa.config.get_settings()`), so `service.py` can build the app at import.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from qa.config import Settings, get_settings

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_UPLOAD_PATH = "/documents"
_FORM_OVERHEAD_BYTES = 65_536


class Limits:
    """Pure ASGI middleware: body limit, UTF-8 JSON bodies, time budget, and CORS when configured."""

    def __init__(self, app: ASGIApp, settings: Settings | None = None) -> None:
        self.app = app
        self._settings = settings
        self._inner: ASGIApp | None = None

    def _configure(self) -> ASGIApp:
        settings = self._settings or get_settings()
        self.max_body = settings.max_body_bytes
        # an article upload (POST /documents) may be as large as an article file may be, plus the form's overhead
        self.max_upload = max(self.max_body, settings.max_file_bytes + _FORM_OVERHEAD_BYTES)
        self.budget = settings.request_timeout_s
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
        await self._handle(inner, scope, receive, _Started(send))

    async def _handle(self, inner: ASGIApp, scope: Scope, receive: Receive, state: _Started) -> None:
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
                await send_json(state.send, 504, {"detail": f"the request took longer than the time budget of "
                                                             f"{self.budget:g} s"})
        finally:
            timer.cancel()

    async def _checked(self, inner: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse a body over the size limit (413) or a JSON body that is not UTF-8 (422); then run the app."""
        if scope["method"] in _BODY_METHODS:
            limit = self.max_upload if scope["path"] == _UPLOAD_PATH else self.max_body
            length = _content_length(scope)
            if length is not None and length > limit:
                await send_json(send, 413, {"detail": _too_large(limit)})
                return
            body = await read_body(receive, limit)
            if body is None:
                await send_json(send, 413, {"detail": _too_large(limit)})
                return
            if body and _is_json(scope):
                try:
                    body.decode("utf-8")
                except UnicodeDecodeError as error:
                    detail = f"body: the request body is not UTF-8 (invalid byte at offset {error.start})"
                    await send_json(send, 422, {"detail": detail, "errors": [
                        {"loc": ["body"], "msg": detail, "type": "json_invalid"}]})
                    return
            receive = replay(body, receive)
        await inner(scope, receive, send)


def _too_large(limit: int) -> str:
    return f"the request body is larger than the limit of {limit} bytes"


async def read_body(receive: Receive, limit: int | None = None) -> bytes | None:
    """The whole request body, or None as soon as it exceeds `limit` bytes (if one is given)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":  # http.disconnect: the app will see it on its next receive
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if limit is not None and size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that hands the app the body already read, then waits on the real one (for a disconnect)."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed


def _is_json(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"content-type":
            return b"json" in value.lower()
    return True  # FastAPI reads a body without a content type as JSON


class _Started:
    """Wraps `send` to remember whether the response has started (then no other status can be sent)."""

    __slots__ = ("_send", "status")

    def __init__(self, send: Send) -> None:
        self._send = send
        self.status = 0

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
        await self._send(message)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def send_json(send: Send, status: int, body: dict[str, Any]) -> None:
    content = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(content)).encode())]})
    await send({"type": "http.response.body", "body": content})
