"""One article made ready for an index version: its passages, sentences, term ids, word spans and UTF-8 text.

    >>> analyser = ArticleAnalyser(Settings(documents=Path("documents")), passage_words=700)   # doctest: +SKIP
    >>> analysed = analyser.analyse(article)                                                    # doctest: +SKIP
    >>> [analyser.terms[t] for t in analysed.tokens[:3]]                                        # doctest: +SKIP
    ['azerbaijan', 'turkey', 'sign']

Analysing (chunking, the language, words, stemming, where each word stands) is nearly all of a build's work, and
needs nothing from the other articles but the numbering of terms. So an `ArticleAnalyser` numbers terms on its own
(`terms`, in order of first use), each process of a parallel build has one (`qa.index.parallel`), and the writer
maps those numbers onto the version's with a `TermMap`, article after article: every term gets the id one process
would have given it, the vocabulary's order of first use over the articles in order.

An article is split into words once, not passage by passage: a passage is a run of its words (the chunker cuts
at sentence ends and spaces, never inside a word), found by its offsets. Where a cut does fall inside a word (a
long run of Chinese characters without punctuation, cut into pieces: its bigrams cross the cut), that article's
passages are split one by one, as a passage alone would be; `tests/test_parallel_build.py` checks that every
passage holds its title's terms and its own text's, at the spans of their words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from qa.config import Settings
from qa.corpus.chunking import WIDE_LANGUAGES, Layout, layout
from qa.corpus.heading import LEAD, TITLE_FROM
from qa.index.copies import with_signature
from qa.index.spans import spans_dtype, word_gaps
from qa.index.texts import byte_windows
from qa.lang import Analyzers, Guess, language_of
from qa.models import Article
from qa.ranking.analysis import TextAnalyzer

if TYPE_CHECKING:
    from qa.index.word_table import WordTable


@dataclass(slots=True)
class AnalysedArticle:
    """What the writer keeps of one article, in compact arrays (cheap to send between processes)."""

    info: dict[str, Any]
    """The article's entry of articles.json (its `first_passage` is set by the writer)."""
    tokens: np.ndarray
    """Term ids (the analyser's numbering, int32), passage after passage, each starting with the title's."""
    lengths: np.ndarray
    """Term ids per passage (int64)."""
    gaps: np.ndarray
    wide: np.ndarray
    values: np.ndarray
    """Where each term's word starts, relative to its passage (`qa.index.spans.word_gaps`; `wide` counts rows from
    this article's first)."""
    widths: np.ndarray
    """Each term's word length (the narrowest unsigned type)."""
    rows: np.ndarray
    """Per passage: start, end, number (int64; the writer puts the article's number in front)."""
    sentences: np.ndarray
    """Sentence start and end relative to their passage's start (int32, one row a sentence)."""
    sentence_counts: np.ndarray
    """Sentences per passage (int64)."""
    windows: list[int]
    """`qa.index.texts.byte_windows` of the passages."""
    encoded: bytes
    """The article's text in UTF-8."""
    body_chars: int
    """Characters of the body (what decides a folder's passage length: `qa.corpus.chunking.passage_words`)."""


