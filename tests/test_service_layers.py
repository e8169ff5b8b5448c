"""The service layers (qa/web/limits.py, observability.py, metrics.py): limits, time budget, CORS, hidden errors,
metrics, logs."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from qa.config import Settings, make_settings
from qa.web.app import create_app

from .conftest import REPO, SEED_DOCUMENTS

SHUSHA = "When did Azerbaijan and Turkey sign the Shusha Declaration?"


def make_client(tmp_path: Path, **overrides: object) -> tuple[FastAPI, TestClient]:
    settings = Settings(documents=SEED_DOCUMENTS, index_dir=tmp_path / "index", **overrides)
    app = create_app(settings)
    return app, TestClient(app)


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    _, client = make_client(tmp_path)
    with client:
        yield client


# -- limits ---------------------------------------------------------------------------------------------------


def test_body_over_the_limit_is_413_before_it_is_read(tmp_path: Path) -> None:
    _, client = make_client(tmp_path, max_body_bytes=4096)
    with client:
        response = client.post("/ask", content=b'{"question": "' + b"a" * 5000 + b'"}',
                               headers={"content-type": "application/json"})
        assert response.status_code == 413
        assert response.json() == {"detail": "the request body is larger than the limit of 4096 bytes"}
        assert client.post("/ask", json={"question": SHUSHA}).status_code == 200


def test_chunked_body_over_the_limit_is_413(tmp_path: Path) -> None:
    """No Content-Length (chunked upload): the body is counted as it arrives."""
    _, client = make_client(tmp_path, max_body_bytes=4096)

    def chunks() -> Iterator[bytes]:
        yield b'{"questions": ["'
        for _ in range(100):
            yield b"trade " * 20
        yield b'"]}'

    with client:
        response = client.post("/ask/batch", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert response.json() == {"detail": "the request body is larger than the limit of 4096 bytes"}


def test_default_body_limit_admits_a_full_batch(client: TestClient) -> None:
    """100 questions of the longest allowed length, in multi-byte characters, fit under the default 1 MiB."""
    question = "Азербайджан " * 166  # 1,992 characters, 2 bytes each in UTF-8
    response = client.post("/ask/batch", json={"questions": [question] * 100, "top_k": 1})
    assert response.status_code == 200
    assert len(response.json()["answers"]) == 100


def test_json_body_that_is_not_utf8_is_422(client: TestClient) -> None:
    response = client.post("/ask", content=b'{"question": "caf\xe9"}', headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["detail"] == "body: the request body is not UTF-8 (invalid byte at offset 17)"


def test_request_over_the_time_budget_is_504(tmp_path: Path) -> None:
    app, client = make_client(tmp_path, request_timeout_s=0.2)

    @app.get("/test-slow")
    async def slow() -> dict[str, str]:
        await asyncio.sleep(5)
        return {"never": "sent"}

    with client:
        response = client.get("/test-slow")
        assert response.status_code == 504
        assert response.json() == {"detail": "the request took longer than the time budget of 0.2 s"}
        assert client.get("/health").status_code == 200  # the service goes on


# -- errors never show internals -----------------------------------------------------------------------------


def test_unexpected_error_is_500_without_traceback_or_paths(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    app, client = make_client(tmp_path)
    secret = str(tmp_path / "private" / "file.txt")

    @app.get("/test-boom")
    async def boom() -> None:
        raise RuntimeError(f"cannot read {secret}")

    with client:
        response = client.get("/test-boom")
    assert response.status_code == 500
    assert response.json() == {"detail": "internal error"}
    assert response.headers["content-type"] == "application/json"
    logged = capsys.readouterr().err
    assert "unexpected error answering GET /test-boom" in logged
    assert "Traceback" in logged and secret in logged  # the server's log has it all, the client nothing


@pytest.mark.parametrize(("method", "path", "kwargs", "status"), [
    ("get", "/documents/..%2F..%2Fetc%2Fpasswd", {}, 404),
    ("get", "/documents/nope", {"params": {"start": 5, "end": 1}}, 404),
    ("get", "/documents/000_8339c2265b0242b8", {"params": {"start": 5, "end": 10**9}}, 422),
    ("get", "/ask", {"params": {"q": "x" * 3000}}, 422),
    ("post", "/ask", {"content": b"{", "headers": {"content-type": "application/json"}}, 422),
    ("post", "/ask", {"content": b"\xff\xfe", "headers": {"content-type": "application/json"}}, 422),
    ("post", "/ask/batch", {"json": {"questions": []}}, 422),
    ("get", "/no-such-page", {}, 404),
    ("delete", "/ask", {}, 405),
])
def test_error_responses_hold_no_paths_or_tracebacks(client: TestClient, method: str, path: str, kwargs: dict,
                                                     status: int) -> None:
    response = client.request(method.upper(), path, **kwargs)
    assert response.status_code == status
    body = response.text
    assert isinstance(response.json()["detail"], str) and response.json()["detail"]
    for leak in (str(REPO), str(SEED_DOCUMENTS), "/tmp/", "Traceback", 'File "', ".py"):
        assert leak not in body


# -- CORS -------------------------------------------------------------------------------------------------------


def test_cors_is_off_by_default(client: TestClient) -> None:
    preflight = client.options("/ask", headers={"origin": "https://evil.example",
                                                "access-control-request-method": "POST"})
    assert preflight.status_code == 405
    assert "access-control-allow-origin" not in preflight.headers
    simple = client.get("/health", headers={"origin": "https://evil.example"})
    assert simple.status_code == 200 and "access-control-allow-origin" not in simple.headers


def test_cors_allows_the_configured_origins_only(tmp_path: Path) -> None:
    _, client = make_client(tmp_path, cors_origins="https://a.example, https://b.example")
    with client:
        preflight = client.options("/ask", headers={"origin": "https://b.example",
                                                    "access-control-request-method": "POST",
                                                    "access-control-request-headers": "content-type"})
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == "https://b.example"
        refused = client.options("/ask", headers={"origin": "https://evil.example",
                                                  "access-control-request-method": "POST"})
        assert refused.status_code == 400 and "access-control-allow-origin" not in refused.headers
        simple = client.get("/health", headers={"origin": "https://a.example"})
        assert simple.headers["access-control-allow-origin"] == "https://a.example"


def test_service_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QA_CORS_ORIGINS", "*")
    monkeypatch.setenv("QA_MAX_BODY_BYTES", "65536")
    monkeypatch.setenv("QA_REQUEST_TIMEOUT_S", "2.5")
    monkeypatch.setenv("QA_LOG_FORMAT", "json")
    monkeypatch.setenv("QA_ACCESS_LOG", "false")
    settings = make_settings()
    assert (settings.cors_origins, settings.max_body_bytes, settings.request_timeout_s, settings.log_format,
            settings.access_log) == ("*", 65536, 2.5, "json", False)
    monkeypatch.setenv("QA_LOG_FORMAT", "xml")
    with pytest.raises(Exception, match="log_format"):
        make_settings()


# -- metrics ----------------------------------------------------------------------------------------------------


def scrape(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(response.text) for sample in family.samples}


def test_metrics_count_requests_by_route_template_and_status(client: TestClient) -> None:
    before = scrape(client)
    client.post("/ask", json={"question": SHUSHA})
    client.post("/ask", json={"question": ""})
    client.get("/documents/000_8339c2265b0242b8")
    client.get("/documents/nope")
    client.get("/wp-admin/../../x")
    after = scrape(client)

    def delta(name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0.0) - before.get(key, 0.0)

    assert delta("qa_http_requests_total", method="POST", route="/ask", status="200") == 1
    assert delta("qa_http_requests_total", method="POST", route="/ask", status="422") == 1
    assert delta("qa_http_requests_total", method="GET", route="/documents/{document_id:path}", status="200") == 1
    assert delta("qa_http_requests_total", method="GET", route="/documents/{document_id:path}", status="404") == 1
    assert delta("qa_http_requests_total", method="GET", route="<unmatched>", status="404") == 1
    assert delta("qa_http_request_duration_seconds_count", method="POST", route="/ask") == 2
    assert delta("qa_http_request_duration_seconds_bucket", method="POST", route="/ask", le="+Inf") == 2


def test_metrics_describe_the_index(client: TestClient) -> None:
    health = client.get("/health").json()
    samples = scrape(client)
    assert samples[("qa_index_articles", ())] == health["articles"] == 2
    assert samples[("qa_index_passages", ())] == health["passages"]
    assert samples[("qa_index_terms", ())] == health["terms"]
    assert 0 <= samples[("qa_index_age_seconds", ())] < 600
    assert samples[("process_resident_memory_bytes", ())] > 0


# -- access logs --------------------------------------------------------------------------------------------------


def test_access_log_line_per_request(client: TestClient, capsys: pytest.CaptureFixture) -> None:
    capsys.readouterr()
    client.get("/ask", params={"q": "trade"})
    lines = [line for line in capsys.readouterr().err.splitlines() if "qa.access" in line]
    assert len(lines) == 1
    assert lines[0].split(" INFO qa.access: ")[1].startswith('testclient "GET /ask?q=trade" 200 ')


def test_access_log_as_json(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    _, client = make_client(tmp_path, log_format="json")
    try:
        with client:
            capsys.readouterr()
            client.post("/ask", json={"question": "trade"}, headers={"user-agent": "test"})
        lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
        access = [line for line in lines if line["logger"] == "qa.access"]
        assert len(access) == 1
        entry = access[0]
        assert {k: entry[k] for k in ("level", "method", "path", "route", "status", "client")} == {
            "level": "info", "method": "POST", "path": "/ask", "route": "/ask", "status": 200, "client": "testclient"}
        assert entry["duration_ms"] > 0 and entry["time"].endswith("+00:00")
    finally:
        make_client(tmp_path / "back")[1].__enter__().__exit__(None, None, None)  # text format for the next tests


def test_access_log_can_be_switched_off(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    _, client = make_client(tmp_path, access_log=False)
    try:
        with client:
            capsys.readouterr()
            client.get("/health")
        assert "qa.access" not in capsys.readouterr().err
    finally:
        make_client(tmp_path / "back")[1].__enter__().__exit__(None, None, None)


def test_metric_labels_stay_bounded_whatever_the_client_sends(client: TestClient) -> None:
    """Arbitrary methods and paths cannot create new time series: they count as `other` and `<unmatched>`."""
    before = scrape(client)
    for n in range(5):
        client.request(f"BREW{n}", f"/random-{n}")
    after = scrape(client)
    new_series = {key for key in after if key[0].startswith("qa_http_requests") and key not in before}
    assert new_series <= {("qa_http_requests_total", (("method", "other"), ("route", "<unmatched>"),
                                                      ("status", "404")))}
    key = ("qa_http_requests_total", (("method", "other"), ("route", "<unmatched>"), ("status", "404")))
    assert after[key] - before.get(key, 0) == 5


def test_article_uploads_may_be_as_large_as_an_article_file(tmp_path: Path) -> None:
    """POST /documents takes files up to QA_MAX_FILE_MB (plus the form), not only QA_MAX_BODY_BYTES."""
    _, client = make_client(tmp_path, max_body_bytes=4096, max_file_mb=0.1)
    with client:
        small_enough = client.post("/documents", content=b"x" * 50_000, headers={"content-type": "text/plain"})
        assert small_enough.status_code != 413  # refused or accepted by the endpoint itself, not by the limit
        too_large = client.post("/documents", content=b"x" * 200_000, headers={"content-type": "text/plain"})
        assert too_large.status_code == 413
        assert too_large.json() == {"detail": "the request body is larger than the limit of 165536 bytes"}
        assert client.post("/ask", content=b"x" * 5000, headers={"content-type": "text/plain"}).status_code == 413


def test_real_server_reads_the_service_settings_from_the_environment(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """`qa serve --workers 2` hands QA_* to its workers: JSON logs, CORS and the body limit apply in each."""
    import sys

    import httpx

    from .test_server import start

    monkeypatch.setenv("QA_LOG_FORMAT", "json")
    monkeypatch.setenv("QA_CORS_ORIGINS", "https://a.example")
    monkeypatch.setenv("QA_MAX_BODY_BYTES", "2048")
    process, url = start([sys.executable, "-m", "qa", "serve", "--host", "127.0.0.1", "--workers", "2"], tmp_path)
    try:
        for _ in range(4):  # whichever worker answers
            response = httpx.post(url + "/ask", json={"question": "trade " * 400}, timeout=10)
            assert response.status_code == 413
            assert response.json() == {"detail": "the request body is larger than the limit of 2048 bytes"}
            cors = httpx.get(url + "/health", headers={"origin": "https://a.example"}, timeout=10)
            assert cors.headers["access-control-allow-origin"] == "https://a.example"
        assert "qa_http_requests_total" in httpx.get(url + "/metrics", timeout=10).text
    finally:
        process.terminate()
        process.wait(timeout=20)
    lines = (tmp_path / "server.log").read_text().splitlines()  # tests/test_server.py's start() logs there
    logged = [json.loads(line) for line in lines if line.startswith("{")]
    statuses = [entry["status"] for entry in logged if entry["logger"] == "qa.access"]
    assert statuses.count(413) == 4 and statuses.count(200) >= 5
