"""Web pages printed to PDF by a browser, and Markdown front matter titles: read as the story they hold."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from qa.corpus.pdf import extract_pdf
from qa.corpus.plain import plain_article

from .test_pdf_layout import STORY, STORY_TEXT, Set, styled_pdf

HEADLINE = "Walrus numbers recover"
PAGE_TITLE = f"{HEADLINE} - Polar Times"
FURNITURE = [Set("We use cookies on this site. Manage your settings."), Set("Polar Times"),
             Set("Home News Science Contact")]


@pytest.mark.parametrize("header", ["4/12/25, 9:15 AM Walrus numbers recover - Polar Times",
                                    "12.04.2025, 09:15 Walrus numbers recover - Polar Times"])
def test_a_browser_print_header_and_footer_and_the_site_above_the_headline_are_left_out(header: str) -> None:
    lines = [Set(header, 8), *FURNITURE, Set(HEADLINE, 18, True), *STORY, Set("file:///home/me/walrus.html 1/1", 8)]
    pdf = extract_pdf(styled_pdf(lines, title=PAGE_TITLE), "walrus.pdf")
    assert pdf.title == HEADLINE
    assert pdf.text == f"{HEADLINE}\n\n{STORY_TEXT}"


def test_a_page_counter_that_is_not_this_pages_and_a_date_inside_the_story_stay() -> None:
    lines = [Set(HEADLINE, 18, True), *STORY, Set("Counted on 4/12/25, 9:15 AM by plane.", 11),
             Set("Results so far 2/3", 11)]
    pdf = extract_pdf(styled_pdf(lines, title=HEADLINE), "walrus.pdf")
    assert pdf.text.endswith("Counted on 4/12/25, 9:15 AM by plane.\n\nResults so far 2/3")


def test_a_pdf_title_naming_a_site_whose_headline_is_not_on_the_page_is_kept() -> None:
    lines = [Set("Walrus survey", 18, True), *STORY]
    pdf = extract_pdf(styled_pdf(lines, title=PAGE_TITLE), "walrus.pdf")
    assert pdf.title == PAGE_TITLE
    assert pdf.text == f"{PAGE_TITLE}\n\nWalrus survey\n\n{STORY_TEXT}"


CHROMIUM = Path(os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium")


@pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} not found: apt-get install chromium")
def test_a_news_page_printed_by_chromium_reads_as_its_story(tmp_path: Path) -> None:
    story = ("Fishermen in the fjord found fifty walruses offshore, and the official count will be filed "
             "with the office in Tromsø before the first snow.")
    page = tmp_path / "walrus.html"
    page.write_text(f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{PAGE_TITLE}</title>
<style>body{{font-family:serif}}</style></head><body>
<div class="cookie-banner"><p>We use cookies on this site.</p><button>Accept all</button></div>
<header>Polar Times <nav>Home News Science</nav></header>
<article><h1>{HEADLINE}</h1><p>{story}</p></article></body></html>""", encoding="utf-8")
    pdf_path = tmp_path / "walrus.pdf"
    subprocess.run([str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", f"--print-to-pdf={pdf_path}",
                    page.as_uri()], check=True, capture_output=True, timeout=120)
    pdf = extract_pdf(pdf_path.read_bytes(), "walrus.pdf")
    assert pdf.title == HEADLINE
    assert pdf.text == f"{HEADLINE}\n\n{story}"  # no ligature characters ("ﬁ"), no print header, no site furniture


@pytest.mark.parametrize(("line", "title"), [
    ("title: \"Ferry service 'to resume by May'\"", "Ferry service 'to resume by May'"),
    ("title: 'Harbour ''reopens'' at last'", "Harbour 'reopens' at last"),
    ('title: "The \\"quiet\\" harbour"', 'The "quiet" harbour'),
    ("title: Harbour 'reopens'", "Harbour 'reopens'"),
])
def test_front_matter_titles_keep_quotes_of_their_own(line: str, title: str) -> None:
    article = plain_article(f"---\n{line}\n---\n\nThe ferry runs again from Monday.\n", "ferry", "ferry.md", True)
    assert article.title == title


@pytest.mark.parametrize("first", ["Result: Ferrer 6-3 4-6 7-5 Haas",
                                   "Readers can now fight back against junk mail"])
def test_under_a_front_matter_title_a_short_first_line_is_the_body(first: str) -> None:
    text = f'---\ntitle: "Screensaver tackles spam"\n---\n\n{first}\n\nLycos has made a screensaver.\n'
    article = plain_article(text, "spam", "spam.md", True)
    assert article.title == "Screensaver tackles spam"
    assert article.text[article.body_start:] == f"{first}\n\nLycos has made a screensaver.\n"


def test_under_a_front_matter_title_a_first_line_repeating_it_is_not_the_body() -> None:
    text = '---\ntitle: "Screensaver tackles spam"\n---\n\nScreensaver tackles spam\n\nLycos has made a screensaver.\n'
    article = plain_article(text, "spam", "spam.md", True)
    assert (article.title, article.text[article.body_start:]) == ("Screensaver tackles spam",
                                                                   "Lycos has made a screensaver.\n")
