"""A news page printed to PDF by a browser: its copyright footer followed by the footer's links, and its dates. A
user trial printed a Portuguese story with Chromium: the passage ended in "© 2025 Daily Wire. All rights reserved.
Privacy policy Terms of use Contact us Follow us on Facebook, Instagram and YouTube." (only a copyright line that is
the very last was left out, and "Terms of use" answered a question about "use"), and the article was dated the day
it was printed (the /ModDate of a browser's PDF), its own dateline unread."""

from __future__ import annotations

import io

import pypdf
import pytest

from qa.corpus.pdf import extract_pdf

from .test_pdf_layout import STORY, STORY_TEXT, Set, styled_pdf

HEADLINE = "Walrus numbers recover"
PAGE_TITLE = f"{HEADLINE} - Polar Times"
HEADER = Set("4/12/25, 9:15 AM Walrus numbers recover - Polar Times", 8)
FOOTER = Set("file:///home/me/walrus.html 1/1", 8)
SITE_FOOTER = [Set("© 2025 Polar Times. All rights reserved.", 10, False, 2), Set("Privacy policy", 10),
               Set("Terms of use", 10), Set("Contact us", 10), Set("Follow us on Facebook, Instagram and YouTube.", 10)]


def dated(data: bytes, modified: str) -> bytes:
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(data)))
    writer.add_metadata({"/ModDate": modified, "/CreationDate": modified})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_the_links_after_a_printed_pages_copyright_line_are_left_out_with_it() -> None:
    lines = [HEADER, Set(HEADLINE, 18, True), *STORY, *SITE_FOOTER, FOOTER]
    pdf = extract_pdf(styled_pdf(lines, title=PAGE_TITLE), "walrus.pdf")
    assert pdf.text == f"{HEADLINE}\n\n{STORY_TEXT}"


def test_a_story_that_is_not_a_printed_page_keeps_its_copyright_lines() -> None:
    lines = [Set(HEADLINE, 18, True), *STORY, *SITE_FOOTER]
    pdf = extract_pdf(styled_pdf(lines, title=HEADLINE), "walrus.pdf")
    assert pdf.text.endswith("Follow us on Facebook, Instagram and YouTube.")


def test_a_long_paragraph_after_a_copyright_line_is_the_storys() -> None:
    ending = Set("The institute says the next survey will count the herds of Franz Josef Land as well, from the air.")
    lines = [HEADER, Set(HEADLINE, 18, True), *STORY, Set("© Polar Institute", 10, False, 2), Set("Terms of use", 10),
             Set("", 10, False, 2), ending, FOOTER]
    pdf = extract_pdf(styled_pdf(lines, title=PAGE_TITLE), "walrus.pdf")
    assert pdf.text.endswith(ending.text)


@pytest.mark.parametrize(("dateline", "day"), [(None, None), ("Tromsø, 12 April 2025", "2025-04-12")])
def test_a_printed_page_is_dated_by_its_dateline_never_by_the_day_it_was_printed(dateline: str | None,
                                                                              day: str | None) -> None:
    top = [Set(HEADLINE, 18, True), *([Set(dateline, 11, False, 2)] if dateline else [])]
    lines = [HEADER, *top, *STORY, FOOTER]
    pdf = extract_pdf(dated(styled_pdf(lines, title=PAGE_TITLE), "D:20261203223414+00'00'"), "walrus.pdf")
    assert pdf.meta.get("date") == day
    assert pdf.text[pdf.body_start:] == STORY_TEXT


def test_a_pdf_not_printed_by_a_browser_keeps_its_saved_date() -> None:
    pdf = extract_pdf(dated(styled_pdf([Set(HEADLINE, 18, True), *STORY], title=HEADLINE), "D:20250412093000Z"),
                      "walrus.pdf")
    assert pdf.meta.get("date") == "2025-04-12"


def test_a_printed_pages_share_buttons_are_left_out_and_its_dateline_read() -> None:
    """Under the headline: byline, dateline, then the share buttons on a line of their own, which the dateline's
    paragraph took in ("Belo Horizonte, 3 de outubro de 2024 Share on Facebook · Share on X · Email"): no date."""
    lines = [HEADER, Set(HEADLINE, 18, True), Set("By Jane Roe", space=2), Set("Tromsø, 12 April 2025"),
             Set("Share on Facebook · Share on X · Email"), *STORY, FOOTER]
    pdf = extract_pdf(dated(styled_pdf(lines, title=PAGE_TITLE), "D:20261203223414+00'00'"), "walrus.pdf")
    assert pdf.text[pdf.body_start:] == STORY_TEXT
    assert (pdf.meta.get("author"), pdf.meta.get("date")) == ("Jane Roe", "2025-04-12")


def test_a_story_line_about_sharing_stays() -> None:
    ending = Set("Share prices of the fishing firms rose on the news.")
    lines = [HEADER, Set(HEADLINE, 18, True), *STORY, ending, FOOTER]
    assert extract_pdf(styled_pdf(lines, title=PAGE_TITLE), "walrus.pdf").text.endswith(ending.text)
