"""qa.corpus readers: HTML main text, PDF pages, JSONL records -> the text qa stores and cites."""

from __future__ import annotations

import io
import socket
from pathlib import Path

import pytest

from qa.corpus.chunking import chunk_article
from qa.corpus.extracted import Extracted
from qa.corpus.html import extract_html
from qa.corpus.jsonl import extract_jsonl
from qa.corpus.pdf import extract_pdf
from qa.errors import UnreadableFile as FormatError
from qa.models import Article, page_number

FORMATS = Path(__file__).parent / "data" / "formats"


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Extraction must never fetch anything: any connection or name lookup fails the test."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"network access attempted: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def chunks(extracted: Extracted) -> list[str]:
    article = Article(id="x", source="x", title=extracted.title, text=extracted.text, body_start=extracted.body_start)
    passages = chunk_article(article, chunk_words=100, overlap=1)
    assert all(article.text[p.start : p.end] == p.text for p in passages)
    return [p.text for p in passages]


# --- HTML -------------------------------------------------------------------------------------------------------

CAVIAR_PARAGRAPHS = [
    (
        "The first caviar festival on the Caspian coast opened in Baku on Friday, drawing producers from Azerbaijan, "
        "Iran and Kazakhstan to the seaside boulevard for three days of tastings and trade talks."
    ),
    (
        "Organisers said the festival aims to revive the sturgeon industry, which collapsed after decades of "
        "overfishing. Farmed sturgeon now supply most of the caviar sold in the country, according to the ministry "
        "of agriculture."
    ),
    (
        "Visitors could watch chefs prepare traditional dishes, and local fishermen explained how hatcheries release "
        "young sturgeon into the Kura river every spring to rebuild the wild population."
    ),
    (
        "The next festival is planned for June 2022, when organisers hope to welcome exhibitors from Russia and "
        "Turkmenistan as well."
    ),
]


def test_html_keeps_the_article_as_blank_line_separated_paragraphs() -> None:
    page = extract_html((FORMATS / "article.html").read_bytes(), "news/caviar.html")
    assert page.key is None
    assert page.title == "Baku hosts its first caviar festival"  # og:title, not "<title> | Daily Example"
    assert page.text == page.title + "\n\n" + "\n\n".join(CAVIAR_PARAGRAPHS)  # the <h1> is not repeated
    assert page.body_start == len(page.title) + 2
    assert page.text[page.body_start :].startswith("The first caviar festival")
    assert page.page_starts == ()


def test_html_leaves_navigation_and_boilerplate_out() -> None:
    text = extract_html((FORMATS / "article.html").read_bytes(), "news/caviar.html").text
    for boilerplate in (
        "Home | About | Contact",
        "Home",
        "cookies",
        "Accept",
        "All rights reserved",
        "Privacy policy",
        "Most read",
        "Oil prices rise again",
        "tracker.js",
        "font-family",
    ):
        assert boilerplate not in text


def test_html_metadata_for_citations() -> None:
    page = extract_html((FORMATS / "article.html").read_bytes(), "news/caviar.html")
    assert page.meta == {
        "url": "https://news.example.com/2021/06/caviar-festival",
        "date": "2021-06-18",
        "author": "Leyla Mammadova",
        "publisher": "Daily Example",
        "lang": "en",  # <html lang="en">
    }


def test_html_passages_are_the_paragraphs() -> None:
    page = extract_html((FORMATS / "article.html").read_bytes(), "news/caviar.html")
    passages = chunks(page)
    assert len(passages) > 1
    assert [paragraph for passage in passages for paragraph in passage.split("\n\n")] == CAVIAR_PARAGRAPHS


PLAIN_PAGE = """<html><head><title>Oil prices rise | Example News</title></head><body>
<nav><a href="/">Home</a> | <a href="/about">About</a> | <a href="/contact">Contact</a></nav>
<div class="content"><p>Oil prices rose on Monday as traders weighed new supply cuts announced by producers over
the weekend.<br>Brent crude gained two percent.</p>
<ul><li>Brent: 80 dollars</li><li>WTI: 76 dollars</li></ul>
<p>Analysts expect prices to stay high through the summer, when demand for fuel usually peaks.</p></div>
<footer>Copyright 2024 Example News</footer></body></html>"""


