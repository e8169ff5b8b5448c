"""`qa eval`: retrieval quality on public benchmarks, measured through qa's own pipeline.

    qa eval beir ../shared/data/beir_scifact            # nDCG@10, Recall@100, MRR@10 on the test qrels
    qa eval squad ../shared/data/squad_v1.1/dev-v1.1.json --json

    >>> normalize_answer("The  Denver Broncos!")
    'denver broncos'

How a benchmark becomes a qa corpus, so that the figures are exactly what users get:

- Every record or article is written as a `.txt` file into a temporary documents folder: its title on the first
  line, a blank line, then its text. The folder is indexed by `qa.index.open_index` (reading, chunking, the one
  analyzer, the sparse BM25 engine, all with the given settings) and every question is ranked by
  `qa.answer.search.Searcher.rank`, the ranking of `Searcher.ask` behind `qa ask` and the HTTP API. Nothing is
  re-implemented here but the metrics' bookkeeping.
- BEIR: the unit of retrieval is the whole record, so the records are indexed with the largest passage length
  qa accepts (`chunk_words` 2000, no overlap; SciFact's longest abstract has 1,524 words) and the evaluation
  checks that every record became exactly one passage, failing otherwise. The title is the article's title, and
  is indexed with its passage when `title_in_passages` is on (the default), as for any article. A record with an
  empty title is given its id as title, so that its text's first line is not taken for the title.
- SQuAD: each article is rebuilt as one article (title with `_` as spaces, then its paragraphs joined with blank
  lines) and chunked by qa's own chunker with the given `chunk_words` / `chunk_overlap`. A gold answer's span in
  the article is its `answer_start` in the paragraph plus the paragraph's offset in the file written (checked
  against the answer text for every answer; `span_mismatches` counts the ones SQuAD itself got wrong).

Ranking: `Searcher.rank` is `Searcher.ask` (validation, analysis, scoring and the per-article diversity rules)
without the evidence of every passage (highlights, best sentence), which does not change the order and took most
of the time (SQuAD, 100-word passages: 56 s -> 14 s); the best sentence is computed for the top passage only.

Metrics come from pytrec_eval (the reference trec_eval in C): `ndcg_cut_10`, `recall_100`, and `recip_rank` on
the run cut to 10 (MRR@10), each averaged over every query of the qrels (a query qa answers with no passage
counts 0). The run given to pytrec_eval scores each hit by its rank (100, 99, ...), so that trec_eval ranks
passages in qa's order, ties included (trec_eval would otherwise break equal scores by document id).

SQuAD answer recall@k: the share of questions for which one of the top k passages contains one of the gold
answers, both normalised as SQuAD's official script does (lowercase, punctuation and the articles a/an/the
removed, whitespace collapsed), compared as whole words (the normalised answer, padded with spaces, inside the
normalised passage padded with spaces, so that "1" is not found in "1990"). `span_overlap@1`: the share whose
top passage overlaps one gold answer's character span in the article. `best_sentence@1`: the share whose top
passage's best sentence (`qa.evidence.best_sentence`, what the user sees marked) contains a gold answer.
"""

from __future__ import annotations

import argparse
import json
import re
import string
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qa.answer.evidence import asked_kind, best_sentence, matched_tokens
from qa.answer.search import RankedPassage, Searcher
from qa.config import MAX_TOP_K, Settings
from qa.errors import InvalidQuestion, QAError

if TYPE_CHECKING:
    from qa.index import Index

BEIR_CHUNK_WORDS = 2000
"""Passage length used for BEIR, the largest `Settings.chunk_words` allows: one record, one passage."""

SQUAD_KS = (1, 5, 20)
BEIR_DEPTH = MAX_TOP_K  # Recall@100 needs the top 100


class EvaluationDataError(QAError):
    """The benchmark folder or file is missing or not in the expected format."""


# -- data ----------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class BeirData:
    corpus: list[tuple[str, str, str]]  # (id, title, text)
    queries: dict[str, str]
    qrels: dict[str, dict[str, int]]


@dataclass(slots=True)
class SquadQuestion:
    id: str
    question: str
    article: int
    answers: list[str]
    spans: list[tuple[int, int]]  # in the article file's text


