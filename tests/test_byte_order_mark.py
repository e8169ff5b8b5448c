"""A file that starts with a byte-order mark is cited in the same offsets as the same file without one: the mark is
not a character of the article. Opening a .txt or .md file as `open(path, encoding="utf-8-sig", newline="")` (or
"utf-16" for a UTF-16 file) gives the text the offsets count in, so `text[start:end]` is the cited passage; plain
"utf-8" keeps the mark as a first character U+FEFF and every offset would be one short, and the default newline
handling turns "\\r\\n" into "\\n"."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from qa.web.app import create_app

from .conftest import settings_for

UTF8_BOM = b"\xef\xbb\xbf"
TEXT = ("Harbour strike ends\r\n\r\nThe dock workers of Port Talbot voted on Tuesday to end the strike after nine "
        "days.\r\nPay rises of four percent were agreed with the harbour board.\r\n\r\nThe union secretary said the "
        "ferries would sail again on Thursday morning.\n")
MARKDOWN = "---\ntitle: Harbour strike ends\n---\n\n" + TEXT.split("\r\n", 2)[2]
HTML = ("<html><head><title>Harbour strike ends</title></head><body><article><h1>Harbour strike ends</h1><p>The dock "
        "workers of Port Talbot voted on Tuesday to end the strike after nine days, the union said.</p><p>Pay rises "
        "of four percent were agreed with the harbour board, and the ferries will sail again on Thursday.</p>"
        "</article></body></html>")
FILES = {  # name -> bytes: each text with and without a mark
    "plain.txt": TEXT.encode(), "marked.txt": UTF8_BOM + TEXT.encode(), "wide.txt": TEXT.encode("utf-16"),
    "plain.md": MARKDOWN.encode(), "marked.md": UTF8_BOM + MARKDOWN.encode(),
    "plain.html": HTML.encode(), "marked.html": UTF8_BOM + HTML.encode(),
}


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bom") / "docs"
    folder.mkdir()
    for name, data in FILES.items():
        (folder / name).write_bytes(data)
    others = ["Orchard harvest", "Library reopens", "Marathon route", "Bridge repairs", "Concert season",
              "School meals", "River cleanup", "Museum exhibit"]
    for n, title in enumerate(others):  # other stories, so that the strike's words are rare enough to weigh
        (folder / f"other{n}.txt").write_text(f"{title}\n\nThe {title.lower()} story number {n} is about "
                                             f"something else entirely, told in plain words.\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def client(documents: Path) -> Iterator[TestClient]:
    with TestClient(create_app(settings_for(documents, documents.parent / "index"))) as client:
        yield client


def article(client: TestClient, document_id: str) -> dict[str, object]:
    response = client.get(f"/documents/{document_id}")
    assert response.status_code == 200
    body: dict[str, object] = response.json()
    return body


@pytest.mark.parametrize(("name", "encoding"), [("plain.txt", "utf-8-sig"), ("marked.txt", "utf-8-sig"),
                                                ("wide.txt", "utf-16"), ("plain.md", "utf-8-sig"),
                                                ("marked.md", "utf-8-sig")])
def test_the_file_opened_without_its_mark_is_the_text_the_offsets_count_in(
        client: TestClient, documents: Path, name: str, encoding: str) -> None:
    body = article(client, _id(name))
    with open(documents / name, encoding=encoding, newline="") as file:
        opened = file.read()
    text = str(body["text"])
    assert len(text) == len(opened) and not text.startswith("\ufeff")
    if name.endswith(".txt"):
        assert text == opened  # the article is the file's text, "\r\n" and all
    passages = body["passages"]
    assert isinstance(passages, list) and passages
    for passage in passages:  # (in Markdown the span of the file has its markup: none in these passages)
        assert opened[passage["start"] : passage["end"]] == text[passage["start"] : passage["end"]]
    with open(documents / name, encoding="utf-8", errors="replace", newline="") as file:
        raw = file.read()
    if name.startswith("marked"):  # plain UTF-8 keeps the mark: one character more, every offset one short
        assert raw[0] == "\ufeff" and raw[1:] == opened


def test_a_mark_changes_no_citation(client: TestClient) -> None:
    for kind in ("txt", "md", "html"):
        plain, marked = article(client, _id(f"plain.{kind}")), article(client, _id(f"marked.{kind}"))
        for key in ("title", "text", "body_start", "passages"):
            assert plain[key] == marked[key], (kind, key)
    wide, plain = article(client, "wide"), article(client, _id("plain.txt"))  # UTF-16 with its mark, too
    assert (wide["text"], wide["passages"]) == (plain["text"], plain["passages"])


def test_answers_cite_the_same_spans_with_and_without_a_mark(client: TestClient) -> None:
    question = "dock workers Port Talbot strike Tuesday"
    body = client.post("/ask", json={"question": question, "top_k": 7}).json()
    # files of the same text are copies of one story (qa.index.copies): one answer each, naming the others (the
    # page's wording differs: "after nine days, the union said")
    stories = [sorted([p["citation"]["source"], *p["citation"]["copies"]]) for p in body["passages"]
               if p["citation"]["source"] in FILES]
    assert sorted(stories) == [["marked.html", "plain.html"], sorted(set(FILES) - {"marked.html", "plain.html"})]
    spans: dict[str, set[tuple[int, int]]] = {}
    for name in FILES:  # each file alone
        [passage] = client.post("/ask", json={"question": question, "top_k": 1, "source_prefix": name}).json()[
            "passages"]
        citation = passage["citation"]
        spans.setdefault(Path(citation["source"]).suffix, set()).add((citation["start"], citation["end"]))
    assert spans.keys() == {".txt", ".md", ".html"}
    assert all(len(found) == 1 for found in spans.values()), spans  # the marked file's span is the plain one's


def _id(name: str) -> str:
    """The document id of one of FILES: its name without extension, unless another file shares that stem (then the
    name itself), as qa gives ids."""
    stem = Path(name).stem
    return name if sum(Path(other).stem == stem for other in FILES) > 1 else stem
