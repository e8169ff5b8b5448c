"""The API key: writes always need it, reads only with `QA_PROTECT_READS` (`Authorization: Bearer <key>`).

Every route depends on `require_reader` or `require_writer`, apart from the service's own (`/health`, `/metrics`,
the page and the API docs); a test sends every operation of the OpenAPI document without the key, with reads
protected, so that no route forgets it (tests/test_schema.py).
"""

from __future__ import annotations

import hmac

from fastapi import Request

from qa.config import Settings
from qa.errors import Forbidden, Unauthorized


def check_key(request: Request, required: bool) -> None:
    """Refuse a request without the right key (401), or any write when no key is configured (403)."""
    if not required:
        return
    settings: Settings = request.app.state.settings
    if not settings.api_key:
        raise Forbidden("writes are disabled: set QA_API_KEY to enable POST and DELETE /documents")
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), settings.api_key.encode()):
        raise Unauthorized("a valid API key is required: send 'Authorization: Bearer <QA_API_KEY>'")


async def require_reader(request: Request) -> None:  # async: FastAPI would run a plain def in a thread
    """Dependency of every read route."""
    check_key(request, request.app.state.settings.protect_reads)


async def require_writer(request: Request) -> None:
    """Dependency of every write route."""
    check_key(request, True)
