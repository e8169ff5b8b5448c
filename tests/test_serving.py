"""`qa serve` (qa/web/serving.py, qa/web/connections.py, qa/web/connection_layer.py): clients shared evenly by the
workers, a dead worker replaced, a write seen by every worker before it is acknowledged, a busy port or bad host
refused in one line, and a stop on SIGINT or SIGTERM that finishes the requests in progress. Real processes on
free loopback ports, looked at through /proc (Linux)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from qa.index import current_version, load_index

from .conftest import REPO, SEED_DOCUMENTS
from .test_server import CO_CHAIRS, free_port, start, wait_until_up

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc: Linux only")

SERVE = [sys.executable, "-m", "qa", "serve", "--host", "127.0.0.1", "--workers", "2"]


def workers_of(parent: int) -> list[int]:
    """The worker processes of `qa serve` (its children running a worker; multiprocessing's helpers aside)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == parent and b"spawn_main" in command:
            found.append(int(entry.name))
    return sorted(found)


def established_on(pid: int, port: int) -> int:
    """How many established TCP connections to local `port` the process `pid` holds."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    count = 0
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            local_port = int(fields[1].rsplit(":", 1)[1], 16)
            if local_port == port and fields[3] == "01" and fields[9] in inodes:  # 01: ESTABLISHED
                count += 1
    return count


def wait_for(condition, timeout: float = 30) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.1)


class Client:
    """One HTTP/1.1 connection, kept alive; when an answer says `Connection: close` it connects again at once, as
    HTTP/1.1 clients do (and counts it)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reconnects = 0
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)

    def request(self, target: str, method: str = "GET", body: bytes = b"",
                headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        lines = [f"{method} {target} HTTP/1.1", "Host: qa", *(f"{k}: {v}" for k, v in (headers or {}).items())]
        if body:
            lines.append(f"Content-Length: {len(body)}")
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        status, answer_headers, content = read_response(self.sock)
        if answer_headers.get("connection") == "close":
            self.sock.close()
            self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=10)
            self.reconnects += 1
        return status, answer_headers, content

    def close(self) -> None:
        self.sock.close()


