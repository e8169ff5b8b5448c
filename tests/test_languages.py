"""Languages (qa.lang): detection, per-language analysis, questions over a mixed folder, and the evaluation corpus
they are measured on (tests/data/multilingual). The whole pipeline (index, search, evidence, HTTP) is tested in
tests/test_languages_indexed.py."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from qa.corpus.read import read_article
from qa.lang.analyzers import CjkMode, LanguageAnalyzer, merge_spans, scan
from qa.lang.detect import Detector, article_language, language_tag
from qa.lang.folder import FolderLanguages
from qa.ranking.analysis import Analyzer
from qa.ranking.bm25 import BM25Params
from qa.ranking.engine import EngineBuilder

CORPUS = Path(__file__).parent / "data" / "multilingual"
QUESTIONS = [json.loads(line) for line in (CORPUS / "questions.jsonl").read_text(encoding="utf-8").splitlines()]
REQUIRED = ("en", "zh", "ja", "el", "ru", "de")
_FRONT_LANG = re.compile(r"\A---[ \t]*\r?\n(?:.*\r?\n)*?lang:[ \t]*([A-Za-z-]+)", re.MULTILINE)


@pytest.fixture(scope="module")
def detector() -> Detector:
    return Detector()


@pytest.fixture(scope="module")
def corpus() -> list[dict[str, object]]:
    articles = []
    for path in sorted(CORPUS.glob("*/*.*")):
        article = read_article(path, path.relative_to(CORPUS).as_posix(), CORPUS.resolve())
        meta = dict(article.meta)
        if found := _FRONT_LANG.match(article.text):
            meta["lang"] = found.group(1)
        articles.append({"id": article.id, "lang": path.parent.name, "title": article.title,
                         "body": article.text[article.body_start:], "meta": meta})
    return articles


# -- the corpus ---------------------------------------------------------------------------------------------------

def test_corpus_has_eight_articles_and_three_questions_each_per_language(corpus: list[dict[str, object]]) -> None:
    per_language = Counter(str(a["lang"]) for a in corpus)
    assert set(REQUIRED) <= set(per_language)
    assert all(count >= 8 for count in per_language.values())
    asked = Counter(q["article"] for q in QUESTIONS)
    assert {str(a["id"]) for a in corpus} == set(asked)
    assert min(asked.values()) >= 3
    for lang in per_language:
        splits = Counter(q["split"] for q in QUESTIONS if q["lang"] == lang)
        assert splits["choose"] == splits["report"] and set(splits) == {"choose", "report"}


def test_every_answer_occurs_in_its_article() -> None:
    for question in QUESTIONS:
        path = next(CORPUS.glob(f"{question['article']}.*"))
        assert question["lang"] == question["article"].split("/")[0]
        assert question["answer"] in path.read_text(encoding="utf-8"), question


def test_articles_are_news_length(corpus: list[dict[str, object]]) -> None:
    """120-300 words; Chinese, Japanese and Korean counted in characters (250-700, no spaces)."""
    for article in corpus:
        text = f"{article['title']} {article['body']}"
        if article["lang"] in ("zh", "ja", "ko"):
            assert 250 <= len("".join(text.split())) <= 700, article["id"]
        else:
            assert 120 <= len(text.split()) <= 300, article["id"]


# -- detection ----------------------------------------------------------------------------------------------------

def test_language_tags_keep_the_primary_language() -> None:
    assert [language_tag(t) for t in ("en-GB", "zh-Hans-CN", "pt_BR", "iw", "NB", "de")] == [
        "en", "zh", "pt", "he", "no", "de"]
    assert language_tag("English please") is None
    assert language_tag("") is None


def test_metadata_overrides_detection_and_the_setting_overrides_both(detector: Detector) -> None:
    german = "Die Lokführer streiken seit Mittwoch, und im Fernverkehr fährt nur jeder fünfte Zug."
    assert article_language("Bahnstreik", german, {}, detector).lang == "de"
    guess = article_language("Bahnstreik", german, {"lang": "fr-CH"}, detector)
    assert (guess.lang, guess.source, guess.confidence) == ("fr", "metadata", 1.0)
    assert article_language("Bahnstreik", german, {"lang": "not a tag"}, detector).source == "detected"
    assert article_language("Bahnstreik", german, {"lang": "fr"}, detector, setting="en-GB").lang == "en"


def test_an_unsure_detection_is_english_as_before(detector: Detector) -> None:
    """Made-up text of repeated tokens reads as Turkish at about 0.5: qa keeps analysing it as English."""
    filler = " ".join(f"filler{i}" for i in range(30))
    assert detector.guess(f"Notes\nVitamin K deficiency is common. {filler}.").lang != "en"
    guess = article_language("Notes", f"Vitamin K deficiency is common. {filler}.", {}, detector)
    assert (guess.lang, guess.source) == ("en", "unsure")


def test_every_corpus_article_is_detected_in_its_language(corpus: list[dict[str, object]],
                                                          detector: Detector) -> None:
    for article in corpus:
        guess = article_language(str(article["title"]), str(article["body"]), {}, detector)
        assert guess.lang == article["lang"], article["id"]


def test_text_without_letters_is_undetermined(detector: Detector) -> None:
    assert detector.guess("2024 - 3.5 % / 1,000").lang == "und"


# -- analysis -----------------------------------------------------------------------------------------------------

def test_cjk_runs_become_overlapping_bigrams_with_their_spans() -> None:
    text = "新线11座车站，一 个。Tokyo東京"
    found = list(scan(text))
    assert [w for w, _ in found] == ["新线", "11", "座车", "车站", "一", "个", "Tokyo", "東京"]
    assert all(text[start:start + len(word)] == word for word, start in found)


def test_japanese_run_mixes_scripts_in_bigrams_unless_asked_by_script() -> None:
    assert [w for w, _ in scan("東京から")] == ["東京", "京か", "から"]
    assert [w for w, _ in scan("東京から", "bigram-script")] == ["東京", "から"]


def test_inflected_forms_meet_after_stemming() -> None:
    german, russian, greek = LanguageAnalyzer("de"), LanguageAnalyzer("ru"), LanguageAnalyzer("el")
    assert german.terms("Streiks") == german.terms("streiken") == ["streik"]
    assert russian.terms("мосту") == russian.terms("мостом") == russian.terms("Мост") == ["мост"]
    assert greek.terms("ΑΠΕΡΓΙΑΣ") == greek.terms("απεργίας")


def test_greek_words_stay_words_while_english_keeps_spelling_out_greek_letters() -> None:
    assert LanguageAnalyzer("el").words("Η απεργία των ναυτεργατών") == ["Η", "απεργία", "των", "ναυτεργατών"]
    assert Analyzer().terms("TNF-α inhibitors") == ["tnf", "alpha", "inhibitor"]  # English: as before


def test_modern_greek_function_words_are_stopwords_with_or_without_accents() -> None:
    """The `stop-words` package's Greek list is Ancient Greek (καί, γάρ): a modern text's η, και, είναι were all
    searched, and reported as missing from the articles when a question asked with them."""
    greek = LanguageAnalyzer("el")
    assert greek.terms("Πότε είναι η απεργία και γιατί;") == greek.terms("απεργία") == ["απεργ"]
    assert greek.terms("ΠΟΤΕ ΕΙΝΑΙ Η ΑΠΕΡΓΙΑ") == greek.terms("ποτε ειναι η απεργια") == ["απεργ"]
    assert greek.terms("Οι ναυτικοί στα λιμάνια") == greek.terms("ναυτικοι λιμανια")  # typed without accents
    assert greek.terms("και είναι ότι δεν θα") == []  # modern function words, compared without accents


@pytest.mark.parametrize(("lang", "text", "kept"), [
    ("he", "הממשלה של ישראל", 3),  # the package writes its Hebrew list '"של",': no word matched it; הממשלה
    # gives its core ממשלה too
    ("sk", "vláda a parlament", 2),  # its Slovak list starts with a byte-order mark, hiding "a"
    ("ro", "Guvernul și ministerul au anunțat după ședință", 4),  # its Romanian list is spelled without ș, ă
])
def test_every_stopword_list_matches_the_words_of_its_language(lang: str, text: str, kept: int) -> None:
    assert len(LanguageAnalyzer(lang).terms(text)) == kept


def test_marks_belong_to_their_words() -> None:
    assert LanguageAnalyzer("hi").words("किसानों को मुआवज़ा") == ["किसानों", "को", "मुआवज़ा"]
    hebrew = LanguageAnalyzer("he")
    assert hebrew.terms("שָׁלוֹם") == hebrew.terms("שלום") == ["שלום"]


def test_french_elisions_and_number_separators_per_language() -> None:
    assert LanguageAnalyzer("fr").terms("l'économie") == LanguageAnalyzer("fr").terms("économie")
    assert LanguageAnalyzer("de").terms("7.500 Megawatt, 4,5 Euro") == ["7500", "megawatt", "4,5", "euro"]
    assert LanguageAnalyzer("zh").terms("1,342万") == ["1342", "万"]


def test_stopwords_are_dropped_and_reported() -> None:
    german = LanguageAnalyzer("de")
    assert german.terms("Wie lange streiken die Lokführer") == ["lang", "streik", "lokfuhr"]
    assert german.stopword_words("Wie lange streiken die Lokführer") == ["Wie", "die"]


def test_tokens_and_matching_locate_the_words() -> None:
    text = "Kliniken: die Krankenhausreform und die Kliniken"
    german = LanguageAnalyzer("de")
    tokens = german.tokens(text, offset=10)
    assert [text[t.start - 10:t.end - 10] for t in tokens] == ["Kliniken", "Krankenhausreform", "Kliniken"]
    assert german.matching(text, {"klinik"}, offset=10) == [t for t in tokens if t.term == "klinik"]


@pytest.mark.parametrize("mode", ["bigram+unigram", "bigram", "bigram-script"])
def test_words_tokens_and_question_tokens_are_read_from_one_scan(corpus: list[dict[str, object]],
                                                                 mode: CjkMode) -> None:
    """`words`, `tokens` and `question_tokens` are made from `located` (one `scan` of the text): the same words,
    spans over the very characters, in every language (a Hebrew word's core and the CJK characters overlap)."""
    texts = [str(article["body"]) for article in corpus] + ["ובבית הספר הגדול", "猫喜欢吃鱼", "얼마였나요"]
    for lang in ("de", "ru", "ar", "he", "zh", "ja", "ko"):
        analyzer = LanguageAnalyzer(lang, cjk=mode)
        for text in texts:
            words, starts = analyzer.located(text)
            assert words == [word for word, _ in scan(text, mode, analyzer._core)] == analyzer.words(text)
            assert all(text[start:start + len(word)] == word for word, start in zip(words, starts, strict=True))
            expected = [(analyzer.term_of(word), start + 5, start + 5 + len(word))
                        for word, start in zip(words, starts, strict=True) if analyzer.term_of(word)]
            assert analyzer.tokens(text, 5) == expected
            known = set(analyzer.terms(text)[::2])
            kept = analyzer.question_tokens(text, known)
            assert {token.term for token in kept} <= {term for term, _, _ in expected}
            assert all(text[token.start:token.end] in words for token in kept)


def test_a_cjk_highlight_is_the_matched_run() -> None:
    text = "高速铁路开通了，铁路很快"
    matched = LanguageAnalyzer("zh").matching(text, {"铁路", "开通"})
    assert [text[a:b] for a, b in merge_spans(matched)] == ["铁路开通", "铁路"]


def test_a_preloaded_cache_is_used_and_bounded() -> None:
    indexer = LanguageAnalyzer("ru")
    indexer.terms("строительство моста")
    cache = indexer.export_cache()
    assert cache == {"строительство": "строительств", "моста": "мост"}
    server = LanguageAnalyzer("ru")
    server.preload({**cache, "моста": "saved"})  # a saved term wins over analysis: the index's words stay its own
    assert server.terms("моста") == ["saved"]


# -- questions over a folder --------------------------------------------------------------------------------------

def test_a_one_language_folder_analyses_questions_as_today_without_detection() -> None:
    folder = FolderLanguages({"en": 40}, detector=Detector())  # its own: tells whether it was ever loaded
    english = Analyzer()
    for question in (q["question"] for q in QUESTIONS):  # every language: an English folder treats all as English
        assert folder.question_terms(question) == english.terms(question)
    assert not folder.detector.loaded


def test_a_term_found_by_two_analyses_counts_once() -> None:
    folder = FolderLanguages({"de": 5, "en": 5})
    assert folder.question_terms("Siemens Siemens Lokführer", ["de", "en"]) == [
        "siem", "siemen", "siem", "siemen", "lokfuhr", "lokführer"]  # in question order, German's first
    assert folder.question_terms("Bahn Bahn", ["de", "en"]) == ["bahn", "bahn"]  # the same term: not doubled
    assert folder.question_languages("Wie lange streiken die Lokführer?") == ["de"]
    assert folder.question_languages("Lokführer") == ["de", "en"]  # short: the main languages too


def test_other_analyses_add_only_terms_the_folder_knows() -> None:
    folder = FolderLanguages({"de": 5, "en": 5})
    assert folder.question_terms("Lokführer streiken", ["de", "en"], known={"lokfuhr", "streik", "streiken"}) == [
        "lokfuhr", "streik", "streiken"]


def test_a_minor_language_brings_the_main_ones_along() -> None:
    """A question detected in a language of a few articles (a stray detection in an English folder) is analysed in
    the folder's main language too."""
    folder = FolderLanguages({"en": 95, "de": 1})
    assert folder.question_languages("Wie lange streiken die Lokführer schon?") == ["de", "en"]
    assert folder.question_languages("How long have the train drivers been on strike?") == ["en"]


def _mixed_index(corpus: list[dict[str, object]], folder: FolderLanguages,
                 detector: Detector) -> tuple[list[list[str]], list[str]]:
    docs = []
    for article in corpus:
        lang = article_language(str(article["title"]), str(article["body"]), dict(article["meta"]), detector).lang
        docs.append(folder.analyzer(lang).terms(f"{article['title']}\n{article['body']}"))
    return docs, [str(a["id"]) for a in corpus]


def test_in_a_mixed_folder_a_question_in_each_language_finds_its_article(corpus: list[dict[str, object]],
                                                                         detector: Detector) -> None:
    """Issue 22's test of done: English, Chinese, Japanese, Greek, Russian and German news in one folder."""
    chosen = [a for a in corpus if a["lang"] in REQUIRED]
    folder = FolderLanguages(Counter(str(a["lang"]) for a in chosen), detector=detector)
    docs, ids = _mixed_index(chosen, folder, detector)
    params = BM25Params()
    bm25 = BM25Okapi(docs, k1=params.k1, b=params.b, epsilon=params.epsilon)
    for lang in REQUIRED:
        question = next(q for q in QUESTIONS if q["lang"] == lang)
        scores = bm25.get_scores(folder.question_terms(question["question"]))
        assert ids[int(np.argmax(scores))] == question["article"], question
        assert np.sum(scores == scores.max()) == 1


def test_mixed_folder_scores_equal_rank_bm25_on_the_same_tokens(corpus: list[dict[str, object]],
                                                                detector: Detector) -> None:
    folder = FolderLanguages(Counter(str(a["lang"]) for a in corpus), detector=detector)
    docs, _ = _mixed_index(corpus, folder, detector)
    builder = EngineBuilder()
    for doc in docs:
        builder.add(doc)
    params = BM25Params()
    engine = builder.build(params)
    reference = BM25Okapi(docs, k1=params.k1, b=params.b, epsilon=params.epsilon)
    for question in QUESTIONS[::7]:
        terms = folder.question_terms(question["question"])
        ours = engine.scores([builder.vocab.get(term, -1) for term in terms])
        assert np.max(np.abs(ours - reference.get_scores(terms))) < 1e-9
