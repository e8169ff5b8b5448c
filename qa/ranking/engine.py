"""The sparse BM25 engine: term -> postings, scored only over the question's terms, saved as memory-mapped arrays.

    >>> engine = SparseBM25.build([[0, 1], [1, 2, 2]], n_terms=3, params=BM25Params())
    >>> docs, scores = engine.top_k([2], k=1)
    >>> docs.tolist()
    [1]

Layout (CSC, term-major): the postings of term t are `doc_ids[indptr[t]:indptr[t+1]]` (ascending passage ids)
with their term frequencies `tfs` (uint8 where every tf is below 256, as in nearly any corpus; else wider), and
each term's largest weight `max_weight`. A posting's BM25 weight is not stored: the kernels compute it from its
tf, the term's `idf` and the length norm of the passage's length (`doc_len`, uint8 where every passage has
fewer than 256 terms; `norm_of_len`, made on load) with the one formula of `qa.ranking.bm25`, so scores equal
rank-bm25's as when weights were stored (float64, 8 bytes a posting: a quarter of the 1M-passage index).
A question scores its terms' posting lists one window of 8,192 passage ids at a time, keeping the k best in a
heap; lists of frequent terms whose largest weights cannot lift a passage into the top k only add to the passages
the other lists found, and are searched rather than scanned where those are few (MaxScore, exact: see
`kernels.top_k`). Nothing proportional to the corpus size is done per question, and no per-question buffer is
shared between threads.
"""

from __future__ import annotations

import json
from array import array
from collections import Counter
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import cast

import numpy as np

from qa.errors import IndexFormatError
from qa.ranking import loops, plain
from qa.ranking.analysis import TextAnalyzer
from qa.ranking.bm25 import BM25Params, length_norms, okapi_idf, term_weight

ENGINE_FORMAT = 3  # 3: no stored weights; tfs in the narrowest type
PARALLEL_TOKENS = 1 << 22
"""From this many term ids (about 100 K passages) postings are counted and filled by two threads, a half of the
passages each."""
_ARRAYS = ("indptr", "doc_ids", "tfs", "doc_len", "idf", "max_weight")
_NO_FILTER = np.empty(0, np.uint8)
_NOT_STOPWORD = (-1).__ne__


