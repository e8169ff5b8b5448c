"""An analyzer per language, with the interface of English's `Analyzer`, and the tokenizer that splits by script.

English keeps `qa.ranking.analysis.Analyzer` itself, unchanged: the same terms, the same fast paths, so English
figures cannot move. Every other language gets a `LanguageAnalyzer`:

- words: runs of letters, combining marks and digits (the `regex` module's `\\p{L}\\p{M}\\p{N}`: Python's `re`
  counts a Devanagari vowel sign, a Hebrew point or an Arabic haraka as a word break and splits the word there),
  joined by an apostrophe between letters or by "." or "," between digits, as in English;
- Chinese, Japanese and Korean: a run of Han, Hiragana, Katakana or Hangul characters becomes its overlapping
  character bigrams, and a run of one character stays a unigram, as Lucene's CJK analyzer does ("高速铁路" ->
  "高速", "速铁", "铁路"). Every analyzer does this, so a Chinese name inside a German article meets a Chinese
  question. Each bigram is a "word" of its own (with its own span), so the word -> term cache and the
  engine's word -> id cache work unchanged;
- normalisation: NFKC, then case folding (`str.casefold`: "ß" -> "ss", final sigma -> sigma), and for Arabic,
  Persian, Urdu and Hebrew the removal of combining marks and the tatweel, so pointed and unpointed text meet;
- French, Italian and Catalan elisions are cut ("l'économie" -> "économie");
- numbers: thousands separators dropped where the language groups digits with them ("1,000" in English-style
  languages, "7.500" in German, Greek, Spanish...), decimals kept;
- stopwords: the `stop-words` package's list for the language (BSD-3-Clause), where it has one;
- stemming: the C Snowball stemmers of PyStemmer (MIT/BSD), for every language Snowball covers.

Not covered, and what happens: scripts written without spaces other than CJK (Thai, Lao, Khmer, Myanmar, Tibetan)
are split only at spaces and punctuation, so a whole phrase is one term and matches only the same phrase; languages
without a Snowball stemmer (Hebrew, Korean, Vietnamese, Ukrainian, Bulgarian, ...) are normalised and lose their
stopwords but are not stemmed; Japanese and Korean inflection is not undone (bigrams match the shared stem's
characters instead).

    >>> LanguageAnalyzer("de").terms("Die Lokführer streiken seit drei Tagen")
    ['lokfuhr', 'streik', 'seit', 'drei', 'tag']
    >>> LanguageAnalyzer("zh").terms("高铁开通")
    ['高铁', '铁开', '开通']
"""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Callable, Collection, Iterable, Iterator
from functools import cache
from importlib import resources
from typing import Literal

import regex

from qa.ranking.analysis import Analyzer, TextAnalyzer, Token, WordCache

SNOWBALL = {"ar": "arabic", "hy": "armenian", "eu": "basque", "ca": "catalan", "cs": "czech", "da": "danish",
            "nl": "dutch", "en": "english", "eo": "esperanto", "et": "estonian", "fi": "finnish", "fr": "french",
            "de": "german", "el": "greek", "hi": "hindi", "hu": "hungarian", "id": "indonesian", "ga": "irish",
            "it": "italian", "lt": "lithuanian", "ne": "nepali", "no": "norwegian", "fa": "persian", "pl": "polish",
            "pt": "portuguese", "ro": "romanian", "ru": "russian", "sr": "serbian", "st": "sesotho", "es": "spanish",
            "sv": "swedish", "ta": "tamil", "tr": "turkish", "yi": "yiddish"}
"""ISO 639-1 -> Snowball algorithm name (those that the installed PyStemmer lacks are left unstemmed)."""

