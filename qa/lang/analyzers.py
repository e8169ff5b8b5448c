"""An analyzer per language, with the interface of English's `Analyzer`, and the tokenizer that splits by script.

English keeps `qa.ranking.analysis.Analyzer` itself, unchanged: the same terms, the same fast paths, so English
figures cannot move. Every other language gets a `LanguageAnalyzer`:

- words: runs of letters, combining marks and digits (the `regex` module's `\\p{L}\\p{M}\\p{N}`: Python's `re`
  counts a Devanagari vowel sign, a Hebrew point or an Arabic haraka as a word break and splits the word there),
  joined by an apostrophe between letters or by "." or "," between digits, as in English;
- Chinese, Japanese and Korean: a run of Han, Hiragana, Katakana or Hangul characters becomes its overlapping
  character bigrams and each of its characters, as Lucene's CJKBigramFilter does with `outputUnigrams` ("高速铁路"
  -> "高速", "高", "速铁", "速", "铁路", "铁", "路"), so that a word of one character (猫, 茶, 雨) is found too.
  A question keeps a character's unigram only where no bigram over it is a term some article holds (or a
  stopword: `question_tokens`), so a question whose bigrams match is searched by its bigrams alone, as before,
  and a one-character word is searched by itself. Every analyzer does this, so a Chinese name inside a German
  article meets a Chinese question. Each bigram and unigram is a "word" of its own (with its own span), so the
  word -> term cache and the engine's word -> id cache work unchanged;
- normalisation: NFKC, then case folding (`str.casefold`: "ß" -> "ss", final sigma -> sigma), and for Arabic,
  Persian, Urdu and Hebrew the removal of combining marks and the tatweel, so pointed and unpointed text meet;
- French, Italian and Catalan elisions are cut ("l'économie" -> "économie");
- numbers: thousands separators dropped where the language groups digits with them ("1,000" in English-style
  languages, "7.500" in German, Greek, Spanish...), decimals kept;
- stopwords: the `stop-words` package's list for the language (BSD-3-Clause), where it has one;
- stemming: the C Snowball stemmers of PyStemmer (MIT/BSD), for every language Snowball covers; Arabic "and" or
  "so" before the article (والشركة, فالشركة) is taken off first (`_CONJUNCTION`: Snowball leaves it);
- Hebrew: each word is followed by its core, without its prefixes (`hebrew_prefix`: בבית -> בבית, בית), searched
  beside the word and never instead of it, since unpointed text cannot tell a prefix from a first letter.

Not covered, and what happens: scripts written without spaces other than CJK (Thai, Lao, Khmer, Myanmar, Tibetan)
are split only at spaces and punctuation, so a whole phrase is one term and matches only the same phrase; languages
without a Snowball stemmer (Korean, Vietnamese, Ukrainian, Bulgarian, ...; Hebrew beyond its prefixes) are
normalised and lose their stopwords but are not stemmed; Japanese and Korean inflection is not undone (bigrams
match the shared stem's characters instead).

    >>> LanguageAnalyzer("de").terms("Die Lokführer streiken seit drei Tagen")
    ['lokfuhr', 'streik', 'seit', 'drei', 'tag']
    >>> LanguageAnalyzer("zh").terms("高铁开通")
    ['高铁', '高', '铁开', '铁', '开通', '开', '通']
    >>> [t.term for t in LanguageAnalyzer("zh").question_tokens("猫喜欢吃鱼", known={"喜欢", "吃鱼", "猫"})]
    ['猫喜', '猫', '喜欢', '欢吃', '吃鱼']
"""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Callable, Collection, Container, Iterable, Iterator
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
CJK_STOPWORDS = {
    "zh": "什么 多少 怎么 怎样 怎么样 为什 为何 哪里 哪儿 哪个 哪些 哪一 是否 是不 几个 几岁 几天 几年 几次"
          " 多长 多高 多远 多久 多深 多宽 多大 吗 呢",
    "ja": "ます まし ませ せん した すか でし たか しょ ょう につ つい いて によ よる とし して てい いる いた"
          " され れた れる られ ない なっ った ある あり りま いつ いく くら どこ どの どれ なぜ",
}
"""Bigrams (and characters) that only ask or only inflect, added to the stopword lists of Chinese and Japanese, whose
lists name whole words and not the pairs of characters they are searched as: Chinese asking words (什么, 多少,
几个, 多长, 是否, 吗), Japanese verb endings and particle pairs (ですか -> です (already a stopword), すか;
でした -> でし, した; について -> につ, つい, いて; ている, による, として) and asking words (いつ, いくら,
どこ). Without them a question's
"ですか" or "多少" was searched, and chose the article and the best sentence that shared the grammar; they are
stopwords of documents and questions alike. A CJK character alone in hiragana (a particle or an ending: か, い, て)
is never a term either (`LanguageAnalyzer`)."""
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
_CONJUNCTION = {"ar": regex.compile(r"^[وف](?=(?:ال|لل|بال|كال)\p{L}{3})")}
"""Arabic "and"/"so" (و, ف) before an article or preposition with the article (والشركة, فالشركة, وللشركة,
وبالشركة): taken off before Snowball, whose Arabic stemmer takes off ال, لل, بال, كال, وبال and a lone و, but
leaves وال and فال (والشركة -> والشرك, while الشركة, للشركة, بالشركة -> شرك). Only where three letters follow the
article, so والد (father), والدة (mother) and والي (governor) are kept whole. A lone ل (لشركة) is left on, as
Snowball leaves it: too many words start with one (لجنة committee, whose rest جنة is paradise; لغة, لحم, لون)."""

