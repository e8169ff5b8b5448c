"""Document ids in any script: a file named `Übersicht.md` or `東京 2024.txt` is an article when it is put into
the folder by hand, so `qa add`, `POST /documents` and MCP's add_document take it too (they refused every
non-ASCII letter, while the refusal said "use letters, digits, ...")."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from qa.cli import main
from qa.config import Settings
from qa.errors import InvalidRequest
from qa.index.live import check_document_id
from qa.web.app import create_app

KEY = "s3cret-key"
AUTH = {"Authorization": f"Bearer {KEY}"}
TOPICS = ("harbour crane", "grain market", "storm warning", "ferry timetable", "coal prices")


def _folder(tmp_path: Path) -> Path:
    """A few articles, so that a word of one of them weighs something (with two passages every IDF is 0)."""
    folder = tmp_path / "docs"
    folder.mkdir()
    for number, topic in enumerate(TOPICS):
        (folder / f"a{number}.txt").write_text(f"News about the {topic}\n\nThe {topic} was in the news today.\n")
    return folder


@pytest.mark.parametrize("document_id", ["Übersicht", "café notes", "news/東京 2024", "Москва-2024", "é",
                                         "ﬁnance/Ελλάδα.v2", "report ①"])
def test_letters_and_digits_of_any_script_make_an_id(document_id: str) -> None:
    assert check_document_id(document_id) == document_id


@pytest.mark.parametrize("document_id", ["\u202eabc", "a\u200bb", "\u3000a", "a\u3000", "a\ufeff", "\u00ada",
                                         "a\u00a0", "😀", "news/😀", "\ud800", "../x", "a/ b", "a\u2028b",
                                         "a\u061cb", "a\u180eb"])
def test_invisible_spacing_and_direction_characters_are_still_refused(document_id: str) -> None:
    with pytest.raises(InvalidRequest, match="invalid document id"):
        check_document_id(document_id)


def test_qa_add_takes_a_file_named_in_another_script(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    folder = _folder(tmp_path)
    article = tmp_path / "Übersicht.md"
    article.write_text("# Übersicht\n\nDie Zebras von Münster überquerten am Montag die Straße.\n")
    corpus = ["--documents", str(folder), "--index-dir", str(tmp_path / "index")]
    assert main(["add", str(article), *corpus]) == 0
    assert capsys.readouterr().out == "added Übersicht (Übersicht.md, 1 passage)\n"
    assert main(["ask", "Zebras Münster", "--json", *corpus]) == 0
    assert '"document_id":"Übersicht"' in capsys.readouterr().out
    assert main(["remove", "Übersicht", *corpus]) == 0
    assert not (folder / "Übersicht.md").exists()


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    folder = _folder(tmp_path)
    with TestClient(create_app(Settings(documents=folder, index_dir=tmp_path / "index", api_key=KEY))) as client:
        yield client


def test_http_writes_reads_and_cites_an_id_in_another_script(client: TestClient) -> None:
    document_id = "news/Zürich café"
    added = client.post("/documents", json={"id": document_id, "title": "Zürich café",
                                            "text": "A zeppelin landed beside the café."}, headers=AUTH)
    assert added.status_code == 201, added.text
    assert added.json()["source"] == "news/Zürich café.md"
    passage = client.get("/ask", params={"q": "zeppelin"}).json()["passages"][0]
    citation = passage["citation"]
    assert citation["document_id"] == document_id
    assert citation["url"] == f"/documents/{quote(document_id)}?start={citation['start']}&end={citation['end']}"
    span = client.get(citation["url"]).json()["span"]
    assert span["text"] == passage["text"]
    assert client.delete(f"/documents/{quote(document_id)}", headers=AUTH).status_code == 200
    assert client.get(f"/documents/{quote(document_id)}").status_code == 404


def test_uploads_keep_their_own_names_in_any_script(client: TestClient) -> None:
    article = "東京の港\n\n新しいクレーンが動いた。\n".encode()
    uploaded = client.post("/documents", files={"file": ("東京 2024.txt", article)}, headers=AUTH)
    assert uploaded.status_code == 201, uploaded.text
    assert uploaded.json()["id"] == "東京 2024"