def read_response(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """Status, headers (lower-case names) and body of one response with a Content-Length."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"closed by the server after {data!r}")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {name.strip().lower(): value.strip() for name, _, value in (line.partition(":") for line in header_lines)}
    while len(body) < int(headers.get("content-length", 0)):
        body += sock.recv(65536)
    return int(status_line.split()[1]), headers, body


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[subprocess.Popen, int]]:
    """One `qa serve --workers 2` over a copy of the seed articles, writes enabled (key "k"), both workers up."""
    folder = tmp_path_factory.mktemp("served")
    documents = folder / "documents"
    shutil.copytree(SEED_DOCUMENTS, documents)
    process, url = start(SERVE, folder, documents, env={"QA_API_KEY": "k", "QA_ACCESS_LOG": "false"})
    port = int(url.rsplit(":", 1)[1])
    try:
        wait_for(lambda: _both_answer(port, workers_of(process.pid)))
        yield process, port
    finally:
        process.terminate()
        process.wait(timeout=30)


def shares(workers: list[int], port: int) -> list[int]:
    return [established_on(worker, port) for worker in workers]


def test_clients_are_shared_evenly_by_the_workers(served: tuple[subprocess.Popen, int]) -> None:
    """32 clients connecting at once mostly land on one worker (the first to wake takes all that wait); the
    worker with more asks clients to reconnect after an answer until both hold 16, give or take one, and then
    the share holds without further reconnects."""
    process, port = served
    workers = workers_of(process.pid)
    clients = [Client(port) for _ in range(32)]
    try:
        deadline = time.monotonic() + 30
        while True:
            for client in clients:
                assert client.request("/health")[0] == 200
            split = shares(workers, port)
            if sum(split) == 32 and max(split) - min(split) <= 2:
                break
            assert time.monotonic() < deadline, split
        asked = sum(client.reconnects for client in clients)
        assert asked <= 64  # a burst mostly lands on one worker: 16 moves or so, never a storm
        for _ in range(10):
            for client in clients:
                assert client.request("/health")[0] == 200
        split = shares(workers, port)
        assert sum(split) == 32 and max(split) - min(split) <= 2, split
        assert sum(client.reconnects for client in clients) - asked <= 2
    finally:
        for client in clients:
            client.close()


def spread(clients: list[Client], workers: list[int], port: int, timeout: float = 30) -> None:
    """Ask on every client until each worker holds at least a quarter of them."""
    deadline = time.monotonic() + timeout
    while min(shares(workers, port)) < len(clients) // 4:
        assert time.monotonic() < deadline, shares(workers, port)
        for client in clients:
            assert client.request("/health")[0] == 200


def _both_answer(port: int, workers: list[int]) -> bool:
    """Whether both workers have taken connections (they accept once they have loaded the index)."""
    clients = [Client(port) for _ in range(8)]
    try:
        for _ in range(3):
            for client in clients:
                client.request("/health")
        return min(shares(workers, port)) > 0
    finally:
        for client in clients:
            client.close()


def test_every_worker_answers_from_a_write_as_soon_as_it_is_acknowledged(served: tuple[subprocess.Popen, int]) -> None:
    """An article added (or deleted) through one worker is in (or out of) the very next answer of every worker:
    each question looks at the index's CURRENT pointer first."""
    process, port = served
    clients = [Client(port) for _ in range(8)]
    writer = Client(port)
    try:
        spread(clients, workers_of(process.pid), port)
        auth = {"Authorization": "Bearer k", "Content-Type": "application/json"}
        for number in range(6):
            word = f"zeppelin{number}x"
            body = f'{{"id": "news/{word}", "title": "Airship", "text": "The {word} landed."}}'.encode()
            assert writer.request("/documents", "POST", body, auth)[0] == 201
            for client in clients:
                status, _, answer = client.request(f"/ask?q={word}&top_k=1")
                assert status == 200 and f'"document_id":"news/{word}"' in answer.decode()
            assert writer.request(f"/documents/news/{word}", "DELETE", headers=auth)[0] == 200
            for client in clients:
                status, _, answer = client.request(f"/ask?q={word}&top_k=1")
                assert status == 200 and '"passages":[]' in answer.decode()
    finally:
        for client in [*clients, writer]:
            client.close()


def test_a_worker_that_dies_is_replaced(served: tuple[subprocess.Popen, int]) -> None:
    """A killed worker is replaced at once; meanwhile and after, whichever worker takes a connection answers."""
    process, port = served
    first, second = workers_of(process.pid)
    os.kill(first, signal.SIGKILL)
    for _ in range(20):
        with httpx.Client(timeout=10) as client:
            top = client.get(f"http://127.0.0.1:{port}/ask", params={"q": CO_CHAIRS, "top_k": 1}).json()["passages"][0]
            assert "Rovshan Rustamov" in top["text"]
    wait_for(lambda: len(workers_of(process.pid)) == 2 and first not in workers_of(process.pid))
    wait_for(lambda: _both_answer(port, workers_of(process.pid)))
    assert second in workers_of(process.pid)


def _serve_once(*args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QA_DOCUMENTS": str(SEED_DOCUMENTS), "QA_INDEX_DIR": str(tmp_path / "index")}
    return subprocess.run([*SERVE, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)


def test_a_port_in_use_is_refused_in_one_line(tmp_path: Path) -> None:
    port = free_port()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", port))
        taken.listen()
        done = _serve_once("--port", str(port), tmp_path=tmp_path)
    assert done.returncode == 1
    assert done.stderr == f"qa: error: cannot listen on 127.0.0.1:{port}: address already in use\n"
    assert not (tmp_path / "index").exists()  # refused before anything was built


def test_an_address_not_of_this_machine_is_refused_in_one_line(tmp_path: Path) -> None:
    port = free_port()
    done = _serve_once("--host", "192.0.2.1", "--port", str(port), tmp_path=tmp_path)  # TEST-NET-1: never ours
    assert done.returncode == 1
    assert done.stderr == f"qa: error: cannot listen on 192.0.2.1:{port}: cannot assign requested address\n"


def _listening_inode(pid: int, port: int) -> str:
    """The inode of the socket listening on `port`, as /proc/PID/net/tcp of the server says."""
    for line in Path(f"/proc/{pid}/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "0A":  # 0A: LISTEN
            return fields[9]
    raise AssertionError(f"nothing listens on {port}")


def _holds(pid: int, inode: str) -> bool:
    """Whether process `pid` (still) has the socket `inode` open."""
    try:
        return any(os.readlink(fd) == f"socket:[{inode}]" for fd in Path(f"/proc/{pid}/fd").iterdir())
    except OSError:  # the process is gone
        return False


def _head_read(port: int, client_port: int) -> bool:
    """Whether the server has read everything the client on `client_port` sent (its receive queue is empty)."""
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote = fields[1].rsplit(":", 1)[1], fields[2].rsplit(":", 1)[1]
        if int(local, 16) == port and int(remote, 16) == client_port and fields[3] == "01":
            return int(fields[4].split(":")[1], 16) == 0
    return False


@pytest.mark.parametrize(("signum", "whole_group"), [(signal.SIGTERM, False), (signal.SIGINT, True)],
                         ids=["SIGTERM", "Ctrl-C"])
def test_a_signal_drains_the_requests_in_progress_then_stops_in_one_line(tmp_path: Path, signum: int,
                                                                         whole_group: bool) -> None:
    """SIGTERM, or Ctrl-C (the terminal sends SIGINT to every process of the group), while a question is in
    progress (its head read, its body not yet sent): every worker stops accepting, the question is still answered
    (and its connection then closed), qa says so in one line and exits with 128 + the signal's number (143, 130),
    no traceback; the index it served is still the current one."""
    port = free_port()
    env = {**os.environ, "QA_DOCUMENTS": str(SEED_DOCUMENTS), "QA_INDEX_DIR": str(tmp_path / "index"),
           "QA_ACCESS_LOG": "false"}
    log = tmp_path / "serve.log"
    with open(log, "w") as sink:
        process = subprocess.Popen([*SERVE, "--port", str(port)], cwd=REPO, env=env, stderr=sink,
                                   stdout=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_until_up(f"http://127.0.0.1:{port}", process, log=log)
        version = current_version(tmp_path / "index")
        workers = workers_of(process.pid)
        listening = _listening_inode(process.pid, port)
        body = json.dumps({"question": CO_CHAIRS, "top_k": 1}).encode()
        with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
            sock.sendall(b"POST /ask HTTP/1.1\r\nHost: qa\r\nContent-Type: application/json\r\n"
                         + f"Content-Length: {len(body)}\r\n\r\n".encode() + body[:10])
            wait_for(lambda: _head_read(port, sock.getsockname()[1]))
            if whole_group:
                os.killpg(process.pid, signum)
            else:
                process.send_signal(signum)
            wait_for(lambda: not any(_holds(worker, listening) for worker in workers))  # none accepts any more
            sock.sendall(body[10:])
            status, _, answer = read_response(sock)
            assert sock.recv(1) == b""  # then the server closes the connection
        assert status == 200
        assert "Rovshan Rustamov" in json.loads(answer)["passages"][0]["text"]
        assert process.wait(timeout=60) == 128 + signum
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    said = log.read_text().splitlines()
    assert said[0].startswith("qa: indexed 2 articles, 11 passages in ")  # the first start builds
    assert said[1] == f"qa: serving 2 articles (11 passages) on http://127.0.0.1:{port} (API docs at /docs)"
    assert said[2:] == ["qa: interrupted" if signum == signal.SIGINT else "qa: terminated"]
    for worker in workers:
        assert not Path(f"/proc/{worker}").exists() or "zombie" in Path(f"/proc/{worker}/status").read_text()
    assert version is not None and current_version(tmp_path / "index") == version
    assert load_index(version).manifest["passages"] == 11