STOPWORD_LISTS = {"ar": "arabic", "bg": "bulgarian", "ca": "catalan", "cs": "czech", "da": "danish", "nl": "dutch",
                  "fi": "finnish", "fr": "french", "de": "german", "gu": "gujarati", "he": "hebrew",
                  "hi": "hindi", "hu": "hungarian", "id": "indonesian", "it": "italian", "ja": "japanese",
                  "ko": "korean", "ms": "malaysian", "no": "norwegian", "fa": "persian", "pl": "polish",
                  "pt": "portuguese", "ro": "romanian", "ru": "russian", "sk": "slovak", "es": "spanish",
                  "sv": "swedish", "tr": "turkish", "uk": "ukrainian", "vi": "vietnamese", "zh": "chinese"}
"""ISO 639-1 -> list name in the `stop-words` package (not Greek: `SHIPPED_STOPWORDS`)."""

CJK_LANGUAGES = frozenset({"zh", "ja", "ko"})
_UNPOINTED = frozenset({"ar", "fa", "ur", "he", "yi"})  # scripts whose vowel points are optional: dropped
_UNACCENTED_STOPWORDS = frozenset({"el", "ro"})
"""Languages whose words are compared with their stopword list without accents: Greek is often typed without its
tonos (ειναι for είναι) and capitals carry none (ΕΙΝΑΙ); the Romanian list is spelled without ș, ț, ă, â, î (si,
sa, dupa). Only the comparison: a word that is not a stopword is stemmed as written."""
SHIPPED_STOPWORDS = {"el": "stopwords_greek.txt"}
"""Stopword lists that ship inside qa (`qa/data`, see its STOPWORDS-SOURCE.md) rather than come from `stop-words`."""
_DOT_THOUSANDS = frozenset({"de", "el", "es", "it", "pt", "nl", "da", "id", "tr", "ro", "ca", "hr", "sl", "sr",
                            "no", "is", "vi"})  # "7.500" is 7500 (and "4,5" a decimal, kept)
_COMMA_THOUSANDS = frozenset({"zh", "ja", "ko", "he", "hi", "th", "ms", "ta", "ne", "ga"})  # "1,000" as English
_ELISION = {"fr": regex.compile(r"^(?:qu|jusqu|lorsqu|puisqu|quoiqu|[cdjlmnst])'(?=\p{L})"),
            "it": regex.compile(r"^(?:dell|all|dall|nell|sull|coll|quell|un|l|d|c|v|m|t|s|n)'(?=\p{L})"),
            "ca": regex.compile(r"^(?:d|l|m|n|s|t)'(?=\p{L})")}

_CJK = r"\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}\u3005\u3006\u3007\u30fc\u30f6\u3031-\u3035"
_INWORD = rf"[[\p{{L}}\p{{M}}\p{{N}}]--[{_CJK}]]"
# A CJK run, or a word: letters/marks/digits (CJK aside), joined by '.' or ',' between digits or by an
# apostrophe before a letter (as `qa.analysis._WORD`, without its Greek-letter rule, which is English-only).
_TOKEN = regex.compile(rf"(?P<cjk>[{_CJK}]+)|{_INWORD}+(?:(?:(?<=\p{{N}})[.,](?=\p{{N}})|['’](?=\p{{L}})){_INWORD}+)*",
                       regex.V1)
_SCRIPT_RUN = regex.compile(r"[\p{Han}\u3005\u3006\u3007]+|[\p{Hiragana}\u3031-\u3035]+|[\p{Katakana}\u30fc\u30f6]+"
                            r"|\p{Hangul}+", regex.V1)
_MARKS = regex.compile(r"[\p{Mn}\u0640]")  # combining marks (points, harakat) and the Arabic tatweel
_CJK_CHAR = regex.compile(rf"[{_CJK}]", regex.V1)
CJK_BIGRAM = regex.compile(rf"[{_CJK}]{{2}}", regex.V1)
"""Two CJK characters: a bigram `scan` made, which overlaps the next one by a character."""

CjkMode = Literal["bigram", "bigram-script", "bigram+unigram"]


