"""The schema tells the truth (issue 16): `/openapi.json` is a valid OpenAPI document whose every reference is
defined; what it accepts the handlers accept, in every regex dialect a client may validate with; malformed bodies
are the documented 422; every error, over HTTP and from `qa ask --json`, is `{"detail": ...}`; and every route in
the document needs the API key when reads are protected."""

from __future__ import annotations

import json
import re
import shutil
import sys
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from openapi_spec_validator import validate
from pydantic import ValidationError

from qa.answer.search import validate_question
from qa.cli import main
from qa.config import Settings
from qa.errors import InvalidRequest
from qa.index.live import check_document_id
from qa.web.app import create_app
from qa.web.schemas import NOT_BLANK, AskRequest, DocumentIn

from .conftest import SEED_DOCUMENTS

KEY = "k3y"
AUTH = {"Authorization": f"Bearer {KEY}"}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    work = tmp_path_factory.mktemp("schema")
    shutil.copytree(SEED_DOCUMENTS, work / "documents")  # a copy: writes are allowed here
    settings = Settings(documents=work / "documents", index_dir=work / "index", api_key=KEY)
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.fixture(scope="module")
def openapi(client: TestClient) -> dict[str, Any]:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


# -- the document itself ---------------------------------------------------------------------------------------


def test_openapi_json_is_a_valid_openapi_document(openapi: dict[str, Any]) -> None:
    validate(openapi)  # openapi-spec-validator: raises on any error


def _refs(node: object) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def _resolve(document: dict[str, Any], pointer: str) -> object:
    node: object = document
    for part in pointer.removeprefix("#/").split("/"):
        part = part.replace("%7B", "{").replace("%7D", "}").replace("~1", "/").replace("~0", "~")
        assert isinstance(node, dict) and part in node, f"{pointer}: '{part}' is not defined"
        node = node[part]
    return node


def test_every_reference_is_defined(openapi: dict[str, Any]) -> None:
    """Before: POST /documents referred to #/components/schemas/DocumentIn, which was not in the document."""
    refs = set(_refs(openapi))
    assert "#/components/schemas/Answer" in refs
    for ref in refs:
        assert ref.startswith("#/"), ref
        _resolve(openapi, ref)
    links = [link for path in openapi["paths"].values() for operation in path.values()
             for response in operation["responses"].values() for link in response.get("links", {}).values()]
    assert len(links) == 3  # what a client can do with the article it added: read it, ask about it, remove it
    for link in links:
        operation = _resolve(openapi, link["operationRef"])
        assert isinstance(operation, dict)
        names = {parameter["name"] for parameter in operation.get("parameters", [])}
        assert set(link["parameters"]) <= names, (link, names)


