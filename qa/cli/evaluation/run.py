"""Running the benchmarks through qa's own pipeline, and the metrics.

How a benchmark becomes a qa corpus is said in `qa.cli.evaluation`.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qa.answer.search import RankedPassage, Ranking, Searcher
from qa.answer.sentence_stage import SENTENCE_DEPTH, reordered, stage_order
from qa.cli.evaluation.data import (
    BEIR_SPLITS,
    SQUAD_SPLITS,
    BeirData,
    SquadData,
    contains_answer,
    load_beir,
    load_squad,
    normalize_answer,
    overlaps,
)
from qa.config import MAX_TOP_K, Settings
from qa.corpus.extracted import one_line
from qa.errors import EvaluationDataError, InvalidQuestion, QAError, UsageError
from qa.models import BestSentence

if TYPE_CHECKING:
    from qa.index import Index

BEIR_CHUNK_WORDS = 2000
"""Passage length used for BEIR, the largest `Settings.chunk_words` allows: one record, one passage."""

SQUAD_KS = (1, 5, 20)
BEIR_DEPTH = MAX_TOP_K  # Recall@100 needs the top 100


def _write_article(folder: Path, name: str, title: str, body: str) -> None:
    with open(folder / f"{name}.txt", "w", encoding="utf-8", newline="") as handle:
        handle.write(f"{title}\n\n{body}" if body else title)


@dataclass(frozen=True, slots=True)
class RankedText:
    """What the evaluation needs of a ranked passage: where it is, and its text."""

    rank: int
    passage_id: int
    document_id: str
    start: int
    end: int
    text: str
    best_sentence: BestSentence | None = None
    """Its best sentence, for the passages the best-sentence stage saw (`qa.answer.sentence_stage.reordered`)."""


@contextmanager
def squad_searcher(data: SquadData, settings: Settings, prefix: str = "qa-eval-squad-"
                   ) -> Iterator[tuple[Index, Searcher]]:
    """SQuAD's articles written one a file (named by their number, so a hit's document id is its article's) into a
    temporary folder and indexed (`open_searcher`); the folder is removed on leaving."""
    with tempfile.TemporaryDirectory(prefix=prefix) as work:
        documents = Path(work) / "documents"
        documents.mkdir()
        for number, (_title, text) in enumerate(data.articles):
            with open(documents / f"{number:05d}.txt", "w", encoding="utf-8", newline="") as handle:
                handle.write(text)
        yield open_searcher(documents, settings)


def open_searcher(documents: Path, settings: Settings) -> tuple[Index, Searcher]:
    """Index `documents` (index in a sibling folder `index`) and return (Index, Searcher)."""
    from qa.index import open_index

    run_settings = settings.model_copy(update={"documents": documents, "index_dir": documents.parent / "index"})
    index = open_index(run_settings)
    return index, Searcher.from_settings(index, settings)


def ranked_texts(searcher: Searcher, question: str, top_k: int) -> list[RankedText]:
    """The first `top_k` passages in the order `Searcher.ask` gives them: the ranking, the first passages the
    best-sentence stage sees cited and put in its order (`qa.answer.sentence_stage`); those carry their best
    sentence."""
    try:
        ranking = searcher.rank(question, top_k=top_k)
    except InvalidQuestion:  # e.g. over 2,000 characters: counted as answered with nothing
        return []
    ranked = ranking.passages
    # the passages the stage sees, and at least the first 3 of a question it leaves alone: their best sentences
    # are what `qa ask` shows (best sentence@1 counts a statement's too)
    seen = min(max(reordered(question, searcher.sentence_weight, searcher.sentence_weight_rest), SENTENCE_DEPTH),
               len(ranked))

    def some(positions: list[int]) -> Ranking:
        return replace(ranking, passages=[ranked[n] for n in positions])

    head = [_with_text(searcher.index, ranked[n], passage.best_sentence) for n, passage in stage_order(
        question, [p.score for p in ranked[:seen]], lambda positions: searcher.cite(question, some(positions)),
        lambda positions, kinds: searcher.sentence_scores(question, some(positions), kinds=kinds),
        searcher.sentence_weight,
        searcher.sentence_weight_rest, seen)]
    return [replace(hit, rank=rank) for rank, hit in enumerate(
        head + [_with_text(searcher.index, passage) for passage in ranked[len(head):]], start=1)]


def _with_text(index: Index, ranked: RankedPassage, best: BestSentence | None = None) -> RankedText:
    article_number, start, end, _ = index.passage(ranked.passage_id)
    text = index.article_text(article_number)[start:end]
    return RankedText(ranked.rank, ranked.passage_id, index.articles[article_number].id, start, end, text, best)


def evaluate_beir(folder: Path, settings: Settings, data: BeirData | None = None, *,
                  split: str = "test") -> dict[str, Any]:
    """nDCG@10, Recall@100 and MRR@10 of qa on a BEIR folder's queries judged in `qrels/<split>.tsv` ("test" to
    report, "train" to choose on; `data`, when given, says its own split). See the module docstring."""
    data = data or load_beir(folder, split)
    started = time.perf_counter()
    settings = settings.model_copy(update={"chunk_words": BEIR_CHUNK_WORDS, "chunk_overlap": 0})
    with tempfile.TemporaryDirectory(prefix="qa-eval-beir-") as work:
        documents = Path(work) / "documents"
        documents.mkdir()
        for number, (doc_id, title, text) in enumerate(data.corpus):
            _write_article(documents, f"{number:07d}", one_line(title) or doc_id, text)
        index, searcher = open_searcher(documents, settings)
        indexed = time.perf_counter()
        several = [info.id for info in index.articles if info.n_passages != 1]
        if several or len(index.articles) != len(data.corpus):
            raise EvaluationDataError(
                f"BEIR records must be indexed whole: {len(several)} record(s) became several passages (longer "
                f"than {BEIR_CHUNK_WORDS // 2} words with paragraph breaks, or {BEIR_CHUNK_WORDS}), "
                f"{len(data.corpus) - len(index.articles)} were skipped (empty)")
        doc_ids = [data.corpus[int(info.id)][0] for info in index.articles]
        run: dict[str, dict[str, float]] = {}
        for qid in data.qrels:
            hits = ranked_texts(searcher, data.queries[qid], BEIR_DEPTH)
            run[qid] = {doc_ids[index.article_number(hit.document_id)]: float(BEIR_DEPTH - rank)
                        for rank, hit in enumerate(hits)}
        passages = int(index.manifest["passages"])
        del searcher, index
    metrics = trec_metrics(data.qrels, run)
    return {"dataset": "beir", "path": str(folder), "split": data.split, "records": len(data.corpus),
            "passages": passages, "queries": len(data.qrels), **metrics, "settings": _settings_report(settings),
            "index_seconds": round(indexed - started, 2), "seconds": round(time.perf_counter() - started, 2)}


def trec_metrics(qrels: dict[str, dict[str, int]], run: dict[str, dict[str, float]]) -> dict[str, float]:
    """nDCG@10, Recall@100, MRR@10 by pytrec_eval, averaged over every judged query (absent from run = 0)."""
    try:
        import pytrec_eval
    except ImportError:
        raise QAError("qa eval needs pytrec_eval: pip install pytrec_eval-terrier (or pip install -e '.[test]')"
                      ) from None
    run = {qid: {doc: score for doc, score in docs.items()} for qid, docs in run.items() if docs}
    top10 = {qid: dict(sorted(docs.items(), key=lambda item: -item[1])[:10]) for qid, docs in run.items()}
    full = pytrec_eval.RelevanceEvaluator(qrels, {"ndcg_cut_10", "recall_100"}).evaluate(run)
    cut = pytrec_eval.RelevanceEvaluator(qrels, {"recip_rank"}).evaluate(top10)
    n = len(qrels)
    return {
        "ndcg@10": round(sum(full.get(q, {}).get("ndcg_cut_10", 0.0) for q in qrels) / n, 4),
        "recall@100": round(sum(full.get(q, {}).get("recall_100", 0.0) for q in qrels) / n, 4),
        "mrr@10": round(sum(cut.get(q, {}).get("recip_rank", 0.0) for q in qrels) / n, 4),
    }


def evaluate_squad(path: Path, settings: Settings, data: SquadData | None = None, *,
                   split: str = "report") -> dict[str, Any]:
    """Answer recall@1/5/20, span overlap@1 and best sentence@1 of qa's own passages on a SQuAD v1.1 file, over
    the questions of one half of its articles (`split`: "choose", "report" or "all"; see `squad_halves`). Every
    article is indexed whatever the split, so that the other half's passages compete as they would."""
    data = data or load_squad(path)
    questions = data.in_split(split)
    started = time.perf_counter()
    depth = max(SQUAD_KS)
    found = dict.fromkeys(SQUAD_KS, 0)
    overlap = 0
    best_found = 0
    normal_cache: dict[tuple[str, int, int], str] = {}
    with squad_searcher(data, settings) as (index, searcher):
        indexed = time.perf_counter()
        if len(index.articles) != len(data.articles):
            raise QAError(f"{len(data.articles) - len(index.articles)} SQuAD article(s) were not indexed")
        for question in questions:
            hits = ranked_texts(searcher, question.question, depth)
            first = next((rank for rank, hit in enumerate(hits, start=1)
                          if contains_answer(_normalized(normal_cache, hit), question.answers, normalized=True)),
                         None)
            for k in SQUAD_KS:
                found[k] += first is not None and first <= k
            if hits and int(hits[0].document_id) == question.article:
                overlap += overlaps(hits[0].start, hits[0].end, question.spans)
            best = hits[0].best_sentence if hits else None
            best_found += best is not None and contains_answer(best.text, question.answers)
        passages = int(index.manifest["passages"])
        del searcher, index
    n = max(len(questions), 1)
    return {"dataset": "squad", "path": str(path), "split": split, "articles": len(data.articles),
            "split_articles": len({q.article for q in questions}), "passages": passages,
            "questions": len(questions), **{f"answer_recall@{k}": round(found[k] / n, 4) for k in SQUAD_KS},
            "span_overlap@1": round(overlap / n, 4), "best_sentence@1": round(best_found / n, 4),
            "span_mismatches": data.span_mismatches,
            "settings": _settings_report(settings), "index_seconds": round(indexed - started, 2),
            "seconds": round(time.perf_counter() - started, 2)}


