"""Gaps users found in other languages: one-character Chinese and Japanese words, Chinese asking words and Japanese
endings searched or reported unknown, Arabic "and the" prefixes, and "did you mean" across languages. The
articles are ours (`tests/data/language_gaps`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from rapidfuzz import process

from qa import Collection
from qa.answer import empty
from qa.answer.empty import script_of, unknown_words
from qa.lang.analyzers import LanguageAnalyzer
from qa.models import Answer

DATA = Path(__file__).parent / "data" / "language_gaps"


def _collection(tmp_path_factory: pytest.TempPathFactory, folder: str) -> Iterator[Collection]:
    with Collection(DATA / folder, index_dir=tmp_path_factory.mktemp(folder)) as docs:
        yield docs


@pytest.fixture(scope="module")
def cjk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Collection]:
    yield from _collection(tmp_path_factory, "cjk")


@pytest.fixture(scope="module")
def spelling(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Collection]:
    yield from _collection(tmp_path_factory, "spelling")


@pytest.fixture(scope="module")
def arabic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Collection]:
    yield from _collection(tmp_path_factory, "arabic")


def _sources(answer: Answer) -> list[str]:
    return [passage.citation.source for passage in answer.passages]


# -- 1. words of one character ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("question", "articles"), [
    ("猫", {"zh_cat.txt", "ja_cat.txt"}), ("茶", {"zh_tea.txt", "ja_tea.txt"}),
    ("雨", {"zh_rain.txt", "ja_rain.txt"}), ("金", {"zh_gold.txt", "ja_gold.txt"})])
def test_a_question_of_one_character_finds_the_articles_that_hold_it(cjk: Collection, question: str,
                                                                      articles: set[str]) -> None:
    answer = cjk.ask(question, top_k=3)
    assert set(_sources(answer)) == articles  # before: "No passage contains any of: 猫."
    assert answer.unknown_terms == []
    for passage in answer.passages:  # the highlight is the character itself, at its place in the article
        assert passage.highlights
        assert all(passage.text[span.start - passage.citation.start : span.end - passage.citation.start] == question
                   for span in passage.highlights)


def test_a_one_character_key_word_inside_a_question_is_searched_alone(cjk: Collection) -> None:
    answer = cjk.ask("猫喜欢吃什么", top_k=1)
    assert [t.term for t in answer.terms] == ["猫喜", "猫", "喜欢", "欢吃", "吃什"]  # 猫喜 is no article's pair
    assert _sources(answer) == ["zh_cat.txt"]
    assert answer.passages[0].best_sentence is not None
    assert answer.passages[0].best_sentence.text == "这只猫最喜欢吃鱼，也喜欢在窗台上晒太阳。"


def test_a_question_whose_pairs_match_is_searched_by_its_pairs_alone(cjk: Collection) -> None:
    answer = cjk.ask("北京到上海的高速铁路", top_k=3)
    terms = [t.term for t in answer.terms]
    assert "高速" in terms and "铁路" in terms
    assert not {"高", "速", "铁", "路", "北", "京"} & set(terms)  # their pairs match: no character alone
    assert _sources(answer)[0] == "zh_rail.txt"


def test_documents_index_each_character_and_questions_fall_back_on_it_only_where_no_pair_is_held() -> None:
    zh = LanguageAnalyzer("zh")
    assert zh.terms("高铁开通") == ["高铁", "高", "铁开", "铁", "开通", "开", "通"]
    tokens = zh.question_tokens("猫喜欢吃鱼", known={"喜欢", "吃鱼", "猫"})
    assert [(t.term, t.start, t.end) for t in tokens] == [("猫喜", 0, 2), ("猫", 0, 1), ("喜欢", 1, 3),
                                                        ("欢吃", 2, 4), ("吃鱼", 3, 5)]
    assert [t.term for t in zh.question_tokens("猫喜欢吃鱼")] == zh.terms("猫喜欢吃鱼")  # no vocabulary: all
    ko = LanguageAnalyzer("ko")  # a Korean word's later syllables are its particles and endings: never alone
    assert [t.term for t in ko.question_tokens("비가 왔나요", known=set())] == ["비가", "비", "왔나", "나요"]
    # in Japanese, a run of three or more of one script, no pair of which is held, is a word no article has
    assert [t.term for t in LanguageAnalyzer("ja").question_tokens("鳳凰堂へ", known={"堂"})] == ["鳳凰", "凰堂",
                                                                                             "堂へ"]
    assert [t.term for t in zh.question_tokens("我想喝茶", known={"茶"})] == ["我想", "想喝", "想", "喝茶", "喝", "茶"]


# -- 3. asking words and endings ----------------------------------------------------------------------------------

def test_japanese_endings_and_particle_pairs_are_not_searched() -> None:
    terms = LanguageAnalyzer("ja").terms("猫の健康についてですか。雨が降りました。")
    assert not {"につ", "つい", "いて", "すか", "まし", "した", "か", "い", "て"} & set(terms)
    assert {"猫の", "健康", "雨", "降り"} <= set(terms)


def test_a_japanese_question_is_not_answered_by_the_article_sharing_its_grammar(cjk: Collection) -> None:
    answer = cjk.ask("雨はいつ降りますか", top_k=1)  # before: the cat article, by りま, ます, すか
    assert _sources(answer) == ["ja_rain.txt"]
    assert not {"ます", "すか", "りま", "いつ"} & {t.term for t in answer.terms}


def test_a_question_naming_a_word_no_article_has_is_not_answered_by_its_single_characters(cjk: Collection) -> None:
    answer = cjk.ask("鳳凰堂の屋根瓦", top_k=3)  # no article holds a pair of 鳳凰堂 or 屋根瓦: not 堂 or 根 alone
    assert answer.passages == []
    assert answer.message == "No passage contains any of: 鳳凰堂の屋根瓦."
    assert set(_sources(cjk.ask("我想喝茶", top_k=3))) == {"zh_tea.txt", "ja_tea.txt"}  # a Chinese clause: 茶


def test_chinese_asking_words_are_neither_searched_nor_unknown(cjk: Collection) -> None:
    answer = cjk.ask("这条线路的票价是多少钱", top_k=1)
    assert answer.unknown_terms == []  # before: ['多少钱']
    assert "多少" not in {t.term for t in answer.terms}
    assert _sources(answer) == ["zh_rail.txt"]
    assert answer.passages[0].best_sentence is not None
    assert answer.passages[0].best_sentence.text == "这条线路全长一千三百公里，票价是五百五十元。"


def test_pairs_that_only_join_an_asking_word_to_its_neighbours_are_not_unknown() -> None:
    question = "今年有多少人报名参加高考"
    tokens = LanguageAnalyzer("zh").question_tokens(question, known={"今年", "报名", "参加", "高考"})
    assert unknown_words(question, tokens, {"今年", "报名", "参加", "高考"}.__contains__) == []  # not 有多, 少人
    held = {"地铁", "铁线", "线路", "长"}
    question = "新地铁线路经过凤凰岛吗"  # what no article holds, without the asking 吗; 多长 only asks
    assert unknown_words(question, LanguageAnalyzer("zh").question_tokens(question, held), held.__contains__) == [
        "经过凤凰岛"]
    question = "新地铁线路有多长"
    assert unknown_words(question, LanguageAnalyzer("zh").question_tokens(question, held), held.__contains__) == []


# -- 2. Arabic prefixes -------------------------------------------------------------------------------------------

def test_arabic_and_before_the_article_is_taken_off() -> None:
    ar = LanguageAnalyzer("ar")
    company = {ar.term_of(word) for word in ("شركة", "الشركة", "للشركة", "بالشركة", "والشركة", "فالشركة",
                                             "وللشركة", "وبالشركة")}
    assert company == {"شرك"}  # before: والشرك and فالشرك apart
    assert ar.term_of("والمدينة") == ar.term_of("المدينة") == ar.term_of("بالمدينة")
    assert ar.term_of("والد") == "والد"  # father: nothing after an article
    assert ar.term_of("لجنة") != ar.term_of("جنة")  # a lone ل stays: committee is not paradise


def test_an_arabic_question_finds_the_article_that_writes_the_word_with_and_the(arabic: Collection) -> None:
    answer = arabic.ask("الشركة", top_k=3)  # the article says والشركة
    assert _sources(answer) == ["factory.txt"]
    assert answer.passages[0].highlights
    span = answer.passages[0].highlights[0]
    assert answer.passages[0].text[span.start - answer.passages[0].citation.start:
                                    span.end - answer.passages[0].citation.start] == "والشركة"


# -- 4. "did you mean" in the question's script and language ------------------------------------------------------

def test_a_misspelt_word_is_corrected_to_a_word_of_its_own_language(spelling: Collection) -> None:
    answer = spelling.ask("¿Cuánto costó la construcsion del tren?", top_k=1)
    assert [(s.word, s.did_you_mean) for s in answer.suggestions] == [("construcsion", ["construcción"])]
    answer = spelling.ask("Когда начнут продавать билееты?", top_k=1)
    assert [(s.word, s.did_you_mean) for s in answer.suggestions] == [("билееты", ["билеты"])]


def test_a_word_of_an_unsure_language_may_be_corrected_in_any_language_of_its_script(spelling: Collection) -> None:
    answer = spelling.ask("informaton", top_k=1)  # one word: the language is unsure
    assert [(s.word, s.did_you_mean) for s in answer.suggestions] == [("informaton", ["information"])]


def test_scripts_of_words() -> None:
    assert script_of("construcción") == "LATIN"
    assert script_of("билеты") == "CYRILLIC"
    assert script_of("cоffee") == "CYRILLIC LATIN"  # a Cyrillic о typed among Latin letters
    assert script_of("κατασκευή") == "GREEK"


def test_a_misspelt_word_is_compared_only_with_words_of_its_script_and_language(
        spelling: Collection, monkeypatch: pytest.MonkeyPatch) -> None:
    scored: list[str] = []

    def extract(query: str, choices: list[str], **options: Any) -> Any:
        scored.extend(choices)
        return process.extract(query, choices, **options)

    monkeypatch.setattr(empty, "process", SimpleNamespace(extract=extract))
    answer = spelling.ask("Когда начнут продавать билееты?", top_k=1)
    assert [(s.word, s.did_you_mean) for s in answer.suggestions] == [("билееты", ["билеты"])]
    assert scored and {script_of(word) for word in scored} == {"CYRILLIC"}  # before: every script's words
    scored.clear()
    answer = spelling.ask("¿Cuánto costó la construcsion del tren?", top_k=1)  # a vocabulary of six languages
    assert [(s.word, s.did_you_mean) for s in answer.suggestions] == [("construcsion", ["construcción"])]
    assert "construcción" in scored and not {"construction", "κατασκευή", "строительство"} & set(scored)


# -- 2. Hebrew prefixes -------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def hebrew(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Collection]:
    yield from _collection(tmp_path_factory, "hebrew")


@pytest.mark.parametrize(("word", "core"), [
    ("בבית", "בית"), ("ובבית", "בית"), ("לבית", "בית"), ("מהבית", "בית"), ("הבית", "בית"), ("כשהגשם", "גשם"),
    ("בית", "בית"), ("מספר", "מספר"), ("ושלום", "שלום"), ("מבית", "מבית"), ("הים", "הים")])
def test_hebrew_prefixes_leave_at_least_three_letters(word: str, core: str) -> None:
    assert LanguageAnalyzer("he").terms(word) == ([word, core] if core != word else [word])


def test_a_hebrew_question_finds_the_word_written_with_a_prefix(hebrew: Collection) -> None:
    answer = hebrew.ask("בית", top_k=3)  # the article writes בבית and ובבית
    assert _sources(answer) == ["family.txt"]
    passage = answer.passages[0]
    base = passage.citation.start  # the matched core, inside בבית, ובבית and בבית (הספר)
    assert [(passage.text[s.start - base : s.end - base], passage.text[s.start - base - 1]) for s in
            passage.highlights] == [("בית", "ב"), ("בית", "ב"), ("בית", "ב")]
    answer = hebrew.ask("איפה הבית של המשפחה?", top_k=1)
    assert answer.passages[0].best_sentence is not None
    assert answer.passages[0].best_sentence.text == "המשפחה גרה בבית קטן ליד הים, ובבית יש שלושה חדרים וגינה."


def test_a_hebrew_word_ranks_ahead_of_another_that_only_shares_its_core(hebrew: Collection) -> None:
    answer = hebrew.ask("מלחמה", top_k=3)  # war; its core חמה is also "hot" (heat.txt)
    assert _sources(answer) == ["war.txt", "heat.txt"]
    assert answer.passages[0].score > 1.5 * answer.passages[1].score
