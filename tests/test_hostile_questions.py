"""Hostile and odd questions: each gets a 200 with a sensible body or a 4xx with a message, never a 5xx.

The question limit is `qa.config.MAX_QUESTION_CHARS` (2,000 characters; documented in the README): longer is 422.
"""

from __future__ import annotations

import socket
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from qa.config import MAX_QUESTION_CHARS, Settings
from qa.web.app import create_app

from .conftest import SEED_DOCUMENTS
from .test_server import start

NO_WORDS = "No passages: the question has no words to search for."
TOO_LONG = "the question is {} characters long; the limit is {}"


def not_found(words: list[str]) -> str:
    """What a question gets when no passage holds any of its words (as asked)."""
    return f"No passage contains any of: {', '.join(words)}."


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    index = tmp_path_factory.mktemp("hostile") / "index"
    with TestClient(create_app(Settings(documents=SEED_DOCUMENTS, index_dir=index, access_log=False))) as client:
        yield client


def ask_both(client: TestClient, question: str) -> dict:
    """POST /ask and GET /ask agree (status and body, but for took_ms); returns the POST body."""
    posted = client.post("/ask", json={"question": question})
    got = client.get("/ask", params={"q": question})
    assert posted.status_code == got.status_code == 200, (posted.text, got.text)
    body, other = posted.json(), got.json()
    body.pop("took_ms"), other.pop("took_ms")
    assert body == other
    assert body["question"] == question  # echoed verbatim, as JSON (never rendered as HTML)
    assert posted.headers["content-type"] == "application/json"
    return body


@pytest.mark.parametrize(("question", "detail"), [
    ("", "question: the question is empty"),
    ("   \t\n ", "question: the question is empty"),
    ("x" * 10_000, "question: " + TOO_LONG.format(10_000, MAX_QUESTION_CHARS)),
    ("x" * (MAX_QUESTION_CHARS + 1), "question: " + TOO_LONG.format(MAX_QUESTION_CHARS + 1, MAX_QUESTION_CHARS)),
])
def test_refused_with_422_and_a_message(client: TestClient, question: str, detail: str) -> None:
    response = client.post("/ask", json={"question": question})
    assert response.status_code == 422
    assert response.json()["detail"] == detail


def test_refused_on_get_too(client: TestClient) -> None:
    assert client.get("/ask", params={"q": ""}).json()["detail"] == "query.q: the question is empty"
    assert client.get("/ask", params={"q": "  "}).json()["detail"] == "query.q: the question is empty"
    response = client.get("/ask", params={"q": "x" * 10_000})
    assert response.status_code == 422
    assert response.json()["detail"] == "query.q: " + TOO_LONG.format(10_000, MAX_QUESTION_CHARS)


def test_one_character(client: TestClient) -> None:
    only_stopword = "No passages: the question has only stopwords (a), which are not searched."
    assert ask_both(client, "a")["message"] == only_stopword
    body = ask_both(client, "x")
    assert body["passages"] == [] and body["unknown_terms"] == ["x"] and body["message"] == not_found(["x"])


def test_exactly_at_the_limit_is_answered(client: TestClient) -> None:
    question = ("Rovshan Rustamov " * 200)[:MAX_QUESTION_CHARS]
    body = ask_both(client, question)
    assert "co-chaired" in body["passages"][0]["text"]


def test_as_many_distinct_words_as_fit_are_answered_quickly(client: TestClient) -> None:
    """The worst question the limit allows: every word distinct and new (no cached stem), plus corpus words."""
    words, length, number = ["Azerbaijan", "Turkey", "Shusha"], 26, 0
    while length + 7 <= MAX_QUESTION_CHARS:
        words.append(f"zq{number:04d}x")  # letter-digit mixes are never stopwords, each a term of its own
        length += 8
        number += 1
    question = " ".join(words)
    assert len(question) <= MAX_QUESTION_CHARS and len(set(words)) > 240
    started = time.perf_counter()
    response = client.post("/ask", json={"question": question, "top_k": 100, "explain": True})
    elapsed = time.perf_counter() - started
    assert response.status_code == 200
    body = response.json()
    assert body["passages"] and len(body["unknown_terms"]) == len(words) - 3
    assert elapsed < 2.0


def test_five_thousand_distinct_words_are_over_the_limit(client: TestClient) -> None:
    """5,000 distinct words cannot fit in 2,000 characters: refused before any analysis, whatever the words."""
    question = " ".join(f"w{n}" for n in range(5000))
    started = time.perf_counter()
    response = client.post("/ask", json={"question": question})
    assert response.status_code == 422
    assert response.json()["detail"] == "question: " + TOO_LONG.format(len(question), MAX_QUESTION_CHARS)
    assert time.perf_counter() - started < 1.0


@pytest.mark.parametrize("question", ["?!.,;:—…", "🚀🔥", "\x00", "\x00\x01\x02\x1b", "----", "<>"])
def test_no_words_at_all(client: TestClient, question: str) -> None:
    body = ask_both(client, question)
    assert body["passages"] == [] and body["terms"] == [] and body["message"] == NO_WORDS


