"""Question -> ranked, cited passages. The one search function behind the CLI and the HTTP API.

    >>> searcher = Searcher(open_index(Settings()))                                   # doctest: +SKIP
    >>> hit = searcher.ask("When did Azerbaijan and Turkey sign the Shusha Declaration?", top_k=1).hits[0]
    >>> hit.best_sentence.text                                                        # doctest: +SKIP
    'On June 15, Azerbaijan and Turkey signed the Shusha Declaration on Allied Relations, ...'

Ranking has two stages: BM25 (`qa.bm25`, exactly rank-bm25's scores, each question term counted once however
often the question repeats it) over every passage, then a bonus for question terms found near each other over
BM25's best few (`qa.proximity`); once cited, the first few are put in the order of their score and their best
sentence together (`qa.answer.sentence_stage`).

Results never repeat the same text: when two passages of one article overlap (neighbouring passages share
`chunk_overlap` sentences), only the higher-scoring one is kept; an article saved twice (two names, or .html and
.pdf: `Index.copies`) is one story, answered from its best-scoring copy, whose citation names the others; and
`max_per_article` (0 = no limit) caps how many passages of one article are returned. The engine is asked for more
candidates than needed so that these rules never make the answer come back short while other matching passages
exist.
"""

from __future__ import annotations

import time
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote

import numpy as np

from qa.answer.empty import filter_message, no_match_message, said_words, suggest, unknown_words
from qa.answer.evidence import explain, explain_proximity, highlights
from qa.answer.fast import CompiledEvidence, Window, compiled_evidence, warm
from qa.answer.proximity import RERANK_DEPTH, rerank
from qa.answer.sentence import AskedQuestion, best_sentence, read_question
from qa.answer.sentence_stage import depth, staged
from qa.defaults import (
    MAX_QUESTION_CHARS,
    PROXIMITY_WEIGHT,
    PROXIMITY_WINDOW,
    SENTENCE_WEIGHT,
    SENTENCE_WEIGHT_REST,
    passage_count,
)
from qa.errors import InvalidQuestion
from qa.index.reader import ArticleInfo, Index
from qa.lang import FolderLanguages
from qa.models import Answer, BestSentence, Citation, Filter, Passage, QuestionTerm, Span, Suggestion, page_number
from qa.ranking.analysis import TextAnalyzer

Key = TypeVar("Key")

if TYPE_CHECKING:
    from qa.config import Settings

MAX_QUESTION_TERMS = 64
"""A question is searched with at most this many distinct known terms, the rarest (most telling) ones; the others
are dropped and no longer listed in `terms`. Real questions have far fewer; this bounds the cost of a question
that is a pasted page of text."""


