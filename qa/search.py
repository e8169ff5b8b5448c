"""Question -> ranked, cited passages. The one search function behind the CLI and the HTTP API.

    >>> searcher = Searcher(open_index(Settings()))              # doctest: +SKIP
    >>> answer = searcher.ask("When was the Shusha Declaration signed?", top_k=1)   # doctest: +SKIP
    >>> answer.hits[0].citation_line()                            # doctest: +SKIP
"""

from __future__ import annotations

import time

from qa.config import MAX_QUESTION_CHARS, MAX_TOP_K
from qa.errors import InvalidQuestion
from qa.index import Index
from qa.models import Answer, Hit, Span


class Searcher:
    """Answers questions from one loaded `Index`. Thread-safe: the engine pools its per-question buffers."""

    def __init__(self, index: Index) -> None:
        self.index = index

    def ask(self, question: str, top_k: int = 3) -> Answer:
        """The `top_k` passages that best answer `question`, best first, each with its citation.

        An empty or over-long question raises `InvalidQuestion`; a question with no searchable word, or none the
        articles contain, returns no passages and a `message` saying why.
        """
        started = time.perf_counter()
        validate_question(question, top_k)
        index = self.index
        analyzer = index.analyzer
        terms = analyzer.terms(question)
        if not terms:
            dropped = analyzer.stopword_words(question)
            why = (f"the question has only stopwords ({', '.join(dropped)}), which are not searched"
                   if dropped else "the question has no words to search for")
            return Answer(question, [], _ms(started), message=f"No passages: {why}.", terms=[])
        doc_ids, scores = index.engine.top_k(index.term_ids(terms), top_k)
        if not len(doc_ids):
            return Answer(question, [], _ms(started), terms=terms,
                          message="No passages: none of the question's terms occur in the articles.")
        wanted = set(terms)
        hits = [self._hit(rank, int(doc), float(score), wanted)
                for rank, (doc, score) in enumerate(zip(doc_ids, scores), start=1)]
        return Answer(question, hits, _ms(started), terms=terms)

    def _hit(self, rank: int, passage_id: int, score: float, wanted: set[str]) -> Hit:
        index = self.index
        article_number, start, end, number = index.passage(passage_id)
        article = index.articles[article_number]
        text = index.article_text(article_number)[start:end]
        highlights = [Span(token.start, token.end) for token in index.analyzer.tokens(text, offset=start)
                      if token.term in wanted]
        return Hit(rank=rank, score=score, text=text, document_id=article.id, title=article.title,
                   source=article.source, passage=number, start=start, end=end, highlights=highlights)


def validate_question(question: str, top_k: int) -> None:
    """Refuse what cannot be asked, with a message that says what to change."""
    if not question or not question.strip():
        raise InvalidQuestion("the question is empty")
    if len(question) > MAX_QUESTION_CHARS:
        raise InvalidQuestion(f"the question is {len(question)} characters long; the limit is {MAX_QUESTION_CHARS}")
    if not 1 <= top_k <= MAX_TOP_K:
        raise InvalidQuestion(f"top_k must be between 1 and {MAX_TOP_K}, not {top_k}")


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)
