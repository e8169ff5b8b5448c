"""What makes a passage checkable: its best sentence, the words that matched, and why it scored as it did.

All three use the index's own analyzer and BM25 statistics, so they agree with the ranking:

- **Best sentence**: each sentence of the passage scores, for every question term it contains, the term's corpus
  IDF (as in BM25) times its IDF among the passage's sentences, ln(1 + sentences / sentences with the term). The
  second factor discounts words that run through the whole passage, which say nothing about which sentence
  answers; for the same reason the question's terms that are in the article's title do not count at all. A
  question that asks for a date, a number or a name ("when", "how many", "who") gives `KIND_BONUS` more to a
  sentence holding one that the question does not already say. Ties go to the sentence matching more distinct
  question terms, then to the one holding the asked kind, then to the earlier sentence. (On SQuAD v1.1 dev the
  top passage's best sentence holds an answer for 0.703 of the questions; per-sentence BM25 gave 0.648:
  `benchmarks/README-quality.md`.)
- **Highlights**: the character spans (article offsets) of every word whose term is a question term, so
  "cooperate" lights up for a question about "cooperation".
- **Explanation**: for every question term, tf, df, IDF, the length norm and its contribution; the contributions
  add up to the passage's score.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from collections import Counter

from qa.answer.proximity import pair_contributions
from qa.index.reader import Index
from qa.models import BestSentence, ProximityExplanation, Span, TermExplanation
from qa.ranking.analysis import Token


def matched_tokens(index: Index, article_text: str, start: int, end: int, question_terms: Counter[str], *,
                   base: int = 0) -> list[Token]:
    """The words of the passage `article_text[start:end]` whose term is a question term, with article offsets.

    `base`: `article_text` is the article's text from that offset on (`Index.article_window`); offsets (`start`,
    `end` and the tokens') are still the article's. The same holds for `best_sentence` and `holds_kind`.
    """
    return index.analyzer.matching(article_text[start - base : end - base], question_terms, offset=start)


def highlights(tokens: list[Token]) -> list[Span]:
    """Spans of the matched words (`matched_tokens`)."""
    return [Span(token.start, token.end) for token in tokens]


def best_sentence(index: Index, article_text: str, sentences: list[tuple[int, int]], question_terms: Counter[str],
                  tokens: list[Token], title: str = "", kind: str | None = None, *,
                  base: int = 0) -> BestSentence | None:
    """The sentence (of `sentences`, a passage's, in order) that best matches the question.

    `tokens` are the passage's words that match a question term (`matched_tokens`): only they can score. Question
    terms of the article's `title` do not count: the whole article is about them. `kind` (`asked_kind`): a
    sentence holding what the question asks for (a date, a number, a name) scores `KIND_BONUS` more.
    """
    if not sentences:
        return None
    count = len(sentences)
    found = _terms_by_sentence(sentences, tokens)  # only sentences with a matching word; the others score 0
    in_sentences: dict[str, int] = {}
    for terms in found.values():
        for term in terms:
            in_sentences[term] = in_sentences.get(term, 0) + 1
    engine, vocab = index.engine, index.vocab
    subject = index.subject_terms(title) if title else frozenset()
    weights = {}
    for term, times in question_terms.items():
        if (present := in_sentences.get(term)) and term in vocab and term not in subject:
            weights[term] = times * float(engine.idf[vocab[term]]) * math.log(1 + count / present)
    if not weights and subject:  # the question only names the article's subject: let its words choose
        return best_sentence(index, article_text, sentences, question_terms, tokens, "", kind, base=base)
    best: tuple[float, int, bool, int] | None = None  # (score, distinct matches, holds the kind, -position)
    empty = 0
    while empty in found:
        empty += 1
    if empty < count:  # the first sentence without a match: the best of those that score 0 for nothing
        best = (0.0, 0, False, -empty)
    for position, terms in found.items():
        score, distinct = 0.0, 0
        for term, weight in weights.items():  # in the question's order, so that sums are reproducible
            if term in terms:
                score += weight
                distinct += 1
        holds = bool(kind and score > 0 and (best is None or score * (1 + KIND_BONUS) >= best[0])  # else it loses
                     and holds_kind(index, article_text, *sentences[position], kind, question_terms, base=base))
        if holds:
            score *= 1 + KIND_BONUS
        key = (score, distinct, holds, -position)
        if best is None or key > best:
            best = key
    assert best is not None
    a, z = sentences[-best[3]]
    return BestSentence(article_text[a - base : z - base], a, z, round(best[0], 6))


def _terms_by_sentence(sentences: list[tuple[int, int]], tokens: list[Token]) -> dict[int, set[str]]:
    """Sentence position -> the terms of `tokens` in it, for the sentences that hold any (in passage order)."""
    ends = [z for _, z in sentences]
    last = len(sentences) - 1
    found: dict[int, set[str]] = {}
    for token in tokens:  # each word to the sentence it ends in (sentences are in order, words inside them)
        position = min(bisect_left(ends, token.end), last)
        terms = found.get(position)
        if terms is None:
            found[position] = {token.term}
        else:
            terms.add(token.term)
    return found


KIND_BONUS = 0.3
_ASKS = (("date", re.compile(r"\b(?:when|(?:what|which|in what) (?:year|years|month|day|date|century|decade|era)"
                             r"|how long ago)\b", re.I)),
         ("number", re.compile(r"\b(?:how (?:many|much|long|old|far|large|big|tall|high|often|fast)|what (?:percentage"
                               r"|percent|proportion|number|amount|fraction|size|population))\b", re.I)),
         ("name", re.compile(r"\b(?:who|whom|whose|where)\b", re.I)))
_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
_NUMBER_WORDS = ("one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|"
                 "seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundreds?|"
                 "thousands?|millions?|billions?|trillions?|dozens?|half|quarter")
_HOLDS = {"date": re.compile(rf"\b(?:1\d{{3}}|20\d{{2}})s?\b|\b(?:{_MONTHS})\b|\b\w+(?= century\b)", re.I),
          "number": re.compile(rf"\b\d[\d.,]*\b|\b(?:{_NUMBER_WORDS})\b", re.I),
          "name": re.compile(r"(?<=\s)[A-Z][^\W\d_]*(?:['’-][^\W\d_]+)*")}


def asked_kind(question: str) -> str | None:
    """What the question asks for, from its wording alone: "date" (when, what year), "number" (how many, how
    much), "name" (who, where), or None."""
    return next((kind for kind, pattern in _ASKS if pattern.search(question)), None)


def holds_kind(index: Index, text: str, start: int, end: int, kind: str, question_terms: Counter[str], *,
               base: int = 0) -> bool:
    """Whether the sentence `text[start:end]` holds a thing of that kind which the question does not already say
    (a year or month, a number, a capitalised word that does not start the sentence). `base`: as for
    `matched_tokens` (the text must hold the character before the sentence, which the patterns look at)."""
    asked = question_terms.keys()
    for match in _HOLDS[kind].finditer(text, start - base, end - base):
        if kind == "name" and match.start() == start - base:
            continue  # every sentence starts with a capital
        if asked.isdisjoint(index.analyzer.terms(match.group())):
            return True
    return False


def explain(index: Index, passage_id: int, question_terms: Counter[str], score: float) -> list[TermExplanation]:
    """Every question term's BM25 part of the passage's score (unknown terms contribute 0; each term once)."""
    engine = index.engine
    norm = float(engine.length_norm(passage_id))
    parts = []
    for term, times in question_terms.items():
        term_id = index.vocab.get(term)
        if term_id is None:
            parts.append(TermExplanation(term, times, 0, 0, 0.0, norm, 0.0, 0.0))
            continue
        tf, idf, weight = engine.term_stats(term_id, passage_id)
        parts.append(TermExplanation(term, times, tf, engine.doc_freq(term_id), idf, norm, weight,
                                      weight / score if score else 0.0))
    return parts


def explain_proximity(index: Index, terms: dict[int, str], passage_id: int, weight: float,
                      window: int) -> list[ProximityExplanation]:
    """The proximity part of the passage's score, pair by pair (`qa.answer.proximity`); `terms`: id -> term, as
    searched."""
    return [ProximityExplanation([terms[a], terms[b]], near, contribution)
            for a, b, near, contribution in pair_contributions(index, list(terms), passage_id, weight, window)]
