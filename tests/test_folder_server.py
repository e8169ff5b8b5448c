"""A real `qa serve` (a process on a free loopback port) and a folder changed by hand while it runs: after a write
through the API and a restart, every hand change is answered (or gone); with --watch, at once."""

from __future__ import annotations

import re
import shutil
import sys
import time
from pathlib import Path

import httpx
import pytest

from .conftest import ARTICLES
from .test_server import start

KEY = "s3cret-key"
AUTH = {"Authorization": f"Bearer {KEY}"}
SERVE = [sys.executable, "-m", "qa", "serve", "--host", "127.0.0.1", "--workers", "2"]


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("QA_API_KEY", KEY)
    monkeypatch.setenv("QA_WATCH_INTERVAL", "0.2")
    docs = tmp_path / "docs"
    shutil.copytree(ARTICLES, docs)
    (docs / "ships.txt").write_text("Ships leave\n\nTwo ships left Baku for Aktau on Monday with grain.\n")
    return docs


def change_by_hand(docs: Path) -> None:
    (docs / "walrus.txt").write_text("Walrus sighting\n\nA walrus slept on the pier at Alat all afternoon.\n")
    (docs / "markets.txt").write_text("Trade targets for 2024\n\nA quokka was the mascot of the trade fair.\n")
    (docs / "harbour.txt").unlink()


def top(url: str, question: str) -> dict | None:
    passages = httpx.get(url + "/ask", params={"q": question, "top_k": 3}, timeout=10).json()["passages"]
    return passages[0]["citation"] if passages else None


def assert_hand_changes_answered(url: str) -> None:
    walrus, quokka = top(url, "walrus pier"), top(url, "quokka mascot")
    assert walrus is not None and walrus["document_id"] == "walrus"
    assert quokka is not None and quokka["document_id"] == "markets"
    assert httpx.get(url + "/documents/harbour", timeout=10).status_code == 404
    assert all(p["citation"]["document_id"] != "harbour" for p in
               httpx.get(url + "/ask", params={"q": "harbour cranes tonnes", "top_k": 5}, timeout=10)
               .json()["passages"])


@pytest.mark.slow
def test_hand_changes_survive_an_api_write_and_are_answered_after_a_restart(folder: Path, tmp_path: Path) -> None:
    server, url = start(SERVE, tmp_path, folder)
    try:
        assert httpx.get(url + "/health", timeout=10).json()["articles"] == 4
        change_by_hand(folder)
        written = httpx.post(url + "/documents", headers=AUTH, timeout=30, json={
            "id": "zeppelin", "title": "Zeppelin airship", "text": "A zeppelin airship moored above the harbour."})
        assert written.status_code == 201, written.text
        assert top(url, "zeppelin airship")["document_id"] == "zeppelin"  # type: ignore[index]
    finally:
        server.terminate()
        server.wait(timeout=20)
    server, url = start(SERVE, tmp_path, folder)  # the same index folder
    try:
        assert_hand_changes_answered(url)
        assert top(url, "zeppelin airship")["document_id"] == "zeppelin"  # type: ignore[index]
        assert httpx.get(url + "/health", timeout=10).json()["articles"] == 5
        log = (tmp_path / "server.log").read_text()
        assert "2 files added, 1 changed and 1 removed" not in log  # the API write recorded only itself:
        assert "1 file added, 1 changed and 1 removed" in log  # the restart found walrus, markets and harbour
    finally:
        server.terminate()
        server.wait(timeout=20)


@pytest.mark.slow
def test_with_watch_hand_changes_are_answered_while_it_runs(folder: Path, tmp_path: Path) -> None:
    server, url = start([*SERVE, "--watch"], tmp_path, folder)
    try:
        change_by_hand(folder)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                assert_hand_changes_answered(url)
                break
            except AssertionError:
                time.sleep(0.2)
        assert_hand_changes_answered(url)
        for _ in range(6):  # every worker answers from the new version (requests land on either)
            assert_hand_changes_answered(url)
        log = (tmp_path / "server.log").read_text()  # the service says what it picked up and what it answers from
        assert re.search(r"qa: INFO: .*docs: \d+ files? (added|changed|removed)(, \d+ \w+| and \d+ \w+)*\n", log), log
        assert re.search(r"qa: INFO: now answering from v-\S+ \(\d+ passages\)\n", log), log
    finally:
        server.terminate()
        server.wait(timeout=20)
