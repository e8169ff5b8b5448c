"""What reading how each PDF line is set costs: pypdf's `extract_text()` alone (what qa's PDF reader called before
it read font sizes, weights and positions) against `page_lines` (the same call with a visitor) and the whole reader
(`extract_pdf`: lines, running headers and footers, paragraphs), on the same PDF in the same run.

    python benchmarks/pdf_lines.py [--pages 60] [--repeat 5]

The PDF is a report printed by headless Chromium as a user prints a page (`mixed_formats.print_pdfs`): a headline,
then paragraphs of 11 pt text, a bold heading every few paragraphs, the browser's header and footer on each page.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pypdf

from qa.corpus.pdf import extract_pdf
from qa.corpus.pdf_lines import page_lines

sys.path.insert(0, str(Path(__file__).resolve().parent))
from mixed_formats import CHROMIUM, print_pdfs  # noqa: E402

WORDS = ("the walrus population around svalbard has grown from a few hundred animals in the fifties to more than "
         "five thousand today according to a survey published by the polar institute on monday").split()


def make_pdf(pages: int, seed: int = 0) -> bytes:
    """A report of about `pages` pages printed by headless Chromium (`mixed_formats.print_pdfs`): a headline, then
    paragraphs of 11 pt text with a bold heading every few paragraphs, Chromium's header and footer on each page."""
    rng = random.Random(seed)
    body = ["<h1>Walrus numbers around Svalbard recover</h1>"]
    for _ in range(pages * 9):  # about nine paragraphs a page at 11 pt
        if rng.random() < 0.1:
            body.append("<h2>How the animals were counted</h2>")
        sentences = (" ".join(rng.choice(WORDS) for _ in range(14)).capitalize() + "."
                     for _ in range(rng.randint(3, 8)))
        body.append(f"<p>{' '.join(sentences)}</p>")
    page = ("<html><head><title>Walrus survey report</title><style>body { font: 11pt Helvetica, sans-serif } "
            "h1 { font-size: 18pt } h2 { font-size: 11pt }</style></head><body>" + "".join(body) + "</body></html>")
    with tempfile.TemporaryDirectory(prefix="qa-pdf-lines-") as work:
        html, pdf = Path(work) / "report.html", Path(work) / "report.pdf"
        html.write_text(page, encoding="utf-8")
        print_pdfs([(html, pdf)])
        return pdf.read_bytes()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if not CHROMIUM:
        raise SystemExit("the PDF is printed by Chromium, which is not here: apt-get install chromium "
                         "(or set CHROMIUM)")
    data = make_pdf(args.pages)

    def plain() -> object:
        return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages]

    def styled() -> object:
        return [page_lines(page) for page in pypdf.PdfReader(io.BytesIO(data)).pages]

    def reader() -> object:
        return extract_pdf(data, "walrus.pdf")

    peers = {"pypdf extract_text (before)": plain, "page_lines (visitor)": styled, "extract_pdf (whole reader)": reader}
    for run in peers.values():
        run()  # imports, font caches
    times: dict[str, list[float]] = {name: [] for name in peers}
    for _ in range(args.repeat):
        for name, run in peers.items():  # interleaved: the machine's load falls on all alike
            started = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - started)
    base = statistics.median(times["pypdf extract_text (before)"])
    printed = len(pypdf.PdfReader(io.BytesIO(data)).pages)
    print(f"{printed} pages printed, {len(data) / 1e3:.0f} KB, median of {args.repeat}; load average "
          f"{' '.join(f'{value:.2f}' for value in os.getloadavg())}")
    print(f"{'':32} {'seconds':>8} {'ratio':>6}")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"{name:32} {median:8.3f} {median / base:6.2f}")


if __name__ == "__main__":
    main()
