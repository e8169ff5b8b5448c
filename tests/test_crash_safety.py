"""A rebuild killed with SIGKILL never leaves a partial index live; a corrupt or truncated index is rebuilt.

The kill tests run `build_index` in a child process whose steps are wrapped so that it stops, and says where,
at a chosen point (mid-way through the article texts, between two arrays, half-way through the manifest, after
the rename, just before `CURRENT` is replaced, while the previous version is being deleted); the test then kills
it with SIGKILL and starts again from what is on disk.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from qa.answer.search import Searcher
from qa.config import Settings
from qa.index import build_index, current_version, load_index, open_index

from .conftest import ARTICLES, REPO, SEED_DOCUMENTS

SHUSHA = "When did Azerbaijan and Turkey sign the Shusha Declaration?"
NEW_ARTICLE = "Okapi sighting\n\nAn okapi was filmed in the Ituri rainforest, a rare sighting of the shy animal.\n"

CHILD = r"""
import json, os, shutil, sys, time
from pathlib import Path
import numpy as np
import qa.index as qi
import qa.index.store as store
import qa.index.writer as writer
from qa.config import make_settings

point = sys.argv[1]
counts = {"text": 0, "save": 0}

def pause(name):
    if name == point:
        print("AT " + name, flush=True)
        time.sleep(600)

real_add_text = writer.VersionWriter._add_text
def add_text(self, encoded):
    real_add_text(self, encoded)
    self._texts.flush()
    counts["text"] += 1
    if counts["text"] == 2:
        pause("texts")
writer.VersionWriter._add_text = add_text

real_save = np.save
def save(*args, **kwargs):
    real_save(*args, **kwargs)
    counts["save"] += 1
    if counts["save"] == 3:
        pause("arrays")
np.save = save

