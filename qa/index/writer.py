"""One index version being written: article texts and metadata, passage rows, sentence spans, term sequences.

`VersionWriter` is filled article by article (new ones are chunked and analysed; kept ones, in a live update, are
copied from the previous version without analysing them again), then `finish` saves the engine and the arrays and
writes the manifest last: its presence marks a complete version (`qa.index.store`).
"""

from __future__ import annotations

from array import array
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from qa.config import Settings
from qa.corpus.chunking import WIDE_LANGUAGES, chunk_article
from qa.corpus.heading import LEAD, TITLE_FROM
from qa.index.folder import FolderState
from qa.index.reader import Index
from qa.index.spans import spans_dtype, word_gaps, word_starts
from qa.index.store import INDEX_FORMAT, MANIFEST, checksums, fingerprint, write_json
from qa.index.texts import TextWriter, byte_windows
from qa.lang import Analyzers, Guess, language_of
from qa.models import Article, Chunk
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
        self.kept_starts = array("i")  # start of each term's word in the kept passages, relative to the passage
        self.kept_widths = array("i")  # and its length
        self.starts = array("i")  # the same for the new passages (0, 0 for the title's terms): qa.index.spans
        self.widths = array("i")
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

    def add_article(self, article: Article, chunks: list[Chunk] | None = None, language: Guess | None = None) -> None:
        """Chunk (unless `chunks` are given, see `qa.index.build`) and analyse a new article in its language
        (`language`, unless given, is decided here: `qa.lang.detect.article_language`)."""
        settings = self.settings
        if language is None:
            language = language_of(article, settings.language)
        analyzer = self.analyzers.of(language.lang)
        number = len(self.infos)
        self._added = True
        passages = chunks if chunks is not None else chunk_article(article, self.passage_words,
                                                                   settings.chunk_overlap,
                                                                   language.lang in WIDE_LANGUAGES)
        indexed_title = settings.title_in_passages and article.meta.get(TITLE_FROM) != LEAD  # see qa.corpus.heading
        title_ids = self.builder.ids_of(article.title, analyzer) if indexed_title else []
        self.infos.append({"id": article.id, "source": article.source, "title": article.title,
                           "body_start": article.body_start, "first_passage": self._n_passages,
                           "n_passages": len(passages), "meta": article.meta,
                           "page_starts": list(article.page_starts), "title_terms": len(title_ids),
                           "language": language.lang, "language_from": language.source})
        for passage in passages:
            words, ids = self.builder.add_text(passage.text, analyzer, prefix=title_ids)
            self._add_spans(passage.text, words, ids, len(title_ids))
            self.rows.extend((number, passage.start, passage.end, passage.number))
            base = passage.start
            self.sentence_rows.extend([offset - base for span in passage.sentences for offset in span])
            self.sentence_ptr.append(self.sentence_ptr[-1] + len(passage.sentences))
        self._n_passages += len(passages)
        encoded = article.text.encode("utf-8")
        self.windows.extend(byte_windows(article.text, encoded, [(p.start, p.end) for p in passages]))
        self._add_text(encoded)

    def _add_spans(self, text: str, words: list[str], ids: list[int], title_terms: int) -> None:
        """Where the passage's indexed words stand (`qa.index.spans`), one row per term id the builder added."""
        indexed = np.asarray(ids, np.int64) != -1
        starts = word_starts(text, words)[indexed]
        ends = starts + np.fromiter(map(len, words), np.int64, len(words))[indexed]
        if title_terms:
            self.starts.extend([0] * title_terms)
            self.widths.extend([0] * title_terms)
        self.starts.frombytes(starts.astype(np.int32).tobytes())
        self.widths.frombytes((ends - starts).astype(np.int32).tobytes())

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
        self.windows.extend(np.asarray(old.passage_bytes[info.first_passage : info.first_passage + info.n_passages],
                                       np.int64).ravel().tolist())
        pointers = old.sentence_ptr[info.first_passage : info.first_passage + info.n_passages + 1]
        first = int(pointers[0])
        self.sentence_rows.extend(np.asarray(old.sentences[first : int(pointers[-1])]).ravel().tolist())
        self.sentence_ptr.extend((pointers[1:] - first + self.sentence_ptr[-1]).tolist())
        bounds = old.sequence_ptr[info.first_passage : info.first_passage + info.n_passages + 1]
        self.kept_sequences.extend(old.sequences[int(bounds[0]) : int(bounds[-1])].tolist())
        spans = old.word_spans(bounds)
        self.kept_starts.frombytes(spans[:, 0].astype(np.int32).tobytes())
        self.kept_widths.frombytes((spans[:, 1] - spans[:, 0]).astype(np.int32).tobytes())
        self.kept_lengths.extend(np.diff(bounds).tolist())
        self._n_passages += info.n_passages
        start, end = old.text_offsets[old_number], old.text_offsets[old_number + 1]
        self._add_text(old.texts.read(start, end))

    def finish(self, engine: SparseBM25, folder_state: FolderState) -> int:
        """Save everything; the manifest, written last, records the folder as this version holds it."""
        self._texts.close()
        folder = self.folder
        engine.save(folder / "engine")
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
        np.save(folder / "sequences.npy", tokens.astype(np.uint16) if len(self.builder.vocab) <= 1 << 16 else tokens)
        sequence_ptr = np.zeros(len(lengths) + 1, np.int64)
        np.cumsum(lengths, out=sequence_ptr[1:])
        np.save(folder / "sequence_ptr.npy", _narrow(sequence_ptr))
        del tokens, lengths
        starts = np.concatenate([np.frombuffer(self.kept_starts, np.int32), np.frombuffer(self.starts, np.int32)])
        gaps, wide, values = word_gaps(starts, sequence_ptr)
        del starts
        np.save(folder / "word_gaps.npy", gaps)
        np.save(folder / "word_gaps_wide.npy", wide)
        np.save(folder / "word_gaps_values.npy", values)
        widths = np.concatenate([np.frombuffer(self.kept_widths, np.int32), np.frombuffer(self.widths, np.int32)])
        largest = int(widths.max(initial=0))
        np.save(folder / "word_lengths.npy", widths.astype(np.uint8 if largest < 1 << 8 else spans_dtype(largest)))
        write_json(folder / "articles.json", self.infos)
        caches = self.analyzers.export_caches()
        write_json(folder / "vocab.json", {"terms": list(self.builder.vocab), "analysis_cache": caches.pop("en", {}),
                                            "language_caches": caches})
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


def _narrow(array: np.ndarray) -> np.ndarray:
    """int32 where every value fits (passage offsets and pointers of any folder under 2 GB of text), else int64."""
    fits = array.size == 0 or (int(array.min()) >= -(1 << 31) and int(array.max()) < 1 << 31)
    return array.astype(np.int32) if fits else array