def test_only_stopwords(client: TestClient) -> None:
    body = ask_both(client, "what is it that they were")
    assert body["passages"] == []
    assert body["message"] == ("No passages: the question has only stopwords (what, is, it, that, they, were), "
                               "which are not searched.")


@pytest.mark.parametrize(("question", "terms"), [
    ("🚀🔥 Azerbaijan 🇦🇿", ["azerbaijan"]),
    ("Rovshan\x00Rustamov", ["rovshan", "rustamov"]),
    ("trade\x07\x1b[31m turnover", ["trade", "31m", "turnov"]),
    ("\u202eVladisavljevic", ["vladisavljev"]),  # right-to-left override
])
def test_words_among_odd_characters_are_found(client: TestClient, question: str, terms: list[str]) -> None:
    body = ask_both(client, question)
    assert [term["term"] for term in body["terms"]] == terms and body["passages"] and body["message"] is None
    assert all(term["word"] in question for term in body["terms"])  # each word as the question spells it


@pytest.mark.parametrize("question", ["أذربيجان وتركيا", "אזרבייג'ן", "阿塞拜疆和土耳其", "Азербайджан"])
def test_other_scripts_are_searched_and_reported_unknown(client: TestClient, question: str) -> None:
    body = ask_both(client, question)
    assert body["passages"] == [] and body["message"] == not_found(question.split())
    assert body["unknown_terms"] == question.split()


@pytest.mark.parametrize(("question", "unknown"), [
    ("'; DROP TABLE articles; --", ["DROP", "TABLE", "articles"]),
    ("1 OR 1=1", ["1"]),
    ("<script>alert(1)</script>", ["script", "alert", "1"]),
    ('"><img src=x onerror=alert(1)>', ["img", "src", "x", "onerror", "alert", "1"]),
])
def test_sql_and_html_are_just_words(client: TestClient, question: str, unknown: list[str]) -> None:
    body = ask_both(client, question)
    assert body["passages"] == [] and body["unknown_terms"] == unknown
    assert body["message"].startswith(not_found(unknown))


def test_invalid_utf8_percent_encoded_in_the_query_string(client: TestClient) -> None:
    """%FF%FE is not UTF-8: it decodes to U+FFFD replacement characters, and the rest is searched."""
    response = client.get("/ask?q=%FF%FEtrade%20turnover")
    assert response.status_code == 200
    body = response.json()
    assert body["question"] == "\ufffd\ufffdtrade turnover"
    assert body["terms"] == [{"word": "trade", "term": "trade"}, {"word": "turnover", "term": "turnov"}]
    assert body["passages"]


def test_lone_surrogate_in_json_is_422(client: TestClient) -> None:
    response = client.post("/ask", content=b'{"question": "\\ud800 trade"}',
                           headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["detail"] == ("question: Input should be a valid string, unable to parse raw data as a "
                                         "unicode string")


def test_batch_of_hostile_questions(client: TestClient) -> None:
    questions = ["🚀", "\x00", "'; DROP TABLE x; --", "阿塞拜疆", "Rovshan Rustamov", "a"]
    response = client.post("/ask/batch", json={"questions": questions})
    assert response.status_code == 200
    answers = response.json()["answers"]
    assert [a["question"] for a in answers] == questions
    assert [bool(a["passages"]) for a in answers] == [False, False, False, False, True, False]


def raw_request(url: str, target: bytes) -> tuple[bytes, bytes]:
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return head.split(b"\r\n")[0], body


def test_raw_bytes_on_a_real_server(tmp_path: Path) -> None:
    """Bytes no HTTP client should send (raw 0xFF, a NUL in the request line) are refused by the HTTP parser."""
    process, url = start([sys.executable, "-m", "uvicorn", "service:app", "--host", "127.0.0.1"], tmp_path)
    try:
        refused = (b"HTTP/1.1 400 Bad Request", b"Invalid HTTP request received.")
        assert raw_request(url, b"/ask?q=\xff\xfe") == refused
        assert raw_request(url, b"/ask?q=a\x00b")[0] == b"HTTP/1.1 400 Bad Request"
        status, body = raw_request(url, b"/ask?q=%FF%00Shusha")
        assert status == b"HTTP/1.1 200 OK" and b'"terms":[{"word":"Shusha","term":"shusha"}]' in body
        assert raw_request(url, b"/health")[0] == b"HTTP/1.1 200 OK"  # still serving
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_new_words_in_questions_do_not_grow_memory_without_bound(tmp_path: Path) -> None:
    from qa.answer.search import Searcher
    from qa.index import open_index

    index = open_index(Settings(documents=SEED_DOCUMENTS, index_dir=tmp_path / "index"))
    searcher = Searcher(index)
    cached_before = len(index.analyzer.export_cache())
    for n in range(2000):
        searcher.ask(" ".join(f"zz{n}q{i}x" for i in range(10)), 3)  # 20,000 words never seen before
    assert len(index.analyzer.export_cache()) - cached_before < 10_000
