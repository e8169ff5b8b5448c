"""Text files in the Central European (Windows-1250, ISO-8859-2) and Turkish (Windows-1254, ISO-8859-9) code pages
are read in them, not as Windows-1252. A user trial found Polish read as "W³adze og³osi³y w œrodê" and Turkish as
"çarþamba ... açýlacaðýný": charset-normalizer rates those readings as good as the right ones (`qa.corpus.latin`).
Western files stay Windows-1252."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.answer.search import Searcher
from qa.corpus.latin import alphabet_fit
from qa.corpus.read import decode, parse_file
from qa.index import open_index

from .conftest import settings_for

POLISH = ("Władze Krakowa ogłosiły w środę, że nowy most zostanie otwarty jesienią. Mieszkańcy cieszą się, że "
          "dojazd będzie łatwiejszy. Źródła w ratuszu mówią o opóźnieniu.")
CZECH = "Vláda v úterý schválila nový zákon o ochraně přírody. Ministr řekl, že změny začnou platit příští rok."
SLOVAK = "Vláda v stredu schválila nový zákon. Minister povedal, že zmeny začnú platiť budúci rok a ľudia sú radi."
HUNGARIAN = "A kormány szerdán bejelentette, hogy őszre elkészül az új híd. A lakók örülnek, mert rövidebb lesz az út."
ROMANIAN = "Primăria a anunţat că noul pod va fi deschis în toamnă. Locuitorii sunt mulţumiţi şi aşteaptă."
TURKISH = ("Belediye çarşamba günü yeni köprünün sonbaharda açılacağını duyurdu. Şehir sakinleri ulaşımın "
           "kolaylaşacağını söyledi. Öğrenciler de çok mutlu. İstanbul'da da benzer bir proje var.")

CENTRAL = [
    (POLISH, "cp1250"), (POLISH, "iso8859_2"), (CZECH, "cp1250"), (CZECH, "iso8859_2"), (SLOVAK, "cp1250"),
    (SLOVAK, "iso8859_2"), (HUNGARIAN, "cp1250"), (HUNGARIAN, "iso8859_2"), (ROMANIAN, "cp1250"),
    (TURKISH, "cp1254"), (TURKISH, "iso8859_9"),
    ("Łódź, „Gazeta” – 12 października 2025 r.\n\nRada miasta przyjęła budżet.", "cp1250"),  # quotes and a dash
]

WESTERN = [
    "Le maire a annoncé mercredi que le nouveau pont ouvrira à l’automne. « C’est un progrès », dit-il. Où ? Là.",
    "Der Bürgermeister kündigte am Mittwoch an, dass die neue Brücke im Herbst öffnet – „endlich“, sagen Anwohner.",
    "El alcalde anunció el miércoles que el nuevo puente abrirá en otoño. ¿Señal de progreso? Sí, señaló.",
    "O presidente da câmara anunciou que a nova ponte abrirá no outono. As obras começarão em março.",
    "Ordføreren sa at den nye broen åpner til høsten. Ærlig talt var det på tide.",
    "Forsætisráðherra sagði að nýja brúin yrði opnuð í haust. Það þótti öllum gott.",
]


@pytest.mark.parametrize(("text", "encoding"), CENTRAL)
def test_central_european_and_turkish_files_are_read_as_written(text: str, encoding: str) -> None:
    assert decode(text.encode(encoding)) == text


@pytest.mark.parametrize("text", WESTERN)
def test_western_files_stay_windows_1252(text: str) -> None:
    assert decode(text.encode("cp1252")) == text


def test_a_misreading_fits_no_alphabet() -> None:
    assert alphabet_fit(POLISH) == 1.0
    polish = POLISH.split(" Źródła")[0]  # Ź is a byte Windows-1252 leaves undefined
    assert alphabet_fit(polish.encode("cp1250").decode("cp1252")) < 0.5  # ³ ¿ œ ê ¹ ñ: signs, French, Spanish
    assert alphabet_fit(TURKISH.encode("cp1254").decode("cp1252")) < 0.9  # þ ý ð of Icelandic beside ç, ü


def test_the_article_and_its_citations_are_in_the_right_letters(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "most.txt").write_bytes(("Nowy most w Krakowie\n\n" + POLISH + "\n").encode("cp1250"))
    (docs / "other.txt").write_text("Weather\n\nIt rained in Leeds on Monday.\n")  # so IDF is above zero
    (docs / "kopru.txt").write_bytes(("Yeni köprü açılıyor\n\n" + TURKISH + "\n").encode("cp1254"))
    [article], _ = parse_file((docs / "most.txt").read_bytes(), "most.txt", "most")
    assert article.title == "Nowy most w Krakowie"
    searcher = Searcher(open_index(settings_for(docs, tmp_path / "index")))
    [found] = searcher.ask("Kiedy władze ogłosiły otwarcie mostu?", top_k=1).passages
    assert found.citation.source == "most.txt"
    assert found.text == POLISH
    [found] = searcher.ask("köprü ne zaman açılacak, çarşamba?", top_k=1).passages
    assert found.citation.source == "kopru.txt"
    assert found.text == TURKISH


@pytest.mark.parametrize(("text", "encoding"), [(POLISH, "iso8859_2"), (CZECH, "iso8859_2"), (TURKISH, "cp1254"),
                                                (TURKISH, "iso8859_9"), (HUNGARIAN, "cp1250"), (WESTERN[0], "cp1252")])
def test_a_web_page_that_names_no_charset_is_read_in_its_code_page(text: str, encoding: str) -> None:
    """trafilatura's own guess read an ISO-8859-2 page as "Wġadze Krakowa ogġosiġy w ¶rodê"."""
    from qa.corpus.html import extract_html

    page = (f"<!DOCTYPE html><html><head><title>Nowy most</title></head><body><article><h1>Nowy most</h1><p>{text}"
            f"</p><p>{text}</p></article></body></html>")
    extracted = extract_html(page.encode(encoding), "most.html").text
    assert extracted.startswith(f"Nowy most\n\n{text}")
