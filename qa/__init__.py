"""qa: ask questions over a folder of articles and get the passages that answer them, with citations.

    >>> from qa import Collection
    >>> answer = Collection("documents").ask("Who signed the Shusha Declaration?")   # doctest: +SKIP
    >>> answer.passages[0].citation.source                                           # doctest: +SKIP
    '000_8339c2265b0242b8.txt'

The public Python API is what this module exports; the layers underneath (see docs/architecture.md):

    cli               the `qa` command
    integrations      MCP server, LangChain and LlamaIndex retrievers, a client of a running server (extras)
    web               the HTTP service
    collection        a documents folder you can ask questions of: what every way in calls
    answer            question -> ranked passages, their citations and evidence
    index             the on-disk index: build, open, live updates
    ranking, corpus   analysis, BM25 and the engine; reading folders and chunking articles
    models, config, errors, dates, logs   plain data, settings and helpers every layer shares
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from qa.collection import Collection
    from qa.config import Settings
    from qa.errors import QAError
    from qa.index.reader import ArticleInfo
    from qa.models import Answer, BestSentence, Citation, Passage

__all__ = ["Answer", "ArticleInfo", "BestSentence", "Citation", "Collection", "Passage", "QAError", "Settings",
           "__version__"]

_EXPORTS = {"Collection": "qa.collection", "Settings": "qa.config", "QAError": "qa.errors", "Answer": "qa.models",
            "BestSentence": "qa.models", "Citation": "qa.models", "Passage": "qa.models",
            "ArticleInfo": "qa.index.reader"}


def __getattr__(name: str) -> Any:
    """Import on first use: `qa ask` and `python -m qa` need not load the engine to print their help."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'qa' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
