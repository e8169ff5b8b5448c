"""The whole collection's BM25 statistics, combined from its shards' own.

    >>> whole = CollectionStatistics([summary_of(shard) for shard in shards], epsilon=0.25)   # doctest: +SKIP
    >>> weights = whole.for_shard(0)                                                          # doctest: +SKIP
    >>> engine = shards[0].index.engine.with_statistics(weights.avgdl, weights.doc_freq, weights.idf)  # doctest: +SKIP

BM25's IDF of a term needs its document frequency in the whole collection and the collection's passage count,
the length norm needs the average passage length, and the IDF floor (BM25Okapi: epsilon x the mean IDF over the
whole vocabulary, `qa.ranking.bm25.okapi_idf`) needs every term's. So each shard reports its vocabulary, each
term's document frequency, its passage count and its total length; the frequencies of a term are added across
shards (an article, and so each of its passages, is in exactly one shard), the IDF is computed once over the
union, and each shard gets back its terms' share. The sums are of integers and the IDF is the one function one
index uses, so every weight equals one index's to the last bit.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa.distributed.store import ORDER, OpenShard
from qa.index.store import MANIFEST
from qa.ranking.bm25 import okapi_idf
from qa.ranking.engine import load_array


@dataclass(frozen=True, slots=True)
class ShardSummary:
    """What the collection's statistics need from one shard's current version (plain data: it travels)."""

    version: str
    """The shard's version folder these figures are of (build/shard-NN/v-...)."""
    terms: list[str]
    """The shard's vocabulary in term-id order (terms of removed articles too, with frequency 0)."""
    doc_freq: np.ndarray
    n_docs: int
    total_length: int
    text_bytes: int
    """Size of the shard's article texts: how big the folder is decides its passage length."""
    passage_words: int
    max_order: int
    """The last place an article of this shard has in the one index (-1: no article)."""


def summary_of(shard: OpenShard) -> ShardSummary:
    index = shard.index
    engine = index.engine
    return ShardSummary(version_name(index.path), list(index.all_terms),
                        np.diff(np.asarray(engine.indptr)).astype(np.int64), engine.n_docs,
                        int(np.asarray(engine.doc_len, np.int64).sum()), int(index.text_offsets[-1]),
                        int(index.manifest["passage_words"]), int(shard.order.max()) if shard.order.size else -1)


def summary_on_disk(version: Path) -> ShardSummary:
    """`summary_of` a version folder, reading only the files it needs (the vocabulary, the posting offsets, the
    passage lengths): what a shard that starts reads of the other shards."""
    manifest = json.loads((version / MANIFEST).read_text(encoding="utf-8"))
    terms = json.loads((version / "vocab.json").read_text(encoding="utf-8"))["terms"]
    indptr = load_array(version / "engine" / "indptr.npy")
    doc_len = load_array(version / "engine" / "doc_len.npy")
    order = load_array(version / ORDER, mmap=False)
    text_offsets = load_array(version / "text_offsets.npy")
    return ShardSummary(version_name(version), terms, np.diff(indptr).astype(np.int64), int(doc_len.shape[0]),
                        int(np.asarray(doc_len, np.int64).sum()), int(text_offsets[-1]),
                        int(manifest["passage_words"]), int(order.max()) if order.size else -1)


def version_name(version: Path) -> str:
    """build/shard-NN/v-...: a shard version's name within the sharded index (what a generation is made of)."""
    return "/".join(version.parts[-3:])


@dataclass(frozen=True, slots=True)
class ShardWeights:
    """The statistics one shard is weighed with (`SparseBM25.with_statistics`), for its own term ids."""

    avgdl: float
    doc_freq: np.ndarray
    idf: np.ndarray
    n_docs: int
    n_terms: int
    """Passages and distinct terms of the whole collection (what /health reports)."""


class CollectionStatistics:
    """The statistics of the union of the shards' passages."""

    def __init__(self, summaries: list[ShardSummary], epsilon: float) -> None:
        ids: dict[str, int] = {}
        self._to_global = [np.fromiter((ids.setdefault(term, len(ids)) for term in summary.terms), np.int64,
                                       len(summary.terms)) for summary in summaries]
        doc_freq = np.zeros(len(ids), np.int64)
        for to_global, summary in zip(self._to_global, summaries, strict=True):
            doc_freq[to_global] += summary.doc_freq  # a shard lists each of its terms once
        self.n_docs = sum(summary.n_docs for summary in summaries)
        total = sum(summary.total_length for summary in summaries)
        self.avgdl = total / self.n_docs if self.n_docs else 0.0  # exactly numpy's mean of the lengths
        self.doc_freq = doc_freq
        self.idf = okapi_idf(doc_freq, self.n_docs, epsilon)

    def for_shard(self, shard: int) -> ShardWeights:
        to_global = self._to_global[shard]
        return ShardWeights(self.avgdl, self.doc_freq[to_global], self.idf[to_global], self.n_docs,
                            int(self.doc_freq.shape[0]))


def generation(summaries: list[ShardSummary]) -> str:
    """A name for the statistics of one set of shard versions: every shard weighed with them says so, and a
    question is answered only by shards that say the same (`qa.distributed.ranking`)."""
    return hashlib.sha256("\n".join(summary.version for summary in summaries).encode("utf-8")).hexdigest()[:16]