def _normalized(cache: dict[tuple[str, int, int], str], hit: RankedText) -> str:
    key = (hit.document_id, hit.start, hit.end)
    text = cache.get(key)
    if text is None:
        text = cache[key] = normalize_answer(hit.text)
    return text


def _settings_report(settings: Settings) -> dict[str, Any]:
    return settings.ranking_fingerprint()



_LABELS = {"ndcg@10": "nDCG@10", "recall@100": "Recall@100", "mrr@10": "MRR@10"}


DEFAULT_SPLITS = {"beir": "test", "squad": "report", "multilingual": "report"}
"""What `qa eval` measures unless told: the held-out queries and articles, whose figures may be quoted."""
SPLITS = {"beir": BEIR_SPLITS, "squad": (*SQUAD_SPLITS, "all"), "multilingual": (*SQUAD_SPLITS, "all")}


def run_eval(dataset: str, path: Path, settings: Settings, as_json: bool, split: str | None = None) -> int:
    """`qa eval beir|squad PATH`: print the figures (a table, or one JSON object with `as_json`) of one split
    (`DEFAULT_SPLITS` unless `split` says)."""
    split = split or DEFAULT_SPLITS[dataset]
    if split not in SPLITS[dataset]:
        raise UsageError(f"--split {split} does not apply to {dataset}: use {' or '.join(SPLITS[dataset])}")
    if dataset == "multilingual":
        from qa.cli.evaluation.multilingual import evaluate_multilingual, print_multilingual

        result = evaluate_multilingual(path, settings, split=split)
        if as_json:
            print(json.dumps(result, ensure_ascii=False))
        else:
            print_multilingual(result)
        return 0
    if dataset == "beir":
        result = evaluate_beir(path, settings, split=split)
        rows = [(_LABELS[key], result[key]) for key in ("ndcg@10", "recall@100", "mrr@10")]
        heading = f"BEIR {path}: {result['records']} records, {result['queries']} {split} queries"
    else:
        result = evaluate_squad(path, settings, split=split)
        rows = [(f"answer recall@{k}", result[f"answer_recall@{k}"]) for k in SQUAD_KS]
        rows.append(("span overlap@1", result["span_overlap@1"]))
        rows.append(("best sentence@1", result["best_sentence@1"]))
        half = "all articles" if split == "all" else f"the {split} half: {result['split_articles']} articles"
        heading = (f"SQuAD {path}: {result['articles']} articles -> {result['passages']} passages; "
                   f"{result['questions']} questions of {half}")
    if as_json:
        print(json.dumps(result))
        return 0
    print(heading)
    for label, value in rows:
        print(f"  {label:<18} {value:.4f}")
    print("  settings: " + ", ".join(f"{key}={value}" for key, value in result["settings"].items())
          + f"  ({result['seconds']:.1f} s)")
    return 0