def test_write_failures_are_documented(openapi: dict[str, Any]) -> None:
    for method, path in (("post", "/documents"), ("delete", "/documents/{document_id}")):
        documented = openapi["paths"][path][method]["responses"]
        assert {"401", "403", "404", "409", "422", "507"} <= set(documented)
        assert documented["507"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorBody")


# -- what the schema accepts, the handlers accept -------------------------------------------------------------------

SPACE_LIKE = [chr(c) for c in range(sys.maxunicode + 1)
              if chr(c).isspace() or unicodedata.category(chr(c)) in ("Zs", "Zl", "Zp", "Cc", "Cf")]


def _component(openapi: dict[str, Any], schema: dict[str, Any]) -> jsonschema_rs.Validator:
    """A JSON Schema validator (Rust, ECMA-262 regex semantics) for a schema of the document."""
    return jsonschema_rs.validator_for({**schema, "components": openapi["components"]})


def _handler_accepts(question: str) -> bool:
    try:
        validate_question(question, 3)
    except InvalidRequest:
        return False
    return True


def test_a_question_is_blank_in_the_schema_exactly_when_the_handler_finds_it_empty(openapi: dict[str, Any]) -> None:
    """Every white-space, separator, control and format character, alone: the OpenAPI schema (validated by a JSON
    Schema validator with ECMA-262 regexes), pydantic's model (Rust regexes), Python's `re` and the handler's own
    test agree. Before: the schema said `\\S`, which lets U+001D through in ECMA-262 and Rust, and the handler
    then refused it as empty."""
    schema = _component(openapi, {"$ref": "#/components/schemas/AskRequest"})
    python = re.compile(NOT_BLANK)
    assert len(SPACE_LIKE) > 200
    for character in [*SPACE_LIKE, "a", "é", "\U0001f600"]:
        handler = _handler_accepts(character)
        assert schema.is_valid({"question": character}) == handler, repr(character)
        assert (python.search(character) is not None) == handler, repr(character)
        try:
            AskRequest.model_validate({"question": character})
            model = True
        except ValidationError:
            model = False
        assert model == handler, repr(character)
    assert not _handler_accepts("\x1d") and _handler_accepts("\ufeff") and _handler_accepts("\x1dtrade")


@pytest.mark.parametrize(("question", "status"), [("\x1d", 422), ("\x1c\x1f \x85", 422), ("\ufeff", 200),
                                                  ("\x1dtrade\x1e", 200)])
def test_odd_white_space_is_answered_as_the_schema_says(client: TestClient, openapi: dict[str, Any],
                                                         question: str, status: int) -> None:
    schema = _component(openapi, {"$ref": "#/components/schemas/AskRequest"})
    assert schema.is_valid({"question": question}) == (status == 200)
    for response in (client.post("/ask", json={"question": question}), client.get("/ask", params={"q": question}),
                     client.post("/ask/batch", json={"questions": [question]})):
        assert response.status_code == status, response.text
        if status == 422:
            assert response.json()["detail"].endswith(": the question is empty")


DOCUMENT_IDS = ["a", "business/port-strike", "Report 2024.v2", "a/b/c", "x_y-z", "9", "a b/c.d_e",
                "", " a", "a ", "a//b", "/a", "a/", "../x", "./x", ".hidden", "a/.b", "a\n", "a\\b", "é", "a/ b",
                "a b /c", "-a", "_a", "a" * 200, "a" * 201, "Übersicht", "news/東京 2024", "\u202eabc", "a\u200bb",
                "😀", "news/😀", "\u3000a"]


def test_a_document_id_is_valid_in_the_schema_exactly_when_the_handler_takes_it(openapi: dict[str, Any]) -> None:
    body = openapi["paths"]["/documents"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    schema = _component(openapi, body)
    for document_id in DOCUMENT_IDS:
        try:
            check_document_id(document_id)
            handler = True
        except InvalidRequest:
            handler = False
        document = {"id": document_id, "title": "T", "text": "Text."}
        assert schema.is_valid(document) == handler, repr(document_id)
        try:
            DocumentIn.model_validate(document)
            model = True
        except ValidationError:
            model = False
        assert model == handler, repr(document_id)


@pytest.mark.parametrize(("document", "detail"), [
    ({"id": "a", "title": "\x1d", "text": "Text."}, "title: must not be blank"),
    ({"id": "a", "title": "T", "text": " \n\x85"}, "text: must not be blank"),
    ({"id": "a\n", "title": "T", "text": "Text."}, "id: invalid document id 'a\n': use letters, digits, '.', '_', "
                                                   "'-', ' ' and '/' between folder names (at most 200 characters)"),
])
def test_blank_titles_and_bad_ids_are_refused_as_the_schema_says(client: TestClient, openapi: dict[str, Any],
                                                                 document: dict[str, str], detail: str) -> None:
    body = openapi["paths"]["/documents"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert not _component(openapi, body).is_valid(document)
    response = client.post("/documents", json=document, headers=AUTH)
    assert response.status_code == 422
    assert response.json()["detail"] == detail


# -- malformed bodies are the documented 422 ----------------------------------------------------------------------

SEND_A_FILE = "send the article as a multipart form whose field 'file' holds the file: curl -F file=@article.pdf"
DEEP = b"[" * 1_000_000  # a 1 MB body of `[`: JSON nested deeper than any parser goes


@pytest.mark.parametrize("path", ["/ask", "/ask/batch", "/documents"])
@pytest.mark.parametrize("body", [DEEP, b'{"question": ' + b"[" * 5000 + b"]" * 5000 + b"}", b"{nope"],
                         ids=["1 MB of [", "a deep value", "not JSON"])
def test_malformed_json_is_422_as_documented(client: TestClient, openapi: dict[str, Any], path: str,
                                             body: bytes) -> None:
    response = client.post(path, content=body, headers={"content-type": "application/json", **AUTH})
    assert response.status_code == 422, response.text  # before: 400 "There was an error parsing the body"
    assert "422" in openapi["paths"][path]["post"]["responses"]
    detail = response.json()["detail"]
    assert isinstance(detail, str) and detail
    if path != "/documents" and body is DEEP:
        assert detail == "body: JSON decode error (nested too deeply)"
    assert client.post("/ask", json={"question": "trade"}).status_code == 200  # the service goes on


@pytest.mark.parametrize(("content_type", "detail"), [
    ("multipart/form-data", f"the form cannot be read: Missing boundary in multipart ({SEND_A_FILE})"),  # was 400
    ("multipart/form-data; boundary=x", f"the form has no complete 'file' field ({SEND_A_FILE})"),
    ("multipart/form-data; boundary=y", f"the form cannot be read: Invalid multipart data ({SEND_A_FILE})"),
])
def test_a_form_that_cannot_be_read_is_422(client: TestClient, content_type: str, detail: str) -> None:
    response = client.post("/documents", content=b"--x\r\nbroken", headers={"content-type": content_type, **AUTH})
    assert response.status_code == 422
    assert response.json() == {"detail": detail}


FORM = {"question": "Shusha"}  # `curl -d` without `-H 'content-type: application/json'` sends a form


@pytest.mark.parametrize(("path", "kwargs"), [
    ("/ask", {"data": FORM}), ("/ask/batch", {"data": FORM}), ("/ask", {"json": ["Shusha"]}),
    ("/ask", {"content": b'{"question": "Shusha"}', "headers": {"content-type": "text/plain"}}),
    ("/documents", {"json": [1]}),
])
def test_a_body_that_is_not_a_json_object_is_told_what_to_send(client: TestClient, path: str, kwargs: dict) -> None:
    response = client.post(path, **{**kwargs, "headers": {**kwargs.get("headers", {}), **AUTH}})
    assert response.status_code == 422
    assert response.json()["detail"] == "body: expected a JSON object, sent with 'content-type: application/json'"


def test_a_form_posted_as_an_article_is_told_what_to_send(client: TestClient) -> None:
    response = client.post("/documents", data={"id": "x", "title": "T", "text": "Text."}, headers=AUTH)
    assert response.status_code == 422
    assert response.json() == {"detail": "body: expected a JSON object, sent with 'content-type: application/json' "
                                         "(or a file as multipart/form-data: curl -F file=@report.pdf)"}


def test_a_field_of_another_request_is_not_offered_as_its_own_correction(client: TestClient) -> None:
    response = client.post("/documents", json={"question": "Shusha"}, headers=AUTH)
    assert response.status_code == 422
    assert "question: not a field of this request;" in response.json()["detail"] + ";"  # not "(did you mean question?)"


# -- one error shape ------------------------------------------------------------------------------------------------

ERRORS = [  # method, path, keyword arguments, status
    ("GET", "/nowhere", {}, 404),
    ("DELETE", "/ask", {}, 405),
    ("GET", "/documents/nope", {}, 404),
    ("GET", "/ask", {"params": {"q": ""}}, 422),
    ("POST", "/ask", {"content": b"\xff", "headers": {"content-type": "application/json"}}, 422),
    ("POST", "/ask", {"content": b"x" * 2_000_000, "headers": {"content-type": "application/json"}}, 413),
    ("POST", "/documents", {"json": {"id": "x", "title": "T", "text": "Text."}}, 401),
    ("DELETE", "/documents/nope", {"headers": AUTH}, 404),
    ("POST", "/documents", {"json": {"id": "000_8339c2265b0242b8.txt/y", "title": "T", "text": "Text."},
                            "headers": AUTH}, 409),
]


@pytest.mark.parametrize(("method", "path", "kwargs", "status"), ERRORS)
def test_every_error_is_a_detail(client: TestClient, method: str, path: str, kwargs: dict, status: int) -> None:
    response = client.request(method, path, **kwargs)
    assert response.status_code == status
    body = response.json()
    assert isinstance(body["detail"], str) and body["detail"]
    assert set(body) <= {"detail", "errors"}


def test_cli_json_errors_use_the_same_key_as_http(client: TestClient, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture) -> None:
    """Before: `qa ask --json` said `{"error": ...}` where HTTP says `{"detail": ...}`."""
    questions = tmp_path / "questions.txt"
    questions.write_text("trade\n\x1d\n")
    assert main(["ask", "--file", str(questions), "--json", "--documents", str(SEED_DOCUMENTS), "--index-dir",
                 str(tmp_path / "index")]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert lines[1] == {"question": "", "detail": "the question is empty", "line": 2}
    http = client.post("/ask", json={"question": "\x1d"}).json()
    assert set(lines[1]) - {"question", "line"} == {"detail"} and http["detail"].endswith(lines[1]["detail"])


# -- every route in the document needs the key when reads are protected --------------------------------------------

PUBLIC = {("GET", "/health"), ("GET", "/metrics")}
"""Routes meant to be open (liveness and monitoring); everything else in the OpenAPI document needs the key."""


def _request_for(path: str, operation: dict[str, Any]) -> dict[str, Any]:
    """The smallest request the operation takes: path and required query parameters filled, a JSON body of {}."""
    url = re.sub(r"\{[^}]+\}", "x", path)
    query = {p["name"]: "x" for p in operation.get("parameters", []) if p["in"] == "query" and p.get("required")}
    request: dict[str, Any] = {"url": url, "params": query}
    if "requestBody" in operation:
        request["json"] = {}
    return request


def unprotected_routes(app: FastAPI) -> list[str]:
    """Operations of the app's OpenAPI document that answer a request without the key (with reads protected)."""
    found = []
    with TestClient(app) as client:
        document = client.get("/openapi.json").json()
        for path, operations in document["paths"].items():
            for method, operation in operations.items():
                if (method.upper(), path) in PUBLIC:
                    continue
                request = _request_for(path, operation)
                response = client.request(method.upper(), **request)
                if response.status_code != 401:
                    found.append(f"{method.upper()} {path} -> {response.status_code}")
                else:  # the key is what was missing: with it, the request gets past the check
                    assert client.request(method.upper(), headers=AUTH, **request).status_code != 401
    return found


def protected_settings(tmp_path: Path) -> Settings:
    return Settings(documents=SEED_DOCUMENTS, index_dir=tmp_path / "index", api_key=KEY, protect_reads=True)


def test_every_route_needs_the_key_when_reads_are_protected(tmp_path: Path) -> None:
    app = create_app(protected_settings(tmp_path))
    with TestClient(app) as client:
        paths = client.get("/openapi.json").json()["paths"]
    operations = {(method.upper(), path) for path, methods in paths.items() for method in methods}
    assert {("POST", "/ask/batch"), ("GET", "/ask"), ("GET", "/documents/{document_id}")} <= operations
    assert len(operations - PUBLIC) == 7
    assert unprotected_routes(app) == []


def test_a_new_route_that_forgets_the_key_check_is_found(tmp_path: Path) -> None:
    """The check above is not a list of today's routes: a read route added without `require_reader` fails it."""
    app = create_app(protected_settings(tmp_path))

    @app.post("/ask/again")
    async def ask_again(body: AskRequest) -> dict[str, str]:
        return {"question": body.question}

    @app.get("/documents-count")
    async def count() -> dict[str, int]:
        return {"documents": 2}

    assert unprotected_routes(app) == ["POST /ask/again -> 422", "GET /documents-count -> 200"]
