"""A folder's languages: one analyzer per language, and the terms of a question in a folder of several languages.

Terms of every language share one BM25 vocabulary as plain strings: the same string from two languages is the
same term (a number, a name, "pm2.5", a Han bigram shared by Chinese and Japanese). BM25 statistics (N, df, avgdl)
stay those of the whole folder, and a passage's tokens are whatever its article's analyzer made of it, so scores
equal rank-bm25's on those tokens. Tagging terms by language ("de:haus") would keep a German question's "2029"
away from a Greek article's, and split one name's IDF by language; collisions of plain stems across languages are
rare (benchmarks/README-multilingual.md) and are no worse than English homographs.

A question is analysed in its detected language when the folder has articles in it; when it is short, when
detection is unsure, when that language is not one of the folder's main ones, or when the folder has no article in
it, it is also (or only) analysed in the folder's main languages. The analyses are merged term by term, each term
counting as often as the analysis that counts it most: a term found by two analyses is not counted twice, so the
question is still one list of tokens and its BM25 score is rank-bm25's `get_scores` on that list. A folder in one
language analyses every question in that language only, without detection: an English folder answers exactly as
before.

    >>> folder = FolderLanguages({"en": 10})
    >>> folder.question_terms("Which rail workers walked out?")
    ['rail', 'worker', 'walk']
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Container, Iterable, Mapping

from qa.lang.analyzers import CJK_CHAR, CJK_LANGUAGES, is_cjk_aware, make_analyzer
from qa.lang.detect import SHARED, UNDETERMINED, Detector
from qa.ranking.analysis import TextAnalyzer, Token

MAIN_SHARE = 0.10
"""A language is one of the folder's main languages when it holds at least this share of its articles..."""
MAIN_MOST = 3
"""...and is among the `MAIN_MOST` most common ones."""
SURE = 0.90
"""Detection below this probability is unsure: the folder's main languages analyse the question too."""
SHORT_WORDS = 3
"""A question of fewer words (or, in CJK text, fewer than twice as many characters) is short."""


def analysis_language(lang: str) -> str:
    """The language whose analyzer serves `lang`: undetermined text (no letters: numbers, symbols) is English's."""
    return "en" if lang == UNDETERMINED else lang


class Analyzers:
    """The analyzers of one folder, one per language, each made on first use and kept (its word cache grows with
    the folder). `caches` are word -> term caches saved with an index (`export_caches`), adopted by `preload`."""

    def __init__(self, caches: Mapping[str, dict[str, str]] | None = None) -> None:
        self._made: dict[str, TextAnalyzer] = {}
        self._lock = threading.Lock()
        for lang, cache in (caches or {}).items():
            self.of(lang).preload(cache)

    def of(self, lang: str) -> TextAnalyzer:
        """The analyzer of `lang` (English's for undetermined text)."""
        lang = analysis_language(lang)
        found = self._made.get(lang)
        if found is None:
            with self._lock:  # two threads asking at once get the same analyzer
                found = self._made.get(lang)
                if found is None:
                    found = self._made[lang] = make_analyzer(lang)
        return found

    @property
    def languages(self) -> list[str]:
        """The languages whose analyzer has been made."""
        return list(self._made)

    def export_caches(self) -> dict[str, dict[str, str]]:
        """Language -> word -> term, for every analyzer made so far (saved with an index)."""
        return {lang: analyzer.export_cache() for lang, analyzer in self._made.items()}

    def remember(self, learned: Mapping[str, Iterable[tuple[str, str]]]) -> None:
        """Adopt (word, term) pairs analysed elsewhere, by language (`WordCache.remember`)."""
        for lang, pairs in learned.items():
            self.of(lang).remember(pairs)

    def load_stemmers(self) -> None:
        """Load every analyzer's stemmer now (a server pays NLTK's import at start, not in a request)."""
        for analyzer in list(self._made.values()):
            analyzer.load_stemmer()


