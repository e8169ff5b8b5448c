"""The best sentence's weights (`qa.answer.sentence`), swept on the SQuAD choose half with the top passages fixed.

    .venv/bin/python benchmarks/sentence_picker.py                  # each weight swept alone around the shipped ones
    .venv/bin/python benchmarks/sentence_picker.py --folds 4        # and chosen again by 4-fold cross-validation
    .venv/bin/python benchmarks/sentence_picker.py --set IDF_POWER=1,SPREAD_POWER=1,PREVIOUS_WEIGHT=0.6  # a baseline
    .venv/bin/python benchmarks/sentence_picker.py --misses         # where the shipped picker fails

Every SQuAD v1.1 dev article is indexed (shipped settings) and every question of the "choose" half is ranked as
`qa eval squad --split choose` ranks it (the best-sentence stage included); its top passage is then kept fixed,
and the passage's best sentence is picked again by `qa.answer.sentence.best_sentence` (the Python reference) with
the module's weights set to each value tried. The figure is best sentence@1 over all the half's questions, as
`qa eval` counts it: the shipped weights' row is that command's figure (within a question or two: the stage's
order also depends on the weights, and here it is the shipped one's). Only the choose half is read.

A row per value of one weight, the others at the shipped values (or `--set`'s). `--folds K`: the articles in K
folds; on each, the weights are chosen by coordinate ascent over the same grid on the other folds and measured on
it, against the starting weights: what the choice is worth on articles it did not see.

`--misses`: where the picker fails, counted over the questions whose top passage holds an answer in one of its
sentences but whose best sentence holds none: where the nearest sentence holding an answer sits (the one before,
the one after, two away, further), how much of the question's IDF it holds against the pick's (the title's terms
left out, as the picker does: more, as much, less, none: then no weighting of the question's words can choose it),
and, for a question asking for a kind (`asked_kind`), which of the two holds a thing of that kind.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from qa.answer import sentence  # noqa: E402
from qa.answer.search import Searcher, subject_title  # noqa: E402
from qa.cli.evaluation.data import SquadQuestion, contains_answer, load_squad  # noqa: E402
from qa.cli.evaluation.run import ranked_texts, squad_searcher  # noqa: E402
from qa.config import Settings  # noqa: E402

GRID = {"IDF_POWER": (0.25, 0.5, 0.75, 1.0), "SPREAD_POWER": (1.0, 1.5, 2.0),
        "PREVIOUS_WEIGHT": (0.45, 0.6, 0.75, 0.9), "SPELLED_WEIGHT": (0.6, 0.8, 1.0, 1.2),
        "WINDOW_WEIGHT": (0.5, 0.7, 0.9, 1.1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--set", default="", help="NAME=VALUE,... weights to start from instead of the shipped")
    parser.add_argument("--folds", type=int, default=0)
    parser.add_argument("--misses", action="store_true", help="count where the shipped picker fails")
    args = parser.parse_args(argv)
    start = {name: float(getattr(sentence, name)) for name in GRID}
    start |= {name: float(value) for name, value in (item.split("=") for item in args.set.split(",") if item)}
    data = load_squad(args.data / "squad_v1.1" / "dev-v1.1.json")
    questions = data.in_split("choose")
    with squad_searcher(data, Settings(), prefix="qa-picker-") as (index, searcher):
        cases = []  # (article, a function picking the top passage's best sentence, the answers)
        for question in questions:
            hits = ranked_texts(searcher, question.question, 20)
            if not hits or not contains_answer(hits[0].text, question.answers):
                continue  # no sentence can hold an answer: counted as missed whatever the weights
            top = searcher.index.passages[hits[0].passage_id].tolist()
            cases.append((question.article, _picker(searcher, hits[0].passage_id, top, question.question),
                          question.answers))
        total = len(questions)
        if args.misses:
            _misses(searcher, questions)
            return 0

        def score(weights: dict[str, float], articles: set[int] | None = None) -> int:
            for name, value in weights.items():
                setattr(sentence, name, value)
            return sum(contains_answer(pick(), answers) for article, pick, answers in cases
                       if articles is None or article in articles)

        print(f"choose half: {total} questions, {len(cases)} with an answer in the top passage; "
              f"start {score(start) / total:.4f} ({', '.join(f'{k} {v:g}' for k, v in start.items())})")
        print("| weight | " + " | ".join(f"value {n}" for n in range(1, 5)) + " |\n|---|---|---|---|---|")
        for name, values in GRID.items():
            cells = [f"{value:g}: {score(start | {name: value}) / total:.4f}" for value in values]
            print(f"| {name} | " + " | ".join(cells) + " |", flush=True)
        if args.folds:
            articles = sorted({article for article, _, _ in cases})
            won = 0
            for fold in range(args.folds):
                held = set(articles[fold :: args.folds])
                rest = set(articles) - held
                chosen = _ascend(lambda weights: score(weights, rest), start)  # noqa: B023
                before, after = score(start, held), score(chosen, held)
                won += after - before
                print(f"fold {fold + 1}: chosen {chosen}; on its articles {before} -> {after} questions")
            print(f"cross-validated: {won:+d} questions ({won / total:+.4f})")
    return 0


def _picker(searcher: Searcher, passage_id: int, top: list[int], question: str) -> Callable[[], str]:
    """The best sentence of one passage, picked again with the module's weights of the moment."""
    index = searcher.index
    article, start = top[0], top[1]
    text = index.article_text(article)
    asked = sentence.read_question(index.analyzer, question).with_idf(index)
    tokens = index.matched_tokens(passage_id, start, asked.counts)
    sentences = index.passage_sentences(passage_id, start)
    title = subject_title(index.articles[article])

    def pick() -> str:
        best = sentence.best_sentence(index, text, sentences, asked, tokens, title)
        return best.text if best else ""
    return pick


