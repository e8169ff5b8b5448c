"""Every article in its own language, through the whole pipeline: reading (`lang` metadata), indexing (the
language stored per article), search (questions in their language), evidence (CJK highlights) and HTTP."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import regex
from fastapi.testclient import TestClient

from qa.answer.empty import unknown_words
from qa.answer.search import Searcher
from qa.corpus.chunking import chunk_article, count_words
from qa.corpus.html import extract_html
from qa.corpus.plain import plain_article
from qa.index import Index, open_index, update_index
from qa.lang.analyzers import make_analyzer
from qa.lang.detect import Detector, Guess
from qa.models import Article
from qa.ranking.analysis import Token
from qa.web.app import create_app

from .conftest import SEED_DOCUMENTS, settings_for

CORPUS = Path(__file__).parent / "data" / "multilingual"
QUESTIONS = [json.loads(line) for line in (CORPUS / "questions.jsonl").read_text(encoding="utf-8").splitlines()]
DONE = ("en", "zh", "ja", "el", "ru", "de")
"""Issue 22's test of done: a folder mixing news items in these languages."""


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> Index:
    root = tmp_path_factory.mktemp("mixed")
    for lang in DONE:
        shutil.copytree(CORPUS / lang, root / "docs" / lang)
    return open_index(settings_for(root / "docs", root / "index"))


def test_in_a_mixed_folder_a_question_in_each_language_finds_its_article(mixed: Index) -> None:
    searcher = Searcher(mixed)
    for lang in DONE:
        question = next(q for q in QUESTIONS if q["lang"] == lang)
        answer = searcher.ask(question["question"], top_k=3)
        top = answer.passages[0]
        assert top.citation.document_id == question["article"], (lang, question["question"])
        assert top.citation.language == lang
        assert len(answer.passages) < 2 or answer.passages[1].score < top.score  # first, not tied


def test_each_article_is_stored_with_its_language_and_whence(mixed: Index) -> None:
    languages = {info.id: (info.language, info.language_from) for info in mixed.articles}
    assert {lang for lang, _ in languages.values()} == set(DONE)
    assert all(lang == doc_id.split("/")[0] for doc_id, (lang, _) in languages.items())
    assert languages["zh/air-quality"][1] == "metadata"  # its front matter says `lang: zh`
    assert languages["zh/battery-plant"][1] == "detected"
    assert mixed.languages.counts == dict.fromkeys(DONE, 8)


def test_chinese_highlights_are_the_matched_runs_and_sentences_end_at_cjk_stops(mixed: Index) -> None:
    answer = Searcher(mixed).ask("高铁线路上最长的隧道有多长？", top_k=1)
    top = answer.passages[0]
    assert top.citation.document_id == "zh/high-speed-rail"
    text = mixed.article_text(mixed.article_number(top.citation.document_id))
    marked = [text[span.start : span.end] for span in top.highlights]
    assert "最长的隧道" in marked  # four overlapping bigrams, one highlight
    assert all(a.end < b.start for a, b in zip(top.highlights, top.highlights[1:], strict=False))
    assert top.best_sentence is not None and top.best_sentence.text.endswith("。")
    assert "14.7公里" in top.best_sentence.text


def test_the_question_words_are_reported_as_asked(mixed: Index) -> None:
    answer = Searcher(mixed).ask("Сколько стоит ипотека?", top_k=1)
    assert [(term.word, term.term) for term in answer.terms] == [("стоит", "сто"), ("ипотека", "ипотек")]
    assert answer.unknown_terms == ["стоит"]  # "сколько" is a stopword; no article says "стоит"
    assert answer.passages[0].citation.document_id == "ru/mortgage-rates"


def test_a_stopword_question_is_explained_in_its_language(mixed: Index) -> None:
    answer = Searcher(mixed).ask("und oder aber nicht", top_k=1)
    assert answer.message == "No passages: the question has only stopwords (und, oder, aber, nicht), which are not " \
                             "searched."


