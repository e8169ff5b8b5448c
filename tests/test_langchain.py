"""`qa.integrations.langchain.QARetriever`: a langchain-core retriever over a folder and over a running server."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest

pytest.importorskip("langchain_core", reason='langchain-core is an extra: pip install -e ".[langchain]"')

from langchain_core.documents import Document  # noqa: E402
from langchain_core.retrievers import BaseRetriever  # noqa: E402

from qa import Collection  # noqa: E402
from qa.integrations.langchain import QARetriever  # noqa: E402

from .conftest import CO_CHAIR, CO_CHAIR_ANSWER, CO_CHAIR_SOURCE, SEED_DOCUMENTS, Served  # noqa: E402


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("langchain") / "index"
LEAD_TITLE = "The first meeting of the Azerbaijani-Turkish working group on digital transformation has…"
"""The article has no title line: its first sentence, cut (its byline "By Ayya Lmahamad" is the author)."""


def assert_answers_who_co_chaired(documents: list[Document]) -> None:
    top = documents[0]
    assert isinstance(top, Document)
    assert CO_CHAIR_ANSWER in top.page_content
    assert top.metadata["source"] == CO_CHAIR_SOURCE
    article = (SEED_DOCUMENTS / CO_CHAIR_SOURCE).read_text(encoding="utf-8")
    assert article[top.metadata["start"] : top.metadata["end"]] == top.page_content


def test_the_bundled_documents_answer_who_co_chaired(index_dir: Path) -> None:
    retriever = QARetriever(documents=SEED_DOCUMENTS, k=3, index_dir=index_dir)
    assert isinstance(retriever, BaseRetriever)
    documents = retriever.invoke(CO_CHAIR)
    assert_answers_who_co_chaired(documents)
    assert [d.metadata["rank"] for d in documents] == [1, 2, 3]
    assert documents[0].metadata["score"] > documents[1].metadata["score"] > documents[2].metadata["score"]

    expected = Collection(SEED_DOCUMENTS, index_dir=index_dir).ask(CO_CHAIR, top_k=3).passages[0]
    assert documents[0].id == "000_8339c2265b0242b8#1"
    assert documents[0].metadata == {
        "document_id": "000_8339c2265b0242b8", "title": LEAD_TITLE, "author": "Ayya Lmahamad",
        "source": CO_CHAIR_SOURCE, "passage": 1,
        "start": 18, "end": 422, "url": "/documents/000_8339c2265b0242b8?start=18&end=422",
        "score": expected.score, "rank": 1, "best_sentence": expected.best_sentence.text}  # type: ignore[union-attr]


def test_async_filters_and_options(index_dir: Path) -> None:
    retriever = QARetriever(documents=SEED_DOCUMENTS, index_dir=index_dir, k=1)
    assert_answers_who_co_chaired(anyio.run(retriever.ainvoke, CO_CHAIR))
    only = QARetriever(documents=SEED_DOCUMENTS, index_dir=index_dir, k=5, source_prefix="004_")
    assert {d.metadata["source"] for d in only.invoke("Azerbaijan Turkey cooperation")} == {"004_7d268188ac327656.txt"}
    dated = QARetriever(documents=SEED_DOCUMENTS, index_dir=index_dir, date_from="2020-01-01")
    assert dated.invoke(CO_CHAIR) == []  # the seed articles have no date
    retriever.k = 2  # a field changed between questions counts
    assert len(retriever.invoke(CO_CHAIR)) == 2


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"k": 0}, "k must be a whole number from 1 to 100, not 0"),  # qa's words (qa.defaults), not pydantic's
    ({"k": 101}, "k must be a whole number from 1 to 100, not 101"),
    ({"k": "3"}, "k must be a whole number from 1 to 100, not '3'"),
    ({"max_per_article": -1}, "max_per_article must be a whole number from 0 (no limit) to 100, not -1"),
    ({"date_from": "2024-02-30"}, "'2024-02-30' is not a real date (day is out of range for month)"),
    ({"date_from": "2024-03-01", "date_to": "2024-01-01"}, "date_from 2024-03-01 is after date_to 2024-01-01"),
    ({"documents": "/nonexistent/articles"}, "documents folder not found: /nonexistent/articles"),
    ({"url": "http://127.0.0.1:8000"},
     "give either documents (a folder of articles) or url (a running qa server), not both"),
    ({"api_key": "secret"}, "api_key is sent to a qa server: give it together with url"),
])
def test_options_qa_cannot_use_are_value_errors(index_dir: Path, kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError) as raised:
        QARetriever(**{"documents": SEED_DOCUMENTS, "index_dir": index_dir, **kwargs})
    assert message in str(raised.value)


def test_questions_qa_cannot_ask_are_value_errors(index_dir: Path) -> None:
    retriever = QARetriever(documents=SEED_DOCUMENTS, index_dir=index_dir)
    with pytest.raises(ValueError, match="^the question is empty$"):
        retriever.invoke("   ")
    with pytest.raises(ValueError, match="^the question is 2001 characters long; the limit is 2000$"):
        retriever.invoke("x" * 2001)
    assert_answers_who_co_chaired(retriever.invoke(CO_CHAIR))


def test_from_a_running_server(served: Served, index_dir: Path) -> None:
    retriever = QARetriever(url=served.url, k=2, api_key="not-needed-for-reads")
    remote = retriever.invoke(CO_CHAIR)
    assert_answers_who_co_chaired(remote)
    local = QARetriever(documents=SEED_DOCUMENTS, index_dir=index_dir, k=2).invoke(CO_CHAIR)
    assert [(d.id, d.metadata, d.page_content) for d in remote] == [(d.id, d.metadata, d.page_content) for d in local]
    assert "not-needed-for-reads" not in repr(retriever)
    with pytest.raises(ValueError, match="^question: "):
        retriever.invoke("")
