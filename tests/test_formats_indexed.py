"""HTML, PDF and JSONL articles end to end: indexed, searchable, cited with their metadata and PDF page."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from qa.answer.search import Searcher
from qa.index import open_index
from qa.web.app import create_app

from .conftest import TESTS, settings_for
from .test_formats import make_pdf


@pytest.fixture
def mixed(tmp_path: Path) -> Path:
    docs = tmp_path / "mixed"
    (docs / "web").mkdir(parents=True)
    shutil.copy(TESTS / "data" / "formats" / "article.html", docs / "web" / "article.html")
    (docs / "report.pdf").write_bytes(make_pdf(
        [["Annual harbour report"], ["The pier was rebuilt in granite."], ["Tugboats were painted orange."]],
        info={"Title": "Harbour report 2023", "Author": "Port Authority"}))
    records = [{"id": 101, "title": "Grain prices rise", "text": "Grain prices rose on Tuesday in Rotterdam.",
                "date": "2024-02-01", "url": "https://wire.example/101", "source": "Wire Service"},
               {"id": "102", "title": "Copper slips", "text": "Copper slipped for a third day."}]
    (docs / "wire.jsonl").write_text("\n".join(json.dumps(r) for r in records) + "\n{not json\n")
    return docs


def test_pdf_passage_cites_its_page(mixed: Path, tmp_path: Path) -> None:
    index = open_index(settings_for(mixed, tmp_path / "i", chunk_words=12))
    hit = Searcher(index).ask("tugboats painted orange", top_k=1).passages[0]
    assert hit.citation.document_id == "report" and hit.citation.source == "report.pdf"
    assert hit.citation.title == "Harbour report 2023" and hit.citation.author == "Port Authority"
    assert hit.citation.page == hit.citation.end_page == 3
    assert "Tugboats were painted orange." in hit.text
    assert index.article_text(index.article_number("report"))[hit.citation.start : hit.citation.end] == hit.text


def test_jsonl_records_are_articles_and_bad_lines_are_reported(mixed: Path, tmp_path: Path) -> None:
    index = open_index(settings_for(mixed, tmp_path / "i"))
    ids = {a.id for a in index.articles}
    assert {"wire/101", "wire/102", "report", "web/article"} <= ids
    reasons = [s.reason for s in index.skipped if s.source == "wire.jsonl"]
    assert len(reasons) == 1 and reasons[0].startswith("line 3: invalid JSON")
    hit = Searcher(index).ask("grain prices Rotterdam", top_k=1).passages[0]
    assert hit.citation.document_id == "wire/101" and hit.citation.source == "wire.jsonl"
    assert hit.citation.line == 1  # the record's id ends the document id; its line is named too
    copper = Searcher(index).ask("copper slipped", top_k=1).passages[0].citation
    assert (copper.document_id, copper.line) == ("wire/102", 2)
    assert (hit.citation.source_url, hit.citation.date, hit.citation.publisher) == \
        ("https://wire.example/101", "2024-02-01", "Wire Service")


@pytest.fixture
def client(mixed: Path, tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(settings_for(mixed, tmp_path / "index", chunk_words=12))) as client:
        yield client


def test_citations_and_document_list_carry_metadata(client: TestClient) -> None:
    citation = client.get("/ask", params={"q": "grain prices"}).json()["passages"][0]["citation"]
    assert citation["document_id"] == "wire/101" and citation["publisher"] == "Wire Service"
    assert citation["date"] == "2024-02-01" and citation["source_url"] == "https://wire.example/101"
    assert citation["page"] is None
    pdf = client.get("/ask", params={"q": "granite pier"}).json()["passages"][0]["citation"]
    assert (pdf["page"], pdf["end_page"], pdf["source"]) == (1, 2, "report.pdf")
    listed = {d["id"]: d for d in client.get("/documents").json()["documents"]}
    assert listed["wire/101"]["date"] == "2024-02-01" and listed["wire/101"]["source_url"] == "https://wire.example/101"
    assert listed["wire/101"]["publisher"] == "Wire Service"
    assert client.get("/documents/wire/101").json()["publisher"] == "Wire Service"
    assert client.get("/documents/wire/102").json()["text"] == "Copper slips\n\nCopper slipped for a third day."
    assert client.get("/health").json()["skipped_files"] == 1
