"""Issue 7: live add and delete (exactly a full rebuild's scores), protected writes, reload and watch."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from qa.cli import main
from qa.config import Settings
from qa.corpus.read import read_article
from qa.index import Index, current_version, load_index, open_index, update_index
from qa.web.app import create_app

from .conftest import REPO, settings_for
from .test_server import free_port, wait_until_up

WORDS = ("harbour crane steel port ship cargo tide pilot dock rope anchor storm fish market trade grain coal "
         "oil salt wind sail").split()
KEY = "s3cret-key"


def _random_article(rng: random.Random, number: int) -> str:
    paragraphs = []
    for _ in range(rng.randint(1, 4)):
        sentences = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 12))).capitalize() + "."
                     for _ in range(rng.randint(1, 5))]
        paragraphs.append(" ".join(sentences))
    return f"Article {number} {rng.choice(WORDS)}\n\n" + "\n\n".join(paragraphs) + "\n"


def _scores_by_passage(index: Index, question: str) -> dict[tuple[str, int], float]:
    scores = index.engine.scores(index.term_ids(index.analyzer.terms(question)))
    result = {}
    for p in range(index.engine.n_docs):
        article, _, _, number = index.passage(p)
        result[(index.articles[article].id, number)] = float(scores[p])
    return result


def test_random_adds_and_deletes_score_exactly_as_a_full_rebuild(tmp_path: Path) -> None:
    rng = random.Random(11)
    docs = tmp_path / "docs"
    docs.mkdir()
    for n in range(8):
        (docs / f"a{n}.txt").write_text(_random_article(rng, n))
    settings = settings_for(docs, tmp_path / "live", chunk_words=20)
    open_index(settings)
    next_number = 8
    for step in range(12):
        existing = sorted(p.stem for p in docs.glob("*.txt"))
        if existing and rng.random() < 0.4:
            victim = rng.choice(existing)
            (docs / f"{victim}.txt").unlink()
            update_index(settings, added=[], removed=[victim])
        else:
            name = rng.choice(existing) if existing and rng.random() < 0.3 else f"a{next_number}"
            next_number += 1
            path = docs / f"{name}.txt"
            path.write_text(_random_article(rng, next_number))
            update_index(settings, added=[read_article(path, path.name, docs.resolve())], removed=[])
        live = load_index(current_version(settings.resolved_index_dir()))
        rebuilt = open_index(settings_for(docs, tmp_path / f"full{step}", chunk_words=20))
        assert live.manifest["files"] == rebuilt.manifest["files"]  # the live index is current for the folder
        assert live.manifest["passages"] == rebuilt.manifest["passages"]
        assert _sentences_by_passage(live) == _sentences_by_passage(rebuilt)  # kept passages keep them
        for question in ("harbour crane", "steel ship cargo", "storm", "wind sail trade grain"):
            ours, reference = _scores_by_passage(live, question), _scores_by_passage(rebuilt, question)
            assert ours.keys() == reference.keys()
            assert max(abs(ours[key] - reference[key]) for key in ours) < 1e-9
        shutil.rmtree(tmp_path / f"full{step}")
    assert open_index(settings).path == current_version(settings.resolved_index_dir())  # no rebuild needed


def test_a_non_ascii_article_added_to_an_all_ascii_index_leaves_a_loadable_version(tmp_path: Path) -> None:
    """An all-ASCII version keeps no byte windows; adding an article that is not ASCII wrote windows for the new
    passages only, and the version could not be loaded ('inconsistent'): the write was refused after its file
    was saved, and the next start rebuilt everything."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "port.txt").write_text("Port strike ends\n\nDock workers ended their strike on Friday. "
                                   "Ships waited at anchor.\n\nThe union accepted a pay rise.\n")
    settings = settings_for(docs, tmp_path / "index", chunk_words=10, chunk_overlap=0)
    open_index(settings)
    (docs / "fr.txt").write_text("Grève à Paris\n\nPlus de mille vols ont été annulés mardi à Orly.\n")
    update_index(settings, added=[read_article(docs / "fr.txt", "fr.txt", docs.resolve())], removed=[])
    live = load_index(current_version(settings.resolved_index_dir()))  # raised IndexFormatError
    rebuilt = open_index(settings_for(docs, tmp_path / "full", chunk_words=10, chunk_overlap=0))
    assert live.manifest["passages"] == rebuilt.manifest["passages"] == 3
    texts = set()
    for passage_id in range(live.engine.n_docs):
        article, start, end, _ = live.passage(passage_id)
        window, base = live.article_window(article, start, end)  # read through the byte windows
        assert window[start - base : end - base] == live.article_text(article)[start:end]
        texts.add(window[start - base : end - base])
    assert texts == {"Dock workers ended their strike on Friday.", "Ships waited at anchor.\n\nThe union accepted a "
                     "pay rise.", "Plus de mille vols ont été annulés mardi à Orly."}


