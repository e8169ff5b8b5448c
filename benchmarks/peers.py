"""Retrieval quality of qa against the pipelines people build instead: same folders, same questions, one metric.

    python benchmarks/peers.py                                        # everything (~15 min on 2 cores)
    python benchmarks/peers.py --datasets bbc --split choose --pipelines qa,bm25s
    python benchmarks/peers.py --split choose --qa-args "--chunk-words 300"   # choose qa's settings
    python benchmarks/peers.py --json --misses misses.jsonl           # results file; misses for a closer look

Needs `pip install -e '.[peers]'` (Haystack, LlamaIndex with its BM25 retriever, bm25s, PyStemmer, rank-bm25)
and the evaluation data in ../shared/data (`--data`). The pipelines and their settings are described in
`peers_pipelines.py`, the data sets and their choose/report splits in `peers_data.py`.

The metric, one for all: hit@k (k = 1, 3, 5, 10) is the share of questions for which one of the top k passages
comes from the right article and holds the answer (SQuAD: a gold answer, SQuAD-normalised, as whole words;
BBC: our answer string, normalised the same way; SciFact: any passage of a judged-relevant record). MRR@10 is
the mean of 1/rank of the first such passage (0 past rank 10). Every pipeline is asked for its top 10 passages.
"words/hit" is the mean length of the passages returned: a longer passage holds an answer more often, so compare
hit@k with it in view.
"seconds" is the wall time of building the index plus answering that split's questions (for qa: two processes,
`qa index` and `qa ask`, start-up included). Pipelines run one after the other on each data set, in one process
run, so machine load affects them alike.
"""

from __future__ import annotations

import argparse
import datetime
import json
import platform
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from peers_data import LOADERS, SPLITS, DataError, Dataset, Question, contains_answer  # noqa: E402
from peers_pipelines import PIPELINES, Hit, PipelineError, make_pipeline  # noqa: E402

KS = (1, 3, 5, 10)
DEPTH = 10
REPO = Path(__file__).resolve().parent.parent
SPLIT_NAMES = {"bbc": {"choose": "choose", "report": "check"}}  # BBC's held-out half is called "check"


@dataclass(slots=True)
class Run:
    """One pipeline on one split: the rank (1-based) of the first right passage of each question, 0 if none."""

    dataset: str
    split: str
    pipeline: str
    passages: int
    index_seconds: float
    ask_seconds: float
    ranks: list[int] = field(default_factory=list)
    hit_words: float = 0.0  # mean length in words of the passages returned: longer passages hold answers more often

    def hit(self, k: int) -> float:
        return sum(0 < rank <= k for rank in self.ranks) / max(len(self.ranks), 1)

    def mrr(self) -> float:
        return sum(1 / rank for rank in self.ranks if 0 < rank <= DEPTH) / max(len(self.ranks), 1)

    def summary(self) -> dict[str, Any]:
        return {"dataset": self.dataset, "split": split_name(self.dataset, self.split), "pipeline": self.pipeline,
                "questions": len(self.ranks), "passages": self.passages, "words_per_hit": round(self.hit_words),
                **{f"hit@{k}": round(self.hit(k), 4) for k in KS}, "mrr@10": round(self.mrr(), 4),
                "seconds": round(self.index_seconds + self.ask_seconds, 1),
                "index_seconds": round(self.index_seconds, 1), "ask_seconds": round(self.ask_seconds, 1)}


def is_right(hit: Hit, question: Question) -> bool:
    return hit.article in question.articles and (not question.answers or contains_answer(hit.text, question.answers))


def first_right(hits: Sequence[Hit], question: Question) -> int:
    return next((rank for rank, hit in enumerate(hits[:DEPTH], start=1) if is_right(hit, question)), 0)


def split_name(dataset: str, split: str) -> str:
    return SPLIT_NAMES.get(dataset, {}).get(split, split)


def run_dataset(dataset: Dataset, splits: Sequence[str], pipelines: Sequence[str], qa_args: str,
                work: Path) -> tuple[list[Run], dict[str, dict[str, list[list[Hit]]]], dict[str, str]]:
    """Every pipeline on one data set: index once, then each split's questions. Returns the runs, the hits
    (pipeline -> split -> per question) and the versions seen."""
    folder = work / dataset.name
    dataset.write(folder)
    files = [relative for relative, _ in dataset.articles]
    runs: list[Run] = []
    hits: dict[str, dict[str, list[list[Hit]]]] = {}
    versions: dict[str, str] = {}
    for name in pipelines:
        pipeline = make_pipeline(name, work, qa_args)
        versions.update(pipeline.versions())
        started = time.perf_counter()
        passages = pipeline.build(folder, files)
        index_seconds = time.perf_counter() - started
        hits[name] = {}
        for split in splits:
            questions = dataset.splits[split]
            started = time.perf_counter()
            answers = pipeline.ask([question.text for question in questions], DEPTH)
            ask_seconds = time.perf_counter() - started
            hits[name][split] = answers
            ranks = [first_right(found, question) for found, question in zip(answers, questions, strict=True)]
            returned = [len(hit.text.split()) for found in answers for hit in found]
            runs.append(Run(dataset.name, split, name, passages, index_seconds, ask_seconds, ranks,
                            sum(returned) / max(len(returned), 1)))
            print(f"  {dataset.name} {split_name(dataset.name, split)} {name}: {len(questions)} questions, "
                  f"hit@3 {runs[-1].hit(3):.3f}, {index_seconds + ask_seconds:.1f} s", file=sys.stderr, flush=True)
        pipeline.close()
    return runs, hits, versions


