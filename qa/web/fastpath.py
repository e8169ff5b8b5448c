"""Routes that FastAPI documents and validates as usual, with a fast lane for plainly valid requests.

Per request, FastAPI's and Starlette's machinery between the app's middleware and the endpoint (the exception
middleware, the exit stack, matching the path against every route, dependencies, collecting parameters,
validating them with error locations) costs about 50-70 µs, as much as ranking a question over 100,000
passages: on `/ask`, the service's hot path, that is a sixth of the server's throughput. An endpoint decorated
`with_fast_path(fast)` is offered by `FastLane`, a pure ASGI middleware inside the app's own middleware (so
limits, metrics and the access log see it as any request), to `fast(request)` first, which validates with the
same pydantic model and answers. When it returns None (anything but a plainly valid request: a missing or
out-of-range field, malformed JSON, another content type) or raises (a missing API key, a question the index
refuses), the request goes on to FastAPI's routing as if the lane were not there, so every error, status code
and message stays exactly FastAPI's (tested request by request, with and without the lane).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from typing import Any

import orjson
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from qa.web.limits import read_body, replay

FastPath = Callable[[Request], Awaitable[Response | None]]


class FastLane:
    """Pure ASGI middleware: a request for one of `routes` that has a fast path is offered to it before FastAPI's
    routing (see the module docstring). Add it innermost (first) of the app's middleware."""

    def __init__(self, app: ASGIApp, routes: Iterable[BaseRoute]) -> None:
        self.app = app
        self.lanes: dict[tuple[str, str], tuple[APIRoute, FastPath]] = {}
        """(method, path) -> (route, its fast path); the routes with a parameter in their path take none."""
        for route in routes:
            fast = getattr(getattr(route, "endpoint", None), "fast_path", None)
            if isinstance(route, APIRoute) and fast is not None and "{" not in route.path:
                for method in route.methods or ():
                    self.lanes[(method, route.path)] = (route, fast)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            lane = self.lanes.get((scope["method"], scope["path"]))
            if lane is not None:
                route, fast = lane
                # the body (bounded by `Limits` outside) is read here, so that FastAPI can read it again
                body = await read_body(receive) if scope["method"] != "GET" else None
                try:
                    response = await fast(Request(scope, _with_body(body, receive)))
                except Exception:  # noqa: BLE001 - FastAPI's routing answers it as it would without the lane
                    response = None
                if response is None:
                    await self.app(scope, _with_body(body, receive), send)
                    return
                scope["route"] = route  # as FastAPI's routing sets it: the metrics count the route's template
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _with_body(body: bytes | None, receive: Receive) -> Receive:
    """`receive` as the app would see it: the body already read (if any) first, then the real one."""
    return receive if body is None else replay(body, receive)


class DeepJsonRoute(APIRoute):
    """An `APIRoute` that answers a JSON body nested deeper than Python's parser goes as malformed JSON (422), as
    any other malformed JSON, where FastAPI answers 400."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        standard = super().get_route_handler()

        async def handler(request: Request) -> Response:
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
    """Give an endpoint its fast path (taken by `FastLane`)."""

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
