"""`qa serve --ray` refuses what it cannot do in one line, before it builds anything or joins a cluster: `--watch`,
an address that is not one, a port in use, an address where no Ray cluster answers. What needs a running cluster
(a second server on it, Ctrl-C during the start-up) is checked in tests/test_ray.py."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

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