def table(runs: Sequence[Run]) -> str:
    lines = ["| pipeline | passages | words/hit | hit@1 | hit@3 | hit@5 | hit@10 | MRR@10 | seconds |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for run in runs:
        lines.append(f"| {run.pipeline} | {run.passages:,} | {run.hit_words:.0f} | "
                     + " | ".join(f"{run.hit(k):.3f}" for k in KS)
                     + f" | {run.mrr():.3f} | {run.index_seconds + run.ask_seconds:.1f} |")
    return "\n".join(lines)


def misses(dataset: Dataset, split: str, hits: dict[str, dict[str, list[list[Hit]]]]) -> list[dict[str, Any]]:
    """Questions where a peer had a right passage in its top 3 and qa had none there: what each returned."""
    if "qa" not in hits:
        return []
    found = []
    for number, question in enumerate(dataset.splits[split]):
        if 0 < first_right(hits["qa"][split][number], question) <= 3:
            continue
        peers = {name: rank for name in hits if name != "qa"
                 if 0 < (rank := first_right(hits[name][split][number], question)) <= 3}
        if not peers:
            continue
        qa_rank = first_right(hits["qa"][split][number], question)
        found.append({
            "dataset": dataset.name, "split": split_name(dataset.name, split), "id": question.id,
            "question": question.text, "articles": sorted(question.articles), "answers": list(question.answers),
            "qa_rank": qa_rank, "peer_ranks": peers,
            "qa_top3": [{"article": hit.article, "right_article": hit.article in question.articles,
                         "text": hit.text} for hit in hits["qa"][split][number][:3]],
            "peer_hits": {name: hits[name][split][number][rank - 1].text for name, rank in peers.items()},
        })
    return found


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", default="squad,scifact,bbc", help="comma-separated: squad,scifact,bbc")
    parser.add_argument("--split", choices=("choose", "report", "both"), default="both",
                        help="choose (tune on it), report (quoted; BBC's is called check), or both [both]")
    parser.add_argument("--pipelines", default=",".join(PIPELINES), help=f"comma-separated: {','.join(PIPELINES)}")
    parser.add_argument("--qa-args", default="", metavar="FLAGS",
                        help='extra qa flags for `qa index` and `qa ask`, e.g. "--chunk-words 300"')
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data",
                        help="the evaluation data folder [../shared/data]")
    parser.add_argument("--json", action="store_true", help="also write benchmarks/results/peers-<date>.json")
    parser.add_argument("--misses", type=Path, metavar="FILE",
                        help="write the questions a peer found in its top 3 and qa did not (JSONL)")
    args = parser.parse_args(argv)
    args.datasets = [name.strip() for name in args.datasets.split(",") if name.strip()]
    args.pipelines = [name.strip() for name in args.pipelines.split(",") if name.strip()]
    for value, known, what in ((args.datasets, LOADERS, "data set"), (args.pipelines, PIPELINES, "pipeline")):
        unknown = [name for name in value if name not in known]
        if unknown or not value:
            parser.error(f"unknown {what} {', '.join(unknown) or '(none given)'}; choose from {', '.join(known)}")
    args.splits = list(SPLITS) if args.split == "both" else [args.split]
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    runs: list[Run] = []
    versions: dict[str, str] = {"python": platform.python_version()}
    missed: list[dict[str, Any]] = []
    sizes: dict[str, dict[str, Any]] = {}
    try:
        with tempfile.TemporaryDirectory(prefix="qa-peers-") as work:
            for name in args.datasets:
                print(f"{name}: loading", file=sys.stderr, flush=True)
                dataset = LOADERS[name](args.data)
                sizes[name] = {"title": dataset.title, "articles": len(dataset.articles),
                               **{split_name(name, split): len(dataset.splits[split]) for split in args.splits}}
                found, hits, seen = run_dataset(dataset, args.splits, args.pipelines, args.qa_args, Path(work))
                runs += found
                versions.update(seen)
                for split in args.splits:
                    missed += misses(dataset, split, hits)
    except (DataError, PipelineError) as error:
        print(f"peers: error: {error}", file=sys.stderr)
        return 1
    total = time.perf_counter() - started
    for name in args.datasets:
        for split in args.splits:
            shown = [run for run in runs if run.dataset == name and run.split == split]
            print(f"\n### {sizes[name]['title']}: {split_name(name, split)} split, "
                  f"{len(shown[0].ranks):,} questions\n")
            print(table(shown))
    print("\nVersions: " + ", ".join(f"{package} {number}" for package, number in versions.items()))
    print(f"Total: {total / 60:.1f} min")
    if args.misses:
        with open(args.misses, "w", encoding="utf-8") as handle:
            handle.writelines(json.dumps(record, ensure_ascii=False) + "\n" for record in missed)
        print(f"{len(missed)} misses written to {args.misses}")
    if args.json:
        results = REPO / "benchmarks" / "results"
        results.mkdir(exist_ok=True)
        path = results / f"peers-{datetime.date.today().isoformat()}.json"
        report = {"date": datetime.datetime.now().isoformat(timespec="seconds"), "command": sys.argv,
                  "qa_args": args.qa_args, "versions": versions, "datasets": sizes,
                  "total_seconds": round(total, 1), "results": [run.summary() for run in runs]}
        path.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
        print(f"results written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