def _misses(searcher: Searcher, questions: list[SquadQuestion]) -> None:
    """Print where the shipped picker fails (see the module docstring, `--misses`)."""
    index = searcher.index
    counts: Counter[str] = Counter()
    for question in questions:
        hits = ranked_texts(searcher, question.question, 20)
        if not hits or hits[0].best_sentence is None:
            continue
        article, start = index.passages[hits[0].passage_id, :2].tolist()
        text = index.article_text(article)
        sentences = index.passage_sentences(hits[0].passage_id, start)
        holding = [n for n, (a, z) in enumerate(sentences) if contains_answer(text[a:z], question.answers)]
        if not holding:
            counts["answer in the passage, across sentences" if contains_answer(hits[0].text, question.answers)
                   else "no answer in the top passage"] += 1
            continue
        best = hits[0].best_sentence
        picked = next(n for n, (a, z) in enumerate(sentences) if a <= best.start < z)
        if picked in holding:
            counts["best sentence holds an answer"] += 1
            continue
        counts["missed"] += 1
        right = min(holding, key=lambda n: (abs(n - picked), n))
        gap = right - picked
        counts["where: " + {-1: "the sentence before", 1: "the sentence after"}.get(
            gap, "two away" if abs(gap) == 2 else "further")] += 1
        asked = sentence.read_question(index.analyzer, question.question).with_idf(index)
        title = subject_title(index.articles[article])
        subject = index.subject_terms(title) if title else frozenset()
        idf = {term: value for term, value in asked.idf.items() if term not in subject} or asked.idf
        held = [sum(idf.get(term, 0.0) for term in set(index.analyzer.terms(text[a:z]))) for a, z in sentences]
        share = max(held[n] for n in holding)
        counts["its IDF: " + ("none of the question's" if share == 0 else "more than the pick's"
                              if share > held[picked] else "as much" if share == held[picked]
                              else "less than the pick's")] += 1
        if asked.kind:
            kind = [sentence.holds_kind(index, text, *sentences[n], asked.kind, asked.counts)
                    for n in (picked, *holding)]
            found = (kind[0], any(kind[1:]))
            counts["the asked kind (" + asked.kind + ") in: " + {
                (True, True): "both", (True, False): "the pick only", (False, True): "the answer's only",
                (False, False): "neither"}[found]] += 1
    for name, count in sorted(counts.items()):
        print(f"{name}: {count} ({count / len(questions):.4f})")


def _ascend(measure: Callable[[dict[str, float]], int], start: dict[str, float]) -> dict[str, float]:
    """Two rounds of coordinate ascent over `GRID` from `start`: each weight set to its best value in turn."""
    best, current = dict(start), measure(start)
    for _ in range(2):
        for name, values in GRID.items():
            for value in values:
                found = measure(best | {name: value})
                if found > current:
                    best, current = best | {name: value}, found
    return best


if __name__ == "__main__":
    raise SystemExit(main())
