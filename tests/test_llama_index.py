"""`qa.integrations.llama_index.QARetriever`: a llama-index-core retriever over a folder and over a running server."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest

pytest.importorskip("llama_index.core", reason='llama-index-core is an extra: pip install -e ".[llamaindex]"')

from llama_index.core.retrievers import BaseRetriever  # noqa: E402
from llama_index.core.schema import MetadataMode, NodeWithScore, TextNode  # noqa: E402

from qa import Collection  # noqa: E402
from qa.integrations.llama_index import QARetriever  # noqa: E402

from .conftest import CO_CHAIR, CO_CHAIR_ANSWER, CO_CHAIR_SOURCE, SEED_DOCUMENTS, Served  # noqa: E402


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("llama_index") / "index"
LEAD_TITLE = "The first meeting of the Azerbaijani-Turkish working group on digital transformation has…"
"""The article has no title line: its first sentence, cut (its byline "By Ayya Lmahamad" is the author)."""


def assert_answers_who_co_chaired(nodes: list[NodeWithScore]) -> None:
    top = nodes[0]
    assert isinstance(top, NodeWithScore) and isinstance(top.node, TextNode)
    assert CO_CHAIR_ANSWER in top.node.text
    assert top.node.metadata["source"] == CO_CHAIR_SOURCE
    article = (SEED_DOCUMENTS / CO_CHAIR_SOURCE).read_text(encoding="utf-8")
    assert article[top.node.start_char_idx : top.node.end_char_idx] == top.node.text


def test_the_bundled_documents_answer_who_co_chaired(index_dir: Path) -> None:
    retriever = QARetriever(documents=SEED_DOCUMENTS, similarity_top_k=3, index_dir=index_dir)
    assert isinstance(retriever, BaseRetriever)
    nodes = retriever.retrieve(CO_CHAIR)
    assert_answers_who_co_chaired(nodes)
    assert [n.node.metadata["rank"] for n in nodes] == [1, 2, 3]
    assert nodes[0].score > nodes[1].score > nodes[2].score  # type: ignore[operator]

    expected = Collection(SEED_DOCUMENTS, index_dir=index_dir).ask(CO_CHAIR, top_k=3).passages[0]
    top = nodes[0]
    assert top.score == expected.score
    assert top.node.node_id == "000_8339c2265b0242b8#1"
    assert top.node.ref_doc_id == "000_8339c2265b0242b8"
    assert top.node.metadata == {
        "document_id": "000_8339c2265b0242b8", "title": LEAD_TITLE, "author": "Ayya Lmahamad",
        "source": CO_CHAIR_SOURCE, "passage": 1,
        "start": 18, "end": 422, "url": "/documents/000_8339c2265b0242b8?start=18&end=422",
        "score": expected.score, "rank": 1, "best_sentence": expected.best_sentence.text}  # type: ignore[union-attr]
    # What an LLM is shown: the title and source, then the passage; not the offsets, scores and links.
    assert top.node.get_content(MetadataMode.LLM) == (
        f"title: {LEAD_TITLE}\nsource: {CO_CHAIR_SOURCE}\n\n{top.node.text}")


def test_async_filters_and_options(index_dir: Path) -> None:
    retriever = QARetriever(documents=SEED_DOCUMENTS, index_dir=index_dir, similarity_top_k=1)
    assert_answers_who_co_chaired(anyio.run(retriever.aretrieve, CO_CHAIR))
    only = QARetriever(documents=SEED_DOCUMENTS, index_dir=index_dir, similarity_top_k=5, source_prefix="004_")
    assert {n.node.metadata["source"] for n in only.retrieve("Azerbaijan Turkey cooperation")} == {
        "004_7d268188ac327656.txt"}
    assert QARetriever(documents=SEED_DOCUMENTS, index_dir=index_dir, date_to="2030-01-01").retrieve(CO_CHAIR) == []


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"similarity_top_k": 0}, "similarity_top_k must be a whole number from 1 to 100, not 0"),
    ({"similarity_top_k": "3"}, "similarity_top_k must be a whole number from 1 to 100, not '3'"),
    ({"max_per_article": -1}, "max_per_article must be a whole number from 0 (no limit) to 100, not -1"),
    ({"date_to": "2024-13-01"}, "'2024-13-01' is not a real date (month must be in 1..12)"),
    ({"documents": "/nonexistent/articles"}, "documents folder not found: /nonexistent/articles"),
    ({"url": "http://127.0.0.1:8000"},
     "give either documents (a folder of articles) or url (a running qa server), not both"),
])
def test_options_qa_cannot_use_are_value_errors(index_dir: Path, kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError) as raised:
        QARetriever(**{"documents": SEED_DOCUMENTS, "index_dir": index_dir, **kwargs})  # type: ignore[arg-type]
    assert str(raised.value) == message


def test_questions_qa_cannot_ask_are_value_errors(index_dir: Path) -> None:
    retriever = QARetriever(documents=SEED_DOCUMENTS, index_dir=index_dir)
    with pytest.raises(ValueError, match="^the question is empty$"):
        retriever.retrieve("")
    assert_answers_who_co_chaired(retriever.retrieve(CO_CHAIR))


def test_from_a_running_server(served: Served, index_dir: Path) -> None:
    remote = QARetriever(url=served.url, similarity_top_k=2).retrieve(CO_CHAIR)
    assert_answers_who_co_chaired(remote)
    local = QARetriever(documents=SEED_DOCUMENTS, index_dir=index_dir, similarity_top_k=2).retrieve(CO_CHAIR)
    assert [(n.node.node_id, n.node.metadata, n.score) for n in remote] == [
        (n.node.node_id, n.node.metadata, n.score) for n in local]
