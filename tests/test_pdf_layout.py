"""PDF paragraphs from how lines are set: a title or heading is its own paragraph whatever its length, a wrapped
title is one paragraph, and a wider space between lines ends a paragraph (a user trial found a PDF whose ten-word
headline was joined to the story under it, the headline being too long to pass for a heading by its width)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from qa.corpus.extracted import placeholder_title
from qa.corpus.heading import TITLE_FROM
from qa.corpus.pdf import extract_pdf, join_lines
from qa.corpus.pdf_lines import Line

from .test_formats import literal, make_pdf, pdf_file


@dataclass(frozen=True)
class Set:
    """A line as drawn: its text, font size (points), bold, and the space above it (in line steps)."""

    text: str
    size: float = 11
    bold: bool = False
    space: float = 1.0


def styled_pdf(lines: list[Set], flipped: bool = False, scaled: bool = False, title: str | None = None) -> bytes:
    """A one-page PDF of `lines` in Helvetica and Helvetica-Bold, each placed by an absolute text matrix 1.25 x
    its size below the one above (times `space`). `flipped`: the page's y axis points down (a `cm` that flips
    it, as Chromium writes); `scaled`: the size is in the text matrix with a font size of 1 (as many PDF
    writers do)."""
    ops = ["1 0 0 -1 0 792 cm"] if flipped else []
    y = 760.0
    for n, line in enumerate(lines):
        if n:
            y -= 1.25 * line.size * line.space
        font = "/F2" if line.bold else "/F1"
        drawn_y = 792 - y if flipped else y
        flip = -1 if flipped else 1
        if scaled:
            ops.append(f"BT {font} 1 Tf {line.size} 0 0 {flip * line.size} 72 {drawn_y} Tm {literal(line.text)} Tj ET")
        else:
            ops.append(f"BT {font} {line.size} Tf 1 0 0 {flip} 72 {drawn_y} Tm {literal(line.text)} Tj ET")
    content = ("\n".join(ops) + "\n").encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R /F2 6 0 R >> >> "
        b"/Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"endstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold >>",
    ]
    trailer = f"/Size {len(objects) + 1 + (title is not None)} /Root 1 0 R"
    if title is not None:
        objects.append(f"<< /Title {literal(title)} >>".encode())
        trailer += f" /Info {len(objects)} 0 R"
    return pdf_file(objects, trailer)


HEADLINE = "Walrus numbers around Svalbard recover after fifty years of protection"
STORY = [
    Set("The walrus population around Svalbard has grown from a few hundred animals in the"),
    Set("1950s to more than five thousand today, according to a survey published on Monday"),
    Set("by the Norwegian Polar Institute, which counted the animals from the air in August."),
]
STORY_TEXT = " ".join(line.text for line in STORY)
LAYOUTS = {"upright": {}, "flipped": {"flipped": True}, "scaled": {"scaled": True},
           "flipped and scaled": {"flipped": True, "scaled": True}}


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("headline", [Set(HEADLINE, 16, True), Set(HEADLINE, 18), Set(HEADLINE, 11, True)],
                         ids=["larger and bold", "larger", "bold"])
def test_a_long_headline_is_the_title_and_not_joined_to_the_story(headline: Set, layout: str) -> None:
    pdf = extract_pdf(styled_pdf([headline, *STORY], **LAYOUTS[layout]), "walrus.pdf")
    assert pdf.title == HEADLINE
    assert TITLE_FROM not in pdf.meta
    assert pdf.text == f"{HEADLINE}\n\n{STORY_TEXT}"


@pytest.mark.parametrize("layout", LAYOUTS)
def test_a_headline_wrapped_over_two_lines_is_one_title(layout: str) -> None:
    lines = [Set("Walrus numbers around Svalbard recover", 20, True), Set("after fifty years of protection", 20, True),
             *STORY]
    pdf = extract_pdf(styled_pdf(lines, **LAYOUTS[layout]), "walrus.pdf")
    assert pdf.title == HEADLINE
    assert pdf.text == f"{HEADLINE}\n\n{STORY_TEXT}"


def test_a_long_bold_heading_between_paragraphs_is_a_paragraph_of_its_own() -> None:
    heading = "How the researchers counted the animals from aircraft and from drones"
    lines = [Set("Walrus report", 16, True), *STORY, Set(heading, 11, True, space=1.8),
             Set("Aerial surveys were flown in August, when most walruses haul out on land, and the count was"),
             Set("corrected for the animals that were in the water at the time of the flights over the islands.")]
    pdf = extract_pdf(styled_pdf(lines), "walrus.pdf")
    assert pdf.text[pdf.body_start :].split("\n\n") == [
        STORY_TEXT, heading,
        "Aerial surveys were flown in August, when most walruses haul out on land, and the count was corrected for "
        "the animals that were in the water at the time of the flights over the islands."]


def test_a_wider_space_ends_a_paragraph_whose_last_line_is_full() -> None:
    second = [Set("Climate change may still threaten the recovery, the researchers warned, as the sea ice", space=1.8),
              Set("retreats further north every summer and the walruses lose the floes they rest on.")]
    pdf = extract_pdf(styled_pdf([Set("Walrus report", 16, True), *STORY, *second]), "walrus.pdf")
    assert pdf.text[pdf.body_start :].split("\n\n") == [STORY_TEXT, " ".join(line.text for line in second)]


def test_a_wider_space_inside_a_sentence_does_not_end_its_paragraph() -> None:
    lines = [Set("Walrus report", 16, True), Set("The walrus population around Svalbard has grown from a few hundred"),
             Set("animals in the 1950s to more than five thousand today, the survey of the institute", space=1.8),
             Set("found. It was published on Monday.")]
    pdf = extract_pdf(styled_pdf(lines), "walrus.pdf")
    assert pdf.text[pdf.body_start :] == " ".join(line.text for line in lines[1:])


def test_lines_without_styles_are_joined_by_their_text_alone() -> None:
    assert join_lines(["Harbour report", "The cranes arrived on Monday and the ships left on", "Tuesday."]) == [
        "Harbour report", "The cranes arrived on Monday and the ships left on Tuesday."]
    assert join_lines([Line("Harbour report"), Line("The cranes arrived on Monday.")]) == [
        "Harbour report", "The cranes arrived on Monday."]


@pytest.mark.parametrize("placeholder", ["walrus.html", "Microsoft Word - walrus report.docx", "Untitled", "Document1"])
def test_a_file_name_as_pdf_title_gives_way_to_the_headline(placeholder: str) -> None:
    pdf = extract_pdf(styled_pdf([Set(HEADLINE, 16, True), *STORY], title=placeholder), "walrus.pdf")
    assert pdf.title == HEADLINE
    assert pdf.text == f"{HEADLINE}\n\n{STORY_TEXT}"


def test_a_real_pdf_title_is_kept() -> None:
    pdf = extract_pdf(styled_pdf([Set(HEADLINE, 16, True), *STORY], title="Walrus report 2021"), "walrus.pdf")
    assert pdf.title == "Walrus report 2021"
    assert pdf.text == f"Walrus report 2021\n\n{HEADLINE}\n\n{STORY_TEXT}"


def test_a_byline_under_the_headline_is_the_author_not_the_text() -> None:
    lines = [Set(HEADLINE, 16, True), Set("By Jane Roe, 18 June 2021", space=1.6), Set(STORY[0].text, space=1.6),
             *STORY[1:]]
    pdf = extract_pdf(styled_pdf(lines), "walrus.pdf")
    assert (pdf.title, pdf.meta) == (HEADLINE, {"author": "Jane Roe", "date": "2021-06-18"})
    assert pdf.text == f"{HEADLINE}\n\n{STORY_TEXT}"


def test_titles_that_only_mention_a_file_are_titles() -> None:
    assert not placeholder_title("Why we moved our site off index.html")
    assert not placeholder_title("Walrus report 2021")
    assert placeholder_title("C:\\reports\\walrus.docx") and placeholder_title("untitled 2")


def test_bold_words_and_a_footnote_mark_inside_a_sentence_keep_it_one_paragraph() -> None:
    lines = [Set("Walrus report", 16, True),
             Set("The survey of the walrus colonies around the islands was financed by"),
             Set("Norwegian Polar Institute", bold=True), Set("and flown in August, when most of the walruses"),
             Set("12", 7), Set("Haul out on the beaches of the islands to rest after feeding at sea.")]
    pdf = extract_pdf(styled_pdf(lines), "walrus.pdf")
    assert pdf.text[pdf.body_start :] == " ".join(line.text for line in lines[1:])


def test_running_headers_and_footers_are_left_out_and_a_sentence_runs_on_over_pages() -> None:
    bodies = [["Walrus numbers recover", "The walrus population around Svalbard has grown from a few hundred",
               "animals in the 1950s to more than five thousand today, according to"],
              ["a survey that the Norwegian Polar Institute published on Monday.", "Aerial surveys were flown."],
              ["Climate change may still threaten the recovery, the researchers warned."],
              ["The next survey is planned for 2026."]]
    pages = [[f"Svalbard Wildlife Review {n + 1}/4", *lines, f"Page {n + 1} of 4"] for n, lines in enumerate(bodies)]
    pages[0] = pages[0][1:]  # the first page has no header, only its footer
    pdf = extract_pdf(make_pdf(pages), "walrus.pdf")
    assert pdf.title == "Walrus numbers recover"
    assert "Svalbard Wildlife Review" not in pdf.text and "Page " not in pdf.text
    assert pdf.text[pdf.body_start :] == (
        "The walrus population around Svalbard has grown from a few hundred animals in the 1950s to more than five "
        "thousand today, according to\n"  # the sentence runs on to page 2: a newline, not a paragraph break
        "a survey that the Norwegian Polar Institute published on Monday. Aerial surveys were flown.\n\n"
        "Climate change may still threaten the recovery, the researchers warned.\n\n"
        "The next survey is planned for 2026.")
    assert pdf.text[pdf.page_starts[1] :].startswith("a survey that")
    assert pdf.text[pdf.page_starts[3] :] == "The next survey is planned for 2026."


def test_a_title_repeated_as_the_running_header_stays_the_title() -> None:
    pages = [["Walrus Review", "The walrus population has grown to five thousand animals today."],
             ["Walrus Review", "Aerial surveys were flown in August."],
             ["Walrus Review", "The next survey is planned for 2026."]]
    pdf = extract_pdf(make_pdf(pages), "walrus.pdf")
    assert pdf.title == "Walrus Review"
    assert pdf.text == ("Walrus Review\n\nThe walrus population has grown to five thousand animals today.\n\n"
                        "Aerial surveys were flown in August.\n\nThe next survey is planned for 2026.")


def test_a_headline_over_a_story_that_starts_in_lower_case_is_still_apart() -> None:
    story = [Set("iPhone sales in Norway rose by a fifth in the first quarter of the year, the importers said on"),
             Set("Monday, as shops cut their prices before the summer.")]
    pdf = extract_pdf(styled_pdf([Set(HEADLINE, 16, True), *story]), "walrus.pdf")
    assert pdf.title == HEADLINE
    assert pdf.text == f"{HEADLINE}\n\n{story[0].text} {story[1].text}"


def test_a_pdf_author_an_installation_wrote_gives_way_to_the_byline() -> None:
    lines = [Set(HEADLINE, 16, True), Set("By Jane Roe", space=1.6), Set(STORY[0].text, space=1.6), *STORY[1:]]
    pdf = extract_pdf(make_pdf_with_author(styled_pdf(lines), "Administrator"), "walrus.pdf")
    assert pdf.meta == {"author": "Jane Roe"}


def test_a_date_line_under_the_headline_is_the_article_date_not_the_print_date() -> None:
    """A page printed to PDF carries the day it was printed as /ModDate; the line under the headline is the story's."""
    lines = [Set(HEADLINE, 16, True), Set("18 June 2021", space=1.6), Set(STORY[0].text, space=1.6), *STORY[1:]]
    printed = make_pdf_with_author(styled_pdf(lines), "Jane Roe", modified="D:20241203101500Z")
    pdf = extract_pdf(printed, "walrus.pdf")
    assert pdf.meta == {"author": "Jane Roe", "date": "2021-06-18"}
    undated = [Set(HEADLINE, 16, True), *STORY]
    assert extract_pdf(make_pdf_with_author(styled_pdf(undated), "Jane Roe", modified="D:20241203101500Z"),
                       "walrus.pdf").meta["date"] == "2024-12-03"  # no date line: the file's date, as before


