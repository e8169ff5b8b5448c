from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from pydantic import TypeAdapter

from qa.answer.search import Searcher
from qa.config import Settings
from qa.index import Index, open_index
from qa.models import Answer
from qa.web import fastpath
from qa.web.app import create_app

from .conftest import TESTS, settings_for

FORMATS = TESTS / "data" / "formats"
SHUSHA = "When did Azerbaijan and Turkey sign the Shusha Declaration?"
CO_CHAIRS = "Who co-chaired the meeting of Azerbaijan and Turkey on digital transformation?"
"""Answered at rank 1 (by Rovshan Rustamov's passage). SHUSHA's words occur in two of the seed corpus's four
passages, where BM25Okapi's IDF is 0 (tests/test_questions.py): what is asked of rank 1 is asked with this one."""


@pytest.fixture
def client(seed_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(seed_settings)) as client:  # `with` runs the lifespan (loads the index)
        yield client


def test_post_ask_returns_cited_passages(client: TestClient) -> None:
    response = client.post("/ask", json={"question": CO_CHAIRS, "top_k": 2})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"question", "passages", "took_ms", "terms", "unknown_terms", "suggestions", "message"}
    assert body["question"] == CO_CHAIRS and body["message"] is None
    assert len(body["passages"]) == 2
    top = body["passages"][0]
    assert top["rank"] == 1 and "Rovshan Rustamov" in top["text"]
    citation = top["citation"]
    assert set(citation) == {"document_id", "title", "source", "passage", "start", "end", "url", "source_url", "date",
                             "author", "publisher", "page", "end_page", "line", "language", "copies"}
    assert citation["author"] == "Ayya Lmahamad"  # the byline, not the title
    assert citation["language"] == "en"  # detected: the article has no language in its metadata
    assert citation["title"].startswith("The first meeting of the Azerbaijani-Turkish working group")
    assert citation["url"] == f"/documents/{citation['document_id']}?start={citation['start']}&end={citation['end']}"
    assert citation["source"] == "000_8339c2265b0242b8.txt"
    document = client.get(f"/documents/{citation['document_id']}").json()
    assert document["text"][citation["start"] : citation["end"]] == top["text"]
    assert {"passage": citation["passage"], "start": citation["start"], "end": citation["end"]} in document["passages"]


def test_get_ask_equals_post_ask(client: TestClient) -> None:
    got = client.get("/ask", params={"q": SHUSHA, "top_k": 3}).json()
    posted = client.post("/ask", json={"question": SHUSHA, "top_k": 3}).json()
    for body in (got, posted):
        body.pop("took_ms")
    assert got == posted


def test_default_top_k_is_three(client: TestClient) -> None:
    assert len(client.post("/ask", json={"question": "Azerbaijan"}).json()["passages"]) == 3


def test_batch(client: TestClient) -> None:
    response = client.post("/ask/batch", json={"questions": [CO_CHAIRS, "Serbian ambassador"], "top_k": 1})
    assert response.status_code == 200
    answers = response.json()["answers"]
    assert [a["question"] for a in answers] == [CO_CHAIRS, "Serbian ambassador"]
    assert "Rovshan Rustamov" in answers[0]["passages"][0]["text"]
    assert "Serbian" in answers[1]["passages"][0]["text"]


def test_stopword_question_is_answered_empty_with_a_message(client: TestClient) -> None:
    body = client.get("/ask", params={"q": "what is it"}).json()
    assert body["passages"] == [] and body["message"].startswith("No passages: the question has only stopwords")


@pytest.mark.parametrize(("request_kwargs", "fragment"), [
    ({"json": {"question": ""}}, "question: the question is empty"),
    ({"json": {"question": "   "}}, "question: the question is empty"),
    ({"json": {"question": "trade", "top_k": True}}, "top_k must be a whole number from 1 to 100, not True"),
    ({"json": {"question": "trade", "top_k": "3"}}, "top_k must be a whole number from 1 to 100, not '3'"),
    ({"json": {"question": "x" * 2001}}, "question: the question is 2001 characters long; the limit is 2000"),
    ({"json": {"question": "trade", "top_k": 0}}, "top_k must be a whole number from 1 to 100, not 0"),
    ({"json": {"question": "trade", "top_k": 101}}, "top_k must be a whole number from 1 to 100, not 101"),
    ({"json": {"top_k": 3}}, "question: Field required"),
    ({"content": b"{not json", "headers": {"content-type": "application/json"}}, "JSON decode error"),
])
def test_invalid_post_requests_get_422_with_a_message(client: TestClient, request_kwargs: dict, fragment: str) -> None:
    response = client.post("/ask", **request_kwargs)
    assert response.status_code == 422
    assert fragment in response.json()["detail"]


