"""What each retrieval choice does to quality, on BEIR SciFact and SQuAD v1.1 dev: prints a markdown table.

    python benchmarks/quality.py                          # every row, both sets (~10 min on 2 cores)
    python benchmarks/quality.py --rows default k1=0.9    # some rows
    python benchmarks/quality.py --data ../shared/data --only squad
    python benchmarks/quality.py --rows default --split report   # the held-out figures, once

Choices are made on the "choose" split (the default): SciFact's train queries (qrels/train.tsv) and the "choose"
half of the SQuAD articles (`qa.cli.evaluation.squad_halves`). `--split report` measures SciFact's test queries
and the other half of the SQuAD articles: the figures quoted, which nothing is tuned on.

Every row is measured exactly as `qa eval` measures (`qa.cli.evaluation.evaluate_beir` / `evaluate_squad`: the real
ingest, chunker, analyzer, engine and `Searcher.ask`), with the shipped defaults except what the row names.
Rows marked "prototype" change code qa does not ship, by patching it for the run only:

- `idf=lucene`: Lucene's IDF `ln(1 + (N - df + 0.5) / (df + 0.5))` (never negative, no epsilon floor) in place
  of rank-bm25's BM25Okapi IDF (`qa.engine.okapi_idf` patched);
- `stemmer=porter`: NLTK's Porter stemmer in place of Snowball English (`qa.analysis._snowball_english`);
- `stopwords=none`: no stopword list (`qa.analysis.load_stopwords`);
- `BM25+` / `BM25L`: Lv & Zhai's lower-bounded term weights (`qa.ranking.bm25.term_weight` patched where the
  NumPy loops call it, which then answer), qa's IDF;
- `rm3`: pseudo-relevance feedback, Anserini's RM3 recipe (10 feedback passages, 10 terms, question weight 0.5),
  ranking done in a `Searcher` subclass of this script;
- `title x2` (BEIR only): the record's title also starts its body, so title words count twice;
- `analyzer v1`: the analyzer before Greek letters became words of their own and acronym plurals lost their "s"
  (`qa.analysis._WORD`, `GREEK_LETTERS`, `_ACRONYM_PLURAL` patched back);
- `repeats count`: a question term counts once per occurrence in the question, as in rank-bm25
  (`qa.search.searched_once` patched to keep repeats).

BEIR records are always indexed whole (one record, one passage), so chunking rows do not change SciFact.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from qa.cli.evaluation import evaluate_beir, evaluate_squad, load_beir, load_squad  # noqa: E402
from qa.config import Settings  # noqa: E402


def lucene_idf(doc_freq: np.ndarray, n_docs: int, epsilon: float) -> np.ndarray:
    df = doc_freq.astype(np.float64)
    return np.log1p((n_docs - df + 0.5) / (df + 0.5))


def porter_stemmer() -> Any:
    from nltk.stem.porter import PorterStemmer

    return PorterStemmer().stem


def _weight_variant(variant: str, delta: float) -> Any:
    """`qa.ranking.bm25.term_weight` for BM25+ (Lv & Zhai 2011) or BM25L (Lv & Zhai 2011), with qa's IDF.

    The index stores no weights (they are computed from tf, IDF and the length norm k1 * (1 - b + b * |d| /
    avgdl)), and the compiled kernels hold the shipped formula, so a variant runs with the NumPy loops
    (`qa.ranking.loops.numpy_only`) and this formula patched where they call it.
    """

    def weight(tf: Any, idf: Any, norm: Any, k1: float) -> Any:
        if variant == "bm25+":
            return idf * (tf * (k1 + 1) / (tf + norm) + delta)
        c = tf * k1 / norm  # bm25l: tf / (1 - b + b * |d| / avgdl)
        return idf * (k1 + 1) * (c + delta) / (k1 + c + delta)

    return weight


def _title_twice_writer() -> Any:
    """BEIR records written with their title repeated at the head of the body: the title counts twice."""
    from qa.cli.evaluation import run as evaluation_run

    original = evaluation_run._write_article

    def write(folder: Path, name: str, title: str, body: str) -> None:
        original(folder, name, title, f"{title}\n\n{body}")

    return write


def _rm3_searcher_class(fb_docs: int = 10, fb_terms: int = 10, original_weight: float = 0.5) -> Any:
    """A ranking searcher whose ranking is BM25 + RM3 (Anserini's recipe: the top `fb_docs` passages, weighted by
    their BM25 score, give a relevance model P(t|R) from their term frequencies; its `fb_terms` best terms are
    mixed with the question's own term distribution, `original_weight` for the question, and every passage is
    scored by sum_t w(t) * BM25(t, passage))."""
    from collections import Counter

    from qa.answer.search import Searcher as base

    class RM3Searcher(base):  # type: ignore[misc, valid-type]
        def _diverse_top(self, term_ids: list[int], top_k: int, *args: Any,
                         **kwargs: Any) -> list[tuple[int, float, bool]]:
            index, engine = self.index, self.index.engine
            first_docs, first_scores = engine.top_k(term_ids, fb_docs)
            if not len(first_docs):
                return []
            relevance: Counter[int] = Counter()
            total = float(np.sum(first_scores)) or 1.0
            for passage_id, score in zip(first_docs.tolist(), first_scores.tolist(), strict=False):
                article, start, end, _ = index.passage(passage_id)
                terms = index.term_ids(index.analyzer.terms(index.articles[article].title)
                                       + index.analyzer.terms(index.article_text(article)[start:end]))
                for term, count in Counter(terms).items():
                    relevance[term] += (score / total) * count / max(len(terms), 1)
            expansion = dict(relevance.most_common(fb_terms))
            norm = sum(expansion.values()) or 1.0
            query = Counter(term_ids)
            weights: Counter[int] = Counter()
            for term, count in query.items():
                weights[term] += original_weight * count / len(term_ids)
            for term, value in expansion.items():
                weights[term] += (1 - original_weight) * value / norm
            scores = np.zeros(engine.n_docs)
            for term, weight in weights.items():
                scores += weight * engine.scores([term])
            order = np.argsort(-scores, kind="stable")[:top_k]
            return [(int(p), float(scores[p]), False) for p in order if scores[p] > 0]

    return lambda: RM3Searcher


@contextmanager
def prototype(*names: str) -> Iterator[None]:
    with ExitStack() as stack:
        for name in names:
            if name == "idf=lucene":
                stack.enter_context(mock.patch("qa.ranking.engine.okapi_idf", lucene_idf))
            elif name == "stemmer=porter":
                stack.enter_context(mock.patch("qa.ranking.analysis._snowball_english", porter_stemmer))
            elif name == "stopwords=none":
                stack.enter_context(mock.patch("qa.ranking.analysis.load_stopwords", lambda: frozenset()))
            elif name in ("bm25+", "bm25l"):
                from qa.ranking import loops

                weight = _weight_variant(name, 1.0 if name == "bm25+" else 0.5)
                for where in ("qa.ranking.plain", "qa.ranking.engine", "qa.answer.proximity"):
                    stack.enter_context(mock.patch(f"{where}.term_weight", weight))
                stack.enter_context(loops.numpy_only())
            elif name == "rm3":
                stack.enter_context(mock.patch("qa.cli.evaluation.run.Searcher", _rm3_searcher_class()()))
            elif name == "analyzer v1":
                stack.enter_context(mock.patch("qa.ranking.analysis._WORD", re.compile(
                    r"[^\W_]+(?:(?:(?<=\d)[.,](?=\d)|['’](?=[^\W_]))[^\W_]+)*")))
                stack.enter_context(mock.patch("qa.ranking.analysis.GREEK_LETTERS", {}))
                stack.enter_context(mock.patch("qa.ranking.analysis._ACRONYM_PLURAL", re.compile(r"(?!)")))
            elif name == "repeats count":
                stack.enter_context(mock.patch("qa.answer.search.searched_once", list))
            elif name == "title x2":
                stack.enter_context(mock.patch("qa.cli.evaluation.run._write_article", _title_twice_writer()))
            else:
                raise ValueError(name)
        yield


# (row name, Settings overrides, prototype patches). "default" is whatever qa/config.py ships.
ROWS: list[tuple[str, dict[str, Any], tuple[str, ...]]] = [
    ("default", {}, ()),
    ("no proximity stage", {"proximity_weight": 0.0}, ()),
    ("proximity_weight=0.1", {"proximity_weight": 0.1}, ()),
    ("proximity_weight=0.3", {"proximity_weight": 0.3}, ()),
    ("proximity_window=5", {"proximity_window": 5}, ()),
    ("proximity_window=20", {"proximity_window": 20}, ()),
    ("analyzer v1 (prototype)", {}, ("analyzer v1",)),
    ("repeats count (prototype)", {}, ("repeats count",)),
    ("analyzer v1 + repeats count + no proximity (prototype): the previous defaults", {"proximity_weight": 0.0},
     ("analyzer v1", "repeats count")),
    ("v0.1 defaults (k1 1.2, b 0.75, 100 words, overlap 1)",
     {"k1": 1.2, "b": 0.75, "epsilon": 0.25, "chunk_words": 100, "chunk_overlap": 1, "title_in_passages": True}, ()),
    ("k1=0.6", {"k1": 0.6}, ()),
    ("k1=0.9", {"k1": 0.9}, ()),
    ("k1=1.2", {"k1": 1.2}, ()),
    ("k1=1.5", {"k1": 1.5}, ()),
    ("b=0.4", {"b": 0.4}, ()),
    ("b=0.6", {"b": 0.6}, ()),
    ("b=0.75", {"b": 0.75}, ()),
    ("b=0.9", {"b": 0.9}, ()),
    ("epsilon=0", {"epsilon": 0.0}, ()),
    ("no title in passages", {"title_in_passages": False}, ()),
    ("chunk_words=100", {"chunk_words": 100}, ()),
    ("chunk_words=150", {"chunk_words": 150}, ()),
    ("chunk_words=200", {"chunk_words": 200}, ()),
    ("chunk_words=250", {"chunk_words": 250}, ()),
    ("chunk_words=300", {"chunk_words": 300}, ()),
    ("chunk_words=400", {"chunk_words": 400}, ()),
    ("chunk_words=500", {"chunk_words": 500}, ()),
    ("chunk_words=600", {"chunk_words": 600}, ()),
    ("chunk_overlap=0", {"chunk_overlap": 0}, ()),
    ("chunk_overlap=1", {"chunk_overlap": 1}, ()),
    ("chunk_overlap=2", {"chunk_overlap": 2}, ()),
    ("idf=lucene (prototype)", {}, ("idf=lucene",)),
    ("stemmer=porter (prototype)", {}, ("stemmer=porter",)),
    ("stopwords=none (prototype)", {}, ("stopwords=none",)),
    ("BM25+ delta 1 (prototype)", {}, ("bm25+",)),
    ("BM25L delta 0.5 (prototype)", {}, ("bm25l",)),
    ("BEIR title counted twice (prototype)", {}, ("title x2",)),
    ("RM3 10 docs, 10 terms, 0.5 (prototype; no proximity stage)", {"proximity_weight": 0.0}, ("rm3",)),
    ("BEIR title twice + k1=1.5, b=0.9 (prototype)", {"k1": 1.5, "b": 0.9}, ("title x2",)),
    ("BM25+ + k1=1.5, b=0.9 (prototype)", {"k1": 1.5, "b": 0.9}, ("bm25+",)),
    ("BM25+ + chunk_words=300 (prototype)", {"chunk_words": 300}, ("bm25+",)),
    ("BM25L + chunk_words=300 (prototype)", {"chunk_words": 300}, ("bm25l",)),
    ("k1=0.9, chunk_words=400", {"k1": 0.9, "chunk_words": 400}, ()),
]

CHUNK_ONLY = ("chunk_words", "chunk_overlap")


def _value(key: str, value: str) -> Any:
    if value in ("true", "false"):
        return value == "true"
    return int(value) if key in CHUNK_ONLY else float(value)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data", help="../shared/data")
    parser.add_argument("--only", choices=["beir", "squad"], help="measure one set")
    parser.add_argument("--rows", nargs="*", help="row names (prefixes) to run [all]")
    parser.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE",
                        help="extra rows, e.g. 'k1=0.9,b=0.6,chunk_words=200'")
    parser.add_argument("--split", choices=["choose", "report"], default="choose",
                        help="choose: SciFact train queries and the SQuAD choose half (default); report: SciFact "
                        "test queries and the SQuAD report half")
    args = parser.parse_args(argv)
    beir_split, squad_split = ("train", "choose") if args.split == "choose" else ("test", "report")
    rows = [row for row in ROWS if not args.rows or any(row[0].startswith(p) for p in args.rows)]
    for spec in args.set:
        overrides = {}
        for item in spec.split(","):
            key, value = item.split("=")
            overrides[key] = _value(key, value)
        rows.append((spec, overrides, ()))
    beir = load_beir(args.data / "beir_scifact", beir_split) if args.only != "squad" else None
    squad = load_squad(args.data / "squad_v1.1" / "dev-v1.1.json") if args.only != "beir" else None
    print(f"Split: {args.split} (SciFact {beir_split} queries, SQuAD {squad_split} half)\n")
    print("| choice | settings | SciFact nDCG@10 | R@100 | MRR@10 | SQuAD ans@1 | ans@5 | ans@20 | span@1 | best@1 "
          "| passages |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    beir_cache: dict[str, dict[str, Any]] = {}
    for name, overrides, patches in rows:
        settings = Settings(**overrides)
        fingerprint = settings.ranking_fingerprint()
        cells = ["", "", ""]
        with prototype(*patches):
            if beir is not None:
                key = repr(({k: v for k, v in fingerprint.items() if k not in CHUNK_ONLY}, patches))
                if key not in beir_cache:  # chunking does not change BEIR (records are indexed whole)
                    beir_cache[key] = evaluate_beir(args.data / "beir_scifact", settings, beir)
                result = beir_cache[key]
                cells = [f"{result['ndcg@10']:.4f}", f"{result['recall@100']:.4f}", f"{result['mrr@10']:.4f}"]
            squad_cells = ["", "", "", "", "", ""]
            if squad is not None:
                result = evaluate_squad(args.data / "squad_v1.1" / "dev-v1.1.json", settings, squad, split=squad_split)
                squad_cells = [f"{result[k]:.4f}" for k in ("answer_recall@1", "answer_recall@5", "answer_recall@20",
                                                            "span_overlap@1", "best_sentence@1")] + [
                    str(result["passages"])]
        shown = ", ".join(f"{k}={v}" for k, v in fingerprint.items())
        print(f"| {name} | {shown} | " + " | ".join(cells + squad_cells) + " |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
