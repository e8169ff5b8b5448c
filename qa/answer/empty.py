"""Why an answer has no passage, said so that the person asking knows what to change.

Three different reasons get three different messages:

- the filter leaves no article: "No article matches the filter date_from=2031-01-01 (dated articles run from
  2004-01-01 to 2005-12-31)." (`filter_message`);
- no passage holds any of the question's words: "No passage contains any of: zepelin. Did you mean "zeppelin"
  for "zepelin"?" (`no_match_message`);
- the question has no searchable word (said by `qa.answer.search`).

Suggestions ("did you mean") come from the index's own vocabulary: the words of the articles (lowercased) whose
term the index holds. RapidFuzz finds those within a few edits of the word asked (optimal string alignment: a
letter added, dropped, changed, or two swapped, is one edit; `max_edits` allows more for longer words); the
nearest come first, ties going to the word in more passages. Only words of the asked word's script are offered,
and, when the question's language is sure and some article is in it, only words of articles in that language: a
Spanish "construcsion" is "construcción", not the English "construction" one edit nearer.

    >>> suggest(index, ["cooperashun"])                                       # doctest: +SKIP
    [Suggestion(word='cooperashun', did_you_mean=['cooperation'])]
"""

from __future__ import annotations

import threading
import unicodedata
import weakref
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from itertools import pairwise

import regex
from rapidfuzz import process
from rapidfuzz.distance import OSA

from qa.dates import date_prefix
from qa.index.reader import Index
from qa.lang.analyzers import merge_spans
from qa.models import Filter, Suggestion
from qa.ranking.analysis import Token

ASKING_WORDS = frozenset({
    "many", "much",  # English: how many, how much
    "viel", "viele", "vielen", "wieviel", "wieviele",  # German: wie viel(e)
    "combien",  # French
    "cuánto", "cuánta", "cuántos", "cuántas", "cuanto", "cuanta", "cuantos", "cuantas",  # Spanish
    "quanto", "quanta", "quanti", "quante", "quantos", "quantas",  # Italian, Portuguese
    "hoeveel",  # Dutch
    "сколько", "каков", "какова", "каково", "каковы",  # Russian
    "كم", "متى", "أين", "لماذا", "كيف", "ماذا", "هل",  # Arabic
    "얼마", "얼마나", "어떻게", "언제", "어디", "어디서", "누구", "누가", "왜", "무엇", "무슨", "몇", "어느",  # Korean
    "ile", "kiedy", "gdzie", "dlaczego",  # Polish
    "kaç", "kaçta", "nerede", "neden", "nasıl", "hangi",  # Turkish
    "כמה", "מתי", "איפה", "למה", "איך",  # Hebrew
    "कितना", "कितनी", "कितने", "कब", "कहाँ", "कहां", "क्यों", "कैसे", "कौन",  # Hindi
    "bao", "nhiêu", "mấy",  # Vietnamese: bao nhiêu (how many), mấy
    "berapa", "kapan", "mengapa", "bagaimana", "siapa",  # Indonesian
    "多少", "几", "为什么", "怎么", "哪里",  # Chinese
    # when, where, who, why, which in French, German, Spanish, Italian, Portuguese, Dutch and Russian (a short
    # question may be read as English, whose stopwords they are not); not those that are English words (come, dove)
    "quand", "où", "pourquoi", "quel", "quelle", "quels", "quelles",
    "wann", "wo", "wer", "warum", "wieso", "welche", "welcher", "welches",
    "cuándo", "dónde", "quién", "quiénes", "cuál", "cuáles", "cómo", "qué",
    "quando", "perché", "quale", "quali", "onde", "quem", "qual", "quais", "porque",
    "wanneer", "waar", "waarom", "welke",
    "когда", "где", "кто", "почему", "какой", "какая", "какие",
})
"""Words that only ask ("how *many* agreements"): not reported as missing from the articles, since no article
answers with them and "Not in any article: much" tells the reader nothing. They are still searched where the
articles hold them (a language's stopword list decides what is searched, for articles and questions alike)."""