def test_html_title_from_the_title_element_and_each_block_a_paragraph() -> None:
    page = extract_html(PLAIN_PAGE.encode(), "oil.html")
    assert page.title == "Oil prices rise"  # the site name is cut from <title>
    assert page.text[page.body_start :].split("\n\n") == [
        (  # <br>: a line break inside the paragraph
            "Oil prices rose on Monday as traders weighed new supply cuts announced by producers over the weekend.\n"
            "Brent crude gained two percent."
        ),
        "Brent: 80 dollars",
        "WTI: 76 dollars",
        "Analysts expect prices to stay high through the summer, when demand for fuel usually peaks.",
    ]
    assert page.meta == {}  # no url, date, author or site name; the footer's "Copyright 2024" is not a date


STRUCTURED_PAGE = b"""<html><head><script type="application/ld+json">{"@context": "https://schema.org",
"@type": "NewsArticle", "headline": "Trade figures for 2020", "datePublished": "2021-02-03T08:00:00Z",
"author": {"@type": "Person", "name": "Ayya Lmahamad"}}</script></head>
<body><article><h1>Trade figures for 2020</h1><h2>Exports <em>grew</em></h2>
<p>Text with <b>bold</b> and <a href="https://example.com/x">linked</a> words.</p>
<blockquote><p>Quoted paragraph one.</p><p>Quoted two.</p></blockquote>
<table><tr><th>Year</th><th>Value</th></tr><tr><td>2020</td><td>5</td></tr></table>
<ol><li>One<ul><li>nested</li></ul></li></ol><!-- a comment --></article></body></html>"""


def test_html_headings_quotes_tables_and_lists_become_plain_paragraphs() -> None:
    page = extract_html(STRUCTURED_PAGE, "trade.html")
    assert page.title == "Trade figures for 2020"
    assert page.meta == {"date": "2021-02-03", "author": "Ayya Lmahamad"}  # from JSON-LD
    assert page.text[page.body_start :].split("\n\n") == [
        "Exports grew",
        "Text with bold and linked words.",  # no markdown, no link targets
        "Quoted paragraph one.",
        "Quoted two.",
        "Year | Value",
        "2020 | 5",
        "One",
        "nested",
    ]


def test_html_title_falls_back_to_the_first_line() -> None:
    html = "<html><body><div><p>Harbour opens at Alat</p><p>The new harbour opened on Monday.</p></div></body></html>"
    page = extract_html(html.encode(), "harbour.html")
    assert page.title == "Harbour opens at Alat"
    assert page.text == "Harbour opens at Alat\n\nThe new harbour opened on Monday."


def test_html_decodes_the_declared_charset() -> None:
    html = (
        '<html><head><meta charset="iso-8859-1"><title>Caf\xe9 society</title></head>'
        "<body><article><p>Le caf\xe9 cr\xe8me co\xfbte deux euros \xe0 Paris depuis janvier.</p></article>"
        "</body></html>"
    )
    page = extract_html(html.encode("latin-1"), "cafe.html")
    assert page.title == "Café society"
    assert "Le café crème coûte deux euros à Paris depuis janvier." in page.text


DOCS_PAGE = b"""<html><head><title>Common Programming Concepts - The Rust Programming Language</title></head>
<body><div id="help-container" class="hidden"><h2 class="title">Keyboard shortcuts</h2><p>Press S to search.</p></div>
<nav><h1 class="menu-title">The Rust Programming Language</h1></nav>
<main><h1 id="common-programming-concepts">Common Programming Concepts</h1>
<p>This chapter covers concepts that appear in almost every programming language and how they work in Rust.</p>
<p>Specifically, you will learn about variables, basic types, functions, comments, and control flow.</p></main>
</body></html>"""


def test_html_title_confirmed_by_the_title_element_wins_over_a_side_widget() -> None:
    page = extract_html(DOCS_PAGE, "book/ch03.html")
    assert page.title == "Common Programming Concepts"
    assert page.text[page.body_start :].startswith("This chapter covers concepts")


