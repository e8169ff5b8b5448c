"""Short news pages: a story of one or two short paragraphs keeps its headline apart and its menu out (a user trial
found "Home News Ferry cancelled The morning ferry..." as one paragraph: trafilatura's wholesale fallback for pages
under 250 characters of main text)."""

from __future__ import annotations

import pytest

from qa.corpus.html import extract_html

MENU = "<nav><a href='/'>Home</a> <a href='/news'>News</a> <a href='/sport'>Sport</a></nav>"
BANNER = "<div class='cookie-banner'>We use cookies. Accept?</div>"
FOOTER = "<footer>&copy; 2024 Island News</footer>"
PAGES = [
    # (article markup, title, body paragraphs)
    ("<h1>Ferry cancelled</h1><p>The morning ferry to Tromsø was cancelled because of the storm.</p>",
     "Ferry cancelled", ["The morning ferry to Tromsø was cancelled because of the storm."]),
    ("<h1>Grève au port de Marseille</h1><p>MARSEILLE, 3 mars (AFP) - Les dockers du port ont entamé une grève de "
     "trois jours lundi.</p><p>Les navires attendent au large.</p>", "Grève au port de Marseille",
     ["MARSEILLE, 3 mars (AFP) - Les dockers du port ont entamé une grève de trois jours lundi.",
      "Les navires attendent au large."]),
]


@pytest.mark.parametrize(("article", "title", "body"), PAGES)
def test_a_short_story_keeps_its_headline_apart_and_its_menu_out(article: str, title: str,
                                                                  body: list[str]) -> None:
    page = f"<html><head><title>{title} | Island News</title></head><body>{BANNER}{MENU}<article>{article}" \
           f"</article>{FOOTER}</body></html>"
    extracted = extract_html(page.encode(), "story.html")
    assert extracted.title == title
    assert extracted.text[extracted.body_start :].split("\n\n") == body


FRENCH_PAGE = """<html lang="fr"><head><title>Grève des contrôleurs aériens</title></head><body>
<header><nav><a href="/">Accueil</a> <a href="/monde">Monde</a></nav></header>
<article><h1>Grève des contrôleurs aériens</h1>
<p>Par Claire Dubois</p><p>Publié le 12 mars 2025 à 10h30</p>
<p>La grève des contrôleurs aériens a provoqué l'annulation de centaines de vols jeudi dans les aéroports français,
selon la Direction générale de l'aviation civile.</p>
<p>Les syndicats réclament des hausses de salaires et des recrutements supplémentaires. Le mouvement doit se
poursuivre vendredi.</p></article><footer>© Le Journal</footer></body></html>"""


def test_a_byline_and_date_line_under_the_headline_are_metadata_in_any_of_the_news_languages() -> None:
    page = extract_html(FRENCH_PAGE.encode(), "greve.html")
    assert page.title == "Grève des contrôleurs aériens"
    assert page.meta["author"] == "Claire Dubois" and page.meta["date"] == "2025-03-12"
    assert page.text[page.body_start :].startswith("La grève des contrôleurs aériens a provoqué")
    assert "Publié le" not in page.text


STRIKER = ("<p>The striker Paolo Di Canio won his appeal against a three-match ban on Tuesday, the league said in a "
           "statement, and he is free to play again.</p><p>His club welcomed the ruling and said he would start on "
           "Saturday against the leaders of the table.</p>")


@pytest.mark.parametrize("headline", ["Di Canio Wins Appeal", "Door To Door Sales Rise Again", "Par Avion Rates Up"])
def test_a_headline_that_starts_with_another_languages_byline_word_is_no_byline(headline: str) -> None:
    """'Di', 'Door', 'Par' start bylines in Italian, Dutch and French, and English headlines too: the page's own
    headline is never read as one (it gave the author 'Canio Wins Appeal')."""
    page = (f"<html><head><title>{headline} - Sport</title></head><body><article><h1>{headline}</h1>{STRIKER}"
            "</article></body></html>")
    extracted = extract_html(page.encode(), "story.html")
    assert extracted.title == headline
    assert "author" not in extracted.meta
