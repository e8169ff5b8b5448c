"""The compiled word table (`qa.index.word_table`) finds the English analyzer's words of ASCII text
(`qa.ranking.analysis.words_of`) and gives each word the id it was put in with; unknown words are told apart."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest

from qa.index.word_table import UNKNOWN, WordTable
from qa.ranking.analysis import words_of

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
_PIECES = ["3", ".", ",", "4", "'", "don", "t", "90", "s", "1,000", "3.4", "a.b", "x,y", "''", "'s", " ", "  ", "\n",
           "-", "_", "Word", "O'Neil", "rock'n'roll", "2.", ".5", "1,2,3", "v1.2.3", "(", ")", "\t", "A", "z", "é"]


def _words(table: WordTable, text: str) -> list[str]:
    starts, ends, _ = table.words(text.encode("ascii"))
    return [text[start:end] for start, end in zip(starts.tolist(), ends.tolist(), strict=True)]


def test_words_are_the_english_analyzers_on_generated_text() -> None:
    """Joins between digits ("3.4", "1,000"), apostrophes inside words ("don't", "rock'n'roll") and at their
    edges, separators at the text's ends."""
    rng = random.Random(5)
    table = WordTable()
    for _ in range(3000):
        text = "".join(rng.choice(_PIECES) for _ in range(rng.randint(0, 60))).replace("é", "e")
        assert _words(table, text) == words_of(text), text


def test_ids_are_those_put_in_and_unknown_words_are_told_apart() -> None:
    table = WordTable(capacity=4)  # grows as words are added
    text = b"Cranes load ships; cranes can't rest. 3.4 ships"
    starts, ends, ids = table.words(text)
    assert ids.tolist() == [UNKNOWN] * 8
    table.add(text, starts, ends, np.arange(8, dtype=np.int32))
    assert len(table) == 7  # "ships" twice
    _, _, ids = table.words(text)
    assert ids.tolist() == [0, 1, 2, 3, 4, 5, 6, 2]  # a word put in twice keeps its first id
    _, _, ids = table.words(b"cranes sail")
    assert ids.tolist() == [3, UNKNOWN]


@pytest.mark.skipif(not (DATA / "bbc_news").is_dir() or not (DATA / "squad_v1.1").is_dir(),
                    reason=f"BBC News and SQuAD are read from {DATA} (absent here; present in CI)")
def test_words_are_the_english_analyzers_on_bbc_news_and_squad() -> None:
    texts = [path.read_bytes().decode("latin-1") for path in sorted((DATA / "bbc_news").rglob("*.txt"))]
    squad = json.loads(next((DATA / "squad_v1.1").glob("*.json")).read_text())
    texts += [p["context"] for article in squad["data"] for p in article["paragraphs"]]
    table = WordTable()
    checked = 0
    for text in texts:
        if text.isascii():
            assert _words(table, text) == words_of(text)
            checked += 1
    assert checked > 2_500
