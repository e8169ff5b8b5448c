"""The NumPy loops (qa.ranking.plain) that answer a one-question process give what the compiled kernels give:
the same passages, the same scores to the last bit, the same near counts, the same whole answers."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import orjson
import pytest

from qa.answer.search import Searcher
from qa.index import Index
from qa.ranking import kernels, loops, plain
from qa.ranking.bm25 import BM25Params
from qa.ranking.engine import SparseBM25


def _engine(seed: int, n_docs: int, vocab: int, params: BM25Params) -> SparseBM25:
    rng = np.random.default_rng(seed)
    docs = [list(rng.zipf(1.3, size=rng.integers(1, 60)) % vocab) for _ in range(n_docs)]
    return SparseBM25.build(docs, n_terms=vocab, params=params)


@pytest.mark.parametrize("params", [BM25Params(), BM25Params(k1=2.0, b=0.9, epsilon=0.5)],
                         ids=["default", "k1=2,b=0.9,eps=0.5"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_top_k_equals_the_kernels(seed: int, params: BM25Params) -> None:
    vocab = 300
    engine = _engine(seed, 3000, vocab, params)
    rng = np.random.default_rng(seed + 10)
    none = np.empty(0, np.uint8)
    for _ in range(40):
        query = list(rng.integers(0, vocab, size=rng.integers(1, 8))) + [0] * int(rng.integers(0, 2))
        query += list(rng.choice(query, rng.integers(0, 3)))  # repeats count again
        q_terms, q_counts = engine._query(query)
        allowed = (rng.random(engine.n_docs) < 0.3).astype(np.uint8)
        for k in (1, 3, 10, 100, 5000):
            for flags in (none, allowed):
                docs, _ = kernels.top_k(*engine.postings, engine.max_weight, q_terms, q_counts, k,
                                        engine._prunable, flags)
                ranked, scores = kernels.rescore(*engine.postings, q_terms, q_counts, docs)
                ours = plain.top_k(engine.postings, engine.n_docs, q_terms, q_counts, k, flags)
                assert ours[0].tolist() == ranked.tolist()
                assert ours[1].tolist() == scores.tolist()  # equal floats, not close ones


def test_near_counts_equal_the_kernels() -> None:
    rng = np.random.default_rng(7)
    lengths = rng.integers(0, 80, size=60)
    sequences = rng.integers(0, 12, size=int(lengths.sum())).astype(np.int32)
    ptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    docs = rng.permutation(60).astype(np.int64)
    title_lens = rng.integers(0, 6, size=60).astype(np.int64)
    for q_terms in ([3, 7, 1, 8], [5, 2], [0, 11, 4]):
        terms = np.asarray(q_terms, np.int64)
        pairs = list(combinations(range(len(q_terms)), 2))
        first = np.asarray([a for a, _ in pairs], np.int64)
        second = np.asarray([b for _, b in pairs], np.int64)
        for window in (1, 4, 10):
            expected = kernels.near_counts(sequences, ptr, docs, title_lens, terms, first, second, window)
            ours = plain.near_counts(sequences, ptr, docs, title_lens, terms, first, second, window)
            assert ours.tolist() == expected.tolist()


QUESTIONS = ["When did Azerbaijan and Turkey sign the Shusha Declaration?", "trade turnover 2020",
             "Who did the SMB agency chairman meet?", "digital transformation working group", "zzzz qqqq"]


@pytest.mark.parametrize("explain", [False, True])
def test_whole_answers_equal_with_numpy_only(seed_index: Index, monkeypatch: pytest.MonkeyPatch,
                                             explain: bool) -> None:
    def answers() -> list[dict[str, object]]:
        searcher = Searcher(seed_index)
        bodies = [orjson.loads(orjson.dumps(searcher.ask(q, 5, explain_scores=explain))) for q in QUESTIONS]
        return [{key: value for key, value in body.items() if key != "took_ms"} for body in bodies]

    compiled = answers()
    monkeypatch.setattr(loops, "_numpy_only", True)
    assert loops.compiled() is None
    assert answers() == compiled
    assert sum(len(body["passages"]) for body in compiled) > 10  # type: ignore[arg-type]