def _sentences_by_passage(index: Index) -> dict[tuple[str, int], tuple[list[tuple[int, int]], list[str]]]:
    """Each passage's stored sentences and term sequence (as terms: ids differ between indexes)."""
    terms = list(index.all_terms)  # by id, removed articles' terms included
    found = {}
    for passage_id in range(index.engine.n_docs):
        article, start, _, number = index.passage(passage_id)
        first, last = index.sequence_ptr[passage_id : passage_id + 2]
        found[index.articles[article].id, number] = (index.passage_sentences(passage_id, start),
                                                     [terms[t] for t in index.sequences[first:last]])
    return found


@pytest.fixture
def writable(articles_dir: Path, tmp_path: Path) -> Iterator[tuple[TestClient, Path]]:
    settings = Settings(documents=articles_dir, index_dir=tmp_path / "index", api_key=KEY)
    with TestClient(create_app(settings)) as client:
        yield client, articles_dir


AUTH = {"Authorization": f"Bearer {KEY}"}


def test_post_json_document_is_answerable_at_once_and_saved(writable: tuple[TestClient, Path]) -> None:
    client, folder = writable
    response = client.post("/documents", json={"id": "business/zeppelin", "title": "Zeppelin freight",
                                               "text": "A zeppelin carried grain to the harbour.\n\nIt was slow.",
                                               "date": "2024-05-02", "url": "https://news.example/z"}, headers=AUTH)
    assert response.status_code == 201, response.text
    assert response.json() == {"id": "business/zeppelin", "source": "business/zeppelin.md",
                               "title": "Zeppelin freight", "passages": 1, "status": "indexed"}
    saved = (folder / "business" / "zeppelin.md").read_text()
    assert saved.startswith("---\ntitle: Zeppelin freight\ndate: 2024-05-02\nurl: https://news.example/z\n---")
    top = client.get("/ask", params={"q": "zeppelin"}).json()["passages"][0]
    assert top["citation"]["document_id"] == "business/zeppelin"
    assert top["citation"]["date"] == "2024-05-02" and top["citation"]["source_url"] == "https://news.example/z"
    assert client.get("/health").json()["articles"] == 4


@pytest.mark.parametrize(("date", "detail"), [
    ("2024-13-01", "date: '2024-13-01' is not a real date (month must be in 1..12)"),
    ("2024-02-30", "date: '2024-02-30' is not a real date (day is out of range for month)"),
    ("next week", "date: 'next week' is not a date like 2024-03-01 (YYYY-MM-DD)"),
])
def test_post_with_a_date_the_reader_would_drop_is_422_and_writes_nothing(writable: tuple[TestClient, Path],
                                                                          date: str, detail: str) -> None:
    client, folder = writable
    response = client.post("/documents", json={"id": "dated", "title": "Dated", "text": "The walrus slept.",
                                               "date": date}, headers=AUTH)
    assert (response.status_code, response.json()) == (422, {"detail": detail})
    assert not (folder / "dated.md").exists()
    assert client.get("/health").json()["articles"] == 3


def test_post_with_a_date_written_in_words_keeps_it(writable: tuple[TestClient, Path]) -> None:
    client, _ = writable
    response = client.post("/documents", json={"id": "dated", "title": "Dated", "text": "The walrus slept.",
                                               "date": "March 1, 2024"}, headers=AUTH)
    assert response.status_code == 201, response.text
    assert client.get("/ask", params={"q": "walrus"}).json()["passages"][0]["citation"]["date"] == "2024-03-01"


