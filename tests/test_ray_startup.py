"""`qa serve --ray` refuses what it cannot do in one line, before it builds anything or joins a cluster: `--watch`,
an address that is not one, a port in use, an address where no Ray cluster answers (nothing listens, or another
program does). What needs a running cluster (a second server on it, Ctrl-C during the start-up) is checked in
tests/test_ray.py."""

from __future__ import annotations

import http.server
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from qa.cli import main

from .conftest import REPO, SEED_DOCUMENTS
from .test_server import free_port

pytest.importorskip("ray", reason="Ray is not installed: pip install -e '.[ray]'")


def _serve(tmp_path: Path, *args: str) -> list[str]:
    return ["serve", "--shards", "2", "--documents", str(SEED_DOCUMENTS), "--index-dir", str(tmp_path / "index"),
            "--host", "127.0.0.1", *args]


def test_watch_is_refused_with_ray(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(_serve(tmp_path, "--ray", f"127.0.0.1:{free_port()}", "--watch")) == 2
    assert capsys.readouterr().err == (
        "qa: error: --watch (QA_WATCH) is not available with --ray: change the folder through POST and DELETE "
        "/documents, or run qa index --shards N and start the service again (see 'qa serve --help')\n")
    assert not (tmp_path / "index").exists()


def test_workers_are_refused_with_ray(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Replicas are what --ray has instead: --workers would be ignored without a word."""
    assert main(_serve(tmp_path, "--ray", f"127.0.0.1:{free_port()}", "--workers", "4")) == 2
    assert capsys.readouterr().err == ("qa: error: --workers (QA_WORKERS) is for qa serve on one machine; with "
                                       "--ray, give --replicas N (see 'qa serve --help')\n")


@pytest.mark.parametrize("address", ["6379", "127.0.0.1", "127.0.0.1:port", ":6379"])
def test_an_address_that_is_not_one(tmp_path: Path, capsys: pytest.CaptureFixture[str], address: str) -> None:
    assert main(_serve(tmp_path, "--ray", address)) == 2
    assert capsys.readouterr().err == (
        f"qa: error: --ray takes 'auto' or HOST:PORT (the address `ray start --head` printed), not '{address}' "
        "(see 'qa serve --help')\n")


def test_no_cluster_at_the_address(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Nothing listens there: said at once (Ray itself retries for minutes), before the index is built."""
    port = free_port()
    started = time.monotonic()
    assert main(_serve(tmp_path, "--ray", f"127.0.0.1:{port}", "--port", str(free_port()))) == 1
    assert time.monotonic() - started < 10
    assert capsys.readouterr().err == (
        f"qa: error: no Ray cluster answers at 127.0.0.1:{port} (connection refused); start one with `ray start "
        f"--head --port {port} --disable-usage-stats --include-dashboard=false` on that machine, or give the "
        "address `ray start --head` printed\n")
    assert not (tmp_path / "index").exists()


def _refuse_ray_init(monkeypatch: pytest.MonkeyPatch) -> None:
    """`ray.init` would retry for minutes at an address where another program listens: the test fails instead."""
    from qa.distributed import cluster

    def init(**_options: Any) -> None:
        raise AssertionError("ray.init was called: the address was not refused before")

    monkeypatch.setattr(cluster.ray, "init", init)


def _another_program(port: int) -> str:
    return (f"qa: error: no Ray cluster answers at 127.0.0.1:{port}: another program listens there (it does not "
            "answer as the GCS of `ray start --head` does); give the address `ray start --head` printed (its --port, "
            "6379 unless told otherwise)\n")


class _QuietHandler(http.server.BaseHTTPRequestHandler):
    """Python's HTTP/1 server as it comes, without its log lines on stderr (where qa's one line is checked)."""

    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_a_web_server_at_the_address(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A program that is not Ray listens there (a plain HTTP server, as Ray's dashboard is one): refused at once in
    one line, not after Ray's minutes of retries, before the index is built."""
    _refuse_ray_init(monkeypatch)
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), _QuietHandler) as web:
        threading.Thread(target=web.serve_forever, daemon=True).start()
        port = web.server_address[1]
        started = time.monotonic()
        try:
            assert main(_serve(tmp_path, "--ray", f"127.0.0.1:{port}", "--port", str(free_port()))) == 1
        finally:
            web.shutdown()
    assert time.monotonic() - started < 3
    assert capsys.readouterr().err == _another_program(port)
    assert not (tmp_path / "index").exists()


def test_a_program_that_says_nothing_at_the_address(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """It takes the connection and sends nothing: refused after the probe's few seconds."""
    from qa.distributed.cluster import PROBE_S

    _refuse_ray_init(monkeypatch)
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()  # the system accepts the connection; nobody reads or answers
        port = silent.getsockname()[1]
        started = time.monotonic()
        assert main(_serve(tmp_path, "--ray", f"127.0.0.1:{port}", "--port", str(free_port()))) == 1
    assert PROBE_S <= time.monotonic() - started < PROBE_S + 3
    assert capsys.readouterr().err == _another_program(port)
    assert not (tmp_path / "index").exists()


def _answering_http2() -> tuple[socket.socket, threading.Thread]:
    """A server that answers the first connection as an HTTP/2 (gRPC) server does: its SETTINGS frame first."""
    server = socket.create_server(("127.0.0.1", 0))

    def answer() -> None:
        connection, _ = server.accept()
        with connection:
            connection.recv(1024)
            connection.sendall(bytes([0, 0, 6, 4, 0, 0, 0, 0, 0]) + bytes([0, 3, 0, 0, 0, 100]))  # max streams

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    return server, thread


def test_what_answers_as_ray_does_passes_the_probe() -> None:
    """The probe lets an HTTP/2 server through (Ray's GCS passes it in tests/test_ray.py)."""
    from qa.distributed.cluster import check_address

    server, thread = _answering_http2()
    with server:
        check_address(f"127.0.0.1:{server.getsockname()[1]}")
        thread.join(timeout=5)
    assert not thread.is_alive()


def test_with_tls_only_the_connection_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    """RAY_USE_TLS=1: the GCS would speak TLS first, which the probe does not; a connection is all it asks."""
    from qa.distributed.cluster import check_address

    monkeypatch.setenv("RAY_USE_TLS", "1")
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        started = time.monotonic()
        check_address(f"127.0.0.1:{silent.getsockname()[1]}")
    assert time.monotonic() - started < 1


def test_the_port_is_in_use(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """As `qa serve` says it, before the cluster is asked (not Serve's proxy's traceback after the start-up)."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(_serve(tmp_path, "--ray", f"127.0.0.1:{free_port()}", "--port", str(port))) == 1
    assert capsys.readouterr().err == f"qa: error: cannot listen on 127.0.0.1:{port}: address already in use\n"
    assert not (tmp_path / "index").exists()


def test_auto_without_a_cluster_here(tmp_path: Path) -> None:
    """`--ray auto` where no `ray start --head` ran (RAY_TMPDIR: a folder of its own, where Ray looks for one):
    qa's words, naming qa's flags (Ray's own message names an --address flag qa does not have)."""
    env = {**{name: value for name, value in os.environ.items() if name != "RAY_ADDRESS"},
           "RAY_TMPDIR": str(tmp_path / "ray")}
    done = subprocess.run([sys.executable, "-m", "qa", *_serve(tmp_path, "--ray", "auto", "--port", str(free_port()))],
                          capture_output=True, text=True, env=env, timeout=120, cwd=REPO)
    assert done.returncode == 1
    assert done.stderr.splitlines()[-1] == (
        "qa: error: no Ray cluster runs on this machine (--ray auto joins the one `ray start --head` started "
        "here); start one, or give --ray HOST:PORT")
    assert not (tmp_path / "index").exists()


@pytest.fixture
def joining(monkeypatch: pytest.MonkeyPatch) -> Any:
    """qa.distributed.cluster with `ray.init` to be replaced by the test, the address not probed and no cluster
    looked at afterwards (what `connect` does around `ray.init` alone)."""
    from qa.distributed import cluster

    monkeypatch.setattr(cluster, "check_address", lambda address: None)
    monkeypatch.setattr(cluster, "_refuse_second_server", lambda address: None)
    return cluster


@pytest.mark.parametrize(("address", "raised", "said"), [
    ("auto", ConnectionError("Could not find any running Ray instance. Please specify the one to connect to by "
                             "setting `--address` flag"),
     "no Ray cluster runs on this machine (--ray auto joins the one `ray start --head` started here); start one, "
     "or give --ray HOST:PORT"),
    ("127.0.0.1:6379", ConnectionError("refused"), "cannot join the Ray cluster at 127.0.0.1:6379: refused"),
    ("auto", RuntimeError("version mismatch"), "cannot join the Ray cluster at auto: version mismatch"),
    ("127.0.0.1:6379", ValueError("bad address"), "cannot join the Ray cluster at 127.0.0.1:6379: bad address"),
])
def test_what_ray_init_raises_is_said_in_qa_words(joining: Any, monkeypatch: pytest.MonkeyPatch, address: str,
                                                  raised: Exception, said: str) -> None:
    def refuse(**_options: Any) -> None:
        raise raised

    monkeypatch.setattr(joining.ray, "init", refuse)
    with pytest.raises(joining.ClusterUnavailable) as refused:
        joining.connect(address)
    assert str(refused.value) == said


@pytest.mark.parametrize("fails", [False, True])
def test_a_signal_during_ray_init_reaches_the_caller_after_it(joining: Any, monkeypatch: pytest.MonkeyPatch,
                                                              fails: bool) -> None:
    """SIGTERM inside `ray.init` is noted, not raised there; once it returns (or fails), the caller's handlers are
    back, SIGTERM is raised through them once, and what `ray.init` raised is still said."""
    import signal

    calls: list[str] = []

    def init(**_options: Any) -> None:
        signal.raise_signal(signal.SIGTERM)
        calls.append("init went on")
        if fails:
            raise RuntimeError("gone")

    def callers(signum: int, _frame: object) -> None:
        calls.append(f"caller's handler: {signal.Signals(signum).name}")

    monkeypatch.setattr(joining.ray, "init", init)
    before = signal.signal(signal.SIGTERM, callers)
    try:
        interrupt = signal.getsignal(signal.SIGINT)
        if fails:
            with pytest.raises(joining.ClusterUnavailable, match="^cannot join the Ray cluster at auto: gone$"):
                joining.connect("auto")
        else:
            joining.connect("auto")
        assert calls == ["init went on", "caller's handler: SIGTERM"]
        assert signal.getsignal(signal.SIGTERM) is callers and signal.getsignal(signal.SIGINT) is interrupt
    finally:
        signal.signal(signal.SIGTERM, before)


def test_signals_are_noted_inside_the_block_only() -> None:
    """`_Stop.noting`, the one place the start-up's handlers are put in and taken out (nested in the stop)."""
    import signal

    from qa.distributed.cluster import _Stop

    handlers = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    stop = _Stop()
    with stop.noting():
        signal.raise_signal(signal.SIGINT)
        with stop.noting():
            signal.raise_signal(signal.SIGTERM)
        assert signal.getsignal(signal.SIGINT) == stop._note == signal.getsignal(signal.SIGTERM)
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == handlers
    assert stop.event.is_set() and stop.signum == signal.SIGINT  # the first one counts
