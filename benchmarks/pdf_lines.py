"""What reading how each PDF line is set costs: pypdf's `extract_text()` alone (what qa's PDF reader called before
it read font sizes, weights and positions) against `page_lines` (the same call with a visitor) and the whole reader
(`extract_pdf`: lines, running headers and footers, paragraphs), on the same PDF in the same run.

    python benchmarks/pdf_lines.py [--pages 60] [--repeat 5]

The PDF is made here: a headline, then paragraphs of 11 pt text in lines of about 80 characters, a bold heading
every few paragraphs, a running footer, one text operator per line (as most writers draw text).
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import time

import pypdf

from qa.corpus.pdf import extract_pdf
from qa.corpus.pdf_lines import page_lines

WORDS = ("the walrus population around svalbard has grown from a few hundred animals in the fifties to more than "
         "five thousand today according to a survey published by the polar institute on monday").split()


def make_pdf(pages: int, seed: int = 0) -> bytes:
    rng = random.Random(seed)

    def literal(value: str) -> str:
        return "(" + value.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"

    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold >>"]
    kids = []
    for number in range(pages):
        ops, y = [], 760.0
        if number == 0:
            ops.append(f"BT /F2 18 Tf 72 {y} Td {literal('Walrus numbers around Svalbard recover')} Tj ET")
            y -= 30
        while y > 90:
            if rng.random() < 0.1:
                ops.append(f"BT /F2 11 Tf 72 {y} Td {literal('How the animals were counted')} Tj ET")
                y -= 18
            for _ in range(rng.randint(3, 8)):
                line = " ".join(rng.choice(WORDS) for _ in range(14)).capitalize() + "."
                ops.append(f"BT /F1 11 Tf 72 {y} Td {literal(line)} Tj ET")
                y -= 13.75
            y -= 8
        ops.append(f"BT /F1 9 Tf 72 40 Td {literal(f'Walrus survey report, page {number + 1} of {pages}')} Tj ET")
        content = ("\n".join(ops) + "\n").encode("latin-1")
        kids.append(len(objects) + 1)
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R "
                       f"/F2 4 0 R >> >> /Contents {len(objects) + 2} 0 R >>".encode())
        objects.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"endstream")
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(f'{kid} 0 R' for kid in kids)}] /Count {pages} >>".encode()
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
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
    print(f"{args.pages} pages, {len(data) / 1e3:.0f} KB, median of {args.repeat}; load average "
          f"{' '.join(f'{value:.2f}' for value in os.getloadavg())}")
    print(f"{'':32} {'seconds':>8} {'ratio':>6}")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"{name:32} {median:8.3f} {median / base:6.2f}")


if __name__ == "__main__":
    main()
