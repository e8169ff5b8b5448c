"""Filters on source path and date: the best BM25 results within the filter, never a short post-filtered list."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from qa.answer.search import Searcher
from qa.cli import main
from qa.index import Index, open_index
from qa.models import Filter
from qa.web.app import create_app

from .conftest import settings_for


@pytest.fixture
def newsroom(tmp_path: Path) -> Path:
    """Many sport articles that mention 'match' a lot, few business ones that mention it once."""
    docs = tmp_path / "news"
    (docs / "sport").mkdir(parents=True)
    (docs / "business").mkdir()
    for i in range(30):
        (docs / "sport" / f"s{i:02}.md").write_text(
            f"---\ntitle: Match report {i}\ndate: 2024-01-{i % 28 + 1:02}\n---\n\n"
            f"The match ended {i}-0. A great match, said the coach after match {i}.\n")
    for i in range(3):
        (docs / "business" / f"b{i}.md").write_text(
            f"---\ntitle: Merger talks {i}\ndate: 2023-06-{i + 10:02}\n---\n\n"
            f"The merger is a good match for both firms, analysts said of deal {i}.\n")
    (docs / "business" / "undated.txt").write_text("Undated\n\nA perfect match of two banks.\n")
    return docs


@pytest.fixture
def index(newsroom: Path, tmp_path: Path) -> Index:
    return open_index(settings_for(newsroom, tmp_path / "index"))


def _best_within(index: Index, question: str, keep: set[str], k: int) -> list[str]:
    """Reference: rank every passage by its full score, keep the filter's articles, take k."""
    scores = index.engine.scores(index.term_ids(index.analyzer.terms(question)))
    rows = [(float(scores[p]), p) for p in range(index.engine.n_docs)
            if scores[p] > 0 and index.articles[index.passage(p)[0]].id in keep]
    rows.sort(key=lambda row: (-row[0], row[1]))
    return [index.articles[index.passage(p)[0]].id for _, p in rows[:k]]


def test_prefix_filter_returns_the_best_within_it_not_a_short_list(index: Index) -> None:
    searcher = Searcher(index)
    unfiltered = searcher.ask("match", top_k=10).passages
    assert all(h.citation.source.startswith("sport/") for h in unfiltered)  # business never reaches the plain top 10
    hits = searcher.ask("match", top_k=10, where=Filter(source_prefix="business/")).passages
    assert len(hits) == 4
    assert all(h.citation.source.startswith("business/") for h in hits)
    business = {a.id for a in index.articles if a.source.startswith("business/")}
    assert [h.citation.document_id for h in hits] == _best_within(index, "match", business, 10)


def test_date_range_is_inclusive_and_leaves_undated_articles_out(index: Index) -> None:
    hits = Searcher(index).ask("match", top_k=20, where=Filter(date_from="2023-06-10", date_to="2023-06-11")).passages
    assert sorted(h.citation.document_id for h in hits) == ["business/b0", "business/b1"]
    january = Searcher(index).ask("match", top_k=50, where=Filter(date_from="2024-01-01")).passages
    assert len(january) == 30 and all(h.citation.document_id.startswith("sport/") for h in january)


def test_filter_matching_nothing_says_so(index: Index) -> None:
    answer = Searcher(index).ask("match", top_k=3, where=Filter(source_prefix="weather/"))
    assert answer.passages == []
    assert answer.message == ("No article matches the filter source_prefix=weather/ (no article's file path starts "
                              "with 'weather/').")
    later = Searcher(index).ask("match", top_k=3, where=Filter(date_from="2031-01-01"))
    assert later.message == ("No article matches the filter date_from=2031-01-01 (dated articles run from "
                             "2023-06-10 to 2024-01-28).")
    merger = Searcher(index).ask("merger", top_k=3, where=Filter(source_prefix="sport/"))
    assert merger.message == ("No passage of the articles that match the filter source_prefix=sport/ contains any "
                              "of: merger.")


def test_filter_mask_is_per_passage(index: Index) -> None:
    mask = index.allowed(Filter(source_prefix="business/"))
    assert mask is not None and mask.dtype == np.uint8 and mask.shape == (index.engine.n_docs,)
    assert int(mask.sum()) == 4
    assert index.allowed(Filter()) is None


@pytest.fixture
def client(newsroom: Path, tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(settings_for(newsroom, tmp_path / "index"))) as client:
        yield client


def test_http_filters(client: TestClient) -> None:
    body = client.post("/ask", json={"question": "match", "top_k": 5, "source_prefix": "business/",
                                     "date_to": "2023-12-31"}).json()
    assert sorted(p["citation"]["document_id"] for p in body["passages"]) == [
        "business/b0", "business/b1", "business/b2"]
    assert body["passages"][0]["citation"]["date"].startswith("2023-06-")
    got = client.get("/ask", params={"q": "match", "source_prefix": "business/", "top_k": 5}).json()
    assert len(got["passages"]) == 4
    batch = client.post("/ask/batch", json={"questions": ["match", "merger"], "source_prefix": "business/"}).json()
    assert all(p["citation"]["source"].startswith("business/") for a in batch["answers"] for p in a["passages"])
    listed = {d["id"]: d for d in client.get("/documents").json()["documents"]}
    assert listed["business/b0"]["date"] == "2023-06-10" and listed["business/undated"]["date"] is None


@pytest.mark.parametrize("bad", [{"date_from": "yesterday"}, {"date_to": "2024-1-1"}])
def test_bad_dates_are_422(client: TestClient, bad: dict) -> None:
    response = client.post("/ask", json={"question": "match", **bad})
    assert response.status_code == 422
    assert "String should match pattern" in response.json()["detail"]


def test_cli_filters(newsroom: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    args = ["--documents", str(newsroom), "--index-dir", str(tmp_path / "i")]
    assert main(["ask", "match", "--source-prefix", "business/", "--date-from", "2023-06-12", *args]) == 0
    out = capsys.readouterr().out
    assert "business/b2.md" in out and "sport/" not in out and "business/b0.md" not in out
    assert main(["ask", "match", "--date-from", "June", *args]) == 2
    assert "'June' is not a date like 2024-03-01" in capsys.readouterr().err
