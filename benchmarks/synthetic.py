"""A reproducible synthetic corpus for the speed benchmarks: word-like strings with Zipf frequencies.

    >>> corpus = SyntheticCorpus(seed=7)
    >>> passages = list(corpus.passages(3))
    >>> len(passages), 40 <= len(passages[0].split()) <= 80
    (3, True)

What is generated, and why:
- a vocabulary of 50,000 words (`VOCAB_SIZE`). The 100 most frequent ranks are real English stopwords (from the
  NLTK list qa ships), so that stopword removal removes about as much as it does from English text (under Zipf
  with exponent 1 the top 100 ranks make up about 45% of the tokens). The other ranks are pronounceable letter
  strings ("tobaren", "kisu", ...) of 2-4 syllables, shorter for more frequent ranks, so that the analyzer and the
  Snowball stemmer treat them as ordinary words (a few end up sharing a stem, as real words do);
- passages of 40-80 words (uniform, so about 60 on average), written as sentences of 5-16 words with a capital
  letter and a full stop, each word drawn independently from the Zipf distribution (p(rank r) ~ 1/r);
- questions of 3-8 words drawn from the same Zipf distribution restricted to ranks above 100, i.e. with the
  stopword ranks left out: every question word is searchable, and frequent content words come up as often as
  they do in the passages (a question is not taken from a passage, so it need not match any passage well).

Everything comes from `numpy.random.default_rng` with fixed seeds; passages are generated in blocks of 10,000,
each with its own seed, so the first 10,000 passages of the 100k corpus are the 10k corpus.
Files are cached under `.bench/` (gitignored): see `corpus_file` and `write_documents`.
"""

from __future__ import annotations

import argparse
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np

VOCAB_SIZE = 50_000
STOPWORD_RANKS = 100
ZIPF_EXPONENT = 1.0
PASSAGE_WORDS = (40, 80)
SENTENCE_WORDS = (5, 16)
QUESTION_WORDS = (3, 8)
SEED = 20261124
BLOCK = 10_000
BENCH_DIR = Path(__file__).resolve().parent.parent / ".bench"

_ONSETS = ["b", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "dr", "gr", "kl",
           "pl", "st", "tr", "sh", "ch"]
_VOWELS = ["a", "e", "i", "o", "u", "ai", "ou"]
_CODAS = ["", "", "", "n", "r", "l", "m", "k"]


def _stopwords() -> list[str]:
    """The NLTK English stopwords qa ships, in file order, without the apostrophe forms."""
    from qa.ranking.analysis import load_stopwords

    path = Path(__file__).resolve().parent.parent / "qa" / "data" / "stopwords_english.txt"
    ordered = [w.strip() for w in path.read_text(encoding="utf-8").splitlines() if w.strip()]
    known = load_stopwords()
    return [w for w in ordered if w in known and "'" not in w]


def make_vocabulary(seed: int = SEED) -> list[str]:
    """VOCAB_SIZE distinct words by frequency rank: STOPWORD_RANKS stopwords, then pronounceable strings."""
    rng = np.random.default_rng([seed, 1])
    stop = _stopwords()[:STOPWORD_RANKS]
    taken = set(_stopwords())
    words = list(stop)
    while len(words) < VOCAB_SIZE:
        rank = len(words)
        syllables = 2 if rank < 2_000 else 3 if rank < 20_000 else 4
        syllables = max(1, syllables - int(rng.integers(0, 2)))
        word = "".join(_ONSETS[rng.integers(len(_ONSETS))] + _VOWELS[rng.integers(len(_VOWELS))]
                       + (_CODAS[rng.integers(len(_CODAS))] if s == syllables - 1 else "")
                       for s in range(syllables))
        if len(word) >= 3 and word not in taken:
            taken.add(word)
            words.append(word)
    return words


def zipf_cdf(first_rank: int = 0) -> np.ndarray:
    """Cumulative Zipf probabilities over ranks first_rank..VOCAB_SIZE-1 (rank 0 is the most frequent)."""
    weights = 1.0 / np.arange(first_rank + 1, VOCAB_SIZE + 1, dtype=np.float64) ** ZIPF_EXPONENT
    cdf = np.cumsum(weights)
    return cdf / cdf[-1]