def test_post_of_one_short_line_keeps_its_title_and_cites_the_line(writable: tuple[TestClient, Path]) -> None:
    """A text that is one line reading like a title: the posted title stays the title, the line is the passage
    (it was the title, and the passage was the whole file, front matter included)."""
    client, folder = writable
    response = client.post("/documents", json={"id": "brief", "title": "Port strike ends",
                                               "text": "Walruses ended their strike on Friday"}, headers=AUTH)
    assert response.status_code == 201 and response.json()["title"] == "Port strike ends"
    top = client.get("/ask", params={"q": "walruses"}).json()["passages"][0]
    assert top["text"] == "Walruses ended their strike on Friday"
    assert top["citation"]["title"] == "Port strike ends"
    saved = (folder / "brief.md").read_text()
    assert saved[top["citation"]["start"] : top["citation"]["end"]] == top["text"]


def test_upload_replace_and_delete(writable: tuple[TestClient, Path]) -> None:
    client, folder = writable
    upload = client.post("/documents", files={"file": ("notes.txt", b"Field notes\n\nThe quokka smiled.\n")},
                         headers=AUTH)
    assert upload.status_code == 201 and upload.json()["source"] == "notes.txt"
    assert client.get("/ask", params={"q": "quokka"}).json()["passages"][0]["citation"]["document_id"] == "notes"
    replaced = client.post("/documents", json={"id": "notes", "title": "Notes", "text": "The wombat dug."},
                           headers=AUTH)
    assert replaced.status_code == 201 and replaced.json()["source"] == "notes.md"
    assert not (folder / "notes.txt").exists()
    assert client.get("/ask", params={"q": "quokka"}).json()["passages"] == []
    deleted = client.delete("/documents/notes", headers=AUTH)
    assert deleted.status_code == 200 and deleted.json()["status"] == "removed"
    assert not (folder / "notes.md").exists()
    assert client.get("/documents/notes").status_code == 404
    assert client.get("/ask", params={"q": "wombat"}).json()["passages"] == []
    assert client.delete("/documents/notes", headers=AUTH).status_code == 404


@pytest.mark.parametrize(("kwargs", "status", "detail"), [
    ({"json": {"id": "../escape", "title": "T", "text": "x"}}, 422, "invalid document id '../escape'"),
    ({"json": {"id": "ok", "title": " ", "text": "x"}}, 422, "title: must not be blank"),
    ({"files": {"file": ("evil.exe", b"MZ")}}, 422, "'evil.exe' is not a supported article file"),
    ({"files": {"file": ("bin.txt", b"\x00\x01")}}, 422, "cannot index 'bin.txt': binary file"),
])
def test_bad_documents_are_refused_and_change_nothing(writable: tuple[TestClient, Path], kwargs: dict,
                                                      status: int, detail: str) -> None:
    client, folder = writable
    before = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))
    response = client.post("/documents", headers=AUTH, **kwargs)
    assert response.status_code == status
    assert detail in response.json()["detail"]
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")) == before
    assert client.get("/health").json()["articles"] == 3


