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
from qa.index.spans import spans_dtype, word_starts
from qa.index.store import INDEX_FORMAT, MANIFEST, checksums, fingerprint, write_json
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
        self.sentence_rows = array("i")  # sentence start, end (relative to the passage start); flattened
        self.sentence_ptr = array("q", [0])
        self.kept_sequences = array("i")  # term ids of kept passages (new ones are in the builder), and their lengths
        self.kept_lengths = array("q")
        self.kept_spans = array("i")  # (start, end) of each term of the kept passages, relative to the passage
        self.spans = array("i")  # the same for the new passages (0, 0 for the title's terms): qa.index.spans
        self.infos: list[dict[str, Any]] = []
        self.text_offsets = [0]
        self._texts = open(folder / "texts.bin", "wb")  # noqa: SIM115 - closed by finish, or by leaving `with`
        self._n_passages = 0
        self._added = False

    def __enter__(self) -> VersionWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self._texts.close()  # a failed build's file, closed before its folder is removed

    def _add_text(self, encoded: bytes) -> None:
        self._texts.write(encoded)
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
        self._add_text(article.text.encode("utf-8"))

    def _add_spans(self, text: str, words: list[str], ids: list[int], title_terms: int) -> None:
        """Where the passage's indexed words stand (`qa.index.spans`), one row per term id the builder added."""
        indexed = np.asarray(ids, np.int64) != -1
        starts = word_starts(text, words)[indexed]
        ends = starts + np.fromiter(map(len, words), np.int64, len(words))[indexed]
        rows = np.zeros((title_terms + starts.shape[0], 2), np.int32)
        rows[title_terms:, 0] = starts
        rows[title_terms:, 1] = ends
        self.spans.frombytes(rows.tobytes())

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
        pointers = old.sentence_ptr[info.first_passage : info.first_passage + info.n_passages + 1]
        first = int(pointers[0])
        self.sentence_rows.extend(np.asarray(old.sentences[first : int(pointers[-1])]).ravel().tolist())
        self.sentence_ptr.extend((pointers[1:] - first + self.sentence_ptr[-1]).tolist())
        bounds = old.sequence_ptr[info.first_passage : info.first_passage + info.n_passages + 1]
        self.kept_sequences.extend(old.sequences[int(bounds[0]) : int(bounds[-1])].tolist())
        self.kept_spans.frombytes(np.asarray(old.word_spans[int(bounds[0]) : int(bounds[-1])], np.int32).tobytes())
        self.kept_lengths.extend(np.diff(bounds).tolist())
        self._n_passages += info.n_passages
        start, end = old.text_offsets[old_number], old.text_offsets[old_number + 1]
        self._add_text(bytes(old.texts[start:end]))

    def finish(self, engine: SparseBM25, folder_state: FolderState) -> int:
        """Save everything; the manifest, written last, records the folder as this version holds it."""
        self._texts.close()
        folder = self.folder
        engine.save(folder / "engine")
        np.save(folder / "passages.npy", np.frombuffer(self.rows, np.int64).reshape(-1, PASSAGE_FIELDS))
        np.save(folder / "text_offsets.npy", np.asarray(self.text_offsets, np.int64))
        np.save(folder / "sentences.npy", np.frombuffer(self.sentence_rows, np.int32).reshape(-1, 2))
        np.save(folder / "sentence_ptr.npy", np.frombuffer(self.sentence_ptr, np.int64))
        tokens, lengths = self.builder.arrays()
        if self.kept_lengths:
            tokens = np.concatenate([np.frombuffer(self.kept_sequences, np.int32), tokens])
            lengths = np.concatenate([np.frombuffer(self.kept_lengths, np.int64), lengths])
        np.save(folder / "sequences.npy", tokens)
        spans = np.frombuffer(self.kept_spans + self.spans, np.int32).reshape(-1, 2)
        np.save(folder / "word_spans.npy", spans.astype(spans_dtype(int(spans.max(initial=0)))))
        sequence_ptr = np.zeros(len(lengths) + 1, np.int64)
        np.cumsum(lengths, out=sequence_ptr[1:])
        np.save(folder / "sequence_ptr.npy", sequence_ptr)
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