def scan(text: str, cjk: CjkMode = "bigram") -> Iterator[tuple[str, int]]:
    """The words of `text` with where each starts: CJK runs as overlapping bigrams (a lone character as itself).

    "bigram" bigrams a whole run of CJK characters, whatever their script (Lucene's CJKBigramFilter);
    "bigram-script" bigrams each run of one script (Han, Hiragana, Katakana, Hangul) apart; "bigram+unigram" gives
    each character too (Lucene's `outputUnigrams`), after the bigram that starts there.
    """
    for match in _TOKEN.finditer(text):
        start = match.start()
        if match.start("cjk") < 0:
            yield match.group(), start
            continue
        run = match.group()
        pieces = [(run, 0)] if cjk != "bigram-script" else [(m.group(), m.start()) for m in _SCRIPT_RUN.finditer(run)]
        unigrams = cjk == "bigram+unigram"
        for piece, at in pieces:
            if len(piece) == 1:
                yield piece, start + at
                continue
            for i in range(len(piece) - 1):
                yield piece[i:i + 2], start + at + i
                if unigrams:
                    yield piece[i], start + at + i
            if unigrams:
                yield piece[-1], start + at + len(piece) - 1


@cache
def load_stopwords(lang: str) -> frozenset[str]:
    """The `stop-words` package's list for `lang` (BSD-3-Clause), normalised as words are; empty where it has none.

    Chosen over Snowball's own lists and stopwordsiso's on the choosing half of our questions (README-multilingual.md:
    the three are within one question of each other; this one needs no data of ours and is the most cautious).
    Greek is the exception (`SHIPPED_STOPWORDS`): that package's Greek list is Ancient Greek."""
    shipped = SHIPPED_STOPWORDS.get(lang)
    if shipped is not None:
        words = resources.files("qa.data").joinpath(shipped).read_text(encoding="utf-8").split()
    elif lang in STOPWORD_LISTS:
        from stop_words import get_stop_words  # text files: no download

        words = get_stop_words(STOPWORD_LISTS[lang])
    else:
        return frozenset()
    return stopword_set(words, lang)


def stopword_set(words: Iterable[str], lang: str) -> frozenset[str]:
    """`words` as `LanguageAnalyzer` compares them: folded (and without accents where the language's are), the
    package's stray quotes, commas and byte-order marks taken off (its Hebrew list is written '"אבל",', its Slovak
    one starts with a BOM)."""
    key = _unaccented if lang in _UNACCENTED_STOPWORDS else None
    found = set()
    for word in words:
        normal = _fold(word.strip().strip('\ufeff"\',').strip(), lang)
        if normal:
            found.add(key(normal) if key is not None else normal)
    return frozenset(found)


def _fold(word: str, lang: str) -> str:
    normal = unicodedata.normalize("NFKC", word).casefold().replace("’", "'")
    if lang in _UNPOINTED:
        normal = _MARKS.sub("", normal)
    return normal


def _unaccented(normal: str) -> str:
    """A folded word without its accents (είναι -> ειναι, și -> si): how `_UNACCENTED_STOPWORDS` compare."""
    if normal.isascii():
        return normal
    return unicodedata.normalize("NFC", _MARKS.sub("", unicodedata.normalize("NFD", normal)))


def snowball(lang: str) -> Callable[[str], str] | None:
    """A thread-safe stem function for `lang` (PyStemmer's C Snowball), or None when Snowball has no stemmer.

    A PyStemmer `Stemmer` is not safe to share between threads; a lock is, and costs little: analysers call
    the stemmer once per distinct word (they cache word -> term)."""
    import Stemmer  # PyStemmer (no stubs)

    name = SNOWBALL.get(lang)
    if name is None or name not in Stemmer.algorithms():
        return None
    stemmer = Stemmer.Stemmer(name)
    stemmer.maxCacheSize = 0  # the analyzer caches
    lock = threading.Lock()

    def stem(word: str) -> str:
        with lock:
            return str(stemmer.stemWord(word))
    return stem


