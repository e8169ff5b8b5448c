"""Words that only ask ("how many", "when") in more languages are not reported as missing from the articles. A user
trial asked in 18 languages: "Not in any article: kaç" (Turkish "how many"), "כמה" (Hebrew), "कितनी" (Hindi), "bao,
nhiêu" (Vietnamese "how many"), "多少" (Chinese) told the reader nothing."""

from __future__ import annotations

import pytest

from qa.answer.empty import said_words, unknown_words
from qa.lang.analyzers import make_analyzer
from qa.ranking.analysis import Token

CASES = [  # (language, an article's sentence, a question asking about it, what the articles lack)
    ("tr", "Yeni köprü ile yolculuk 12 dakika sürüyor.", "Yeni köprü ile yolculuk kaç dakika?", []),
    ("he", "כ-40 אלף נוסעים ישתמשו בקטע החדש מדי יום.", "כמה נוסעים ישתמשו בקטע?", []),
    ("hi", "मुंबई में 310 मिलीमीटर बारिश दर्ज की गई।", "मुंबई में कितनी बारिश हुई?", []),
    ("vi", "Việt Nam xuất khẩu gần 9 triệu tấn gạo.", "Việt Nam xuất khẩu bao nhiêu gạo?", []),
    ("id", "Sebanyak 24 penerbangan dibatalkan.", "Berapa penerbangan dibatalkan?", []),
    ("pl", "Wartość kontraktu wynosi 680 milionów złotych.", "Ile wynosi wartość kontraktu?", []),
    ("zh", "线路全长292公里。", "线路全长多少公里？", []),
    ("tr", "Yeni köprü ile yolculuk 12 dakika sürüyor.", "Köprü kaç lira tuttu?", ["lira", "tuttu"]),  # others are
]


@pytest.mark.parametrize(("lang", "article", "question", "unknown"), CASES, ids=[case[0] for case in CASES])
def test_words_that_only_ask_are_not_reported(lang: str, article: str, question: str, unknown: list[str]) -> None:
    analyzer = make_analyzer(lang)
    held = {token.term for token in analyzer.tokens(article)}
    assert unknown_words(question, analyzer.tokens(question), held.__contains__) == unknown


def test_a_korean_word_is_reported_whole_and_not_when_it_asks() -> None:
    """Korean is searched as pairs of syllables: "얼마였나" ("how much was it") without its stopword 얼마 left the
    stretch 마였나, half a word, reported as missing."""
    korean = make_analyzer("ko")
    held = {token.term for token in korean.tokens("3월 반도체 수출액이 131억 달러로 늘었다.")}
    question = "반도체 수출액은 얼마였나?"
    assert unknown_words(question, korean.tokens(question), held.__contains__) == []
    question = "반도체 수출액은 작년보다 늘었나?"
    assert unknown_words(question, korean.tokens(question), held.__contains__) == ["작년보다"]


@pytest.mark.parametrize(("question", "unknown"), [
    ("Quando chiude il museo Egizio?", ["chiude", "il", "museo", "Egizio"]),  # read as English: "quando" asks
    ("Wann fährt der Zug nach Köln?", ["fährt", "der", "Zug", "nach", "Köln"]),
])
def test_when_in_other_languages_only_asks(question: str, unknown: list[str]) -> None:
    english = make_analyzer("en")
    assert unknown_words(question, english.tokens(question), set().__contains__) == unknown


def test_a_question_matching_nothing_is_named_in_whole_runs() -> None:
    """これは何ですか ("what is this?"): これ is a stopword, and the run was named from its first searched pair on."""
    japanese = make_analyzer("ja")
    question = "これは何ですか"
    assert said_words(question, japanese.tokens(question)) == ["これは何ですか"]
    pairs = [Token("富士", 0, 2), Token("士山", 1, 3), Token("fuji", 4, 8)]
    assert said_words("富士山 Fuji", pairs) == ["富士山", "Fuji"]
