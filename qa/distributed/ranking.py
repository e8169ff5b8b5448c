"""A question over a sharded index: the same passages, in the same order, with the same scores as one index.

    >>> searcher = ShardedSearcher(LocalShards(shards), settings)                       # doctest: +SKIP
    >>> searcher.ask("When did Azerbaijan and Turkey sign the Shusha Declaration?", top_k=3)  # doctest: +SKIP

The coordinator does what `qa.answer.search.Searcher` does, with the index's parts spread over the shards:

1. the question's terms, analysed as one index of the collection would (`qa.lang.FolderLanguages` over every
   shard's articles by language, learnt once a generation); the rarest `MAX_QUESTION_TERMS` by the collection's document
   frequencies when a question has more (asked of the shards first: only such long questions pay that call);
2. every shard's best passages by BM25, weighed with the collection's statistics (`qa.distributed.shard`), with
   the proximity bonus of its first `RERANK_DEPTH` (the collection's first `RERANK_DEPTH` are among them), merged
   by score, equal scores in the one index's passage order (each article's place in it, then passage number);
3. the proximity stage over the merged first `RERANK_DEPTH` (`qa.answer.proximity.boost`), then the per-article
   rules (`qa.answer.search.pick_diverse`), asking the shards for more passages when those rules leave the answer
   short, exactly as `Searcher` asks its engine;
   copies of one story counted as one article (`qa.index.copies`, found over every shard once a generation);
4. each chosen passage cited by the shard that holds it (`Searcher.cite`: best sentence, highlights, explanation),
   naming the story's copies on every shard;
5. the best-sentence stage over the cited passages (`qa.answer.sentence_stage`), as `Searcher.ask`.

Two calls to every shard (the second only to the shards holding chosen passages) for most questions. All calls of
a question go to shards of the same generation (the same statistics); a write that switches the shards between two
calls makes the question start again.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, replace

import numpy as np

from qa.answer.empty import (
    MAX_WORDS_SUGGESTED,
    SpellingMatch,
    choose_suggestion,
    filter_message_of,
    said_words,
    unknown_words,
)
from qa.answer.proximity import RERANK_DEPTH, boost
from qa.answer.search import (
    MAX_QUESTION_TERMS,
    RankedPassage,
    no_terms_message,
    nothing_found_message,
    pick_diverse,
    validate_question,
)
from qa.answer.sentence_stage import depth, staged
from qa.config import Settings
from qa.distributed.calls import ShardCalls
from qa.distributed.shard import SearchResult
from qa.errors import Unavailable
from qa.index.copies import find_copies
from qa.lang import Analyzers, FolderLanguages
from qa.lang.analyzers import CJK_CHAR
from qa.models import Answer, Filter, Passage, QuestionTerm, Suggestion
from qa.ranking.analysis import Token

ATTEMPTS_S = 10.0
"""How long a question keeps starting again while the shards switch generations (a write takes well under this)."""


class ShardsUnavailable(Unavailable):
    """The shards did not agree on one generation for `ATTEMPTS_S` (answered with 503)."""


class _Stale(Exception):
    """A shard answered from another generation: start the question again."""


@dataclass(frozen=True, slots=True)
class _Candidate:
    score: float
    place: int
    doc: int
    shard: int
    position: int
    """Where it is in its shard's result (its bonus, its row)."""
    article: int
    """Its article's number in its shard."""


