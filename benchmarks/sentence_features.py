"""How far lexical evidence can take the best sentence (issue 18): features fitted under cross-validation, a table.

    .venv/bin/python benchmarks/sentence_features.py                 # SQuAD v1.1 dev, choose half (2.5 min, loaded)
    .venv/bin/python benchmarks/sentence_features.py --folds 6
    QA_SENTENCE_WEIGHT=0 .venv/bin/python benchmarks/sentence_features.py   # the top passages before issue 18's stage

The top passage is `qa eval`'s, so since the best-sentence stage (`qa.answer.sentence_stage`) it is the stage's
choice; the figures in README.md (Measured quality) for this study were measured before it, as the last command does.

For every question of the SQuAD "choose" half whose top passage (qa's ranking, shipped settings) holds a gold
answer in one of its sentences, every sentence of that passage is described by the lexical features below and
labelled by whether it holds an answer. A linear model of the features (listwise: a softmax over the passage's
sentences, fitted by Adam with a little L2) is fitted on some articles and picks one sentence per question on the
others (k-fold cross-validation by article, so no article is both fitted and measured). The figure is
best_sentence@1 over all the half's questions, as `qa eval squad --split choose` counts it: the shipped picker's
row is that command's figure, and the "ceiling" is the share of questions whose top passage holds an answer at
all. Only the choose half is read: nothing here looks at the report half.

The features, per sentence (question terms of the article's title left out, as the shipped picker does):

- `matched`: the shipped picker's first part, sum of IDF x ln(1 + sentences / sentences with the term), scaled to
  the passage's best; `spelled`: its share of the question's words spelled as asked; `window`: the IDF share of
  the question held by the sentence and its two neighbours; `kind`: it holds what is asked (a date for "when", a
  number for "how many", ...), one feature per kind (`qa.answer.sentence.holds_kind`);
- `neighbours`: the IDF share held by the previous sentence and not by this one, and the same for the next;
- `coverage`: the IDF share held by the sentence alone, and the share of distinct question terms;
- `bm25`: BM25 of the question terms in the sentence (k1 1.2, b 0.75, the sentence as the document);
- `phrases`: the share of the question's consecutive term pairs that occur consecutively in the sentence;
- `density`: matched distinct terms over the fewest words that hold them all;
- `candidates`: capitalised words and numbers that the question does not say (answer candidates);
- `position`: first sentence of the passage, relative position, log length in words.
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from qa.answer.evidence import best_sentence, holds_kind, matched_tokens, read_question  # noqa: E402
from qa.answer.search import subject_title  # noqa: E402
from qa.cli.evaluation.data import contains_answer, load_squad  # noqa: E402
from qa.cli.evaluation.run import open_searcher, ranked_texts  # noqa: E402
from qa.config import Settings  # noqa: E402
from qa.index import Index  # noqa: E402

KINDS = ("date", "number", "money", "percent", "name")
GROUPS = {
    "shipped": ["matched", "spelled", "window", *(f"kind:{kind}" for kind in KINDS)],
    "neighbours": ["previous", "next"],
    "coverage": ["coverage", "distinct"],
    "bm25": ["bm25"],
    "phrases": ["bigrams"],
    "density": ["density"],
    "candidates": ["candidates"],
    "position": ["first", "position", "length"],
}
NAMES = [name for group in GROUPS.values() for name in group]
ROWS = (("shipped features, weights fitted", ("shipped",)),
        ("+ neighbours", ("shipped", "neighbours")),
        ("+ neighbours, coverage", ("shipped", "neighbours", "coverage")),
        ("+ bm25, phrases, density", ("shipped", "bm25", "phrases", "density")),
        ("+ candidates, position", ("shipped", "candidates", "position")),
        ("all", tuple(GROUPS)))


@dataclass(slots=True)
class Passage:
    """One question's top passage: its article, a feature row per sentence, and which sentences hold an answer."""

    article: int
    features: np.ndarray
    labels: np.ndarray


