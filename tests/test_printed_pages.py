"""Web pages printed to PDF by a browser, and Markdown front matter titles: read as the story they hold."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from qa.corpus.bylines import read_byline
from qa.corpus.pdf import extract_pdf, join_lines
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


def test_a_headline_that_says_the_pdf_title_in_full_is_the_title_and_its_byline_the_articles() -> None:
    """A web page's <title> is often the headline cut short: the headline (display type, first on the page) is the
    title then, and the byline and date under it are the article's author and date, not text of its passage."""
    lines = [Set("Walrus numbers recover on Svalbard", 18, True), Set("By Kari Nordmann, 12 May 2025", 11), *STORY]
    pdf = extract_pdf(styled_pdf(lines, title=HEADLINE), "walrus.pdf")
    assert pdf.title == "Walrus numbers recover on Svalbard"
    assert pdf.meta == {"author": "Kari Nordmann", "date": "2025-05-12"}
    assert pdf.text == f"Walrus numbers recover on Svalbard\n\n{STORY_TEXT}"


@pytest.mark.parametrize("first", [Set("Walrus numbers recovered slowly after the hunting ban of 1952, the institute "
                                       "said on Monday.", 11),  # the lead, in the text's type
                                   Set("Walrus numbersome survey", 18, True)])  # not the title's words
def test_a_first_line_that_does_not_say_the_title_in_full_leaves_the_title(first: Set) -> None:
    pdf = extract_pdf(styled_pdf([first, *STORY], title=HEADLINE), "walrus.pdf")
    assert pdf.title == HEADLINE
    assert pdf.text.startswith(f"{HEADLINE}\n\n{first.text}")


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


TAIL = [Set("More on this story", 16, True, 2), Set("Seal pups counted from the air"), Set("Is the ice coming back?"),
        Set("Ice edge retreats 'faster than thought'"),
        Set("Copyright 2025 Polar Times. All rights reserved.", 11, False, 2)]


def test_related_links_and_the_copyright_footer_of_a_printed_news_page_are_left_out() -> None:
    lines = [Set("4/12/25, 9:15 AM Walrus numbers recover - Polar Times", 8), *FURNITURE, Set(HEADLINE, 18, True),
             *STORY, *TAIL, Set("file:///home/me/walrus.html 1/1", 8)]
    pdf = extract_pdf(styled_pdf(lines, title=PAGE_TITLE), "walrus.pdf")
    assert pdf.text == f"{HEADLINE}\n\n{STORY_TEXT}"


def test_a_headline_wrapped_to_a_last_short_word_stays_apart_from_the_byline_under_it() -> None:
    lines = [Set("Walrus numbers around Svalbard recover", 18, True), Set("at", 18, True),
             Set("Reported for the Polar Institute", 11, space=2), *STORY]
    pdf = extract_pdf(styled_pdf(lines), "walrus.pdf")
    assert pdf.title == "Walrus numbers around Svalbard recover at"
    assert pdf.text[pdf.body_start:] == f"Reported for the Polar Institute\n\n{STORY_TEXT}"


def test_a_question_ending_the_story_is_not_taken_for_a_related_link() -> None:
    lines = [Set(HEADLINE, 18, True), *STORY, Set("Will the herds keep growing?", space=2), *TAIL,
             Set("file:///home/me/walrus.html 1/1", 8)]
    pdf = extract_pdf(styled_pdf(lines, title=PAGE_TITLE), "walrus.pdf")
    assert pdf.text == f"{HEADLINE}\n\n{STORY_TEXT}\n\nWill the herds keep growing?"


def test_a_pdf_that_is_not_a_printed_web_page_keeps_its_last_lines() -> None:
    lines = [Set(HEADLINE, 18, True), *STORY, *TAIL]
    pdf = extract_pdf(styled_pdf(lines, title=HEADLINE), "walrus.pdf")
    assert pdf.text.endswith("Copyright 2025 Polar Times. All rights reserved.")