_HIRAGANA_EDGES = regex.compile(r"^\p{Hiragana}+|\p{Hiragana}+$|[吗呢吧]+$")
"""Japanese particles, endings and question words are written in hiragana (桜*の*, *いつ*, で*すか*): an unknown stretch
is reported without them, and not at all when less than two characters are left. So are the Chinese question
particles at a stretch's end (经过凤凰岛*吗*)."""


def _asks(word: str) -> bool:
    return word.casefold() in ASKING_WORDS


_HANGUL_RUN = regex.compile(r"\p{Hangul}+")
_HANGUL_ASKS = regex.compile("|".join(word for word in ASKING_WORDS if regex.fullmatch(r"\p{Hangul}+", word)))
"""A Korean word that starts with an asking word is one with its ending (얼마*였나*: "how much was it")."""


def _hangul_word(question: str, start: int, end: int) -> str:
    """`question[start:end]` (two characters or more), or, inside a Korean word (written with spaces, searched as
    pairs of syllables), that whole word: 얼마였나 rather than the stretch 마였나 left when 얼마 is a stopword."""
    for run in _HANGUL_RUN.finditer(question, max(0, start - 32), end + 32):
        if run.start() <= start and end <= run.end():
            return str(run.group())
    return question[start:end]


def unknown_words(question: str, tokens: Sequence[Token], held: Callable[[str], bool]) -> list[str]:
    """The question's words that no article holds (`held`: whether some passage holds a term), as a reader names
    them, once each, in question order.

    A word is known when any of its analyses is (a question analysed in two languages); a word that only asks
    (`ASKING_WORDS`: "how *much*") is not listed. Tokens that overlap are
    one run of text: Chinese and Japanese are searched as overlapping character pairs (东京塔 -> 东京, 京塔), and a
    pair no article holds is an artefact of the cut, not a word the person asked. There the unknown words are the
    stretches of two or more characters that no held pair covers: for 新地铁线路有多长 over articles holding 地铁 and
    线路, that is 有多长, not 新地, 路有, 有多 and 多长. A Japanese stretch is reported without the hiragana at its
    edges (`_HIRAGANA_EDGES`).
        >>> from qa.ranking.analysis import Token
        >>> unknown_words("新地铁线路有多长", [Token(q[i:i + 2], i, i + 2) for q in ["新地铁线路有多长"]
        ...               for i in range(7)], {"地铁", "铁线", "线路"}.__contains__)
        ['有多长']
    """
    if all(held(token.term) for token in tokens):  # most questions: every word is known
        return []
    held_spans = {(token.start, token.end) for token in tokens if held(token.term)}
    stopped = _stopword_pairs(question, tokens)
    covering = {span for span in held_spans if span[1] - span[0] > 1 or not _CJK_RUN.match(question, span[0])}
    """Held spans but a CJK character's alone: an article holding 长 or 飛 does not hold the word 有多长 or 飛行機."""
    held_words = {question[start:end] for start, end in held_spans}
    spans = sorted({(token.start, token.end) for token in tokens})
    if all(end <= start for (_, end), (start, _) in pairwise(spans)):  # no pairs: words, as they are
        return list(dict.fromkeys(word for word in (question[start:end] for start, end in spans)
                                  if word not in held_words and not _asks(word)))
    found: list[str] = []

    def run_of(chain: list[tuple[int, int]]) -> None:
        word = question[chain[0][0] : chain[0][1]]
        if len(chain) == 1 and (len(word) != 2 or not _CJK_RUN.fullmatch(word)):  # a pair: its stretch, below
            if chain[0][0] in stopped:  # a character of a stopword pair, alone (얼 of 얼마)
                return
            if word not in held_words and not _HIRAGANA_EDGES.search(word) and not _asks(word):
                found.append(word)
            return
        covered = stopped | {place for start, end in chain if (start, end) in covering for place in range(start, end)}
        stretch: list[int] = []
        for place in [*range(chain[0][0], max(end for _, end in chain)), -1]:
            if place >= 0 and place not in covered:
                stretch.append(place)
                continue
            word = _HIRAGANA_EDGES.sub("", _hangul_word(question, stretch[0], stretch[-1] + 1)) if len(
                stretch) > 1 else ""
            if len(word) >= 2 and not _asks(word) and not _HANGUL_ASKS.match(word):
                found.append(word)
            stretch = []

    chain: list[tuple[int, int]] = []
    for span in spans:
        if chain and span[0] >= max(end for _, end in chain):
            run_of(chain)
            chain = []
        chain.append(span)
    if chain:
        run_of(chain)
    return list(dict.fromkeys(found))


