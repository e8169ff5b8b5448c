"""Ctrl-C and SIGTERM while `qa index` or `qa eval` works (issue 16): one line, exit 130 or 143, no traceback,
no process left, and the previous index still the current one.

A terminal's Ctrl-C sends SIGINT to the whole foreground process group, the command's worker processes included
(the forked analysing processes of a big build: `qa.index.parallel`); so does `kill -- -PGID`. The tests start
the command in a session of its own and signal that group once a worker process is running. Before: a worker
printed 20-30 lines of `Process ForkProcess-1: ... KeyboardInterrupt` traceback.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from qa.config import Settings
from qa.index import build_index, current_version, load_index

from .conftest import REPO

ARTICLES = 3000  # a build of a few seconds, its files read and analysed by worker processes (qa.index.parallel)
SIGNALS = [(signal.SIGINT, 130, "qa: interrupted\n"), (signal.SIGTERM, 143, "qa: terminated\n")]
pytestmark = pytest.mark.slow


def _sentences(rng: random.Random, words: list[str], count: int) -> str:
    return " ".join(" ".join(rng.choice(words) for _ in range(12)).capitalize() + "." for _ in range(count))


@pytest.fixture(scope="module")
def big_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rng = random.Random(16)
    words = [f"w{n}" for n in range(5000)]
    folder = tmp_path_factory.mktemp("big") / "docs"
    folder.mkdir()
    for n in range(ARTICLES):
        (folder / f"a{n:05d}.txt").write_text(f"Article {n}\n\n{_sentences(rng, words, 25)}\n")
    return folder


@pytest.fixture(scope="module")
def big_beir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rng = random.Random(17)
    words = [f"w{n}" for n in range(5000)]
    folder = tmp_path_factory.mktemp("beir")
    with open(folder / "corpus.jsonl", "w") as corpus:
        for n in range(ARTICLES):
            record = {"_id": f"d{n}", "title": f"Record {n}", "text": _sentences(rng, words, 25)}
            corpus.write(json.dumps(record) + "\n")
    (folder / "queries.jsonl").write_text("".join(json.dumps({"_id": f"q{n}", "text": f"w{n} w{n + 1}"}) + "\n"
                                                  for n in range(50)))
    (folder / "qrels").mkdir()
    (folder / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\n" + "".join(f"q{n}\td{n}\t1\n"
                                                                                      for n in range(50)))
    return folder


def _children(pid: int) -> list[int]:
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _group_ends(group: int, seconds: float = 10) -> bool:
    """Whether every process of the group is gone within `seconds` (an orphan is reaped by init meanwhile)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


def interrupt_once_workers_run(args: list[str], signum: int, env: dict[str, str] | None = None
                               ) -> subprocess.CompletedProcess[str]:
    """Run `python -m qa ARGS` in a new session; once it has a worker process, signal the whole process group."""
    if not Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children").exists():
        pytest.skip("needs /proc/PID/task/PID/children (Linux) to see the worker process start")
    process = subprocess.Popen([sys.executable, "-m", "qa", *args], cwd=REPO, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, start_new_session=True,
                               env={**os.environ, **(env or {})})
    try:
        deadline = time.monotonic() + 120
        while not _children(process.pid):
            assert process.poll() is None, f"qa ended before its worker started: {process.communicate()}"
            assert time.monotonic() < deadline, "no worker process started"
            time.sleep(0.005)
        os.killpg(process.pid, signum)
        stdout, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert _group_ends(process.pid), "a process of the group is left"  # the worker ended too
    return subprocess.CompletedProcess(args, process.returncode, stdout, stderr)


@pytest.mark.parametrize(("signum", "status", "line"), SIGNALS, ids=["SIGINT", "SIGTERM"])
def test_a_signal_during_qa_index_is_one_line_and_keeps_the_previous_index(big_folder: Path, tmp_path: Path,
                                                                         signum: int, status: int,
                                                                         line: str) -> None:
    index_dir = tmp_path / "index"
    settings = Settings(documents=big_folder, index_dir=index_dir)
    before = build_index(settings)
    previous = load_index(before.path).manifest
    result = interrupt_once_workers_run(["index", "--documents", str(big_folder), "--index-dir", str(index_dir),
                                         "--chunk-words", "300"], signum)  # other settings: a full rebuild
    assert (result.returncode, result.stderr, result.stdout) == (status, line, "")
    assert current_version(index_dir) == before.path
    assert load_index(before.path).manifest == previous
    assert sorted(p.name for p in index_dir.iterdir()) == ["CURRENT", "build.lock", before.path.name]


@pytest.mark.parametrize(("signum", "status", "line"), SIGNALS, ids=["SIGINT", "SIGTERM"])
def test_a_signal_during_qa_eval_is_one_line_and_leaves_nothing(big_beir: Path, tmp_path: Path, signum: int,
                                                                status: int, line: str) -> None:
    scratch = tmp_path / "tmp"  # where qa eval writes its corpus and index (TMPDIR)
    scratch.mkdir()
    result = interrupt_once_workers_run(["eval", "beir", str(big_beir)], signum, env={"TMPDIR": str(scratch)})
    assert (result.returncode, result.stderr, result.stdout) == (status, line, "")
    assert list(scratch.iterdir()) == []  # its temporary corpus and index are gone