_CJK = CJK_CHARACTERS = r"\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}\u3005\u3006\u3007\u30fc\u30f6\u3031-\u3035"
"""The Chinese, Japanese and Korean characters (Han, Kana, Hangul, and the iteration, prolonged-sound and small
ke marks 々 〆 〇 ー ヶ 〱-〵), as the inside of a `regex` character class (V1): the one definition, used by
`qa.index.copies` too."""
_INWORD = rf"[[\p{{L}}\p{{M}}\p{{N}}]--[{_CJK}]]"
# A CJK run, or a word: letters/marks/digits (CJK aside), joined by '.' or ',' between digits or by an
# apostrophe before a letter (as `qa.analysis._WORD`, without its Greek-letter rule, which is English-only).
_TOKEN = regex.compile(rf"(?P<cjk>[{_CJK}]+)|{_INWORD}+(?:(?:(?<=\p{{N}})[.,](?=\p{{N}})|['’](?=\p{{L}})){_INWORD}+)*",
                       regex.V1)
_SCRIPT_RUN = regex.compile(r"[\p{Han}\u3005\u3006\u3007]+|[\p{Hiragana}\u3031-\u3035]+|[\p{Katakana}\u30fc\u30f6]+"
                            r"|\p{Hangul}+", regex.V1)
_MARKS = regex.compile(r"[\p{Mn}\u0640]")  # combining marks (points, harakat) and the Arabic tatweel
_CJK_CHAR = CJK_CHAR = regex.compile(rf"[{_CJK}]", regex.V1)
"""One Chinese, Japanese or Korean character (Han, Kana, Hangul)."""
_HIRAGANA_CHAR = regex.compile(r"\p{Hiragana}", regex.V1)
_HANGUL_CHAR = regex.compile(r"\p{Hangul}", regex.V1)
_HAN_CHAR = regex.compile(r"\p{Han}", regex.V1)
_KANA = regex.compile(r"[\p{Hiragana}\p{Katakana}]", regex.V1)
CJK_BIGRAM = regex.compile(rf"[{_CJK}]{{2}}", regex.V1)
"""Two CJK characters: a bigram `scan` made, which overlaps the next one by a character."""

CjkMode = Literal["bigram", "bigram-script", "bigram+unigram"]


def scan(text: str, cjk: CjkMode = "bigram", core: Callable[[str], int] | None = None
         ) -> Iterator[tuple[str, int]]:
    """The words of `text` with where each starts: CJK runs as overlapping bigrams (a lone character as itself).

    "bigram" bigrams a whole run of CJK characters, whatever their script (Lucene's CJKBigramFilter);
    "bigram-script" bigrams each run of one script (Han, Hiragana, Katakana, Hangul) apart; "bigram+unigram" gives
    each character too (Lucene's `outputUnigrams`), after the bigram that starts there. `core`: how many of a
    word's first characters are prefixes (`hebrew_prefix`); where some are, the rest of the word follows it.
    """
    for match in _TOKEN.finditer(text):
        start = match.start()
        if match.start("cjk") < 0:
            word = match.group()
            yield word, start
            if core is not None and (cut := core(word)):
                yield word[cut:], start + cut
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