class SparseBM25:
    """BM25Okapi over integer term ids. Build from token-id lists, or load a saved one (memory-mapped)."""

    def __init__(self, arrays: dict[str, np.ndarray], params: BM25Params, *, avgdl: float | None = None,
                 doc_freq: np.ndarray | None = None) -> None:
        """`avgdl` and `doc_freq` are given by `with_statistics` (a shard weighed with a bigger corpus's
        statistics); by default they are this engine's own (its passages' mean length, its posting counts)."""
        self.params = params
        self.indptr = arrays["indptr"]
        self.doc_ids = arrays["doc_ids"]
        self.tfs = arrays["tfs"]
        self.doc_len = arrays["doc_len"]
        self.idf = arrays["idf"]
        self.max_weight = arrays["max_weight"]
        self.norm_of_len, self.unit_of_len = length_tables(self.doc_len, params, avgdl)
        """k1 * (1 - b + b * |d| / avgdl) for each passage length |d| (with a posting's tf and its term's idf, its
        weight), and the weight of a tf-1 posting of a term whose IDF is 1 (see `unit_weights`): tables of a few
        KB, read through `doc_len`, so the kernels' per-passage reads stay in the cache (an array of norms per
        passage, 8 MB at 1M passages, made the engine 60 % slower than stored weights)."""
        # Pruning needs every weight >= 0; a negative IDF floor (tiny corpora) falls back to the full scan.
        self._prunable = bool(self.idf.size == 0 or float(np.min(self.idf)) >= 0.0)
        self._doc_freq = doc_freq

    @property
    def n_docs(self) -> int:
        return int(self.doc_len.shape[0])

    @property
    def n_terms(self) -> int:
        return int(self.indptr.shape[0] - 1)

    @property
    def n_postings(self) -> int:
        return int(self.doc_ids.shape[0])

    # -- building -------------------------------------------------------------------------------------------

    @classmethod
    def build(cls, docs: Iterable[Sequence[int]], n_terms: int, params: BM25Params) -> SparseBM25:
        """Index passages given as lists of term ids (0 <= id < n_terms)."""
        lengths = []
        flat: list[int] = []
        for doc in docs:
            lengths.append(len(doc))
            flat.extend(doc)
        return cls.from_flat(np.asarray(flat, np.int32), np.asarray(lengths, np.int64), n_terms, params)

    @classmethod
    def from_flat(cls, tokens: np.ndarray, doc_len: np.ndarray, n_terms: int, params: BM25Params) -> SparseBM25:
        """Index passages given as one array of term ids and each passage's length (memory-lean for big corpora:
        the postings and the term ids, nothing more)."""
        from qa.ranking import kernels  # lazy, as in `top_k`: see qa.ranking.loops

        doc_starts = np.zeros(doc_len.shape[0] + 1, np.int64)
        np.cumsum(doc_len, out=doc_starts[1:])
        n_docs = doc_len.shape[0]
        parts = [(0, n_docs)] if tokens.shape[0] < PARALLEL_TOKENS else [(0, n_docs // 2), (n_docs // 2, n_docs)]
        with ThreadPoolExecutor(len(parts)) as pool:  # the kernels release the GIL: one thread per part
            counted = list(pool.map(lambda part: kernels.count_documents(tokens, doc_starts, max(n_terms, 1),
                                                                         *part), parts))
            doc_freq = np.sum([part_freq for part_freq, _ in counted], axis=0)[:n_terms]
            indptr = np.zeros(n_terms + 1, np.int64)
            np.cumsum(doc_freq, out=indptr[1:])
            doc_ids = np.empty(int(indptr[-1]), np.int32)
            tfs = np.empty(int(indptr[-1]), tfs_dtype(max(largest for _, largest in counted)))
            fills, fill = [], indptr[:-1].copy()
            for part_freq, _ in counted:  # each part's postings of a term follow the previous part's
                fills.append(fill.copy())
                fill += part_freq[:n_terms]
            list(pool.map(lambda part, start: kernels.fill_postings(tokens, doc_starts, start, doc_ids, tfs, *part),
                          parts, fills))
        arrays: dict[str, np.ndarray] = {"indptr": indptr, "doc_ids": doc_ids, "tfs": tfs,
                  "doc_len": doc_len.astype(tfs_dtype(int(doc_len.max(initial=0))))}
        arrays.update(_weigh(arrays, doc_freq, params))
        return cls(arrays, params)

    @classmethod
    def _from_pairs(cls, pair_terms: np.ndarray, pair_docs: np.ndarray, pair_tfs: np.ndarray, doc_len: np.ndarray,
                    n_terms: int, params: BM25Params) -> SparseBM25:
        """Postings from (term, passage, tf) pairs, given so that each term's passages come in ascending order."""
        doc_freq = np.bincount(pair_terms, minlength=n_terms).astype(np.int64)
        indptr = np.zeros(n_terms + 1, np.int64)
        np.cumsum(doc_freq, out=indptr[1:])
        from qa.ranking import kernels  # lazy, as in `top_k`: see qa.ranking.loops

        doc_ids, tfs = kernels.invert(pair_terms, pair_docs, pair_tfs, indptr)
        arrays = {"indptr": indptr, "doc_ids": doc_ids, "tfs": tfs.astype(tfs_dtype(int(tfs.max(initial=0)))),
                  "doc_len": doc_len.astype(tfs_dtype(int(doc_len.max(initial=0))))}
        arrays.update(_weigh(arrays, doc_freq, params))
        return cls(arrays, params)

    def updated(self, keep: np.ndarray, tokens: np.ndarray, doc_len: np.ndarray, n_terms: int) -> SparseBM25:
        """A new engine without the passages where `keep` is False and with new passages appended.

        New passages are given like `from_flat` (term ids, `n_terms` >= the current vocabulary). Passage ids
        are renumbered: kept passages first, in their order, then the new ones. IDF, average length and every
        weight are recomputed, so scores equal those of a full rebuild over the same passages; only the
        tf pairs of the new passages are counted, never the old ones' text.
        """
        if keep.shape[0] != self.n_docs or n_terms < self.n_terms:
            raise ValueError("keep must have one flag per passage, and the vocabulary can only grow")
        renumber = np.cumsum(keep, dtype=np.int64) - 1
        old_terms = np.repeat(np.arange(self.n_terms, dtype=np.int32), np.diff(np.asarray(self.indptr)))
        old_docs = np.asarray(self.doc_ids)
        kept_postings = keep[old_docs]
        n_kept = int(keep.sum())
        new_terms, new_docs, new_tfs = _pairs(tokens, doc_len, n_terms, first_doc=n_kept)
        return self._from_pairs(
            np.concatenate([old_terms[kept_postings], new_terms]),
            np.concatenate([renumber[old_docs[kept_postings]].astype(np.int32), new_docs]),
            np.concatenate([np.asarray(self.tfs)[kept_postings], new_tfs]),
            np.concatenate([np.asarray(self.doc_len)[keep], doc_len.astype(np.int32)]),
            n_terms, self.params)

    def with_statistics(self, avgdl: float, doc_freq: np.ndarray, idf: np.ndarray) -> SparseBM25:
        """This engine's passages weighed with the statistics of a bigger corpus they are part of, in memory.

        `avgdl` is that corpus's average passage length, and `doc_freq` and `idf` give, for each term id of this
        engine, its document frequency and IDF there (`qa.ranking.bm25.okapi_idf` over the whole corpus's
        vocabulary: the IDF floor is a mean over all of it). Every weight is then the one an engine built over
        the whole corpus gives the same posting, to the last bit, so a shard's scores equal one index's
        (`qa.distributed`); `doc_freq`, `length_norm` and `idf` report the corpus's figures too. The postings
        (term ids, passages, tfs, lengths) are shared with this engine, not copied: only idf, the length norms and each
        term's largest weight are new.
        """
        if doc_freq.shape != (self.n_terms,) or idf.shape != (self.n_terms,):
            raise ValueError(f"doc_freq and idf need one value per term ({self.n_terms})")
        from qa.ranking import kernels  # lazy, as in `top_k`: see qa.ranking.loops

        idf = np.ascontiguousarray(idf, np.float64)
        norm_of_len, unit_of_len = length_tables(self.doc_len, self.params, avgdl)
        maxima = kernels.posting_maxima(self.indptr, self.doc_ids, self.tfs, idf, self.doc_len, norm_of_len,
                                        unit_of_len, self.params.k1)
        arrays = {"indptr": self.indptr, "doc_ids": self.doc_ids, "tfs": self.tfs, "doc_len": self.doc_len,
                  "idf": idf, "max_weight": maxima}
        return SparseBM25(arrays, self.params, avgdl=avgdl, doc_freq=np.asarray(doc_freq, np.int64))

    # -- scoring --------------------------------------------------------------------------------------------

    def _query(self, term_ids: Iterable[int]) -> tuple[np.ndarray, np.ndarray]:
        counts = Counter(t for t in term_ids if 0 <= t < self.n_terms)
        return np.fromiter(counts.keys(), np.int64, len(counts)), np.fromiter(counts.values(), np.int64, len(counts))

    def top_k(self, term_ids: Iterable[int], k: int,
              allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The k best passages for a question (as term ids, repeats counting again), best first.

        Only passages containing at least one question term are returned, so fewer than k may come back.
        Equal scores are ordered by passage id. `allowed` (a uint8 flag per passage) limits the ranking to
        the flagged passages.
        """
        q_terms, q_counts = self._query(term_ids)
        if q_terms.size == 0 or k <= 0 or self.n_docs == 0:
            return np.empty(0, np.int64), np.empty(0, np.float64)
        flags = _NO_FILTER if allowed is None else allowed
        kernels = loops.compiled()
        if kernels is None:  # a one-question process: the same passages and scores without numba
            return plain.top_k(self.postings, self.n_docs, q_terms, q_counts, k, flags)
        docs, _ = kernels.top_k(*self.postings, self.max_weight, q_terms, q_counts, k, self._prunable, flags)
        ranked: tuple[np.ndarray, np.ndarray] = kernels.rescore(*self.postings, q_terms, q_counts, docs)
        return ranked  # best first; equal scores in passage order

    def scores(self, term_ids: Iterable[int]) -> np.ndarray:
        """The full score vector over all passages (what rank-bm25's `get_scores` returns); for tests and tools."""
        q_terms, q_counts = self._query(term_ids)
        out = np.zeros(self.n_docs, np.float64)
        for t, c in zip(q_terms, q_counts, strict=False):
            docs, weights = plain.term_postings(self.postings, int(t))
            for _ in range(c):
                out[docs] += weights
        return out

    @property
    def postings(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray,
                                float]:
        """What a posting's passage and weight are computed from, as the kernels take them: (indptr, doc_ids, tfs,
        idf, doc_len, norm_of_len, unit_of_len, k1)."""
        return (self.indptr, self.doc_ids, self.tfs, self.idf, self.doc_len, self.norm_of_len, self.unit_of_len,
                self.params.k1)

    def term_stats(self, term_id: int, doc: int) -> tuple[int, float, float]:
        """(tf, idf, weight) of one term in one passage; tf 0 when absent. Binary search in the postings."""
        lo, hi = int(self.indptr[term_id]), int(self.indptr[term_id + 1])
        pos = lo + int(np.searchsorted(self.doc_ids[lo:hi], doc))
        idf = float(self.idf[term_id])
        if pos < hi and self.doc_ids[pos] == doc:
            tf = int(self.tfs[pos])
            return tf, idf, float(term_weight(np.float64(tf), idf, self.length_norm(doc), self.params.k1))
        return 0, idf, 0.0

    def length_norm(self, doc: int) -> float:
        """k1 * (1 - b + b * |d| / avgdl) of one passage (the denominator's length part)."""
        return float(self.length_norms(np.asarray([doc]))[0])

    def length_norms(self, docs: np.ndarray) -> np.ndarray:
        """`length_norm` of several passages at once."""
        norms: np.ndarray = self.norm_of_len[self.doc_len[docs]]
        return norms

    def doc_freq(self, term_id: int) -> int:
        """Passages holding the term (in the whole corpus, for an engine made by `with_statistics`)."""
        if self._doc_freq is not None:
            return int(self._doc_freq[term_id])
        return int(self.indptr[term_id + 1] - self.indptr[term_id])

    # -- persistence ----------------------------------------------------------------------------------------

    def save(self, folder: Path) -> None:
        """Write the arrays as .npy files plus `engine.json` (format version and BM25 parameters)."""
        folder.mkdir(parents=True, exist_ok=True)
        for name in _ARRAYS:
            np.save(folder / f"{name}.npy", np.ascontiguousarray(getattr(self, name)))
        meta = {"format": ENGINE_FORMAT, "params": self.params.as_dict(), "n_docs": self.n_docs,
                "n_terms": self.n_terms, "n_postings": self.n_postings}
        (folder / "engine.json").write_text(json.dumps(meta, indent=1))

    @classmethod
    def load(cls, folder: Path, mmap: bool = True) -> SparseBM25:
        """Open a saved engine; arrays are memory-mapped, so loading is O(1) and processes share the pages."""
        try:
            meta = json.loads((folder / "engine.json").read_text())
            if meta.get("format") != ENGINE_FORMAT:
                raise IndexFormatError(f"engine format {meta.get('format')} is not {ENGINE_FORMAT}")
            arrays = {name: load_array(folder / f"{name}.npy", mmap) for name in _ARRAYS}
        except (OSError, ValueError, KeyError) as error:
            raise IndexFormatError(f"cannot open engine in {folder}: {error}") from None
        engine = cls(arrays, BM25Params(**meta["params"]))
        if engine.n_docs != meta["n_docs"] or engine.n_postings != meta["n_postings"]:
            raise IndexFormatError(f"engine in {folder} is truncated")
        return engine


def load_array(path: Path, mmap: bool = True) -> np.ndarray:
    """A saved array, memory-mapped by default, as a plain ndarray: slicing an `np.memmap` costs microseconds
    (each slice is a new memmap object), which adds up over the passages of every answer."""
    array = np.load(path, mmap_mode="r" if mmap else None)
    return array.view(np.ndarray) if isinstance(array, np.memmap) else array


def _pairs(tokens: np.ndarray, doc_len: np.ndarray, n_terms: int,
           first_doc: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(term, passage, tf) for every distinct term of every passage, passages numbered from `first_doc`."""
    from qa.ranking import kernels

    doc_starts = np.zeros(doc_len.shape[0] + 1, np.int64)
    np.cumsum(doc_len, out=doc_starts[1:])
    pair_terms, pair_docs, pair_tfs = kernels.count_postings(tokens.astype(np.int32, copy=False), doc_starts,
                                                                 max(n_terms, 1))
    return pair_terms, pair_docs + np.int32(first_doc), pair_tfs


class EngineBuilder:
    """Collects passages as lists of terms (strings), assigns term ids, and builds the engine.

        >>> builder = EngineBuilder()
        >>> builder.add(["shusha", "declar"]); builder.add(["trade", "trade"])
        >>> engine = builder.build(BM25Params())
        >>> builder.vocab["trade"], engine.n_docs
        (2, 2)

    Term ids are kept in compact arrays (4 bytes a token), so a 1M-passage corpus fits in a few hundred MB.
    """

    def __init__(self, vocab: dict[str, int] | None = None) -> None:
        self.vocab: dict[str, int] = vocab if vocab is not None else {}
        self._tokens = array("i")
        self._lengths = array("q")
        self._word_ids: dict[str, int] = {}  # raw word -> term id, -1 for a stopword (see add_text)
        self._word_ids_by: dict[str, dict[str, int]] = {"en": self._word_ids}  # one cache per analyzer's language

    def __len__(self) -> int:
        return len(self._lengths)

    def add(self, terms: Sequence[str]) -> None:
        """Add one passage (its terms in order; repeats count)."""
        vocab = self.vocab
        setdefault = vocab.setdefault
        self._tokens.extend([setdefault(term, len(vocab)) for term in terms])
        self._lengths.append(len(terms))

    def add_text(self, text: str, analyzer: TextAnalyzer, prefix: Sequence[int] = ()) -> tuple[list[str], list[int]]:
        """Add one passage given as text: the same terms as `add(analyzer.terms(text))`, several times faster.

        Raw words are mapped straight to term ids through a cache, so the analyzer (normalisation, stopwords,
        stemming) runs once per distinct word, not once per occurrence. `prefix` are term ids put first (the
        article title's, see `ids_of`). Returns the passage's words and each one's term id (-1 for a stopword):
        where the indexed words stand is kept with the index (`qa.index.spans`). Each language's analyzer has its
        own cache: "die" is a German stopword and an English term.
        """
        words = analyzer.words(text)
        word_ids = self._word_ids if analyzer.language == "en" else self._cache_of(analyzer)
        known = list(map(word_ids.get, words))
        if None in known:
            ids = [self._learn(word, analyzer) if i is None else i for i, word in zip(known, words, strict=True)]
        else:
            ids = cast(list[int], known)
        kept = list(filter(_NOT_STOPWORD, ids))
        if prefix:
            kept = [*prefix, *kept]
        self._tokens.extend(kept)
        self._lengths.append(len(kept))
        return words, ids

    def add_tokens(self, tokens: np.ndarray, lengths: np.ndarray) -> None:
        """Add passages given as term ids (this builder's vocabulary) and each passage's length."""
        self._tokens.frombytes(np.asarray(tokens, np.int32).tobytes())
        self._lengths.frombytes(np.asarray(lengths, np.int64).tobytes())

    def ids_of(self, text: str, analyzer: TextAnalyzer) -> list[int]:
        """Term ids of `text` (assigning new ids), without adding a passage: for a title shared by passages."""
        ids = []
        word_ids = self._cache_of(analyzer)
        for word in analyzer.words(text):
            term_id = word_ids.get(word)
            if term_id is None:
                term_id = self._learn(word, analyzer)
            if term_id != -1:
                ids.append(term_id)
        return ids

    def _learn(self, word: str, analyzer: TextAnalyzer) -> int:
        term = analyzer.term_of(word)
        term_id = self.vocab.setdefault(term, len(self.vocab)) if term else -1
        self._cache_of(analyzer)[word] = term_id
        return term_id

    def _cache_of(self, analyzer: TextAnalyzer) -> dict[str, int]:
        """The word -> term id cache of the analyzer's language."""
        found = self._word_ids_by.get(analyzer.language)
        if found is None:
            found = self._word_ids_by[analyzer.language] = {}
        return found

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """The passages added so far: all their term ids, and each passage's length."""
        tokens = np.frombuffer(self._tokens, np.int32) if self._tokens else np.empty(0, np.int32)
        lengths = np.frombuffer(self._lengths, np.int64) if self._lengths else np.empty(0, np.int64)
        return tokens, lengths

    def build(self, params: BM25Params) -> SparseBM25:
        tokens, lengths = self.arrays()
        return SparseBM25.from_flat(tokens, lengths, len(self.vocab), params)


def length_tables(doc_len: np.ndarray, params: BM25Params, avgdl: float | None) -> tuple[np.ndarray, np.ndarray]:
    """The length norm of every passage length from 0 to the longest (`length_norms`, elementwise: the same number
    each passage of that length gets), and `unit_weights` of them; `avgdl` defaults to the mean of `doc_len`."""
    if avgdl is None:
        avgdl = float(np.asarray(doc_len, np.float64).mean()) if doc_len.shape[0] else 0.0
    norm_of_len = length_norms(np.arange(int(np.max(doc_len, initial=0)) + 1), params, avgdl)
    return norm_of_len, unit_weights(norm_of_len, params.k1)


def unit_weights(norms: np.ndarray, k1: float) -> np.ndarray:
    """For each length norm, the weight of one occurrence (tf 1) of a term whose IDF is 1: the fraction of
    `qa.ranking.bm25.term_weight`, the same number the formula gives (1.0 * x is x), so a tf-1 posting's weight is
    idf * unit, one multiplication, in the kernels (`kernels._weight`)."""
    ones = np.ones(norms.shape[0])
    units: np.ndarray = term_weight(ones, ones, norms, k1)
    return units


def tfs_dtype(largest: int) -> type[np.unsignedinteger]:
    """The narrowest type that holds every tf: uint8 below 256 (a word 256 times in one passage is rare)."""
    return np.uint8 if largest < 1 << 8 else np.uint16 if largest < 1 << 16 else np.uint32


def _weigh(arrays: dict[str, np.ndarray], doc_freq: np.ndarray, params: BM25Params) -> dict[str, np.ndarray]:
    """IDF per term and each term's largest posting weight (see qa.bm25)."""
    from qa.ranking import kernels

    n_docs = arrays["doc_len"].shape[0]
    idf = okapi_idf(doc_freq, n_docs, params.epsilon)
    norm_of_len, unit_of_len = length_tables(arrays["doc_len"], params, None)
    maxima = kernels.posting_maxima(arrays["indptr"], arrays["doc_ids"], arrays["tfs"], idf, arrays["doc_len"],
                                    norm_of_len, unit_of_len, params.k1)
    return {"idf": idf, "max_weight": maxima}
