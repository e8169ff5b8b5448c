"""The top of news stories in many languages: a headline, a byline naming the author after the word for "author" or
"reporter" in the story's language, a dateline (a place, then the day). A user trial of a folder of news in 18
languages found the byline and dateline of Russian, Turkish, Hebrew, Vietnamese and Japanese stories read as the
first passage's text (and the headline as its first sentence, the title made from it), and the day of German,
Spanish, Portuguese, Italian, Polish stories ("Köln, 12. März 2025") not read at all: a PDF printed from such a page
was dated the day it was printed."""

from __future__ import annotations

import pytest

from qa.corpus.bylines import read_byline, read_date_line
from qa.corpus.plain import plain_article

STORIES = [  # (language, headline, byline, dateline, author, day)
    ("de", "Bahn verlängert Sperrung der Rheinstrecke", "Von Katharina Vogt", "Köln, 12. März 2025",
     "Katharina Vogt", "2025-03-12"),
    ("es", "El metro de Sevilla tendrá una cuarta línea", "Por Lucía Fernández", "Sevilla, 15 de enero de 2025",
     "Lucía Fernández", "2025-01-15"),
    ("pt", "Seca reduz colheita de café", "Por João Almeida", "Rio de Janeiro, 3 de outubro de 2024",
     "João Almeida", "2024-10-03"),
    ("it", "Neve record sulle Dolomiti", "di Giulia Romano", "Bolzano, 9 febbraio 2025", "Giulia Romano",
     "2025-02-09"),
    ("ru", "На Лене раньше срока начался ледоход", "Автор: Андрей Соколов", "Якутск, 28 апреля 2025 года",
     "Андрей Соколов", "2025-04-28"),
    ("pl", "Kraków kupi 40 nowych tramwajów", "Autor: Tomasz Nowak", "Kraków, 6 maja 2025", "Tomasz Nowak",
     "2025-05-06"),
    ("tr", "İzmir'de yeni köprü trafiğe açıldı", "Yazar: Elif Yılmaz", "İzmir, 14 Haziran 2025", "Elif Yılmaz",
     "2025-06-14"),
    ("he", "הרכבת הקלה בירושלים תגיע להדסה", "מאת נועה לוי", "ירושלים, 10 בינואר 2025", "נועה לוי", "2025-01-10"),
    ("ar", "افتتاح أكبر محطة لتحلية المياه", "بقلم: يوسف بنعلي", "الدار البيضاء، 2 سبتمبر 2024", "يوسف بنعلي",
     "2024-09-02"),
    ("hi", "मुंबई में मानसून ने तोड़ा रिकॉर्ड", "लेखक: राहुल शर्मा", "मुंबई, 8 जुलाई 2024", "राहुल शर्मा", "2024-07-08"),
    ("vi", "Xuất khẩu gạo của Việt Nam đạt kỷ lục", "Tác giả: Nguyễn Văn Hùng", "Hà Nội, ngày 5 tháng 1 năm 2025",
     "Nguyễn Văn Hùng", "2025-01-05"),
    ("id", "Gunung Lewotobi kembali meletus", "Oleh Siti Rahmawati", "Flores, 12 November 2024", "Siti Rahmawati",
     "2024-11-12"),
    ("ja", "東京で桜が開花", "記者：佐藤健太", "2025年3月19日", "佐藤健太", "2025-03-19"),
    ("zh", "成渝中线高铁全线贯通", "记者 王磊", "2025年3月18日", "王磊", "2025-03-18"),
    ("ko", "반도체 수출 석 달 연속 증가", "김민수 기자", "2025년 4월 1일", "김민수", "2025-04-01"),
]
LEAD = "The first paragraph of the story goes here, in a sentence long enough to be one."


@pytest.mark.parametrize(("lang", "headline", "byline", "dateline", "author", "day"), STORIES,
                         ids=[story[0] for story in STORIES])
def test_the_byline_and_dateline_leave_the_body(lang: str, headline: str, byline: str, dateline: str,
                                                author: str, day: str) -> None:
    text = f"{headline}\n{byline}\n{dateline}\n\n{LEAD}\n\nA second paragraph.\n"
    article = plain_article(text, lang, f"{lang}.txt", markdown=False)
    assert article.title == headline
    assert article.text[article.body_start :].startswith(LEAD)
    assert article.meta["author"] == author
    assert article.meta["date"] == day


@pytest.mark.parametrize("line", [
    "the council met, 12 March 2025",  # a sentence, not a place
    "Elections in Rome, March 12, 2025",  # a headline
    "12 people, 12 March 2025",
])
def test_a_line_with_a_date_after_words_that_are_no_place_is_no_dateline(line: str) -> None:
    assert read_date_line(line) is None


@pytest.mark.parametrize("line", [
    "Автор статьи считает, что цены вырастут",  # "the author of the article thinks": a sentence
    "Oleh karena itu, pemerintah menaikkan harga",  # Indonesian "therefore", not "by"
    "기자 회견이 열렸다",  # "a press conference was held"
])
def test_sentences_starting_with_the_word_for_author_are_no_bylines(line: str) -> None:
    assert read_byline(line) is None


def test_a_byline_without_its_colon_is_one_only_under_a_title() -> None:
    assert read_byline("Oleh Siti Rahmawati") == {"author": "Siti Rahmawati"}
    assert read_byline("Oleh Siti Rahmawati", under_title=False) is None
    assert read_byline("Автор: Андрей Соколов", under_title=False) == {"author": "Андрей Соколов"}


def test_a_byline_and_date_after_a_middle_dot() -> None:
    assert read_byline("By Jane Roe · 12 March 2025") == {"author": "Jane Roe", "date": "2025-03-12"}


def test_the_words_around_a_bylines_date_are_no_publisher() -> None:
    assert read_byline("Par Camille Dubois · Publié le 28 août 2024 à 10h30") == {"author": "Camille Dubois",
                                                                                    "date": "2024-08-28"}
    assert read_byline("By Jane Roe | Reuters | Updated: June 18, 2021 10:30") == {
        "author": "Jane Roe", "publisher": "Reuters", "date": "2021-06-18"}