@pytest.mark.parametrize(("path", "body", "detail"), [
    ("/ask", b'{"question": "trade",', "body: JSON decode error at character 21 (Expecting property name enclosed in "
                                      "double quotes)"),
    ("/ask", b"{not json", "body: JSON decode error at character 1 (Expecting property name enclosed in double "
                           "quotes)"),
    ("/ask/batch", b'{"questions": ["trade"]]', "body: JSON decode error at character 23 (Expecting ',' delimiter)"),
])
def test_malformed_json_says_where_in_the_body(client: TestClient, path: str, body: bytes, detail: str) -> None:
    response = client.post(path, content=body, headers={"content-type": "application/json"})
    assert (response.status_code, response.json()["detail"]) == (422, detail)


@pytest.mark.parametrize(("params", "fragment"), [
    ({}, "query.q: Field required"),
    ({"q": ""}, "query.q: the question is empty"),
    ({"q": "   "}, "query.q: the question is empty"),
    ({"q": "trade", "top_k": "many"}, "top_k must be a whole number from 1 to 100, not 'many'"),
])
def test_invalid_get_requests_get_422_with_a_message(client: TestClient, params: dict, fragment: str) -> None:
    response = client.get("/ask", params=params)
    assert response.status_code == 422
    assert fragment in response.json()["detail"]


ASK_REQUESTS = [  # (method, params or JSON body or raw body, headers); valid ones first
    ("GET", {"q": SHUSHA}, None),
    ("GET", {"q": SHUSHA, "top_k": "5", "explain": "true", "max_per_article": "1"}, None),
    ("GET", [("q", "trade"), ("q", SHUSHA)], None),  # repeated key: the last counts
    ("GET", {"q": "Azerbaijan", "source_prefix": "004", "date_from": "2020-01-01"}, None),
    ("POST", {"question": SHUSHA, "top_k": 4, "explain": True}, None),
    ("POST", {"question": "Azerbaijan", "max_per_article": 0, "source_prefix": "000"}, None),
    ("POST", b'{"question": "trade", "question": "Shusha"}', {"content-type": "application/json; charset=utf-8"}),
    ("POST", b'{"question": "Shusha"}', {"content-type": "application/vnd.qa+json"}),
    ("GET", {"q": "trade", "top_k": "0"}, None),
    ("GET", {"q": "trade", "top_k": ""}, None),
    ("GET", {"q": "trade", "explain": "perhaps", "date_to": "May"}, None),
    ("GET", {"q": "x" * 2001}, None),
    ("POST", {"question": "trade", "top_k": "3"}, None),
    ("POST", {"question": "trade", "explain": "yes"}, None),
    ("POST", ["trade"], None),
    ("POST", b'{"question": NaN}', {"content-type": "application/json"}),
    ("POST", b'{"question": "Shusha"}', {"content-type": "text/plain"}),
    ("POST", b'{"question": "Shusha"}', {}),
    ("POST", b"", {"content-type": "application/json"}),
    ("POST", b'{"question": "Shusha", "top_k": 99999999999999999999999}', {"content-type": "application/json"}),
    ("GET", {"q": SHUSHA, "date_form": "2020-01-01"}, None),  # a field the API does not know
    ("POST", {"question": "Azerbaijan", "extra": [1]}, None),
]


def _ask(client: TestClient, method: str, payload: object, headers: dict | None) -> tuple[int, object]:
    if method == "GET":
        response = client.get("/ask", params=payload)
    elif isinstance(payload, bytes):
        response = client.post("/ask", content=payload, headers=headers)
    else:
        response = client.post("/ask", json=payload)
    body = response.json()
    if isinstance(body, dict):
        body.pop("took_ms", None)
    return response.status_code, body


def test_the_fast_path_answers_exactly_as_fastapi_does(seed_settings: Settings, monkeypatch: pytest.MonkeyPatch
                                                        ) -> None:
    """`/ask` answers plainly valid requests without FastAPI's per-request machinery (`FastLane`); every
    answer, error and message must stay what FastAPI's own handling gives, and the fast path must really run."""
    from fastapi.routing import APIRoute

    standard_calls = []
    original = fastpath.APIRoute.get_route_handler

    def counted(route: APIRoute):  # FastAPI's handler, counting the requests it takes
        handler = original(route)

        async def counting(request):  # type: ignore[no-untyped-def]
            standard_calls.append(request.method)
            return await handler(request)

        return counting

    monkeypatch.setattr(fastpath.APIRoute, "get_route_handler", counted)
    with TestClient(create_app(seed_settings)) as fast:
        answers = [_ask(fast, *request) for request in ASK_REQUESTS]
    valid = sum(status == 200 for status, _ in answers)
    assert valid == 8 and all(status == 200 for status, _ in answers[:valid])
    assert len(standard_calls) == len(ASK_REQUESTS) - valid  # only what the fast path declined reached FastAPI

    monkeypatch.setattr(fastpath.FastLane, "__call__", _through)  # FastAPI alone
    with TestClient(create_app(seed_settings)) as plain:
        assert [_ask(plain, *request) for request in ASK_REQUESTS] == answers
    assert answers[2][1]["question"] == SHUSHA and answers[6][1]["question"] == "Shusha"
    assert [status for status, _ in answers[valid:]] == [422] * (len(ASK_REQUESTS) - valid)