def sentence_features(index: Index, question: str, sentences: list[str], title: str) -> np.ndarray:
    """One row of `NAMES` per sentence (see the module docstring)."""
    analyzer = index.analyzer
    asked = read_question(analyzer, question)
    subject = index.subject_terms(title) if title else frozenset()
    idf = {term: float(index.engine.idf[index.vocab[term]]) for term in asked.counts if term in index.vocab}
    idf = {term: value for term, value in idf.items() if term not in subject} or idf
    total = sum(idf.values()) or 1.0
    asked_words = {word for word, term in asked.spelled.items() if term in idf}
    question_terms = [token.term for token in analyzer.tokens(question)]
    pairs = set(zip(question_terms, question_terms[1:], strict=False))
    tokens = [[(sentence[t.start : t.end], t.term) for t in analyzer.tokens(sentence)] for sentence in sentences]
    held = [{term for _, term in words} & idf.keys() for words in tokens]
    count = len(sentences)
    in_sentences = Counter(term for terms in held for term in terms)
    rows = []
    for position, words in enumerate(tokens):
        terms = held[position]
        before = held[position - 1] if position else set()
        after = held[position + 1] if position + 1 < count else set()
        sequence = [term for _, term in words]
        length = max(len(sequence), 1)
        tf = Counter(term for term in sequence if term in idf)
        norm = 1.2 * (0.25 + 0.75 * length / 25)
        text = sentences[position]
        kinds = [float(asked.kind == kind and holds_kind(index, " " + text, 1, len(text) + 1, kind, asked.counts))
                 for kind in KINDS]
        rows.append([
            sum(asked.counts[t] * idf[t] * math.log(1 + count / in_sentences[t]) for t in terms),
            len({word.lower() for word, _ in words} & asked_words) / (len(asked_words) or 1),
            sum(idf[t] for t in terms | before | after) / total,
            *kinds,
            sum(idf[t] for t in before - terms) / total,
            sum(idf[t] for t in after - terms) / total,
            sum(idf[t] for t in terms) / total,
            len(terms) / (len(idf) or 1),
            sum(idf[t] * n * 2.2 / (n + norm) for t, n in tf.items()) / total,
            len(pairs & set(zip(sequence, sequence[1:], strict=False))) / (len(pairs) or 1),
            len(terms) / _span(sequence, terms) if len(terms) > 1 else 0.0,
            min(sum(1 for word, term in words if term not in asked.counts and (word[0].isupper() or word[0].isdigit())),
                10) / 10,
            float(position == 0),
            position / max(count - 1, 1),
            math.log(length),
        ])
    features = np.asarray(rows, np.float64)
    features[:, 0] /= features[:, 0].max() or 1.0
    return features


def _span(sequence: list[str], wanted: set[str]) -> int:
    """The fewest consecutive words of `sequence` that hold every term of `wanted`."""
    best, have, start = len(sequence), Counter[str](), 0
    for end, term in enumerate(sequence):
        have[term] += 1
        while all(have[t] for t in wanted):
            best = min(best, end - start + 1)
            have[sequence[start]] -= 1
            start += 1
    return best


def collect(path: Path) -> tuple[list[Passage], int, int, int]:
    """(passages that can be counted, questions of the half, those the top passage answers, the shipped picker's
    right answers), over the choose half."""
    data = load_squad(path)
    questions = data.in_split("choose")
    passages, shipped, answerable = [], 0, 0
    with tempfile.TemporaryDirectory(prefix="qa-sentence-features-") as work:
        documents = Path(work) / "documents"
        documents.mkdir()
        for number, (_title, text) in enumerate(data.articles):
            with open(documents / f"{number:05d}.txt", "w", encoding="utf-8", newline="") as handle:
                handle.write(text)
        index, searcher = open_searcher(documents, Settings())
        for question in questions:
            hits = ranked_texts(searcher, question.question, 1)
            if not hits:
                continue
            top = hits[0]
            number = index.article_number(top.document_id)
            article, title = index.article_text(number), subject_title(index.articles[number])
            spans = index.passage_sentences(top.passage_id, top.start)
            sentences = [article[a:z] for a, z in spans]
            labels = np.asarray([contains_answer(s, question.answers) for s in sentences], np.float64)
            asked = read_question(index.analyzer, question.question)
            tokens = matched_tokens(index, article, top.start, top.end, asked.counts)
            best = best_sentence(index, article, spans, asked, tokens, title)
            shipped += best is not None and contains_answer(best.text, question.answers)
            if labels.any():
                answerable += 1
                passages.append(Passage(question.article, sentence_features(index, question.question, sentences,
                                                                            title), labels))
        del searcher, index
    return passages, len(questions), answerable, shipped


