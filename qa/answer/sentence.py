"""The best sentence of a passage: the one a reader should look at first, because it most likely holds the answer.

Every sentence of the passage that holds a question word, or sits next to one that does, scores the sum of:

- **its matched terms**: for every question term it contains, the term's corpus IDF (as in BM25) to the power
  0.75 (`IDF_POWER`) times its IDF among the passage's sentences, ln(1 + sentences / sentences with the term), to
  the power 1.5 (`SPREAD_POWER`), scaled so that the passage's best sentence by this alone has 1. The second factor
  discounts words that run through the whole passage, which say nothing about which sentence answers; for the
  same reason the question's terms that are in the article's title do not count, here or below. Where in the
  passage a word is rare tells which sentence answers better than how rare it is in the collection: a question
  names its subject with rare words, which many sentences about the subject share, and its predicate with common
  ones ("What did Tesla spend Astor's money on?": "Instead, Tesla used the money to fund his Colorado Springs
  experiments.", not "In 1899, John Jacob Astor IV invested $100,000 for Tesla ...").
- **the words as asked** (`SPELLED_WEIGHT`): the share of the question's words that the sentence spells exactly
  as the question does (a question reuses the answering sentence's own words more often than their stems'
  relatives).
- **its neighbourhood** (`WINDOW_WEIGHT`): the share of the question terms' IDF that the sentence and its two
  neighbours hold together: the answer often sits in the sentence that continues one naming the question's
  subject ("... his last statement. The statement was in Latin").
- **what the sentence before says for it** (`PREVIOUS_WEIGHT`): the share of the question terms' IDF held by the
  previous sentence and not by this one. A sentence continues the one before it, not the one after ("Dr. Elif
  Kaya, the project's chief engineer, said ... She retired in 2019." answers "When did the chief engineer
  retire?"), so the previous sentence counts once more.
- **what is asked** (`KIND_BONUS`): a question that asks for a date, a number, an amount of money, a percentage
  or a name ("when", "how many", "how much did it cost", "what percentage", "who") adds a bonus to a sentence
  that holds one the question does not already say.

Ties go to the sentence matching more distinct question terms, then to the earlier one. The weights were chosen
on the "choose" half of SQuAD v1.1 dev (`qa eval squad --split choose`), by fitting a linear model over these
and other candidate features (the others added nothing under cross-validation by article;
`benchmarks/sentence_features.py`), then `PREVIOUS_WEIGHT` on its own (0 / 0.3 / 0.6 / 0.9 / 1.2 give 0.6898 /
0.6929 / 0.6964 / 0.6967 / 0.6925 on the choose half: 0.6 and 0.9 are as good, the smaller was kept); then the
two powers and `PREVIOUS_WEIGHT` again (issue 18, `benchmarks/sentence_picker.py`: the choose half's top passages
fixed, each weight swept with the others shipped; from the earlier weights 0.6985 -> 0.7024; IDF power 0.25 / 0.5 /
0.75 / 1: 0.7011 / 0.7031 / 0.7024 / 0.6997; spread power 1 / 1.5 / 2: 0.7008 / 0.7024 / 0.7031; `PREVIOUS_WEIGHT`
0.45 / 0.6 / 0.75 / 0.9: 0.7008 / 0.7015 / 0.7024 / 0.7010; `SPELLED_WEIGHT` and `WINDOW_WEIGHT` stay, within
0.001 of their best). IDF power 0.5, 4 questions better, was tried first and not kept: it gives the README's
example ("Who co-chaired the first meeting ...?") the meeting's opening sentence instead of the one naming the
co-chairs. Nor is spread power 2 with it (0.7031): a peak, 0.7022 at 1.75 and 0.7011 at 2.25. Choosing the
weights by coordinate ascent on 3 of 4 folds of the choose articles and measuring on the fourth wins 19 questions,
+0.0034, 3 folds of 4 gaining. `README.md` (Measured quality) gives the figures on both halves.

Cost (SQuAD dev, 500-word passages, the function alone): about 45 µs a passage, against 27 µs for the matched
terms and kind alone. The sentences' terms and spellings are bit masks, the asked kind is looked for (a regular
expression over the sentence) only in the sentences that could still win with its bonus, best first, and the
question's IDFs are read once per question (`AskedQuestion.with_idf`). The previous sentence's part adds about a
tenth (the function alone over 8,990 SQuAD top-3 passages, 15 alternating rounds at load average 7-8: fastest
round 56 -> 65 µs, median 90 -> 101 µs).
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from qa.answer.kinds import asked_kind, holds_pattern
from qa.index.reader import Index
from qa.models import BestSentence
from qa.ranking.analysis import TextAnalyzer, Token

SPELLED_WEIGHT = 1.0
WINDOW_WEIGHT = 0.9
PREVIOUS_WEIGHT = 0.75
IDF_POWER = 0.75
SPREAD_POWER = 1.5
KIND_BONUS = {"date": 0.8, "number": 0.6, "money": 1.0, "percent": 1.0, "name": 0.2}


@dataclass(frozen=True, slots=True)
class AskedQuestion:
    """A question as the evidence reads it: its terms, its words as asked, and what it asks for."""

    counts: Counter[str]
    """Term -> how often the question says it."""
    words: dict[str, str]
    """Term -> the question's first word with that term, as typed ("cooperate" for "cooper")."""
    spelled: dict[str, str]
    """The question's searchable words, lowercased -> their terms."""
    kind: str | None
    """What it asks for (`asked_kind`)."""
    idf: dict[str, float] = field(default_factory=dict)
    """Term -> its IDF in the index, for the terms the index holds (`with_idf`; read once per question)."""

    def with_idf(self, index: Index) -> AskedQuestion:
        """The same question with the IDF of its terms in `index`."""
        engine, vocab = index.engine, index.vocab
        idf = {term: float(engine.idf[vocab[term]]) for term in self.counts if term in vocab}
        return AskedQuestion(self.counts, self.words, self.spelled, self.kind, idf)


