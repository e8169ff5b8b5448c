"""The public benchmarks, read into plain data: BEIR folders and SQuAD v1.1 files, and SQuAD's answer matching.

    >>> normalize_answer("The  Denver Broncos!")
    'denver broncos'
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qa.errors import EvaluationDataError


@dataclass(slots=True)
class BeirData:
    corpus: list[tuple[str, str, str]]  # (id, title, text)
    queries: dict[str, str]
    qrels: dict[str, dict[str, int]]
    split: str = "test"
    """Which qrels file judged the queries: "test" (to report) or "train" (to choose on)."""


@dataclass(slots=True)
class SquadQuestion:
    id: str
    question: str
    article: int
    answers: list[str]
    spans: list[tuple[int, int]]  # in the article file's text


@dataclass(slots=True)
class SquadData:
    articles: list[tuple[str, str]]  # (title, text written to the file, title line included)
    questions: list[SquadQuestion] = field(default_factory=list)
    span_mismatches: int = 0
    halves: list[str] = field(default_factory=list)
    """Each article's half, "choose" or "report" (`squad_halves`)."""

    def in_split(self, split: str) -> list[SquadQuestion]:
        """The questions of one half ("choose", "report"), or all of them ("all")."""
        if split == "all":
            return list(self.questions)
        if split not in SQUAD_SPLITS:
            raise EvaluationDataError(f"unknown SQuAD split '{split}': choose, report or all")
        return [question for question in self.questions if self.halves[question.article] == split]


SQUAD_SPLITS = ("choose", "report")
"""The two halves of a SQuAD file's articles: defaults may be chosen on "choose"; figures are quoted on "report"."""
BEIR_SPLITS = ("train", "test")
"""The BEIR qrels files: defaults may be chosen on "train"; figures are quoted on "test"."""


def squad_halves(titles: list[str]) -> list[str]:
    """Each article's half, by a fixed rule: the articles sorted by their title as SQuAD spells it
    ("Super_Bowl_50"), even positions (0, 2, ...) "choose", odd positions "report".

        >>> squad_halves(["b", "c", "a"])
        ['report', 'choose', 'choose']
    """
    order = sorted(range(len(titles)), key=lambda number: titles[number])
    halves = [""] * len(titles)
    for position, number in enumerate(order):
        halves[number] = SQUAD_SPLITS[position % 2]
    return halves


def _read_jsonl(path: Path) -> Iterable[dict[str, Any]]:
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise EvaluationDataError(f"{path}, line {number}: not JSON ({error.msg})") from None
            if not isinstance(record, dict) or "_id" not in record:
                raise EvaluationDataError(f"{path}, line {number}: a BEIR record needs an \"_id\"")
            yield record


