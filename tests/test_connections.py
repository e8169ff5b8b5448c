"""Slow, idle and too many clients (qa/web/connections.py, qa/web/connection_layer.py): what a client of a real
`qa serve --workers 2` on a free loopback port sees. The timeouts are set to 1 s here (QA_*_TIMEOUT_S), so that
each test is short; the waits below are upper bounds on how long a test may hang, not speed claims; the lower
bounds (0.9 s, the client's clock starting a little after the server's) check that nothing is cut before its
time."""

from __future__ import annotations

import json
import socket
import sys
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from .test_server import CO_CHAIRS, start
from .test_serving import SERVE, Client, read_response

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the guard reads /proc: Linux only")

TIMEOUTS = {"QA_HEADER_TIMEOUT_S": "1", "QA_BODY_TIMEOUT_S": "1", "QA_KEEP_ALIVE_TIMEOUT_S": "1"}
CAP = 6


@pytest.fixture(scope="module")
def quick(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """A server whose header, body and keep-alive timeouts are 1 s; yields its port."""
    process, url = start(SERVE, tmp_path_factory.mktemp("quick"), env=TIMEOUTS)
    try:
        yield int(url.rsplit(":", 1)[1])
    finally:
        process.terminate()
        process.wait(timeout=30)


def closed_by_server(sock: socket.socket, wait: float = 15) -> tuple[bytes, float]:
    """What the server sent before closing the connection, and after how many seconds it closed it."""
    started = time.monotonic()
    sock.settimeout(wait)
    received = b""
    while chunk := sock.recv(65536):
        received += chunk
    return received, time.monotonic() - started


@pytest.mark.parametrize("sent", [
    b"",  # connects, says nothing
    b"GET /ask?q=harb",  # half a request line
    b"GET /health HTTP/1.1\r\nHost: qa\r\n",  # headers without the blank line that ends them
], ids=["nothing", "half a request line", "headers without the final blank line"])
def test_an_unfinished_request_head_is_cut_off_after_the_header_timeout(quick: int, sent: bytes) -> None:
    with socket.create_connection(("127.0.0.1", quick)) as sock:
        sock.sendall(sent)
        received, after = closed_by_server(sock)
    assert received == b""
    assert after >= 0.9


def test_a_head_trickled_a_byte_at_a_time_is_cut_off_too(quick: int) -> None:
    """Each byte resets no clock: the head as a whole is due within the header timeout."""
    head = b"GET /health HTTP/1.1\r\nHost: qa\r\nX-Slow: " + b"a" * 200 + b"\r\n\r\n"
    with socket.create_connection(("127.0.0.1", quick)) as sock:
        started = time.monotonic()
        sent = 0
        with pytest.raises(OSError):  # the server shut the connection: a send or the final read fails
            for byte in head:
                sock.sendall(bytes([byte]))
                sent += 1
                time.sleep(0.05)
            if sock.recv(65536) == b"":
                raise ConnectionResetError("closed")
        assert sent < len(head)  # the head never got through
        assert time.monotonic() - started >= 0.9


def test_a_body_that_does_not_arrive_is_answered_408(quick: int) -> None:
    with socket.create_connection(("127.0.0.1", quick)) as sock:
        sock.sendall(b"POST /ask HTTP/1.1\r\nHost: qa\r\nContent-Type: application/json\r\nContent-Length: 60\r\n"
                     b"\r\n{\"question\": \"harb")
        status, headers, body = read_response(sock)
        assert status == 408
        assert json.loads(body) == {"detail": "the request body did not arrive within 1 s"}
        assert headers["connection"] == "close"
        assert closed_by_server(sock)[0] == b""


def test_an_idle_kept_alive_connection_is_closed_after_the_keep_alive_timeout(quick: int) -> None:
    client = Client(quick)
    assert client.request("/health")[0] == 200
    received, after = closed_by_server(client.sock)
    assert received == b"" and after >= 0.9


def test_a_connection_in_use_is_left_alone(quick: int) -> None:
    """A client asking every 0.4 s for 3 s (longer than every timeout, shorter than each gap) keeps its
    connection: the guard only cuts connections whose request is late, uvicorn only idle ones."""
    client = Client(quick)
    for _ in range(8):
        status, headers, _ = client.request("/ask?" + urllib.parse.urlencode({"q": CO_CHAIRS, "top_k": 1}))
        assert status == 200
        time.sleep(0.4)
    assert client.reconnects == 0
    client.close()


def test_a_normal_question_is_answered_while_300_half_open_connections_are_held(tmp_path: Path) -> None:
    """The default settings (header timeout 10 s, cap 1,000): 300 connections that sent half a request line or
    headers without their end are held, and a question on a new connection is answered (within 1 s, the
    client's limit here; it takes milliseconds)."""
    process, url = start(SERVE, tmp_path)
    held: list[socket.socket] = []
    try:
        for number in range(300):
            sock = socket.create_connection(("127.0.0.1", int(url.rsplit(":", 1)[1])))
            sock.sendall(b"GET /ask?q=harb" if number % 2 else b"GET /health HTTP/1.1\r\nHost: qa\r\n")
            held.append(sock)
        response = httpx.get(url + "/ask", params={"q": CO_CHAIRS, "top_k": 1}, timeout=1.0)
        assert response.status_code == 200
        assert "Rovshan Rustamov" in response.json()["passages"][0]["text"]
    finally:
        for sock in held:
            sock.close()
        process.terminate()
        process.wait(timeout=30)


def test_a_request_beyond_the_connection_cap_is_answered_503(tmp_path: Path) -> None:
    """QA_MAX_CONNECTIONS=6 over 2 workers: with 6 connections open, a request on a 7th is answered 503 with a
    detail and its connection closed; once a connection has gone, a new one is served again."""
    process, url = start(SERVE, tmp_path, env={"QA_MAX_CONNECTIONS": str(CAP)})
    port = int(url.rsplit(":", 1)[1])
    clients: list[Client] = []
    try:
        clients = [Client(port) for _ in range(CAP)]
        for _ in range(20):  # settled: the workers share them, and nobody is asked to reconnect any more
            before = sum(client.reconnects for client in clients)
            for client in clients:
                assert client.request("/health")[0] == 200
            if sum(client.reconnects for client in clients) == before:
                break
        with socket.create_connection(("127.0.0.1", port)) as extra:
            extra.sendall(b"GET /health HTTP/1.1\r\nHost: qa\r\n\r\n")
            status, headers, body = read_response(extra)
            assert status == 503
            assert json.loads(body) == {"detail": f"the server holds its limit of {CAP} open connections; "
                                                  "try again in a moment"}
            assert headers["connection"] == "close" and headers["retry-after"] == "1"
            assert closed_by_server(extra)[0] == b""
        clients.pop().close()
        deadline = time.monotonic() + 10
        while httpx.get(url + "/health", timeout=5).status_code == 503:  # until the closed one is counted out
            assert time.monotonic() < deadline
    finally:
        for client in clients:
            client.close()
        process.terminate()
        process.wait(timeout=30)


def test_without_proc_the_guard_says_so_once_and_guards_nothing(monkeypatch: pytest.MonkeyPatch,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    """Where there is no /proc/self/fd (not Linux), the guard does not start a thread that would fail every scan."""
    from qa.web import connections

    monkeypatch.setattr(connections.os.path, "isdir", lambda path: False)
    guard = connections.ConnectionGuard(connections.Connections(), 0, header_timeout_s=1, keep_alive_timeout_s=1)
    with caplog.at_level("WARNING", logger="qa.service"):
        guard.start()
        guard.stop()
    assert [record.getMessage() for record in caplog.records] == [
        "no /proc/self/fd here: connections slow to send a request are not timed out"]
