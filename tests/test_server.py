"""A real server process on a free loopback port, asked over HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from .conftest import REPO, SEED_DOCUMENTS

SHUSHA = "When did Azerbaijan and Turkey sign the Shusha Declaration?"
CO_CHAIRS = "Who co-chaired the meeting of Azerbaijan and Turkey on digital transformation?"  # see tests/test_api.py


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, timeout: float = 60, log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            said = log.read_text(errors="replace") if log is not None and log.exists() else ""
            raise AssertionError(f"server exited with {process.returncode}: {said}")
        try:
            if httpx.get(url + "/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise AssertionError("server did not come up")


UVICORN = [sys.executable, "-m", "uvicorn", "service:app", "--host", "127.0.0.1"]


def start(command: list[str], tmp_path: Path, documents: Path = SEED_DOCUMENTS,
          env: dict[str, str] | None = None) -> tuple[subprocess.Popen, str]:
    """Start a server command (a free port is added) over `documents`, its index in `tmp_path`, with `env` added
    to the environment; wait for /health. Its stderr goes to `tmp_path / "server.log"`."""
    port = free_port()
    env = {**os.environ, "QA_DOCUMENTS": str(documents), "QA_INDEX_DIR": str(tmp_path / "index"), **(env or {})}
    log = tmp_path / "server.log"  # a file, not a pipe: a chatty server can never block on a full pipe
    with open(log, "w") as sink:
        process = subprocess.Popen([*command, "--port", str(port)], cwd=REPO, env=env, stderr=sink,
                                   stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    wait_until_up(url, process, log=log)
    return process, url


@contextmanager
def running(command: list[str], tmp_path: Path, documents: Path = SEED_DOCUMENTS) -> Iterator[str]:
    """`start`, yield the server's URL, then stop it (also used by the browser tests and docs/screenshots.py)."""
    process, url = start(command, tmp_path, documents)
    try:
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture(params=["uvicorn service:app", "qa serve --workers 2"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param.startswith("uvicorn"):
        command = UVICORN
    else:
        command = [sys.executable, "-m", "qa", "serve", "--host", "127.0.0.1", "--workers", "2"]
    with running(command, tmp_path) as url:
        yield url


def test_real_server_answers_over_http(server: str) -> None:
    response = httpx.post(server + "/ask", json={"question": CO_CHAIRS, "top_k": 1}, timeout=10)
    assert response.status_code == 200
    top = response.json()["passages"][0]
    assert "Rovshan Rustamov" in top["text"]
    assert top["citation"]["source"] == "000_8339c2265b0242b8.txt"
    assert httpx.get(server + "/ask", params={"q": ""}, timeout=10).status_code == 422
    health = httpx.get(server + "/health", timeout=10).json()
    assert health["articles"] == 2
