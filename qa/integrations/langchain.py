"""qa as a LangChain retriever: a question in, the passages that answer it out, as `Document`s with their citations.

    >>> from qa.integrations.langchain import QARetriever
    >>> retriever = QARetriever(documents="documents", k=3)            # or QARetriever(url="http://127.0.0.1:8000")
    >>> docs = retriever.invoke("Who signed the Shusha Declaration?")  # doctest: +SKIP
    >>> docs[0].metadata["source"], docs[0].metadata["start"]          # doctest: +SKIP
    ('000_8339c2265b0242b8.txt', 18)

Each `Document` is one passage: `page_content` is the passage's text, exactly `article[start:end]`, and `metadata`
its citation (see `qa.integrations.source.metadata`). Needs `pip install "qa[langchain]"` (langchain-core).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field, PrivateAttr, SecretStr, ValidationInfo, field_validator

from qa.config import MAX_TOP_K
from qa.integrations.source import Query, Source, ask, check_count, metadata, opened, passage_id

try:
    from langchain_core.callbacks import CallbackManagerForRetrieverRun
    from langchain_core.documents import Document
    from langchain_core.retrievers import BaseRetriever
except ImportError as error:  # say the fix, not only the missing module
    raise ImportError(f'qa.integrations.langchain needs langchain-core: pip install "qa[langchain]" ({error})'
                      ) from error


class QARetriever(BaseRetriever):
    """Retrieve passages from a documents folder (`documents=`, `index_dir=`) or a running qa server (`url=`,
    `api_key=`).

    `k` passages per question (1..100), optionally only from articles whose file path starts with `source_prefix`
    or dated from `date_from` to `date_to` (YYYY-MM-DD), at most `max_per_article` of one article. Options qa cannot
    use, and questions it cannot ask (empty, over 2,000 characters), raise `ValueError` with qa's message.
    """

    documents: str | Path | None = None
    """The folder of articles (default: `QA_DOCUMENTS`); its index is opened, or built, when the retriever is made."""
    index_dir: str | Path | None = None
    """Where that folder's index is kept (default: `QA_INDEX_DIR`, else a folder under ~/.cache/qa)."""
    url: str | None = None
    """A running qa server (`qa serve`) to ask instead of a folder."""
    api_key: SecretStr | None = None
    """Sent to the server as `Authorization: Bearer <key>`, when it protects its reads."""
    k: int = Field(default=3, ge=1, le=MAX_TOP_K)
    """Passages returned per question."""
    source_prefix: str | None = None
    date_from: str | None = None
    date_to: str | None = None
    max_per_article: int | None = Field(default=None, ge=0, le=MAX_TOP_K)

    _source: Source = PrivateAttr()

    @field_validator("k", "max_per_article", mode="before")
    @classmethod
    def _passage_count(cls, value: object, info: ValidationInfo) -> object:
        """qa's rule and words for a number of passages (`qa.defaults.passage_count`), as every interface says
        them ("k must be a whole number from 1 to 100, not 0"), rather than pydantic's."""
        if value is not None or info.field_name != "max_per_article":
            check_count(str(info.field_name), value, 1 if info.field_name == "k" else 0)
        return value

    def model_post_init(self, context: Any, /) -> None:
        """Check the options and open the folder or the server now, so that a wrong path, address or date fails
        here, not at the first question."""
        super().model_post_init(context)
        self._query()
        key = self.api_key.get_secret_value() if self.api_key is not None else None
        self._source = opened(self.documents, self.index_dir, self.url, key)

    def _query(self) -> Query:
        """The options as they are now (they may be changed between questions, like any LangChain field)."""
        return Query(self.k, self.source_prefix, self.date_from, self.date_to, self.max_per_article)

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        return [Document(page_content=passage.text, metadata=metadata(passage), id=passage_id(passage))
                for passage in ask(self._source, query, self._query())]
