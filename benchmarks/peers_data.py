"""The three question sets of `benchmarks/peers.py`, read from ../shared/data at run time, never copied here.

Each data set is a folder of plain-text articles (title line, blank line, body) and questions split in two:
"choose" (settings may be tuned on it) and "report" (the figures quoted; nobody tunes on them).

- SQuAD v1.1 dev: the 48 articles, each written as one file (title, blank line, paragraphs separated by blank
  lines). Split rule: the articles sorted by title; even positions (0, 2, ...) are "choose", odd are "report";
  a question belongs to its article's half. Every pipeline indexes all 48 articles. A passage holds the answer
  when one gold answer, SQuAD-normalised, occurs in it as whole words.
- BEIR SciFact: every corpus record one article (title, blank line, abstract). Train queries (qrels/train.tsv)
  are "choose", test queries (qrels/test.tsv) are "report"; any passage of a judged-relevant record is a hit.
- BBC News: the 2,225 articles as they are (category/NNN.txt); our own questions in benchmarks/data/
  (bbc_questions_choose.jsonl and bbc_questions_check.jsonl, the held-out "report" half). A hit is a passage of
  the question's article (or of a byte-identical copy: the set has 98 duplicate files) that holds the answer.
"""

from __future__ import annotations

import hashlib
import json
import re
import string
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from qa.answer.search import Searcher
    from qa.index import Index

HERE = Path(__file__).resolve().parent
BBC_QUESTIONS = {"choose": HERE / "data" / "bbc_questions_choose.jsonl",
                 "report": HERE / "data" / "bbc_questions_check.jsonl"}
BBC_CATEGORIES = ("business", "entertainment", "politics", "sport", "tech")
SPLITS = ("choose", "report")


class DataError(Exception):
    """A data file is missing or not in the expected format; the message names it."""


@dataclass(frozen=True, slots=True)
class Question:
    """One question and what counts as finding it: a passage of one of `articles` that holds one of `answers`
    (any passage of those articles when `answers` is empty, as for SciFact)."""

    id: str
    text: str
    articles: frozenset[str]
    answers: tuple[str, ...] = ()


@dataclass(slots=True)
class Dataset:
    """Articles as (relative path, text) and the questions of each split."""

    name: str
    title: str
    articles: list[tuple[str, str]]
    splits: dict[str, list[Question]] = field(default_factory=dict)

    def write(self, folder: Path) -> None:
        """Write every article under `folder` as UTF-8 with the text exactly as held (no newline translation)."""
        for relative, text in self.articles:
            path = folder / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "w", encoding="utf-8", newline="") as handle:
                handle.write(text)


# -- answer matching, copied from qa/evaluation.py (qa's internals are moving; this file must not follow them) --

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCTUATION = frozenset(string.punctuation)


def normalize_answer(text: str) -> str:
    """SQuAD v1.1's official normalisation: lowercase, no punctuation, no a/an/the, single spaces."""
    text = "".join(ch for ch in text.lower() if ch not in _PUNCTUATION)
    return " ".join(_ARTICLES.sub(" ", text).split())


def contains_answer(passage: str, answers: Iterable[str]) -> bool:
    """Whether the normalised passage contains one normalised answer as whole words.

        >>> contains_answer("It opened in 1990.", ["1990"]), contains_answer("It opened in 1990.", ["1"])
        (True, False)
    """
    haystack = f" {normalize_answer(passage)} "
    return any(needle and f" {needle} " in haystack for needle in map(normalize_answer, answers))


def one_line(text: str) -> str:
    """A question or title on one line: qa's `--file` reads one question a line."""
    return " ".join(text.split())


# -- SQuAD -----------------------------------------------------------------------------------------------------


def load_squad(data: Path) -> Dataset:
    path = data / "squad_v1.1" / "dev-v1.1.json"
    try:
        articles = json.loads(path.read_text(encoding="utf-8"))["data"]
    except (OSError, ValueError, KeyError) as error:
        raise DataError(f"cannot read SQuAD v1.1 dev from {path}: {error}") from None
    dataset = Dataset("squad", "SQuAD v1.1 dev (48 articles)", [])
    titles = [str(article["title"]) for article in articles]
    order = sorted(range(len(titles)), key=lambda number: titles[number])
    split_of = {number: SPLITS[position % 2] for position, number in enumerate(order)}
    dataset.splits = {split: [] for split in SPLITS}
    for number, article in enumerate(articles):
        name = f"{number:02d}.txt"
        title = article["title"].replace("_", " ").strip()
        paragraphs = [paragraph["context"] for paragraph in article["paragraphs"]]
        dataset.articles.append((name, "\n\n".join([title, *paragraphs])))
        for paragraph in article["paragraphs"]:
            for item in paragraph["qas"]:
                answers = tuple(answer["text"] for answer in item["answers"])
                dataset.splits[split_of[number]].append(
                    Question(str(item["id"]), one_line(item["question"]), frozenset([name]), answers))
    return dataset