async def _through(lane: fastpath.FastLane, scope: Any, receive: Any, send: Any) -> None:
    """`FastLane.__call__` without the lane: every request goes to FastAPI's routing."""
    await lane.app(scope, receive, send)


def test_the_fast_lane_is_counted_and_logged_as_its_route(client: TestClient,
                                                           caplog: pytest.LogCaptureFixture) -> None:
    """Requests the fast lane answers pass through the app's own middleware: the metrics count them under the
    route's template, and each gets its access-log line."""
    def asked(status: str) -> float:
        for line in client.get("/metrics").text.splitlines():
            if line.startswith("qa_http_requests_total{") and 'route="/ask"' in line and f'status="{status}"' in line \
                    and 'method="GET"' in line:
                return float(line.rsplit(" ", 1)[1])
        return 0.0

    before_ok, before_refused = asked("200"), asked("422")
    with caplog.at_level(logging.INFO, logger="qa.access"):
        assert client.get("/ask", params={"q": "Shusha"}).status_code == 200
        assert client.get("/ask", params={"q": ""}).status_code == 422
    assert asked("200") == before_ok + 1 and asked("422") == before_refused + 1
    logged = [record.getMessage() for record in caplog.records if record.name == "qa.access"]
    assert any('"GET /ask?q=Shusha" 200' in line for line in logged), logged


def test_batch_with_an_empty_question_is_refused(client: TestClient) -> None:
    response = client.post("/ask/batch", json={"questions": ["trade", " "]})
    assert response.status_code == 422
    assert response.json()["detail"] == "questions.1: the question is empty"


def test_documents_list_and_detail(client: TestClient) -> None:
    documents = client.get("/documents").json()["documents"]
    assert [d["id"] for d in documents] == ["000_8339c2265b0242b8", "004_7d268188ac327656"]
    assert documents[0]["title"] == ("The first meeting of the Azerbaijani-Turkish working group on digital "
                                     "transformation has…")  # no title line: the first sentence, cut at a word
    assert documents[0]["author"] == "Ayya Lmahamad" and documents[0]["passages"] >= 2
    detail = client.get("/documents/004_7d268188ac327656").json()
    assert detail["title"].startswith("Azerbaijan’s Agency for Development")
    assert detail["text"][detail["body_start"] :].startswith("Azerbaijan’s Agency for Development")  # the lead
    assert detail["source"] == "004_7d268188ac327656.txt"
    assert len(detail["passages"]) == documents[1]["passages"]


def test_unknown_document_is_404_with_a_message(client: TestClient) -> None:
    response = client.get("/documents/nope")
    assert response.status_code == 404
    assert response.json() == {"detail": "no document with id 'nope'"}
    assert client.get("/documents/..%2F..%2Fetc%2Fpasswd").status_code == 404


def test_a_document_span_parameter_it_does_not_have_is_refused(client: TestClient) -> None:
    """As `GET /ask` refuses `date_form`: `?begin=5` answered 200 without the span asked for, saying nothing."""
    response = client.get("/documents/004_7d268188ac327656", params={"begin": 5, "end": 40})
    assert response.status_code == 422
    assert response.json()["detail"] == "query.begin: not a field of this request"
    misspelt = client.get("/documents/004_7d268188ac327656", params={"strat": 5, "end": 40})
    assert misspelt.json()["detail"] == "query.strat: not a field of this request (did you mean start?)"
    span = client.get("/documents/004_7d268188ac327656", params={"start": 5, "end": 40}).json()["span"]
    assert (span["start"], span["end"]) == (5, 40)
    assert client.get("/documents/004_7d268188ac327656", params={"start": -1}).json()["detail"] == (
        "query.start: Input should be greater than or equal to 0")


def test_the_document_list_takes_no_parameters(client: TestClient) -> None:
    """`?limit=10` answered every article, as if paging existed."""
    response = client.get("/documents", params={"limit": 10})
    assert response.status_code == 422
    assert response.json()["detail"] == "query.limit: not a field of this request"
    assert len(client.get("/documents").json()["documents"]) == 2