def make_pdf_with_author(data: bytes, author: str, modified: str | None = None) -> bytes:
    """`data` with an /Info dictionary naming `author` (and /ModDate `modified`), written by pypdf (an incremental
    rewrite)."""
    import io

    import pypdf

    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(data)))
    writer.add_metadata({"/Author": author, **({"/ModDate": modified} if modified else {})})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize(("layout", "options"), LAYOUTS.items())
def test_a_short_story_keeps_its_paragraphs_when_half_of_its_steps_are_gaps(layout: str, options: dict[str, bool]
                                                                           ) -> None:
    """A news page printed to PDF: a byline, a paragraph of two full lines and one of one line. Half of the steps
    between lines of the text's size are paragraph gaps; the usual step was their median, a gap, and the two
    paragraphs were read as one."""
    lines = [Set("Wind farm approved off the coast", 20, True), Set("By Tom Baker, 12 May 2025", space=1.8),
             Set("The government approved a 900 megawatt offshore wind farm on Tuesday. It will power", space=1.8),
             Set("700,000 homes when it opens in 2029, the energy minister said at the port in Hull."),
             Set("Fishing groups objected to the cable route, which crosses a breeding ground for cod.", space=1.8)]
    pdf = extract_pdf(styled_pdf(lines, **options), "wind.pdf")
    assert pdf.text.endswith("It will power 700,000 homes when it opens in 2029, the energy minister said at the port "
                             "in Hull.\n\n"
                             "Fishing groups objected to the cable route, which crosses a breeding ground for cod.")