@dataclass(slots=True)
class SquadData:
    articles: list[tuple[str, str]]  # (title, text written to the file, title line included)
    questions: list[SquadQuestion] = field(default_factory=list)
    span_mismatches: int = 0


def _read_jsonl(path: Path) -> Iterable[dict[str, Any]]:
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise EvaluationDataError(f"{path}, line {number}: not JSON ({error.msg})") from None
            if not isinstance(record, dict) or "_id" not in record:
                raise EvaluationDataError(f"{path}, line {number}: a BEIR record needs an \"_id\"")
            yield record


def load_beir(folder: Path, split: str = "test") -> BeirData:
    """Read a BEIR folder: corpus.jsonl, queries.jsonl and qrels/<split>.tsv."""
    if not folder.is_dir():
        raise EvaluationDataError(f"BEIR folder not found: {folder}")
    paths = {name: folder / name for name in ("corpus.jsonl", "queries.jsonl", f"qrels/{split}.tsv")}
    missing = [name for name, path in paths.items() if not path.is_file()]
    if missing:
        raise EvaluationDataError(f"{folder} is not a BEIR folder: missing {', '.join(missing)}")
    corpus = [(str(r["_id"]), str(r.get("title") or ""), str(r.get("text") or ""))
              for r in _read_jsonl(paths["corpus.jsonl"])]
    queries = {str(r["_id"]): str(r.get("text") or "") for r in _read_jsonl(paths["queries.jsonl"])}
    qrels: dict[str, dict[str, int]] = {}
    qrels_path = paths[f"qrels/{split}.tsv"]
    with open(qrels_path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            parts = line.rstrip("\n").split("\t")
            if not line.strip() or (number == 1 and parts[0] == "query-id"):
                continue
            if len(parts) != 3:
                raise EvaluationDataError(f"{qrels_path}, line {number}: expected query-id, corpus-id, score "
                                          "separated by tabs")
            try:
                qrels.setdefault(parts[0], {})[parts[1]] = int(parts[2])
            except ValueError:
                raise EvaluationDataError(f"{qrels_path}, line {number}: score {parts[2]!r} is not an integer"
                                          ) from None
    if not corpus:
        raise EvaluationDataError(f"{paths['corpus.jsonl']} holds no record")
    unknown = sorted(set(qrels) - set(queries))
    if unknown:
        raise EvaluationDataError(f"{qrels_path} judges {len(unknown)} queries absent from queries.jsonl "
                                  f"(first: {unknown[0]})")
    if not qrels:
        raise EvaluationDataError(f"{qrels_path} holds no judgment")
    return BeirData(corpus, queries, qrels)


def squad_title(raw: str) -> str:
    return raw.replace("_", " ").strip() or "untitled"


def load_squad(path: Path) -> SquadData:
    """Read a SQuAD v1.1 json file; rebuild each article as title, blank line, paragraphs joined by blank lines."""
    if not path.is_file():
        raise EvaluationDataError(f"SQuAD file not found: {path}")
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        articles = raw["data"]
        if not isinstance(articles, list):
            raise TypeError
    except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError):
        raise EvaluationDataError(f"{path} is not a SQuAD json file (expected {{\"data\": [articles]}})") from None
    data = SquadData([])
    try:
        for number, article in enumerate(articles):
            title = squad_title(article["title"])
            parts = [title]
            offset = len(title) + 2
            for paragraph in article["paragraphs"]:
                context = paragraph["context"]
                for qa_item in paragraph["qas"]:
                    answers, spans = [], []
                    for answer in qa_item["answers"]:
                        text, start = answer["text"], offset + int(answer["answer_start"])
                        answers.append(text)
                        spans.append((start, start + len(text)))
                    data.questions.append(SquadQuestion(str(qa_item["id"]), qa_item["question"], number,
                                                        answers, spans))
                parts.append(context)
                offset += len(context) + 2
            data.articles.append((title, "\n\n".join(parts)))
    except (KeyError, TypeError, ValueError) as error:
        raise EvaluationDataError(f"{path} is not SQuAD v1.1: article {len(data.articles) + 1} lacks or "
                                  f"mistypes {error}") from None
    for question in data.questions:
        text = data.articles[question.article][1]
        data.span_mismatches += sum(text[a:b] != answer
                                    for answer, (a, b) in zip(question.answers, question.spans, strict=True))
    if not data.questions:
        raise EvaluationDataError(f"{path} holds no question")
    return data


