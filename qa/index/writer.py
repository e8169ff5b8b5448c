"""One index version being written: article texts and metadata, passage rows, sentence spans, term sequences.

`VersionWriter` is filled article by article (new ones are chunked and analysed; kept ones, in a live update, are
copied from the previous version without analysing them again), then `finish` saves the engine and the arrays and
writes the manifest last: its presence marks a complete version (`qa.index.store`).
"""

from __future__ import annotations

from array import array
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from qa.config import Settings
from qa.index.analysing import AnalysedArticle, ArticleAnalyser, TermMap
from qa.index.folder import FolderState
from qa.index.reader import Index
from qa.index.spans import spans_dtype, word_gaps
from qa.index.store import INDEX_FORMAT, MANIFEST, checksums, fingerprint, write_json
from qa.index.texts import TextWriter
from qa.lang import Analyzers, Guess
from qa.models import Article
from qa.ranking.bm25 import BM25Params
from qa.ranking.engine import EngineBuilder, SparseBM25

PASSAGE_FIELDS = 4
"""Columns of passages.npy: article number, start, end, passage number."""


class VersionWriter:
    """Accumulates one index version: article texts and metadata, passage rows, and the engine's tokens."""

    def __init__(self, folder: Path, settings: Settings, passage_words: int, analyzers: Analyzers | None = None,
                 vocab: dict[str, int] | None = None) -> None:
        """`passage_words`: the folder's passage limit (`qa.corpus.chunking.passage_words`); `analyzers`: the
        previous version's (a live update), whose word caches carry over."""
        folder.mkdir(parents=True)
        self.folder = folder
        self.settings = settings
        self.passage_words = passage_words
        self.analyzers = analyzers or Analyzers()
        self.builder = EngineBuilder(vocab)
        self.rows = array("q")  # article, start, end, number; flattened
        self.windows = array("q")  # UTF-8 offsets of each passage's window in its article: qa.index.texts.byte_windows
        self.sentence_rows = array("i")  # sentence start, end (relative to the passage start); flattened
        self.sentence_ptr = array("q", [0])
        self.kept_sequences = array("i")  # term ids of kept passages (new ones are in the builder), and their lengths
        self.kept_lengths = array("q")
        self.gaps = bytearray()  # where each term's word starts, kept and new passages (qa.index.spans.word_gaps)
        self.wide = array("q")
        self.values = array("q")
        self.widths: list[np.ndarray] = []  # each term's word length, an array per article
        self.analyser = ArticleAnalyser(settings, passage_words, self.analyzers)
        self.own_terms = TermMap(self.builder.vocab)  # the analyser's term numbering -> this version's
        self.infos: list[dict[str, Any]] = []
        self.text_offsets = [0]
        self._texts = TextWriter(folder)  # closed by finish, or by leaving `with`
        self._n_passages = 0
        self._added = False

    def __enter__(self) -> VersionWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self._texts.abort()  # a failed build's file, closed before its folder is removed

    def _add_text(self, encoded: bytes) -> None:
        self._texts.add(encoded)
        self.text_offsets.append(self.text_offsets[-1] + len(encoded))

    def add_article(self, article: Article, language: Guess | None = None) -> None:
        """Chunk and analyse a new article in its language (`language`, unless given, is decided here:
        `qa.lang.detect.article_language`), in this process."""
        self.add_analysed(self.analyser.analyse(article, language), self.own_terms)

    def add_analysed(self, analysed: AnalysedArticle, terms: TermMap) -> None:
        """Add an article analysed here or by another process (`qa.index.parallel`); `terms` maps the numbering
        of the analyser that made it onto this version's."""
        if terms is self.own_terms:
            terms.extend(self.analyser.new_terms())
        self._added = True
        number = len(self.infos)
        info = analysed.info
        info["first_passage"] = self._n_passages
        self.infos.append(info)
        self.builder.add_tokens(terms.map(analysed.tokens), analysed.lengths)
        self._add_word_rows(analysed.gaps, analysed.wide, analysed.values, analysed.widths)
        rows = analysed.rows
        self.rows.frombytes(np.column_stack([np.full(rows.shape[0], number, np.int64), rows]).tobytes())
        self.sentence_rows.frombytes(analysed.sentences.tobytes())
        self.sentence_ptr.frombytes((np.cumsum(analysed.sentence_counts) + self.sentence_ptr[-1]).tobytes())
        self._n_passages += rows.shape[0]
        self.windows.extend(analysed.windows)
        self._add_text(analysed.encoded)

    def _add_word_rows(self, gaps: np.ndarray, wide: np.ndarray, values: np.ndarray, widths: np.ndarray) -> None:
        """Append word gaps (`wide` counted from the first of these rows) and widths to the version's."""
        self.wide.frombytes((wide.astype(np.int64) + len(self.gaps)).tobytes())
        self.values.frombytes(values.astype(np.int64).tobytes())
        self.gaps += gaps.tobytes()
        self.widths.append(widths)

    def add_kept(self, old: Index, old_number: int) -> None:
        """Carry an article of the previous version over unchanged (its postings are kept by the engine)."""
        if self._added:
            raise RuntimeError("kept articles come before new ones (passage order must match the engine's)")
        info = old.articles[old_number]
        number = len(self.infos)
        self.infos.append({**asdict(info), "first_passage": self._n_passages})
        rows = np.array(old.passages[info.first_passage : info.first_passage + info.n_passages], np.int64)
        rows[:, 0] = number
        self.rows.extend(rows.ravel().tolist())
        if old.passage_bytes.shape[0]:
            windows = np.asarray(old.passage_bytes[info.first_passage : info.first_passage + info.n_passages], np.int64)
        else:  # an all-ASCII version keeps no windows: its bytes are its characters (`byte_windows`), and a new
            # article that is not ASCII makes this version keep them, for every passage
            windows = np.column_stack([np.maximum(rows[:, 1] - 1, 0), rows[:, 2]])
        self.windows.extend(windows.ravel().tolist())
        pointers = old.sentence_ptr[info.first_passage : info.first_passage + info.n_passages + 1]
        first = int(pointers[0])
        self.sentence_rows.extend(np.asarray(old.sentences[first : int(pointers[-1])]).ravel().tolist())
        self.sentence_ptr.extend((pointers[1:] - first + self.sentence_ptr[-1]).tolist())
        bounds = old.sequence_ptr[info.first_passage : info.first_passage + info.n_passages + 1]
        self.kept_sequences.extend(old.sequences[int(bounds[0]) : int(bounds[-1])].tolist())
        spans = old.word_spans(bounds)
        widths = spans[:, 1] - spans[:, 0]
        self._add_word_rows(*word_gaps(spans[:, 0], np.asarray(bounds, np.int64) - int(bounds[0])),
                            widths.astype(np.uint8 if int(widths.max(initial=0)) < 1 << 8 else np.uint32))
        self.kept_lengths.extend(np.diff(bounds).tolist())
        self._n_passages += info.n_passages
        start, end = old.text_offsets[old_number], old.text_offsets[old_number + 1]
        self._add_text(old.texts.read(start, end))

    def finish_building(self, params: BM25Params, folder_state: FolderState) -> int:
        """Build the engine from the passages added (in a thread: its loops release the GIL) while the other files
        are written, then save it and finish (`finish`)."""
        with ThreadPoolExecutor(1, thread_name_prefix="qa-engine") as pool:
            return self.finish(pool.submit(self.builder.build, params), folder_state)

    def finish(self, engine: SparseBM25 | Future[SparseBM25], folder_state: FolderState) -> int:
        """Save everything (the engine last but the manifest: it may still be being built); the manifest, written
        last, records the folder as this version holds it."""
        self._texts.close()
        folder = self.folder
        np.save(folder / "passages.npy", _narrow(np.frombuffer(self.rows, np.int64).reshape(-1, PASSAGE_FIELDS)))
        np.save(folder / "text_offsets.npy", np.asarray(self.text_offsets, np.int64))
        windows = np.frombuffer(self.windows, np.int64).reshape(-1, 2)
        if self._texts.all_ascii:  # every window's bytes are its characters: nothing to keep
            windows = windows[:0]
        np.save(folder / "passage_bytes.npy", _narrow(windows))
        sentences = np.frombuffer(self.sentence_rows, np.int32).reshape(-1, 2)
        np.save(folder / "sentences.npy", sentences.astype(spans_dtype(int(sentences.max(initial=0)))))
        np.save(folder / "sentence_ptr.npy", _narrow(np.frombuffer(self.sentence_ptr, np.int64)))
        tokens, lengths = self.builder.arrays()
        if self.kept_lengths:
            tokens = np.concatenate([np.frombuffer(self.kept_sequences, np.int32), tokens])
            lengths = np.concatenate([np.frombuffer(self.kept_lengths, np.int64), lengths])
        _save_as(folder / "sequences.npy", tokens, np.uint16 if len(self.builder.vocab) <= 1 << 16 else np.int32)
        sequence_ptr = np.zeros(len(lengths) + 1, np.int64)
        np.cumsum(lengths, out=sequence_ptr[1:])
        np.save(folder / "sequence_ptr.npy", _narrow(sequence_ptr))
        del tokens, lengths
        np.save(folder / "word_gaps.npy", np.frombuffer(self.gaps, np.uint8))
        np.save(folder / "word_gaps_wide.npy", np.frombuffer(self.wide, np.int64))
        np.save(folder / "word_gaps_values.npy", np.frombuffer(self.values, np.int64))
        widths = np.concatenate(self.widths) if self.widths else np.empty(0, np.uint8)
        self.widths.clear()
        largest = int(widths.max(initial=0))
        _save_as(folder / "word_lengths.npy", widths, np.uint8 if largest < 1 << 8 else spans_dtype(largest))
        del widths
        write_json(folder / "articles.json", self.infos)
        caches = self.analyzers.export_caches()
        write_json(folder / "vocab.json", {"terms": list(self.builder.vocab), "analysis_cache": caches.pop("en", {}),
                                            "language_caches": caches})
        (engine if isinstance(engine, SparseBM25) else engine.result()).save(folder / "engine")
        manifest = {
            "format": INDEX_FORMAT,
            "settings": fingerprint(self.settings),
            **folder_state.to_manifest(),
            "articles": len(self.infos),
            "passages": self._n_passages,
            "passage_words": self.passage_words,
            "terms": len(self.builder.vocab),
            "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "checksums": checksums(folder),
        }
        write_json(folder / MANIFEST, manifest)  # written last: its presence marks a complete version
        return self._n_passages


def _save_as(path: Path, values: np.ndarray, dtype: type[np.generic]) -> None:
    """`np.save(path, values.astype(dtype))` without a whole converted copy in memory (74 MB of term ids at 1M
    passages, while the engine is being built beside it)."""
    out = np.lib.format.open_memmap(path, mode="w+", dtype=dtype, shape=values.shape)
    for start in range(0, values.shape[0], _PIECE):
        out[start : start + _PIECE] = values[start : start + _PIECE]
    out.flush()
    del out


_PIECE = 1 << 22


def _narrow(array: np.ndarray) -> np.ndarray:
    """int32 where every value fits (passage offsets and pointers of any folder under 2 GB of text), else int64."""
    fits = array.size == 0 or (int(array.min()) >= -(1 << 31) and int(array.max()) < 1 << 31)
    return array.astype(np.int32) if fits else array