real_write_json = store.write_json
def write_json(path, data):
    if path.name == "manifest.json" and point == "manifest":
        text = json.dumps(data)
        path.write_text(text[: len(text) // 2])
        pause("manifest")
    real_write_json(path, data)
writer.write_json = write_json

real_point = store._point_current
def point_current(index_dir, name):
    pause("renamed")
    real_point(index_dir, name)
store._point_current = point_current

real_replace = os.replace
def replace(src, dst, *args, **kwargs):
    if str(dst).endswith("CURRENT"):
        pause("pointer")
    return real_replace(src, dst, *args, **kwargs)
os.replace = replace

real_rmtree = shutil.rmtree
def rmtree(path, *args, **kwargs):
    if not str(path).endswith(".partial") and (Path(path) / "engine").exists():
        real_rmtree(Path(path) / "engine")  # half-deleted previous version
        pause("cleanup")
    return real_rmtree(path, *args, **kwargs)
shutil.rmtree = rmtree

print("STARTED", flush=True)
qi.build_index(make_settings())
print("DONE", flush=True)
"""

BEFORE_SWAP = ["texts", "arrays", "manifest", "renamed", "pointer"]
AFTER_SWAP = ["cleanup"]


def corpus(tmp_path: Path) -> Settings:
    docs = tmp_path / "docs"
    shutil.copytree(SEED_DOCUMENTS, docs)
    shutil.copytree(ARTICLES, docs / "more")
    return Settings(documents=docs, index_dir=tmp_path / "index")


def run_child(settings: Settings, point: str) -> subprocess.Popen:
    env = {**os.environ, "QA_DOCUMENTS": str(settings.documents), "QA_INDEX_DIR": str(settings.index_dir)}
    return subprocess.Popen([sys.executable, "-c", CHILD, point], cwd=REPO, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)


def kill_at(settings: Settings, point: str) -> None:
    child = run_child(settings, point)
    try:
        assert child.stdout is not None
        assert child.stdout.readline() == "STARTED\n"
        assert child.stdout.readline() == f"AT {point}\n"  # "DONE" would mean the point was never reached
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=20)
    assert child.returncode == -signal.SIGKILL


def top_source(index_path_settings: Settings, question: str) -> str:
    hits = Searcher(open_index(index_path_settings)).ask(question, 1).passages
    return hits[0].citation.source if hits else ""


@pytest.mark.parametrize("point", BEFORE_SWAP + AFTER_SWAP)
def test_sigkill_during_a_rebuild_never_leaves_a_partial_index_live(tmp_path: Path, point: str) -> None:
    settings = corpus(tmp_path)
    before = build_index(settings)
    old_manifest = json.loads((before.path / "manifest.json").read_text())
    (settings.documents / "okapi.txt").write_text(NEW_ARTICLE)

    kill_at(settings, point)

    live = current_version(settings.resolved_index_dir())
    assert live is not None
    index = load_index(live)  # whatever CURRENT names opens as a complete, consistent version
    if point in BEFORE_SWAP:
        assert live == before.path and index.manifest == old_manifest
        # the next start, on the folder as it was, serves the previous index as it was (no rebuild)
        (settings.documents / "okapi.txt").unlink()
        served = open_index(settings)
        assert served.path == before.path and served.manifest == old_manifest
        assert top_source(settings, SHUSHA) in ("000_8339c2265b0242b8.txt", "004_7d268188ac327656.txt")  # both say it
        (settings.documents / "okapi.txt").write_text(NEW_ARTICLE)
    else:
        assert live != before.path and index.manifest["articles"] == old_manifest["articles"] + 1
    # the next start on the new folder serves (or rebuilds cleanly) the complete new index
    served = open_index(settings)
    assert served.manifest["articles"] == old_manifest["articles"] + 1
    assert top_source(settings, "okapi Ituri") == "okapi.txt"
    assert top_source(settings, SHUSHA) in ("000_8339c2265b0242b8.txt", "004_7d268188ac327656.txt")  # both say it
    if point in BEFORE_SWAP:  # a rebuild ran: the partial and the previous versions are gone
        versions = sorted(p.name for p in settings.resolved_index_dir().iterdir() if p.is_dir())
        assert versions == [served.path.name]


def test_sigkill_at_random_moments(tmp_path: Path) -> None:
    """Kills at times spread over a whole build: after each, CURRENT names a complete index (old or new)."""
    settings = corpus(tmp_path)
    for n in range(12):  # a bigger corpus, so that a build takes a while
        (settings.documents / "more" / f"filler-{n:02d}.txt").write_text(
            f"Filler {n}\n\n" + " ".join(f"word{n}x{i} sentence." for i in range(1000)) + "\n")
    before = build_index(settings)
    (settings.documents / "okapi.txt").write_text(NEW_ARTICLE)
    child = run_child(settings, "none")
    assert child.stdout is not None and child.stdout.readline() == "STARTED\n"
    started = time.perf_counter()  # the build itself, imports done
    assert child.stdout.readline() == "DONE\n"
    build_seconds = time.perf_counter() - started
    child.wait(timeout=20)
    build_index(Settings(documents=SEED_DOCUMENTS, index_dir=settings.index_dir))  # back to another index
    counts = set()
    for fraction in (0.2, 0.5, 0.8, 1.2):
        (settings.documents / "okapi.txt").write_text(NEW_ARTICLE + f"\n{fraction}\n")  # a rebuild is due
        child = run_child(settings, "none")
        assert child.stdout is not None and child.stdout.readline() == "STARTED\n"
        time.sleep(build_seconds * fraction)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=20)
        live = current_version(settings.resolved_index_dir())
        assert live is not None
        counts.add(load_index(live).manifest["articles"])
    assert counts <= {2, before.articles + 1} and counts  # the seed index (2 articles) or the complete new one
    served = open_index(settings)
    assert served.manifest["articles"] == before.articles + 1
    assert top_source(settings, "okapi Ituri") == "okapi.txt"


# -- corrupt and truncated files ----------------------------------------------------------------------------------

INDEX_FILES = ["manifest.json", "articles.json", "vocab.json", "passages.npy", "text_offsets.npy",
               "engine/engine.json", "engine/indptr.npy", "engine/doc_ids.npy", "engine/tfs.npy",
               "engine/doc_len.npy", "engine/idf.npy", "engine/max_weight.npy"]




@pytest.mark.parametrize("name", INDEX_FILES)
def test_a_truncated_index_file_is_detected_and_rebuilt(tmp_path: Path, name: str,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    settings = corpus(tmp_path)
    before = build_index(settings).path
    damaged = before / name
    data = damaged.read_bytes()
    damaged.write_bytes(data[: len(data) // 2])
    with caplog.at_level(logging.WARNING, logger="qa"):
        served = open_index(settings)
    assert served.path != before
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(message.endswith("; rebuilding") and (Path(name).name in message or str(before) in message)
               for message in warnings), warnings
    assert top_source(settings, SHUSHA) in ("000_8339c2265b0242b8.txt", "004_7d268188ac327656.txt")  # both say it


def test_truncated_article_texts_are_detected_and_rebuilt(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    settings = corpus(tmp_path)
    before = build_index(settings).path
    texts = before / "texts.zst"
    data = texts.read_bytes()
    texts.write_bytes(data[: len(data) // 2])
    with caplog.at_level(logging.WARNING, logger="qa"):
        served = open_index(settings)
    assert served.path != before
    assert any("rebuilding" in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)


@pytest.mark.parametrize("name", ["engine/doc_ids.npy", "passages.npy", "texts.zst"])
def test_corrupt_bytes_are_detected_by_checksum(tmp_path: Path, name: str, caplog: pytest.LogCaptureFixture) -> None:
    settings = corpus(tmp_path)
    before = build_index(settings).path
    damaged = before / name
    data = bytearray(damaged.read_bytes())
    for offset in range(len(data) - 64, len(data) - 32):  # inside the data, past any header
        data[offset] ^= 0x5A
    damaged.write_bytes(bytes(data))
    with caplog.at_level(logging.WARNING, logger="qa"):
        served = open_index(settings)
    assert served.path != before
    assert any("rebuilding" in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)
