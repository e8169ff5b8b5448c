"""One shard, served: its index weighed with the whole collection's statistics, answering the coordinator.

    >>> shard = Shard(settings, n_shards=2, number=0)                                  # doctest: +SKIP
    >>> found = shard.search(None, ["shusha", "declar"], k=20, where=None)              # doctest: +SKIP

A plain class: `qa.distributed.cluster` makes it a Ray actor (one process per shard, restarted by Ray when it
dies), and tests use it in-process. It opens its shard's current version from disk and the other shards' figures
(`summary_on_disk`), so a shard that starts, or starts again after a crash, needs nothing but the disk: it holds
every acknowledged write, since a write is acknowledged only once on disk.

Everything a question reads comes from one `_State` (taken once per call), which a write replaces whole: first
every shard stages the new state (`stage`), then all switch (`switch`), so questions see mixed statistics only
between two switches, and they notice: each call names the generation it expects and gets None from a shard
that has another (`qa.distributed.ranking` then asks again).
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from qa.answer.empty import SpellingMatch, filter_facts, spellings
from qa.answer.proximity import RERANK_DEPTH, bonuses
from qa.answer.search import RankedPassage, Ranking, Searcher
from qa.config import Settings
from qa.distributed.layout import Layout
from qa.distributed.statistics import (
    CollectionStatistics,
    ShardSummary,
    ShardWeights,
    generation,
    summary_of,
    summary_on_disk,
    version_name,
)
from qa.distributed.store import OpenShard, change_shard, commit_shard, discard_version, open_shard
from qa.errors import DocumentNotFound, IndexFormatError
from qa.index.copies import SIGNATURE
from qa.index.reader import ArticleInfo, Index
from qa.models import Article, Filter, Passage, QuestionTerm

log = logging.getLogger("qa")

OPEN_ATTEMPTS = 20
"""Tries to open the shards' current versions while a write replaces one of them (its old version goes)."""


@dataclass(frozen=True, slots=True)
class SearchResult:
    """One shard's part of a question: its best passages by BM25 and what the coordinator needs to merge them."""

    generation: str
    n_docs: int
    doc_freq: list[int]
    """Each asked term's document frequency in the collection (0 where this shard has no passage with it)."""
    idf: list[float]
    """Each asked term's IDF in the collection (0.0 where this shard has no passage with it)."""
    docs: np.ndarray
    scores: np.ndarray
    places: np.ndarray
    """The place of each passage's article in the one index (ties between shards are ordered by it)."""
    rows: np.ndarray
    """Article number (in this shard), start and end of each passage."""
    bonus: np.ndarray
    """The proximity bonus of the first `RERANK_DEPTH` passages (the collection's top ones are among them)."""
    allowed: bool
    """Whether any article of this shard passes the question's filter (True without a filter)."""


@dataclass(frozen=True, slots=True)
class _State:
    generation: str
    base: OpenShard
    """The version as on disk (its own statistics): what a write starts from."""
    index: Index
    """The same passages weighed with the collection's statistics: what questions are answered from."""
    searcher: Searcher
    weights: ShardWeights