def read_question(analyzer: TextAnalyzer, question: str,
                  searched: Iterable[tuple[str, str]] | None = None) -> AskedQuestion:
    """`question` read once for the evidence of all its passages; `searched`: its (word as asked, term) pairs
    when already found (as `Searcher.rank` keeps them), else the analyzer finds them."""
    if searched is None:
        searched = [(question[token.start : token.end], token.term) for token in analyzer.tokens(question)]
    pairs = list(searched)
    words: dict[str, str] = {}
    for word, term in pairs:
        words.setdefault(term, word)
    return AskedQuestion(Counter(term for _, term in pairs), words, {word.lower(): term for word, term in pairs},
                         asked_kind(question))


def best_sentence(index: Index, article_text: str, sentences: list[tuple[int, int]], question: AskedQuestion,
                  tokens: list[Token], title: str = "", *, base: int = 0,
                  analyzer: TextAnalyzer | None = None) -> BestSentence | None:
    """The sentence (of `sentences`, a passage's, in order) that most likely answers the question.

    `tokens` are the passage's words that match a question term (`qa.answer.evidence.matched_tokens`): only the
    sentences holding them, and their neighbours, can score. Question terms of the article's `title` do not count
    for the matched terms' part: the whole article is about them. `base`: `article_text` is the article's text
    from that offset on (`Index.article_window`); offsets are the article's. `analyzer`: the article's
    (`Index.analyzer_of`), for its title's terms; the folder's main one by default.
    """
    if not sentences:
        return None
    count = len(sentences)
    if not question.idf and question.counts:
        question = question.with_idf(index)
    subject = index.subject_terms(title, analyzer) if title else frozenset()
    idf = {term: value for term, value in question.idf.items() if term not in subject}
    if subject and not any(token.term in idf for token in tokens):  # no weights below: let the subject's words
        return best_sentence(index, article_text, sentences, question, tokens, "", base=base,  # choose at once
                             analyzer=analyzer)
    asked = {word: 1 << number for number, word in enumerate(
        word for word, term in question.spelled.items() if term not in subject)}
    bits = {term: 1 << number for number, term in enumerate(question.counts)}
    found, spelled = _by_sentence(sentences, tokens, article_text, base, bits, asked)
    weights = {}
    for term, times in question.counts.items():
        present = len(found) - [mask & bits[term] for mask in found.values()].count(0) if term in idf else 0
        if present:
            weights[term] = (times * math.copysign(abs(idf[term]) ** IDF_POWER, idf[term])
                             * math.log(1 + count / present) ** SPREAD_POWER)
    if not weights and subject:  # the question only names the article's subject: let its words choose
        return best_sentence(index, article_text, sentences, question, tokens, "", base=base, analyzer=analyzer)
    weighed = [(bits[term], weight) for term, weight in weights.items()]  # in the question's order
    valued = [(bits[term], value) for term, value in idf.items()]
    matched = {position: sum(weight for bit, weight in weighed if mask & bit) for position, mask in found.items()}
    top = max(matched.values(), default=0.0) or 1.0
    total_idf = sum(idf.values()) or 1.0
    asked_words = len(asked) or 1
    weighed_mask = sum(bit for bit, _ in weighed)
    covered: dict[int, float] = {0: 0.0}  # terms mask -> the share of the question's IDF it holds
    scored = []  # (score without the bonus, distinct matched terms, -position)
    for position in _candidates(found, count):
        mask = found.get(position, 0)
        before = found.get(position - 1, 0)
        window = mask | before | found.get(position + 1, 0)
        coverage = covered.get(window)
        if coverage is None:
            coverage = covered[window] = sum(value for bit, value in valued if window & bit) / total_idf
        before &= ~mask  # what only the previous sentence says
        previous = covered.get(before)
        if previous is None:
            previous = covered[before] = sum(value for bit, value in valued if before & bit) / total_idf
        score = (matched.get(position, 0.0) / top + SPELLED_WEIGHT * spelled.get(position, 0).bit_count() / asked_words
                 + WINDOW_WEIGHT * coverage + PREVIOUS_WEIGHT * previous)
        scored.append((score, (mask & weighed_mask).bit_count(), -position))
    if not scored:  # no question word in the passage: its first sentence, which says nothing asked for
        a, z = sentences[0]
        return BestSentence(article_text[a - base : z - base], a, z, 0.0)
    scored.sort(reverse=True)
    bonus = KIND_BONUS.get(question.kind or "", 0.0)
    best = scored[0]
    for score, distinct, negative in scored if bonus else ():  # best first: stop where even a bonus cannot win
        if score + bonus < best[0]:
            break
        if holds_kind(index, article_text, *sentences[-negative], question.kind or "", question.counts, base=base,
                      analyzer=analyzer):
            best = max(best, (score + bonus, distinct, negative))
    a, z = sentences[-best[2]]
    return BestSentence(article_text[a - base : z - base], a, z, round(best[0], 6))


