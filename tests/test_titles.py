"""Titles, bylines, dates and leads, read as a person reads the top of an article (qa.corpus.heading, bylines)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from qa.answer.search import Searcher
from qa.corpus.bylines import read_byline, read_date_line
from qa.corpus.heading import LEAD, TITLE_FROM, lead_title, read_heading
from qa.corpus.html import extract_html
from qa.corpus.pdf import extract_pdf
from qa.corpus.plain import plain_article
from qa.corpus.read import read_articles
from qa.corpus.scan import scan_documents
from qa.errors import UnreadableFile
from qa.index import Index, open_index

from .conftest import ARTICLES, SEED_DOCUMENTS, settings_for, shared_data
from .test_formats import make_pdf

BYLINED = SEED_DOCUMENTS / "000_8339c2265b0242b8.txt"
LEAD_ONLY = SEED_DOCUMENTS / "004_7d268188ac327656.txt"


# --- the seed articles ------------------------------------------------------------------------------------------


def test_a_byline_is_the_author_and_the_title_is_the_first_sentence() -> None:
    text = BYLINED.read_text(encoding="utf-8")
    article = plain_article(text, "000", BYLINED.name, markdown=False)
    assert article.meta == {"author": "Ayya Lmahamad", TITLE_FROM: LEAD}
    assert article.title == ("The first meeting of the Azerbaijani-Turkish working group on digital transformation "
                             "has…")
    assert article.body_start == len("By Ayya Lmahamad\n\n")  # the byline is not body text
    assert text[article.body_start :].startswith("The first meeting of the Azerbaijani-Turkish")


def test_a_lead_paragraph_is_body_text_and_names_the_article() -> None:
    text = LEAD_ONLY.read_text(encoding="utf-8")
    article = plain_article(text, "004", LEAD_ONLY.name, markdown=False)
    assert article.body_start == 0  # the lead is the first paragraph of the body, not a title
    assert article.title == "Azerbaijan’s Agency for Development of Small and Medium-sized Businesses Chairman Orkhan…"
    assert article.meta == {TITLE_FROM: LEAD}


def test_seed_citations_carry_the_author_and_a_real_title(seed_index: Index) -> None:
    answer = Searcher(seed_index).ask("Who co-chaired the meeting of Azerbaijan and Turkey on digital "
                                      "transformation?", top_k=1)
    citation = answer.passages[0].citation
    assert citation.author == "Ayya Lmahamad" and citation.source == BYLINED.name
    assert citation.title.startswith("The first meeting of the Azerbaijani-Turkish working group")
    assert "Ayya" not in answer.passages[0].text


@pytest.mark.parametrize(("question", "words"), [
    ("Who is the chairman of the Agency for Development of Small and Medium-sized Businesses?", "Orkhan Mammadov"),
    ("Which ambassadors did the SMB agency chairman Orkhan Mammadov meet?", "Dragan Vladisavljevic"),
    ("What is the name of the Turkish ambassador?", "Jahit Bagchi"),
])
def test_the_lead_of_004_is_answered_at_rank_1(seed_index: Index, question: str, words: str) -> None:
    top = Searcher(seed_index).ask(question, top_k=3).passages[0]
    assert top.citation.document_id == "004_7d268188ac327656" and words in top.text
    assert top.citation.start == 0  # the lead itself


def test_a_title_made_from_the_lead_is_not_indexed_as_a_title(seed_index: Index) -> None:
    """Its words are the first passage's own: put before every passage of the article they would make the lead's
    rarest words common to all of them."""
    number = seed_index.article_number("004_7d268188ac327656")
    assert seed_index.articles[number].title_terms == 0
    mammadov = seed_index.vocab[seed_index.analyzer.terms("Orkhan")[0]]
    assert seed_index.engine.doc_freq(mammadov) == 1


# --- the rules, on layouts of other real folders -----------------------------------------------------------------

LAYOUTS = [
    # (text, markdown, title, author/publisher/date, body starts with)
    ("Harbour cranes arrive\n\nThree new cranes arrived.", False, "Harbour cranes arrive", {}, "Three new"),
    ("Can Smith work Scottish wonders?\n\nThe coach said.", False, "Can Smith work Scottish wonders?", {}, "The coach"),
    ("Rivals of the £400 Apple...\n\nThe Mac mini.", False, "Rivals of the £400 Apple...", {}, "The Mac"),
    ("The meeting was held on Monday.\n\nIt ended late.", False, "The meeting was held on Monday.",
     {TITLE_FROM: LEAD}, "The meeting"),  # a first line ending with a period is a sentence of the body
    ("By Jane Doe, Political Editor\n\nPort strike ends\n\nDock workers ended their strike.", False,
     "Port strike ends", {"author": "Jane Doe"}, "Dock workers"),
    ("Port strike ends\n\nBy Jane Doe and John Roe | Example Wire\n\n18 June 2021\n\nDock workers struck.", False,
     "Port strike ends", {"author": "Jane Doe and John Roe", "publisher": "Example Wire", "date": "2021-06-18"},
     "Dock workers"),
    ("Leyla Mammadova | Azernews\n\nBaku hosts a caviar festival\n\nThe first festival opened.", False,
     "Baku hosts a caviar festival", {"author": "Leyla Mammadova", "publisher": "Azernews"}, "The first"),
    ("Caviar festival opens\nBy Leyla Mammadova, 18 June 2021\nBAKU, June 18 (Example) - The first festival "
     "opened on the boulevard on Friday.", False, "Caviar festival opens",
     {"author": "Leyla Mammadova", "date": "2021-06-18"}, "BAKU, June 18"),  # a dateline stays in the body
    ("Published: Monday, June 18, 2021 10:30 GMT\n\nCranes arrive\n\nThree cranes.", False, "Cranes arrive",
     {"date": "2021-06-18"}, "Three cranes"),
    ("This note explains how the harbour cranes were moved in 2021 and who paid for the move, in some detail.\n\n"
     "More text.", True, "This note explains how the harbour cranes were moved in 2021 and who paid for the move…",
     {TITLE_FROM: LEAD}, "This note"),  # a Markdown file whose first line is a paragraph
    ("# Harbour *cranes* arrive\n\nThree new cranes.", True, "Harbour cranes arrive", {}, "Three new"),
    ("Harbour cranes arrive\n=====================\n\nThree new cranes.", True, "Harbour cranes arrive", {},
     "Three new"),
    ("The first meeting of the working group on digital\ntransformation was held in Baku on Monday.", False,
     "The first meeting of the working group on digital transformation was held in Baku on…",
     {TITLE_FROM: LEAD}, "The first"),  # a wrapped paragraph's first line is no title
    ("- Cranes arrived\n- Ships left\n", True, "Cranes arrived", {TITLE_FROM: LEAD}, "  Cranes"),
    ("By the end of 2021, trade had tripled.\n\nMore.", False, "By the end of 2021, trade had tripled.",
     {TITLE_FROM: LEAD}, "By the end"),  # "By" starting a sentence is no byline
    # Markdown bylines and dates in emphasis, bold or a quote: read as shown
    ("# Port strike ends\n\n*By Jane Doe* | Reuters\n\n**ROTTERDAM, June 18** - Dock workers struck.", True,
     "Port strike ends", {"author": "Jane Doe", "publisher": "Reuters"}, "  ROTTERDAM, June 18"),
    ("# Port strike ends\n\n_By Jane Doe_\n\n*18 June 2021*\n\nDock workers struck.", True, "Port strike ends",
     {"author": "Jane Doe", "date": "2021-06-18"}, "Dock workers"),
    ("# Port strike ends\n\nBy **Jane Doe**, 18 June 2021\n\nDock workers struck.", True, "Port strike ends",
     {"author": "Jane Doe", "date": "2021-06-18"}, "Dock workers"),
    ("**Port strike ends**\n\n> By Jane Doe\n\nDock workers struck.", True, "Port strike ends",
     {"author": "Jane Doe"}, "Dock workers"),
]


@pytest.mark.parametrize(("text", "markdown", "title", "meta", "body"), LAYOUTS)
def test_layouts(text: str, markdown: bool, title: str, meta: dict[str, str], body: str) -> None:
    article = plain_article(text, "x", "x.md" if markdown else "x.txt", markdown=markdown)
    assert (article.title, article.meta) == (title, meta)
    assert article.text[article.body_start :].startswith(body)
    assert len(article.text) == len(text)  # offsets are the file's (Markdown syntax is blanked, not removed)


@pytest.mark.parametrize(("line", "expected"), [
    ("By Ayya Lmahamad", {"author": "Ayya Lmahamad"}),
    ("BY JOHN SMITH", {"author": "JOHN SMITH"}),
    ("By John Smith, BBC News correspondent", {"author": "John Smith"}),
    ("By Anna Smith, Political Editor, The Times", {"author": "Anna Smith", "publisher": "The Times"}),
    ("By Jane Doe | June 18, 2021 | Reuters", {"author": "Jane Doe", "date": "2021-06-18", "publisher": "Reuters"}),
    ("Written by Ben Wu - 2 May 2023", {"author": "Ben Wu", "date": "2023-05-02"}),
    ("By Jane Doe, John Roe and Al Bo", {"author": "Jane Doe, John Roe and Al Bo"}),
    ("Ayya Lmahamad | Azernews", {"author": "Ayya Lmahamad", "publisher": "Azernews"}),
    ("By March Azerbaijan had signed", None),
    ("By the end of the year", None),
    ("Oil prices rise | Example News", None),  # a title with its site: lower-case words are no name
    ("Clyde 0-5 Celtic", None),
    ("Par Claire Dubois, envoyée spéciale à Kiev", {"author": "Claire Dubois"}),
    ("Par Claire Dubois | Le Monde", {"author": "Claire Dubois", "publisher": "Le Monde"}),
    ("Von Hans Müller und Eva Schmidt", {"author": "Hans Müller und Eva Schmidt"}),
    ("Por María García", {"author": "María García"}), ("Door Jan de Vries", {"author": "Jan de Vries"}),
    ("Par ici la sortie", None), ("Von Berlin nach Hamburg", None), ("Por fin llega el verano", None),
])
def test_bylines(line: str, expected: dict[str, str] | None) -> None:
    assert read_byline(line) == expected


def test_a_title_case_headline_is_no_byline_of_another_language() -> None:
    assert read_byline("Di Canio Wins Appeal", under_title=False) is None  # a file's first line: a headline
    assert read_byline("By Jane Doe", under_title=False) == {"author": "Jane Doe"}
    article = plain_article("Di Canio Wins Appeal\n\nPaolo Di Canio has won his appeal against a ban.\n", "x", "x.txt",
                            markdown=False)
    assert (article.title, article.meta) == ("Di Canio Wins Appeal", {})
    french = ("Grève des contrôleurs aériens\nPar Claire Dubois\nPublié le 12 mars 2025 à 10h30\n\n"
              "La grève a commencé.\n")
    article = plain_article(french, "x", "x.txt", markdown=False)
    assert (article.title, article.meta) == ("Grève des contrôleurs aériens",
                                             {"author": "Claire Dubois", "date": "2025-03-12"})
    assert article.text[article.body_start :] == "La grève a commencé.\n"


@pytest.mark.parametrize(("line", "day"), [
    ("18 June 2021", "2021-06-18"), ("June 18, 2021", "2021-06-18"), ("Sept. 3, 2020", "2020-09-03"),
    ("Updated 2021-06-18T09:30:00Z", "2021-06-18"), ("Published: Monday, June 18, 2021 10:30 GMT", "2021-06-18"),
    ("2024-02-30", None), ("30 February 2024", None), ("Baku hosts a festival in 2021", None),
    ("Publié le 12 mars 2025 à 10h30", "2025-03-12"), ("jeudi 1er mai 2025", "2025-05-01"),
    ("Veröffentlicht am 12. März 2025, 10:30 Uhr", "2025-03-12"), ("Publicado el 12 de marzo de 2025", "2025-03-12"),
    ("Pubblicato il 12 marzo 2025 alle 10:30", "2025-03-12"), ("12 de março de 2025", "2025-03-12"),
    ("12 maart 2025", "2025-03-12"), ("Опубликовано 12 марта 2025 г.", "2025-03-12"), ("30 février 2024", None),
    ("Mars 2025 : la NASA reporte son lancement", None), ("Le 12 mars 2025, le gouvernement a annoncé", None),
    ("Am 12. März 2025 beginnt die Messe", None),
])
def test_date_lines(line: str, day: str | None) -> None:
    assert read_date_line(line) == day


def test_a_long_first_sentence_is_cut_at_a_word() -> None:
    text = "Word " * 40 + "end."
    assert lead_title(text, 0) == ("Word " * 18).strip() + "…"
    assert len(lead_title(text, 0)) <= 90
    assert read_heading("Short sentence. Then more.", 0).title == "Short sentence."


def test_front_matter_title_wins_and_its_impossible_date_is_ignored_with_a_warning(
        caplog: pytest.LogCaptureFixture) -> None:
    text = "---\ntitle: Port strike ends\ndate: 2024-02-30\n---\n\nBy Jane Doe\n\nDock workers ended their strike."
    with caplog.at_level(logging.WARNING, logger="qa"):
        article = plain_article(text, "news/strike", "news/strike.md", markdown=True)
    assert article.title == "Port strike ends" and article.meta == {"author": "Jane Doe"}
    assert "news/strike.md: ignored the date '2024-02-30' of its metadata: not a real date" in caplog.text
    assert article.text[article.body_start :].startswith("Dock workers")


# --- other formats ------------------------------------------------------------------------------------------------


def test_html_without_any_title_takes_the_first_sentence() -> None:
    page = extract_html(b"<html><body><article><p>The harbour at Alat opened on Monday after three years of "
                        b"work. Ships from Aktau arrived first.</p><p>More ships came on Tuesday and on Wednesday "
                        b"morning.</p></article></body></html>", "p.html")
    assert page.title == "The harbour at Alat opened on Monday after three years of work."
    assert page.meta.get(TITLE_FROM) == LEAD
    assert page.text[page.body_start :].startswith("The harbour at Alat opened")


def test_navigation_only_html_page_is_not_an_article(tmp_path: Path) -> None:
    nav = (b"<html><head><title>Daily Example - Home</title></head><body><header><nav><ul>"
           b"<li><a href='/'>Home</a></li><li><a href='/news'>News</a></li><li><a href='/sport'>Sport</a></li>"
           b"</ul></nav></header><div class='cookie-consent'><p>We use cookies to improve your experience on our "
           b"site. By continuing to browse you accept our use of cookies.</p><button>Accept</button></div><main>"
           b"<h2>Latest</h2><ul><li><a href='/a'>Baku hosts its first caviar festival</a></li><li><a href='/b'>"
           b"Harbour cranes arrive at Alat port</a></li></ul></main><footer><p>Copyright 2024 Daily Example. All "
           b"rights reserved.</p><p><a href='/privacy'>Privacy policy</a></p></footer></body></html>")
    with pytest.raises(UnreadableFile, match=r"^no main text in the HTML page \(only navigation, links, notices"):
        extract_html(nav, "home.html")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "home.html").write_bytes(nav)
    (docs / "cranes.txt").write_text("Cranes arrive\n\nThree new cranes arrived at the harbour of Alat.\n")
    (docs / "ships.txt").write_text("Ships leave\n\nTwo ships left Baku for Aktau on Monday.\n")
    (docs / "caviar.txt").write_text("Caviar\n\nSturgeon farms supply most caviar.\n")
    index = open_index(settings_for(docs, tmp_path / "i"))
    assert "home" not in {info.id for info in index.articles}
    assert {s.source: s.reason for s in index.skipped}["home.html"].startswith("no main text in the HTML page")
    answer = Searcher(index).ask("Baku caviar festival Alat harbour", top_k=5)
    assert all(p.citation.source != "home.html" and p.score > 0 for p in answer.passages)


def test_pdf_lines_are_joined_into_sentences_and_hyphenation_repaired() -> None:
    lines = ["Harbour report", "The working group on digital transfor-", "mation met in Baku on Monday and agreed",
             "on a roadmap for the Baku-Tbilisi-", "Ceyhan corridor.",
             "A new paragraph starts here and it runs", "over two lines of the page."]
    pdf = extract_pdf(make_pdf([lines]), "report.pdf")
    assert pdf.title == "Harbour report"  # a short first line reading like a title, on its own
    assert pdf.text[pdf.body_start :].split("\n\n") == [
        "The working group on digital transformation met in Baku on Monday and agreed on a roadmap for the "
        "Baku-Tbilisi-Ceyhan corridor.",  # a short line ending a sentence ends the paragraph
        "A new paragraph starts here and it runs over two lines of the page.",
    ]


def test_pdf_date_is_the_modification_date_then_creation_and_never_an_impossible_one(
        caplog: pytest.LogCaptureFixture) -> None:
    both = {"CreationDate": "D:20200101000000Z", "ModDate": "D:20210618093000+04'00'"}
    assert extract_pdf(make_pdf([["Body of the report."]], both), "a.pdf").meta["date"] == "2021-06-18"
    created = {"CreationDate": "D:20200101000000Z"}
    assert extract_pdf(make_pdf([["Body of the report."]], created), "a.pdf").meta["date"] == "2020-01-01"
    with caplog.at_level(logging.WARNING, logger="qa"):
        bad = extract_pdf(make_pdf([["Body of the report."]], {"ModDate": "D:20241301000000Z"}), "bad.pdf")
    assert "date" not in bad.meta
    assert "bad.pdf: ignored the date '2024-13-01' of its metadata: not a real date" in caplog.text


# --- BBC News: title = first line, for every one of the 2,225 articles ---------------------------------------------


@pytest.mark.shared_data
def test_bbc_titles_are_the_first_line_of_every_article() -> None:
    folder = shared_data("bbc_news")
    read = read_articles(scan_documents(folder))
    articles = [a for a in read.articles if "/" in a.id]  # the five category folders (README.TXT, SOURCE.md aside)
    assert len(articles) == 2225
    wrong = []
    for article in articles:
        first_line, _, rest = article.text.partition("\n")
        body = rest.strip()
        if (article.title != " ".join(first_line.split()) or article.meta
                or not article.text[article.body_start :].lstrip().startswith(body[:40])):
            wrong.append((article.source, article.title, article.meta))
    assert wrong == []


def test_tests_data_articles_keep_their_titles() -> None:
    titles = {a.id: a.title for a in read_articles(scan_documents(ARTICLES)).articles}
    assert titles == {"energy/pipeline": "The Caspian pipeline opens", "harbour": "Harbour cranes arrive",
                      "markets": "Trade targets for 2023"}
