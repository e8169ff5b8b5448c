"""`qa eval multilingual`: retrieval in a folder of news items in several languages, per language.

    qa eval multilingual tests/data/multilingual                   # the "report" half of the questions
    qa eval multilingual tests/data/multilingual --split choose    # the half choices are made on
    QA_LANGUAGE=en qa eval multilingual tests/data/multilingual    # every article analysed as English (as before)

The folder holds one sub-folder of articles per language (`en/`, `zh/`...: .txt and .md files, some with a `lang`
in their front matter) and `questions.jsonl`: one `{"lang", "question", "article", "answer", "split"}` a line,
`article` being the id of the article that answers (its path without extension) and `answer` a string that
occurs in it. `tests/data/multilingual` is ours: 80 news items we wrote, 8 in each of 10 languages, and 240
questions, each language's alternating between "choose" and "report" (benchmarks/README-multilingual.md).

The articles are copied into a temporary documents folder and indexed by `qa.index.open_index`, as any folder
(each article's language from its metadata or detected, analysed in it); every question is ranked by
`Searcher.rank`, in whatever language it is detected in. Per language and overall:

- `article@1`: the share of questions whose first passage is of the article that answers;
- `answer@1`, `answer@5`: the share whose first (first five) passages hold the answer string (exactly, after NFKC
  normalisation: Chinese and Japanese have no words to compare);
- `detected`: the share whose article was analysed in the language of its sub-folder (metadata or detection).
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qa.cli.evaluation.run import open_searcher, ranked_texts
from qa.config import Settings
from qa.errors import EvaluationDataError

SPLITS = ("choose", "report", "all")
KS = (1, 5)


@dataclass(frozen=True, slots=True)
class MultilingualQuestion:
    lang: str
    question: str
    article: str
    answer: str
    split: str


def load_questions(folder: Path) -> list[MultilingualQuestion]:
    """`questions.jsonl` of a multilingual evaluation folder; a bad line is an `EvaluationDataError` naming it."""
    path = folder / "questions.jsonl"
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise EvaluationDataError(f"cannot read {path}: {error.strerror or error}") from None
    questions = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            questions.append(MultilingualQuestion(*(str(item[key]) for key in ("lang", "question", "article",
                                                                                 "answer", "split"))))
        except (ValueError, KeyError, TypeError) as error:
            raise EvaluationDataError(f"{path}, line {number}: not a question record ({error})") from None
    if not questions:
        raise EvaluationDataError(f"{path} holds no question")
    return questions


def evaluate_multilingual(folder: Path, settings: Settings, split: str = "report") -> dict[str, Any]:
    """article@1 and answer@1/@5 per language on one half of the questions (`split`), with every article indexed."""
    if split not in SPLITS:
        raise EvaluationDataError(f"no split '{split}' (use {', '.join(SPLITS)})")
    questions = [q for q in load_questions(folder) if split == "all" or q.split == split]
    started = time.perf_counter()
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    with tempfile.TemporaryDirectory(prefix="qa-eval-multilingual-") as work:
        documents = Path(work) / "documents"
        shutil.copytree(folder, documents, ignore=shutil.ignore_patterns("questions.jsonl", ".*"))
        index, searcher = open_searcher(documents, settings)
        indexed = time.perf_counter()
        languages = {info.id: info.language for info in index.articles}
        missing = sorted({q.article for q in questions} - set(languages))
        if missing:
            raise EvaluationDataError(f"questions name articles the folder does not hold: {', '.join(missing[:5])}")
        for question in questions:
            hits = ranked_texts(searcher, question.question, max(KS))
            answer = _normal(question.answer)
            first = next((rank for rank, hit in enumerate(hits, start=1) if answer in _normal(hit.text)), None)
            for row in (counts[question.lang], counts["all"]):
                row["questions"] += 1
                row["article@1"] += bool(hits) and hits[0].document_id == question.article
                row["detected"] += languages[question.article] == question.lang
                for k in KS:
                    row[f"answer@{k}"] += first is not None and first <= k
        article_languages = dict(sorted(_count(languages.values()).items()))
        del searcher, index
    figures = {lang: {"questions": row["questions"],
                      **{name: round(row[name] / row["questions"], 4) for name in ("article@1", *(
                          f"answer@{k}" for k in KS), "detected")}}
               for lang, row in sorted(counts.items(), key=lambda item: (item[0] == "all", item[0]))}
    return {"dataset": "multilingual", "path": str(folder), "split": split, "articles": sum(
        article_languages.values()), "article_languages": article_languages, "questions": len(questions),
            "per_language": figures, "settings": {**settings.ranking_fingerprint(), "language": settings.language},
            "index_seconds": round(indexed - started, 2), "seconds": round(time.perf_counter() - started, 2)}


def print_multilingual(result: dict[str, Any]) -> None:
    """The figures as a table, one row per language and one for all."""
    print(f"multilingual {result['path']}: {result['articles']} articles "
          f"({', '.join(f'{lang} {n}' for lang, n in result['article_languages'].items())}); "
          f"{result['questions']} {result['split']} questions")
    print(f"  {'language':<9}{'questions':>10}{'article@1':>11}{'answer@1':>10}{'answer@5':>10}{'detected':>10}")
    for lang, row in result["per_language"].items():
        print(f"  {lang:<9}{row['questions']:>10}{row['article@1']:>11.4f}{row['answer@1']:>10.4f}"
              f"{row['answer@5']:>10.4f}{row['detected']:>10.4f}")
    print(f"  language={result['settings']['language']}  ({result['seconds']:.1f} s)")


def _normal(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _count(values: Any) -> dict[str, int]:
    found: dict[str, int] = defaultdict(int)
    for value in values:
        found[value] += 1
    return dict(found)