def _stopword_pairs(question: str, tokens: Sequence[Token]) -> set[int]:
    """The places of the characters of a Chinese, Japanese or Korean run's pairs that analysis dropped as stopwords
    (多少, 什么, ですか): no token spans them. Those characters are not unknown words, and neither are the pairs
    that straddle them (有多, 少人 of 有多少人), which only join an asking word to its neighbours."""
    pairs = {token.start for token in tokens if token.end - token.start == 2}
    return {place for run in _CJK_RUN.finditer(question) if not pairs.isdisjoint(range(run.start(), run.end()))
            for at in range(run.start(), run.end() - 1) if at not in pairs for place in (at, at + 1)}


def said_words(question: str, tokens: Sequence[Token]) -> list[str]:
    """The question's searched words as a reader names them, once each, in question order: a Chinese or Japanese
    run's overlapping character pairs as the run (富士山の高さ, not 富士, 士山, 山の, の高 and 高さ).

        >>> from qa.ranking.analysis import Token
        >>> said_words("富士山 Fuji", [Token("富士", 0, 2), Token("士山", 1, 3), Token("fuji", 4, 8)])
        ['富士山', 'Fuji']

    A run whose first or last pairs were stopwords is still named whole (これは何ですか, not れは何ですか).
    """
    return list(dict.fromkeys(_whole_run(question, start, end) for start, end in merge_spans(list(tokens))))


_CJK_RUN = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}ー々]+")


def _whole_run(question: str, start: int, end: int) -> str:
    """`question[start:end]`, or the whole run of Chinese, Japanese or Korean characters it lies in."""
    if end - start < 2 or not _CJK_RUN.fullmatch(question, start, end):
        return question[start:end]
    for run in _CJK_RUN.finditer(question, max(0, start - 64), end + 64):
        if run.start() <= start and end <= run.end():
            return str(run.group())
    return question[start:end]


MAX_SUGGESTIONS = 3
MAX_WORDS_SUGGESTED = 5
"""Unknown words of one question that get suggestions (each costs a pass over the vocabulary's words of its script
and language and of a length within its allowed edits)."""


@dataclass(frozen=True, slots=True)
class _Group:
    """The words of one script (and language) of a `_Vocabulary`, sorted by length, with where each length
    starts: a word asked is compared only with these, and only with those of a length within its allowed edits."""

    words: list[str]
    at: list[int]
    """Each word's position in the `_Vocabulary`."""
    sizes: list[int]
    """Each word's length (increasing)."""

    def within(self, low: int, high: int) -> tuple[int, int]:
        """(first, last + 1) position of the words of `low` to `high` characters (they are consecutive)."""
        return bisect_left(self.sizes, low), bisect_right(self.sizes, high)


@dataclass(frozen=True, slots=True)
class _Vocabulary:
    """The articles' words of one index version (lowercased, without digits), each with its term and in how many
    passages, grouped by script and by script and language (`groups`): a question word is compared only with the
    words that could be offered for it, not with every word of every script (which RapidFuzz would score, to be
    thrown away)."""

    words: list[str]
    terms: list[str]
    passages: list[int]
    groups: dict[tuple[str, str | None], _Group]
    """(script, None) -> the words of that script (`script_of`); (script, language) -> those of articles in that
    language (a word of articles in two languages is in both language groups)."""
    dates: tuple[str, str] | None
    """The first and last publication date (YYYY-MM-DD) of the dated articles; None when none is dated."""