class LanguageAnalyzer(WordCache):
    """Text -> terms for one language other than English (see the module docstring for what it does)."""

    def __init__(self, lang: str, stopwords: Iterable[str] | None = None, *, stem: bool = True,
                 cjk: CjkMode = "bigram") -> None:
        super().__init__()
        self.language = lang
        self.stopwords = stopword_set(stopwords, lang) if stopwords is not None else load_stopwords(lang)
        self._stop_key = _unaccented if lang in _UNACCENTED_STOPWORDS else None
        self.cjk: CjkMode = cjk
        self._stem_wanted = stem
        self._stem: Callable[[str], str] | None = None
        self._stem_loaded = False
        self._elision = _ELISION.get(lang)
        self._thousands = (regex.compile(r"(?<=\d)\.(?=\d{3}\b)") if lang in _DOT_THOUSANDS
                           else regex.compile(r"(?<=\d),(?=\d{3}\b)") if lang in _COMMA_THOUSANDS else None)

    # -- one word ---------------------------------------------------------------------------------------------

    def _analyse_word(self, word: str) -> str:
        normal = _fold(word, self.language)
        if not normal or self._stopword(normal):
            return ""
        if _CJK_CHAR.match(normal):  # a bigram or lone CJK character: its characters are the term
            return normal
        if self._elision is not None:
            normal = self._elision.sub("", normal)
            if self._stopword(normal):  # "d'un", "c'est", "qu'il", "dell'una": stopwords behind an elision
                return ""
        if normal[0].isdigit():
            return self._thousands.sub("", normal) if self._thousands is not None else normal
        if not self._stem_loaded:
            self.load_stemmer()
        return self._stem(normal) if self._stem is not None else normal

    def _stopword(self, normal: str) -> bool:
        return (self._stop_key(normal) if self._stop_key is not None else normal) in self.stopwords

    def load_stemmer(self) -> None:
        """Load the Snowball stemmer now (a few milliseconds) rather than on the first new word."""
        if not self._stem_loaded:
            self._stem = snowball(self.language) if self._stem_wanted else None
            self._stem_loaded = True

    # -- text -------------------------------------------------------------------------------------------------

    def words(self, text: str) -> list[str]:
        """The words of `text` before normalisation (what `term_of` takes), CJK runs as bigrams."""
        return [word for word, _ in scan(text, self.cjk)]

    def tokens(self, text: str, offset: int = 0) -> list[Token]:
        """Like `terms`, with each term's character span (shifted by `offset`); CJK bigrams overlap."""
        term_of = self.term_of
        found = []
        for word, start in scan(text, self.cjk):
            term = term_of(word)
            if term:
                found.append(Token(term, start + offset, start + len(word) + offset))
        return found

    def matching(self, text: str, wanted: Collection[str], offset: int = 0) -> list[Token]:
        """The tokens of `text` whose term is in `wanted` (for highlights)."""
        if not isinstance(wanted, (set, frozenset, dict)):
            wanted = set(wanted)
        return [token for token in self.tokens(text, offset) if token.term in wanted]


def make_analyzer(lang: str, *, cjk: CjkMode = "bigram") -> TextAnalyzer:
    """The analyzer for `lang`: English's is `qa.ranking.analysis.Analyzer`, unchanged; every other language's a
    `LanguageAnalyzer` (`qa.lang.folder.Analyzers` gives undetermined text English's)."""
    if lang == "en":
        return Analyzer()
    return LanguageAnalyzer(lang, cjk=cjk)


def merge_spans(tokens: list[Token]) -> list[tuple[int, int]]:
    """Highlight spans from matched tokens: overlapping or touching spans (a CJK run's bigrams) become one."""
    spans: list[tuple[int, int]] = []
    for token in sorted(tokens, key=lambda t: t.start):
        if spans and token.start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], token.end))
        else:
            spans.append((token.start, token.end))
    return spans