def test_health(client: TestClient) -> None:
    body = client.get("/health").json()
    listed = client.get("/documents").json()["documents"]
    assert body["status"] == "ok" and body["articles"] == 2
    assert body["passages"] == sum(d["passages"] for d in listed) >= 2
    assert body["built_at"].endswith("+00:00")


def test_openapi_documents_models_and_examples(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    ask = schema["paths"]["/ask"]["post"]
    assert ask["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/Answer")
    assert "422" in ask["responses"]
    assert schema["components"]["schemas"]["AskRequest"]["examples"][0]["question"] == SHUSHA
    docs = client.get("/docs")
    assert docs.status_code == 200 and "/swagger/swagger-ui-bundle.js" in docs.text and "cdn" not in docs.text
    bundle = client.get("/swagger/swagger-ui-bundle.js")
    assert bundle.status_code == 200 and len(bundle.content) > 100_000


def test_answer_bodies_are_exactly_the_documented_response(seed_index: Index, tmp_path: Path) -> None:
    """Answers are serialised by orjson from the `Answer` dataclass, from which FastAPI also derives the schema:
    every shape of answer must validate against it, with no field missing or extra."""
    formats = tmp_path / "formats"
    shutil.copytree(FORMATS, formats)
    searchers = [Searcher(seed_index), Searcher(open_index(settings_for(formats, tmp_path / "i")))]
    answers = [searchers[0].ask("Shusha Declaration", top_k=5, explain_scores=True),
               searchers[0].ask("trade turnover"), searchers[0].ask("zzyzx"), searchers[0].ask("the and of"),
               searchers[1].ask("Shusha Declaration harbour caviar", top_k=10)]
    assert any(p.citation.date or p.citation.source_url for p in answers[-1].passages)  # metadata reaches citations
    schema = TypeAdapter(Answer)
    for answer in answers:
        body = json.loads(orjson.dumps(answer))
        assert schema.dump_python(schema.validate_python(body), mode="json") == body


def test_the_fast_path_checks_the_key_where_fastapi_does(seed_settings: Settings,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """With reads protected: a missing key is 401 on either path, but unreadable JSON is 422 first, as FastAPI
    orders them."""
    settings = seed_settings.model_copy(update={"api_key": "k3y", "protect_reads": True})
    key = {"authorization": "Bearer k3y"}
    requests = [("POST", b"{not json", {"content-type": "application/json"}),
                ("POST", b'{"question": "Shusha"}', {"content-type": "application/json"}),
                ("POST", b'{"question": "Shusha"}', {"content-type": "application/json", **key}),
                ("POST", b'{"question": ""}', {"content-type": "application/json"})]

    def answers(client: TestClient) -> list[tuple[int, object]]:
        found = [_ask(client, *request) for request in requests]
        for params, headers in (({"q": "Shusha"}, {}), ({"q": "Shusha"}, key), ({"q": ""}, {})):
            response = client.get("/ask", params=params, headers=headers)
            body = response.json()
            body.pop("took_ms", None)
            found.append((response.status_code, body))
        return found

    with TestClient(create_app(settings)) as fast:
        got = answers(fast)
    monkeypatch.setattr(fastpath.FastLane, "__call__", _through)  # FastAPI alone
    with TestClient(create_app(settings)) as plain:
        assert answers(plain) == got
    assert [status for status, _ in got] == [422, 401, 200, 401, 401, 200, 401]


@pytest.mark.parametrize(("method", "path", "payload", "detail"), [
    ("GET", "/ask", {"q": "trade", "date_form": "2020-01-01"},
     "query.date_form: not a field of this request (did you mean date_from?)"),
    ("POST", "/ask", {"question": "trade", "topk": 2}, "topk: not a field of this request (did you mean top_k?)"),
    ("POST", "/ask/batch", {"questions": ["trade"], "sorce_prefix": "a/"},
     "sorce_prefix: not a field of this request (did you mean source_prefix?)"),
    ("POST", "/ask", {"question": "trade", "colour": "red"}, "colour: not a field of this request"),
])
def test_a_field_the_request_does_not_have_is_refused_with_the_one_it_likely_meant(
        client: TestClient, method: str, path: str, payload: dict, detail: str) -> None:
    """A misspelt filter answered without it would look like an answer to the question asked: it is refused."""
    response = client.get(path, params=payload) if method == "GET" else client.post(path, json=payload)
    assert response.status_code == 422
    assert response.json()["detail"] == detail


def test_an_empty_question_in_a_batch_is_said_in_words(client: TestClient) -> None:
    response = client.post("/ask/batch", json={"questions": ["trade", ""]})
    assert response.status_code == 422
    assert response.json()["detail"] == "questions.1: the question is empty"
