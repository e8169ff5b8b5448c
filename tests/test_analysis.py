from __future__ import annotations

import pytest

from qa.ranking.analysis import Analyzer, load_stopwords


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer()


def test_stopword_list_is_nltk_english_shipped_in_package() -> None:
    words = load_stopwords()
    assert len(words) == 179
    assert {"i", "the", "wouldn't", "don", "don't"} <= words


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$15 billion", ["15", "billion"]),
        ("in 2023", ["2023"]),
        ("B2B and B2G formats", ["b2b", "b2g", "format"]),
        ("Baku-Tbilisi-Ceyhan", ["baku", "tbilisi", "ceyhan"]),
        ("$3.4 billion", ["3.4", "billion"]),
        ("1,768 kilometres", ["1768", "kilometr"]),
        ("Azerbaijan’s cooperation", ["azerbaijan", "cooper"]),
        ("TNF-α and TNFα and TNF-alpha", ["tnf", "alpha", "tnf", "alpha", "tnf", "alpha"]),
        ("IFN-γ, β-catenin; 5 μM", ["ifn", "gamma", "beta", "catenin", "5", "μm"]),
        ("NSAIDs and RXRs, not AIDS or Is", ["nsaid", "rxr", "aid"]),
        ("They don’t cooperate", ["cooper"]),
        ("Zürich ÉCOLE", ["zürich", "école"]),
        ("ＡＢＣ１２３", ["abc123"]),
        ("日本語 текст", ["日本語", "текст"]),
        ("snake_case", ["snake", "case"]),
    ],
)
def test_terms(analyzer: Analyzer, text: str, expected: list[str]) -> None:
    assert analyzer.terms(text) == expected


def test_tokens_carry_exact_spans(analyzer: Analyzer) -> None:
    text = "  The Shusha Declaration, signed on June 15."
    tokens = list(analyzer.tokens(text, offset=100))
    assert [t.term for t in tokens] == ["shusha", "declar", "sign", "june", "15"]
    for token in tokens:
        word = text[token.start - 100 : token.end - 100]
        assert analyzer.terms(word) == [token.term]


def test_question_and_document_analysis_agree(analyzer: Analyzer) -> None:
    assert analyzer.terms("cooperation") == analyzer.terms("cooperate") == ["cooper"]


def test_only_stopwords_gives_no_terms(analyzer: Analyzer) -> None:
    assert analyzer.terms("What is it that they are?") == []
    assert analyzer.stopword_words("What is it?") == ["What", "is", "it"]


def test_preloaded_cache_avoids_the_stemmer() -> None:
    trained = Analyzer()
    expected = trained.terms("signed declarations")
    fresh = Analyzer()
    fresh.preload(trained.export_cache())
    fresh._analyse_word = None  # type: ignore[assignment]  # any cache miss would now fail
    assert fresh.terms("signed declarations") == expected


@pytest.mark.parametrize("text", [
    "plain words only here", "Sentence one. Sentence two, with commas; and-hyphens_underscores.",
    "$3.4 billion, 1,768 km, 2.5.1 and 3. 4 or 3 .4 or 3,a", "don't 'quoted' rock'n'roll 90's o' 'tis x'",
    "B2B.B2G 12'34 a.1 1.a a,1 1,,2 1..2 ''a'' ...", "snake_case __init__ a_1", "", "   ", "'", "9", "a'",
    "Azerbaijan’s cooperation", "TNF-α", "Zürich 3.4",  # not ASCII: the pattern itself
])
def test_words_of_ascii_text_are_the_patterns_words(text: str) -> None:
    """`words_of` finds ASCII words without the pattern (str.translate/split, or a simpler pattern): the same
    words exactly, whatever joins them."""
    from qa.ranking.analysis import _WORD, words_of

    assert words_of(text) == _WORD.findall(text)


def test_words_and_matches_of_random_text_are_the_patterns() -> None:
    """Random strings over the characters that decide where words start and end (joining dots, commas and
    apostrophes, digits, a repeated word inside others), ASCII and not: `matching` is `tokens` filtered."""
    import random

    from qa.ranking.analysis import _WORD, _ascii_word_starts, _word_starts, words_of

    analyzer = Analyzer()
    pieces = ["ab", "cab", "1", "22", ".", ",", "'", " ", "-", "_", "\n", "A", "s", "α", "’", "é"]
    rng = random.Random(5)
    for n in range(3_000):
        text = "".join(rng.choice(pieces[: 13 if n % 2 else 16]) for _ in range(rng.randint(0, 30)))
        assert words_of(text) == _WORD.findall(text)
        tokens = analyzer.tokens(text, offset=3)
        terms = sorted({token.term for token in tokens})
        for wanted in (set(terms), set(terms[::2]), set(terms[1::2])):
            assert analyzer.matching(text, wanted, offset=3) == [token for token in tokens if token.term in wanted]
        if text.isascii():  # matches are located by `str.find`, not by the pattern: never needing it
            words = words_of(text)
            wanted_words = [n for n, word in enumerate(words) if analyzer.term_of(word) in set(terms[::2])]
            assert _ascii_word_starts(text, words, wanted_words) == _word_starts(text, wanted_words)


def test_matching_analyses_words_never_seen() -> None:
    analyzer = Analyzer()
    analyzer.preload({"cranes": "crane"})
    text = "Cranes lift cranes; the crane's arm, 1,000 cranes."
    wanted = {"crane", "1000"}
    assert [text[t.start : t.end] for t in analyzer.matching(text, wanted)] == [
        "Cranes", "cranes", "crane's", "1,000", "cranes"]
    assert analyzer.matching(text, {"crane": 2, "1000": 1}) == analyzer.matching(text, wanted)  # a question's counts


def test_an_analyzer_is_freed_with_its_last_reference() -> None:
    """No reference cycle: the server freezes the collector's view after loading (`gc.freeze`), so an analyzer
    (and its word cache, every word of the corpus) left in a cycle would outlive every live reload."""
    import weakref

    analyzer = Analyzer()
    analyzer.terms("Cranes lift containers")
    gone = weakref.ref(analyzer)
    del analyzer
    assert gone() is None