def _by_sentence(sentences: list[tuple[int, int]], tokens: list[Token], text: str, base: int, bits: dict[str, int],
                 asked: dict[str, int]) -> tuple[dict[int, int], dict[int, int]]:
    """Sentence position -> the terms of `tokens` in it, and -> its words spelled as the question spells them
    (`asked`), as bit masks (`bits`, `asked`: one bit per term, per word), for the sentences that hold any."""
    ends = [z for _, z in sentences]
    last = len(sentences) - 1
    found: dict[int, int] = {}
    spelled: dict[int, int] = {}
    for token in tokens:  # each word to the sentence it ends in (sentences are in order, words inside them)
        position = min(bisect_left(ends, token.end), last)
        found[position] = found.get(position, 0) | bits.get(token.term, 0)
        word = asked.get(text[token.start - base : token.end - base].lower())
        if word:
            spelled[position] = spelled.get(position, 0) | word
    return found, spelled


def _candidates(found: dict[int, int], count: int) -> list[int]:
    """The sentences that can score: those holding a question word and their neighbours, in passage order."""
    return sorted({near for position in found for near in (position - 1, position, position + 1) if 0 <= near < count})


def holds_kind(index: Index, text: str, start: int, end: int, kind: str, question_terms: Counter[str], *,
               base: int = 0, analyzer: TextAnalyzer | None = None) -> bool:
    """Whether the sentence `text[start:end]` holds a thing of that kind which the question does not already say
    (a year or month, a number, an amount of money, a percentage, a capitalised word that does not start the
    sentence). `base`: as for `best_sentence` (the text must hold the character before the sentence, which the
    patterns look at)."""
    asked = question_terms.keys()
    analyzer = analyzer or index.analyzer
    for match in holds_pattern(kind, analyzer.language).finditer(text, start - base, end - base):
        if kind == "name" and match.start() == start - base:
            continue  # every sentence starts with a capital
        if asked.isdisjoint(analyzer.terms(match.group())):
            return True
    return False