_HEBREW_PREFIXES = regex.compile(
    r"^(ו\p{Mn}*)?(כ\p{Mn}*ש\p{Mn}*|ש\p{Mn}*|מ\p{Mn}*)?([בלכ]\p{Mn}*)?(ה\p{Mn}*)?(?=\p{Hebrew})", regex.V1)
_LETTER = regex.compile(r"\p{L}")


def hebrew_prefix(word: str) -> int:
    """How many first characters of a Hebrew word are prefixes written onto it, in their order: "and" ו, "that/
    when" ש or כש, "from" מ, "in/to/as" ב ל כ, "the" ה (ובבית -> בית, מהבנק -> בנק, כשהגשם -> גשם); 0 for none.

    Hebrew has no Snowball stemmer, and unpointed text cannot tell a prefix from a word's first letter: בית
    (house) starts with ב, מדינה (state) with מ. So at least three letters are left, and a מ or ש that would be
    the last prefix taken needs four after it (מספר, number, keeps its מ, so it is not ספר, book). Measured on 28
    news sentences of ours (164 words): 13 words' forms meet (בית, בבית, ובבית, לבית; העיר, בעיר; במשטרה,
    המשטרה...), and one pair of distinct words shares a core (מעלות degrees, להעלות to raise: עלות). Other
    words' first letters are taken too (בחירות elections -> חירות freedom, מלחמה war -> חמה): so the core is
    searched beside the word, never instead of it (`LanguageAnalyzer`), and the word itself ranks first.
    """
    match = _HEBREW_PREFIXES.match(word)
    if match is None or not match.group():
        return 0
    parts = [group for group in match.groups() if group]
    while parts and len(_LETTER.findall(word, len("".join(parts)))) < (4 if parts[-1][0] in "מש" else 3):
        parts.pop()  # (כש starts with כ: three letters after it do)
    return len("".join(parts))