class ShardedSearcher:
    """Answers questions from the shards of a sharded index (thread-safe: a question keeps no state)."""

    def __init__(self, shards: ShardCalls, settings: Settings, analyzers: Analyzers | None = None) -> None:
        self.shards = shards
        self.settings = settings
        self.max_per_article = settings.max_per_article
        self.proximity_weight = settings.proximity_weight
        self.sentence_weight = settings.sentence_weight
        self.sentence_weight_rest = settings.sentence_weight_rest
        self.analyzers = analyzers or Analyzers()
        self._languages: tuple[str, FolderLanguages] | None = None
        """The generation the collection's languages were learnt at, and how its questions are analysed."""
        self._copies: tuple[str, _Copies] | None = None
        """The generation the collection's copies of one story were found at, and them."""
        self._learning = threading.Lock()
        self._finding = threading.Lock()
        """Held while the copies are found: the questions that arrive meanwhile wait for them rather than find them
        too (a lock of their own: a question that learns the languages again does not wait for the copies)."""

    def languages(self) -> tuple[str, FolderLanguages]:
        """The collection's languages (its articles by language, summed over the shards) at the generation the
        shards are at: what one index of the collection analyses a question with (`Index.languages`)."""
        known = self._languages
        if known is not None:
            return known
        with self._learning:
            if self._languages is None:
                found = self.shards.each("languages")
                names = {name for name, _ in found}
                if len(names) != 1:
                    raise _Stale
                counts: Counter[str] = Counter()
                for _, shard_counts in found:
                    counts.update(shard_counts)
                languages = FolderLanguages(counts, self.analyzers)
                languages.warm()  # stemmers and the detector now, not in a question with a new word
                self._languages = (names.pop(), languages)
            return self._languages

    def copies(self, generation: str) -> _Copies:
        """The collection's copies of one story at `generation`, as one index finds them (`Index.copies`), found
        once a generation (the questions that ask while they are found wait for them, as for `languages`)."""
        known = self._copies
        if known is not None and known[0] == generation:
            return known[1]
        with self._finding:
            known = self._copies
            if known is None or known[0] != generation:
                known = self._copies = (generation, self._find_copies(generation))
            return known[1]

    def _find_copies(self, generation: str) -> _Copies:
        """Every shard's signatures in the one index's article order; the few candidates' bodies asked of their
        shards."""
        found = self.shards.each("signatures")
        if any(name != generation for name, *_ in found):
            raise _Stale
        where: dict[int, tuple[int, int]] = {}  # place in the one index -> (shard, article number there)
        signatures: dict[int, str | None] = {}
        sources: dict[int, str] = {}
        for shard, (_, places, shard_signatures, shard_sources) in enumerate(found):
            for number, (place, signature, source) in enumerate(zip(places, shard_signatures, shard_sources,
                                                                      strict=True)):
                where[place], signatures[place], sources[place] = (shard, number), signature, source
        order = sorted(where)

        def body(n: int) -> str:
            shard, number = where[order[n]]
            text: str | None = self.shards.gather("body", [(shard, (generation, number))])[0]
            if text is None:
                raise _Stale
            return text

        stories = find_copies([signatures[place] for place in order], body)
        members: dict[int, list[int]] = {}
        for n, first in sorted(stories.items()):
            members.setdefault(first, []).append(order[n])
        return _Copies({where[order[n]]: first for n, first in stories.items()},
                       {where[place]: [sources[other] for other in group if other != place]
                        for group in members.values() for place in group})

    def _forget_languages(self, seen: str) -> None:
        """The shards moved past the generation the languages were learnt at: learn them again."""
        with self._learning:
            if self._languages is not None and self._languages[0] != seen:
                self._languages = None

    def _question_tokens(self, question: str, generation: str, languages: FolderLanguages) -> list[Token]:
        """`FolderLanguages.question_tokens` with the collection's vocabulary: the analyses after the first keep
        the terms some shard holds, and a Chinese, Japanese or Korean character is searched alone only where no
        pair over it is held (asked of the shards only when a question is analysed in several languages or holds
        such characters)."""
        chosen = languages.question_languages(question)
        cjk = CJK_CHAR.search(question) is not None  # which characters are searched alone depends on the pairs held
        if len(chosen) == 1 and not cjk:
            return languages.question_tokens(question, chosen)
        others = list(dict.fromkeys(token.term for lang in (chosen if cjk else chosen[1:])
                                    for token in languages.analyzer(lang).tokens(question)))
        held: set[str] = set()
        if others:
            name, doc_freq = self._doc_freqs(others)
            if name != generation:
                self._forget_languages(name)
                raise _Stale
            held = {term for term in others if doc_freq[term]}
        return languages.question_tokens(question, chosen, held)

    def ask(self, question: str, top_k: int = 3, *, explain_scores: bool = False,
            max_per_article: int | None = None, where: Filter | None = None) -> Answer:
        """What `Searcher.ask` answers over one index of the whole collection."""
        started = time.perf_counter()
        validate_question(question, top_k, max_per_article)
        deadline = started + ATTEMPTS_S
        while True:
            try:
                answer = self._ask(question, top_k, explain_scores, max_per_article, where)
            except _Stale:
                if time.perf_counter() > deadline:
                    raise ShardsUnavailable("the index is being updated; try again") from None
                time.sleep(0.005)
                continue
            return replace(answer, took_ms=round((time.perf_counter() - started) * 1000, 3))

    def _ask(self, question: str, shown: int, explain_scores: bool, max_per_article: int | None,
             where: Filter | None) -> Answer:
        top_k = depth(question, shown, self.sentence_weight, self.sentence_weight_rest)  # what the last stage sees
        generation, languages = self.languages()
        tokens = self._question_tokens(question, generation, languages)
        terms = [QuestionTerm(question[token.start : token.end], token.term) for token in tokens]
        if not terms:
            return Answer(question, [], 0.0, terms=[], unknown_terms=[],
                          message=no_terms_message(languages, question))
        searched = list(dict.fromkeys(t.term for t in terms))
        expected: str | None = None
        doc_freq: dict[str, int] = {}
        if len(searched) > MAX_QUESTION_TERMS:  # may need the rarest: their frequencies first
            expected, doc_freq = self._doc_freqs(searched)
            known = [term for term in searched if doc_freq[term]]
            if len(known) > MAX_QUESTION_TERMS:
                rarest = set(sorted(known, key=doc_freq.__getitem__)[:MAX_QUESTION_TERMS])
                searched = [term for term in known if term in rarest]
        limit = self.max_per_article if max_per_article is None else max_per_article
        asked = max(top_k * 2 + 4, RERANK_DEPTH)
        results, expected = self._search(expected, searched, asked, where)
        if expected != generation:  # a write since the languages were learnt: they may have changed
            self._forget_languages(expected)
            raise _Stale
        for term, *counts in zip(searched, *(result.doc_freq for result in results), strict=True):
            doc_freq.setdefault(term, max(counts))
        figures = {term: (doc_freq[term], next(r.idf[n] for r in results if r.doc_freq[n]))
                   for n, term in enumerate(searched) if doc_freq[term]}
        unknown = unknown_words(question, tokens, lambda term: bool(doc_freq.get(term)))
        if len(searched) < len(dict.fromkeys(t.term for t in terms)):
            terms = [t for t in terms if t.term in searched]
        suggestions = self._suggest(expected, unknown, languages.spelling_languages(question) if unknown else None)
        if where and not any(result.allowed for result in results):
            facts = self.shards.each("filter_facts", where)
            return Answer(question, [], 0.0, terms=terms, unknown_terms=unknown, suggestions=suggestions,
                          message=filter_message_of(where, _dates(facts), any(found for _, found in facts)))
        n_docs = sum(result.n_docs for result in results)
        rerank = self.proximity_weight > 0 and sum(1 for term in searched if doc_freq[term]) >= 2
        fetch = min(top_k * 2 + 4, max(n_docs, 1))
        copies = self.copies(expected)
        while True:
            wanted = max(fetch, RERANK_DEPTH)
            if wanted > asked:
                asked = wanted
                results, _ = self._search(expected, searched, asked, where)
            merged = _merge(results)[:wanted]
            chosen, head = self._choose(merged, results, top_k, limit, rerank, copies)
            if len(chosen) == top_k or len(merged) < wanted or fetch >= n_docs:
                break
            fetch = min(fetch * 4, n_docs)
        if not chosen:
            return Answer(question, [], 0.0, terms=terms, unknown_terms=unknown, suggestions=suggestions,
                          message=nothing_found_message(bool(merged), said_words(question, tokens), suggestions,
                                                        where))

        def cite(positions: list[int]) -> list[Passage]:
            some = [chosen[n] for n in positions]
            return self._cite(expected, question, merged, some, head, terms, explain_scores, figures, copies)

        def weigh(positions: list[int], kinds: bool) -> list[float]:
            return self._weigh(expected, question, merged, [chosen[n] for n in positions], head, terms, figures,
                               kinds)

        passages = staged(question, [score for _, score in chosen], cite, weigh, self.sentence_weight,
                          self.sentence_weight_rest, shown)
        return Answer(question, passages, 0.0, terms=terms, unknown_terms=unknown, suggestions=suggestions)

    def _suggest(self, expected: str, unknown: list[str], languages: frozenset[str] | None) -> list[Suggestion]:
        """`qa.answer.empty.suggest` over the union of the shards' vocabularies (each shard's words weighed by
        the collection's passage counts, so the order is one index's), of `languages` (None: any)."""
        if not unknown:
            return []
        found: list[list[list[SpellingMatch]] | None] = self.shards.each("spellings", expected, unknown, languages)
        if any(shard is None for shard in found):
            raise _Stale
        return [choose_suggestion(word, [match for shard in found if shard is not None for match in shard[n]])
                for n, word in enumerate(unknown[:MAX_WORDS_SUGGESTED])]

    def _doc_freqs(self, terms: list[str]) -> tuple[str, dict[str, int]]:
        found = self.shards.each("doc_freqs", None, terms)
        names = {name for name, _ in found}
        if len(names) != 1:
            raise _Stale
        return names.pop(), {term: max(counts) for term, *counts in zip(terms, *(c for _, c in found), strict=True)}

    def _search(self, expected: str | None, terms: list[str], k: int,
                where: Filter | None) -> tuple[list[SearchResult], str]:
        results: list[SearchResult | None] = self.shards.each("search", expected, terms, k, where)
        names = {result.generation if result is not None else None for result in results}
        if None in names or len(names) != 1:
            raise _Stale
        return [result for result in results if result is not None], str(names.pop())

    def _choose(self, merged: list[_Candidate], results: list[SearchResult], top_k: int, limit: int,
                rerank: bool, copies: _Copies) -> tuple[list[tuple[int, float]], set[int]]:
        """The proximity stage and the per-article rules over the merged ranking, as `Searcher._diverse_top`:
        the chosen candidates (positions in `merged`) with their final scores, and the positions the proximity
        stage scored."""
        order = np.arange(len(merged))
        scores = np.asarray([candidate.score for candidate in merged], np.float64)
        head = min(RERANK_DEPTH, len(merged))
        if rerank and head >= 1:
            bonus = np.asarray([results[c.shard].bonus[c.position] for c in merged[:head]], np.float64)
            order, scores = boost(order, scores, bonus)
        rows = [((candidate.shard, candidate.article), int(row[1]), int(row[2]))
                for n in order.tolist() for candidate in (merged[n],)
                for row in (results[candidate.shard].rows[candidate.position],)]
        kept = pick_diverse(zip(order.tolist(), scores.tolist(), rows, strict=True), top_k, limit, copies.story)
        return kept, set(order[:RERANK_DEPTH].tolist())

    def _cite(self, expected: str, question: str, merged: list[_Candidate], chosen: list[tuple[int, float]],
              head: set[int], terms: list[QuestionTerm], explain: bool, figures: dict[str, tuple[int, float]],
              copies: _Copies) -> list[Passage]:
        """Each chosen passage cited by its shard (`Searcher.cite`), in the order chosen, naming its story's copies
        on every shard (a shard knows only its own)."""
        by_shard = _by_shard(merged, chosen, head)
        cited: list[list[Passage] | None] = self.shards.gather(
            "cite", [(shard, (expected, question, ranked, terms, explain, figures))
                     for shard, ranked in by_shard.items()])
        passages: list[Passage] = []
        for found in cited:
            if found is None:
                raise _Stale
            passages.extend(found)
        passages.sort(key=lambda passage: passage.rank)
        for passage, (n, _) in zip(passages, chosen, strict=True):
            candidate = merged[n]
            passage.citation.copies = copies.sources.get((candidate.shard, candidate.article), [])
        return passages

    def _weigh(self, expected: str, question: str, merged: list[_Candidate], chosen: list[tuple[int, float]],
               head: set[int], terms: list[QuestionTerm], figures: dict[str, tuple[int, float]], kinds: bool
               ) -> list[float]:
        """The score of each chosen passage's best sentence, found by its shard (`Searcher.sentence_scores`, `kinds`
        as there), in the order chosen."""
        by_shard = _by_shard(merged, chosen, head)
        weighed: list[list[float] | None] = self.shards.gather(
            "sentence_scores", [(shard, (expected, question, ranked, terms, figures, kinds))
                                for shard, ranked in by_shard.items()])
        scores = [0.0] * len(chosen)
        for ranked, found in zip(by_shard.values(), weighed, strict=True):
            if found is None:
                raise _Stale
            for passage, value in zip(ranked, found, strict=True):
                scores[passage.rank - 1] = value
        return scores