class Shard:
    """Shard `number` of the sharded index of `settings.documents` with `n_shards` shards."""

    def __init__(self, settings: Settings, n_shards: int, number: int) -> None:
        self.settings = settings
        self.number = number
        self.layout = Layout.of(settings, n_shards)
        self._state = self._from_disk()
        self._staged: _State | None = None
        self._prepared: OpenShard | None = None

    # -- opening ----------------------------------------------------------------------------------------------

    def _from_disk(self) -> _State:
        """This shard's current version, weighed with the statistics of every shard's current version."""
        for attempt in range(OPEN_ATTEMPTS):
            try:
                build = self.layout.build_dir()
                if build is None:
                    raise FileNotFoundError(f"no sharded index in {self.layout.root}")
                versions = self.layout.versions(build)
                mine = open_shard(self.layout.shard_dir(build, self.number))
                summaries = [summary_of(mine) if n == self.number else summary_on_disk(version)
                             for n, version in enumerate(versions)]
                if summaries[self.number].version != version_name(versions[self.number]):
                    raise FileNotFoundError("the shard changed while it was opened")
            except (OSError, ValueError, KeyError, IndexFormatError) as error:
                if attempt == OPEN_ATTEMPTS - 1:
                    raise
                log.info("shard %d: opening again (%s)", self.number, error)
                time.sleep(0.05)
                continue
            statistics = CollectionStatistics(summaries, self.settings.epsilon)
            return self._weigh(mine, statistics.for_shard(self.number), generation(summaries))
        raise AssertionError("unreachable")

    def _weigh(self, base: OpenShard, weights: ShardWeights, name: str) -> _State:
        index = base.index
        index.analyzer.load_stemmer()  # at start, not in the first question with a new word
        engine = index.engine.with_statistics(weights.avgdl, weights.doc_freq, weights.idf)
        weighed = index.with_engine(engine)
        searcher = Searcher.from_settings(weighed, self.settings, find_copies=False)  # the coordinator's are the ones
        return _State(name, base, weighed, searcher, weights)

    @property
    def generation(self) -> str:
        return self._state.generation

    def reload(self) -> str:
        """Open everything from disk again (after a failed write): the generation the disk now gives. A version
        prepared and not committed is removed: the write it was for did not happen."""
        if self._prepared is not None:
            discard_version(Path(self._prepared.index.path))
        self._state = self._from_disk()
        self._staged = self._prepared = None
        return self._state.generation

    # -- questions --------------------------------------------------------------------------------------------

    def search(self, expected: str | None, terms: list[str], k: int, where: Filter | None) -> SearchResult | None:
        """The `k` best passages by BM25 for the question's distinct `terms` (in question order), with the
        proximity bonus of the first `RERANK_DEPTH`; None when this shard's generation is not `expected`."""
        state = self._state
        if expected is not None and state.generation != expected:
            return None
        index = state.index
        local = [index.vocab.get(term) for term in terms]
        ids = [term_id for term_id in local if term_id is not None]
        allowed = index.allowed(where) if where else None
        if allowed is not None and not allowed.any():
            ids = []
        if ids:
            docs, scores = index.engine.top_k(ids, k, allowed)
        else:
            docs, scores = np.empty(0, np.int64), np.empty(0, np.float64)
        rows = np.asarray(index.passages[docs, :3], np.int64).reshape(-1, 3)
        placeholders = [term_id if term_id is not None else -1 - n for n, term_id in enumerate(local)]
        head = docs[:RERANK_DEPTH]
        bonus = bonuses(index, placeholders, head, self.settings.proximity_weight, self.settings.proximity_window)
        idf = np.asarray(index.engine.idf)
        return SearchResult(state.generation, index.engine.n_docs,
                            [index.engine.doc_freq(term_id) if term_id is not None else 0 for term_id in local],
                            [float(idf[term_id]) if term_id is not None else 0.0 for term_id in local],
                            docs, scores, state.base.order[rows[:, 0]], rows, bonus,
                            allowed is None or bool(allowed.any()))

    def spellings(self, expected: str, words: list[str], languages: frozenset[str] | None = None
                  ) -> list[list[SpellingMatch]] | None:
        """This shard's words spelled like each of `words` (`qa.answer.empty.spellings`)."""
        state = self._state
        if state.generation != expected:
            return None
        return spellings(state.index, words, languages)

    def filter_facts(self, where: Filter) -> tuple[tuple[str, str] | None, bool]:
        """What the message of a filter that leaves no article says of this shard's articles."""
        return filter_facts(self._state.index, where)

    def languages(self) -> tuple[str, dict[str, int]]:
        """(generation, this shard's articles by language): the collection's languages decide how a question is
        analysed (`ShardedSearcher.languages`)."""
        state = self._state
        return state.generation, dict(state.index.languages.counts)

    def doc_freqs(self, expected: str | None, terms: list[str]) -> tuple[str, list[int]] | None:
        """(generation, each term's document frequency in the collection, 0 where this shard lacks it)."""
        state = self._state
        if expected is not None and state.generation != expected:
            return None
        vocab, engine = state.index.vocab, state.index.engine
        return state.generation, [engine.doc_freq(vocab[term]) if term in vocab else 0 for term in terms]

    def cite(self, expected: str, question: str, ranked: list[RankedPassage], terms: list[QuestionTerm],
             explain: bool, figures: dict[str, tuple[int, float]]) -> list[Passage] | None:
        """This shard's passages of a ranking, with citations and evidence (`Searcher.cite`); `figures`: the
        document frequency and IDF in the collection of each question term it holds (this shard may not)."""
        state = self._state
        if state.generation != expected:
            return None
        idf = {term: value for term, (_, value) in figures.items()}
        passages = state.searcher.cite(question, Ranking(ranked, terms, [], None), explain_scores=explain, idf=idf)
        for passage in passages:  # a term of other shards only: its collection figures, as one index says them
            if passage.explanation:
                passage.explanation = [replace(part, df=figures[part.term][0], idf=figures[part.term][1])
                                       if part.df == 0 and part.term in figures else part
                                       for part in passage.explanation]
        return passages

    def sentence_scores(self, expected: str, question: str, ranked: list[RankedPassage], terms: list[QuestionTerm],
                        figures: dict[str, tuple[int, float]], kinds: bool) -> list[float] | None:
        """The scores of the best sentences of this shard's passages of a ranking (`Searcher.sentence_scores`,
        `kinds` as there); `figures` as for `cite`."""
        state = self._state
        if state.generation != expected:
            return None
        idf = {term: value for term, (_, value) in figures.items()}
        return state.searcher.sentence_scores(question, Ranking(ranked, terms, [], None), idf=idf, kinds=kinds)

    # -- documents --------------------------------------------------------------------------------------------

    def listing(self) -> tuple[str, list[ArticleInfo], list[int]]:
        """(generation, this shard's articles, each one's place in the one index)."""
        state = self._state
        return state.generation, list(state.index.articles), state.base.order.tolist()

    def article(self, document_id: str) -> tuple[int, ArticleInfo, int] | None:
        """(number in this shard, info, size of its text in bytes) of an article; None when it is not here."""
        index = self._state.index
        try:
            number = index.article_number(document_id)
        except DocumentNotFound:
            return None
        offsets = index.text_offsets
        return number, index.articles[number], int(offsets[number + 1] - offsets[number])

    def article_info(self, number: int) -> ArticleInfo:
        return self._state.index.articles[number]

    def article_text(self, number: int) -> str:
        return self._state.index.article_text(number)

    def passage(self, passage_id: int) -> tuple[int, int, int, int]:
        return self._state.index.passage(passage_id)

    def status(self) -> dict[str, Any]:
        """What /health and /metrics report, for this shard: its version's manifest and the collection's terms."""
        state = self._state
        manifest = state.index.manifest
        return {"generation": state.generation, "articles": manifest["articles"], "passages": manifest["passages"],
                "built_at": manifest["built_at"], "skipped": manifest.get("skipped", []),
                "terms": state.weights.n_terms, "version": version_name(state.index.path)}

    def signatures(self) -> tuple[str, list[int], list[str | None], list[str]]:
        """(generation, each article's place in the one index, its copy signature, its source): what the
        coordinator finds the collection's copies of one story with (`qa.index.copies`)."""
        state = self._state
        infos = state.index.articles
        return (state.generation, state.base.order.tolist(), [info.meta.get(SIGNATURE) for info in infos],
                [info.source for info in infos])

    def body(self, expected: str, number: int) -> str | None:
        """The body of article `number` of this shard (None: the shard is at another generation)."""
        state = self._state
        if state.generation != expected:
            return None
        return state.index.article_text(number)[state.index.articles[number].body_start :]

    def bodies(self, exclude: list[str]) -> list[str]:
        """The bodies of this shard's articles but `exclude` (the folder's passage length of a small folder)."""
        index = self._state.base.index
        return [index.article_text(n)[info.body_start:] for n, info in enumerate(index.articles)
                if info.id not in exclude]

    # -- writes (`qa.distributed.writes`) -----------------------------------------------------------------------

    def summary(self) -> ShardSummary:
        return summary_of(self._state.base)

    def prepare(self, added: list[Article], removed: list[str], words: int, first_order: int) -> ShardSummary:
        """Write the next version of this shard beside the current one (which stays current on disk until
        `commit`; questions are answered from the current one until `switch`)."""
        folder = Path(self._state.base.index.path).parent
        self._prepared = change_shard(self.settings, folder, self._state.base, added, set(removed), words,
                                      first_order)
        return summary_of(self._prepared)

    def stage(self, name: str, version: str, weights: ShardWeights) -> None:
        """Weigh `version` of this shard (the current one, or the prepared one) with the collection's new
        statistics, ready to `switch` to."""
        state = self._state
        if state.generation == name:
            return  # already there (this shard started again after the change was on disk)
        if version_name(state.base.index.path) == version:
            base = state.base
        elif self._prepared is not None and version_name(self._prepared.index.path) == version:
            base = self._prepared
        else:
            base = open_shard(self.layout.shard_dir(Path(state.base.index.path).parent.parent, self.number))
            if version_name(base.index.path) != version:
                raise IndexFormatError(f"shard {self.number} is at {version_name(base.index.path)}, not {version}")
        self._staged = self._weigh(base, weights, name)

    def commit(self, version: str) -> None:
        """Make the prepared `version` this shard's current one on disk: once every shard has staged the change,
        the moment the write is done (a shard that starts again from now on opens it)."""
        prepared = self._prepared
        if prepared is None or version_name(prepared.index.path) != version:
            raise IndexFormatError(f"shard {self.number} has no prepared version {version}")
        commit_shard(Path(prepared.index.path))

    def switch(self, name: str) -> None:
        """Answer from the staged state of generation `name` from now on."""
        if self._state.generation == name:
            return
        staged = self._staged
        if staged is None or staged.generation != name:
            raise IndexFormatError(f"shard {self.number} has no staged state {name}")
        self._state = staged
        self._staged = self._prepared = None

    # -- the process ------------------------------------------------------------------------------------------

    def pid(self) -> int:
        return os.getpid()
