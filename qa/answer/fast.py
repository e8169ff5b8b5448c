"""The evidence of an answer's passages (best sentence, highlights) from the compiled loops: the same as the
reference in Python (`qa.answer.sentence.best_sentence`, `qa.answer.evidence.highlights`), at a fraction of the
cost.

The reference builds dicts and bit masks per passage and costs about 50-100 µs of Python a passage, more than the
ranking of the whole answer; here one compiled call per answer (`sentence_kernel.answer_evidence`) finds every
passage's matched words, highlights, words spelled as asked and sentence scores from the index's term ids, word
spans and sentence bounds (`Index.sequences`, `Index.word_spans` decoded for the answer's passages only,
`sentences` and their pointers, read as `Index.matched_tokens` and `Index.passage_sentences` read them), and
Python makes the objects of the passages cited (`CompiledEvidence.answer`); of those only weighed by the
best-sentence stage it reads the score alone (`CompiledEvidence.score`). Where a matched word is not ASCII,
Python lowercases the matched words and a second call scores. The asked kind's bonus (regular expressions) is
Python's, over the candidates the kernel scored. The results are the same to the last
bit (tests/test_fast_evidence.py compares whole answers on real folders). Where the compiled kernels are not
loaded (`qa ask "..."`: `qa.ranking.loops.numpy_only`), or a question has more than 64 distinct terms or words
(bit masks of one machine word), `compiled_evidence` returns None and the reference is used.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from itertools import accumulate
from types import ModuleType
from typing import NamedTuple

import numpy as np

from qa.answer import proximity, sentence
from qa.answer.sentence import AskedQuestion, holds_kind
from qa.index.reader import Index
from qa.models import BestSentence, Span
from qa.ranking import loops

_MASK_BITS = 64


class Window(NamedTuple):
    """A passage of an answer and the text its evidence reads (`Index.article_window`)."""

    passage_id: int
    article: int
    start: int
    end: int
    number: int
    """Its number within its article (1-based)."""
    text: str
    base: int
    subject: frozenset[str]
    """Its article title's terms (`Index.subject_terms`), which do not count for its best sentence."""


def kernels() -> ModuleType | None:
    """The compiled evidence loops, or None when this process answers with NumPy alone (`qa.ranking.loops`)."""
    global _kernels
    if loops.compiled() is None:
        return None
    if _kernels is None:
        from qa.answer import sentence_kernel  # lazy: numba

        _kernels = sentence_kernel
    return _kernels


_kernels: ModuleType | None = None


def evidence(index: Index, windows: list[Window], question: AskedQuestion
             ) -> list[tuple[BestSentence | None, list[Span]]] | None:
    """Each passage's best sentence and highlights, as `best_sentence` and `highlights` give them; None when the
    compiled loops are not loaded or the question is too long for them (then use those)."""
    found = compiled_evidence(index, windows, question)
    return None if found is None else [found.answer(n) for n in range(len(windows))]


