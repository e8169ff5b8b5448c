"""What a question asks for and what a sentence holds, in the languages qa analyses (`qa.answer.kinds`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qa.answer.kinds import asked_kind, holds_pattern
from qa.answer.search import Searcher
from qa.index.reconcile import open_index
from tests.conftest import settings_for


@pytest.mark.parametrize(("question", "kind"), [
    ("Wie viele Krankenhäuser könnten schließen?", "number"),
    ("Wann wurde der Vertrag unterzeichnet?", "date"),
    ("Was kostet das Deutschlandticket?", "money"),
    ("Wie viel Prozent der Stimmen bekam die Partei?", "percent"),
    ("Wer leitet die Agentur?", "name"),
    ("Combien de vignerons ont vendangé ?", "number"),
    ("Combien coûte le billet de train ?", "money"),
    ("En quelle année le pont a-t-il été construit ?", "date"),
    ("Quel pourcentage des élèves a un portable ?", "percent"),
    ("¿Cuántos vecinos fueron evacuados?", "number"),
    ("¿Cuándo empezó el incendio?", "date"),
    ("¿Quién ganó las elecciones?", "name"),
    ("Quanti turisti sono arrivati?", "number"),
    ("Quando è stato aperto il museo?", "date"),
    ("Hoeveel kost een kaartje?", "money"),
    ("Wanneer opent het station?", "date"),
    ("Сколько новых станций метро открылось?", "number"),
    ("Сколько стоит билет на метро?", "money"),
    ("Когда открылась новая линия?", "date"),
    ("Кто возглавил комиссию?", "name"),
    ("Πόσοι τουρίστες ήρθαν στην Ελλάδα πέρυσι;", "number"),
    ("Πότε άνοιξε το μετρό;", "date"),
    ("كم محطة في شبكة قطار الرياض؟", "number"),
    ("كم سعر تذكرة القطار؟", "money"),
    ("متى افتتح المترو؟", "date"),
    ("这个电池基地能创造多少就业机会？", "number"),
    ("新的高速铁路什么时候开通？", "date"),
    ("东京的最低工资是多少钱？", "money"),
    ("熊本の半導体工場では何人が働いていますか", "number"),
    ("東京の最低賃金はいくらですか", "money"),
    ("新しい駅はいつ開業しましたか", "date"),
    ("전력 수요가 얼마까지 올랐나요?", "number"),
    ("쌀 20킬로그램 가격은 얼마인가요?", "money"),
    ("새 노선은 언제 개통했나요?", "date"),
    ("시장은 누구인가요?", "name"),
    # what an English question asks is read as the weights were chosen with
    ("How much did the new terminal cost?", "money"),
    ("How much oil is exported?", "number"),
    ("What does the declaration focus on?", None),
    ("Was macht die Agentur?", None),
    ("这条铁路几乎完工了吗？", None),  # 几乎 is "almost", not "how many"
])
def test_what_a_question_asks_for_in_its_language(question: str, kind: str | None) -> None:
    assert asked_kind(question) == kind


@pytest.mark.parametrize(("language", "kind", "sentence", "found"), [
    ("ja", "number", "東京から福井まで2時間51分で行ける。", "2"),  # no word boundary between 2 and 時
    ("ko", "date", "고속철도는 6월 28일 개통했다.", "6"),
    ("zh", "money", "将投资120亿元建设基地。", "120亿"),
    ("zh", "percent", "销量增长了百分之十二。", "百分之十二"),
    ("ru", "number", "Открылись три новые станции.", "три"),
    ("ru", "date", "Линию открыли в декабре.", "декабре"),
    ("el", "number", "Ήρθαν 32 εκατομμύρια τουρίστες.", "32"),
    ("ar", "money", "سعر التذكرة أربعة ريالات فقط.", "أربعة"),
    ("ru", "money", "Билет стоит 50 рублей.", "50"),
    ("ar", "number", "شارك أكثر من ثمانين معلما.", "ثمانين"),
    ("fr", "date", "Les vendanges ont commencé en août.", "août"),
    ("es", "number", "Fueron evacuados doce mil vecinos.", "doce"),
    ("de", "percent", "Die Partei bekam 12 Prozent.", "12"),
    ("ar", "percent", "شارك ثمانين في المئة من المعلمين.", "ثمانين"),
    ("fr", "name", "Le maire Étienne Roux a parlé.", "Étienne"),
    ("ru", "name", "Комиссию возглавил Иван Петров.", "Иван"),
])
def test_what_a_sentence_holds_in_its_language(language: str, kind: str, sentence: str, found: str) -> None:
    match = holds_pattern(kind, language).search(sentence)
    assert match is not None and match.group() == found


@pytest.mark.parametrize(("language", "kind", "sentence"), [
    ("ja", "number", "東京から福井まで乗り換えなしで行ける。"),
    ("ru", "number", "Семья переехала в город."),  # семья is not семь
    ("zh", "number", "这条铁路几乎完工。"),
    ("en", "date", "The probe reached Mars."),  # English sentences: as chosen (French mars is not English)
    ("en", "number", "Two hours by train: 2時間."),  # nor are digits beside CJK characters read in English
])
def test_what_a_sentence_does_not_hold(language: str, kind: str, sentence: str) -> None:
    if language == "en" and kind == "number":
        assert [m.group() for m in holds_pattern(kind, language).finditer(sentence)] == ["Two"]
    else:
        assert holds_pattern(kind, language).search(sentence) is None


ARTICLES = {
    "el/tourism.md": "---\nlang: el\n---\n# Ρεκόρ τουρισμού στην Ελλάδα\n\n"
                     "Οι τουρίστες ήρθαν στην Ελλάδα πέρυσι κυρίως από τη Γερμανία και το Ηνωμένο Βασίλειο. "
                     "Συνολικά ήρθαν 32 εκατομμύρια τουρίστες. Τα νησιά είχαν τη μεγαλύτερη κίνηση.\n",
    "ko/rice.md": "---\nlang: ko\n---\n# 쌀값 하락\n\n"
                  "정부는 남는 쌀을 사들여 가격을 안정시키겠다고 밝혔다. 이번에 사들이는 양은 20만 톤이다. "
                  "농민들은 정부가 쌀을 더 사들여야 한다고 요구했다.\n",
    "es/fire.md": "---\nlang: es\n---\n# Incendio en Tenerife\n\n"
                  "Los vecinos de varios pueblos de Tenerife fueron evacuados por el fuego. "
                  "En total fueron evacuados 12.000 vecinos. Los bomberos siguen trabajando en la isla.\n",
}


@pytest.mark.parametrize(("question", "expected"), [
    ("Πόσοι τουρίστες ήρθαν στην Ελλάδα;", "Συνολικά ήρθαν 32 εκατομμύρια τουρίστες."),
    ("정부는 쌀을 얼마나 사들이나요?", "이번에 사들이는 양은 20만 톤이다."),
    ("¿Cuántos vecinos fueron evacuados en Tenerife?", "En total fueron evacuados 12.000 vecinos."),
])
def test_a_question_for_a_number_gets_the_sentence_with_it_in_any_language(tmp_path: Path, question: str,
                                                                          expected: str) -> None:
    docs = tmp_path / "docs"
    for name, text in ARTICLES.items():
        (docs / name).parent.mkdir(parents=True, exist_ok=True)
        (docs / name).write_text(text, encoding="utf-8")
    searcher = Searcher(open_index(settings_for(docs, tmp_path / "index")))
    best = searcher.ask(question, top_k=1).passages[0].best_sentence
    assert best is not None and best.text == expected


LATIN_QUESTIONS = [
    "Wie viel Prozent haben gewählt?", "Welchen Anteil hat Solar?", "Wie viel hat das gekostet?", "Was kostet es?",
    "Wie teuer ist es?", "Wann beginnt es?", "In welchem Jahr war das?", "Wie viele kamen?", "Wieviele kamen?",
    "Wie lange dauert es?", "Wer kam?", "Wen traf er?", "Wem gehört es?", "Wessen Auto?", "Wo liegt es?",
    "Wohin fährt er?",
    "Quel pourcentage?", "Quelle part des votes?", "Combien de pour cent?", "Combien a coute le pont?",
    "Quel est le prix?", "Quand?", "En quelle annee?", "Combien de gens?", "Quelle distance?", "Quel nombre?",
    "Qui parle?", "Où est-il?",
    "Que porcentaje?", "Qué proporción?", "Cuanto por ciento?", "Cuánto cuesta?", "Cuanto costo?", "Que precio?",
    "Cuando llega?", "Cuándo llega?", "En que año?", "Cuantos vecinos?", "Cuántas casas?", "Quien gano?",
    "Quiénes ganaron?", "Donde esta?", "Dónde está?",
    "Quale percentuale?", "Che proporzione?", "Quanto costa?", "Quanto custou?", "Quando apre?", "In che anno?",
    "Em que ano?", "Qual ano?", "Quanti turisti?", "Quantas pessoas?", "Chi ha vinto?", "Dove si trova?",
    "Quem ganhou?", "Onde fica?", "Qual é a percentagem?",
    "Welk percentage?", "Hoeveel procent?", "Hoeveel kost het?", "Wat kost het?", "Wanneer opent het?",
    "In welk jaar?", "Hoeveel mensen?", "Hoe lang duurt het?", "Waar is het?",
]


MULTILINGUAL = Path(__file__).parent / "data" / "multilingual" / "questions.jsonl"


@pytest.mark.parametrize("question", LATIN_QUESTIONS + [
    json.loads(line)["question"] for line in MULTILINGUAL.read_text("utf-8").splitlines()])
def test_the_quick_gate_never_hides_a_kind(question: str) -> None:
    """`asked_kind` skips the other languages' patterns for a Latin-script question with none of their words: every
    question of another language still gets the kind its patterns give."""
    from qa.answer.kinds import _ASKS_ENGLISH, _ASKS_FOREIGN

    ungated = next((kind for kind, pattern in (*_ASKS_ENGLISH, *_ASKS_FOREIGN) if pattern.search(question)), None)
    assert asked_kind(question) == ungated
    if question in LATIN_QUESTIONS:
        assert ungated is not None
