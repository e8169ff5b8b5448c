"""The one analyzer: text -> terms, used for articles and questions alike.

Steps: Unicode word tokenization, NFKC + lowercasing, the NLTK English stopword list (shipped in `qa/data`, never
downloaded), NLTK's Snowball English stemmer.

What survives, and why:
- numbers with inner separators stay whole: "3.4", "2022", "1,000" -> "1000" (so "$1,000" and "1000" meet);
  the currency sign is punctuation, so "$15 billion" is found by "15 billion";
- letters and digits together stay one token: "B2B" -> "b2b";
- hyphenated names split into their parts, so "Baku-Tbilisi-Ceyhan" is found by the whole name or by any part;
- apostrophes inside words are kept so that "don't" meets the stopword list and "Azerbaijan's" stems to
  "azerbaijan" (typographic apostrophes are folded to ');
- a Greek letter is a word of its own, spelled out: "TNF-α", "TNFα" and "TNF-alpha" all give "tnf alpha" (µ/μ
  are left alone: they are units, as in "5 μM");
- an acronym's plural loses its "s" ("NSAIDs" -> "nsaid", "RXRs" -> "rxr"), which the stemmer cannot do for a
  word without vowels. (Both measured on BEIR SciFact: `benchmarks/README-quality.md`.)

The stemmer is only called for words not seen before: `Analyzer.term_of` caches word -> term. Importing NLTK
costs about a second (it pulls in SciPy), so it is imported lazily, and a saved index hands its cache back
(`Analyzer.preload`), which lets most questions be analysed without importing NLTK at all.

    >>> analyzer = Analyzer()
    >>> analyzer.terms("Azerbaijan and Turkey cooperate in B2B formats worth $15 billion")
    ['azerbaijan', 'turkey', 'cooper', 'b2b', 'format', 'worth', '15', 'billion']
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Collection, Container, Iterable
from importlib import resources
from itertools import compress, islice
from typing import NamedTuple, Protocol, cast

import numpy as np

GREEK_LETTERS = dict(zip("αβγδεζηθικλνξπρστυφχψω", """alpha beta gamma delta epsilon zeta eta theta iota kappa lambda
    nu xi pi rho sigma tau upsilon phi chi psi omega""".split(), strict=True))
GREEK_LETTERS |= {letter.upper(): name for letter, name in GREEK_LETTERS.items()} | {"ς": "sigma"}
_GREEK = "".join(GREEK_LETTERS)
# A word: a Greek letter alone, or letters/digits (Greek letters aside), joined by '.' or ',' between digits
# ("3.4", "1,000") or by an apostrophe ("don't").
_WORD = re.compile(rf"[{_GREEK}]|[^\W_{_GREEK}]+(?:(?:(?<=\d)[.,](?=\d)|['’](?=[^\W_{_GREEK}]))[^\W_{_GREEK}]+)*")
# The same words in ASCII text, where the Greek letters and ’ cannot occur: a simpler pattern, about twice as fast.
_ASCII_WORD = re.compile(r"[A-Za-z0-9]+(?:(?:(?<=[0-9])[.,](?=[0-9])|'(?=[A-Za-z0-9]))[A-Za-z0-9]+)*")
# Translation tables for ASCII text: every character that cannot be in a word -> " " (so that `str.split`
# gives the words when no word joins parts), and each character -> its class ("0" digit, "a" letter, "." for "."
# and ",", "'" itself, " " anything else) to see whether any word does.
_ASCII_SPACED = "".join(c if c.isalnum() else " " for c in map(chr, range(128)))
_ASCII_CLASSES = bytes(ord("0" if c.isdigit() else "a" if c.isalpha() else "." if c in ".," else c if c == "'"
                           else " ") for c in map(chr, range(128))) + bytes(128)  # `bytes.translate`: the fastest
_ASCII_APART = frozenset(c for c in map(chr, range(128)) if not c.isalnum() and c not in ".,'")  # never in a word
_ASCII_JOINS = (b"a'a", b"a'0", b"0'a", b"0'0")  # an apostrophe inside a word ("don't", "90's"); digits: b"0.0"
_ACRONYM_PLURAL = re.compile(r"[A-Z0-9]*[A-Z][A-Z0-9]*s")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")

QUESTION_WORDS_CACHED = 5_000

ANALYZER_VERSION = 7
"""Bump when analysis changes, so saved indexes built by the old analyzer are rebuilt (3: Greek stopwords and
accents, and the Hebrew, Slovak and Romanian lists that matched nothing, `qa.lang.analyzers`; also the reading of
files that changed in the same release, which a version records only by each file's stamp and hash: Markdown front
matter, PDF paragraphs and running headers, older encodings. 4: French, Italian and Catalan stopwords behind an
elision, "d'un", "c'est"; and, of the same release, the reading of bylines, datelines and pages in more languages,
short files in older CJK encodings, and passages bounded in every script: a run without spaces counts as a word
every 50 characters, `qa.corpus.chunking`. 5: Chinese, Japanese and Korean characters indexed alone beside
their bigrams, Chinese asking pairs and Japanese ending pairs as stopwords, a lone hiragana character never a
term, and Arabic و/ف before the article taken off (`qa.lang.analyzers`; English's terms did not change); of the
same release, each article's copy signature, `qa.index.copies`, which an index written before has not, and
Central European and Turkish code pages, `qa.corpus.latin`, and more bylines and source lines,
`qa.corpus.bylines`. 6: copy signatures with words hashed by their bytes' values, not crc32,
`qa.index.copies`. 7: copy signatures of text with Chinese, Japanese or Korean characters, whose characters are now
the analyzers' (`qa.lang.analyzers.CJK_CHARACTERS`: 々, 〇, half-width kana, Hangul jamo, the Han extensions) and
each a word of its own after a digit or a Latin letter too, `qa.index.copies`; and the spans of English-analysed
text where a two-character CJK word was followed by its second character, `Analyzer.located`; no term changed)."""


def load_stopwords() -> frozenset[str]:
    """The NLTK English stopword list (179 words), from the copy shipped inside the package."""
    text = resources.files("qa.data").joinpath("stopwords_english.txt").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip())


def _snowball_english() -> Callable[[str], str]:
    from nltk.stem.snowball import SnowballStemmer  # lazy: see the module docstring

    stem: Callable[[str], str] = SnowballStemmer("english").stem
    return stem


class Token(NamedTuple):
    """A word of a text that survived analysis: its term and where it stands (a tuple: cheap to make)."""

    term: str
    start: int
    end: int


class TextAnalyzer(Protocol):
    """What indexing, search and evidence ask of an analyzer: English's `Analyzer` here, and the other languages'
    (`qa.lang.analyzers.LanguageAnalyzer`). `language` names it (a language tag): the engine builder keeps one
    word -> term id cache per language, since a word can be a stopword in one language and a term in another."""

    language: str

    def term_of(self, word: str) -> str: ...
    def terms(self, text: str) -> list[str]: ...
    def words(self, text: str) -> list[str]: ...
    def located(self, text: str) -> tuple[list[str], list[int]]: ...
    def tokens(self, text: str, offset: int = 0) -> list[Token]: ...
    def question_tokens(self, text: str, known: Container[str] | None = None) -> list[Token]: ...
    def matching(self, text: str, wanted: Collection[str], offset: int = 0) -> list[Token]: ...
    def stopword_words(self, text: str) -> list[str]: ...
    def load_stemmer(self) -> None: ...
    def export_cache(self) -> dict[str, str]: ...
    def remember(self, learned: Iterable[tuple[str, str]]) -> None: ...
    def preload(self, cache: dict[str, str]) -> None: ...


class WordCache:
    """What every analyzer shares: a word -> term cache in front of its own `_analyse_word`, the text methods made
    from `words` and `term_of`, and the cache saved with an index (`export_cache`, `preload`)."""

    def __init__(self) -> None:
        self._cache: dict[str, str] = {}
        self._cache_limit: int | None = None  # unbounded while indexing; bounded once serving (see `preload`)

    def term_of(self, word: str) -> str:
        """The term for one raw word, or "" when it is a stopword. Cached by word."""
        term = self._cache.get(word)
        if term is None:
            term = self._term_of_new(word)
        return term

    def _term_of_new(self, word: str) -> str:
        """`term_of` for a word not in the cache (which keeps it while under its limit)."""
        term = self._analyse_word(word)
        if self._cache_limit is None or len(self._cache) < self._cache_limit:
            self._cache[word] = term
        return term

    def _analyse_word(self, word: str) -> str:
        raise NotImplementedError

    def words(self, text: str) -> list[str]:
        """The raw words of `text`, before normalisation (what `term_of` takes)."""
        raise NotImplementedError

    def terms(self, text: str) -> list[str]:
        """The terms of `text`, in order, stopwords removed."""
        term_of = self.term_of
        return [term for term in map(term_of, self.words(text)) if term]

    def tokens(self, text: str, offset: int = 0) -> list[Token]:
        """The terms of `text` with the character span of the word each comes from."""
        raise NotImplementedError

    def question_tokens(self, text: str, known: Container[str] | None = None) -> list[Token]:
        """A question's tokens: `tokens`, here (`known`, the terms some article holds, lets an analyzer leave out
        a fallback term that is not needed: `qa.lang.analyzers.LanguageAnalyzer.question_tokens`)."""
        return self.tokens(text)

    def stopword_words(self, text: str) -> list[str]:
        """The words of `text` that analysis drops as stopwords (to explain an empty question)."""
        return [word for word in self.words(text) if not self.term_of(word)]

    def export_cache(self) -> dict[str, str]:
        """Word -> term for every word seen so far (saved with an index)."""
        return dict(self._cache)

    def remember(self, learned: Iterable[tuple[str, str]]) -> None:
        """Keep (word, term) pairs found by another process's analyzer of this language (a parallel build's
        worker: `qa.index.parallel`), so that the cache saved with the index has them."""
        if self._cache_limit is None:
            self._cache.update(learned)  # the same analysis: a word known already gets the same term
            return
        for word, term in learned:
            if len(self._cache) >= self._cache_limit:
                break
            self._cache.setdefault(word, term)

    def preload(self, cache: dict[str, str]) -> None:
        """Adopt a cache saved with an index, so known words need no stemming (nor the stemmer's import).

        From then on the cache grows by at most `QUESTION_WORDS_CACHED` more words: questions come from clients,
        and caching every new word they send would grow a server's memory without bound.
        """
        self._cache.update(cache)
        self._cache_limit = len(self._cache) + QUESTION_WORDS_CACHED


class Analyzer(WordCache):
    """Turns English text into BM25 terms. One instance serves documents and questions, so both always agree."""

    language = "en"

    def __init__(self, stopwords: Iterable[str] | None = None) -> None:
        super().__init__()
        self.stopwords = frozenset(stopwords) if stopwords is not None else load_stopwords()
        self._stem: Callable[[str], str] | None = None
        self._spellings: dict[str, str] | None = None

    def _analyse_word(self, word: str) -> str:
        word = GREEK_LETTERS.get(word, word)
        if len(word) >= 3 and _ACRONYM_PLURAL.fullmatch(word):
            word = word[:-1]
        normal = unicodedata.normalize("NFKC", word).lower().replace("’", "'")
        if normal in self.stopwords:
            return ""
        if normal[0].isdigit():
            return _THOUSANDS.sub("", normal)
        if self._stem is None:
            known = self._known_spellings().get(normal) if normal.isascii() else None
            if known is not None:
                return known
            self._stem = _snowball_english()
        return self._stem(normal)

    def _known_spellings(self) -> dict[str, str]:
        """The term of every ASCII word seen, by its lowercased spelling (acronym plurals aside: analysis treats
        them apart). A question's "agency" is then the articles' "Agency", and needs no stemmer: importing NLTK
        would cost a one-question `qa ask` about a second. Made once, the first time a word is not in the cache."""
        if self._spellings is None:
            self._spellings = {word.lower(): term for word, term in self._cache.items()
                               if term and word.isascii() and not (len(word) >= 3 and _ACRONYM_PLURAL.fullmatch(word))}
        return self._spellings

    def words(self, text: str) -> list[str]:
        """The raw words of `text`, before normalisation (what `term_of` takes)."""
        return words_of(text)

    def located(self, text: str) -> tuple[list[str], list[int]]:
        """`words`, and where each starts in `text` (what an index keeps to highlight a passage without splitting
        it again: `qa.index.spans`). Plain ASCII text (no word of joined parts, see `words_of`) at C speed: the
        words start where a run of letters and digits does; other text by the pattern's matches."""
        if _plain_ascii(text):
            spaced = text.translate(_ASCII_SPACED)
            inside = np.frombuffer(spaced.encode("ascii"), np.uint8) != 32
            starts = np.flatnonzero(inside & ~np.concatenate(([False], inside[:-1])))
            return spaced.split(), starts.tolist()
        matches = list((_ASCII_WORD if text.isascii() else _WORD).finditer(text))
        return [match.group() for match in matches], [match.start() for match in matches]

    def tokens(self, text: str, offset: int = 0) -> list[Token]:
        """Like `terms`, with each term's character span (shifted by `offset`) for highlighting."""
        term_of = self.term_of
        found = []
        for match in _WORD.finditer(text):
            term = term_of(match.group())
            if term:
                start, end = match.span()
                found.append(Token(term, start + offset, end + offset))
        return found

    def matching(self, text: str, wanted: Collection[str], offset: int = 0) -> list[Token]:
        """The tokens of `text` whose term is in `wanted` (terms, or a dict keyed by them): `tokens` filtered,
        several times faster.

        This runs for every passage of every answer (its highlights), so the words are found and looked up in
        the word cache at C speed (`words_of`, `map`); only the few that match are located in the text.
        """
        words = words_of(text)
        cached = list(map(self._cache.get, words))
        if None in cached:  # words never seen (a question's, or beyond the cache's limit): analyse them
            terms = [term if term is not None else self._term_of_new(word)
                     for term, word in zip(cached, words, strict=True)]
        else:
            terms = cast(list[str], cached)
        if not isinstance(wanted, (set, frozenset, dict)):
            wanted = set(wanted)  # their membership tests are the fastest to call from `map`
        positions = list(compress(range(len(terms)), map(wanted.__contains__, terms)))
        if not positions:
            return []
        starts = _ascii_word_starts(text, words, positions) if text.isascii() else None
        if starts is None:
            starts = _word_starts(text, positions)
        return [Token(terms[position], start + offset, start + len(words[position]) + offset)
                for position, start in zip(positions, starts, strict=False)]

    def load_stemmer(self) -> None:
        """Import the stemmer now (about a second) rather than during the first question with a new word."""
        if self._stem is None:
            self._stem = _snowball_english()


def words_of(text: str) -> list[str]:
    """The words of `text` (`_WORD.findall(text)`), found at C speed for ASCII text.

    Words are what most of the time of building an answer's evidence goes into (every passage returned is split
    again), and `_WORD` is a slow pattern: in ASCII text without a word made of joined parts ("3.4", "1,000",
    "don't") the words are just the runs of letters and digits, which `str.translate` and `str.split` find about
    five times faster; other ASCII text takes `_ASCII_WORD`, the pattern without its non-ASCII parts.
    """
    if not text.isascii():
        return _WORD.findall(text)
    if not _plain_ascii(text):
        return _ASCII_WORD.findall(text)
    return text.translate(_ASCII_SPACED).split()


def _plain_ascii(text: str) -> bool:
    """Whether `text` is ASCII without a word made of joined parts ("3.4", "1,000", "don't"): its words are then
    the runs of letters and digits."""
    if not text.isascii():
        return False
    classes = text.encode("ascii").translate(_ASCII_CLASSES)
    return not (b"0.0" in classes or (b"'" in classes and any(join in classes for join in _ASCII_JOINS)))


def _word_starts(text: str, positions: list[int]) -> list[int]:
    """Where the words numbered `positions` (increasing) of `text` start, by running `_WORD` up to the last one."""
    matches = _WORD.finditer(text)
    starts = []
    located = 0
    for position in positions:
        starts.append(next(islice(matches, position - located, None)).start())  # skips words at C speed
        located = position + 1
    return starts


def _ascii_word_starts(text: str, words: list[str], positions: list[int]) -> list[int] | None:
    """`_word_starts` for ASCII text, found with `str.find` rather than a second pass of the pattern.

    The next occurrence of a word after the previous match that is a whole word (no letter, digit or joining
    character on either side) is the word sought: an earlier whole-word occurrence would be the same word, hence
    a match too. None if that reasoning ever failed (then the caller runs the pattern).
    """
    starts = []
    cursor = 0
    for position in positions:
        word = words[position]
        at = text.find(word, cursor)
        while at >= 0 and not _whole_ascii_word(text, at, at + len(word)):
            at = text.find(word, at + 1)
        if at < 0:
            return None
        starts.append(at)
        cursor = at + len(word)
    return starts


def _whole_ascii_word(text: str, start: int, end: int) -> bool:
    """Whether `text[start:end]` (letters and digits at both ends) is a whole word of the ASCII `text`."""
    return ((start == 0 or text[start - 1] in _ASCII_APART or not _continues(text, start - 1, -1))
            and (end == len(text) or text[end] in _ASCII_APART or not _continues(text, end, 1)))


def _continues(text: str, at: int, step: int) -> bool:
    """Whether the character `text[at]`, next to a word's end (`step` 1) or start (-1), belongs to that word: a
    letter or digit, or a joining ".", "," between digits or "'" between letters or digits (see `_ASCII_WORD`)."""
    char = text[at]
    if char.isalnum():
        return True
    beyond = at + step
    if not 0 <= beyond < len(text):
        return False
    if char in ".,":
        return text[beyond].isdigit() and text[at - step].isdigit()
    return char == "'" and text[beyond].isalnum()
