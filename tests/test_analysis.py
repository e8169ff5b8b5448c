from __future__ import annotations


import pytest

from qa.analysis import Analyzer, load_stopwords


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