class Searcher:
    """Answers questions from one loaded `Index`. Thread-safe: a question keeps no state between calls."""

    def __init__(self, index: Index, max_per_article: int = 0, proximity_weight: float = PROXIMITY_WEIGHT,
                 proximity_window: int = PROXIMITY_WINDOW, sentence_weight: float = SENTENCE_WEIGHT,
                 sentence_weight_rest: float = SENTENCE_WEIGHT_REST, *, find_copies: bool = True) -> None:
        self.index = index
        self.find_copies = find_copies
        """False: the index's copies of one story are not looked for, and its answers rank and cite each article as
        a story of its own. A shard's (`qa.distributed.shard`): the coordinator finds the collection's copies, ranks
        with them and names them in the citations, and the shard's own were found for nothing, at start-up and at
        each new version (0.3 s for 100k articles)."""
        self.max_per_article = max_per_article
        self.proximity_weight = proximity_weight
        self.proximity_window = proximity_window
        self.sentence_weight = sentence_weight
        self.sentence_weight_rest = sentence_weight_rest
        index.engine.top_k([0], 1)  # load the compiled kernels now, not during the first question
        warm(index)  # and the compiled evidence's (qa.answer.fast)
        if find_copies:
            _ = index.copies  # the folder's copies of one story, found now rather than by the first question

    @classmethod
    def from_settings(cls, index: Index, settings: Settings, *, find_copies: bool = True) -> Searcher:
        return cls(index, max_per_article=settings.max_per_article, proximity_weight=settings.proximity_weight,
                   proximity_window=settings.proximity_window, sentence_weight=settings.sentence_weight,
                   sentence_weight_rest=settings.sentence_weight_rest, find_copies=find_copies)

    def ask(self, question: str, top_k: int = 3, *, explain_scores: bool = False,
            max_per_article: int | None = None, where: Filter | None = None) -> Answer:
        """The `top_k` passages that best answer `question`, best first, each with its citation and evidence.

        An empty or over-long question raises `InvalidQuestion`; a question with no searchable word, or none the
        articles contain, returns no passages and a `message` saying why. `where` restricts the answer to some
        articles; the passages returned are then the best within them.
        """
        started = time.perf_counter()
        validate_question(question, top_k)
        cited_depth = depth(question, top_k, self.sentence_weight, self.sentence_weight_rest)
        ranking = self.rank(question, cited_depth, max_per_article=max_per_article, where=where)
        if not ranking.passages:
            return Answer(question, [], _ms(started), terms=ranking.terms, unknown_terms=ranking.unknown_terms,
                          suggestions=ranking.suggestions, message=ranking.message)
        found = _Evidence(self, question, ranking, explain_scores)
        passages = staged(question, [p.score for p in ranking.passages], found.cite, found.weigh,  # the last stage
                          self.sentence_weight, self.sentence_weight_rest, top_k)
        return Answer(question, passages, _ms(started), terms=ranking.terms, unknown_terms=ranking.unknown_terms,
                      suggestions=ranking.suggestions)

    def cite(self, question: str, ranking: Ranking, *, explain_scores: bool = False,
             idf: dict[str, float] | None = None) -> list[Passage]:
        """The passages of `ranking`, in its order, each with its citation and evidence (and explanation if asked).

        What `ask` does after `rank`. The ranking may have been made elsewhere, as long as its passage ids are this
        index's: a sharded index (`qa.distributed`) ranks across its shards, then each shard cites its passages,
        given `idf`, the IDF in the whole collection of the question's terms it holds (a shard may lack some).
        """
        return _Evidence(self, question, ranking, explain_scores, idf).cite(list(range(len(ranking.passages))))

    def sentence_scores(self, question: str, ranking: Ranking, *, idf: dict[str, float] | None = None,
                        kinds: bool = True) -> list[float]:
        """The score of each ranked passage's best sentence (as `cite` finds it; 0 for a passage without one), with
        none of the rest of its evidence or citation: what the best-sentence stage weighs the passages it may move
        up by (`qa.answer.sentence_stage`). `idf` as for `cite`; `kinds` False: without the asked kind's bonus
        (`qa.answer.sentence.KIND_BONUS`), most of what finding them costs."""
        return _Evidence(self, question, ranking, False, idf).weigh(list(range(len(ranking.passages))), kinds)

    def _asked(self, question: str, ranking: Ranking, idf: dict[str, float] | None) -> AskedQuestion:
        index = self.index
        asked = read_question(index.analyzer, question, [(t.word, t.term) for t in ranking.terms]).with_idf(index)
        return asked if idf is None else replace(asked, idf=idf)

    def _windows(self, ranked: list[RankedPassage]) -> list[Window]:
        """Each passage's place and the text its evidence reads (`Index.article_window`), with its article
        title's terms."""
        index = self.index
        rows = np.asarray(index.passages[[r.passage_id for r in ranked]]).tolist()  # one read of the memory map
        windows = []
        for passage, (article_number, start, end, number) in zip(ranked, rows, strict=True):
            text, base = index.article_window(article_number, start, end)  # the passage, not the whole article
            title = subject_title(index.articles[article_number])
            subject = index.subject_terms(title, index.analyzer_of(article_number)) if title else frozenset()
            windows.append(Window(passage.passage_id, article_number, start, end, number, text, base, subject))
        return windows

    def rank(self, question: str, top_k: int = 3, *, max_per_article: int | None = None,
             where: Filter | None = None) -> Ranking:
        """`ask` without the evidence of each passage: which passages, in which order, with which scores.

        The order before the best-sentence stage (`qa.answer.sentence_stage`), which `ask` applies to the cited
        passages; an evaluation applies it as `ask` does (`qa.cli.evaluation.run`).
        """
        validate_question(question, top_k, max_per_article)
        index = self.index
        tokens = index.languages.question_tokens(question, known=index.vocab)  # its language(s): qa.lang.folder
        terms = [QuestionTerm(question[token.start : token.end], token.term) for token in tokens]
        if not terms:
            return Ranking([], [], [], no_terms_message(index.languages, question))
        unknown = unknown_words(question, tokens, index.vocab.__contains__)
        suggestions = suggest(index, unknown, index.languages.spelling_languages(question)) if unknown else []
        limit = self.max_per_article if max_per_article is None else max_per_article
        allowed = index.allowed(where) if where else None
        if allowed is not None and not allowed.any():
            return Ranking([], terms, unknown, filter_message(index, where or Filter()), suggestions)
        term_ids = searched_once(index.term_ids([t.term for t in terms]))
        if len(term_ids) > MAX_QUESTION_TERMS:  # keep a pasted page of text from costing seconds
            rarest = set(sorted(term_ids, key=index.engine.doc_freq)[:MAX_QUESTION_TERMS])
            term_ids = [t for t in term_ids if t in rarest]
            terms = [t for t in terms if index.vocab.get(t.term) in rarest]
        chosen = self._diverse_top(term_ids, top_k, limit, allowed)
        if not chosen:
            found = bool(index.engine.top_k(term_ids, 1, allowed)[0].size)  # but weighing nothing (_diverse_top)
            return Ranking([], terms, unknown, nothing_found_message(found, said_words(question, tokens), suggestions,
                                                                     where), suggestions)
        ranked = [RankedPassage(rank, passage_id, score, reranked)
                  for rank, (passage_id, score, reranked) in enumerate(chosen, start=1)]
        return Ranking(ranked, terms, unknown, None, suggestions)

    def _diverse_top(self, term_ids: list[int], top_k: int, limit: int,
                     allowed: np.ndarray | None) -> list[tuple[int, float, bool]]:
        """The best passages with no two overlapping passages of one article and at most `limit` per article:
        (passage id, score, whether the proximity stage scored it).

        Only passages with a score above zero (every word that occurs has a positive IDF,
        `qa.ranking.bm25.okapi_idf`, so a passage holding one always has)."""
        index = self.index
        engine, passages = index.engine, index.passages
        fetch = min(top_k * 2 + 4, max(engine.n_docs, 1))  # room for dropped neighbours; more is fetched if needed
        copies = index.copies if self.find_copies else None
        while True:
            doc_ids, scores = engine.top_k(term_ids, max(fetch, RERANK_DEPTH), allowed)
            doc_ids, scores = rerank(index, term_ids, doc_ids, scores, self.proximity_weight, self.proximity_window)
            head = set(doc_ids[:RERANK_DEPTH].tolist())
            rows = np.asarray(passages[doc_ids, :3]).tolist()  # one read of the memory map, not one per passage
            kept = [(passage_id, score, passage_id in head) for passage_id, score in pick_diverse(
                zip(doc_ids.tolist(), scores.tolist(), rows, strict=False), top_k, limit, copies)]
            if len(kept) == top_k:
                return kept
            if len(doc_ids) < max(fetch, RERANK_DEPTH) or fetch >= engine.n_docs:
                return kept
            fetch = min(fetch * 4, engine.n_docs)

    def _passage(self, ranked: RankedPassage, window: Window, asked: AskedQuestion, searched: dict[int, str] | None,
                 explain_scores: bool, found: tuple[BestSentence | None, list[Span]]) -> Passage:
        """One result with its citation and evidence, and its explanation if asked; `searched` (term id -> term,
        as searched) is given when the proximity stage scored the passage (only the first `RERANK_DEPTH` are);
        `found`: its best sentence and highlights (`_Evidence`)."""
        index = self.index
        passage_id, score = ranked.passage_id, ranked.score
        article_number, start, end, number, text, base = window[1:7]
        article = index.articles[article_number]
        pages = article.page_starts
        meta = article.meta
        citation = Citation(document_id=article.id, title=article.title, source=article.source, passage=number,
                            start=start, end=end, url=citation_url(article.id, start, end),
                            source_url=meta.get("url"), date=meta.get("date"), author=meta.get("author"),
                            publisher=meta.get("publisher"),
                            page=page_number(pages, start) if pages else None,
                            end_page=page_number(pages, end - 1) if pages else None,
                            line=int(meta["line"]) if "line" in meta else None, language=article.language,
                            copies=[index.articles[n].source for n in index.copies_of(article_number)]
                            if self.find_copies else [])
        return Passage(rank=ranked.rank, score=score, text=text[start - base : end - base], citation=citation,
                       best_sentence=found[0], highlights=found[1],
                       explanation=explain(index, passage_id, asked, score) if explain_scores else None,
                       proximity=explain_proximity(index, searched, passage_id, self.proximity_weight,
                                                   self.proximity_window, asked.words)
                       if explain_scores and searched else None)

    def _reference(self, passage_id: int, window: Window, asked: AskedQuestion
                   ) -> tuple[BestSentence | None, list[Span]]:
        """A passage's best sentence and highlights by the reference code, in Python (`qa.answer.sentence`)."""
        index = self.index
        article_number, start, _end, _number, text, base = window[1:7]
        analyzer = index.analyzer_of(article_number)  # the article's language's, as its passages were indexed
        tokens = index.matched_tokens(passage_id, start, asked.counts)
        sentences = index.passage_sentences(passage_id, start)
        return (best_sentence(index, text, sentences, asked, tokens, subject_title(index.articles[article_number]),
                              base=base, analyzer=analyzer), highlights(tokens))


