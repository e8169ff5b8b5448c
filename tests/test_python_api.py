"""The Python API (`from qa import Collection`): what the README shows, on real folders."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

import qa
from qa import Answer, ArticleInfo, BestSentence, Citation, Collection, Passage, QAError
from qa.errors import InvalidRequest

from .conftest import CO_CHAIR, CO_CHAIR_ANSWER, CO_CHAIR_SOURCE, SEED_DOCUMENTS


def test_the_bundled_documents_answer_who_co_chaired(tmp_path: Path) -> None:
    with Collection(SEED_DOCUMENTS, index_dir=tmp_path / "index") as documents:
        answer = documents.ask(CO_CHAIR, top_k=2)
    assert isinstance(answer, Answer)
    top = answer.passages[0]
    assert isinstance(top, Passage) and isinstance(top.citation, Citation)
    assert isinstance(top.best_sentence, BestSentence)
    assert CO_CHAIR_ANSWER in top.text
    assert top.citation.source == CO_CHAIR_SOURCE
    assert top.citation.document_id == "000_8339c2265b0242b8"
    assert top.best_sentence.text == (
        "The meeting was co-chaired by Azerbaijan's Digital Development and Transport Deputy Minister Rovshan "
        "Rustamov and Digital Transformation Office of the Presidency of Turkey Vice-President Yavuz Emir Beyribey.")
    article = (SEED_DOCUMENTS / CO_CHAIR_SOURCE).read_text(encoding="utf-8")
    assert article[top.citation.start : top.citation.end] == top.text
    assert article[top.best_sentence.start : top.best_sentence.end] == top.best_sentence.text
    assert [p.rank for p in answer.passages] == [1, 2] and answer.passages[0].score > answer.passages[1].score


def test_the_answer_is_the_http_body(tmp_path: Path) -> None:
    """The same dataclasses the HTTP API serialises: every field of the JSON is an attribute, in order."""
    answer = Collection(SEED_DOCUMENTS, index_dir=tmp_path / "index").ask(CO_CHAIR, top_k=1)
    body = orjson.loads(orjson.dumps(answer))
    assert list(body) == ["question", "passages", "took_ms", "terms", "unknown_terms", "suggestions", "message"]
    assert body["passages"][0]["citation"]["source"] == answer.passages[0].citation.source
    assert body["passages"][0]["best_sentence"]["text"] == answer.passages[0].best_sentence.text  # type: ignore[union-attr]


def test_add_copies_a_file_in_and_remove_deletes_it(articles_dir: Path, tmp_path: Path) -> None:
    outside = tmp_path / "port-strike.md"
    outside.write_text("---\ntitle: Port strike ends\ndate: 2024-03-01\n---\n\nDock workers ended their strike "
                       "on Friday after nine days.\n", encoding="utf-8")
    documents = Collection(articles_dir, index_dir=tmp_path / "index")

    info = documents.add(outside)
    assert isinstance(info, ArticleInfo)
    assert (info.id, info.source, info.title, info.n_passages) == ("port-strike", "port-strike.md",
                                                                   "Port strike ends", 1)
    assert (articles_dir / "port-strike.md").read_bytes() == outside.read_bytes()
    top = documents.ask("When did the dock workers end their strike?", top_k=1).passages[0]
    assert (top.citation.source, top.citation.date) == ("port-strike.md", "2024-03-01")
    assert "port-strike" in [article.id for article in documents.documents()]

    assert documents.remove("port-strike").source == "port-strike.md"
    assert not (articles_dir / "port-strike.md").exists()
    assert "port-strike" not in [article.id for article in documents.documents()]
    assert all(p.citation.source != "port-strike.md" for p in documents.ask("dock workers strike").passages)


def test_removing_the_last_article_of_a_folder_removes_the_folder(articles_dir: Path, tmp_path: Path) -> None:
    """`news/2024/` held one article: removing it left the empty folders behind, where `git rm` takes them."""
    documents = Collection(articles_dir, index_dir=tmp_path / "index")
    documents.add_document("news/2024/port-strike", "Port strike ends", "Dock workers ended their strike on Friday.")
    documents.add_document("news/ferry", "Ferry cancelled", "The morning ferry was cancelled because of the storm.")
    assert (articles_dir / "news" / "2024" / "port-strike.md").is_file()
    documents.remove("news/2024/port-strike")
    assert not (articles_dir / "news" / "2024").exists()  # empty: gone
    assert (articles_dir / "news" / "ferry.md").is_file()  # news/ still holds an article: kept
    documents.remove("news/ferry")
    assert not (articles_dir / "news").exists() and articles_dir.is_dir()  # never the documents folder itself
    assert [p.citation.source for p in documents.ask("dock workers strike ferry").passages
            if p.citation.source.startswith("news/")] == []


@pytest.mark.parametrize(("name", "content", "message"), [
    ("missing.md", None, "cannot read {path}: No such file or directory"),
    ("tool.exe", b"MZ\x90\x00", "'tool.exe' is not a supported article file"),
    ("empty.txt", b"", "cannot index 'empty.txt'"),
])
def test_add_refuses_what_it_cannot_index_and_changes_nothing(articles_dir: Path, tmp_path: Path, name: str,
                                                              content: bytes | None, message: str) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    documents = Collection(articles_dir, index_dir=tmp_path / "index")
    before = sorted(p.name for p in articles_dir.rglob("*"))
    with pytest.raises(InvalidRequest) as raised:
        documents.add(path)
    assert str(raised.value).startswith(message.format(path=path))
    assert sorted(p.name for p in articles_dir.rglob("*")) == before
    assert len(documents.documents()) == 3


def test_invalid_questions_and_filters_say_what_to_change(tmp_path: Path) -> None:
    documents = Collection(SEED_DOCUMENTS, index_dir=tmp_path / "index")
    for kwargs, message in [({"question": "  "}, "the question is empty"),
                            ({"question": "x", "date_from": "2024-02-30"},
                             "'2024-02-30' is not a real date (day is out of range for month)"),
                            ({"question": "x", "top_k": 0}, "top_k must be a whole number from 1 to 100, not 0"),
                            ({"question": "Shusha", "max_per_article": -1},
                             "max_per_article must be a whole number from 0 (no limit) to 100, not -1"),
                            ({"question": "x", "top_k": "3"}, "top_k must be a whole number from 1 to 100, not '3'"),
                            ({"question": "x", "top_k": 2.5}, "top_k must be a whole number from 1 to 100, not 2.5"),
                            ({"question": "x", "max_per_article": True},
                             "max_per_article must be a whole number from 0 (no limit) to 100, not True"),
                            ({"question": "merger", "source_prefix": 3}, "source_prefix must be a string, not 3"),
                            ({"question": ["Shusha"]}, "the question must be a string, not list")]:
        with pytest.raises(QAError) as raised:
            documents.ask(**kwargs)  # type: ignore[arg-type]
        assert str(raised.value) == message


def test_the_public_names() -> None:
    assert set(qa.__all__) == {"Answer", "ArticleInfo", "BestSentence", "Citation", "Collection", "Passage",
                               "QAError", "Settings", "__version__"}
    assert all(getattr(qa, name) is not None for name in qa.__all__)
    assert (Path(qa.__file__).parent / "py.typed").exists()
