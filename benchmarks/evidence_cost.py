"""What the evidence of a hit costs (best sentence, highlights, citation): this checkout against another, one run.

    python benchmarks/evidence_cost.py --other ../main          # SQuAD v1.1 dev, 2,000 questions, top 10
    python benchmarks/evidence_cost.py --other ../main --rounds 5 --questions 1000

Each checkout's `qa` answers the same questions over the same articles (SQuAD v1.1 dev's 48 articles, written out
as files, indexed with the shipped defaults by each checkout into its own folder), in its own process started
with `sys.executable`. A round times `Searcher.rank` (the ranking alone) and `Searcher.ask` (the ranking and every
hit's evidence) over all questions; the evidence's cost per hit is (ask - rank) / hits. Rounds alternate between
the checkouts so that load on the machine affects both alike; the table gives each round and the median, then
the ratio of the medians.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# Runs inside each checkout's process: only the public API (Collection, Searcher.rank, Searcher.ask).
MEASURE = r"""
import json, sys, time
from pathlib import Path
from qa.collection import Collection
documents, index_dir, questions_file, top_k = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], int(sys.argv[4])
questions = json.loads(Path(questions_file).read_text())
searcher = Collection(documents, index_dir).searcher
for question in questions[:50]:  # warm: caches, compiled kernels
    searcher.ask(question, top_k)
started = time.perf_counter()
hits = sum(len(searcher.rank(question, top_k).passages) for question in questions)
ranked = time.perf_counter() - started
started = time.perf_counter()
answered = sum(len(searcher.ask(question, top_k).passages) for question in questions)
asked = time.perf_counter() - started
print(json.dumps({"hits": hits, "answered": answered, "rank_s": ranked, "ask_s": asked}))
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--other", type=Path, required=True, help="another checkout of qa (e.g. ../main)")
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data", help="../shared/data")
    parser.add_argument("--questions", type=int, default=2000)
    parser.add_argument("--top-k", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    raw = json.loads((args.data / "squad_v1.1" / "dev-v1.1.json").read_text(encoding="utf-8"))["data"]
    questions = [item["question"] for article in raw for paragraph in article["paragraphs"]
                 for item in paragraph["qas"]][: args.questions]
    checkouts = {"this": REPO, "other": args.other.resolve()}
    per_hit: dict[str, list[float]] = {name: [] for name in checkouts}
    with tempfile.TemporaryDirectory(prefix="qa-evidence-cost-") as work:
        documents = Path(work) / "documents"
        documents.mkdir()
        for number, article in enumerate(raw):
            paragraphs = [paragraph["context"] for paragraph in article["paragraphs"]]
            text = "\n\n".join([article["title"].replace("_", " "), *paragraphs])
            (documents / f"{number:05d}.txt").write_text(text, encoding="utf-8")
        questions_file = Path(work) / "questions.json"
        questions_file.write_text(json.dumps(questions), encoding="utf-8")
        print(f"{len(questions)} SQuAD questions, top {args.top_k}, {args.rounds} alternating rounds\n")
        print("| round | checkout | hits | rank s | ask s | evidence µs per hit |")
        print("|---|---|---|---|---|---|")
        for round_number in range(1, args.rounds + 1):
            for name, checkout in checkouts.items():
                done = subprocess.run([sys.executable, "-c", MEASURE, str(documents), str(Path(work) / f"index-{name}"),
                                       str(questions_file), str(args.top_k)], cwd=checkout, capture_output=True,
                                      text=True, env={"PYTHONPATH": str(checkout), "PATH": "/usr/bin:/bin"},
                                      check=False)
                if done.returncode:
                    raise SystemExit(f"{name} ({checkout}) failed:\n{done.stderr[-2000:]}")
                result = json.loads(done.stdout.strip().splitlines()[-1])
                cost = (result["ask_s"] - result["rank_s"]) / max(result["answered"], 1) * 1e6
                per_hit[name].append(cost)
                print(f"| {round_number} | {name} ({checkout.name}) | {result['answered']} | {result['rank_s']:.2f} | "
                      f"{result['ask_s']:.2f} | {cost:.1f} |", flush=True)
    this, other = (statistics.median(per_hit[name]) for name in checkouts)
    print(f"\nmedian evidence per hit: this {this:.1f} µs, other {other:.1f} µs; this / other = {this / other:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