class SyntheticCorpus:
    """Passages and questions of the benchmark corpus; the same seed always gives the same text."""

    def __init__(self, seed: int = SEED) -> None:
        self.seed = seed
        self.vocab = make_vocabulary(seed)
        self._cdf = zipf_cdf(0)
        self._question_cdf = zipf_cdf(STOPWORD_RANKS)

    def _draw(self, rng: np.random.Generator, cdf: np.ndarray, n: int) -> np.ndarray:
        return np.minimum(np.searchsorted(cdf, rng.random(n), side="right"), cdf.shape[0] - 1)

    def passages(self, n: int) -> Iterator[str]:
        """The first n passages, one paragraph of 40-80 words each."""
        vocab = self.vocab
        for block_start in range(0, n, BLOCK):
            count = min(BLOCK, n - block_start)
            rng = np.random.default_rng([self.seed, 2, block_start // BLOCK])
            lengths = rng.integers(PASSAGE_WORDS[0], PASSAGE_WORDS[1] + 1, BLOCK)[:count]
            ranks = self._draw(rng, self._cdf, int(lengths.sum())).tolist()
            cuts = rng.integers(SENTENCE_WORDS[0], SENTENCE_WORDS[1] + 1, int(lengths.sum())).tolist()
            pos = 0
            for length in lengths.tolist():
                words = [vocab[r] for r in ranks[pos : pos + length]]
                sentences, i, c = [], 0, pos
                while i < length:
                    step = cuts[c]
                    c += 1
                    if length - (i + step) < SENTENCE_WORDS[0]:
                        step = length - i
                    sentence = " ".join(words[i : i + step])
                    sentences.append(sentence[0].upper() + sentence[1:] + ".")
                    i += step
                pos += length
                yield " ".join(sentences)

    def questions(self, n: int) -> list[str]:
        """n questions of 3-8 content words (ranks above the stopwords), e.g. 'Tobaren kisu shalk?'"""
        rng = np.random.default_rng([self.seed, 3])
        lengths = rng.integers(QUESTION_WORDS[0], QUESTION_WORDS[1] + 1, n).tolist()
        ranks = (self._draw(rng, self._question_cdf, sum(lengths)) + STOPWORD_RANKS).tolist()
        out, pos = [], 0
        for length in lengths:
            text = " ".join(self.vocab[r] for r in ranks[pos : pos + length])
            out.append(text[0].upper() + text[1:] + "?")
            pos += length
        return out


QUESTION_CHOICE = ("questions: 3-8 words drawn from the Zipf distribution without its 100 most frequent ranks "
                   "(which are English stopwords), fixed seed")


def corpus_file(n: int, seed: int = SEED) -> Path:
    """A text file with the first n passages, one a line (written once, then reused)."""
    path = BENCH_DIR / "corpus" / f"passages-{n}-seed{seed}.txt"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        with tmp.open("w", encoding="utf-8") as out:
            for passage in SyntheticCorpus(seed).passages(n):
                out.write(passage + "\n")
        tmp.replace(path)
    return path


def questions_file(n: int, seed: int = SEED) -> Path:
    path = BENCH_DIR / "corpus" / f"questions-{n}-seed{seed}.txt"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(SyntheticCorpus(seed).questions(n)) + "\n", encoding="utf-8")
    return path


def write_documents(n: int, folder: Path, per_article: int = 100, seed: int = SEED) -> Path:
    """A documents folder for `qa index`: articles of `per_article` paragraphs, one intended passage each.

    Each article is a title line ("Synthetic article 17"), a blank line, then paragraphs separated by blank
    lines. With `--chunk-words 80`, qa's chunker makes one passage of each paragraph (40-80 words). 100 paragraphs
    (about 6,000 words) make a long article but not an absurd one: the service decodes a hit's whole article to
    cite it, so giant files would tax it unrealistically.
    """
    done = folder / ".complete"
    if done.exists() and done.read_text() == f"{n} {per_article} {seed}":
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    with corpus_file(n, seed).open(encoding="utf-8") as lines:
        article, batch = 0, []
        for line in lines:
            batch.append(line.rstrip("\n"))
            if len(batch) == per_article:
                _write_article(folder, article, batch)
                article, batch = article + 1, []
        if batch:
            _write_article(folder, article, batch)
    done.write_text(f"{n} {per_article} {seed}")
    return folder


def _write_article(folder: Path, number: int, paragraphs: list[str]) -> None:
    text = f"Synthetic article {number}\n\n" + "\n\n".join(paragraphs) + "\n"
    (folder / f"article-{number:05d}.txt").write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description="Write the synthetic corpus (cached under .bench/).")
    parser.add_argument("--size", type=int, default=10_000, help="number of passages")
    parser.add_argument("--questions", type=int, default=2_000)
    parser.add_argument("--documents", type=Path, help="also write a documents folder for `qa index` here")
    parser.add_argument("--show", type=int, default=0, help="print this many passages and questions")
    args = parser.parse_args()
    print(corpus_file(args.size), questions_file(args.questions))
    if args.documents:
        print(write_documents(args.size, args.documents))
    corpus = SyntheticCorpus()
    for passage in corpus.passages(args.show):
        print(passage)
    for question in corpus.questions(args.show):
        print(question)


if __name__ == "__main__":
    main()