class CompiledEvidence:
    """What the compiled loops found for a question's passages, in one run over all of them; each passage's best
    sentence and highlights made from it only when asked for (`answer`), or only its score (`score`)."""

    def __init__(self, index: Index, windows: list[Window], question: AskedQuestion,
                 arrays: tuple[np.ndarray, ...]) -> None:
        self.index, self.windows, self.question = index, windows, question
        hl_ptr, hl_start, hl_end, cand_ptr, cand_position, cand_score, cand_distinct, best, bounds = arrays
        self._spans = hl_ptr.tolist(), hl_start.tolist(), hl_end.tolist()
        self._candidates = cand_ptr.tolist(), (-cand_position).tolist(), cand_score.tolist(), cand_distinct.tolist()
        self._best, self._bounds = best.tolist(), bounds.tolist()
        self._bonus = sentence.KIND_BONUS.get(question.kind or "", 0.0)

    def answer(self, n: int) -> tuple[BestSentence | None, list[Span]]:
        """Passage `n`'s best sentence (the asked kind's bonus weighed) and highlights."""
        cuts, starts, ends = self._spans
        lit = list(map(Span, starts[cuts[n] : cuts[n + 1]], ends[cuts[n] : cuts[n + 1]]))
        a, z = self._bounds[n]
        if a < 0:  # no sentence
            return None, lit
        score, bounds = self._scored(n, True)
        if bounds is not None:  # the asked kind's bonus chose another sentence
            a, z = bounds
        window = self.windows[n]
        return BestSentence(window.text[a - window.base : z - window.base], a, z, round(score, 6)), lit

    def score(self, n: int, kinds: bool = True) -> float:
        """The score of passage `n`'s best sentence (0 where it has none), with the asked kind's bonus (`kinds`)
        or without it, as `answer` gives it."""
        return round(self._scored(n, kinds)[0], 6) if self._bounds[n][0] >= 0 else 0.0

    def _scored(self, n: int, kinds: bool) -> tuple[float, tuple[int, int] | None]:
        """The best sentence's score, and its bounds where the asked kind's bonus chose another sentence."""
        ptr, negatives, scores, distinct = self._candidates
        chosen = self._best[n]
        score = scores[chosen] if chosen >= 0 else 0.0  # none: no question word, its first sentence
        if not (kinds and self._bonus and chosen >= 0):
            return score, None
        lo, hi = ptr[n], ptr[n + 1]
        scored = sorted(zip(scores[lo:hi], distinct[lo:hi], negatives[lo:hi], strict=True), reverse=True)
        window = self.windows[n]
        sentences = self.index.passage_sentences(window.passage_id, window.start)
        score, _, negative = _with_kind(self.index, window, sentences, scored, self.question, self._bonus)
        return score, sentences[-negative]


def compiled_evidence(index: Index, windows: list[Window], question: AskedQuestion) -> CompiledEvidence | None:
    """The compiled loops run over the passages' windows; None when they are not loaded or the question is too
    long for them."""
    compiled = kernels()
    counts, idf, spelled = question.counts, question.idf, question.spelled
    if compiled is None or not windows or len(counts) > _MASK_BITS or len(spelled) > _MASK_BITS:
        return None
    position = {term: j for j, term in enumerate(counts)}
    if not idf.keys() <= position.keys():
        return None  # an IDF for a term the question does not have: the reference's concern
    vocab = index.vocab
    places = np.array([(window.passage_id, window.start, window.end, window.article) for window in windows],
                      np.int64).T
    docs, starts = places[0], places[1]
    scoring = (np.array(list(counts.values()), np.float64),
               np.array([idf.get(term, 0.0) for term in counts], np.float64),
               np.array([term in idf for term in counts], np.bool_),
               np.array([position[term] for term in idf], np.int64),
               np.array([position[term] for term in spelled.values()], np.int64),
               np.array([[term in window.subject for term in counts] for window in windows], np.bool_),
               np.array([bool(window.subject) for window in windows], np.bool_),
               sentence.SPELLED_WEIGHT, sentence.WINDOW_WEIGHT, sentence.PREVIOUS_WEIGHT,  # read now: the same weights
               sentence.IDF_POWER, sentence.SPREAD_POWER)
    q_ids = np.array([vocab.get(term, -1) for term in counts], np.int64)
    title_lens = index.title_terms[places[3]]
    spans, span_base = compiled.decode_spans(*index.word_gaps, index.word_lengths, index.sequence_ptr, docs)
    stored = (index.sequences, index.sequence_ptr, spans, span_base, index.sentences, index.sentence_ptr)
    found = compiled.answer_evidence(*stored, docs, starts, places[2], title_lens, q_ids, *_texts(windows, spelled),
                                     *scoring)
    if not found[-1]:  # a matched word that is not ASCII: Python lowercases the words that matched
        found = _unicode_evidence(compiled, stored, windows, list(spelled), docs, starts, title_lens, q_ids, scoring)
    return CompiledEvidence(index, windows, question, tuple(found[:-1]))


