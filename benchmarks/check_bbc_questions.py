"""Check our BBC News questions against the articles: run it after editing benchmarks/data/bbc_questions_*.jsonl.

    python benchmarks/check_bbc_questions.py                 # errors, then a summary; exit 1 on any error
    python benchmarks/check_bbc_questions.py --list          # also one line per question (depth, other articles)

Errors (each fails the check):
- a line that is not {"id", "question", "article", "answer"}, an id used twice, an unknown article;
- an answer that is not verbatim in its article, or not found there by the benchmark's own matching
  (SQuAD normalisation, whole words), so that no pipeline could ever be credited;
- an answer that also occurs in a near-copy of the article (two files sharing most of the shorter one's 8-word
  runs, such as the same story under another headline, or a story and its copy followed by readers' comments):
  a pipeline citing the copy would be marked wrong for no fault.

It also prints, per question, how deep in its article the answer first occurs (in words) and in how many other
articles the answer string occurs, and per split the count by category: the "hard cases" are visible there.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from peers_data import BBC_QUESTIONS, DataError, contains_answer, load_bbc, normalize_answer  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
NEAR_COPY = 0.5  # share of the shorter article's 8-word runs found in the other that makes them near-copies


def shingles(text: str, size: int = 8) -> set[tuple[str, ...]]:
    words = normalize_answer(text).split()
    return {tuple(words[i:i + size]) for i in range(max(len(words) - size + 1, 1))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--list", action="store_true", help="one line per question")
    args = parser.parse_args(argv)
    try:
        dataset = load_bbc(args.data)
    except DataError as error:
        print(f"error: {error}")
        return 1
    texts = dict(dataset.articles)
    normalised = {name: f" {normalize_answer(text)} " for name, text in texts.items()}
    runs = {name: shingles(text) for name, text in texts.items()}
    errors: list[str] = []
    seen: Counter[str] = Counter()
    for split, path in BBC_QUESTIONS.items():
        categories: Counter[str] = Counter()
        for question in dataset.splits[split]:
            seen[question.id] += 1
            article = min(question.articles)
            text, answer = texts[article], question.answers[0]
            categories[article.split("/")[0]] += 1
            where = f"{path.name} {question.id} ({article})"
            if answer not in text:
                errors.append(f"{where}: answer {answer!r} is not verbatim in the article")
            if not contains_answer(text, [answer]):
                errors.append(f"{where}: answer {answer!r} is not found by the benchmark's matching")
            needle = f" {normalize_answer(answer)} "
            others = [name for name in texts if name not in question.articles and needle in normalised[name]]
            copies = [name for name in others
                      if len(runs[article] & runs[name]) >= NEAR_COPY * min(len(runs[article]), len(runs[name]))]
            if copies:
                errors.append(f"{where}: answer {answer!r} also in near-copies {', '.join(copies)}")
            if args.list:
                depth = len(text[:max(text.find(answer), 0)].split())
                print(f"{split:6} {question.id:8} {article:22} depth {depth:5} words of {len(text.split()):5}, "
                      f"answer in {len(others):4} other articles: {question.text} -> {answer}")
        print(f"{split} ({path.name}): {sum(categories.values())} questions, "
              + ", ".join(f"{name} {count}" for name, count in sorted(categories.items())))
    errors += [f"id {name} is used {count} times" for name, count in seen.items() if count > 1]
    errors += [f"{name}: id must look like bbc-NNN" for name in seen if not re.fullmatch(r"bbc-\d{3}", name)]
    for message in errors:
        print(f"error: {message}")
    print(f"{sum(seen.values())} questions, {len(errors)} errors")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