def test_an_english_folder_answers_exactly_as_when_everything_is_english(tmp_path: Path) -> None:
    """Detection finds the bundled articles English: the same passages, scores and terms as QA_LANGUAGE=en."""
    auto = open_index(settings_for(SEED_DOCUMENTS, tmp_path / "auto"))
    forced = open_index(settings_for(SEED_DOCUMENTS, tmp_path / "en", language="en"))
    assert {info.language for info in auto.articles} == {"en"}
    assert {info.language_from for info in forced.articles} == {"setting"}
    for question in ("When did Azerbaijan and Turkey sign the Shusha Declaration?", "trade turnover 2020",
                     "Wer hat die Erklärung unterzeichnet?", "高铁"):
        one, other = Searcher(auto).ask(question, top_k=5), Searcher(forced).ask(question, top_k=5)
        assert [(p.citation.document_id, p.citation.start, p.score) for p in one.passages] == [
            (p.citation.document_id, p.citation.start, p.score) for p in other.passages]
        assert one.terms == other.terms
    assert auto.languages.counts == {"en": 2}
    auto.languages.detector = _Refusing()  # a folder in one language never detects a question's language
    assert Searcher(auto).ask("Shusha Declaration", top_k=1).passages


class _Refusing(Detector):
    def guess(self, text: str) -> Guess:
        raise AssertionError(f"detection asked for {text!r}")