def warm(index: Index) -> None:
    """Load the compiled evidence loops and proximity bonus now (their machine code, cached by numba beside them),
    not during the first question, as `Searcher` does for the engine's: the evidence of the index's first passage
    for a question of no words, and its bonus for two terms it lacks. Nothing where the loops are not loaded or the
    index is empty."""
    if kernels() is None or not index.engine.n_docs:
        return
    article, start, end, number = index.passage(0)
    text, base = index.article_window(article, start, end)
    evidence(index, [Window(0, article, start, end, number, text, base, frozenset())],
             AskedQuestion(Counter(), {}, {}, None))
    proximity.bonuses(index, [-1, -2], np.zeros(1, np.int64), 1.0, 1)  # two terms it lacks: the compiled bonus


def _texts(windows: list[Window], words: Iterable[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The passages' texts, one after the other, and the question's words (lowercased) with where each starts, as
    `sentence_kernel.spelled_words` compares them: bytes where every passage is ASCII (most text), else code
    points (UTF-32 costs about a microsecond a passage)."""
    joined = "".join([window.text[window.start - window.base : window.end - window.base] for window in windows])
    if joined.isascii():
        text = np.frombuffer(joined.encode("ascii"), np.uint8)
        encoded = [word.encode() for word in words]
        width = 1
    else:
        text = np.frombuffer(joined.encode("utf-32-le"), np.uint32)
        encoded = [word.encode("utf-32-le") for word in words]
        width = 4
    word_ptr = np.array(list(accumulate([len(word) // width for word in encoded], initial=0)), np.int64)
    return text, np.frombuffer(b"".join(encoded), text.dtype), word_ptr


def _unicode_evidence(compiled: ModuleType, stored: tuple[np.ndarray, ...], windows: list[Window], words: list[str],
                      docs: np.ndarray, starts: np.ndarray, title_lens: np.ndarray, q_ids: np.ndarray,
                      scoring: tuple[object, ...]) -> tuple[object, ...]:
    """What `answer_evidence` returns, where a matched word is not ASCII: Python lowercases the words that matched."""
    tok_ptr, tok_term, tok_start, tok_end, tok_sentence, hl_ptr, hl_start, hl_end = compiled.matched_words(
        *stored, docs, title_lens, q_ids)
    firsts, lasts, cuts = tok_start.tolist(), tok_end.tolist(), tok_ptr.tolist()
    spelled = {word: w for w, word in enumerate(words)}.get
    tok_word: list[int] = []
    for n, window in enumerate(windows):
        shift, text = window.start - window.base, window.text
        tok_word += [spelled(text[a + shift : z + shift].lower(), -1)
                     for a, z in zip(firsts[cuts[n] : cuts[n + 1]], lasts[cuts[n] : cuts[n + 1]], strict=True)]
    sentence_ptr = stored[5]
    cand_ptr, cand_position, cand_score, cand_distinct, best = compiled.sentence_scores(
        sentence_ptr[docs + 1] - sentence_ptr[docs], tok_ptr, tok_term, tok_sentence, np.array(tok_word, np.int64),
        *scoring)
    shift_by = np.repeat(starts, np.diff(hl_ptr))
    bounds = compiled.best_bounds(stored[4], sentence_ptr, docs, starts, cand_position, best)
    return (hl_ptr, hl_start + shift_by, hl_end + shift_by, cand_ptr, cand_position, cand_score, cand_distinct, best,
            bounds, True)


def _with_kind(index: Index, window: Window, sentences: list[tuple[int, int]],
               scored: list[tuple[float, int, int]], question: AskedQuestion, bonus: float) -> tuple[float, int, int]:
    """The best of `scored` (best first) once the asked kind's bonus is given to the sentences that hold a thing of
    that kind: the last step of `best_sentence`, the same loop."""
    best = scored[0]
    analyzer = index.analyzer_of(window.article)
    for score, distinct, negative in scored:  # best first: stop where even a bonus cannot win
        if score + bonus < best[0]:
            break
        if holds_kind(index, window.text, *sentences[-negative], question.kind or "", question.counts,
                      base=window.base, analyzer=analyzer):
            best = max(best, (score + bonus, distinct, negative))
    return best