_CORES = {"he": hebrew_prefix}
"""Languages whose words are also searched without their prefixes (Arabic's Snowball stemmer takes off its own)."""


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

        words = [*get_stop_words(STOPWORD_LISTS[lang]), *CJK_STOPWORDS.get(lang, "").split()]
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
                 cjk: CjkMode = "bigram+unigram") -> None:
        super().__init__()
        self.language = lang
        self.stopwords = stopword_set(stopwords, lang) if stopwords is not None else load_stopwords(lang)
        self._stop_key = _unaccented if lang in _UNACCENTED_STOPWORDS else None
        self.cjk: CjkMode = cjk
        self._stem_wanted = stem
        self._stem: Callable[[str], str] | None = None
        self._stem_loaded = False
        self._elision = _ELISION.get(lang)
        self._conjunction = _CONJUNCTION.get(lang)
        self._core = _CORES.get(lang)
        self._thousands = (regex.compile(r"(?<=\d)\.(?=\d{3}\b)") if lang in _DOT_THOUSANDS
                           else regex.compile(r"(?<=\d),(?=\d{3}\b)") if lang in _COMMA_THOUSANDS else None)

    # -- one word ---------------------------------------------------------------------------------------------

    def _analyse_word(self, word: str) -> str:
        normal = _fold(word, self.language)
        if not normal or self._stopword(normal):
            return ""
        if _CJK_CHAR.match(normal):  # a bigram or lone CJK character: its characters are the term
            return "" if len(normal) == 1 and _HIRAGANA_CHAR.match(normal) else normal
        if self._elision is not None:
            normal = self._elision.sub("", normal)
            if self._stopword(normal):  # "d'un", "c'est", "qu'il", "dell'una": stopwords behind an elision
                return ""
        if normal[0].isdigit():
            return self._thousands.sub("", normal) if self._thousands is not None else normal
        if self._conjunction is not None:
            normal = self._conjunction.sub("", normal)
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
        return self.located(text)[0]

    def located(self, text: str) -> tuple[list[str], list[int]]:
        """`words`, and where each starts in `text` (they overlap: a CJK character inside its bigram, a Hebrew
        word's core inside the word). The one scan of `text` that `words`, `tokens` and `question_tokens` use."""
        found = list(scan(text, self.cjk, self._core))
        return [word for word, _ in found], [start for _, start in found]

    def tokens(self, text: str, offset: int = 0) -> list[Token]:
        """Like `terms`, with each term's character span (shifted by `offset`); CJK bigrams overlap."""
        term_of = self.term_of
        found = []
        words, starts = self.located(text)
        for word, start in zip(words, starts, strict=True):
            term = term_of(word)
            if term:
                found.append(Token(term, start + offset, start + len(word) + offset))
        return found

    def question_tokens(self, text: str, known: Container[str] | None = None) -> list[Token]:
        """A question's tokens: `tokens`, but a CJK character's unigram only where no bigram over it is held by
        some article (`known`, the folder's terms) or is a stopword, in question order.

        The unigrams are a fallback for words of one character (猫, 雨, 金: "猫喜欢吃什么" has no bigram 猫喜 in
        the articles, so 猫 is searched); where a bigram matches, its characters' unigrams would only add noise
        (every article with a 高 or a 铁 for 高铁) and could outrank the bigram's matches, so they are left out.
        A lone character (a run of one) has no bigram and is always kept. In Japanese (a question with kana) and
        Korean, a run of three characters or more of one script (Han, Hiragana, Katakana, Hangul) none of whose
        bigrams any article holds is a word no article has (a name: 鳳凰堂 of 鳳凰堂の屋根瓦), not words of one
        character: it is searched by its bigrams alone, as before, rather than by every article sharing one of its
        characters (雨 and 降 of 雨はいつ降りますか are runs of one). Chinese is all Han, a run is a whole
        clause (我想喝茶): its characters fall back. Korean is written with spaces, and the syllables after a
        word's first are its particles and endings (비*가*, 얼마*였나요*): only a word's first syllable is
        searched alone. Without `known`: every token."""
        if known is None or self.cjk != "bigram+unigram":
            return self.tokens(text)
        term_of = self.term_of
        words, starts = self.located(text)
        covered: set[int] = set()  # characters under a held (or stopword) bigram
        held: set[int] = set()  # characters under a held bigram
        for word, start in zip(words, starts, strict=True):
            if len(word) == 2 and CJK_BIGRAM.fullmatch(word):
                term = term_of(word)
                if not term or term in known:
                    covered.update((start, start + 1))
                if term and term in known:
                    held.add(start)
        kana = _KANA.search(text) is not None  # Japanese: kana part Han runs into words
        unknown_runs = {place for run in _SCRIPT_RUN.finditer(text) if run.end() - run.start() > 2
                        and held.isdisjoint(range(run.start(), run.end() - 1))
                        and (kana or not _HAN_CHAR.match(text, run.start())) for place in range(*run.span())}
        found: list[Token] = []
        for word, start in zip(words, starts, strict=True):
            if len(word) == 1 and _CJK_CHAR.match(word) and (start in covered or start in unknown_runs or (
                    _HANGUL_CHAR.match(word) and start and _HANGUL_CHAR.match(text, start - 1))):
                continue
            term = term_of(word)
            if term:
                found.append(Token(term, start, start + len(word)))
        return found

    def matching(self, text: str, wanted: Collection[str], offset: int = 0) -> list[Token]:
        """The tokens of `text` whose term is in `wanted` (for highlights)."""
        if not isinstance(wanted, (set, frozenset, dict)):
            wanted = set(wanted)
        return [token for token in self.tokens(text, offset) if token.term in wanted]


def make_analyzer(lang: str, *, cjk: CjkMode = "bigram+unigram") -> TextAnalyzer:
    """The analyzer for `lang`: English's is `qa.ranking.analysis.Analyzer`, unchanged; every other language's a
    `LanguageAnalyzer` (`qa.lang.folder.Analyzers` gives undetermined text English's)."""
    if lang == "en":
        return Analyzer()
    return LanguageAnalyzer(lang, cjk=cjk)


def is_cjk_aware(analyzer: TextAnalyzer) -> bool:
    """Whether `analyzer` cuts Chinese, Japanese and Korean runs into bigrams (every `LanguageAnalyzer`; English's
    `Analyzer` keeps a run as one word)."""
    return isinstance(analyzer, LanguageAnalyzer)


def merge_spans(tokens: list[Token]) -> list[tuple[int, int]]:
    """Highlight spans from matched tokens: overlapping or touching spans (a CJK run's bigrams) become one."""
    spans: list[tuple[int, int]] = []
    for token in sorted(tokens, key=lambda t: t.start):
        if spans and token.start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], token.end))
        else:
            spans.append((token.start, token.end))
    return spans
