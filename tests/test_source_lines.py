"""More of the top of news stories: Turkish credit lines ("Haber: NAME", "Muhabir: NAME", "Haber Merkezi"), a place
before the day in a byline ("Autor: Anna Kowalska, Kraków, 12 marca 2025": Kraków was taken as the publisher), a
Chinese source-and-date line ("来源：新华社  2025年3月12日"), and days written with dots ("12.03.2025"). A user trial
found each read as the body's first passage, or the place named as the publisher."""

from __future__ import annotations

import pytest

from qa.corpus.bylines import read_byline, read_date_line, read_source_line
from qa.corpus.plain import plain_article

BODY = "Belediye yeni köprünün açıldığını duyurdu. Köprü iki yakayı birleştiriyor.\n"

STORIES = [  # (header lines under the title, what they say)
    ("Haber: Ayşe Yılmaz\n12 Mart 2025", {"author": "Ayşe Yılmaz", "date": "2025-03-12"}),
    ("Haber Merkezi\nMuhabir: Mehmet Demir, 12 Mart 2025", {"author": "Mehmet Demir", "date": "2025-03-12"}),
    ("Muhabir: Mehmet Demir | Hürriyet\nAnkara, 12.03.2025", {"author": "Mehmet Demir", "publisher": "Hürriyet",
                                                              "date": "2025-03-12"}),
    ("Autor: Anna Kowalska, Kraków, 12 marca 2025 r.", {"author": "Anna Kowalska", "date": "2025-03-12"}),
    ("By Anna Kowalska, Kraków, 12 March 2025", {"author": "Anna Kowalska", "date": "2025-03-12"}),
    ("By Jan Novák, Reuters, Praha, 12.03.2025", {"author": "Jan Novák", "publisher": "Reuters",
                                                 "date": "2025-03-12"}),
    ("来源：新华社  2025年3月12日", {"publisher": "新华社", "date": "2025-03-12"}),
    ("来源：新华网 2025年3月12日 10:30", {"publisher": "新华网", "date": "2025-03-12"}),
    ("2025年3月12日 来源：人民日报", {"publisher": "人民日报", "date": "2025-03-12"}),
    ("發布時間：2025年3月12日\u3000來源：中央社", {"publisher": "中央社", "date": "2025-03-12"}),
    ("记者 王磊\n来源：人民网", {"author": "王磊", "publisher": "人民网"}),
    ("Kaynak: Anadolu Ajansı\n12.03.2025 14:30", {"publisher": "Anadolu Ajansı", "date": "2025-03-12"}),
]


@pytest.mark.parametrize(("header", "meta"), STORIES)
def test_the_header_lines_are_read_and_left_out_of_the_body(header: str, meta: dict[str, str]) -> None:
    text = f"İstanbul'da yeni köprü açıldı\n{header}\n\n{BODY}"
    article = plain_article(text, "kopru", "kopru.txt", markdown=False)
    assert article.title == "İstanbul'da yeni köprü açıldı"
    assert article.meta == meta
    assert article.text[article.body_start :] == BODY


@pytest.mark.parametrize("line", [
    "Source: officials say the plan will fail",  # a sentence
    "来源：据新华社报道，上海港去年集装箱吞吐量达到四千九百万标准箱。",  # a sentence
    "Haber değeri taşıyan gelişmeler",  # no colon: a headline
    "Quelle: (siehe unten)",
])
def test_lines_that_only_look_like_credits_are_not(line: str) -> None:
    assert read_source_line(line) is None
    assert read_byline(line) is None


def test_a_headline_with_a_place_and_a_date_keeps_its_place_as_a_dateline() -> None:
    assert read_date_line("Kraków, 12.03.2025") == "2025-03-12"
    assert read_date_line("Praha 12.03.2025") is None  # no comma: not a dateline's place
    assert read_date_line("Version 1.12.2025") is None
    assert read_byline("Anna Kowalska | Azernews") == {"author": "Anna Kowalska", "publisher": "Azernews"}