_vocabularies: weakref.WeakKeyDictionary[Index, _Vocabulary] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def _vocabulary(index: Index) -> _Vocabulary:
    """The index's words, read once per index version (when first needed: most questions never need them)."""
    with _lock:
        found = _vocabularies.get(index)
        if found is None:
            found = _vocabularies[index] = _read_vocabulary(index)
        return found


def _read_vocabulary(index: Index) -> _Vocabulary:
    vocab, engine = index.vocab, index.engine
    spellings: dict[str, str] = {}
    languages: dict[str, set[str]] = {}
    for lang, cache in index.languages.analyzers.export_caches().items():  # every word the articles were analysed
        for word, term in cache.items():                                   # from, by language
            if term and term in vocab and not any(char.isdigit() for char in word):
                spelled = unicodedata.normalize("NFKC", word).lower()
                spellings.setdefault(spelled, term)
                languages.setdefault(spelled, set()).add(lang)
    words = sorted(spellings, key=lambda word: (len(word), word))
    members: dict[tuple[str, str | None], list[int]] = {}
    for position, word in enumerate(words):
        script = script_of(word)
        for key in [(script, None), *((script, lang) for lang in sorted(languages[word]))]:
            members.setdefault(key, []).append(position)
    days = [day for info in index.articles if (day := date_prefix(info.meta.get("date"))) is not None]
    return _Vocabulary(words, [spellings[word] for word in words],
                       [engine.doc_freq(vocab[spellings[word]]) for word in words],
                       {key: _group(words, at) for key, at in members.items()},
                       (min(days), max(days)) if days else None)


def _group(words: list[str], at: list[int]) -> _Group:
    """The group of the vocabulary's `words` at positions `at` (increasing, so sorted by length as `words` are)."""
    members = [words[position] for position in at]
    return _Group(members, at, [len(word) for word in members])


def script_of(word: str) -> str:
    """The scripts of a word's letters, as Unicode names them ("LATIN", "CYRILLIC", "GREEK", "CJK"...), sorted and
    joined: "spelled nearly alike" means nothing across scripts (a Latin "o" typed for a Cyrillic "о" aside)."""
    return " ".join(sorted({unicodedata.name(char, "?").split(" ", 1)[0] for char in word if char.isalpha()}))


SpellingMatch = tuple[int, int, str, str]
"""A word of the articles spelled like a question word: (edits away, minus the passages holding its term, the word,
its term): sorted, likeliest first."""


def suggest(index: Index, words: list[str], languages: Collection[str] | None = None) -> list[Suggestion]:
    """For each of `words` (question words no article contains; the first `MAX_WORDS_SUGGESTED`), the articles'
    words spelled nearly alike, likeliest first; one suggestion per term ("pipeline", not also "pipelines").
    `languages`: only words of articles in these (`FolderLanguages.spelling_languages`); None: any language."""
    return [choose_suggestion(word, matches)
            for word, matches in zip(words, spellings(index, words, languages), strict=False)]


def spellings(index: Index, words: list[str], languages: Collection[str] | None = None) -> list[list[SpellingMatch]]:
    """For each of the first `MAX_WORDS_SUGGESTED` of `words`, the index's words spelled nearly alike, in the
    word's script (and of an article in one of `languages`, when given). A sharded index (`qa.distributed`)
    gathers them from every shard, then chooses with `choose_suggestion`."""
    if not words:
        return []
    vocabulary = _vocabulary(index)
    found = []
    for word in words[:MAX_WORDS_SUGGESTED]:
        asked = unicodedata.normalize("NFKC", word).lower()
        edits = max_edits(asked)
        script = script_of(asked)
        groups = [vocabulary.groups.get((script, lang)) for lang in (
            sorted(languages) if languages is not None else [None])] if edits else []
        matches: dict[int, SpellingMatch] = {}  # by position: a word of two languages is in two groups
        for group in groups:
            if group is None:
                continue
            first, last = group.within(len(asked) - edits, len(asked) + edits)
            for _spelled, distance, number in process.extract(asked, group.words[first:last], scorer=OSA.distance,
                                                              score_cutoff=edits, limit=None):
                at = group.at[first + number]
                matches[at] = (int(distance), -vocabulary.passages[at], vocabulary.words[at], vocabulary.terms[at])
        found.append(sorted(matches.values())[:MAX_SUGGESTIONS * 4])
    return found


