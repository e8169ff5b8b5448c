"""Hostile files in the documents folder: indexing finishes, good articles are searchable, every skipped file is
reported with its reason, and nothing outside the folder is ever read or served."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, unquote

import pytest
from fastapi.testclient import TestClient

from qa.config import Settings
from qa.corpus.read import read_articles
from qa.corpus.scan import scan_documents
from qa.index import open_index
from qa.web.app import create_app

SECRET = "Xylophonist"
"""A word only the file outside the documents folder contains."""

ODD_NAME = "Café notes ü — 2021 (draft).txt"


def make_folder(root: Path) -> Path:
    """A documents folder with two good articles and every kind of hostile file; a secret file beside it."""
    docs = root / "docs"
    docs.mkdir()
    outside = root / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(f"Secret\n\nThe {SECRET} keeps the vault code 4242.\n")
    (docs / "good.txt").write_text("Zebra crossings\n\nZebra crossings were painted in Baku in 1951.\n")
    (docs / "walrus.md").write_text("# Walrus facts\n\nA walrus can weigh 1,500 kilograms.\n")
    (docs / ODD_NAME).write_text("Café notes\n\nThe quokka smiles for tourists on Rottnest Island.\n")
    (docs / "binary.txt").write_bytes(b"\x7fELF\x02\x01\x01\x00\x00\x00" + bytes(range(256)) * 4)
    (docs / "latin1.txt").write_bytes("Café\n\nUn café crème à Paris.\n".encode("latin-1"))  # read as Windows-1252
    (docs / "garbled.txt").write_bytes(bytes(range(128, 256)) * 3)  # no encoding reads it as text
    (docs / "utf16.txt").write_bytes("Narwhal notes\n\nThe narwhal tusk is a tooth.\n".encode("utf-16"))  # with BOM
    (docs / "empty.txt").write_bytes(b"")
    with open(docs / "huge.txt", "w", encoding="utf-8") as huge:  # 50 MB of real text
        line = "Huge file line about ocelots and other animals of the forest, repeated many times.\n"
        huge.write(line * (50_000_000 // len(line) + 1))
    (docs / "escape.txt").symlink_to(outside / "secret.txt")
    (docs / "escape-dir").symlink_to(outside, target_is_directory=True)
    (docs / "inside-link.txt").symlink_to(docs / "good.txt")  # a link that stays inside is an article
    return docs


EXPECTED_SKIPS = {
    "binary.txt": "binary file (contains NUL bytes)",
    "garbled.txt": "not UTF-8 (invalid byte at offset 0), nor text in another encoding",
    "empty.txt": "empty file",
    "huge.txt": "50.0 MB, larger than the 20 MB limit (QA_MAX_FILE_MB)",
    "escape.txt": "links outside the documents folder",
    "escape-dir/": "link to a folder (not followed)",
}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Settings, TestClient]]:
    root = tmp_path_factory.mktemp("hostile-files")
    settings = Settings(documents=make_folder(root), index_dir=root / "index", max_file_mb=20, access_log=False)
    with TestClient(create_app(settings)) as client:
        yield settings, client


def test_every_skipped_file_is_reported_with_its_reason(hostile: tuple[Settings, TestClient]) -> None:
    settings, client = hostile
    index = open_index(settings)
    assert {s.source: s.reason for s in index.skipped} == EXPECTED_SKIPS
    assert client.get("/health").json()["skipped_files"] == len(EXPECTED_SKIPS)


def test_good_articles_are_indexed_and_searchable(hostile: tuple[Settings, TestClient]) -> None:
    _, client = hostile
    ids = sorted(d["id"] for d in client.get("/documents").json()["documents"])
    assert ids == sorted(["good", "walrus", "inside-link", ODD_NAME.removesuffix(".txt"), "utf16", "latin1"])
    for question, source in [("zebra crossings Baku", "good.txt"), ("walrus weigh", "walrus.md"),
                             ("quokka Rottnest", ODD_NAME), ("narwhal tusk", "utf16.txt"),
                             ("café crème Paris", "latin1.txt")]:
        top = client.post("/ask", json={"question": question, "top_k": 1}).json()["passages"][0]
        assert top["citation"]["source"] in (source, "inside-link.txt")


def test_a_name_with_spaces_and_non_ascii_is_served(hostile: tuple[Settings, TestClient]) -> None:
    _, client = hostile
    document_id = ODD_NAME.removesuffix(".txt")
    response = client.get("/documents/" + quote(document_id))
    assert response.status_code == 200
    assert response.json()["title"] == "Café notes" and response.json()["source"] == ODD_NAME
    top = client.post("/ask", json={"question": "quokka", "top_k": 1}).json()["passages"][0]
    assert top["citation"]["url"].startswith("/documents/" + quote(document_id, safe="/") + "?start=")
    assert client.get(top["citation"]["url"]).status_code == 200  # the citation link works as given


def test_utf16_with_bom_is_decoded(hostile: tuple[Settings, TestClient]) -> None:
    _, client = hostile
    document = client.get("/documents/utf16").json()
    assert document["title"] == "Narwhal notes" and "The narwhal tusk is a tooth." in document["text"]


@pytest.mark.parametrize("document_id", [
    "..%2F..%2Fetc%2Fpasswd", "../../etc/passwd", "%2Fetc%2Fpasswd", "escape", "escape-dir/secret",
    "..%2Foutside%2Fsecret", "huge", "binary", "garbled", "empty", "good.txt", "%00", "good%00",
])
def test_nothing_outside_or_skipped_is_served(hostile: tuple[Settings, TestClient], document_id: str) -> None:
    _, client = hostile
    response = client.get(f"/documents/{document_id}")
    assert response.status_code == 404
    assert response.json()["detail"] in ("Not Found", f"no document with id '{unquote(document_id)}'")
    assert SECRET not in response.text


def test_the_secret_outside_is_never_found(hostile: tuple[Settings, TestClient]) -> None:
    _, client = hostile
    body = client.post("/ask", json={"question": f"{SECRET} vault code"}).json()
    assert all(SECRET not in passage["text"] for passage in body["passages"])
    assert SECRET in body["unknown_terms"]
    for path in ("/static/..%2F..%2F..%2Fetc%2Fpasswd", "/static/%2e%2e/api.py", "/static/../config.py"):
        assert client.get(path).status_code == 404


def test_no_file_outside_the_folder_is_opened(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every file ingest reads resolves inside the documents folder (links are checked before reading)."""
    docs = make_folder(tmp_path).resolve()
    opened: list[Path] = []
    real_read_bytes = Path.read_bytes

    def spying_read_bytes(self: Path) -> bytes:
        opened.append(self.resolve())
        return real_read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", spying_read_bytes)
    result = read_articles(scan_documents(docs))
    assert opened and all(path.is_relative_to(docs) for path in opened)
    assert (tmp_path / "outside" / "secret.txt").resolve() not in opened
    assert SECRET not in "".join(article.text for article in result.articles)


def test_a_named_pipe_does_not_stall_indexing(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "good.txt").write_text("Zebra crossings\n\nZebra crossings were painted in Baku in 1951.\n")
    os.mkfifo(docs / "pipe.txt")
    outcome: dict[str, object] = {}

    def ingest() -> None:
        outcome["result"] = read_articles(scan_documents(docs))

    worker = threading.Thread(target=ingest, daemon=True)
    worker.start()
    worker.join(timeout=5)
    stalled = worker.is_alive()
    if stalled:  # unblock the reader: open the pipe for writing and close it (the reader then sees EOF)
        os.close(os.open(docs / "pipe.txt", os.O_WRONLY))
        worker.join(timeout=5)
    assert not stalled, "ingest blocked on a named pipe for 5 s"
    skipped = {s.source: s.reason for s in outcome["result"].skipped}  # type: ignore[attr-defined]
    assert skipped == {"pipe.txt": "not a regular file"}
