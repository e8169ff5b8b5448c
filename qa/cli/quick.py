"""`qa ask "..."` answered in a fifth of the full command's time, when nothing but the answer is needed.

The full command imports Typer, pydantic and pydantic-settings (for its options and settings), the index builder,
and numba with the compiled kernels' machine code: about a second before the first question, for an answer that
takes a few milliseconds. This path handles the common case alone: one question, the flags `--top-k N`, `--json`,
`--full`, `--documents DIR` and `--index-dir DIR`, no other `QA_*` environment variable than `QA_DOCUMENTS` and
`QA_INDEX_DIR`, and a saved index that is up to date (built with the default settings for this folder, which has not
changed since). It imports NumPy, rich and the answer path, scores with NumPy alone (`qa.ranking.loops`: the same
passages and scores), and prints exactly what the full command prints. Anything else (another flag, a build or
update to do, an error to report) returns None and the full command runs, so its messages stay the only ones.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from qa.index.reader import Index

DEFAULT_FINGERPRINT = {"chunk_words": 700, "chunk_overlap": 1, "k1": 1.2, "b": 0.75, "epsilon": 0.25,
                       "title_in_passages": True}
"""`Settings().index_fingerprint()`, without importing the settings model (tests/test_quick.py keeps them equal);
an index built with other settings goes to the full command."""
DEFAULT_LANGUAGE = "auto"
"""`Settings().language` (tested likewise): each article analysed in its own language."""
DEFAULT_TOP_K = 3
"""`Settings().top_k` (tested likewise)."""
_ENVIRONMENT = ("QA_DOCUMENTS", "QA_INDEX_DIR")
_VALUED = {"--top-k": "top_k", "--documents": "documents", "--index-dir": "index_dir"}
_FLAGS = {"--json": "json", "--full": "full"}


class Request(NamedTuple):
    question: str
    top_k: int
    documents: Path
    index_dir: Path | None
    json: bool
    full: bool


def parse(argv: Sequence[str], environ: dict[str, str] | os._Environ[str]) -> Request | None:
    """The request when the command line and the environment are ones this path handles, else None."""
    if len(argv) < 2 or argv[0] != "ask" or any(key.startswith("QA_") and key not in _ENVIRONMENT for key in environ):
        return None
    found: dict[str, str | bool] = {}
    question: str | None = None
    words = iter(argv[1:])
    for word in words:
        name, equals, value = word.partition("=")
        if name in _VALUED:
            if not equals:
                value = next(words, "")
            if not value or name in found:
                return None
            found[_VALUED[name]] = value
        elif word in _FLAGS:
            found[_FLAGS[word]] = True
        elif word.startswith("-") or question is not None:
            return None
        else:
            question = word
    top_k = str(found.get("top_k", DEFAULT_TOP_K))
    documents = str(found.get("documents") or environ.get("QA_DOCUMENTS") or "documents")
    index_dir = str(found.get("index_dir") or environ.get("QA_INDEX_DIR") or "")
    if question is None or not top_k.isdigit() or not 1 <= int(top_k) <= 100:
        return None
    return Request(question, int(top_k), Path(documents), Path(index_dir) if index_dir else None,
                   bool(found.get("json")), bool(found.get("full")))


def answer_quickly(argv: Sequence[str] | None = None) -> int | None:
    """Answer a plain `qa ask "..."` and return its exit status, or None when the full command must run."""
    request = parse(list(sys.argv[1:] if argv is None else argv), os.environ)
    if request is None:
        return None
    try:
        return _answer(request)
    except KeyboardInterrupt:
        print("qa: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `qa ask ... | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _answer(request: Request) -> int | None:
    from qa.errors import QAError
    from qa.ranking import loops

    try:
        index = _current_index(request.documents, request.index_dir)
        if index is None:
            return None
        from qa.answer.search import Searcher, validate_question

        validate_question(request.question, request.top_k)
        with loops.numpy_only():
            answer = Searcher(index).ask(request.question, request.top_k)
    except QAError:  # said by the full command, in its words
        return None
    if request.json:
        import orjson

        print(orjson.dumps(answer).decode(), flush=True)
        return 0
    from qa.cli.render import render_answer, use_color

    width = min(shutil.get_terminal_size().columns, 120)
    print(render_answer(answer, color=use_color(sys.stdout.isatty()), width=width, full=request.full), flush=True)
    return 0


def _current_index(documents: Path, index_dir: Path | None) -> Index | None:
    """The saved index of `documents` when it can answer as it is (what `qa.index.reconcile.open_index` would
    return without building or updating anything), else None."""
    from qa.corpus.scan import scan_documents
    from qa.defaults import default_index_dir
    from qa.index.folder import FolderState, plan_changes
    from qa.index.reader import load_index
    from qa.index.store import INDEX_FORMAT, current_version
    from qa.ranking.analysis import ANALYZER_VERSION

    if not documents.is_dir():
        return None
    folder = current_version(index_dir if index_dir is not None else default_index_dir(documents))
    if folder is None:
        return None
    index = load_index(folder)
    expected = {**DEFAULT_FINGERPRINT, "analyzer": ANALYZER_VERSION, "language": DEFAULT_LANGUAGE,
                "format": INDEX_FORMAT}
    if index.manifest.get("settings") != expected or index.manifest.get("documents") != str(documents.resolve()):
        return None
    if plan_changes(FolderState.of(index.manifest), scan_documents(documents)):
        return None
    return index
