"""A running qa server, asked like a `Collection`: its HTTP API, handing back the same `Answer` dataclasses.

    >>> from qa.integrations.remote import RemoteCollection
    >>> server = RemoteCollection("http://127.0.0.1:8000")                             # doctest: +SKIP
    >>> server.ask("Who signed the Shusha Declaration?", top_k=1).passages[0].citation.source  # doctest: +SKIP
    '000_8339c2265b0242b8.txt'

The integrations (`qa mcp --url`, the LangChain and LlamaIndex retrievers with `url=`) use this to answer from a
server instead of a folder. HTTP is spoken with the standard library (urllib), so it needs none of the extras.
The server's answers are parsed into `qa.models.Answer` by pydantic, which validates as it goes: a server of
another version that sends something else is an error here, not a half-filled answer later.

Errors are qa's own, with the server's `detail` as the message: 422 `InvalidRequest`, 404 `DocumentNotFound`,
401 `Unauthorized`, 403 `Forbidden`; anything else, or a server that cannot be reached, `ServerError`.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any, TypeVar
from urllib.parse import quote, urlencode, urlsplit

from pydantic import TypeAdapter, ValidationError

from qa.errors import ConfigError, DocumentNotFound, Forbidden, InvalidRequest, QAError, Unauthorized
from qa.models import Answer
from qa.web.schemas import DocumentChange, DocumentDetail, DocumentList, DocumentSummary

T = TypeVar("T")

_ANSWER = TypeAdapter(Answer)
_ERRORS: dict[int, type[QAError]] = {422: InvalidRequest, 404: DocumentNotFound, 401: Unauthorized, 403: Forbidden}


class ServerError(QAError):
    """The qa server could not be reached, or answered with something other than what qa sends."""


class RemoteCollection:
    """The collection a qa server (`qa serve`, `uvicorn service:app`) answers from, over its HTTP API.

    `api_key` is sent as `Authorization: Bearer <key>`: the server needs it for writes, and for reads when it runs
    with `QA_PROTECT_READS`. `timeout` is per request, in seconds.
    """

    def __init__(self, url: str, api_key: str | None = None, *, timeout: float = 30.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigError(f"'{url}' is not the address of a qa server (like http://127.0.0.1:8000)")
        self.url = url.rstrip("/")
        self.timeout = timeout
        self._api_key = api_key or None

    def __repr__(self) -> str:
        return f"RemoteCollection({self.url!r})"

    def ask(self, question: str, top_k: int | None = None, *, explain: bool = False,
            max_per_article: int | None = None, source_prefix: str | None = None, date_from: str | None = None,
            date_to: str | None = None) -> Answer:
        """`POST /ask`: the same arguments and the same `Answer` as `Collection.ask`."""
        body = {"question": question, "top_k": top_k, "explain": explain or None, "max_per_article": max_per_article,
                "source_prefix": source_prefix, "date_from": date_from, "date_to": date_to}
        return self._parse(_ANSWER, self._request("POST", "/ask", body))

    def documents(self) -> list[DocumentSummary]:
        """`GET /documents`: every indexed article."""
        return self._parse(TypeAdapter(DocumentList), self._request("GET", "/documents")).documents

    def document(self, document_id: str, start: int | None = None, end: int | None = None) -> DocumentDetail:
        """`GET /documents/{id}`: the article's text, metadata and passage spans; with `start`/`end`, that span
        with the text around it."""
        query = urlencode({key: value for key, value in (("start", start), ("end", end)) if value is not None})
        path = f"/documents/{quote(document_id, safe='/')}" + (f"?{query}" if query else "")
        return self._parse(TypeAdapter(DocumentDetail), self._request("GET", path))

    def add_document(self, id: str, title: str, text: str, **origin: str | None) -> DocumentChange:
        """`POST /documents`: write an article (`origin`: `date`, `url`, `author`) and index it."""
        body = {"id": id, "title": title, "text": text, **origin}
        return self._parse(TypeAdapter(DocumentChange), self._request("POST", "/documents", body))

    def remove(self, document_id: str) -> DocumentChange:
        """`DELETE /documents/{id}`: delete the article's file and its passages."""
        path = f"/documents/{quote(document_id, safe='/')}"
        return self._parse(TypeAdapter(DocumentChange), self._request("DELETE", path))

    def _request(self, method: str, path: str, body: dict[str, Any] | None = None) -> bytes:
        headers = {"accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps({key: value for key, value in body.items() if value is not None}).encode()
            headers["content-type"] = "application/json"
        if self._api_key is not None:
            headers["authorization"] = f"Bearer {self._api_key}"
        request = urllib.request.Request(self.url + path, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                content: bytes = response.read()
                return content
        except urllib.error.HTTPError as error:
            with error:
                detail = _detail(error.read()) or error.reason
            raise _ERRORS.get(error.code, ServerError)(
                detail if error.code in _ERRORS else f"{self.url} answered {error.code}: {detail}") from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", None) or error
            raise ServerError(f"cannot reach the qa server at {self.url}: {reason}") from None

    def _parse(self, adapter: TypeAdapter[T], content: bytes) -> T:
        try:
            return adapter.validate_json(content)
        except ValidationError as error:
            raise ServerError(f"{self.url} did not answer as a qa server does ({error.error_count()} problem(s), "
                              f"first: {error.errors()[0]['msg']})") from None


def _detail(content: bytes) -> str | None:
    """The `detail` of a qa error body (every 4xx qa sends has one), or None."""
    try:
        body = json.loads(content)
    except ValueError:
        return None
    detail = body.get("detail") if isinstance(body, dict) else None
    return detail if isinstance(detail, str) else None
