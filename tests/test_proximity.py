"""The proximity stage (qa/proximity.py): question terms found near each other lift a passage over BM25's order."""

from __future__ import annotations

import random
from itertools import combinations
from pathlib import Path

import numpy as np
import pytest

from qa.answer.proximity import RERANK_DEPTH, bonuses, rerank
from qa.answer.search import Searcher
from qa.index import Index, open_index
from qa.ranking import kernels

from .conftest import settings_for


@pytest.fixture
def near_and_far(tmp_path: Path) -> Index:
    """Two articles with the same words (same BM25 score), one saying "vitamin K deficiency", the other not."""
    docs = tmp_path / "docs"
    docs.mkdir()
    filler = " ".join(f"filler{i}" for i in range(30))
    (docs / "a_far.txt").write_text(f"Notes\n\nVitamin supplements are common. {filler}. Deficiency of K is rare.\n")
    (docs / "b_near.txt").write_text(f"Notes\n\nVitamin K deficiency is common. {filler}. Supplements are rare.\n")
    for n in range(6):
        (docs / f"other{n}.txt").write_text(f"Other {n}\n\nNothing about it here, only {filler}.\n")
    return open_index(settings_for(docs, tmp_path / "index", chunk_words=500))


def test_terms_near_each_other_rank_first(near_and_far: Index) -> None:
    plain = Searcher(near_and_far, proximity_weight=0).ask("vitamin K deficiency", top_k=2)
    # a tie in BM25: the earlier passage first
    assert [h.citation.document_id for h in plain.passages] == ["a_far", "b_near"]
    assert plain.passages[0].score == plain.passages[1].score
    ranked = Searcher(near_and_far).ask("vitamin K deficiency", top_k=2, explain_scores=True)
    assert [h.citation.document_id for h in ranked.passages] == ["b_near", "a_far"]
    near = ranked.passages[0]
    assert near.score > plain.passages[0].score
    assert {tuple(p.terms): p.near for p in near.proximity or []} == {("vitamin", "k"): 1, ("vitamin", "defici"): 1,
                                                                ("k", "defici"): 1}


def test_a_one_term_question_is_plain_bm25(near_and_far: Index) -> None:
    plain = Searcher(near_and_far, proximity_weight=0).ask("deficiency", top_k=2)
    ranked = Searcher(near_and_far).ask("deficiency deficiency", top_k=2, explain_scores=True)
    assert [(h.citation.document_id, h.score) for h in ranked.passages] == \
        [(h.citation.document_id, h.score) for h in plain.passages]
    assert all(h.proximity == [] for h in ranked.passages)


def _near_reference(sequence: list[int], first: int, second: int, window: int, title_len: int) -> int:
    place = [i if i < title_len else i + window + 1 for i in range(len(sequence))]  # the title stands apart
    where_second = [place[i] for i, t in enumerate(sequence) if t == second]
    return sum(1 for i, t in enumerate(sequence)
               if t == first and any(abs(place[i] - j) <= window for j in where_second))


def test_near_counts_match_a_plain_reference() -> None:
    rng = random.Random(5)
    lengths = [rng.randint(0, 60) for _ in range(40)]
    sequences = np.asarray([rng.randint(0, 9) for _ in range(sum(lengths))], np.int32)
    ptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    q_terms = np.asarray([3, 7, 1, 8], np.int64)
    pairs = list(combinations(range(4), 2))
    first = np.asarray([a for a, _ in pairs], np.int64)
    second = np.asarray([b for _, b in pairs], np.int64)
    docs = np.arange(40, dtype=np.int64)[::-1]
    title_lens = np.asarray([rng.randint(0, 5) for _ in docs], np.int64)
    for window in (1, 3, 10):
        near = kernels.near_counts(sequences, ptr, docs, title_lens, q_terms, first, second, window)
        for n, d in enumerate(docs):
            sequence = sequences[ptr[d] : ptr[d + 1]].tolist()
            assert near[n].tolist() == [
                _near_reference(sequence, int(q_terms[a]), int(q_terms[b]), window, int(title_lens[n]))
                for a, b in pairs]


def test_the_title_is_not_near_every_passage(tmp_path: Path) -> None:
    """The title is indexed before each passage; its words must not count as near each passage's first words."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "notes.txt").write_text("Vitamin notes\n\n" + "\n\n".join(
        f"Paragraph {n} says something about sunlight and bones at length." for n in range(8))
        + "\n\nDeficiency of K is rare in adults.\n")
    index = open_index(settings_for(docs, tmp_path / "index", chunk_words=12))
    hits = Searcher(index).ask("vitamin K deficiency", top_k=1, explain_scores=True).passages
    assert hits[0].text.startswith("Deficiency of K")
    assert [pair.terms for pair in hits[0].proximity or []] == [["k", "defici"]]


def test_only_the_head_moves_and_scores_stay_ordered(seed_index: Index) -> None:
    engine = seed_index.engine
    term_ids = seed_index.term_ids(seed_index.analyzer.terms("trade turnover between Azerbaijan and Turkey 2020"))
    docs, scores = engine.top_k(term_ids, RERANK_DEPTH + 10)
    ranked, new_scores = rerank(seed_index, term_ids, docs, scores, 0.2, 10)
    head = min(RERANK_DEPTH, len(docs))
    assert sorted(ranked[:head].tolist()) == sorted(docs[:head].tolist())
    assert ranked[head:].tolist() == docs[head:].tolist()
    assert all(new_scores[i] >= new_scores[i + 1] for i in range(len(new_scores) - 1))
    extra = dict(zip(docs[:head].tolist(), bonuses(seed_index, term_ids, docs[:head], 0.2, 10).tolist(), strict=False))
    base = dict(zip(docs.tolist(), scores.tolist(), strict=False))
    assert all(score == pytest.approx(base[d] + extra.get(d, 0.0))
               for d, score in zip(ranked.tolist(), new_scores, strict=True))


def test_asking_for_fewer_passages_gives_the_first_of_more(seed_index: Index) -> None:
    searcher = Searcher(seed_index)
    for question in ("trade turnover 2020", "Shusha Declaration defence cooperation", "small business agency"):
        many = [(h.citation.document_id, h.citation.passage) for h in searcher.ask(question, top_k=10).passages]
        for k in (1, 3, 5):
            fewer = searcher.ask(question, top_k=k).passages
            assert [(h.citation.document_id, h.citation.passage) for h in fewer] == many[:k]


def test_equal_passages_keep_their_order_whatever_is_asked(tmp_path: Path) -> None:
    """Identical passages score identically (weights summed in one order), so ties fall to passage order for a
    top 3 as for a top 100 (the pruned top-k used to sum in a k-dependent order)."""
    rng = random.Random(3)
    words = "harbour crane steel port ship cargo tide pilot dock rope anchor storm fish market trade grain".split()
    docs = tmp_path / "docs"
    docs.mkdir()
    texts = [" ".join(rng.choice(words) for _ in range(30)) + "." for _ in range(40)]
    for n in range(120):
        (docs / f"a{n:03d}.txt").write_text(f"Title {n}\n\n{texts[n % 40]}\n")  # each text three times
    searcher = Searcher(open_index(settings_for(docs, tmp_path / "index")))
    for _ in range(30):
        question = " ".join(rng.sample(words, 4))
        many = [(h.citation.document_id, h.score) for h in searcher.ask(question, top_k=100).passages]
        for k in (1, 3, 10):
            assert [(h.citation.document_id, h.score) for h in searcher.ask(question, top_k=k).passages] == many[:k]