def load_beir(folder: Path, split: str = "test") -> BeirData:
    """Read a BEIR folder: corpus.jsonl, queries.jsonl and qrels/<split>.tsv (`BEIR_SPLITS`)."""
    if split not in BEIR_SPLITS:
        raise EvaluationDataError(f"unknown BEIR split '{split}': train or test")
    if not folder.is_dir():
        raise EvaluationDataError(f"BEIR folder not found: {folder}")
    paths = {name: folder / name for name in ("corpus.jsonl", "queries.jsonl", f"qrels/{split}.tsv")}
    missing = [name for name, path in paths.items() if not path.is_file()]
    if missing:
        raise EvaluationDataError(f"{folder} is not a BEIR folder: missing {', '.join(missing)}")
    corpus = [(str(r["_id"]), str(r.get("title") or ""), str(r.get("text") or ""))
              for r in _read_jsonl(paths["corpus.jsonl"])]
    queries = {str(r["_id"]): str(r.get("text") or "") for r in _read_jsonl(paths["queries.jsonl"])}
    qrels: dict[str, dict[str, int]] = {}
    qrels_path = paths[f"qrels/{split}.tsv"]
    with open(qrels_path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            parts = line.rstrip("\n").split("\t")
            if not line.strip() or (number == 1 and parts[0] == "query-id"):
                continue
            if len(parts) != 3:
                raise EvaluationDataError(f"{qrels_path}, line {number}: expected query-id, corpus-id, score "
                                          "separated by tabs")
            try:
                qrels.setdefault(parts[0], {})[parts[1]] = int(parts[2])
            except ValueError:
                raise EvaluationDataError(f"{qrels_path}, line {number}: score {parts[2]!r} is not an integer"
                                          ) from None
    if not corpus:
        raise EvaluationDataError(f"{paths['corpus.jsonl']} holds no record")
    unknown = sorted(set(qrels) - set(queries))
    if unknown:
        raise EvaluationDataError(f"{qrels_path} judges {len(unknown)} queries absent from queries.jsonl "
                                  f"(first: {unknown[0]})")
    if not qrels:
        raise EvaluationDataError(f"{qrels_path} holds no judgment")
    return BeirData(corpus, queries, qrels, split)


def squad_title(raw: str) -> str:
    return raw.replace("_", " ").strip() or "untitled"


def load_squad(path: Path) -> SquadData:
    """Read a SQuAD v1.1 json file; rebuild each article as title, blank line, paragraphs joined by blank lines."""
    if not path.is_file():
        raise EvaluationDataError(f"SQuAD file not found: {path}")
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        articles = raw["data"]
        if not isinstance(articles, list):
            raise TypeError
    except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError):
        raise EvaluationDataError(f"{path} is not a SQuAD json file (expected {{\"data\": [articles]}})") from None
    data = SquadData([])
    raw_titles = []
    try:
        for number, article in enumerate(articles):
            raw_titles.append(str(article["title"]))
            title = squad_title(article["title"])
            parts = [title]
            offset = len(title) + 2
            for paragraph in article["paragraphs"]:
                context = paragraph["context"]
                for qa_item in paragraph["qas"]:
                    answers, spans = [], []
                    for answer in qa_item["answers"]:
                        text, start = answer["text"], offset + int(answer["answer_start"])
                        answers.append(text)
                        spans.append((start, start + len(text)))
                    data.questions.append(SquadQuestion(str(qa_item["id"]), qa_item["question"], number,
                                                        answers, spans))
                parts.append(context)
                offset += len(context) + 2
            data.articles.append((title, "\n\n".join(parts)))
    except (KeyError, TypeError, ValueError) as error:
        raise EvaluationDataError(f"{path} is not SQuAD v1.1: article {len(data.articles) + 1} lacks or "
                                  f"mistypes {error}") from None
    data.halves = squad_halves(raw_titles)
    for question in data.questions:
        text = data.articles[question.article][1]
        data.span_mismatches += sum(text[a:b] != answer
                                    for answer, (a, b) in zip(question.answers, question.spans, strict=True))
    if not data.questions:
        raise EvaluationDataError(f"{path} holds no question")
    return data


# -- SQuAD answer matching -----------------------------------------------------------------------------------

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCTUATION = frozenset(string.punctuation)


def normalize_answer(text: str) -> str:
    """SQuAD v1.1's official normalisation: lowercase, no punctuation, no a/an/the, single spaces."""
    text = "".join(ch for ch in text.lower() if ch not in _PUNCTUATION)
    return " ".join(_ARTICLES.sub(" ", text).split())


def contains_answer(passage: str, answers: Iterable[str], normalized: bool = False) -> bool:
    """Whether the normalised passage contains one normalised answer as whole words.

        >>> contains_answer("It opened in 1990.", ["1990"]), contains_answer("It opened in 1990.", ["1"])
        (True, False)
    """
    haystack = f" {passage if normalized else normalize_answer(passage)} "
    for answer in answers:
        needle = normalize_answer(answer)
        if needle and f" {needle} " in haystack:
            return True
    return False


def overlaps(start: int, end: int, spans: Iterable[tuple[int, int]]) -> bool:
    return any(start < b and a < end for a, b in spans)