class FolderLanguages:
    """The languages of a folder's articles (language -> article count) and how a question is analysed there."""

    def __init__(self, counts: Mapping[str, int], analyzers: Analyzers | None = None, *,
                 detector: Detector = SHARED, fallback: bool = True) -> None:
        merged: Counter[str] = Counter()
        for lang, count in counts.items():
            if count > 0:
                merged[analysis_language(lang)] += count
        self.counts = dict(merged)
        self.analyzers = analyzers or Analyzers()
        self.detector = detector
        self.fallback = fallback
        """Analyse short or unsure questions in the main languages too (False: the detected language only)."""
        self.main = self._main_languages()
        self._only = self.analyzers.of(self.main[0]) if len(self.counts) <= 1 else None
        """The analyzer of a folder in one language: every question's, with no detection (the fast path)."""

    def warm(self) -> None:
        """Load the stemmers, and the detector when questions will need it (several languages), now."""
        self.analyzers.load_stemmers()
        if len(self.counts) > 1:
            self.detector.guess("warm")

    def analyzer(self, lang: str) -> TextAnalyzer:
        return self.analyzers.of(lang)

    @property
    def main_analyzer(self) -> TextAnalyzer:
        """The analyzer of the folder's most common language (English for an empty folder)."""
        return self.analyzers.of(self.main[0])

    def _main_languages(self) -> list[str]:
        total = sum(self.counts.values())
        ranked = sorted(self.counts.items(), key=lambda item: (-item[1], item[0]))
        main = [lang for lang, count in ranked[:MAIN_MOST] if total and count / total >= MAIN_SHARE]
        return main or [lang for lang, _ in ranked[:1]] or ["en"]

    def question_languages(self, question: str) -> list[str]:
        """The languages to analyse `question` in, the detected one first."""
        if len(self.counts) <= 1:
            return list(self.main)
        guess = self.detector.guess(question)
        lang = analysis_language(guess.lang)
        languages = [lang] if lang in self.counts and guess.lang != UNDETERMINED else []
        if not languages or lang not in self.main or (self.fallback and (
                guess.confidence < SURE or _short(question, lang))):
            languages += [main for main in self.main if main not in languages]
        return languages

    def question_tokens(self, question: str, languages: list[str] | None = None,
                        known: Container[str] | None = None) -> list[Token]:
        """The question's tokens (terms with the span of the word they come from), in question order.

        One language: its analyzer's tokens, as they are. Several: each analysis's tokens, merged so that a term
        counts as often as the analysis that counts it most; a word whose analyses differ gives each term. The
        analyses after the first add only terms in `known` (the folder's vocabulary, when given): a term no
        article holds would search for nothing, and would be reported as an unknown word. Chinese, Japanese and
        Korean characters are cut alike by every analyzer but English's, so when the first is not English's its
        terms of them are the only ones: another language's analysis would add back the pairs and characters the
        first language drops as stopwords (多少, 얼마: "how many"). `known` also decides
        which Chinese, Japanese and Korean characters are searched alone (`LanguageAnalyzer.question_tokens`):
        without it, all are."""
        if languages is None:
            if self._only is not None:
                return self._only.question_tokens(question, known)
            languages = self.question_languages(question)
        if len(languages) == 1:
            return self.analyzers.of(languages[0]).question_tokens(question, known)
        taken: Counter[str] = Counter()
        merged: list[Token] = []
        first_cjk = is_cjk_aware(self.analyzers.of(languages[0]))
        for number, lang in enumerate(languages):
            tokens = self.analyzers.of(lang).question_tokens(question, known)
            if number and known is not None:
                tokens = [token for token in tokens if token.term in known]
            if number and first_cjk:  # CJK runs are cut alike by every LanguageAnalyzer: the first's stopwords
                tokens = [token for token in tokens if not CJK_CHAR.match(question, token.start)]  # decide

            seen: Counter[str] = Counter()
            for token in tokens:
                seen[token.term] += 1
                if seen[token.term] > taken[token.term]:
                    merged.append(token)
            for term, times in seen.items():
                taken[term] = max(taken[term], times)
        return sorted(merged, key=lambda token: token.start)  # stable: the detected language's term first

    def question_terms(self, question: str, languages: list[str] | None = None,
                       known: Container[str] | None = None) -> list[str]:
        """The terms of `question_tokens`."""
        return [token.term for token in self.question_tokens(question, languages, known)]

    def spelling_languages(self, question: str) -> frozenset[str] | None:
        """The languages whose articles' words may be suggested for a misspelt word of `question` ("did you
        mean"): the one it is detected in, when detection is sure and the folder has articles in it; None (any)
        in a folder of one language or when unsure. A Spanish word is not corrected to a French or English one."""
        if len(self.counts) <= 1:
            return None
        guess = self.detector.guess(question)
        lang = analysis_language(guess.lang)
        if guess.lang == UNDETERMINED or lang not in self.counts or guess.confidence < SURE:
            return None
        return frozenset({lang})

    def stopword_words(self, question: str) -> list[str]:
        """The question's words that its (first) language drops as stopwords: why a question has no term."""
        return self.analyzers.of(self.question_languages(question)[0]).stopword_words(question)


def _short(question: str, lang: str) -> bool:
    if lang in CJK_LANGUAGES:
        return len("".join(question.split())) < 2 * SHORT_WORDS
    return len(question.split()) < SHORT_WORDS