@dataclass(frozen=True, slots=True)
class _Copies:
    """Copies of one story across the shards."""

    story: dict[tuple[int, int], int]
    """(shard, article number there) -> the place in the one index of its story's first copy, for articles with
    copies."""
    sources: dict[tuple[int, int], list[str]]
    """(shard, article number there) -> the sources of its story's other copies, in the one index's order."""


def _by_shard(merged: list[_Candidate], chosen: list[tuple[int, float]], head: set[int]
              ) -> dict[int, list[RankedPassage]]:
    """The chosen passages of each shard (in shard order), each ranked by its place among them."""
    by_shard: dict[int, list[RankedPassage]] = {}
    for rank, (n, score) in enumerate(chosen, start=1):
        candidate = merged[n]
        by_shard.setdefault(candidate.shard, []).append(RankedPassage(rank, candidate.doc, score, n in head))
    return dict(sorted(by_shard.items()))


def _merge(results: list[SearchResult]) -> list[_Candidate]:
    """Every shard's passages in one ranking: by score, equal scores in the one index's passage order."""
    merged = [_Candidate(score, place, doc, shard, position, article)
              for shard, result in enumerate(results)
              for position, (doc, score, place, article) in enumerate(zip(
                  result.docs.tolist(), result.scores.tolist(), result.places.tolist(), result.rows[:, 0].tolist(),
                  strict=True))]
    merged.sort(key=lambda c: (-c.score, c.place, c.doc))
    return merged



def _dates(facts: list[tuple[tuple[str, str] | None, bool]]) -> tuple[str, str] | None:
    """The first and last date of the dated articles of every shard (None: none is dated)."""
    spans = [dates for dates, _ in facts if dates is not None]
    return (min(first for first, _ in spans), max(last for _, last in spans)) if spans else None