# -- SciFact -----------------------------------------------------------------------------------------------------


def _jsonl(path: Path) -> list[dict[str, object]]:
    try:
        with open(path, encoding="utf-8") as handle:
            return [json.loads(line) for line in handle if line.strip()]
    except (OSError, ValueError) as error:
        raise DataError(f"cannot read {path}: {error}") from None


def _qrels(path: Path) -> dict[str, set[str]]:
    relevant: dict[str, set[str]] = {}
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise DataError(f"cannot read {path}: {error}") from None
    for number, line in enumerate(lines[1:], start=2):
        try:
            query, doc, score = line.split("\t")
            judged = int(score)
        except ValueError:
            raise DataError(f"{path}, line {number}: expected query-id, corpus-id, score separated by tabs") from None
        if judged > 0:
            relevant.setdefault(query, set()).add(doc)
    return relevant


def load_scifact(data: Path) -> Dataset:
    folder = data / "beir_scifact"
    dataset = Dataset("scifact", "BEIR SciFact (5,183 abstracts)", [])
    for record in _jsonl(folder / "corpus.jsonl"):
        doc_id = str(record["_id"])
        title = one_line(str(record.get("title") or "")) or doc_id
        dataset.articles.append((f"{doc_id}.txt", f"{title}\n\n{record.get('text') or ''}"))
    queries = {str(record["_id"]): one_line(str(record["text"])) for record in _jsonl(folder / "queries.jsonl")}
    for split, qrels in (("choose", "train"), ("report", "test")):
        relevant = _qrels(folder / "qrels" / f"{qrels}.tsv")
        dataset.splits[split] = [Question(query, queries[query], frozenset(f"{doc}.txt" for doc in docs))
                                 for query, docs in relevant.items()]
    return dataset


# -- BBC News ------------------------------------------------------------------------------------------------------


def read_bbc_questions(path: Path) -> list[dict[str, str]]:
    """Our question file: one {"id", "question", "article", "answer"} object a line."""
    records = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise DataError(f"cannot read {path}: {error}") from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as error:
            raise DataError(f"{path}, line {number}: not JSON ({error})") from None
        if not isinstance(record, dict) or set(record) != {"id", "question", "article", "answer"}:
            raise DataError(f"{path}, line {number}: expected exactly the keys id, question, article, answer")
        records.append({key: str(value) for key, value in record.items()})
    return records


def load_bbc(data: Path) -> Dataset:
    folder = data / "bbc_news"
    if not folder.is_dir():
        raise DataError(f"BBC News folder not found: {folder}")
    dataset = Dataset("bbc", "BBC News (2,225 articles, our questions)", [])
    copies: dict[str, list[str]] = {}
    for category in BBC_CATEGORIES:
        for path in sorted((folder / category).glob("*.txt")):
            relative = f"{category}/{path.name}"
            raw = path.read_bytes()
            copies.setdefault(hashlib.sha256(raw).hexdigest(), []).append(relative)
            dataset.articles.append((relative, raw.decode("utf-8")))
    if len(dataset.articles) != 2225:
        raise DataError(f"{folder}: expected 2,225 articles, found {len(dataset.articles)}")
    same = {relative: frozenset(group) for group in copies.values() for relative in group}
    for split, path in BBC_QUESTIONS.items():
        questions = []
        for record in read_bbc_questions(path):
            if record["article"] not in same:
                raise DataError(f"{path}: question {record['id']} names an unknown article {record['article']}")
            questions.append(Question(record["id"], one_line(record["question"]), same[record["article"]],
                                      (record["answer"],)))
        dataset.splits[split] = questions
    return dataset


LOADERS = {"squad": load_squad, "scifact": load_scifact, "bbc": load_bbc}


@contextmanager
def indexed(dataset: Dataset, prefix: str) -> Iterator[tuple[Index, Searcher]]:
    """The data set's articles written into a temporary folder and indexed in this process with qa's shipped
    settings (`qa.cli.evaluation.run.open_searcher`), for the benchmarks that patch a stage of `Searcher`; the
    folder is removed on leaving."""
    from qa.cli.evaluation.run import open_searcher  # qa only where a benchmark runs it in-process
    from qa.config import Settings

    with tempfile.TemporaryDirectory(prefix=prefix) as work:
        folder = Path(work) / "documents"
        folder.mkdir()
        dataset.write(folder)
        yield open_searcher(folder, Settings())
