"""qa as a LlamaIndex retriever: a question in, the passages that answer it out, as scored nodes with citations.

    >>> from qa.integrations.llama_index import QARetriever
    >>> retriever = QARetriever(documents="documents", similarity_top_k=3)   # or QARetriever(url="http://...")
    >>> nodes = retriever.retrieve("Who signed the Shusha Declaration?")      # doctest: +SKIP
    >>> nodes[0].node.metadata["source"], nodes[0].score                      # doctest: +SKIP
    ('000_8339c2265b0242b8.txt', 0.377)

Each `NodeWithScore` is one passage: a `TextNode` whose text is the passage (exactly `article[start:end]`, also
given as `start_char_idx`/`end_char_idx`), whose metadata is its citation (`qa.integrations.source.metadata`) and
whose SOURCE relationship names its article; the score is qa's. Only the title and source are shown to an LLM or
an embedding model with the text: the offsets, scores and links are for the program. Needs
`pip install "qa[llamaindex]"` (llama-index-core).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from qa.integrations.source import Query, Source, ask, check_count, metadata, opened, passage_id
from qa.models import Passage

try:
    from llama_index.core.callbacks import CallbackManager
    from llama_index.core.retrievers import BaseRetriever
    from llama_index.core.schema import NodeRelationship, NodeWithScore, QueryBundle, RelatedNodeInfo, TextNode
except ImportError as error:  # say the fix, not only the missing module
    raise ImportError(f'qa.integrations.llama_index needs llama-index-core: pip install "qa[llamaindex]" ({error})'
                      ) from error

SHOWN_WITH_TEXT = frozenset({"title", "source"})
"""Metadata keys a node shows an LLM or an embedding model with its text (LlamaIndex shows every key unless told)."""


class QARetriever(BaseRetriever):
    """Retrieve passages from a documents folder (`documents=`, `index_dir=`) or a running qa server (`url=`,
    `api_key=`).

    `similarity_top_k` passages per question (1..100), optionally only from articles whose file path starts with
    `source_prefix` or dated from `date_from` to `date_to` (YYYY-MM-DD), at most `max_per_article` of one article.
    Options qa cannot use, and questions it cannot ask (empty, over 2,000 characters), raise `ValueError` with
    qa's message.
    """

    def __init__(self, documents: str | Path | None = None, similarity_top_k: int = 3,
                 index_dir: str | Path | None = None, *, url: str | None = None, api_key: str | None = None,
                 source_prefix: str | None = None, date_from: str | None = None, date_to: str | None = None,
                 max_per_article: int | None = None, callback_manager: CallbackManager | None = None,
                 verbose: bool = False) -> None:
        check_count("similarity_top_k", similarity_top_k, 1)
        self.similarity_top_k = similarity_top_k
        self.source_prefix, self.date_from, self.date_to = source_prefix, date_from, date_to
        self.max_per_article = max_per_article
        self._query()
        self._source: Source = opened(documents, index_dir, url, api_key)
        super().__init__(callback_manager=callback_manager, verbose=verbose)

    def _query(self) -> Query:
        """The options as they are now (attributes may be changed between questions)."""
        return Query(self.similarity_top_k, self.source_prefix, self.date_from, self.date_to, self.max_per_article)

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        return [NodeWithScore(node=_node(passage), score=passage.score)
                for passage in ask(self._source, query_bundle.query_str, self._query())]

    async def _aretrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        """In a thread: a question to a server waits on the network, and LlamaIndex's default would block the loop."""
        return await asyncio.to_thread(self._retrieve, query_bundle)


def _node(passage: Passage) -> TextNode:
    found: dict[str, Any] = metadata(passage)
    hidden = [key for key in found if key not in SHOWN_WITH_TEXT]
    return TextNode(id_=passage_id(passage), text=passage.text, metadata=found,
                    start_char_idx=passage.citation.start, end_char_idx=passage.citation.end,
                    relationships={NodeRelationship.SOURCE: RelatedNodeInfo(node_id=passage.citation.document_id)},
                    excluded_llm_metadata_keys=hidden, excluded_embed_metadata_keys=hidden)