class ArticleAnalyser:
    """Chunks and analyses articles, numbering terms in order of first use (`terms`)."""

    def __init__(self, settings: Settings, passage_words: int, analyzers: Analyzers | None = None,
                 compiled: bool = False) -> None:
        """`analyzers`: a version writer's (their word caches carry over); by default this analyser's own.
        `compiled`: chunk ASCII articles, and find the words of ASCII English ones, in compiled code
        (`qa.corpus.chunking.layout`, `qa.index.word_table`): for big builds, which can pay numba's import."""
        self.settings = settings
        self.compiled = compiled
        self.passage_words = passage_words
        self.analyzers = analyzers or Analyzers()
        self.terms: list[str] = []
        self._ids: dict[str, int] = {}
        self._table: WordTable  # with `compiled`: the words of ASCII English text, found in compiled code
        if compiled:
            from qa.index.word_table import WordTable  # numba: for big builds only

            self._table = WordTable()
        self._word_ids: dict[str, dict[str, int]] = {}  # per analyzer language: raw word -> term id, -1 a stopword
        self._learned: dict[str, list[tuple[str, str]]] = {}
        self._terms_given = 0

    def new_terms(self) -> list[str]:
        """The terms numbered since the last call (their ids follow the previous ones)."""
        new = self.terms[self._terms_given :]
        self._terms_given = len(self.terms)
        return new

    def learned_words(self) -> dict[str, list[tuple[str, str]]]:
        """(word, term) of every word analysed since the last call, by language: the word caches saved with the
        index (`qa.lang.Analyzers.export_caches`) are made of them."""
        learned, self._learned = self._learned, {}
        return learned

    def analyse(self, article: Article, language: Guess | None = None) -> AnalysedArticle:
        """Chunk and analyse an article in its language (detected unless given)."""
        settings = self.settings
        if language is None:
            language = language_of(article, settings.language)
        analyzer = self.analyzers.of(language.lang)
        passages = layout(article, self.passage_words, settings.chunk_overlap, language.lang in WIDE_LANGUAGES,
                          compiled=self.compiled)
        indexed_title = settings.title_in_passages and article.meta.get(TITLE_FROM) != LEAD  # qa.corpus.heading
        title_ids = self._term_ids(analyzer.words(article.title), analyzer) if indexed_title else _NONE
        title_ids = title_ids[title_ids != -1]
        ids, starts, widths, passage_of = self._passage_words(article.text, passages, analyzer)
        indexed = ids != -1
        ids, starts, widths, passage_of = ids[indexed], starts[indexed], widths[indexed], passage_of[indexed]
        starts -= passages.starts[passage_of]
        tokens, starts, widths, lengths = _with_title(ids, starts, widths, passage_of, len(passages), title_ids)
        pointers = np.zeros(len(passages) + 1, np.int64)
        np.cumsum(lengths, out=pointers[1:])
        gaps, wide, values = word_gaps(starts, pointers)
        largest = int(widths.max(initial=0))
        sentences = passages.sentences - np.repeat(passages.starts, passages.sentence_counts)[:, None]
        encoded = article.text.encode("utf-8")
        info = {"id": article.id, "source": article.source, "title": article.title,
                "body_start": article.body_start, "first_passage": 0, "n_passages": len(passages),
                "meta": with_signature(article.meta, article.text[article.body_start :]),
                "page_starts": list(article.page_starts), "title_terms": len(title_ids),
                "language": language.lang, "language_from": language.source}
        spans = np.column_stack([passages.starts, passages.ends])
        return AnalysedArticle(
            info, tokens, lengths, gaps, wide, values,
            widths.astype(np.uint8 if largest < 1 << 8 else spans_dtype(largest)),
            np.column_stack([spans, np.arange(1, len(passages) + 1, dtype=np.int64)]),
            sentences.astype(np.int32), passages.sentence_counts,
            byte_windows(article.text, encoded, spans.tolist()), encoded, len(article.text) - article.body_start)

    def _passage_words(self, text: str, passages: Layout, analyzer: TextAnalyzer
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Every word of every passage (a word of two passages, in the overlap, twice): its term id (-1 for a
        stopword), its start in the article, its length, and its passage's number (from 0)."""
        numbers = np.arange(len(passages))
        first, last = int(passages.starts.min(initial=0)), int(passages.ends.max(initial=0))
        segment = text[first:last]
        compiled = self.compiled and analyzer.language == "en" and segment.isascii()  # `qa.index.word_table`
        if compiled:
            encoded = segment.encode("ascii")
            starts, ends, ids = self._table.words(encoded)
        else:
            words, starts = _located(analyzer, segment)
            ends = starts + np.fromiter(map(len, words), np.int64, len(words))
        starts += first
        ends += first
        if not _cuts_a_word(starts, ends, np.concatenate([passages.starts, passages.ends])):
            begin = np.searchsorted(starts, passages.starts)
            counts = np.searchsorted(starts, passages.ends) - begin
            rows = _ranges(begin, counts)
            covered = np.zeros(starts.shape[0], np.bool_)
            covered[rows] = True  # words outside every passage (a byline, front matter) are not the index's
            if compiled:
                ids = self._table_ids(segment, encoded, starts - first, ends - first, ids, covered, analyzer)
            elif covered.all():
                ids = self._term_ids(words, analyzer)
            else:
                ids = np.full(len(words), -1, np.int32)
                inside = np.flatnonzero(covered)
                ids[inside] = self._term_ids([words[n] for n in inside.tolist()], analyzer)
            return ids[rows], starts[rows], (ends - starts)[rows], np.repeat(numbers, counts)
        texts = [text[start:end] for start, end in zip(passages.starts.tolist(), passages.ends.tolist(), strict=True)]
        located = [_located(analyzer, passage) for passage in texts]  # one passage at a time
        parts = [passage_words for passage_words, _ in located]
        words = [word for passage_words in parts for word in passage_words]
        starts = np.concatenate([passage_starts + start for (_, passage_starts), start
                                 in zip(located, passages.starts.tolist(), strict=True)]
                                or [np.empty(0, np.int64)])
        widths = np.fromiter(map(len, words), np.int64, len(words))
        counts = np.array([len(passage_words) for passage_words in parts], np.int64)
        return self._term_ids(words, analyzer), starts, widths, np.repeat(numbers, counts)

    def _table_ids(self, segment: str, encoded: bytes, starts: np.ndarray, ends: np.ndarray, ids: np.ndarray,
                   covered: np.ndarray, analyzer: TextAnalyzer) -> np.ndarray:
        """`ids` from the word table, with the words it did not know (inside a passage) analysed and added."""
        from qa.index.word_table import UNKNOWN

        unknown = ids == UNKNOWN
        if not unknown.any():
            return ids
        ids[unknown & ~covered] = -1
        where = np.flatnonzero(unknown & covered)
        if where.shape[0]:
            words = [segment[start:end] for start, end in zip(starts[where].tolist(), ends[where].tolist(),
                                                               strict=True)]
            ids[where] = self._term_ids(words, analyzer)
            self._table.add(encoded, starts[where], ends[where], ids[where])
        return ids

    def _term_ids(self, words: Sequence[str], analyzer: TextAnalyzer) -> np.ndarray:
        """The term id of each word (int32; -1 for a stopword), numbering new terms: the analyzer runs once per
        distinct word, not once per occurrence."""
        word_ids = self._word_ids.get(analyzer.language)
        if word_ids is None:
            word_ids = self._word_ids[analyzer.language] = {}
        try:
            return np.array(list(map(word_ids.__getitem__, words)), np.int32) if words else _NONE.copy()
        except KeyError:  # words not seen before: analysed once each (their order is the writer's: `TermMap`)
            for word in sorted(set(words).difference(word_ids)):
                self._learn(word, analyzer, word_ids)
            return np.array(list(map(word_ids.__getitem__, words)), np.int32)

    def _learn(self, word: str, analyzer: TextAnalyzer, word_ids: dict[str, int]) -> None:
        term = analyzer.term_of(word)
        if not term:
            term_id = -1
        else:
            term_id = self._ids.get(term, -1)
            if term_id == -1:
                term_id = self._ids[term] = len(self.terms)
                self.terms.append(term)
        word_ids[word] = term_id
        learned = self._learned.get(analyzer.language)
        if learned is None:
            learned = self._learned[analyzer.language] = []
        learned.append((word, term))


class TermMap:
    """An analyser's term numbering mapped onto a version's vocabulary (term -> id), filled as articles come.

    A term gets its id in the version the first time an added article uses it (`map`), not when the analyser
    numbered it: an analyser's article that the writer drops (a file whose document id was taken) numbers no term.
    So ids follow the order of first use over the articles added, whichever process analysed them.
    """

    def __init__(self, vocab: dict[str, int]) -> None:
        self.vocab = vocab
        self._terms: list[str] = []
        self._ids = np.empty(0, np.int32)  # the version's id of each of the analyser's terms; -1 until used

    def extend(self, terms: list[str]) -> None:
        """The analyser's next terms (`ArticleAnalyser.new_terms`), numbered after those already given."""
        self._terms.extend(terms)
        self._ids = np.concatenate([self._ids, np.full(len(terms), -1, np.int32)])

    def map(self, tokens: np.ndarray) -> np.ndarray:
        """`tokens` (the analyser's ids) as the version's, giving new terms the next ids in order of first use."""
        mapped: np.ndarray = self._ids[tokens]
        if mapped.size and int(mapped.min()) < 0:
            where = np.flatnonzero(mapped < 0)
            unmapped = tokens[where]
            new, first = np.unique(unmapped, return_index=True)
            vocab, terms, ids = self.vocab, self._terms, self._ids
            for local in new[np.argsort(first, kind="stable")].tolist():
                ids[local] = vocab.setdefault(terms[local], len(vocab))
            mapped[where] = ids[unmapped]
        return mapped


_NONE = np.empty(0, np.int32)


def _cuts_a_word(starts: np.ndarray, ends: np.ndarray, cuts: np.ndarray) -> bool:
    """Whether a cut (a passage's start or end) falls strictly inside a word."""
    before = np.searchsorted(starts, cuts, side="left") - 1  # the last word starting before the cut
    inside = before >= 0
    # the furthest end of the words up to it: words overlap (a CJK bigram, then its first character, which ends
    # sooner; a Hebrew word, then its core)
    reach = np.maximum.accumulate(ends) if ends.size else ends
    return bool(np.any(reach[before[inside]] > cuts[inside]))


def _ranges(begin: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """begin[0] .. begin[0] + counts[0] - 1, then begin[1] ..., as one array (int64)."""
    total = int(counts.sum())
    before = np.zeros(counts.shape[0], np.int64)
    np.cumsum(counts[:-1], out=before[1:])
    return np.arange(total, dtype=np.int64) + np.repeat(begin - before, counts)


def _with_title(ids: np.ndarray, starts: np.ndarray, widths: np.ndarray, passage_of: np.ndarray, n_passages: int,
                title_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The rows of each passage with the title's term ids first (their start and width 0), and the passage
    lengths."""
    body = np.bincount(passage_of, minlength=n_passages).astype(np.int64)
    n_title = title_ids.shape[0]
    if not n_title:
        return ids.astype(np.int32), starts, widths, body
    lengths = body + n_title
    out_first = np.zeros(n_passages, np.int64)
    np.cumsum(lengths[:-1], out=out_first[1:])
    body_first = np.zeros(n_passages, np.int64)
    np.cumsum(body[:-1], out=body_first[1:])
    total = int(lengths.sum())
    where = np.arange(ids.shape[0], dtype=np.int64) - body_first[passage_of] + out_first[passage_of] + n_title
    tokens = np.empty(total, np.int32)
    tokens[(out_first[:, None] + np.arange(n_title)).ravel()] = np.tile(title_ids, n_passages)
    tokens[where] = ids
    out_starts = np.zeros(total, np.int64)
    out_starts[where] = starts
    out_widths = np.zeros(total, np.int64)
    out_widths[where] = widths
    return tokens, out_starts, out_widths, lengths


def _located(analyzer: TextAnalyzer, text: str) -> tuple[list[str], np.ndarray]:
    """The words of `text` and where each starts, as the analyzer found them (`TextAnalyzer.located`: a
    `LanguageAnalyzer`'s words overlap, a CJK character inside its bigram, a Hebrew word's core inside the word)."""
    words, starts = analyzer.located(text)
    return words, np.asarray(starts, np.int64)
