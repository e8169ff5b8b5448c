"""Shared fixtures: small corpora of our own (tests/data), settings that keep every index in a temp folder."""

from __future__ import annotations

import shutil
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


CO_CHAIR = "Who co-chaired the first meeting of the digital transformation working group on the Azerbaijani side?"
CO_CHAIR_ANSWER = "Azerbaijan's Digital Development and Transport Deputy Minister Rovshan Rustamov"
CO_CHAIR_SOURCE = "000_8339c2265b0242b8.txt"
"""The issue's question for every way in (Python, MCP, LangChain, LlamaIndex), what the article says, and where."""