BOOK_PAGE = b"""<html><head><title>Closures - The Rust Programming Language</title></head>
<body><nav class="sidebar"><ol><li><a href="ch01.html">Getting Started</a></li><li><a href="ch13.html">Closures</a></li>
</ol></nav><div id="menu-bar"><h1 class="menu-title">The Rust Programming Language</h1></div>
<main><h1 id="closures">Closures</h1>
<p>Rust closures are anonymous functions you can save in a variable, such as <code>add_one</code>, or pass as
arguments to other functions.</p>
<pre><code>let add_one = |x| x + 1;
let five = add_one(4);</code></pre>
<p>Unlike functions, closures can capture values from the scope in which they are defined.</p></main>
</body></html>"""


def test_html_title_not_the_site_name_and_code_inline_or_as_lines() -> None:
    page = extract_html(BOOK_PAGE, "book/ch13.html")
    assert page.title == "Closures"  # trafilatura says "The Rust Programming Language": the <title>'s site part
    assert page.text[page.body_start :].split("\n\n") == [
        (  # inline <code> stays in its sentence; the source's line wrap is a space
            "Rust closures are anonymous functions you can save in a variable, such as add_one, or pass as "
            "arguments to other functions."
        ),
        "let add_one = |x| x + 1;\nlet five = add_one(4);",  # a code block keeps its lines
        "Unlike functions, closures can capture values from the scope in which they are defined.",
    ]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "not an HTML page (nothing to parse)"),
        (b"  \n ", "not an HTML page (nothing to parse)"),
        (b"<html><head><title>Empty</title></head><body></body></html>", "no main text found in the HTML page"),
        (b"<html><body><script>var a = 1;</script></body></html>", "no main text found in the HTML page"),
    ],
)
def test_html_without_main_text_is_a_format_error(data: bytes, reason: str) -> None:
    with pytest.raises(FormatError) as error:
        extract_html(data, "empty.html")
    assert str(error.value) == reason


# --- PDF --------------------------------------------------------------------------------------------------------


def make_pdf(pages: list[list[str]], info: dict[str, str] | None = None) -> bytes:
    """A minimal valid PDF: one Helvetica line of text per entry, computed xref offsets, optional /Info."""
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(len(pages)))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for i, lines in enumerate(pages):
        content = "".join(
            f"BT /F1 12 Tf 72 {720 - 16 * j} Td {literal(line)} Tj ET\n" for j, line in enumerate(lines)
        ).encode("latin-1")
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> "
            f"/Contents {5 + 2 * i} 0 R >>".encode()
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"endstream")
    trailer = f"/Size {len(objects) + 1 + bool(info)} /Root 1 0 R"
    if info:
        objects.append(("<< " + " ".join(f"/{k} {literal(v)}" for k, v in info.items()) + " >>").encode())
        trailer += f" /Info {len(objects)} 0 R"
    return pdf_file(objects, trailer)


def literal(value: str) -> str:
    """`value` as a PDF string literal."""
    return "(" + value.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"


