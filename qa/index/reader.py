"""A saved index version, opened: the engine, the vocabulary, and the articles and passages to cite.

    >>> index = load_index(current_version(Path("~/.cache/qa/documents-1a2b3c").expanduser()))  # doctest: +SKIP
    >>> index.articles[0].title, index.manifest["passages"]                                    # doctest: +SKIP

Arrays are memory-mapped, so opening is quick whatever the size and worker processes share the pages; article
texts stay on disk until a passage of theirs is shown.
"""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, overload

import numpy as np
import orjson

from qa.dates import date_prefix
from qa.errors import DocumentNotFound, IndexFormatError
from qa.index.copies import SIGNATURE, find_copies
from qa.index.spans import starts_of, starts_of_passages
from qa.index.store import INDEX_FORMAT, MANIFEST, verify_files
from qa.index.texts import TextStore
from qa.lang import Analyzers, FolderLanguages
from qa.models import Filter, SkippedFile
from qa.ranking.analysis import TextAnalyzer, Token
from qa.ranking.engine import SparseBM25, load_array


@dataclass(frozen=True, slots=True)
class ArticleInfo:
    """An article's metadata as kept in the index (its text stays on disk until asked for)."""

    id: str
    source: str
    title: str
    body_start: int
    first_passage: int
    n_passages: int
    meta: dict[str, str]
    page_starts: list[int]
    title_terms: int = 0
    """Terms the title puts before each passage's own in the index (0 without `title_in_passages`)."""
    language: str = "en"
    """The language its text was analysed in (a primary language tag: "en", "zh"; "und": no letters)."""
    language_from: str = "detected"
    """Where `language` came from: "metadata" (front matter, HTML lang, JSONL), "detected", "setting"
    (`QA_LANGUAGE`), "undetermined"."""


class ArticleInfos(Sequence[ArticleInfo]):
    """The articles of an index, each made an `ArticleInfo` when first read: making the 10,000 of the 1M-passage
    benchmark cost 22 ms, a fifth of opening it, and a question cites a few. Equal to the list of them."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        """`rows`: articles.json's; a row without every field (a damaged file) is a ValueError now, not later."""
        fields = ArticleInfo.__dataclass_fields__.keys()
        if not isinstance(rows, list) or not all(isinstance(row, dict) and row.keys() == fields for row in rows):
            raise ValueError("articles.json does not hold the articles' fields")
        self._rows = rows
        self._made: list[ArticleInfo | None] = [None] * len(rows)

    def __len__(self) -> int:
        return len(self._rows)

    @overload
    def __getitem__(self, number: int) -> ArticleInfo: ...
    @overload
    def __getitem__(self, number: slice) -> list[ArticleInfo]: ...

    def __getitem__(self, number: int | slice) -> ArticleInfo | list[ArticleInfo]:
        if isinstance(number, slice):
            return [self[n] for n in range(*number.indices(len(self)))]
        info = self._made[number]
        if info is None:  # two threads may make the same one: equal objects
            info = self._made[number] = ArticleInfo(**self._rows[number])
        return info

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]

    def column(self, name: str) -> list[Any]:
        """One field of every article, without making them (`ArticleInfo`'s default where a row lacks it)."""
        default = ArticleInfo.__dataclass_fields__[name].default
        return [row.get(name, default) for row in self._rows]


def _column(articles: Sequence[ArticleInfo], name: str) -> list[Any]:
    return articles.column(name) if isinstance(articles, ArticleInfos) else [getattr(info, name) for info in articles]


