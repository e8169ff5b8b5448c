"""What makes a passage checkable: its best sentence, the words that matched, and why it scored as it did.

All three use the index's own analyzer and BM25 statistics, so they agree with the ranking:

- **Best sentence**: each sentence of the passage is scored as a tiny BM25 document against the question (corpus
  IDF, term-frequency saturation k1, length normalised by the passage's mean sentence length with b). Ties go to
  the sentence matching more distinct question terms, then to the earlier sentence.
- **Highlights**: the character spans (article offsets) of every word whose term is a question term, so
  "cooperate" lights up for a question about "cooperation".
- **Explanation**: for every question term, tf, df, IDF, the length norm and its contribution; the contributions
  add up to the passage's score.
"""

from __future__ import annotations

from collections import Counter

from qa.chunking import split_paragraphs, split_sentences
from qa.index import Index
from qa.models import BestSentence, Span, TermContribution


def highlights(index: Index, article_text: str, start: int, end: int, wanted: set[str]) -> list[Span]:
    """Spans of the words of `article_text[start:end]` whose term is in `wanted`."""
    return [Span(token.start, token.end) for token in index.analyzer.tokens(article_text[start:end], offset=start)
            if token.term in wanted]


def best_sentence(index: Index, article_text: str, start: int, end: int,
                  question_terms: Counter[str]) -> BestSentence | None:
    """The sentence of the passage `article_text[start:end]` that best matches the question."""
    spans = [sentence for paragraph in split_paragraphs(article_text, start, end)
             for sentence in split_sentences(article_text, *paragraph)]
    if not spans:
        return None
    analyzer, engine, vocab = index.analyzer, index.engine, index.vocab
    sentence_terms = [analyzer.terms(article_text[a:b]) for a, b in spans]
    mean_length = max(sum(map(len, sentence_terms)) / len(spans), 1.0)
    k1, b = engine.params.k1, engine.params.b
    best: tuple[float, int, int] | None = None  # (score, distinct matches, -position)
    best_span = spans[0]
    for position, ((a, z), terms) in enumerate(zip(spans, sentence_terms)):
        counts = Counter(terms)
        norm = k1 * (1 - b + b * len(terms) / mean_length)
        score, distinct = 0.0, 0
        for term, times in question_terms.items():
            tf = counts.get(term, 0)
            if tf and term in vocab:
                score += times * float(engine.idf[vocab[term]]) * tf * (k1 + 1) / (tf + norm)
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
