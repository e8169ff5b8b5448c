"""A route that FastAPI documents and validates as usual, with a fast path for plainly valid requests.

Per request, FastAPI's machinery (dependencies, collecting parameters, validating them with error locations) costs
about 50 µs, as much as ranking a question over 100,000 passages: on `/ask`, the service's hot path, that is a
tenth of the server's throughput. An endpoint decorated `with_fast_path(fast)` is first offered to `fast(request)`,
which validates with the same pydantic model and answers. When it returns None (anything but a plainly valid
request: a missing or out-of-range field, malformed JSON, another content type), FastAPI's own handler takes the
same request, so every error, status code and message stays exactly FastAPI's (tested request by request).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import orjson
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException

FastPath = Callable[[Request], Awaitable[Response | None]]


class FastPathRoute(APIRoute):
    """An `APIRoute` whose endpoint may carry a `fast_path` (see the module docstring)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        standard = super().get_route_handler()
        fast: FastPath | None = getattr(self.endpoint, "fast_path", None)

        async def handler(request: Request) -> Response:
            if fast is not None:
                response = await fast(request)
                if response is not None:
                    return response
            try:
                return await standard(request)
            except HTTPException as error:
                if error.status_code == 400 and _too_deep(await request.body()):
                    raise _malformed_json("nested too deeply") from None
                raise

        return handler


def _too_deep(body: bytes) -> bool:
    """Whether `body` is JSON nested deeper than Python's parser goes (a 1 MB body of `[`). FastAPI answers such a
    body 400 ("There was an error parsing the body"), as any body it fails to parse other than by a
    `json.JSONDecodeError`; it is malformed JSON, which the API documents as 422."""
    try:
        json.loads(body)
    except RecursionError:
        return True
    except ValueError:
        pass
    return False


def _malformed_json(reason: str) -> RequestValidationError:
    """The error FastAPI raises for malformed JSON (answered 422 by the app's handler)."""
    return RequestValidationError([{"type": "json_invalid", "loc": ("body",), "msg": f"JSON decode error ({reason})",
                                    "input": {}, "ctx": {"error": reason}}])


def with_fast_path(fast: FastPath) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Give an endpoint its `FastPathRoute` fast path."""

    def attach(endpoint: Callable[..., Any]) -> Callable[..., Any]:
        endpoint.fast_path = fast  # type: ignore[attr-defined]
        return endpoint

    return attach


def json_body(request: Request, body: bytes) -> Any:
    """The body as JSON when FastAPI would read it as JSON (`application/json` or `application/*+json`), else
    None; None too for JSON that orjson refuses (FastAPI's path then says what is wrong)."""
    main, _, sub = request.headers.get("content-type", "").partition(";")[0].strip().lower().partition("/")
    if not body or main != "application" or not (sub == "json" or sub.endswith("+json")):
        return None
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return None


def json_response(body: object, status_code: int = 200) -> Response:
    """Plain data or dataclasses (an `Answer`) serialised by orjson: UTF-8, no spaces, dataclass fields in order."""
    return Response(content=orjson.dumps(body), media_type="application/json", status_code=status_code)
