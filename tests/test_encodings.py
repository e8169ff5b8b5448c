"""Text files saved before UTF-8 (Windows-1252 and Latin-1, KOI8-R, Shift JIS, GBK) are read in their encoding, and
their citations slice the text as read; a file no encoding reads as text is still skipped with the reason."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from qa.answer.search import Searcher
from qa.corpus.read import decode
from qa.errors import UnreadableFile
from qa.index import open_index

from .conftest import settings_for

FILES = [  # (name, text, encoding, question, best sentence)
    ("wien.txt", "Café culture in Vienna\n\nThe cafés of Vienna serve a “Melange” – coffee with milk foam. "
     "Sachertorte is served with cream.\n", "cp1252", "Vienna Melange", "The cafés of Vienna serve a “Melange” – "
     "coffee with milk foam."),
    ("paris.txt", "Le café de Flore\n\nLe café de Flore est à Saint-Germain-des-Prés. Les écrivains s'y "
     "retrouvaient.\n", "latin-1", "Flore Saint-Germain", "Le café de Flore est à Saint-Germain-des-Prés."),
    ("port.txt", "Порт Новороссийск\n\nГрузооборот порта Новороссийск в прошлом году вырос на десять процентов. "
     "Основной рост пришёлся на зерно.\n", "koi8-r", "Грузооборот Новороссийск",
     "Грузооборот порта Новороссийск в прошлом году вырос на десять процентов."),
    ("tokyo.txt", "東京湾の新しい港\n\n東京湾に新しいコンテナターミナルが完成した。"
     "年間百万個のコンテナを扱うことができる。\n",
     "shift_jis", "コンテナターミナル", "東京湾に新しいコンテナターミナルが完成した。"),
    ("shanghai.txt", "上海港集装箱吞吐量创新高\n\n"
     "上海港去年集装箱吞吐量达到四千九百万标准箱，连续十四年位居世界第一。\n",
     "gbk", "集装箱吞吐量", "上海港去年集装箱吞吐量达到四千九百万标准箱，连续十四年位居世界第一。"),
]


@pytest.mark.parametrize(("name", "text", "encoding"), [file[:3] for file in FILES])
def test_a_file_in_an_older_encoding_is_read_as_written(name: str, text: str, encoding: str) -> None:
    assert decode(text.encode(encoding)) == text


def test_citations_of_files_in_older_encodings_slice_their_text(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    for name, text, encoding, _, _ in FILES:
        (docs / name).write_bytes(text.encode(encoding))
    searcher = Searcher(open_index(settings_for(docs, tmp_path / "index")))
    for name, text, _, question, best in FILES:
        [found] = searcher.ask(question, top_k=1).passages
        assert found.citation.source == name
        assert text[found.citation.start : found.citation.end] == found.text  # offsets: the file's characters
        assert found.best_sentence is not None and found.best_sentence.text == best
        assert text[found.best_sentence.start : found.best_sentence.end] == best


def test_bytes_no_encoding_reads_as_text_are_skipped_with_the_reason() -> None:
    with pytest.raises(UnreadableFile, match=r"^not UTF-8 \(invalid byte at offset 0\), nor text in another encoding$"):
        decode(bytes(range(128, 256)) * 3)


def test_utf8_text_with_a_stray_byte_is_skipped_not_read_as_another_code_page() -> None:
    """A UTF-8 file with one byte of another encoding (a '€' pasted from a Windows program) is not an older encoding:
    read as one, every accented letter became two ('cafÃĐ', 'Ã\xa0'), and 'café' found nothing. It is skipped with
    the offset of the bad byte, as before files in older encodings were read."""
    french = ("Le café de Flore est à Saint-Germain-des-Prés. Les écrivains s'y retrouvaient après la guerre. " * 3)
    data = french.encode() + " Prix : 5 €.".encode("cp1252")
    offset = len(french.encode()) + len(" Prix : 5 ")
    with pytest.raises(UnreadableFile, match=rf"^not UTF-8 \(invalid byte at offset {offset} of text that is UTF-8 "
                                             r"elsewhere: save it as UTF-8\)$"):
        decode(data)


def test_the_encoding_a_file_is_read_in_is_logged_with_its_name(caplog: pytest.LogCaptureFixture) -> None:
    """With QA_VERBOSE, a reader can see which file was not UTF-8 and how it was read (the line named no file)."""
    from qa.corpus.read import parse_file

    with caplog.at_level(logging.INFO, logger="qa"):
        for name, text, encoding, _, _ in FILES[:3]:
            parse_file(text.encode(encoding), name, name.removesuffix(".txt"))
    said = [record.getMessage() for record in caplog.records if "not UTF-8" in record.getMessage()]
    assert said == ["wien.txt: read as cp1252 (not UTF-8)", "paris.txt: read as cp1252 (not UTF-8)",
                    "port.txt: read as koi8_r (not UTF-8)"]