class _Evidence:
    """One question's evidence over one ranking, found once however often the best-sentence stage asks for it
    (`qa.answer.sentence_stage.stage_order`): the question read once, and the compiled loops run once over every
    ranked passage's text (`qa.answer.fast.CompiledEvidence`), each passage's best sentence and highlights then made
    only for the passages cited, and only the score for those weighed."""

    def __init__(self, searcher: Searcher, question: str, ranking: Ranking, explain_scores: bool,
                 idf: dict[str, float] | None = None) -> None:
        self.searcher, self.ranking, self.explain_scores = searcher, ranking, explain_scores
        self.asked = searcher._asked(question, ranking, idf)
        vocab = searcher.index.vocab
        self.searched = {vocab[t.term]: t.term for t in ranking.terms if t.term in vocab} if explain_scores else None
        self._windows: list[Window] | None = None
        self._compiled: CompiledEvidence | None = None
        self._run = False
        self._found: dict[int, tuple[BestSentence | None, list[Span]]] = {}

    def cite(self, positions: list[int]) -> list[Passage]:
        """The passages at these positions of the ranking, in that order, cited (`Searcher.cite`)."""
        ranked, windows, searcher = self.ranking.passages, self.windows(), self.searcher
        return [searcher._passage(ranked[n], windows[n], self.asked, self.searched if ranked[n].reranked else None,
                                  self.explain_scores, self.found(n))
                for n in positions]

    def weigh(self, positions: list[int], kinds: bool) -> list[float]:
        """The scores of their best sentences (`Searcher.sentence_scores`), with the asked kind's bonus (`kinds`)
        or without it."""
        compiled = self.compiled()
        if compiled is not None:
            return [compiled.score(n, kinds) for n in positions]
        asked = self.asked if kinds else replace(self.asked, kind=None)  # the reference, in Python
        return [best.score if best else 0.0 for best, _ in (
            self.found(n) if kinds else self.searcher._reference(self.ranking.passages[n].passage_id,
                                                                 self.windows()[n], asked)
            for n in positions)]

    def found(self, n: int) -> tuple[BestSentence | None, list[Span]]:
        """Passage `n`'s best sentence and highlights."""
        found = self._found.get(n)
        if found is None:
            compiled = self.compiled()
            found = self._found[n] = compiled.answer(n) if compiled is not None else self.searcher._reference(
                self.ranking.passages[n].passage_id, self.windows()[n], self.asked)
        return found

    def windows(self) -> list[Window]:
        """Every ranked passage's window, read at once: the stage cites or weighs each of them."""
        if self._windows is None:
            self._windows = self.searcher._windows(self.ranking.passages)
        return self._windows

    def compiled(self) -> CompiledEvidence | None:
        """The compiled loops' evidence of every ranked passage (None where the loops are not loaded, or the
        question is too long for them: `qa.answer.fast`)."""
        if not self._run:
            self._run = True
            self._compiled = compiled_evidence(self.searcher.index, self.windows(), self.asked)
        return self._compiled