# -- SQuAD answer matching -----------------------------------------------------------------------------------

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCTUATION = frozenset(string.punctuation)


def normalize_answer(text: str) -> str:
    """SQuAD v1.1's official normalisation: lowercase, no punctuation, no a/an/the, single spaces."""
    text = "".join(ch for ch in text.lower() if ch not in _PUNCTUATION)
    return " ".join(_ARTICLES.sub(" ", text).split())


def contains_answer(passage: str, answers: Iterable[str], normalized: bool = False) -> bool:
    """Whether the normalised passage contains one normalised answer as whole words.

        >>> contains_answer("It opened in 1990.", ["1990"]), contains_answer("It opened in 1990.", ["1"])
        (True, False)
    """
    haystack = f" {passage if normalized else normalize_answer(passage)} "
    for answer in answers:
        needle = normalize_answer(answer)
        if needle and f" {needle} " in haystack:
            return True
    return False


def overlaps(start: int, end: int, spans: Iterable[tuple[int, int]]) -> bool:
    return any(start < b and a < end for a, b in spans)


# -- running -------------------------------------------------------------------------------------------------


def _write_article(folder: Path, name: str, title: str, body: str) -> None:
    with open(folder / f"{name}.txt", "w", encoding="utf-8", newline="") as handle:
        handle.write(f"{title}\n\n{body}" if body else title)


def _one_line(text: str) -> str:
    return " ".join(text.split())


@dataclass(frozen=True, slots=True)
class RankedText:
    """What the evaluation needs of a ranked passage: where it is, and its text."""

    rank: int
    passage_id: int
    document_id: str
    start: int
    end: int
    text: str


def open_searcher(documents: Path, settings: Settings) -> tuple[Index, Searcher]:
    """Index `documents` (index in a sibling folder `index`) and return (Index, Searcher)."""
    from qa.index import open_index

    run_settings = settings.model_copy(update={"documents": documents, "index_dir": documents.parent / "index"})
    index = open_index(run_settings)
    return index, Searcher.from_settings(index, settings)


def ranked_texts(searcher: Searcher, question: str, top_k: int) -> list[RankedText]:
    try:
        ranked = searcher.rank(question, top_k=top_k).passages
    except InvalidQuestion:  # e.g. over 2,000 characters: counted as answered with nothing
        return []
    return [_with_text(searcher.index, passage) for passage in ranked]


def _with_text(index: Index, ranked: RankedPassage) -> RankedText:
    article_number, start, end, _ = index.passage(ranked.passage_id)
    text = index.article_text(article_number)[start:end]
    return RankedText(ranked.rank, ranked.passage_id, index.articles[article_number].id, start, end, text)


