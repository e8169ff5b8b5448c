"""Article -> passages of whole sentences, each with its exact character span in the article.

Rules, in order of precedence:
1. A passage is a run of whole sentences of at most `chunk_words` words (whitespace-separated words; in an
   article in Chinese or Japanese, written without spaces, two Han or Kana characters count as a word:
   `count_words`; an English article quoting a Chinese name counts as before).
2. A sentence longer than `chunk_words` on its own is cut at word boundaries into pieces that fit. A run of more
   than `LONGEST_WORD` characters without a space (a base64 blob, a URL's query, Thai or Chinese in an article
   not analysed as such) counts as a word every `LONGEST_WORD` characters, and is cut there: its Chinese or
   Japanese stretches count as they would in a wide article, two Han or Kana characters a word. So a passage
   is at most `chunk_words` x `LONGEST_WORD` characters (plus white space) in every script; a 2 MB blob was one.
3. An article whose body fits in one passage is one passage: what belongs together stays together.
4. A longer article is cut into as few passages as the limit allows, of about equal length (the words left,
   divided by the passages they need), rather than full passages and a short tail. Each cut is made at the
   paragraph break nearest that length, if one lies between 60 % of it and the limit; otherwise at the sentence
   end nearest it.
5. A small folder has shorter passages: at most its words divided by `MIN_PASSAGES`, and at least
   `MIN_PASSAGE_WORDS` unless `chunk_words` is lower (`passage_words`). BM25's IDF tells rare words from common
   ones by counting passages: with two passages (two short articles, each whole), a word found in one of them
   weighs nothing and every score is zero or below, so the bundled two-article folder could answer nothing. From
   `MIN_PASSAGES` x `chunk_words` words on (a dozen news stories), the limit is `chunk_words` itself.
6. When a passage has to end inside a paragraph, the next one starts `chunk_overlap` sentences earlier, so an
   answer that straddles the cut is whole in one of them. After a paragraph break there is no overlap: the
   paragraph already is a natural boundary.

Measured on the peers benchmark (`benchmarks/peers.py`, BBC News questions and SQuAD articles): rules 3 and 4 put
a BBC story of 300-500 words in one passage instead of its lead and the rest, where the lead's topic words won
over the passage holding the answer. The default limit, 700 words (`qa.config`), does the same for stories of up
to 700 words; it was chosen on the benchmark's choose splits (`benchmarks/passage_length.py`) as the shortest
length at which BBC hit@3 and hit@5 peak without losing hit@1, with SQuAD rising at every k.

Every passage satisfies `article.text[passage.start:passage.end] == passage.text` (tested over every article in
documents/ and the BBC corpus).

    >>> from qa.models import Article
    >>> text = "Title\\n\\nOne two three. Four five six.\\n\\nSeven eight nine."
    >>> article = Article("a", "a.txt", "Title", text, body_start=7)
    >>> [p.text for p in chunk_article(article, chunk_words=6, overlap=1)]
    ['One two three. Four five six.', 'Seven eight nine.']
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from qa.corpus.sentences import split_paragraphs, split_sentences
from qa.models import Article, Chunk

# Han and Kana: scripts written without spaces, where two characters carry about what one English word does (a
# Chinese news sentence of 24 characters says what 12-15 English words say). Hangul is written with spaces: its
# words count as words.
_WIDE = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f"
_HAS_WIDE = re.compile(f"[{_WIDE}]")
_SPACED = re.compile(r"\S+")
_WORD = re.compile(rf"[{_WIDE}]{{1,2}}|[^\s{_WIDE}\u3000-\u303f\uff01-\uff0f]+")
"""A word: two Han or Kana characters (or one left over), or a run of other non-space characters but CJK
punctuation ("，", "。"); `\\S+` in text without them."""


WIDE_LANGUAGES = frozenset({"zh", "ja"})
"""Languages whose articles count words by `count_words` with `wide` (the caller knows the article's language)."""

LONGEST_WORD = 50
"""Characters of the longest word (rule 2): longer runs without a space are cut into pieces this long, each a word.
No word of the measured corpora is near it (of 2,225 BBC News articles and the SQuAD articles none is longer than
32 characters; of SciFact's 5,183 abstracts 20 words are over 48: chemical names, sequences), so their passages
do not change; `qa.corpus.chunk_kernel` applies the same cap."""


def count_words(text: str, wide: bool = True) -> int:
    """The words of `text` as the chunker counts them: whitespace-separated, and with `wide` two Han or Kana
    characters a word; a run longer than `LONGEST_WORD` characters is a word every `LONGEST_WORD` (`word_spans`)."""
    words = text.split() if not wide or text.isascii() or not _HAS_WIDE.search(text) else _WORD.findall(text)
    if len(text) > LONGEST_WORD and words and max(map(len, words)) > LONGEST_WORD:  # C speed, unlike a regex
        return sum(1 for _ in word_spans(text, 0, len(text), wide))
    return len(words)


def word_spans(text: str, start: int, end: int, wide: bool) -> Iterator[tuple[int, int]]:
    """The spans of the words of `text[start:end]` as `count_words` counts them: `_WORD`'s (with `wide`) or
    whitespace-separated ones, a run of more than `LONGEST_WORD` characters cut every `LONGEST_WORD` characters,
    after its Han and Kana (in an article that is not `wide` too) are taken two a word."""
    for match in (_WORD if wide else _SPACED).finditer(text, start, end):
        a, b = match.span()
        if b - a <= LONGEST_WORD:
            yield a, b
        elif not wide and _HAS_WIDE.search(text, a, b):
            for inner in _WORD.finditer(text, a, b):
                yield from _capped(*inner.span())
        else:
            yield from _capped(a, b)


def _capped(a: int, b: int) -> Iterator[tuple[int, int]]:
    for piece in range(a, b, LONGEST_WORD):
        yield piece, min(piece + LONGEST_WORD, b)

MIN_PASSAGES = 8
"""A folder is cut into at least this many passages when its articles allow it (rule 5)."""
MIN_PASSAGE_WORDS = 60
"""...but no passage is made shorter than this to get there."""
_MAX_CHARS_PER_WORD = 30  # no text averages longer words: above this many characters, a folder is not small


def passage_words(chunk_words: int, size: int, bodies: Callable[[], Iterable[str]]) -> int:
    """The passage limit of a folder (rule 5): `chunk_words`, or less for a small folder. `size` is the length of
    its article bodies (characters, or bytes: no fewer); `bodies()` gives them, and is called only when `size`
    says the folder may be small, so a big folder's texts are never read for this."""
    large = MIN_PASSAGES * chunk_words
    if size >= large * _MAX_CHARS_PER_WORD:
        return chunk_words
    words = sum(map(count_words, bodies()))
    if words >= large:
        return chunk_words
    return min(chunk_words, max(-(-words // MIN_PASSAGES), MIN_PASSAGE_WORDS))


@dataclass(frozen=True, slots=True)
class _Unit:
    """A sentence (or a piece of an over-long one) inside one paragraph."""

    start: int
    end: int
    words: int
    paragraph: int


def _units(article: Article, chunk_words: int, wide: bool) -> list[_Unit]:
    text = article.text
    units: list[_Unit] = []
    for paragraph, (p_start, p_end) in enumerate(split_paragraphs(text, article.body_start, len(text))):
        for s_start, s_end in split_sentences(text, p_start, p_end):
            count = count_words(text[s_start:s_end], wide)  # the same words as `word_spans` finds
            if count <= chunk_words:  # a sentence is trimmed: its first word starts it, its last ends it
                units.append(_Unit(s_start, s_end, count, paragraph))
                continue
            words = list(word_spans(text, s_start, s_end, wide))
            for i in range(0, len(words), chunk_words):
                piece = words[i : i + chunk_words]
                units.append(_Unit(piece[0][0], piece[-1][1], len(piece), paragraph))
    return units


def chunk_article(article: Article, chunk_words: int, overlap: int, wide: bool = False) -> list[Chunk]:
    """Split an article's body into passages (see the module docstring for the rules); `wide`: the article is in
    a language of `WIDE_LANGUAGES`."""
    if chunk_words < 1 or overlap < 0:
        raise ValueError("chunk_words must be positive and overlap non-negative")
    units = _units(article, chunk_words, wide)
    if not units:  # a title-only article of a structured format (its text starts with the title line): the title is
        # its only passage. A .txt or .md article never gets here: its body is never empty (`qa.corpus.plain`), so
        # Markdown front matter, which is not article text, is never a passage.
        units = _units(Article(article.id, article.source, article.title, article.text, 0), chunk_words, wide)
    left = [0] * (len(units) + 1)  # left[i]: words of units[i:]
    for i in range(len(units) - 1, -1, -1):
        left[i] = left[i + 1] + units[i].words
    passages: list[Chunk] = []
    i = 0
    while i < len(units):
        j = _cut(units, i, left, chunk_words)
        start, end = units[i].start, units[j - 1].end
        passages.append(Chunk(article.id, len(passages) + 1, start, end, article.text[start:end],
                              tuple((unit.start, unit.end) for unit in units[i:j])))
        if j >= len(units):
            break
        mid_paragraph = units[j].paragraph == units[j - 1].paragraph
        i = max(i + 1, j - overlap) if mid_paragraph and overlap else j
    return passages


def _cut(units: list[_Unit], i: int, left: list[int], chunk_words: int) -> int:
    """Where the passage starting at unit `i` ends (exclusive), by rules 1, 3 and 4."""
    if left[i] <= chunk_words:
        return len(units)
    pieces = -(-left[i] // chunk_words)  # the passages the rest needs at the least
    ideal = left[i] / pieces
    best_break, best_end = -1, -1  # the paragraph break, and the sentence end, nearest the ideal length
    words = 0
    j = i
    while j < len(units) and (j == i or words + units[j].words <= chunk_words):
        words += units[j].words
        j += 1
        if j < len(units):
            if units[j].paragraph != units[j - 1].paragraph and words >= 0.6 * ideal and (
                    best_break < 0 or abs(words - ideal) < abs(best_break - ideal)):
                best_break = words
                break_at = j
            if best_end < 0 or abs(words - ideal) < abs(best_end - ideal):
                best_end = words
                end_at = j
    if best_break >= 0:
        return break_at
    return end_at if best_end >= 0 else j


@dataclass(frozen=True, slots=True)
class Layout:
    """An article's passages as arrays (`chunk_article` without the texts): what an index keeps of them."""

    starts: np.ndarray
    ends: np.ndarray
    """Each passage's span in the article (int64)."""
    sentences: np.ndarray
    """The spans of each passage's sentences, passage after passage (int64, one row a sentence)."""
    sentence_counts: np.ndarray
    """Sentences per passage (int64)."""

    def __len__(self) -> int:
        return int(self.starts.shape[0])


def layout(article: Article, chunk_words: int, overlap: int, wide: bool = False, compiled: bool = False) -> Layout:
    """`chunk_article`'s passages as a `Layout`; with `compiled`, an ASCII article is chunked by the same rules in
    compiled code (`qa.corpus.chunk_kernel`, which imports numba: for big builds, not for a folder of two
    articles)."""
    if compiled and article.text.isascii():
        from qa.corpus.chunk_kernel import ascii_layout

        codes = np.frombuffer(article.text.encode("ascii"), np.uint8)
        unit_starts, unit_ends, first, last = ascii_layout(codes, article.body_start, chunk_words, overlap)
        counts = last - first
        units = np.arange(int(counts.sum()), dtype=np.int64) + np.repeat(first - np.cumsum(counts) + counts, counts)
        return Layout(unit_starts[first], unit_ends[last - 1], np.column_stack([unit_starts[units], unit_ends[units]]),
                      counts)
    chunks = chunk_article(article, chunk_words, overlap, wide)
    return Layout(np.array([chunk.start for chunk in chunks], np.int64),
                  np.array([chunk.end for chunk in chunks], np.int64),
                  np.array([span for chunk in chunks for span in chunk.sentences], np.int64).reshape(-1, 2),
                  np.array([len(chunk.sentences) for chunk in chunks], np.int64))