def test_a_live_update_analyses_the_new_article_in_its_language(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    shutil.copytree(SEED_DOCUMENTS, docs)
    settings = settings_for(docs, tmp_path / "index")
    open_index(settings)
    german = (CORPUS / "de").glob("*.txt").__next__()
    shutil.copy(german, docs / german.name)
    article = plain_article(german.read_text(encoding="utf-8"), german.stem, german.name, markdown=False)
    update_index(settings, [article], [])
    updated = open_index(settings)
    fresh = open_index(settings_for(docs, tmp_path / "fresh"))
    assert updated.articles[-1].language == "de"
    question = next(q["question"] for q in QUESTIONS if q["article"] == f"de/{german.stem}")
    one, other = Searcher(updated).ask(question, top_k=3), Searcher(fresh).ask(question, top_k=3)
    assert one.passages[0].citation.document_id == german.stem
    assert [(p.citation.document_id, round(p.score, 9)) for p in one.passages] == [
        (p.citation.document_id, round(p.score, 9)) for p in other.passages]


def test_metadata_names_the_language(tmp_path: Path) -> None:
    page = extract_html(b"<html lang='el-GR'><head><title>Apergia</title></head><body><article><p>"
                        + b"Some text that is long enough to be the main text of a page, and more. " * 4
                        + b"</p></article></body></html>", "page.html")
    assert page.meta["lang"] == "el-GR"
    note = plain_article("---\nlanguage: de\ntitle: Streik\n---\nDer Streik geht weiter.\n", "note", "note.md", True)
    assert note.meta["lang"] == "de"


def test_chinese_is_cut_into_passages_by_its_characters() -> None:
    sentence = "这条线路的建设历时五年，全线桥梁和隧道占比超过八成。"
    assert count_words(sentence) == 6 + 7  # runs of 11 and 13 Han characters, two a word; punctuation is no word
    assert count_words(sentence, wide=False) == 1  # an English article quoting it counts as before
    assert count_words("Plain English, as before.") == 4
    text = "标题\n\n" + sentence * 40  # 80 sentences, 520 words
    article = Article("zh", "zh.txt", "标题", text, body_start=4)
    assert len(chunk_article(article, chunk_words=100, overlap=0)) == 1  # not in Chinese: 80 "words"
    passages = chunk_article(article, chunk_words=100, overlap=0, wide=True)
    assert len(passages) == 6 and all(text[p.start : p.end] == p.text for p in passages)
    assert all(count_words(p.text) <= 100 for p in passages)
    assert all(text[a:b] == sentence for p in passages for a, b in p.sentences)  # each ends at its 。


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    root = tmp_path_factory.mktemp("served")
    for lang in ("ja", "ar"):
        shutil.copytree(CORPUS / lang, root / "docs" / lang)
    with TestClient(create_app(settings_for(root / "docs", root / "index"))) as client:
        yield client


def test_http_answers_and_documents_carry_the_language(client: TestClient) -> None:
    question = next(q for q in QUESTIONS if q["lang"] == "ja")
    body = client.post("/ask", json={"question": question["question"], "top_k": 1}).json()
    citation = body["passages"][0]["citation"]
    assert (citation["document_id"], citation["language"]) == (question["article"], "ja")
    document = client.get(f"/documents/{citation['document_id']}").json()
    assert document["language"] == "ja"
    listed = {item["id"]: item["language"] for item in client.get("/documents").json()["documents"]}
    assert set(listed.values()) == {"ja", "ar"}


def test_unknown_words_are_what_the_person_asked_not_the_pairs_of_characters() -> None:
    """A Chinese question is searched as overlapping pairs; those no article holds are cut artefacts (新地, 路有).
    What no article holds is the stretch no held pair covers (有多长: "how long"); whole words elsewhere."""
    chinese = make_analyzer("zh")
    held = {token.term for token in chinese.tokens("上海市今天开通了一条新的地铁线路，全长三十公里。")}
    question = "新地铁线路经过凤凰岛吗？"
    assert unknown_words(question, chinese.tokens(question), held.__contains__) == ["经过凤凰岛"]
    question = "新地铁线路有多长？"  # 多长 only asks (a stopword): nothing is unknown
    assert unknown_words(question, chinese.tokens(question), held.__contains__) == []
    assert unknown_words("地铁线路", chinese.tokens("地铁线路"), held.__contains__) == []
    english = make_analyzer("en")
    asked = "Where is the zeppelin hangar of the zeppelin?"
    assert unknown_words(asked, english.tokens(asked), {"hangar"}.__contains__) == ["zeppelin"]


def test_a_chinese_answer_names_the_unknown_stretch(mixed: Index) -> None:
    question = next(q["question"] for q in QUESTIONS if q["lang"] == "zh") + "经过凤凰岛吗"
    answer = Searcher(mixed).ask(question)
    assert answer.passages and "经过凤凰岛" in answer.unknown_terms
    assert all(len(word) > 1 for word in answer.unknown_terms)


def test_a_japanese_answer_reports_no_particles_or_endings(mixed: Index) -> None:
    """Japanese questions end in hiragana (かかりますか, 完成しますか): the pairs around them that no article holds
    (りますか, はいつ) are grammar, not words the articles lack; a stretch is reported without its hiragana edges."""
    searcher = Searcher(mixed)
    kana = regex.compile(r"^\p{Hiragana}|\p{Hiragana}$")
    for question in (q["question"] for q in QUESTIONS if q["lang"] == "ja"):
        answer = searcher.ask(question)
        assert answer.passages and answer.passages[0].citation.document_id.startswith("ja/")
        assert all(len(word) >= 2 and not kana.search(word) for word in answer.unknown_terms), question
    for question in ("北陸新幹線で東京から福井まで何時間かかりますか", "敦賀から新大阪までの延伸はいつ完成しますか"):
        assert searcher.ask(question).unknown_terms == []  # were ['で何', 'りますか'] and ['はいつ', 'しますか']
    assert searcher.ask("欠航した飛行機は何便ですか").unknown_terms == ["飛行機は何便"]  # the article says 航空便
    fuji = searcher.ask("富士山の高さはどれくらいですか")
    assert fuji.unknown_terms == ["富士山の高"]  # no article holds 富士山 or 高さ: the one stretch, without the
    # hiragana at its end (さはどれくらいですか); の inside it stays


def test_no_match_names_a_chinese_or_japanese_run_as_written(mixed: Index) -> None:
    answer = Searcher(mixed).ask("鳳凰堂の屋根瓦")
    assert answer.passages == []
    assert answer.message == "No passage contains any of: 鳳凰堂の屋根瓦."


def test_words_that_only_ask_are_not_reported_in_korean_or_arabic() -> None:
    korean = make_analyzer("ko")
    held = {token.term for token in korean.tokens("서울시는 버스 요금은 올해 동결된다고 밝혔다.")}
    question = "버스 요금은 어떻게 되나요?"
    assert unknown_words(question, korean.tokens(question), held.__contains__) == ["되나요"]
    arabic = make_analyzer("ar")
    held = {token.term for token in arabic.tokens("بلغت تكلفة البرج نحو 1.5 مليار دولار")}
    question = "كم تكلفة البرج؟"
    assert unknown_words(question, arabic.tokens(question), held.__contains__) == []


def test_a_capitalised_asking_word_beside_chinese_or_japanese_is_not_reported() -> None:
    """'Cuántos' opening a question is an asking word whether or not the question also holds a CJK run (with one,
    the words are read as runs of overlapping tokens, where the asking words were compared without case folding)."""
    question = "Cuántos trenes van a 東京タワー"
    pairs = [Token(question[i : i + 2], i, i + 2) for i in range(21, 25)]
    tokens = [Token("cuant", 0, 7), Token("tren", 8, 14), *pairs]
    held = {"tren", "東京", "京タ", "タワ", "ワー"}
    assert unknown_words(question, tokens, held.__contains__) == []
    assert unknown_words("Cuántos trenes", tokens[:2], held.__contains__) == []  # without the run: as before
