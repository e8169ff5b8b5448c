"""Lists without bullets in PDFs: short lines one under another, each an item, are paragraphs of their own, and a
wrapped paragraph stays one. Items too long to pass for headings were joined into one paragraph ("...recovered
strongly in 2024 Seal pups were counted..."); a browser draws a list's bullets as shapes, so every list of a
printed web page comes without them."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from qa.corpus.pdf import extract_pdf, join_lines

from .test_pdf_layout import STORY, STORY_TEXT, Set, styled_pdf
from .test_printed_pages import CHROMIUM

NEXT = "The next count is due in 2026, the institute said in its report to the ministry on Monday."


@pytest.mark.parametrize("items", [
    ["Walrus numbers around Svalbard recovered strongly", "Seal pups were counted from the air in August",
     "Ice edge retreated further than forecast"],  # longer than headings (0.6 of a full line)
    ["Svalbard: 5,503 animals, up by a tenth;", "Franz Josef Land: 3,300 animals;", "Novaya Zemlya: 1,200 animals."],
    ["2,400 walruses on the beaches of Svalbard in the spring", "$1m for the next survey, from the ministry"],
], ids=["long items", "items ending in semicolons", "items opening with a digit or a sign"])
def test_each_item_of_a_list_without_bullets_is_a_paragraph(items: list[str]) -> None:
    lines = [Set("Walrus survey", 18, True), *STORY, Set("The survey found:", space=2),
             *[Set(item) for item in items], Set(NEXT, space=2)]
    pdf = extract_pdf(styled_pdf(lines), "walrus.pdf")
    assert pdf.text[pdf.body_start:].split("\n\n") == [STORY_TEXT, "The survey found:", *items, NEXT]


def test_items_at_the_usual_line_step_after_a_short_line_are_apart_too() -> None:
    items = ["Walrus numbers around Svalbard recovered strongly", "Seal pups were counted from the air in August"]
    assert join_lines(["The walrus population around Svalbard has grown from a few hundred animals in the",
                       "1950s to more than five thousand today, the institute found:", *items,
                       "The next count is due in 2026, the institute said in its report to the ministry."]) == [
        "The walrus population around Svalbard has grown from a few hundred animals in the 1950s to more than five "
        "thousand today, the institute found:", *items,
        "The next count is due in 2026, the institute said in its report to the ministry."]


@pytest.mark.parametrize(("lines", "paragraphs"), [
    # under a short heading, a line that ended early because the next word (a long name) would not have fitted
    (["Walrus survey", "Walrus numbers recovered strongly, as it was told by the",
      "Donaudampfschifffahrtsgesellschaftskapitan Karl Berg, who saw them from his ship."],
     ["Walrus survey", "Walrus numbers recovered strongly, as it was told by the "
      "Donaudampfschifffahrtsgesellschaftskapitan Karl Berg, who saw them from his ship."]),
    # short lines that go on in lower case, or after a comma: one sentence
    (["Walrus numbers around Svalbard recovered", "strongly after the ban on hunting them,",
      "Seal pups were counted from the air in August of last year by the institute."],
     ["Walrus numbers around Svalbard recovered strongly after the ban on hunting them, Seal pups were counted "
      "from the air in August of last year by the institute."]),
], ids=["a long word did not fit", "lower case and a comma go on"])
def test_short_lines_that_go_on_are_not_items(lines: list[str], paragraphs: list[str]) -> None:
    assert join_lines(lines, usual=84) == paragraphs


def test_a_paragraph_of_full_lines_stays_one_whatever_its_lines_open_with() -> None:
    lines = [Set("Walrus survey", 18, True), Set("The walrus population around Svalbard has grown from a few hundred"),
             Set("Norwegian walruses since the 1950s, to more than five thousand today, according to a"),
             Set("Polar Institute survey published on Monday, which counted the animals from the air."), Set(NEXT)]
    pdf = extract_pdf(styled_pdf(lines), "walrus.pdf")
    assert pdf.text[pdf.body_start:] == " ".join(line.text for line in lines[1:])


@pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} not found: apt-get install chromium")
def test_a_list_of_a_page_printed_by_chromium_keeps_its_items_apart(tmp_path: Path) -> None:
    story = ("The walrus population around Svalbard has grown from a few hundred animals in the 1950s to more than "
             "five thousand today, according to a survey published on Monday by the Norwegian Polar Institute.")
    items = ["Walrus numbers around Svalbard recovered strongly in 2024",
             "Seal pups were counted from the air by two planes in August",
             "Ice edge retreated further north than the models forecast"]
    page = tmp_path / "walrus.html"
    page.write_text(f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Walrus survey</title>
<style>body{{font-family:serif}}</style></head><body><h1>Walrus survey</h1><p>{story}</p><p>The survey found:</p>
<ul>{"".join(f"<li>{item}</li>" for item in items)}</ul><p>The next count is due in 2026, the institute said.</p>
</body></html>""", encoding="utf-8")
    pdf_path = tmp_path / "walrus.pdf"
    subprocess.run([str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                    f"--print-to-pdf={pdf_path}", page.as_uri()], check=True, capture_output=True, timeout=120)
    pdf = extract_pdf(pdf_path.read_bytes(), "walrus.pdf")
    assert pdf.text[pdf.body_start:].split("\n\n") == [
        story, "The survey found:", *items, "The next count is due in 2026, the institute said."]