@dataclass(frozen=True, slots=True)
class RankedPassage:
    """A passage's place in a ranking, before its evidence is gathered."""

    rank: int
    passage_id: int
    score: float
    reranked: bool
    """Whether the proximity stage scored it (the first `RERANK_DEPTH` of BM25's ranking)."""


@dataclass(frozen=True, slots=True)
class Ranking:
    """What `Searcher.rank` found: the passages, the question's words as asked and searched, and why none when
    none."""

    passages: list[RankedPassage]
    terms: list[QuestionTerm]
    unknown_terms: list[str]
    message: str | None
    suggestions: list[Suggestion] = field(default_factory=list)


def pick_diverse(ranked: Iterable[tuple[Key, float, Sequence[Any]]], top_k: int, limit: int,
                 copies: Mapping[Any, Hashable] | None = None) -> list[tuple[Key, float]]:
    """The first `top_k` of a ranking (best first: passage key, score, and (article, start, end)) that the rules of
    an answer keep: a score above zero, no passage overlapping a kept one of its article, at most `limit` (0: no
    limit) of one article, and passages of one copy only of a story (`copies`: article -> its story, for the
    articles that have copies; the first copy ranked is the one kept). Used by `Searcher` and by the coordinator of
    a sharded index (`qa.distributed`)."""
    kept: list[tuple[Key, float]] = []
    spans: dict[Hashable, list[tuple[int, int]]] = {}
    answered: dict[Hashable, Hashable] = {}  # story -> the copy its passages come from
    for key, score, (article, start, end) in ranked:
        if score <= 0.0:
            continue
        story = copies.get(article) if copies else None
        if story is not None and answered.setdefault(story, article) != article:
            continue
        taken = spans.setdefault(article, [])
        if (limit and len(taken) >= limit) or any(start < e and s < end for s, e in taken):
            continue
        taken.append((start, end))
        kept.append((key, score))
        if len(kept) == top_k:
            break
    return kept


