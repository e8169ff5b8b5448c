"""Shared fixtures: small corpora of our own (tests/data), settings that keep every index in a temp folder."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from qa.config import Settings
from qa.index import Index, open_index

TESTS = Path(__file__).parent
REPO = TESTS.parent
ARTICLES = TESTS / "data" / "articles"
SEED_DOCUMENTS = REPO / "documents"
SHARED_DATA = REPO.parent / "shared" / "data"


def shared_data(name: str) -> Path:
    """A folder of ../shared/data, or skip the test with the reason (it is absent in a user's clone)."""
    path = SHARED_DATA / name
    if not path.exists():
        pytest.skip(f"evaluation data {path} is absent (it lives beside the repository in CI, not in a clone)")
    return path


@pytest.fixture
def articles_dir(tmp_path: Path) -> Path:
    """A writable copy of tests/data/articles."""
    target = tmp_path / "articles"
    shutil.copytree(ARTICLES, target)
    return target


def settings_for(documents: Path, index_dir: Path, **overrides: object) -> Settings:
    return Settings(documents=documents, index_dir=index_dir, **overrides)


@pytest.fixture
def seed_settings(tmp_path: Path) -> Settings:
    return settings_for(SEED_DOCUMENTS, tmp_path / "index")


@pytest.fixture
def seed_index(seed_settings: Settings) -> Index:
    return open_index(seed_settings)


SERVER_KEY = "test-server-key"
CO_CHAIR = "Who co-chaired the first meeting of the digital transformation working group on the Azerbaijani side?"
CO_CHAIR_ANSWER = "Azerbaijan's Digital Development and Transport Deputy Minister Rovshan Rustamov"
CO_CHAIR_SOURCE = "000_8339c2265b0242b8.txt"
"""The issue's question for every way in (Python, MCP, LangChain, LlamaIndex), what the article says, and where."""


@dataclass(frozen=True)
class Served:
    """A real `uvicorn service:app` process: its address and the documents folder it answers from (writable)."""

    url: str
    documents: Path


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """One server for the whole run, over a copy of the seed articles, writes enabled with SERVER_KEY. Tests that
    write to it remove what they add."""
    from .test_server import UVICORN, start

    folder = tmp_path_factory.mktemp("served")
    documents = folder / "documents"
    shutil.copytree(SEED_DOCUMENTS, documents)
    with pytest.MonkeyPatch.context() as patch:  # only the server's environment: it is read when it starts
        patch.setenv("QA_API_KEY", SERVER_KEY)
        process, url = start(UVICORN, folder, documents)
    try:
        yield Served(url, documents)
    finally:
        process.terminate()
        process.wait(timeout=20)
