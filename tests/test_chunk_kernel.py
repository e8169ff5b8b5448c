"""The compiled chunker (`qa.corpus.chunk_kernel`) cuts ASCII articles exactly as the Python rules do: the same
passages, the same sentences, for every passage length and overlap; other text goes to the Python rules."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest

from qa.corpus.chunking import Layout, chunk_article, layout
from qa.corpus.read import parse_file
from qa.models import Article

from .conftest import ARTICLES, SEED_DOCUMENTS

MULTILINGUAL = Path(__file__).parent / "data" / "multilingual"
DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
SETTINGS = [(700, 1), (80, 1), (12, 2), (3, 0), (1, 0), (5, 9)]
_PIECES = ["Dr.", "Mr.", "e.g.", "U.S.", "J.", "a.m.", "etc.", "x.", "(", ")", '"', "'", "[", "]", "!", "?", "...",
           ".", "Word", "word", "3.4", "1,000", "It", "the", "\n", "\n\n", "\n \n", " ", "  ", "\t", "\r\n", "\x1c",
           "\x0b", "A", "z", "0", "B.", "Inc.", "no.", '."', ".)", "?'", "!]", "(The", '"Then', "\f", "\n\t\n", "Sept.",
           "approx.", "i.e.", "U.N.", "ST.", "Ltd.", "..", "!?"]


def _assert_same(article: Article) -> None:
    for chunk_words, overlap in SETTINGS:
        python, compiled = (layout(article, chunk_words, overlap, compiled=flag) for flag in (False, True))
        for field in Layout.__slots__:
            assert np.array_equal(getattr(python, field), getattr(compiled, field)), (field, chunk_words, overlap)


def _generated(seed: int) -> Article:
    rng = random.Random(seed)
    text = "".join(rng.choice(_PIECES) + rng.choice(["", " ", " ", "  "]) for _ in range(rng.randint(0, 300)))
    if rng.random() < 0.7:
        text = "Title\n\n" + text
    body_start = text.find("\n\n") + 2 if "\n\n" in text and rng.random() < 0.8 else rng.randint(0, len(text))
    return Article("x", "x.txt", "Title", text, min(body_start, len(text)))


def test_the_compiled_chunker_cuts_generated_texts_as_the_rules_do() -> None:
    """Texts of abbreviations, initials, quotes, brackets, numbers, blank lines and odd whitespace, each cut at
    six passage lengths (an over-long sentence cut into pieces, the overlap larger than a passage), body starts
    anywhere, title-only articles."""
    for seed in range(1500):
        _assert_same(_generated(seed))


def test_the_compiled_chunker_cuts_runs_without_spaces_as_the_rules_do() -> None:
    """Runs around `LONGEST_WORD` characters (49, 50, 51, 100, 101, 150) among words, spaces and sentence ends: a
    word every LONGEST_WORD characters in both."""
    pieces = [c * n for c, n in zip("abcdex", (49, 50, 51, 100, 101, 150), strict=True)] + [
        "Word", "word.", "Dr.", "\n\n", " ", "It", "\t", "A.", "x" * 3000]
    for seed in range(400):
        rng = random.Random(seed)
        text = "Title\n\n" + "".join(rng.choice(pieces) + rng.choice(["", " ", " "]) for _ in range(rng.randint(0, 60)))
        _assert_same(Article("x", "x.txt", "Title", text, 7))


def test_the_compiled_chunker_cuts_the_bundled_articles_as_the_rules_do() -> None:
    paths = sorted(SEED_DOCUMENTS.glob("*.txt")) + sorted(ARTICLES.rglob("*.txt")) + sorted(MULTILINGUAL.glob("*.md"))
    articles = [article for path in paths for article in parse_file(path.read_bytes(), path.name, path.stem)[0]]
    assert len(articles) >= 4
    for article in articles:
        if article.text.isascii():
            _assert_same(article)
        else:  # not the kernel's: the Python rules, whatever `compiled` says
            python = chunk_article(article, 80, 1)
            assert layout(article, 80, 1, compiled=True).starts.tolist() == [chunk.start for chunk in python]


@pytest.mark.skipif(not (DATA / "bbc_news").is_dir() or not (DATA / "squad_v1.1").is_dir(),
                    reason=f"BBC News and SQuAD are read from {DATA} (absent here; present in CI)")
def test_the_compiled_chunker_cuts_bbc_news_and_squad_as_the_rules_do() -> None:
    texts = [path.read_bytes().decode("latin-1") for path in sorted((DATA / "bbc_news").rglob("*.txt"))]
    squad = json.loads(next((DATA / "squad_v1.1").glob("*.json")).read_text())
    texts += [article["title"] + "\n\n" + "\n\n".join(p["context"] for p in article["paragraphs"])
              for article in squad["data"]]
    checked = 0
    for text in texts:
        if text.isascii():
            _assert_same(Article("x", "x.txt", "t", text, text.find("\n\n") + 2))
            checked += 1
    assert checked > 1500