def no_terms_message(analyzer: TextAnalyzer | FolderLanguages, question: str) -> str:
    """Why a question with no term to search for has no passages (`analyzer`: the question's, or a folder's
    languages, which use the question's)."""
    dropped = analyzer.stopword_words(question)
    why = (f"the question has only stopwords ({', '.join(dropped)}), which are not searched"
           if dropped else "the question has no words to search for")
    return f"No passages: {why}."


def nothing_found_message(found: bool, words: list[str], suggestions: list[Suggestion],
                          where: Filter | None) -> str:
    """Why a question has no passages: none holds its searched `words` (`said_words`), or those that do (`found`)
    score nothing."""
    if found:
        scope = "the articles that match the filter" if where else "the articles"
        return (f"No passages: the question's words occur in too many of the passages of {scope} to tell them "
                "apart; add a word that is rarer.")
    return no_match_message(words, suggestions, where)


def citation_url(document_id: str, start: int, end: int) -> str:
    """The passage in its article on the HTTP service: `GET` it for the span with its context."""
    return f"/documents/{_quoted(document_id)}?start={start}&end={end}"


@lru_cache(maxsize=16_384)
def _quoted(document_id: str) -> str:
    """A document id as a URL path (`quote` costs a few microseconds, for every passage of every answer)."""
    return quote(document_id, safe="/")


def searched_once(term_ids: list[int]) -> list[int]:
    """The question's term ids, each once, in question order: a question that repeats a word does not weigh it
    twice (on BEIR SciFact this is worth about 0.002 nDCG@10 over counting repeats, as rank-bm25 does)."""
    return list(dict.fromkeys(term_ids))


def validate_question(question: str, top_k: int, max_per_article: int | None = None) -> None:
    """Refuse what cannot be asked, with a message that says what to change (one index and the coordinator of a
    sharded one alike; HTTP and the CLI refuse the same at their edges, in the same words)."""
    if not question or not question.strip():
        raise InvalidQuestion("the question is empty")
    if len(question) > MAX_QUESTION_CHARS:
        raise InvalidQuestion(question_too_long(len(question)))
    passage_count("top_k", top_k)  # an InvalidRequest in the words every edge uses (qa.defaults)
    if max_per_article is not None:
        passage_count("max_per_article", max_per_article, 0)


def subject_title(article: ArticleInfo) -> str:
    """The title that names the article's subject; none when it was made from the first sentence."""
    return "" if article.meta.get("title_from") == "lead" else article.title


def question_too_long(length: int) -> str:
    """What an over-long question is told, wherever it is caught (here, or by the HTTP layer's validation)."""
    return f"the question is {length} characters long; the limit is {MAX_QUESTION_CHARS}"


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)

