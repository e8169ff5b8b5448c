"""The sparse engine scores exactly as rank-bm25's BM25Okapi, on the same tokens (where BM25Okapi gives every word
that occurs a positive weight: `test_idf_departs_from_rank_bm25_only_where_it_weighs_a_word_nothing`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from qa.errors import IndexFormatError
from qa.ranking import kernels
from qa.ranking.bm25 import BM25Params, okapi_idf
from qa.ranking.engine import SparseBM25

PARAMS = [BM25Params(), BM25Params(k1=0.9, b=0.4, epsilon=0.0), BM25Params(k1=2.0, b=0.9, epsilon=0.5)]


def _corpus(seed: int, n_docs: int = 400, vocab: int = 300) -> list[list[int]]:
    rng = np.random.default_rng(seed)
    docs = [list(rng.zipf(1.3, size=rng.integers(1, 60)) % vocab) for _ in range(n_docs)]
    return docs


def _queries(seed: int, vocab: int = 300) -> list[list[int]]:
    rng = np.random.default_rng(seed + 1)
    queries = [list(rng.integers(0, vocab, size=rng.integers(1, 8))) for _ in range(30)]
    return queries + [[0], [1, 1, 2], [0, 1, 2, 3], [vocab - 1, vocab + 5]]


def _as_words(tokens: list[int]) -> list[str]:
    return [f"t{t}" for t in tokens]


@pytest.mark.parametrize("params", PARAMS, ids=lambda p: f"k1={p.k1},b={p.b},eps={p.epsilon}")
@pytest.mark.parametrize("seed", [0, 1])
def test_scores_equal_rank_bm25(params: BM25Params, seed: int) -> None:
    docs = _corpus(seed)
    engine = SparseBM25.build(docs, n_terms=300, params=params)
    reference = BM25Okapi([_as_words(d) for d in docs], k1=params.k1, b=params.b, epsilon=params.epsilon)
    for query in _queries(seed):
        expected = reference.get_scores(_as_words(query))
        ours = engine.scores(query)
        assert np.max(np.abs(ours - expected)) < 1e-6
        top_ids, top_scores = engine.top_k(query, 10)
        np.testing.assert_allclose(top_scores, ours[top_ids], atol=1e-9)
        # identical top-10 order, ties aside: the scores at each rank are the reference's
        matching = [d for d in range(len(docs)) if set(docs[d]) & set(query)]
        ranked = sorted(matching, key=lambda d: (-expected[d], d))[:10]
        np.testing.assert_allclose(top_scores, expected[ranked], atol=1e-6)
        assert top_ids.tolist() == ranked  # ties are broken by passage order, as in `ranked`


def test_epsilon_floor_applies_to_terms_in_most_passages() -> None:
    docs = [[0, 1], [0, 2], [0, 3], [4]]
    engine = SparseBM25.build(docs, n_terms=5, params=BM25Params(epsilon=0.25))
    idf = np.log(4 - np.array([3, 1, 1, 1, 1]) + 0.5) - np.log(np.array([3, 1, 1, 1, 1]) + 0.5)
    assert engine.idf[0] == pytest.approx(0.25 * idf.mean())
    assert SparseBM25.build(docs, 5, BM25Params(epsilon=0.0)).idf[0] == 0.0


def test_only_passages_with_a_question_term_are_returned() -> None:
    engine = SparseBM25.build([[0], [1], [0, 1], [2]], n_terms=3, params=BM25Params())
    ids, scores = engine.top_k([0], k=10)
    assert sorted(ids.tolist()) == [0, 2]
    assert engine.top_k([], k=10)[0].size == 0
    assert engine.top_k([99], k=10)[0].size == 0  # an id outside the vocabulary matches nothing


def test_top_k_beyond_corpus_size_returns_all_matches_in_order() -> None:
    docs = _corpus(3, n_docs=50)
    engine = SparseBM25.build(docs, 300, BM25Params())
    ids, scores = engine.top_k([1, 2, 3], k=100)
    assert list(scores) == sorted(scores, reverse=True)
    assert len(ids) == len({d for d in range(50) if set(docs[d]) & {1, 2, 3}})


def test_save_and_memory_mapped_load_give_the_same_scores(tmp_path: Path) -> None:
    docs = _corpus(4)
    engine = SparseBM25.build(docs, 300, BM25Params(k1=1.5))
    engine.save(tmp_path / "engine")
    loaded = SparseBM25.load(tmp_path / "engine")
    assert isinstance(loaded.doc_ids.base, np.memmap)  # a plain view of the memory map, not a copy
    assert loaded.params == engine.params
    for query in _queries(4):
        np.testing.assert_array_equal(loaded.scores(query), engine.scores(query))
        np.testing.assert_array_equal(loaded.top_k(query, 5)[0], engine.top_k(query, 5)[0])


def test_truncated_engine_is_detected(tmp_path: Path) -> None:
    SparseBM25.build(_corpus(5), 300, BM25Params()).save(tmp_path / "engine")
    doc_ids = tmp_path / "engine" / "doc_ids.npy"
    doc_ids.write_bytes(doc_ids.read_bytes()[:-80])
    with pytest.raises(IndexFormatError):
        SparseBM25.load(tmp_path / "engine")


@pytest.mark.parametrize("k", [1, 3, 10, 50])
def test_pruned_top_k_equals_a_full_ranking(k: int) -> None:
    """MaxScore skips postings; it must never change the top k (checked against sorting every score)."""
    rng = np.random.default_rng(k)
    vocab = 2000
    docs = [list(rng.zipf(1.2, size=rng.integers(5, 80)) % vocab) for _ in range(3000)]
    engine = SparseBM25.build(docs, n_terms=vocab, params=BM25Params())
    assert engine._prunable
    frequent = np.argsort(-np.diff(engine.indptr))[:20]  # mix the most frequent terms into the questions
    for _ in range(150):
        query = list(rng.zipf(1.3, size=rng.integers(1, 9)) % vocab) + list(rng.choice(frequent, rng.integers(0, 3)))
        full = engine.scores(query)
        matching = np.unique(np.concatenate(
            [engine.doc_ids[engine.indptr[t] : engine.indptr[t + 1]] for t in set(query)]))
        ranked = sorted(matching.tolist(), key=lambda d: (-full[d], d))[:k]
        ids, scores = engine.top_k(query, k)
        np.testing.assert_allclose(scores, full[ranked], atol=1e-9)
        assert ids.tolist() == ranked


@pytest.mark.parametrize("seed", [0, 1])
def test_top_k_over_many_windows_equals_a_full_ranking(seed: int) -> None:
    """Enough passages for many of `top_k`'s windows, skewed term frequencies, duplicated passages (exact ties),
    repeated question terms, filters and `prune=False`: always the full ranking (ties by passage id)."""
    rng = np.random.default_rng(seed)
    vocab = 400
    docs = [list(rng.zipf(1.4, size=rng.integers(1, 12)) % vocab) for _ in range(30_000)]
    for d in range(0, len(docs), 3):
        if rng.random() < 0.6:
            docs[d].append(0)  # term 0 in ~20% of passages: a long list, searched or merged per window
    for d in rng.integers(0, len(docs), 3000):
        docs[int(rng.integers(0, len(docs)))] = list(docs[d])  # copies: equal scores at different ids
    engine = SparseBM25.build(docs, n_terms=vocab, params=BM25Params())
    assert engine._prunable
    none = np.empty(0, np.uint8)
    for _ in range(25):
        query = list(rng.integers(1, vocab, size=rng.integers(1, 6))) + [0] * int(rng.integers(0, 3))
        query += list(rng.choice(query, rng.integers(0, 3)))  # repeats count again
        q_terms, q_counts = engine._query(query)
        full = engine.scores(query)
        matching = np.unique(np.concatenate([engine.doc_ids[engine.indptr[t]:engine.indptr[t + 1]] for t in q_terms]))
        allowed = (rng.random(len(docs)) < 0.3).astype(np.uint8)
        for k in (1, 7, 20, 100):
            ranked = matching[np.lexsort((matching, -full[matching]))][:k]
            assert engine.top_k(query, k)[0].tolist() == ranked.tolist()
            in_filter = matching[allowed[matching] == 1]
            ranked_in_filter = in_filter[np.lexsort((in_filter, -full[in_filter]))][:k]
            assert engine.top_k(query, k, allowed=allowed)[0].tolist() == ranked_in_filter.tolist()
            unpruned, _ = kernels.top_k(*engine.postings, engine.max_weight, q_terms, q_counts, k, False, none)
            assert sorted(unpruned.tolist()) == sorted(ranked.tolist())


def test_top_k_when_every_passage_of_a_window_matches() -> None:
    docs = [[0, 1 + d % 7] + [8] * (d % 5) for d in range(20_000)]  # term 0 everywhere: full windows
    engine = SparseBM25.build(docs, n_terms=9, params=BM25Params())
    for query in ([0], [0, 3], [8, 0, 0], [8, 3, 5]):
        full = engine.scores(query)
        matching = np.nonzero([set(d) & set(query) for d in docs])[0]
        for k in (1, 20, 100):
            assert engine.top_k(query, k)[0].tolist() == matching[np.lexsort((matching, -full[matching]))][:k].tolist()


def test_updated_engine_scores_equal_a_full_rebuild() -> None:
    rng = np.random.default_rng(7)
    docs = _corpus(8, n_docs=300)
    engine = SparseBM25.build(docs, n_terms=300, params=BM25Params())
    for _ in range(5):
        keep = rng.random(len(docs)) > 0.2
        new = [list(rng.integers(0, 320, size=rng.integers(1, 40))) for _ in range(rng.integers(0, 30))]
        flat = np.asarray([t for d in new for t in d], np.int32)
        engine = engine.updated(keep, flat, np.asarray([len(d) for d in new], np.int64), n_terms=320)
        docs = [d for d, k in zip(docs, keep, strict=False) if k] + new
        rebuilt = SparseBM25.build(docs, n_terms=320, params=BM25Params())
        for query in _queries(9, vocab=320):
            np.testing.assert_allclose(engine.scores(query), rebuilt.scores(query), rtol=0, atol=1e-12)
            assert engine.top_k(query, 10)[0].tolist() == rebuilt.top_k(query, 10)[0].tolist()
        reference = BM25Okapi([_as_words(d) for d in docs], k1=1.2, b=0.75, epsilon=0.25)
        for query in _queries(10, vocab=320)[:10]:
            assert np.max(np.abs(engine.scores(query) - reference.get_scores(_as_words(query)))) < 1e-6


def test_add_text_gives_the_same_terms_as_the_analyzer() -> None:
    from qa.ranking.analysis import Analyzer
    from qa.ranking.engine import EngineBuilder

    texts = ["The Shusha Declaration was signed on June 15.", "", "What is it?", "B2B formats: $15 billion in 2023",
             "Signed, sealed; the declarations were SIGNED.", "Baku-Tbilisi-Ceyhan and Azerbaijan’s trade"]
    by_terms, by_text = EngineBuilder(), EngineBuilder()
    for text in texts:
        by_terms.add(Analyzer().terms("Title words") + Analyzer().terms(text))
        by_text.add_text(text, Analyzer(), prefix=by_text.ids_of("Title words", Analyzer()))
    assert by_text.vocab == by_terms.vocab
    for a, b in zip(by_text.arrays(), by_terms.arrays(), strict=False):
        np.testing.assert_array_equal(a, b)


def test_postings_built_by_two_threads_equal_one_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    """A big corpus's postings are counted and filled by two threads, a half of the passages each: the same arrays,
    repeated terms (tf above 1) and terms of one half only included."""
    from qa.ranking import engine as engine_module

    rng = np.random.default_rng(23)
    lengths = rng.integers(0, 40, 3001)
    tokens = np.minimum(rng.zipf(1.3, int(lengths.sum())) - 1, 499).astype(np.int32)
    tokens[: int(lengths[:1500].sum())] %= 450  # terms 450-499 only in the second half
    one = SparseBM25.from_flat(tokens, lengths, 500, BM25Params())
    monkeypatch.setattr(engine_module, "PARALLEL_TOKENS", 1)
    two = SparseBM25.from_flat(tokens, lengths, 500, BM25Params())
    for name in ("indptr", "doc_ids", "tfs", "doc_len", "idf", "max_weight"):
        assert np.array_equal(getattr(one, name), getattr(two, name)), name
        assert getattr(one, name).dtype == getattr(two, name).dtype
    assert int(one.tfs.max()) > 1 and one.n_terms == 500


def test_idf_departs_from_rank_bm25_only_where_it_weighs_a_word_nothing() -> None:
    """rank-bm25's IDF where it is positive; its floor for a word in exactly half of the passages (ln 1 = 0, which
    rank-bm25 keeps); epsilon x Lucene's IDF where the floor is not positive (one or two passages), so that every
    word that occurs weighs something and the rarer more."""
    words = [["harbour", "crane", "lift"], ["harbour", "crane", "rest"], ["farmer", "grain"], ["baker", "bread"],
             ["farmer", "bread", "dawn"], ["grain", "sell"]]
    vocabulary = sorted({w for doc in words for w in doc})
    doc_freq = np.array([sum(w in doc for doc in words) for w in vocabulary])
    reference = BM25Okapi(words, epsilon=0.25)
    ours = dict(zip(vocabulary, okapi_idf(doc_freq, len(words), 0.25).tolist(), strict=True))
    assert reference.idf["harbour"] > 0 and ours["harbour"] == pytest.approx(reference.idf["harbour"])
    assert ours["lift"] == pytest.approx(reference.idf["lift"])
    half = BM25Okapi([d for d in words[:4]], epsilon=0.25)  # 4 passages: harbour and crane in 2 of them
    assert half.idf["harbour"] == 0.0
    floor = 0.25 * half.average_idf
    four = dict(zip(vocabulary, okapi_idf(np.array([sum(w in d for d in words[:4]) for w in vocabulary]), 4,
                                          0.25).tolist(), strict=True))
    assert floor > 0 and four["harbour"] == pytest.approx(floor) and four["lift"] == pytest.approx(half.idf["lift"])
    for n_docs, df, expected in ((1, 1, np.log1p(0.5 / 1.5)), (2, 1, np.log(2.0)), (2, 2, np.log1p(0.5 / 2.5))):
        assert okapi_idf(np.array([df, 1]), n_docs, 0.25)[0] == pytest.approx(0.25 * expected)
    assert okapi_idf(np.array([1]), 2, 0.25)[0] > okapi_idf(np.array([2]), 2, 0.25)[0] > 0
    assert okapi_idf(np.array([1, 2]), 2, 0.0).tolist() == [0.0, 0.0]  # epsilon 0: no floor, as rank-bm25's
