"""Markdown front matter is metadata, never text: no passage, citation or best sentence holds any of it, whatever
is left of the body after the title, byline and date lines (a user trial found a file of front matter and one short
line whose only passage began with `---`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.answer.search import Searcher
from qa.corpus.chunking import chunk_article, layout
from qa.corpus.plain import parse_front_matter, plain_article
from qa.corpus.read import read_articles
from qa.corpus.scan import scan_documents
from qa.errors import UnreadableFile
from qa.index import open_index

from .conftest import settings_for

FRONT = "---\ndate: 2024-05-01\nauthor: Jane Roe\n---\n"
TITLED = "---\ntitle: Walrus notes\ndate: 2024-05-01\n---\n\n"

BODIES = [
    # (front matter, body, the one passage it must give)
    (FRONT, "Walrus sighting\n", "Walrus sighting"),  # a short line that reads as a title: all there is
    (FRONT, "Walrus sighting", "Walrus sighting"),  # ... without a final newline
    (FRONT, "\n\n# Walrus sighting\n", "Walrus sighting"),  # a Markdown heading alone
    (TITLED, "Walrus sighting\n", "Walrus sighting"),
    (TITLED, "By Jane Roe\n", "By Jane Roe"),  # only a byline
    (TITLED, "18 June 2021\n", "18 June 2021"),  # only a date line
    (TITLED, "![A walrus on the ice](walrus.png)\n", "A walrus on the ice"),  # only an image: its alt text
    (FRONT, "The walrus ate the clams.\n", "The walrus ate the clams."),  # one sentence
]


@pytest.mark.parametrize(("front", "body", "passage"), BODIES)
def test_no_passage_holds_front_matter(front: str, body: str, passage: str) -> None:
    text = front + body
    _, content_start = parse_front_matter(text)
    article = plain_article(text, "walrus", "walrus.md", markdown=True)
    assert article.body_start >= content_start
    chunks = chunk_article(article, 700, 1)
    assert [chunk.text for chunk in chunks] == [passage]
    assert all(chunk.start >= content_start for chunk in chunks)
    for compiled in (False, True):  # the compiled chunker is used for ASCII articles in big builds
        spans = layout(article, 700, 1, compiled=compiled)
        assert int(spans.starts.min()) >= content_start and int(spans.sentences.min()) >= content_start


@pytest.mark.parametrize(("body", "reason"), [
    ("", "no text after the front matter"), ("\n\n", "no text after the front matter"),
    ("<!-- draft -->\n", "no text after the front matter, only Markdown syntax"),
    ("---\n", "no text after the front matter, only Markdown syntax"),
    ("![](walrus.png)\n", "no text after the front matter, only Markdown syntax")])
def test_front_matter_with_nothing_shown_after_it_is_skipped_with_the_reason(body: str, reason: str) -> None:
    with pytest.raises(UnreadableFile) as raised:
        plain_article(TITLED + body, "walrus", "walrus.md", markdown=True)
    assert str(raised.value) == reason


def test_a_markdown_file_of_markup_alone_is_skipped_with_the_reason() -> None:
    with pytest.raises(UnreadableFile) as raised:
        plain_article("<!-- nothing yet -->\n\n---\n", "draft", "draft.md", markdown=True)
    assert str(raised.value) == "no text, only Markdown syntax"


def test_citations_of_a_short_front_matter_article_slice_its_text(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "walrus.md").write_text(FRONT + "Walrus sighting near Tromso\n")
    (docs / "empty.md").write_text(TITLED)
    (docs / "ships.txt").write_text("Ships leave\n\nTwo ships left Baku for Aktau on Monday.\n")
    (docs / "cranes.txt").write_text("Cranes arrive\n\nThree new cranes arrived at the harbour of Alat.\n")
    read = read_articles(scan_documents(docs))
    assert [(s.source, s.reason) for s in read.skipped] == [("empty.md", "no text after the front matter")]
    index = open_index(settings_for(docs, tmp_path / "index"))
    answer = Searcher(index).ask("walrus sighting Tromso", top_k=1)
    [found] = answer.passages
    citation = found.citation
    article_text = (docs / "walrus.md").read_text()
    assert citation.source == "walrus.md" and citation.start == len(FRONT)
    assert article_text[citation.start : citation.end] == found.text == "Walrus sighting near Tromso"
    assert found.best_sentence is not None and found.best_sentence.start >= len(FRONT)
    assert (citation.date, citation.author) == ("2024-05-01", "Jane Roe")


@pytest.mark.parametrize(("text", "title", "meta", "passage"), [
    ("+++\ntitle = \"Walrus notes\"\ndate = 2024-05-01\n+++\n\nThe walrus ate the clams.\n", "Walrus notes",
     {"date": "2024-05-01"}, "The walrus ate the clams."),  # TOML, as Hugo writes it
    ("---\ntitle: Walrus notes\nauthor: Jane Roe\n...\n\nThe walrus ate the clams.\n", "Walrus notes",
     {"author": "Jane Roe"}, "The walrus ate the clams."),  # YAML closed with "..." (Pandoc)
    ("---\r\n# drafted on the boat\r\ndate: 2024-05-01\r\n---\r\nWalrus sighting\r\n", "Walrus sighting",
     {"date": "2024-05-01"}, "Walrus sighting"),  # CRLF, a comment line
    ("---\n\nThe walrus ate the clams.\n\n---\n\nThen it slept.\n", "The walrus ate the clams.", {"title_from": "lead"},
     "The walrus ate the clams.\n\n   \n\nThen it slept."),  # two thematic breaks around text: no front matter
])
def test_front_matter_kinds(text: str, title: str, meta: dict[str, str], passage: str) -> None:
    article = plain_article(text, "walrus", "walrus.md", markdown=True)
    assert (article.title, article.meta) == (title, meta)
    assert [chunk.text for chunk in chunk_article(article, 700, 1)] == [passage]


def test_the_context_of_a_citation_leaves_the_front_matter_out(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from qa.config import Settings
    from qa.web.app import create_app

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "walrus.md").write_text(FRONT + "# Walrus sighting\n\nA walrus was seen near Tromso on Monday.\n")
    (docs / "ships.txt").write_text("Ships leave\n\nTwo ships left Baku for Aktau on Monday.\n")
    (docs / "cranes.txt").write_text("Cranes arrive\n\nThree new cranes arrived at the harbour of Alat.\n")
    (docs / "caviar.txt").write_text("Caviar\n\nSturgeon farms supply most caviar.\n")
    settings = Settings(documents=docs, index_dir=tmp_path / "index", access_log=False)
    with TestClient(create_app(settings)) as client:
        [found] = client.get("/ask", params={"q": "walrus Tromso", "top_k": 1}).json()["passages"]
        span = client.get(found["citation"]["url"]).json()["span"]
    assert span["text"] == "A walrus was seen near Tromso on Monday."
    assert "---" not in span["context"] and "author" not in span["context"]
    assert span["context_start"] >= len(FRONT)