class Index:
    """A loaded index: the engine, the vocabulary, and the articles and passages to cite."""

    def __init__(self, path: Path, manifest: dict[str, Any], articles: Sequence[ArticleInfo], texts: TextStore,
                 text_offsets: np.ndarray, passages: np.ndarray, sentences: np.ndarray, sentence_ptr: np.ndarray,
                 sequences: np.ndarray, sequence_ptr: np.ndarray, vocab: dict[str, int], engine: SparseBM25,
                 analyzers: Analyzers, word_gaps: tuple[np.ndarray, np.ndarray, np.ndarray], word_lengths: np.ndarray,
                 passage_bytes: np.ndarray) -> None:
        self.path = path
        self.manifest = manifest
        self.articles = articles
        self.texts = texts
        self.text_offsets = text_offsets
        self.passages = passages
        self.sentences = sentences
        self.sentence_ptr = sentence_ptr
        self.sequences = sequences
        self.sequence_ptr = sequence_ptr
        self.word_gaps = word_gaps
        """Where each term of `sequences` stands, relative to its passage's start (`qa.index.spans.word_gaps`), and
        its length in characters (`word_lengths`): `word_spans`."""
        self.word_lengths = word_lengths
        self.passage_bytes = passage_bytes
        """Per passage, the UTF-8 offsets in its article of its start less one character (or 0) and of its end
        (empty when every article is ASCII: the character offsets)."""
        self.title_terms = np.array(_column(articles, "title_terms"), np.int64)
        self.all_terms = vocab
        """Every term id of the stored vocabulary, those of removed articles included: what a writer extends."""
        present = np.diff(np.asarray(engine.indptr)) > 0
        self.vocab = vocab if present.all() else {term: n for term, n in vocab.items() if present[n]}
        """The terms some passage holds: a word only a removed article had is unknown again."""
        self.engine = engine
        languages = _column(articles, "language")
        self.languages = FolderLanguages(Counter(languages), analyzers)
        """The articles' languages, their analyzers, and how a question is analysed (`qa.lang.folder`)."""
        self.analyzer = self.languages.main_analyzer
        """The analyzer of the folder's main language (for an English folder, the English analyzer)."""
        by_language = {language: analyzers.of(language) for language in set(languages)}
        self._article_analyzers = [by_language[language] for language in languages]
        self._by_id = {id_: number for number, id_ in enumerate(_column(articles, "id"))}
        self._filters: dict[Filter, np.ndarray] = {}
        self._recent_texts: dict[int, str] = {}
        self._subjects: dict[str, frozenset[str]] = {}
        self._copies_from: Index | None = None
        """The index this one was weighed from (`with_engine`): the same articles, so the same copies, found once
        by whichever is asked first and cached there. Weighing finds none (a shard is weighed again at every write
        to the collection), and does not copy them either: a shard's `Searcher` asks the weighed index first, and
        the next weigh of the same version must find them cached."""

    def with_engine(self, engine: SparseBM25) -> Index:
        """This version answered with another engine over the same passages: a shard of a sharded index weighed
        with the whole collection's statistics (`SparseBM25.with_statistics`, `qa.distributed`)."""
        if engine.n_docs != self.engine.n_docs or engine.n_terms != self.engine.n_terms:
            raise ValueError("the engine must hold this index's passages and terms")
        weighed = Index(self.path, self.manifest, self.articles, self.texts, self.text_offsets, self.passages,
                        self.sentences, self.sentence_ptr, self.sequences, self.sequence_ptr, self.all_terms, engine,
                        self.languages.analyzers, self.word_gaps, self.word_lengths, self.passage_bytes)
        weighed._copies_from = self if self._copies_from is None else self._copies_from
        return weighed

    def allowed(self, where: Filter) -> np.ndarray | None:
        """A uint8 flag per passage: 1 where the passage's article passes the filter (None: no filter)."""
        if not where:
            return None
        cached = self._filters.get(where)
        if cached is None:
            keep = np.fromiter((_passes(info, where) for info in self.articles), np.uint8, len(self.articles))
            cached = keep[np.asarray(self.passages[:, 0])]
            if len(self._filters) >= 64:
                self._filters.clear()  # as for texts: simple and thread-safe
            self._filters[where] = cached
        return cached

    @cached_property
    def copies(self) -> dict[int, int]:
        """Article number -> the first article of its story, for the articles that are copies of another (the
        same text saved twice, or as .html and .pdf: `qa.index.copies`), the first included; found when first
        asked for (an index of articles indexed before signatures has none), once for a version and the indexes
        that weigh it again (`with_engine`)."""
        if self._copies_from is not None:
            return self._copies_from.copies
        metas = _column(self.articles, "meta")
        return find_copies([meta.get(SIGNATURE) for meta in metas],
                           lambda n: self.article_text(n)[self.articles[n].body_start :])

    @cached_property
    def stories(self) -> dict[int, list[int]]:
        """The first article of each story that has copies -> its articles, in article order: made in one pass over
        `copies` when first asked for (finding a story's articles by scanning `copies` cost a pass per story)."""
        if self._copies_from is not None:
            return self._copies_from.stories
        members: dict[int, list[int]] = {}
        for number, first in sorted(self.copies.items()):
            members.setdefault(first, []).append(number)
        return members

    def copies_of(self, number: int) -> list[int]:
        """The other articles of article `number`'s story, in article order (none when it has no copy)."""
        story = self.copies.get(number)
        if story is None:
            return []
        return [n for n in self.stories[story] if n != number]

    @property
    def skipped(self) -> list[SkippedFile]:
        return [SkippedFile(**item) for item in self.manifest.get("skipped", [])]

    def term_ids(self, terms: list[str]) -> list[int]:
        """Ids of the terms the corpus knows; unknown terms are dropped."""
        vocab = self.vocab
        return [vocab[t] for t in terms if t in vocab]

    def article_number(self, document_id: str) -> int:
        try:
            return self._by_id[document_id]
        except KeyError:
            raise DocumentNotFound(f"no document with id '{document_id}'") from None

    def article_text(self, number: int) -> str:
        """The article as read from its file (decoded from the memory-mapped text store; recent ones cached)."""
        text = self._recent_texts.get(number)
        if text is None:
            start, end = self.text_offsets[number : number + 2].tolist()
            text = self.texts.read(start, end).decode("utf-8")
            if len(self._recent_texts) >= 256:
                self._recent_texts.clear()  # simple and thread-safe; a miss costs one decode
            self._recent_texts[number] = text
        return text

    def article_window(self, number: int, start: int, end: int) -> tuple[str, int]:
        """`(text, base)`: `text` is the article's text from offset `base`, at most `start - 1` (or 0), to `end` or
        further. It holds the passage (`start`, `end`) with the character before it: all a hit's evidence reads.

        Decoding the whole article for each hit cost about a tenth of building the hit (8 µs for the 37 KB
        articles of the 1M benchmark, and the text is now compressed: `qa.index.texts`), so where an article
        starts with ASCII, in which characters and bytes have the same offsets, a passage there is read and
        decoded alone; elsewhere the bytes of one of the article's passages are known (`passage_bytes`), and
        other spans get the whole article (`article_text`).
        """
        base = max(start - 1, 0)
        offset = int(self.text_offsets[number])
        if end <= self.texts.ascii_prefix[number]:
            return str(self.texts.read(offset + base, offset + end), "ascii"), base
        info = self.articles[number]
        first = info.first_passage
        found = first + int(np.searchsorted(self.passages[first : first + info.n_passages, 1], start))
        if (found < first + info.n_passages and self.passages[found, 1] == start and self.passages[found, 2] == end
                and self.passage_bytes.shape[0]):
            lo, hi = self.passage_bytes[found].tolist()
            return self.texts.read(offset + lo, offset + hi).decode("utf-8"), base
        return self.article_text(number), 0

    def analyzer_of(self, number: int) -> TextAnalyzer:
        """The analyzer of article `number`'s language: the one its passages were indexed with."""
        return self._article_analyzers[number]

    def subject_terms(self, title: str, analyzer: TextAnalyzer | None = None) -> frozenset[str]:
        """The terms of an article's title (recent ones cached: the best sentence of every hit needs them), by
        `analyzer` (its article's; the main one by default)."""
        analyzer = analyzer or self.analyzer
        key = title if analyzer is self.analyzer else f"{analyzer.language}\n{title}"
        terms = self._subjects.get(key)
        if terms is None:
            terms = frozenset(analyzer.terms(title))
            if len(self._subjects) >= 16_384:
                self._subjects.clear()  # as for texts: simple and thread-safe
            self._subjects[key] = terms
        return terms

    def passage(self, passage_id: int) -> tuple[int, int, int, int]:
        """(article number, start, end, passage number) of a passage."""
        article, start, end, number = self.passages[passage_id].tolist()
        return article, start, end, number

    def matched_tokens(self, passage_id: int, start: int, terms: Collection[str]) -> list[Token]:
        """The passage's words whose term is one of `terms`, in order, with their article spans (the passage starts
        at `start`): what `Analyzer.matching` finds in the passage's text, read from the index (`qa.index.spans`)."""
        ids = {self.vocab[term]: term for term in terms if term in self.vocab}
        if not ids:
            return []
        article = int(self.passages[passage_id, 0])
        first, hi = self.sequence_ptr[passage_id : passage_id + 2].tolist()
        lo = first + int(self.title_terms[article])
        sequence = self.sequences[lo:hi]
        wanted = iter(ids)
        hits = sequence == next(wanted)
        for term_id in wanted:  # a question has a few terms: cheaper than np.isin's set-up
            hits |= sequence == term_id
        at = np.flatnonzero(hits)
        if not at.size:
            return []
        starts = starts_of(*self.word_gaps, first, hi)[lo - first + at] + start
        ends = starts + self.word_lengths[lo + at]
        found = map(ids.__getitem__, sequence[at].tolist())
        return list(map(Token._make, zip(found, starts.tolist(), ends.tolist(), strict=True)))

    def word_spans(self, bounds: np.ndarray) -> np.ndarray:
        """(start, end) rows of the terms of consecutive passages, relative to each passage's start: `bounds` are
        their `sequence_ptr` entries (one more than passages)."""
        lo, hi = int(bounds[0]), int(bounds[-1])
        starts = starts_of_passages(*self.word_gaps, bounds)
        return np.stack([starts, starts + self.word_lengths[lo:hi]], axis=1)

    def passage_sentences(self, passage_id: int, start: int) -> list[tuple[int, int]]:
        """Article spans of the sentences of the passage `passage_id`, which starts at `start`."""
        first, last = self.sentence_ptr[passage_id : passage_id + 2].tolist()
        return [(start + a, start + z) for a, z in self.sentences[first:last].tolist()]


