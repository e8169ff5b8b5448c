"""What makes a passage checkable: its best sentence, the words that matched, and why it scored as it did.

All three use the index's own analyzer and BM25 statistics, so they agree with the ranking:

- **Best sentence**: `qa.answer.sentence`.
- **Highlights**: the character spans (article offsets) of every word whose term is a question term, so
  "cooperate" lights up for a question about "cooperation".
- **Explanation**: for every question term (the word as asked beside its term), tf, df, IDF, the length norm and
  its contribution; the contributions add up to the passage's score.
"""

from __future__ import annotations

from collections import Counter

from qa.answer.kinds import asked_kind
from qa.answer.proximity import pair_contributions
from qa.answer.sentence import AskedQuestion, best_sentence, holds_kind, read_question
from qa.index.reader import Index
from qa.models import ProximityExplanation, Span, TermExplanation
from qa.ranking.analysis import TextAnalyzer, Token

__all__ = ["AskedQuestion", "asked_kind", "best_sentence", "explain", "explain_proximity", "highlights",
           "holds_kind", "matched_tokens", "read_question"]


def matched_tokens(index: Index, article_text: str, start: int, end: int, question_terms: Counter[str], *,
                   base: int = 0, analyzer: TextAnalyzer | None = None) -> list[Token]:
    """The words of the passage `article_text[start:end]` whose term is a question term, with article offsets.

    `base`: `article_text` is the article's text from that offset on (`Index.article_window`); offsets (`start`,
    `end` and the tokens') are still the article's. The same holds for `best_sentence` and `holds_kind`.
    `analyzer`: the article's (`Index.analyzer_of`); the folder's main one by default.
    """
    return (analyzer or index.analyzer).matching(article_text[start - base : end - base], question_terms,
                                                 offset=start)


def highlights(tokens: list[Token]) -> list[Span]:
    """Spans of the matched words (`matched_tokens`); overlapping ones (a CJK run's bigrams: 最长, 长的, 的隧)
    become one span (最长的隧)."""
    spans: list[Span] = []
    for token in tokens:  # in text order
        if spans and token.start < spans[-1].end:
            spans[-1] = Span(spans[-1].start, max(spans[-1].end, token.end))
        else:
            spans.append(Span(token.start, token.end))
    return spans


def explain(index: Index, passage_id: int, question: AskedQuestion, score: float) -> list[TermExplanation]:
    """Every question term's BM25 part of the passage's score (unknown terms contribute 0; each term once), with
    the word the question used for it."""
    engine = index.engine
    norm = float(engine.length_norm(passage_id))
    parts = []
    for term, times in question.counts.items():
        word = question.words.get(term, term)
        term_id = index.vocab.get(term)
        if term_id is None:
            parts.append(TermExplanation(word, term, times, 0, 0, 0.0, norm, 0.0, 0.0))
            continue
        tf, idf, weight = engine.term_stats(term_id, passage_id)
        parts.append(TermExplanation(word, term, times, tf, engine.doc_freq(term_id), idf, norm, weight,
                                      weight / score if score else 0.0))
    return parts


def explain_proximity(index: Index, terms: dict[int, str], passage_id: int, weight: float, window: int,
                      words: dict[str, str] | None = None) -> list[ProximityExplanation]:
    """The proximity part of the passage's score, pair by pair (`qa.answer.proximity`); `terms`: id -> term, as
    searched; `words`: term -> the word as asked."""
    said = words or {}
    return [ProximityExplanation([said.get(terms[a], terms[a]), said.get(terms[b], terms[b])], [terms[a], terms[b]],
                                 near, contribution)
            for a, b, near, contribution in pair_contributions(index, list(terms), passage_id, weight, window)]