def test_related_links_running_on_to_a_last_page_are_left_out_and_its_hyphens_are_the_texts() -> None:
    header = Set("4/12/25, 9:15 AM Walrus numbers recover - Polar Times", 8)
    first = [header, Set(HEADLINE, 18, True),
             Set("The walrus population around Svalbard has grown from a few hundred animals in the"),
             Set("1950s to more than five thousand today, say scientists of the institute walrus-"),
             Set("counting team, who flew over the islands in August and counted every herd seen."),
             Set("More on this story", 16, True, 2), Set("Seal pups counted from the air"),
             Set("file:///home/me/walrus.html 1/2", 8)]
    second = [header, Set("Ice edge retreats 'faster than thought'"), Set("Arctic terns return early to Svalbard"),
              Set("Copyright 2025 Polar Times. All rights reserved.", 11, False, 2),
              Set("file:///home/me/walrus.html 2/2", 8)]
    pdf = extract_pdf(make_pages(first, second, title=PAGE_TITLE), "walrus.pdf")
    assert pdf.text[pdf.body_start:] == (
        "The walrus population around Svalbard has grown from a few hundred animals in the 1950s to more than five "
        "thousand today, say scientists of the institute walrus-counting team, who flew over the islands in "
        "August and counted every herd seen.\n\n")  # page 2 holds nothing of the story: an empty page
    assert pdf.page_starts == (pdf.body_start, len(pdf.text))


def make_pages(*pages: list[Set], title: str) -> bytes:
    """A PDF of several pages, each drawn as `styled_pdf` draws its one (its page objects put together)."""
    import io

    import pypdf

    writer = pypdf.PdfWriter()
    for lines in pages:
        writer.add_page(pypdf.PdfReader(io.BytesIO(styled_pdf(lines))).pages[0])
    writer.add_metadata({"/Title": title})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize(("line", "found"), [
    ("By a staff reporter, 2025-04-12", {"date": "2025-04-12"}),
    ("By our science correspondent", {}),
    ("By Staff Writers | Polar Times", {"publisher": "Polar Times"}),
    ("By a reporter's count, five thousand walruses live there.", None),
    ("By our reckoning the herd has doubled", None),
])
def test_a_byline_that_names_no_one_is_still_a_byline(line: str, found: dict[str, str] | None) -> None:
    assert read_byline(line) == found


def test_an_unnamed_byline_under_a_printed_headline_leaves_the_body_and_gives_its_date() -> None:
    lines = [Set(HEADLINE, 18, True), Set("By a staff reporter, 2025-04-12", space=2), *STORY]
    pdf = extract_pdf(styled_pdf(lines, title=HEADLINE), "walrus.pdf")
    assert (pdf.text[pdf.body_start:], pdf.meta.get("date")) == (STORY_TEXT, "2025-04-12")


def test_a_story_ending_in_a_list_of_short_lines_keeps_it_and_only_the_links_under_the_heading_go() -> None:
    results = [Set("Svalbard - 5,503 animals", space=2), Set("Franz Josef Land - 3,300 animals"),
               Set("The next count is due in 2026")]
    lines = [Set("4/12/25, 9:15 AM Walrus numbers recover - Polar Times", 8), Set(HEADLINE, 18, True), *STORY,
             *results, *TAIL, Set("file:///home/me/walrus.html 1/1", 8)]
    pdf = extract_pdf(styled_pdf(lines, title=PAGE_TITLE), "walrus.pdf")
    assert pdf.text == (f"{HEADLINE}\n\n{STORY_TEXT}\n\nSvalbard - 5,503 animals\n\nFranz Josef Land - 3,300 animals"
                        "\n\nThe next count is due in 2026")
    without_links = [*lines[:-len(TAIL) - 1], TAIL[-1], lines[-1]]  # the story's list, then the footer alone
    assert extract_pdf(styled_pdf(without_links, title=PAGE_TITLE), "walrus.pdf").text.endswith(
        "The next count is due in 2026")