def _passes(info: ArticleInfo, where: Filter) -> bool:
    if where.source_prefix and not info.source.startswith(where.source_prefix):
        return False
    if where.date_from or where.date_to:
        day = date_prefix(info.meta.get("date"))
        if day is None or (where.date_from and day < where.date_from) or (where.date_to and day > where.date_to):
            return False
    return True


def load_index(folder: Path) -> Index:
    """Open one version folder (arrays memory-mapped)."""
    collecting = gc.isenabled()
    gc.disable()  # the vocabulary, caches and articles are some 300 K objects at 1M passages, none of them garbage
    try:
        return _load(folder)
    finally:
        if collecting:
            gc.enable()


def _load(folder: Path) -> Index:
    try:
        # orjson: the manifest, articles and vocabulary of a 1M-passage index (7 MB) parse in a third of the time
        manifest = orjson.loads((folder / MANIFEST).read_bytes())
        if manifest.get("format") != INDEX_FORMAT:
            raise IndexFormatError(f"index format {manifest.get('format')} is not {INDEX_FORMAT}")
        verify_files(folder, manifest["checksums"])
        articles = ArticleInfos(orjson.loads((folder / "articles.json").read_bytes()))
        vocab_file = orjson.loads((folder / "vocab.json").read_bytes())
        passages = load_array(folder / "passages.npy")
        sentences = load_array(folder / "sentences.npy")
        sentence_ptr = load_array(folder / "sentence_ptr.npy")
        sequences = load_array(folder / "sequences.npy")
        sequence_ptr = load_array(folder / "sequence_ptr.npy")
        word_gaps = (load_array(folder / "word_gaps.npy"), load_array(folder / "word_gaps_wide.npy"),
                     load_array(folder / "word_gaps_values.npy"))
        word_lengths = load_array(folder / "word_lengths.npy")
        passage_bytes = load_array(folder / "passage_bytes.npy")
        text_offsets = np.load(folder / "text_offsets.npy")
        texts = TextStore.open(folder)
    except (OSError, ValueError, KeyError, TypeError) as error:  # orjson.JSONDecodeError is a ValueError
        raise IndexFormatError(f"cannot open index in {folder}: {error}") from None
    engine = SparseBM25.load(folder / "engine")
    if (len(passages) != engine.n_docs or len(passages) != manifest["passages"]
            or len(sentence_ptr) != len(passages) + 1 or sentence_ptr[-1] != len(sentences)
            or len(sequence_ptr) != len(passages) + 1 or sequence_ptr[-1] != len(sequences)
            or word_gaps[0].shape != sequences.shape or word_lengths.shape != sequences.shape
            or texts.ascii_prefix.shape != (len(articles),) or passage_bytes.shape[0] not in (0, len(passages))):
        raise IndexFormatError(f"index in {folder} is inconsistent (passages do not match the engine)")
    analyzers = Analyzers({"en": vocab_file["analysis_cache"], **vocab_file.get("language_caches", {})})
    vocab = dict(zip(vocab_file["terms"], range(len(vocab_file["terms"])), strict=True))
    return Index(folder, manifest, articles, texts, text_offsets, passages, sentences, sentence_ptr, sequences,
                 sequence_ptr, vocab, engine, analyzers, word_gaps, word_lengths, passage_bytes)