def pdf_file(objects: list[bytes], trailer: str) -> bytes:
    """A PDF file of `objects` (numbered from 1) with its cross-reference table computed, and `trailer`'s entries."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< " + trailer.encode() + b" >>\nstartxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


REPORT = [
    ["Caspian Energy Report", "The Baku-Tbilisi-Ceyhan pipeline opened in 2006.", "It carries oil to the coast."],
    ["Gas exports to Europe started in 2020.", "TANAP crosses Turkey."],
    ["The report ends with a forecast for 2030."],
]


def test_make_pdf_writes_a_strictly_valid_file() -> None:
    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(make_pdf(REPORT, {"Title": "T"})), strict=True)
    assert len(reader.pages) == 3
    assert reader.metadata is not None and reader.metadata.title == "T"


def test_pdf_text_keeps_pages_and_where_each_starts() -> None:
    pdf = extract_pdf(make_pdf(REPORT), "reports/energy.pdf")
    assert pdf.key is None
    assert pdf.title == "Caspian Energy Report"  # no /Title: the first line, not repeated in the body
    assert pdf.text == (
        "Caspian Energy Report\n\n"
        "The Baku-Tbilisi-Ceyhan pipeline opened in 2006. It carries oil to the coast.\n\n"  # lines joined
        "Gas exports to Europe started in 2020. TANAP crosses Turkey.\n\n"
        "The report ends with a forecast for 2030."
    )
    assert pdf.body_start == 23
    assert pdf.page_starts == (23, 102, 164)
    assert pdf.text[102:].startswith("Gas exports to Europe")
    assert pdf.text[164:] == "The report ends with a forecast for 2030."
    assert pdf.meta == {}


def test_pdf_page_of_a_passage() -> None:
    pdf = extract_pdf(make_pdf(REPORT), "reports/energy.pdf")
    assert page_number(pdf.page_starts, pdf.text.index("TANAP")) == 2
    assert page_number(pdf.page_starts, pdf.text.index("pipeline")) == 1
    assert page_number(pdf.page_starts, pdf.text.index("forecast")) == 3
    assert page_number(pdf.page_starts, 0) is None  # the title line
    assert page_number((), 10) is None  # not a PDF


def test_pdf_title_author_and_date_from_its_metadata() -> None:
    info = {"Title": "Energy  Outlook\n2021", "Author": "Ministry of Energy", "CreationDate": "D:20210618093000+04'00'"}
    pdf = extract_pdf(make_pdf(REPORT, info), "reports/energy.pdf")
    assert pdf.title == "Energy Outlook 2021"
    assert pdf.meta == {"author": "Ministry of Energy", "date": "2021-06-18"}
    assert pdf.text.startswith("Energy Outlook 2021\n\nCaspian Energy Report\n\nThe Baku-Tbilisi-Ceyhan")
    assert pdf.page_starts == (21, 123, 185)  # the first line, a heading, is a paragraph of its own
    assert pdf.text[pdf.page_starts[1] :].startswith("Gas exports")


def test_pdf_empty_pages_keep_the_numbering() -> None:
    pdf = extract_pdf(make_pdf([[], ["Cover title"], [], ["Body on page four."]]), "scan.pdf")
    assert pdf.title == "Cover title"
    assert pdf.text == "Cover title\n\n\n\nCover title\n\n\n\nBody on page four."
    assert pdf.page_starts == (13, 15, 28, 30)
    assert page_number(pdf.page_starts, pdf.text.index("Body")) == 4


def test_pdf_encrypted_with_an_empty_user_password_is_read() -> None:
    pdf = extract_pdf(_encrypted(make_pdf(REPORT), user_password=""), "open.pdf")
    assert pdf.title == "Caspian Energy Report"
    assert pdf.page_starts == (23, 102, 164)


def test_pdf_needing_a_password_is_a_format_error() -> None:
    with pytest.raises(FormatError, match=r"^encrypted PDF \(needs a password\)$"):
        extract_pdf(_encrypted(make_pdf(REPORT), user_password="secret"), "locked.pdf")


def test_pdf_aes_without_the_cryptography_package_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    import pypdf
    from pypdf.errors import DependencyError

    def needs_cryptography(self: object, password: str) -> None:
        raise DependencyError("cryptography>=3.1 is required for AES algorithm")

    monkeypatch.setattr(pypdf.PdfReader, "decrypt", needs_cryptography)
    with pytest.raises(FormatError, match=r"^encrypted PDF \(reading it needs the 'cryptography' package\)$"):
        extract_pdf(_encrypted(make_pdf(REPORT), user_password=""), "aes.pdf")


def _encrypted(data: bytes, user_password: str) -> bytes:
    import pypdf

    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="RC4-128")  # no extra package
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "not a PDF (no %PDF- header)"),
        (b"Plain text, not a PDF.", "not a PDF (no %PDF- header)"),
        (b"%PDF-1.4\ngarbage", "not a valid PDF (PdfStreamError: Stream has ended unexpectedly)"),
        (make_pdf(REPORT)[:300], "not a valid PDF (PdfStreamError: Stream has ended unexpectedly)"),
        (make_pdf([[], []]), "no text in the PDF (scanned pages need OCR first)"),
    ],
)
def test_broken_or_textless_pdf_is_a_format_error(data: bytes, reason: str) -> None:
    with pytest.raises(FormatError) as error:
        extract_pdf(data, "broken.pdf")
    assert str(error.value) == reason


# --- JSONL ------------------------------------------------------------------------------------------------------


def test_jsonl_keeps_good_lines_and_warns_about_each_bad_one(caplog: pytest.LogCaptureFixture) -> None:
    articles, warnings = extract_jsonl((FORMATS / "feed.jsonl").read_bytes(), "feeds/wire.jsonl")
    assert warnings == [
        "line 4: invalid JSON (Expecting ',' delimiter at column 70)",
        "line 5: missing 'text'",
        "line 6: empty 'title'",
        "line 7: 'id' must be a string or an integer, not a list",
        "line 8: 'url' must be a string, not a number",
        "line 9: duplicate id '101' (first on line 1)",
        "line 10: not a JSON object (a list)",
    ]
    assert [a.key for a in articles] == ["101", "harbour-2", "caviar"]
    shusha, harbour, caviar = articles
    assert shusha == Extracted(
        key="101",
        title="Shusha Declaration signed",
        text="Shusha Declaration signed\n\nOn June 15, Azerbaijan and Turkey signed the Shusha Declaration.\n\n"
        "The declaration focuses on defence cooperation.",
        body_start=27,
        meta={"url": "https://news.example.com/shusha", "date": "2021-06-15", "publisher": "Example Wire"},
        line=1,  # a citation names the record's id and its line
    )
    assert (harbour.line, caviar.line) == (3, 11)
    assert harbour.title == "New harbour opens"  # one line
    assert harbour.text == "New harbour opens\n\nThe new harbour at Alat opened on Monday."
    assert harbour.meta == {}
    assert caviar.text == "Caviar festival\n\nThe first caviar festival opened in Baku."  # title not repeated
    assert caviar.meta == {}  # "June 2021" is no day: ignored, with a warning naming the record; null url ignored
    assert "feeds/wire.jsonl line 11: ignored the date 'June 2021' of its metadata: not a real date" in caplog.text


def test_jsonl_bad_bytes_bom_crlf_and_an_empty_file() -> None:
    data = (
        b'\xef\xbb\xbf{"id": "a", "title": "First", "text": "Body one."}\r\n'
        b'{"id": "b", "title": "Caf\xe9", "text": "Latin-1, not UTF-8."}\r\n'
        b'{"id": true, "title": "Boolean id", "text": "No."}\r\n'
        b'{"id": "c", "title": "Third", "text": "Body three.", "date": 2021}\r\n'
        b'{"id": "d", "title": "Fourth", "text": ["not", "a", "string"]}\r\n'
        b'{"id": " ", "title": "Blank id", "text": "No."}\r\n'
        b"   \r\n"
        b'{"id": 7, "title": "Seventh", "text": "Body seven."}'
    )
    articles, warnings = extract_jsonl(data, "mixed.jsonl")
    assert [(a.key, a.text) for a in articles] == [("a", "First\n\nBody one."), ("7", "Seventh\n\nBody seven.")]
    assert warnings == [
        "line 2: not UTF-8 (invalid byte at column 26)",
        "line 3: 'id' must be a string or an integer, not a boolean",
        "line 4: 'date' must be a string, not a number",
        "line 5: 'text' must be a string, not a list",
        "line 6: empty 'id'",
    ]
    assert extract_jsonl(b"", "empty.jsonl") == ([], [])
    assert extract_jsonl(b"\n\n", "blank.jsonl") == ([], [])


def test_jsonl_passages_cite_the_stored_text() -> None:
    articles, _ = extract_jsonl((FORMATS / "feed.jsonl").read_bytes(), "feeds/wire.jsonl")
    assert chunks(articles[0]) == [articles[0].text[articles[0].body_start :]]  # short: one passage