def test_related_links_that_trail_off_are_links_too() -> None:
    tail = [Set("More on this story", 16, True, 2), Set("'Memories of a cold summer...'"),
            Set("Seal pups counted from the air"), Set("Ice edge retreats faster...")]
    lines = [Set(HEADLINE, 18, True), *STORY, *tail, Set("file:///home/me/walrus.html 1/1", 8)]
    assert extract_pdf(styled_pdf(lines, title=PAGE_TITLE), "walrus.pdf").text == f"{HEADLINE}\n\n{STORY_TEXT}"


def test_short_lines_under_a_heading_stay_apart_when_the_next_opens_with_a_quote() -> None:
    tail = [Set("More on this story", 16, True, 2), Set("Call for the survey to go on"),
            Set("'Last chance' for the ice, say scientists"), Set("Seal pups counted from the air")]
    pdf = extract_pdf(styled_pdf([Set(HEADLINE, 18, True), *STORY, *tail], title=HEADLINE), "walrus.pdf")
    assert pdf.text.endswith("More on this story\n\nCall for the survey to go on\n\n’Last chance’ for the ice, say "
                             "scientists\n\nSeal pups counted from the air")  # Helvetica's quoteright


@pytest.mark.parametrize("link", ["$1m payoff for former Shell boss", "2005 was a record year for walruses",
                                  "iPhone sales beat forecasts", "£5bn Arctic port plan"])
def test_related_links_are_left_out_when_one_opens_with_a_digit_a_sign_or_a_name_like_iphone(link: str) -> None:
    """One link not opening with a capital joined the list into one paragraph, which then stood under the heading
    as one line of text, not a list of links, and stayed (a BBC story printed by Chromium, tech/214)."""
    tail = [Set("More on this story", 16, True, 2), Set("Seal pups counted from the air"), Set(link),
            Set("Ice edge retreats 'faster than thought'"),
            Set("Copyright 2025 Polar Times. All rights reserved.", 11, False, 2)]
    lines = [Set("4/12/25, 9:15 AM Walrus numbers recover - Polar Times", 8), Set(HEADLINE, 18, True), *STORY, *tail,
             Set("file:///home/me/walrus.html 1/1", 8)]
    assert extract_pdf(styled_pdf(lines, title=PAGE_TITLE), "walrus.pdf").text == f"{HEADLINE}\n\n{STORY_TEXT}"


def test_short_lines_opening_with_a_digit_or_a_sign_stay_apart_and_a_sentence_going_on_in_lower_case_joins() -> None:
    assert join_lines(["Results", "2005 was a record year", "$1m payoff for former Shell boss", "Seal pups counted",
                       "iPhone sales soar", "Ice edge retreats", "as the sea warms"], usual=80) == [
        "Results", "2005 was a record year", "$1m payoff for former Shell boss", "Seal pups counted",
        "iPhone sales soar", "Ice edge retreats as the sea warms"]


@pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} not found: apt-get install chromium")
def test_related_links_of_a_page_printed_by_chromium_are_left_out_whatever_they_open_with(tmp_path: Path) -> None:
    story = ("Fishermen in the fjord found fifty walruses offshore, and the official count will be filed "
             "with the office in Tromsø before the first snow.")
    links = ["Seal pups counted from the air", "$1m payoff for former Shell boss", "iPhone sales beat forecasts",
             "2005 was a record year for walruses"]
    page = tmp_path / "walrus.html"
    page.write_text(f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{PAGE_TITLE}</title>
<style>body{{font-family:serif}}</style></head><body>
<header>Polar Times <nav>Home News Science</nav></header>
<article><h1>{HEADLINE}</h1><p>{story}</p></article>
<aside><h2>More on this story</h2><ul>{"".join(f'<li><a href="/{n}">{link}</a></li>' for n, link in enumerate(links))}
</ul></aside><footer><p>Copyright 2025 Polar Times. All rights reserved.</p></footer></body></html>""",
                    encoding="utf-8")
    pdf_path = tmp_path / "walrus.pdf"
    subprocess.run([str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", f"--print-to-pdf={pdf_path}",
                    page.as_uri()], check=True, capture_output=True, timeout=120)
    pdf = extract_pdf(pdf_path.read_bytes(), "walrus.pdf")
    assert pdf.text == f"{HEADLINE}\n\n{story}"


def test_related_links_under_a_story_of_one_short_paragraph_are_left_out() -> None:
    """On a short page most lines are short (the site's name, its menu, the links), so their upper quartile, taken
    for a full line, was a link's length: no link was short beside it and the list became one paragraph. The
    lines that wrap (the next goes on in lower case) say how long a full line is."""
    story = [Set("Fishermen in the fjord found fifty walruses offshore, and the official count will be filed"),
             Set("with the office in Tromso before the first snow.")]
    tail = [Set("More on this story", 16, True, 2), Set("Seal pups counted from the air"),
            Set("Ice edge retreats faster than thought"), Set("Arctic terns return early to Svalbard"),
            Set("Copyright 2025 Polar Times. All rights reserved.", 11, False, 2)]
    lines = [Set("4/12/25, 9:15 AM Walrus numbers recover - Polar Times", 8), Set("Polar Times"),
             Set("Home News Science"), Set(HEADLINE, 18, True), *story, *tail,
             Set("file:///home/me/walrus.html 1/1", 8)]
    assert extract_pdf(styled_pdf(lines, title=PAGE_TITLE), "walrus.pdf").text == (
        f"{HEADLINE}\n\n{' '.join(line.text for line in story)}")


CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36"


def with_info(pdf: bytes, info: dict[str, str]) -> bytes:
    """`pdf` with these document information entries ("/Creator", "/ModDate"...)."""
    import io

    import pypdf

    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(pdf)))
    writer.add_metadata(info)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize(("creator", "text", "date"), [
    (CHROME, "The view of self-interest changed economics.", None),  # a browser hyphenates no word
    ("Microsoft Word", "The view of selfinterest changed economics.", "2021-06-18"),  # as a typesetter would
])
def test_a_page_printed_without_header_and_footer_is_known_by_its_creator(creator: str, text: str,
                                                                         date: str | None) -> None:
    lines = [Set("Adam Smith lecture", 18, True), Set("The view of self-"), Set("interest changed economics.")]
    pdf = extract_pdf(with_info(styled_pdf(lines), {"/Creator": creator, "/ModDate": "D:20210618093000"}), "a.pdf")
    assert (pdf.text[pdf.body_start:], pdf.meta.get("date")) == (text, date)


@pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} not found: apt-get install chromium")
def test_a_page_printed_by_chromium_without_header_and_footer_keeps_its_hyphens_and_has_no_print_date(
        tmp_path: Path) -> None:
    page = tmp_path / "lecture.html"
    page.write_text("""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Adam Smith lecture</title>
</head><body><h1>Adam Smith lecture</h1><p style="font-family:monospace;width:17ch">The view of self-interest
changed economics, Dr Greenspan said in Kirkcaldy.</p></body></html>""", encoding="utf-8")  # "self-" ends a line
    pdf_path = tmp_path / "lecture.pdf"
    subprocess.run([str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                    f"--print-to-pdf={pdf_path}", page.as_uri()], check=True, capture_output=True, timeout=120)
    pdf = extract_pdf(pdf_path.read_bytes(), "lecture.pdf")
    assert pdf.text[pdf.body_start:] == "The view of self-interest changed economics, Dr Greenspan said in Kirkcaldy."
    assert "date" not in pdf.meta  # the day it was printed is not the story's
