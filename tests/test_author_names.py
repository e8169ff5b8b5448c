"""Authors as metadata gives them, without the byline word or role around the name. A user trial found web pages'
authors cited as "Por Lucía Fernández", "Door Pieter de Vries", "بقلم يوسف بنعلي" and "Margaret Ellison; Transport
Correspondent" (trafilatura reads the byline element as it is), and front matter's as "Autor: Tomasz Nowak"."""

from __future__ import annotations

import pytest

from qa.corpus.extracted import checked_meta
from qa.corpus.html import extract_html
from qa.corpus.plain import plain_article

STORY = ("<p>La Junta de Andalucía ha aprobado el proyecto de la línea 3 del metro de Sevilla, que unirá Pino Montano "
         "con Bellavista a lo largo de 12 kilómetros y 17 estaciones.</p><p>Las obras comenzarán el próximo otoño y "
         "tendrán un presupuesto de 1.300 millones de euros.</p>")


@pytest.mark.parametrize(("byline", "author"), [
    ("Por Lucía Fernández", "Lucía Fernández"),
    ("Door Pieter de Vries", "Pieter de Vries"),
    ("بقلم يوسف بنعلي", "يوسف بنعلي"),
    ("By Margaret Ellison, Transport Correspondent", "Margaret Ellison"),
])
def test_a_web_pages_byline_element_gives_the_name(byline: str, author: str) -> None:
    page = (f"<!DOCTYPE html><html lang='es'><head><meta charset='utf-8'><title>El metro de Sevilla | Diario</title>"
            f"</head><body><nav><a href='/'>Inicio</a> <a href='/e'>España</a></nav><main><article>"
            f"<h1>El metro de Sevilla tendrá una cuarta línea</h1><div class='byline'>{byline}</div>{STORY}"
            f"</article></main><footer>© 2025 Diario</footer></body></html>")
    assert extract_html(page.encode(), "metro.html").meta["author"] == author


@pytest.mark.parametrize(("given", "author"), [
    ("Autor: Tomasz Nowak", "Tomasz Nowak"),
    ("김민수 기자", "김민수"),
    ("Jane Roe; John Smith", "Jane Roe; John Smith"),  # two authors
    ("Jane Roe", "Jane Roe"),
    ("Di Canio", "Di Canio"),  # a name that starts with a byline word of another language
])
def test_an_author_field_keeps_the_name_alone(given: str, author: str) -> None:
    assert checked_meta({"author": given}, "a.md") == {"author": author}


def test_front_matter_author_with_its_byline_word() -> None:
    text = '---\ntitle: "Kraków kupi 40 nowych tramwajów"\nauthor: "Autor: Tomasz Nowak"\n---\n\nUmowa podpisana.\n'
    assert plain_article(text, "krakow", "krakow.md", markdown=True).meta["author"] == "Tomasz Nowak"