@pytest.mark.parametrize("hyphenates", [True, False])
def test_a_spaced_dash_at_a_line_end_keeps_its_space(hyphenates: bool) -> None:
    """"towering figure -" + "who changed economics" read "figure -who": the dash was taken for a hyphen of the
    text (as in "Baku-Tbilisi-" + "Ceyhan", which stays joined)."""
    assert join_lines(["He said the philosopher was a towering figure in the history of economics -",
                       "who changed how nations saw trade along the Baku-Tbilisi-",
                       "Ceyhan pipeline and elsewhere."], usual=80, hyphenates=hyphenates) == [
        "He said the philosopher was a towering figure in the history of economics - who changed how nations saw "
        "trade along the Baku-Tbilisi-Ceyhan pipeline and elsewhere."]


def test_a_sentence_running_on_to_a_page_that_opens_with_a_capital_stays_one_paragraph() -> None:
    """"...Like so many of the top South" + "American players, Tevez..." was cut in two at the page break: the page
    ends without a sentence's end inside a wrapped paragraph. A page ending in a heading still breaks."""
    first = ["Tevez arrives in Brazil", "Carlos Tevez arrived at the club with a price tag that made him the most",
             "expensive player in the history of the league, and there will be matches in",
             "small towns with plenty of defenders keen to kick him. Like so many of the top South"]
    second = ["American players, Tevez can surprise.", "The season begins in April with a match against the champions."]
    pdf = extract_pdf(make_pdf([first, second]), "tevez.pdf")
    assert pdf.text[pdf.body_start:] == " ".join(first[1:]) + "\n" + second[0] + "\n\n" + second[1]
    ended = [*first[:3], "small towns, keen to kick him.", "A new season"]
    heading = extract_pdf(make_pdf([ended, second[1:]]), "season.pdf")
    assert heading.text[heading.body_start:] == " ".join(ended[1:4]) + "\n\nA new season\n\n" + second[1]
