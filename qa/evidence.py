"""What makes a passage checkable: its best sentence, the words that matched, and why it scored as it did.

All three use the index's own analyzer and BM25 statistics, so they agree with the ranking:

- **Best sentence**: each sentence of the passage scores, for every question term it contains, the term's corpus
  IDF (as in BM25) times its IDF among the passage's sentences, ln(1 + sentences / sentences with the term). The
  second factor discounts words that run through the whole passage (the article's subject, the title's words),
  which say nothing about which sentence answers. Ties go to the sentence matching more distinct question terms,
  then to the earlier sentence. (On SQuAD v1.1 dev this picks an answer-bearing sentence for 0.679 of the
  questions against 0.648 for per-sentence BM25: `benchmarks/README-quality.md`.)
- **Highlights**: the character spans (article offsets) of every word whose term is a question term, so
  "cooperate" lights up for a question about "cooperation".
- **Explanation**: for every question term, tf, df, IDF, the length norm and its contribution; the contributions
  add up to the passage's score.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections import Counter

from qa.chunking import split_paragraphs, split_sentences
from qa.analysis import Token
from qa.index import Index
from qa.models import BestSentence, Span, TermContribution


def passage_tokens(index: Index, article_text: str, start: int, end: int) -> list[Token]:
    """The analysed words of the passage `article_text[start:end]`, with article offsets (one pass, reused)."""
    return index.analyzer.tokens(article_text[start:end], offset=start)


def highlights(tokens: list[Token], wanted: set[str]) -> list[Span]:
    """Spans of the passage's words whose term is in `wanted`."""
    return [Span(token.start, token.end) for token in tokens if token.term in wanted]


def best_sentence(index: Index, article_text: str, start: int, end: int, question_terms: Counter[str],
                  tokens: list[Token] | None = None) -> BestSentence | None:
    """The sentence of the passage `article_text[start:end]` that best matches the question."""
    spans = [sentence for paragraph in split_paragraphs(article_text, start, end)
             for sentence in split_sentences(article_text, *paragraph)]
    if not spans:
        return None
    if tokens is None:
        tokens = passage_tokens(index, article_text, start, end)
    sentence_terms: list[set[str]] = [set() for _ in spans]
    ends = [z for _, z in spans]
    for token in tokens:  # each word to the sentence it ends in (sentences are in order, words inside them)
        sentence_terms[min(bisect_left(ends, token.end), len(spans) - 1)].add(token.term)
    engine, vocab = index.engine, index.vocab
    in_sentences = Counter(term for terms in sentence_terms for term in terms)
    best: tuple[float, int, int] | None = None  # (score, distinct matches, -position)
    best_span = spans[0]
    for position, ((a, z), terms) in enumerate(zip(spans, sentence_terms)):
        score, distinct = 0.0, 0
        for term, times in question_terms.items():
            if term in terms and term in vocab:
                local = math.log(1 + len(spans) / in_sentences[term])
                score += times * float(engine.idf[vocab[term]]) * local
                distinct += 1
        key = (score, distinct, -position)
        if best is None or key > best:
            best, best_span = key, (a, z)
    assert best is not None
    return BestSentence(best_span[0], best_span[1], article_text[best_span[0]:best_span[1]], round(best[0], 6))


def explain(index: Index, passage_id: int, question_terms: Counter[str], score: float) -> list[TermContribution]:
    """Every question term's part of the passage's BM25 score (unknown terms contribute 0)."""
    engine = index.engine
    norm = float(engine.length_norm(passage_id))
    parts = []
    for term, times in question_terms.items():
        term_id = index.vocab.get(term)
        if term_id is None:
            parts.append(TermContribution(term, times, 0, 0, 0.0, norm, 0.0, 0.0))
            continue
        tf, idf, weight = engine.term_stats(term_id, passage_id)
        contribution = 0.0
        for _ in range(times):  # added once per occurrence, in the engine's order
            contribution += weight
        parts.append(TermContribution(term, times, tf, engine.doc_freq(term_id), idf, norm, contribution,
                                      contribution / score if score else 0.0))
    return parts
