"""The text store (qa/index/texts.py): compressed blocks give back exactly the bytes written, and an answer's
window of a passage is the article's text there, in ASCII and non-ASCII articles alike."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest

from qa.index import open_index
from qa.index.texts import BLOCK, TextStore, TextWriter, byte_windows
from tests.conftest import TESTS, settings_for


def _articles(n: int, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    words = ["okapi", "Ituri", "rainforest", "café", "naïve", "Ωmega", "東京", "shusha", "declaration", "ein"]
    return [" ".join(rng.choice(words) for _ in range(rng.randint(0, 3000))).encode("utf-8") for _ in range(n)]


@pytest.mark.parametrize("n", [0, 1, 40, 400])  # nothing, one block, a few, enough text to train a dictionary
def test_every_span_reads_back_exactly(tmp_path: Path, n: int) -> None:
    texts = _articles(n, seed=n)
    writer = TextWriter(tmp_path)
    for text in texts:
        writer.add(text)
    writer.close()
    whole = b"".join(texts)
    store = TextStore.open(tmp_path)
    assert (len(store.blocks) - 1) == -(-len(whole) // BLOCK)
    assert (tmp_path / "text_dict.bin").stat().st_size > 0 if len(whole) >= 64 * BLOCK else True
    rng = random.Random(1)
    for _ in range(300):
        start = rng.randint(0, len(whole))
        end = min(len(whole), start + rng.choice([1, 10, BLOCK - 1, BLOCK, BLOCK + 1, 3 * BLOCK]))
        assert store.read(start, end) == whole[start:end]
    assert store.read(0, len(whole)) == whole
    assert store.ascii_prefix.tolist() == [len(t) if t.isascii() else next(i for i, b in enumerate(t) if b > 127)
                                           for t in texts]


def test_byte_windows_are_the_utf8_offsets_of_each_window() -> None:
    text = "Ωmega café: naïve 東京 okapi"
    spans = [(0, 5), (3, 17), (12, 26)]
    encoded = text.encode("utf-8")
    found = byte_windows(text, encoded, spans)
    for (start, end), lo, hi in zip(spans, found[::2], found[1::2], strict=True):
        assert encoded[lo:hi].decode("utf-8") == text[max(start - 1, 0) : end]


def test_article_windows_equal_the_article_text(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    shutil.copytree(TESTS / "data" / "multilingual", docs)
    index = open_index(settings_for(docs, tmp_path / "index", chunk_words=40))
    assert any(index.texts.ascii_prefix[n] < len(index.article_text(n).encode()) for n in range(len(index.articles)))
    for passage_id in range(index.engine.n_docs):
        article, start, end, _ = index.passage(passage_id)
        text, base = index.article_window(article, start, end)
        assert text[start - base : end - base] == index.article_text(article)[start:end]
        assert base <= max(start - 1, 0)
