"""The pipelines `benchmarks/peers.py` compares, each as its users build it by default.

Every pipeline is given the same folder of articles and answers each question with its top passages, as
(article path relative to the folder, passage text). What each one does:

- `qa`: qa's command line only (`python -m qa index`, then `python -m qa ask --file Q --json --top-k K`), so
  this benchmark does not depend on qa's internal modules; extra qa flags (`--qa-args`) go to both commands.
- `haystack`: TextFileToDocument -> DocumentSplitter() (its defaults: split_by "word", 200 words, no overlap)
  -> DocumentWriter -> InMemoryDocumentStore() (its default BM25 algorithm, BM25L) -> InMemoryBM25Retriever.
- `llamaindex`: SimpleDirectoryReader(recursive) -> SentenceSplitter() (1,024 tokens, overlap 200) ->
  BM25Retriever.from_defaults (bm25s inside, English stopwords and PyStemmer English). As by default, the
  reader's `file_path` metadata is part of the text each node is indexed with; it is made relative to the folder
  ("business/001.txt"), since the temporary folder's random name would otherwise change the chunking (the splitter
  counts metadata tokens) from one run to the next.
- `bm25s`: fixed windows of 500 whitespace-separated words; `bm25s.tokenize(stopwords="en",
  stemmer=Stemmer.Stemmer("english"))`; `bm25s.BM25()` (its default: Lucene's BM25, k1 1.5, b 0.75).
- `rank_bm25`: the same 500-word windows; tokens are the lowercased runs of letters and digits (`\\w+`), less
  bm25s's English stopword list, stemmed by PyStemmer English; `rank_bm25.BM25Okapi` defaults (k1 1.5, b 0.75,
  epsilon 0.25).

A peer's hit that scores 0 (no question word in it) is dropped: such a passage is an arbitrary filler.
Nothing reaches the network: Haystack's usage telemetry is switched off (HAYSTACK_TELEMETRY_ENABLED=False), and
LlamaIndex's tokenizer and sentence data ship inside llama-index-core.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

WINDOW_WORDS = 500


@dataclass(frozen=True, slots=True)
class Hit:
    article: str  # path relative to the documents folder, "/" separated
    text: str


class PipelineError(Exception):
    """A pipeline could not be built or run; the message says what to install or what went wrong."""


def version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def _require(module: str, package: str) -> None:
    try:
        __import__(module)
    except ImportError:
        raise PipelineError(f"{package} is not installed: pip install -e '.[peers]'") from None


def _relative(path: str, folder: Path) -> str:
    return Path(path).resolve().relative_to(folder.resolve()).as_posix()


class Pipeline:
    """Index a folder once (`build`), then answer lists of questions (`ask`)."""

    name = ""
    packages: tuple[str, ...] = ()

    def build(self, folder: Path, files: Sequence[str]) -> int:
        """Index the articles `files` (relative paths) of `folder`; return the number of passages made."""
        raise NotImplementedError

    def ask(self, questions: Sequence[str], k: int) -> list[list[Hit]]:
        raise NotImplementedError

    def close(self) -> None:
        """Drop the index (the next data set starts clean)."""

    def versions(self) -> dict[str, str]:
        return {package: version(package) for package in self.packages}


# -- qa, through its command line -------------------------------------------------------------------------------


class QaPipeline(Pipeline):
    name = "qa"
    packages = ("qa",)

    def __init__(self, work: Path, extra_args: str = "") -> None:
        self.work = work
        self.extra = shlex.split(extra_args)
        self.folder = Path()

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "qa", *args, "--documents", str(self.folder),
                   "--index-dir", str(self.work / "qa-index"), *self.extra]
        result = subprocess.run(command, capture_output=True, text=True, encoding="utf-8", check=False,
                                cwd=Path(__file__).resolve().parent.parent)  # this checkout's qa, installed or not
        if result.returncode != 0:
            raise PipelineError(f"{shlex.join(command)} exited {result.returncode}: {result.stderr.strip()}")
        return result

    def build(self, folder: Path, files: Sequence[str]) -> int:
        self.folder = folder
        output = self._run("index").stdout
        found = re.search(r"indexed (\d+) articles, (\d+) passages", output)
        if not found:
            raise PipelineError(f"qa index printed no passage count: {output!r}")
        if int(found.group(1)) != len(files):
            raise PipelineError(f"qa indexed {found.group(1)} of {len(files)} articles: {output!r}")
        return int(found.group(2))

    def ask(self, questions: Sequence[str], k: int) -> list[list[Hit]]:
        path = self.work / "questions.txt"
        path.write_text("".join(f"{question}\n" for question in questions), encoding="utf-8")
        lines = self._run("ask", "--file", str(path), "--json", "--top-k", str(k)).stdout.splitlines()
        if len(lines) != len(questions):
            raise PipelineError(f"qa ask answered {len(lines)} lines for {len(questions)} questions")
        answers = []
        for question, line in zip(questions, lines, strict=True):
            body = json.loads(line)
            if body.get("question") != question:
                raise PipelineError(f"qa ask answered {body.get('question')!r} where {question!r} was asked")
            answers.append([Hit(passage["citation"]["source"], passage["text"])
                            for passage in body.get("passages") or []])
        return answers

    def versions(self) -> dict[str, str]:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                                cwd=Path(__file__).resolve().parent, check=False).stdout.strip()
        return {"qa": version("qa") + (f" ({commit})" if commit else ""),
                "qa settings": " ".join(self.extra) or "defaults"}


# -- Haystack ----------------------------------------------------------------------------------------------------


class HaystackPipeline(Pipeline):
    name = "haystack"
    packages = ("haystack-ai",)

    def __init__(self) -> None:
        os.environ.setdefault("HAYSTACK_TELEMETRY_ENABLED", "False")  # its default sends usage events over the net
        _require("haystack", "haystack-ai")
        self.retriever: Any = None

    def build(self, folder: Path, files: Sequence[str]) -> int:
        from haystack import Pipeline as HaystackGraph
        from haystack.components.converters import TextFileToDocument
        from haystack.components.preprocessors import DocumentSplitter
        from haystack.components.retrievers.in_memory import InMemoryBM25Retriever
        from haystack.components.writers import DocumentWriter
        from haystack.document_stores.in_memory import InMemoryDocumentStore

        store = InMemoryDocumentStore()
        indexing = HaystackGraph()
        indexing.add_component("converter", TextFileToDocument())
        indexing.add_component("splitter", DocumentSplitter())
        indexing.add_component("writer", DocumentWriter(document_store=store))
        indexing.connect("converter", "splitter")
        indexing.connect("splitter", "writer")
        # the relative path rides along as metadata: the converter keeps only the file name by default
        indexing.run({"converter": {"sources": [folder / name for name in files],
                                    "meta": [{"article": name} for name in files]}})
        self.retriever = InMemoryBM25Retriever(document_store=store)
        return int(store.count_documents())

    def ask(self, questions: Sequence[str], k: int) -> list[list[Hit]]:
        answers = []
        for question in questions:
            documents = self.retriever.run(query=question, top_k=k)["documents"]
            answers.append([Hit(document.meta["article"], document.content or "")
                            for document in documents if (document.score or 0) > 0])
        return answers

    def close(self) -> None:
        self.retriever = None


# -- LlamaIndex --------------------------------------------------------------------------------------------------


class LlamaIndexPipeline(Pipeline):
    name = "llamaindex"
    packages = ("llama-index-core", "llama-index-retrievers-bm25")

    def __init__(self) -> None:
        _require("llama_index.retrievers.bm25", "llama-index-retrievers-bm25")
        self.retriever: Any = None

    def build(self, folder: Path, files: Sequence[str]) -> int:
        from llama_index.core import SimpleDirectoryReader
        from llama_index.core.node_parser import SentenceSplitter
        from llama_index.retrievers.bm25 import BM25Retriever  # type: ignore[import-untyped]

        documents = SimpleDirectoryReader(str(folder), recursive=True).load_data()
        for document in documents:  # the temporary folder's random name would change chunking from run to run
            document.metadata["file_path"] = _relative(document.metadata["file_path"], folder)
        nodes = SentenceSplitter().get_nodes_from_documents(documents)
        self.retriever = BM25Retriever.from_defaults(nodes=nodes, similarity_top_k=10)
        return len(nodes)

    def ask(self, questions: Sequence[str], k: int) -> list[list[Hit]]:
        self.retriever.similarity_top_k = k
        answers = []
        for question in questions:
            results = self.retriever.retrieve(question)
            answers.append([Hit(result.node.metadata["file_path"], result.node.get_content())
                            for result in results if (result.score or 0) > 0])
        return answers

    def close(self) -> None:
        self.retriever = None


# -- fixed 500-word windows: bm25s and rank-bm25 ------------------------------------------------------------------


def windows(folder: Path, files: Sequence[str], size: int = WINDOW_WORDS) -> list[Hit]:
    """Each article cut into runs of `size` whitespace-separated words; the text is the exact span of the file."""
    result = []
    for name in files:
        text = (folder / name).read_text(encoding="utf-8")
        spans = [match.span() for match in re.finditer(r"\S+", text)]
        for first in range(0, len(spans), size):
            last = min(first + size, len(spans)) - 1
            result.append(Hit(name, text[spans[first][0]:spans[last][1]]))
    return result


class Bm25sPipeline(Pipeline):
    name = "bm25s"
    packages = ("bm25s", "PyStemmer")

    def __init__(self) -> None:
        _require("bm25s", "bm25s")
        _require("Stemmer", "PyStemmer")
        import Stemmer  # type: ignore[import-not-found]

        self.stemmer = Stemmer.Stemmer("english")
        self.retriever: Any = None
        self.passages: list[Hit] = []

    def _tokenize(self, texts: Sequence[str]) -> Any:
        import bm25s  # type: ignore[import-untyped]

        return bm25s.tokenize(list(texts), stopwords="en", stemmer=self.stemmer, show_progress=False)

    def build(self, folder: Path, files: Sequence[str]) -> int:
        import bm25s

        self.passages = windows(folder, files)
        self.retriever = bm25s.BM25()
        self.retriever.index(self._tokenize([passage.text for passage in self.passages]), show_progress=False)
        return len(self.passages)

    def ask(self, questions: Sequence[str], k: int) -> list[list[Hit]]:
        ids, scores = self.retriever.retrieve(self._tokenize(questions), k=min(k, len(self.passages)),
                                              show_progress=False, n_threads=1)
        return [[self.passages[int(i)] for i, score in zip(row, row_scores, strict=True) if score > 0]
                for row, row_scores in zip(ids, scores, strict=True)]

    def close(self) -> None:
        self.retriever, self.passages = None, []


class RankBm25Pipeline(Pipeline):
    name = "rank_bm25"
    packages = ("rank-bm25", "PyStemmer")

    def __init__(self) -> None:
        _require("rank_bm25", "rank-bm25")
        _require("Stemmer", "PyStemmer")
        import Stemmer
        from bm25s.stopwords import STOPWORDS_EN  # type: ignore[import-untyped]

        self.stem = Stemmer.Stemmer("english").stemWords
        self.stopwords = frozenset(STOPWORDS_EN)
        self.model: Any = None
        self.passages: list[Hit] = []

    def tokens(self, text: str) -> list[str]:
        return list(self.stem([word for word in re.findall(r"\w+", text.lower()) if word not in self.stopwords]))

    def build(self, folder: Path, files: Sequence[str]) -> int:
        from rank_bm25 import BM25Okapi  # type: ignore[import-untyped]

        self.passages = windows(folder, files)
        self.model = BM25Okapi([self.tokens(passage.text) for passage in self.passages])
        return len(self.passages)

    def ask(self, questions: Sequence[str], k: int) -> list[list[Hit]]:
        import numpy as np

        answers = []
        for question in questions:
            scores = self.model.get_scores(self.tokens(question))
            top = np.argsort(-scores, kind="stable")[:k]
            answers.append([self.passages[int(i)] for i in top if scores[i] > 0])
        return answers

    def close(self) -> None:
        self.model, self.passages = None, []


PIPELINES = ("qa", "haystack", "llamaindex", "bm25s", "rank_bm25")


def make_pipeline(name: str, work: Path, qa_args: str) -> Pipeline:
    classes: dict[str, type[Pipeline]] = {"haystack": HaystackPipeline, "llamaindex": LlamaIndexPipeline,
                                          "bm25s": Bm25sPipeline, "rank_bm25": RankBm25Pipeline}
    if name == "qa":
        return QaPipeline(work, qa_args)
    return classes[name]()