def evaluate_beir(folder: Path, settings: Settings, data: BeirData | None = None) -> dict[str, Any]:
    """nDCG@10, Recall@100 and MRR@10 of qa on a BEIR folder's test queries (see the module docstring)."""
    data = data or load_beir(folder)
    started = time.perf_counter()
    settings = settings.model_copy(update={"chunk_words": BEIR_CHUNK_WORDS, "chunk_overlap": 0})
    with tempfile.TemporaryDirectory(prefix="qa-eval-beir-") as work:
        documents = Path(work) / "documents"
        documents.mkdir()
        for number, (doc_id, title, text) in enumerate(data.corpus):
            _write_article(documents, f"{number:07d}", _one_line(title) or doc_id, text)
        index, searcher = open_searcher(documents, settings)
        indexed = time.perf_counter()
        split = [info.id for info in index.articles if info.n_passages != 1]
        if split or len(index.articles) != len(data.corpus):
            raise EvaluationDataError(
                f"BEIR records must be indexed whole: {len(split)} record(s) became several passages (longer "
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
    return {"dataset": "beir", "path": str(folder), "records": len(data.corpus), "passages": passages,
            "queries": len(data.qrels), **metrics, "settings": _settings_report(settings),
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


def evaluate_squad(path: Path, settings: Settings, data: SquadData | None = None) -> dict[str, Any]:
    """Answer recall@1/5/20 and span overlap@1 of qa's own passages on a SQuAD v1.1 file."""
    data = data or load_squad(path)
    started = time.perf_counter()
    depth = max(SQUAD_KS)
    found = dict.fromkeys(SQUAD_KS, 0)
    overlap = 0
    best_found = 0
    normal_cache: dict[tuple[str, int, int], str] = {}
    with tempfile.TemporaryDirectory(prefix="qa-eval-squad-") as work:
        documents = Path(work) / "documents"
        documents.mkdir()
        for number, (_title, text) in enumerate(data.articles):
            with open(documents / f"{number:05d}.txt", "w", encoding="utf-8", newline="") as handle:
                handle.write(text)
        index, searcher = open_searcher(documents, settings)
        indexed = time.perf_counter()
        if len(index.articles) != len(data.articles):
            raise QAError(f"{len(data.articles) - len(index.articles)} SQuAD article(s) were not indexed")
        for question in data.questions:
            hits = ranked_texts(searcher, question.question, depth)
            first = next((rank for rank, hit in enumerate(hits, start=1)
                          if contains_answer(_normalized(normal_cache, hit), question.answers, normalized=True)),
                         None)
            for k in SQUAD_KS:
                found[k] += first is not None and first <= k
            if hits and int(hits[0].document_id) == question.article:
                overlap += overlaps(hits[0].start, hits[0].end, question.spans)
            if hits:
                top = hits[0]
                article = index.article_text(index.article_number(top.document_id))
                terms = Counter(index.analyzer.terms(question.question))
                tokens = matched_tokens(index, article, top.start, top.end, terms)
                best = best_sentence(index, article, index.passage_sentences(top.passage_id, top.start), terms,
                                     tokens, index.articles[index.article_number(top.document_id)].title,
                                     asked_kind(question.question))
                best_found += best is not None and contains_answer(best.text, question.answers)
        passages = int(index.manifest["passages"])
        del searcher, index
    n = len(data.questions)
    return {"dataset": "squad", "path": str(path), "articles": len(data.articles), "passages": passages,
            "questions": n, **{f"answer_recall@{k}": round(found[k] / n, 4) for k in SQUAD_KS},
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


# -- CLI -----------------------------------------------------------------------------------------------------


def add_eval_arguments(parser: argparse.ArgumentParser,
                       add_common: Callable[[argparse.ArgumentParser], None]) -> None:
    parser.add_argument("dataset", choices=["beir", "squad"], help="benchmark format")
    parser.add_argument("path", type=Path, help="BEIR folder (corpus.jsonl, queries.jsonl, qrels/test.tsv) "
                        "or SQuAD v1.1 json file")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--no-title", action="store_true",
                        help="do not index passages with their article's title [QA_TITLE_IN_PASSAGES]")
    add_common(parser)


_LABELS = {"ndcg@10": "nDCG@10", "recall@100": "Recall@100", "mrr@10": "MRR@10"}


def run_eval(args: argparse.Namespace, settings: Settings) -> int:
    """`qa eval beir|squad PATH`: print the figures (a table, or one JSON object with `--json`)."""
    if getattr(args, "documents", None) is not None or getattr(args, "index_dir", None) is not None:
        raise QAError("qa eval builds its own corpus from PATH in a temporary folder; "
                      "--documents and --index-dir do not apply")
    if args.no_title:
        settings = settings.model_copy(update={"title_in_passages": False})
    if args.dataset == "beir":
        result = evaluate_beir(args.path, settings)
        rows = [(_LABELS[key], result[key]) for key in ("ndcg@10", "recall@100", "mrr@10")]
        heading = f"BEIR {args.path}: {result['records']} records, {result['queries']} test queries"
    else:
        result = evaluate_squad(args.path, settings)
        rows = [(f"answer recall@{k}", result[f"answer_recall@{k}"]) for k in SQUAD_KS]
        rows.append(("span overlap@1", result["span_overlap@1"]))
        rows.append(("best sentence@1", result["best_sentence@1"]))
        heading = (f"SQuAD {args.path}: {result['articles']} articles -> {result['passages']} passages, "
                   f"{result['questions']} questions")
    if args.json:
        print(json.dumps(result))
        return 0
    fingerprint = result["settings"]
    print(heading)
    for label, value in rows:
        print(f"  {label:<18} {value:.4f}")
    print("  settings: " + ", ".join(f"{key}={value}" for key, value in fingerprint.items())
          + f"  ({result['seconds']:.1f} s)", file=sys.stdout)
    return 0
