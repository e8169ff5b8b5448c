"""The word spans kept with the index (qa/index/spans.py) give exactly the words that analysing the passage's text
again finds: every passage of several folders (ASCII, Unicode, words joined by '.', ',' and apostrophes), every
question term, before and after a live update."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from qa.collection import Collection
from qa.index import Index, open_index
from qa.ranking.analysis import Analyzer, words_of

from .conftest import ARTICLES, SEED_DOCUMENTS, settings_for

UNICODE = ("Café au lait\n\nThe café’s owner, Zoë Müller, sold 1,000 cups at €3.50 each in 2021; don't ask "
           "about the TNF-α test. Naïve customers paid £2.5bn — or so it's said — for Ångström's 3.4% share.\n")


def _check_every_passage(index: Index) -> int:
    checked = 0
    analyzer = index.analyzer
    for passage_id in range(index.engine.n_docs):
        article, start, end, _ = index.passage(passage_id)
        text = index.article_text(article)[start:end]
        terms = {token.term for token in analyzer.tokens(text)}
        for wanted in (terms, set(list(terms)[:1]), set(list(terms)[::3]), {"nothing-of-the-sort"}):
            assert index.matched_tokens(passage_id, start, wanted) == analyzer.matching(text, wanted, offset=start)
            checked += 1
    return checked


@pytest.mark.parametrize("folder", [SEED_DOCUMENTS, ARTICLES], ids=["seed", "articles"])
def test_spans_equal_analysing_again(folder: Path, tmp_path: Path) -> None:
    assert _check_every_passage(open_index(settings_for(folder, tmp_path / "index", chunk_words=30))) > 8


def test_unicode_and_joined_words_and_a_live_update(tmp_path: Path) -> None:
    documents = tmp_path / "docs"
    documents.mkdir()
    (documents / "cafe.txt").write_text(UNICODE, encoding="utf-8")
    for number in range(4):
        (documents / f"plain{number}.txt").write_text(f"Plain words {number}\n\nNothing but plain words here, "
                                                      f"and a {number}.4 value.\n")
    with Collection(documents, tmp_path / "index") as collection:
        assert _check_every_passage(collection.index) >= 20
        hit = collection.ask("café owner cups", top_k=1).passages[0]
        assert [UNICODE[span.start : span.end] for span in hit.highlights] == ["café’s", "owner", "cups"]
        collection.add_document("later", "Later", "A later café with more cups, 1,000 of them.")
        assert collection.index.engine.n_docs == 6
        assert _check_every_passage(collection.index) >= 24


def test_an_english_article_with_a_two_character_cjk_word_keeps_the_next_words_place(tmp_path: Path) -> None:
    """English's analyzer keeps a CJK run as one word: after 中国 the word 国 stands at its own place, not inside
    中国 (where it was looked for from the bigram's second character, as after a bigram of
    `qa.lang.analyzers`)."""
    documents = tmp_path / "docs"
    documents.mkdir()
    text = "The border sign\n\nThe old sign on the border road read 中国 国 in large letters, the driver said.\n"
    (documents / "sign.txt").write_text(text, encoding="utf-8")
    with Collection(documents, tmp_path / "index") as collection:
        assert collection.documents()[0].language == "en"
        assert _check_every_passage(collection.index) >= 4
        hit = collection.ask("国 letters", top_k=1).passages[0]
        assert [(span.start, span.end) for span in hit.highlights] == [(57, 58), (68, 75)]  # before: (55, 56) first
        assert [text[span.start : span.end] for span in hit.highlights] == ["国", "letters"]


@pytest.mark.parametrize("text", ["", "   ", "one", " lead and trail ", "a-b c_d 3.4 1,000 don't x'y 'q' e.g.",
                                  "naïve café’s £5 α-β", UNICODE])
def test_word_starts(text: str) -> None:
    words, starts = Analyzer().located(text)  # what indexing English text stores
    assert words == words_of(text)
    assert [text[a : a + len(w)] for a, w in zip(starts, words, strict=True)] == words
    assert np.all(np.diff(starts) > 0)


@pytest.mark.parametrize(("text", "starts"), [("中国 国", [0, 3]), ("x 东京 京 3.4", [0, 2, 5, 7])])
def test_english_located_words_do_not_overlap(text: str, starts: list[int]) -> None:
    assert Analyzer().located(text) == (words_of(text), starts)


@pytest.mark.parametrize("piece", [3, 1 << 22])  # encoded a few words at a time, or all at once
def test_word_gaps_give_the_starts_back_with_wide_gaps_and_empty_passages(piece: int,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from qa.index import spans
    from qa.index.spans import GAP_ESCAPE, starts_of, starts_of_passages, word_gaps

    monkeypatch.setattr(spans, "_PIECE", piece)
    rng = np.random.default_rng(7)
    lengths = np.array([0, 5, 1, 0, 40, 3, 0])
    ptr = np.concatenate([[0], np.cumsum(lengths)])
    starts = np.concatenate([np.cumsum(rng.choice([0, 1, 7, 254, 255, 256, 4000], n)) for n in lengths])
    gaps, wide, values = word_gaps(starts, ptr)
    assert gaps.dtype == np.uint8 and len(wide) and (gaps[wide] == GAP_ESCAPE).all()
    for p in range(len(lengths)):
        lo, hi = int(ptr[p]), int(ptr[p + 1])
        assert starts_of(gaps, wide, values, lo, hi).tolist() == starts[lo:hi].tolist()
    assert starts_of_passages(gaps, wide, values, ptr[1:6]).tolist() == starts[ptr[1]:ptr[5]].tolist()