def choose_suggestion(word: str, matches: list[SpellingMatch]) -> Suggestion:
    """The suggestion for `word` from its `spellings`: nearest first, ties to the word in more passages; one per
    term."""
    chosen: dict[str, str] = {}
    for _edits, _passages, spelled, term in sorted(matches):
        if spelled not in chosen.values():  # shards may give one spelling two terms ("LNs", "lns")
            chosen.setdefault(term, spelled)
    return Suggestion(word, list(chosen.values())[:MAX_SUGGESTIONS])


def max_edits(word: str) -> int:
    """Edits a suggestion may be away from `word`: none for words of up to three characters (one edit makes
    another real word of most: "met" is not a typo of "set") or with a digit (a year or a code is not misspelt), 1
    up to 5 characters, 2 up to 9, 3 beyond ("pipline" -> "pipeline" is 1; "cooperashun" -> "cooperation" is 3;
    "zeppelin" -> "pipeline" is 4: not suggested)."""
    if len(word) <= 3 or any(char.isdigit() for char in word):
        return 0
    return 1 if len(word) <= 5 else 2 if len(word) <= 9 else 3


def no_match_message(words: list[str], suggestions: list[Suggestion], where: Filter | None) -> str:
    """No passage (of the articles passing `where`) holds any of the question's `words` (as asked)."""
    scope = f"No passage of the articles that match the filter {describe(where)}" if where else "No passage"
    return f"{scope} contains any of: {', '.join(words)}.{did_you_mean(suggestions)}"


def did_you_mean(suggestions: list[Suggestion]) -> str:
    """' Did you mean "cooperation" for "cooperashun"?', or "" when nothing is suggested."""
    parts = [" or ".join(f'"{word}"' for word in s.did_you_mean) + f' for "{s.word}"'
             for s in suggestions if s.did_you_mean]
    return f" Did you mean {'; '.join(parts)}?" if parts else ""


def filter_message(index: Index, where: Filter) -> str:
    """The filter leaves no article: say which filter, and what the articles offer instead."""
    return filter_message_of(where, *filter_facts(index, where))


def filter_facts(index: Index, where: Filter) -> tuple[tuple[str, str] | None, bool]:
    """What `filter_message` tells of an index: the first and last date of its dated articles, and whether an
    article's file path starts with the filter's `source_prefix`."""
    prefix = where.source_prefix
    return (_vocabulary(index).dates if where.date_from or where.date_to else None,
            bool(prefix) and any(info.source.startswith(prefix or "") for info in index.articles))


def filter_message_of(where: Filter, dates: tuple[str, str] | None, prefix_found: bool) -> str:
    """`filter_message` from the facts of the articles (`filter_facts`; a sharded index combines every shard's)."""
    hints = []
    if where.date_from or where.date_to:
        hints.append(f"dated articles run from {dates[0]} to {dates[1]}" if dates else "no article has a date")
    if where.source_prefix and not prefix_found:
        hints.append(f"no article's file path starts with {where.source_prefix!r}")
    return f"No article matches the filter {describe(where)}" + (f" ({'; '.join(hints)})." if hints else ".")


def describe(where: Filter) -> str:
    """'source_prefix=business/, date_from=2031-01-01': the filter as it was given."""
    return ", ".join(f"{name}={value}" for name, value in (("source_prefix", where.source_prefix),
                                                          ("date_from", where.date_from),
                                                          ("date_to", where.date_to)) if value)
