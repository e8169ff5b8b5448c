"""Article -> passages of whole sentences, each with its exact character span in the article.

Rules, in order of precedence:
1. A passage is a run of whole sentences of at most `chunk_words` words (whitespace-separated words).
2. A sentence longer than `chunk_words` on its own is cut at word boundaries into pieces that fit.
3. Paragraph breaks (a blank line) are preferred places to end a passage: once a passage holds half its target,
   it ends at the next paragraph break rather than running into the next paragraph.
4. When a passage has to end inside a paragraph, the next one starts `chunk_overlap` sentences earlier, so an
   answer that straddles the cut is whole in one of them. After a paragraph break there is no overlap: the
   paragraph already is a natural boundary.

Every passage satisfies `article.text[passage.start:passage.end] == passage.text` (tested over every article in
documents/ and the BBC corpus).

    >>> from qa.models import Article
    >>> text = "Title\\n\\nOne two three. Four five six.\\n\\nSeven eight nine."
    >>> article = Article("a", "a.txt", "Title", text, body_start=7)
    >>> [p.text for p in chunk_article(article, chunk_words=6, overlap=1)]
    ['One two three. Four five six.', 'Seven eight nine.']
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa.corpus.sentences import split_paragraphs, split_sentences
from qa.models import Article, Chunk

_WORD = re.compile(r"\S+")


@dataclass(frozen=True, slots=True)
class _Unit:
    """A sentence (or a piece of an over-long one) inside one paragraph."""

    start: int
    end: int
    words: int
    paragraph: int


def _units(article: Article, chunk_words: int) -> list[_Unit]:
    text = article.text
    units: list[_Unit] = []
    for paragraph, (p_start, p_end) in enumerate(split_paragraphs(text, article.body_start, len(text))):
        for s_start, s_end in split_sentences(text, p_start, p_end):
            count = len(text[s_start:s_end].split())  # the same words as _WORD finds, counted at C speed
            if count <= chunk_words:  # a sentence is trimmed: its first word starts it, its last ends it
                units.append(_Unit(s_start, s_end, count, paragraph))
                continue
            words = [m.span() for m in _WORD.finditer(text, s_start, s_end)]
            for i in range(0, len(words), chunk_words):
                piece = words[i : i + chunk_words]
                units.append(_Unit(piece[0][0], piece[-1][1], len(piece), paragraph))
    return units


def chunk_article(article: Article, chunk_words: int, overlap: int) -> list[Chunk]:
    """Split an article's body into passages (see the module docstring for the rules)."""
    if chunk_words < 1 or overlap < 0:
        raise ValueError("chunk_words must be positive and overlap non-negative")
    units = _units(article, chunk_words)
    if not units:  # a title-only article: its title is its only passage
        units = _units(Article(article.id, article.source, article.title, article.text, 0), chunk_words)
    passages: list[Chunk] = []
    i = 0
    while i < len(units):
        j, words = i, 0
        while j < len(units):
            if j > i:
                if words + units[j].words > chunk_words:
                    break
                if units[j].paragraph != units[j - 1].paragraph and words * 2 >= chunk_words:
                    break
            words += units[j].words
            j += 1
        start, end = units[i].start, units[j - 1].end
        passages.append(Chunk(article.id, len(passages) + 1, start, end, article.text[start:end],
                              tuple((unit.start, unit.end) for unit in units[i:j])))
        if j >= len(units):
            break
        mid_paragraph = units[j].paragraph == units[j - 1].paragraph
        i = max(i + 1, j - overlap) if mid_paragraph and overlap else j
    return passages


def passage_spans(article: Article, chunk_words: int, overlap: int
                  ) -> list[tuple[int, int, tuple[tuple[int, int], ...]]]:
    """`chunk_article` as (start, end, sentences) only: what a chunking process sends back (the texts are the
    article's, which the caller already holds)."""
    return [(p.start, p.end, p.sentences) for p in chunk_article(article, chunk_words, overlap)]