def test_writes_need_the_key(writable: tuple[TestClient, Path]) -> None:
    client, _ = writable
    body = {"id": "x", "title": "X", "text": "Text."}
    missing = client.post("/documents", json=body)
    assert missing.status_code == 401 and missing.headers["www-authenticate"] == "Bearer"
    assert missing.json()["detail"] == "a valid API key is required: send 'Authorization: Bearer <QA_API_KEY>'"
    assert client.post("/documents", json=body, headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.delete("/documents/harbour", headers={"Authorization": "Basic abc"}).status_code == 401
    assert client.get("/ask", params={"q": "harbour"}).status_code == 200  # reads stay open


def test_writes_are_disabled_without_a_key(seed_settings: Settings) -> None:
    with TestClient(create_app(seed_settings)) as client:
        response = client.post("/documents", json={"id": "x", "title": "X", "text": "T"}, headers=AUTH)
        assert response.status_code == 403
        assert response.json()["detail"] == "writes are disabled: set QA_API_KEY to enable POST and DELETE /documents"
        assert client.delete("/documents/000_8339c2265b0242b8").status_code == 403


def test_reads_can_be_protected(articles_dir: Path, tmp_path: Path) -> None:
    settings = Settings(documents=articles_dir, index_dir=tmp_path / "i", api_key=KEY, protect_reads=True)
    with TestClient(create_app(settings)) as client:
        assert client.get("/ask", params={"q": "harbour"}).status_code == 401
        assert client.get("/documents").status_code == 401
        assert client.get("/ask", params={"q": "harbour"}, headers=AUTH).status_code == 200
        assert client.get("/health").status_code == 200


def test_cli_add_and_remove(articles_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    args = ["--documents", str(articles_dir), "--index-dir", str(tmp_path / "i")]
    new = tmp_path / "zeppelin.md"
    new.write_text("# Zeppelins\n\nA zeppelin landed at the harbour.\n")
    assert main(["add", str(new), *args]) == 0
    assert capsys.readouterr().out == "added zeppelin (zeppelin.md, 1 passage)\n"
    assert (articles_dir / "zeppelin.md").exists()
    assert main(["ask", "zeppelin", "--json", *args]) == 0
    assert '"document_id":"zeppelin"' in capsys.readouterr().out
    assert main(["remove", "zeppelin", "nope", *args]) == 1
    captured = capsys.readouterr()
    assert captured.out == "removed zeppelin (zeppelin.md)\n"
    assert captured.err == "qa: error: no document with id 'nope'\n"
    assert not (articles_dir / "zeppelin.md").exists()


def test_served_index_reloads_without_a_failed_question(articles_dir: Path, tmp_path: Path) -> None:
    """A real server with --watch: questions keep succeeding while the folder changes and the index is rebuilt."""
    port = free_port()
    env = {**os.environ, "QA_DOCUMENTS": str(articles_dir), "QA_INDEX_DIR": str(tmp_path / "index"),
           "QA_WATCH_INTERVAL": "0.2"}
    server = subprocess.Popen([sys.executable, "-m", "qa", "serve", "--watch", "--workers", "2", "--port", str(port)],
                              cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, server)
        failures: list[str] = []
        seen_new = threading.Event()
        stop = threading.Event()

        def ask_forever() -> None:
            with httpx.Client(timeout=10) as client:
                while not stop.is_set():
                    try:
                        response = client.get(url + "/ask", params={"q": "harbour zeppelin"})
                        if response.status_code != 200:
                            failures.append(f"{response.status_code} {response.text[:200]}")
                        elif any(p["citation"]["document_id"] == "zeppelin" for p in response.json()["passages"]):
                            seen_new.set()
                    except httpx.HTTPError as error:
                        failures.append(repr(error))

        threads = [threading.Thread(target=ask_forever) for _ in range(4)]
        for thread in threads:
            thread.start()
        time.sleep(0.5)
        (articles_dir / "zeppelin.txt").write_text("Zeppelins\n\nA zeppelin moored above the harbour.\n")
        (articles_dir / "markets.txt").unlink()
        assert seen_new.wait(30), "the new article never appeared"
        time.sleep(0.5)
        stop.set()
        for thread in threads:
            thread.join()
        assert failures == []
        health = httpx.get(url + "/health").json()
        assert health["articles"] == 3
        for _ in range(6):  # every worker has swapped (each request may land on either)
            ids = [p["citation"]["document_id"] for p in
                   httpx.get(url + "/ask", params={"q": "zeppelin", "top_k": 5}).json()["passages"]]
            assert ids == ["zeppelin"]
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_an_update_the_reader_refuses_fails_the_write_and_changes_nothing(writable: tuple[TestClient, Path],
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """A merge of the live version with a new article that `load_index` refuses (here: one passage's byte window
    lost, as a writer bug once did) is read back before it goes live: the write is refused with a detail, the file
    is not saved, CURRENT still names the version in use, and questions are answered from it."""
    from qa.index.writer import VersionWriter

    client, folder = writable
    index_dir = client.app.state.settings.resolved_index_dir()  # type: ignore[attr-defined]
    live, files = current_version(index_dir), sorted(p.name for p in folder.iterdir())
    kept = VersionWriter.add_kept

    def add_kept_losing_a_window(self: VersionWriter, old: Index, number: int) -> None:
        kept(self, old, number)
        del self.windows[-2:]

    monkeypatch.setattr(VersionWriter, "add_kept", add_kept_losing_a_window)
    response = client.post("/documents", json={"id": "zeppelin", "title": "Zeppelin freight",  # not ASCII: windows
                                               "text": "A zeppelin carried grain to the café."}, headers=AUTH)
    assert response.status_code == 400
    assert response.json()["detail"].startswith("the updated index could not be read back (")
    assert response.json()["detail"].endswith("); nothing was changed")
    assert sorted(p.name for p in folder.iterdir()) == files
    assert current_version(index_dir) == live
    assert not [p for p in index_dir.iterdir() if p.name.endswith(".partial")]
    assert client.get("/health").json()["articles"] == 3
    assert client.get("/ask", params={"q": "zeppelin"}).json()["passages"] == []
