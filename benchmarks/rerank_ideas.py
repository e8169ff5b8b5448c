"""Ranking ideas for issue 17 tried after the proximity stage, on the choose splits: prints hit@k tables.

    .venv/bin/python benchmarks/rerank_ideas.py                                  # every idea, every choose split
    .venv/bin/python benchmarks/rerank_ideas.py --datasets bbc --ideas shipped,q.articlecov:0.4 --ranks
    .venv/bin/python benchmarks/rerank_ideas.py --split report --ideas shipped,q.articlecov:0.4  # held out: once

Each idea re-scores the first `RERANK_DEPTH` (20) passages of the shipped ranking (BM25, then proximity) and sorts
them again; the passages below stay as they were. None of them is shipped (`benchmarks/README-quality.md`, "Ranking
ideas tried for BBC hit@3 (rank17)", has the figures and why). The ideas:

- `coord:W` (coordination): a passage's score times ``1 - W + W * c``, where ``c`` is the share of the question's
  IDF mass (its distinct searched terms, each once, IDF floored at 0) that the passage holds (title included, as
  BM25 indexes it). BM25 sums saturated term parts, so a passage that says the topic words many times can outscore
  one that holds every word of the question once; the factor is Lucene's old `coord`, weighted by IDF.
- `coordpow:P`: the score times ``c ** P``.
- `coordadd:W`: the score plus ``W * c * s1``, where ``s1`` is the first passage's score (a bonus on the score's
  own scale, never negative).
- `articlecov:W`: the coordination factor with ``c`` computed over the passage's whole article (the question's IDF
  share the article holds anywhere), so a passage is not penalised for a word its article's other part holds.
  Every passage of one article gets the same factor: it moves articles, never a passage within its article.
- `articleprf:N:W` (query-side feedback drawn from the top article, not the top passages): the ``N`` terms of the
  first passage's whole article with the highest ``tf * idf`` (question and title terms excluded) are each weighed
  in every re-scored passage as BM25 weighs a term, times ``W``.
- `articlesim:N:W`: the same ``N`` terms, but per article: each re-scored passage gains ``W * s1 * f``, where
  ``f`` is the share of those terms' IDF mass its whole article holds (``s1``: the first passage's score), so
  articles like the top one rise and no passage moves within its article.

Same data, same questions and same metric as `peers.py` (hit@k: one of the top k passages is from a right article
and holds the answer); qa runs in this process with its shipped settings and `qa.answer.search.rerank` patched, so
one index serves every idea; each question is asked as `qa ask --top-k 10` asks it (`Searcher.ask`, the
best-sentence stage included). `shipped` gives `peers.py`'s qa figures. An idea written `q.IDEA` applies only to
a question asked as one (`qa.answer.sentence_stage.weight_for`: a question mark or a question word), not to a
statement to check such as SciFact's claims. `--ranks` prints, for BBC, each question whose first right rank an
idea changes (against the first idea listed).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Callable, Iterator
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
from qa.answer.sentence_stage import weight_for  # noqa: E402
from qa.index import Index  # noqa: E402
from qa.ranking.bm25 import term_weight  # noqa: E402

KS = (1, 3, 5, 10)
ASKED = [""]  # the question being answered, for the ideas that only apply to questions asked as one
SHIPPED_RERANK = search.rerank
Rescore = Callable[[Index, list[int], np.ndarray, np.ndarray], np.ndarray]


def passage_terms(index: Index, doc: int) -> np.ndarray:
    """The term ids a passage is indexed with (its article's title terms first)."""
    lo, hi = index.sequence_ptr[doc : doc + 2].tolist()
    return np.asarray(index.sequences[lo:hi])


def article_passages(index: Index) -> dict[int, list[int]]:
    cached = getattr(index, "_rank17_articles", None)
    if cached is None:
        cached = {}
        for passage, article in enumerate(np.asarray(index.passages[:, 0]).tolist()):
            cached.setdefault(article, []).append(passage)
        index._rank17_articles = cached  # type: ignore[attr-defined]
    return cached


def coverage(index: Index, term_ids: list[int], docs: np.ndarray, whole_article: bool = False) -> np.ndarray:
    """Each passage's share of the question's IDF mass (distinct terms, each once)."""
    distinct = np.asarray(sorted(set(term_ids)), np.int64)
    idf = np.maximum(np.asarray(index.engine.idf)[distinct], 0.0)
    total = float(idf.sum())
    if total <= 0:
        return np.ones(docs.shape[0])
    shares = []
    for doc in docs.tolist():
        if whole_article:
            article = int(index.passages[doc, 0])
            held = np.concatenate([passage_terms(index, p) for p in article_passages(index)[article]])
        else:
            held = passage_terms(index, doc)
        shares.append(float(idf[np.isin(distinct, held)].sum()) / total)
    return np.asarray(shares)


def coord(weight: float) -> Rescore:
    def rescore(index: Index, term_ids: list[int], docs: np.ndarray, scores: np.ndarray) -> np.ndarray:
        return scores * (1 - weight + weight * coverage(index, term_ids, docs))
    return rescore


def coordpow(power: float) -> Rescore:
    def rescore(index: Index, term_ids: list[int], docs: np.ndarray, scores: np.ndarray) -> np.ndarray:
        return scores * coverage(index, term_ids, docs) ** power
    return rescore


def coordadd(weight: float) -> Rescore:
    def rescore(index: Index, term_ids: list[int], docs: np.ndarray, scores: np.ndarray) -> np.ndarray:
        return scores + weight * float(scores[0]) * coverage(index, term_ids, docs)
    return rescore


def articlecov(weight: float) -> Rescore:
    def rescore(index: Index, term_ids: list[int], docs: np.ndarray, scores: np.ndarray) -> np.ndarray:
        return scores * (1 - weight + weight * coverage(index, term_ids, docs, whole_article=True))
    return rescore


def articleprf(count: int, weight: float) -> Rescore:
    def rescore(index: Index, term_ids: list[int], docs: np.ndarray, scores: np.ndarray) -> np.ndarray:
        engine = index.engine
        article = int(index.passages[int(docs[0]), 0])
        tfs: Counter[int] = Counter()
        title = int(index.title_terms[article])
        for passage in article_passages(index)[article]:
            tfs.update(passage_terms(index, passage)[title:].tolist())
        asked = set(term_ids)
        idf = np.asarray(engine.idf)
        ranked = sorted((term for term in tfs if term not in asked), key=lambda t: -tfs[t] * max(idf[t], 0.0))
        chosen = ranked[:count]
        if not chosen:
            return scores
        norms = engine.length_norms(docs)
        extra = np.zeros(docs.shape[0])
        for position, doc in enumerate(docs.tolist()):
            held = Counter(passage_terms(index, doc).tolist())
            extra[position] = sum(float(term_weight(float(held[t]), float(idf[t]), float(norms[position]),
                                                    engine.params.k1)) for t in chosen if held[t])
        return scores + weight * extra
    return rescore


def feedback_terms(index: Index, term_ids: list[int], doc: int, count: int) -> list[int]:
    """The `count` terms of `doc`'s whole article with the highest tf * idf, question and title terms excluded."""
    idf = np.asarray(index.engine.idf)
    article = int(index.passages[doc, 0])
    tfs: Counter[int] = Counter()
    title = int(index.title_terms[article])
    for passage in article_passages(index)[article]:
        tfs.update(passage_terms(index, passage)[title:].tolist())
    asked = set(term_ids)
    return sorted((term for term in tfs if term not in asked), key=lambda t: -tfs[t] * max(idf[t], 0.0))[:count]


def articlesim(count: int, weight: float) -> Rescore:
    def rescore(index: Index, term_ids: list[int], docs: np.ndarray, scores: np.ndarray) -> np.ndarray:
        chosen = feedback_terms(index, term_ids, int(docs[0]), count)
        if not chosen:
            return scores
        return scores + weight * float(scores[0]) * coverage(index, chosen, docs, whole_article=True)
    return rescore


def make_idea(spec: str) -> Rescore | None:
    if spec.startswith("q."):  # only for a question asked as one, as the best-sentence stage
        inner = make_idea(spec[2:])

        def gated(index: Index, term_ids: list[int], docs: np.ndarray, scores: np.ndarray) -> np.ndarray:
            return inner(index, term_ids, docs, scores) if inner and weight_for(ASKED[0], 1.0) else scores
        return gated
    name, *values = spec.split(":")
    numbers = [float(value) for value in values]
    if name == "shipped":
        return None
    if name == "articleprf":
        return articleprf(int(numbers[0]), numbers[1])
    if name == "articlesim":
        return articlesim(int(numbers[0]), numbers[1])
    return {"coord": coord, "coordpow": coordpow, "coordadd": coordadd, "articlecov": articlecov}[name](numbers[0])


def with_idea(idea: Rescore | None) -> Any:
    def rerank(index: Index, term_ids: list[int], docs: np.ndarray, scores: np.ndarray, proximity_weight: float,
               window: int) -> tuple[np.ndarray, np.ndarray]:
        docs, scores = SHIPPED_RERANK(index, term_ids, docs, scores, proximity_weight, window)
        head = min(RERANK_DEPTH, docs.shape[0])
        if idea is None or head < 2:
            return docs, scores
        rescored = idea(index, term_ids, docs[:head], scores[:head])
        order = np.argsort(-rescored, kind="stable")
        return (np.concatenate([docs[:head][order], docs[head:]]),
                np.concatenate([rescored[order], scores[head:]]))
    return rerank


@contextmanager
def idea_patched(idea: Rescore | None) -> Iterator[None]:
    with mock.patch.object(search, "rerank", with_idea(idea)):
        yield


def first_ranks(index: Index, searcher: search.Searcher, dataset: Dataset, split: str) -> list[int]:
    """The rank of each question's first right passage (0: none in the top 10), as peers.py counts them."""
    ranks = []
    for question in dataset.splits[split]:
        first = 0
        ASKED[0] = question.text
        for rank, passage in enumerate(searcher.ask(question.text, max(KS)).passages, start=1):
            if passage.citation.source in question.articles and (
                    not question.answers or contains_answer(passage.text, question.answers)):
                first = rank
                break
        ranks.append(first)
    return ranks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default="bbc,squad,scifact", help="comma-separated [bbc,squad,scifact]")
    parser.add_argument("--split", choices=SPLITS, default="choose", help="choose (tune on it) or report [choose]")
    parser.add_argument("--ideas", default="shipped,coord:0.1,coord:0.3,coordpow:1,coordadd:0.1,articlecov:0.3,"
                        "q.articlecov:0.4,articleprf:10:0.1", help="comma-separated (see above)")
    parser.add_argument("--ranks", action="store_true", help="print each BBC question whose rank an idea changes")
    parser.add_argument("--data", type=Path, default=HERE.parent.parent / "shared" / "data")
    args = parser.parse_args(argv)
    ideas = args.ideas.split(",")
    print("| data set | split | questions | idea | hit@1 | hit@3 | hit@5 | hit@10 | MRR@10 |")
    print("|---|---|---:|---|---:|---:|---:|---:|---:|")
    for name in args.datasets.split(","):
        dataset = LOADERS[name](args.data)
        questions = dataset.splits[args.split]
        with indexed(dataset, prefix="qa-rerank-ideas-") as (index, searcher):
            base: list[int] | None = None
            for spec in ideas:
                with idea_patched(make_idea(spec)):
                    ranks = first_ranks(index, searcher, dataset, args.split)
                hits = [sum(0 < rank <= k for rank in ranks) / max(len(ranks), 1) for k in KS]
                mrr = sum(1 / rank for rank in ranks if rank) / max(len(ranks), 1)
                print(f"| {name} | {args.split} | {len(ranks)} | {spec} | "
                      + " | ".join(f"{value:.3f}" for value in hits) + f" | {mrr:.3f} |", flush=True)
                if base is None:
                    base = ranks
                elif args.ranks and name == "bbc":
                    for question, old, new in zip(questions, base, ranks, strict=True):
                        if old != new:
                            print(f"    {question.id}: {old} -> {new}", flush=True)
            del searcher, index
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
