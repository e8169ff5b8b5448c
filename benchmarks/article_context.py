"""Article context in the ranking (issue 17), as a prototype: does a passage's article help it? Prints hit@k tables.

    .venv/bin/python benchmarks/article_context.py                               # BBC and SQuAD, choose split
    .venv/bin/python benchmarks/article_context.py --datasets bbc --weights 0,0.15
    .venv/bin/python benchmarks/article_context.py --mode capped --weights 0,0.2,0.5
    .venv/bin/python benchmarks/article_context.py --split report --weights 0,0.15   # held out: once, at the end

The prototypes (not shipped): after the proximity stage, each of the first `RERANK_DEPTH` passages gets a bonus
from the best score of another passage of its article among those first `RERANK_DEPTH`, then they are sorted
again:

- `--mode max`: `weight` times that score, for every passage (an article with several good passages rises);
- `--mode capped`: only a passage below its article's best gets it, and never past that best, so the first
  result never changes: a lift for the other passages of an article that already scores well.

Either bonus is never negative and is stated in scores a reader can check (the explanation would name the other
passage and its score), so `explain` could still add up. In the peers benchmark's BBC misses, the passage holding
the answer sat at rank 7 to 15 behind another passage of its article.

Same data, same questions and same metric as `peers.py` (hit@k: one of the top k passages is from a right article
and holds the answer), but qa runs in this process (`Searcher.rank`, shipped settings) with `qa.answer.search.
rerank` patched for the run, so one index serves every weight. Weight 0 is the shipped ranking, and gives the same
figures as `peers.py`'s qa row.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from peers_data import LOADERS, SPLITS, Dataset, contains_answer, indexed  # noqa: E402

import qa.answer.search as search  # noqa: E402
from qa.answer.proximity import RERANK_DEPTH  # noqa: E402
from qa.index import Index  # noqa: E402

KS = (1, 3, 5, 10)
SHIPPED_RERANK = search.rerank


def with_article_context(weight: float, mode: str) -> Any:
    """`rerank` followed by the article bonus of `mode` (see the module docstring)."""

    def rerank(index: Index, term_ids: list[int], docs: np.ndarray, scores: np.ndarray, proximity_weight: float,
               window: int) -> tuple[np.ndarray, np.ndarray]:
        docs, scores = SHIPPED_RERANK(index, term_ids, docs, scores, proximity_weight, window)
        head = min(RERANK_DEPTH, docs.shape[0])
        if weight <= 0 or head < 2:
            return docs, scores
        articles = np.asarray(index.passages[docs[:head], 0]).tolist()
        by_article: dict[int, list[float]] = {}
        for article, score in zip(articles, scores[:head].tolist(), strict=True):
            by_article.setdefault(article, []).append(score)
        boosted = scores[:head].copy()
        for position, article in enumerate(articles):
            others = list(by_article[article])
            others.remove(float(scores[position]))
            best = max(others, default=0.0)
            if mode == "max":
                boosted[position] += weight * best
            elif best > scores[position]:
                boosted[position] = min(scores[position] + weight * best, best)
        order = np.argsort(-boosted, kind="stable")
        return (np.concatenate([docs[:head][order], docs[head:]]),
                np.concatenate([boosted[order], scores[head:]]))

    return rerank


@contextmanager
def article_context(weight: float, mode: str) -> Iterator[None]:
    with mock.patch.object(search, "rerank", with_article_context(weight, mode)):
        yield


def hits_at_k(index: Index, searcher: search.Searcher, dataset: Dataset, split: str) -> list[float]:
    """hit@k for each of `KS` over the split's questions, as peers.py counts them."""
    ranks = []
    for question in dataset.splits[split]:
        first = 0
        for ranked in searcher.rank(question.text, max(KS)).passages:
            article, start, end, _ = index.passage(ranked.passage_id)
            info = index.articles[article]
            if info.source in question.articles and (
                    not question.answers or contains_answer(index.article_text(article)[start:end], question.answers)):
                first = ranked.rank
                break
        ranks.append(first)
    return [sum(0 < rank <= k for rank in ranks) / max(len(ranks), 1) for k in KS]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default="bbc,squad", help="comma-separated: squad,scifact,bbc [bbc,squad]")
    parser.add_argument("--split", choices=SPLITS, default="choose", help="choose (tune on it) or report [choose]")
    parser.add_argument("--mode", choices=("max", "capped"), default="max", help="which bonus [max]")
    parser.add_argument("--weights", default="0,0.05,0.1,0.15,0.2,0.3", help="article weights, comma-separated")
    parser.add_argument("--data", type=Path, default=HERE.parent.parent / "shared" / "data")
    args = parser.parse_args(argv)
    weights = [float(w) for w in args.weights.split(",")]
    print("| data set | split | questions | mode | article weight | hit@1 | hit@3 | hit@5 | hit@10 |")
    print("|---|---|---:|---|---:|---:|---:|---:|---:|")
    for name in args.datasets.split(","):
        dataset = LOADERS[name](args.data)
        with indexed(dataset, prefix="qa-article-context-") as (index, searcher):
            for weight in weights:
                with article_context(weight, args.mode):
                    found = hits_at_k(index, searcher, dataset, args.split)
                print(f"| {name} | {args.split} | {len(dataset.splits[args.split])} | {args.mode} | {weight:g} | "
                      + " | ".join(f"{value:.3f}" for value in found) + " |", flush=True)
            del searcher, index
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