def fit(passages: list[Passage], columns: list[int], steps: int = 300, l2: float = 1e-3) -> np.ndarray:
    """Weights of a softmax over each passage's sentences, fitted to put its mass on the right ones."""
    features, targets, mask = _padded(passages, columns)
    weights = np.zeros(len(columns))
    first, second = np.zeros_like(weights), np.zeros_like(weights)
    for step in range(1, steps + 1):
        scores = np.where(mask, features @ weights, -np.inf)
        scores -= scores.max(axis=1, keepdims=True)
        chances = np.exp(scores)
        chances /= chances.sum(axis=1, keepdims=True)
        gradient = np.einsum("qs,qsf->f", chances - targets, features) / len(passages) + l2 * weights
        first = 0.9 * first + 0.1 * gradient
        second = 0.999 * second + 0.001 * gradient**2
        weights -= 0.05 * (first / (1 - 0.9**step)) / (np.sqrt(second / (1 - 0.999**step)) + 1e-8)
    return weights


def _padded(passages: list[Passage], columns: list[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    width = max(p.labels.shape[0] for p in passages)
    features = np.zeros((len(passages), width, len(columns)))
    targets = np.zeros((len(passages), width))
    mask = np.zeros((len(passages), width), bool)
    for row, passage in enumerate(passages):
        size = passage.labels.shape[0]
        features[row, :size] = passage.features[:, columns]
        targets[row, :size] = passage.labels / passage.labels.sum()
        mask[row, :size] = True
    return features, targets, mask


def right_picks(passages: list[Passage], columns: list[int], weights: np.ndarray) -> int:
    return sum(bool(p.labels[int(np.argmax(p.features[:, columns] @ weights))]) for p in passages)


def cross_validated(passages: list[Passage], columns: list[int], folds: int) -> int:
    """Right picks when each article's passages are picked by weights fitted on the other folds' articles."""
    articles = sorted({p.article for p in passages})
    right = 0
    for fold in range(folds):
        held = set(articles[fold::folds])
        weights = fit([p for p in passages if p.article not in held], columns)
        right += right_picks([p for p in passages if p.article in held], columns, weights)
    return right


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--folds", type=int, default=4)
    args = parser.parse_args(argv)
    passages, questions, answerable, shipped = collect(args.data / "squad_v1.1" / "dev-v1.1.json")
    print(f"SQuAD v1.1 dev, choose half: {questions} questions; the top passage holds an answer for {answerable}")
    print(f"\n| picker | best sentence@1 (choose half, {args.folds}-fold CV by article) |\n|---|---:|")
    print(f"| shipped picker (as it is) | {shipped / questions:.4f} |")
    for label, groups in ROWS:
        columns = [NAMES.index(name) for group in groups for name in GROUPS[group]]
        print(f"| {label} | {cross_validated(passages, columns, args.folds) / questions:.4f} |", flush=True)
    print(f"| ceiling (the top passage holds an answer) | {answerable / questions:.4f} |")
    columns = list(range(len(NAMES)))
    weights = fit(passages, columns)
    print("\nall features, fitted on the whole half: "
          + ", ".join(f"{name} {weight:+.2f}" for name, weight in zip(NAMES, weights, strict=True)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
