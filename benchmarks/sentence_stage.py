"""The best-sentence stage's weight (`qa.answer.sentence_stage`), measured where it is chosen (issue 18).

    .venv/bin/python benchmarks/sentence_stage.py                        # choose splits, weights 0 .. 1 (3 min)
    .venv/bin/python benchmarks/sentence_stage.py --weights 0,0.6 --split report      # the held-out figures, once
    .venv/bin/python benchmarks/sentence_stage.py --speed 2000          # what the stage costs a whole answer

One row per weight, every other setting the shipped default: SQuAD v1.1 dev answer recall@1 and best sentence@1
on one half of the articles ("choose" unless told), and BEIR SciFact nDCG@10 and MRR@10 on the matching queries
(train for "choose", test for "report"), through `qa eval`'s own functions, so the figures are `qa eval squad
--sentence-weight W` and `qa eval beir --sentence-weight W`. SciFact's queries are claims, not questions, so the
stage leaves them alone (`weight_for`); its column shows that it does.

`--speed N`: the first N questions of the SQuAD choose half answered as `qa ask` answers them
(`Searcher.ask(question, 3)`: three passages with their evidence) with the stage off (weight 0: three passages
cited) and on (the default: five cited, three kept), in alternating passes (3; the best pass of each is kept, the
machine being shared), over one index of all 48 articles. Prints the mean and median time of a whole answer and
the ratio.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from qa.answer.search import Searcher  # noqa: E402
from qa.cli.evaluation.data import load_beir, load_squad  # noqa: E402
from qa.cli.evaluation.run import evaluate_beir, evaluate_squad, squad_searcher  # noqa: E402
from qa.config import Settings  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--weights", default="0,0.2,0.4,0.6,0.8,1.0")
    parser.add_argument("--split", choices=("choose", "report"), default="choose")
    parser.add_argument("--speed", type=int, default=0, metavar="N", help="time whole answers instead")
    args = parser.parse_args(argv)
    squad_path, beir_path = args.data / "squad_v1.1" / "dev-v1.1.json", args.data / "beir_scifact"
    if args.speed:
        return speed(squad_path, args.speed)
    squad, beir = load_squad(squad_path), load_beir(beir_path, "train" if args.split == "choose" else "test")
    print(f"| sentence_weight | SQuAD {args.split}: answer recall@1 | best sentence@1 | SciFact {beir.split}: "
          "nDCG@10 | MRR@10 |\n|---:|---:|---:|---:|---:|")
    for weight in (float(w) for w in args.weights.split(",")):
        settings = Settings(sentence_weight=weight)
        found = evaluate_squad(squad_path, settings, squad, split=args.split)
        claims = evaluate_beir(beir_path, settings, beir)
        print(f"| {weight:g} | {found['answer_recall@1']:.4f} | {found['best_sentence@1']:.4f} | "
              f"{claims['ndcg@10']:.4f} | {claims['mrr@10']:.4f} |", flush=True)
    return 0


def speed(path: Path, count: int, passes: int = 3) -> int:
    data = load_squad(path)
    questions = [question.question for question in data.in_split("choose")[:count]]
    with squad_searcher(data, Settings(), prefix="qa-sentence-stage-") as (index, shipped):
        searchers = {"stage off (weight 0)": Searcher(index, sentence_weight=0.0),
                     f"stage on (weight {shipped.sentence_weight:g})": shipped}
        best: dict[str, list[float]] = {}
        for _ in range(passes):
            for name, searcher in searchers.items():
                latencies = []
                for question in questions:
                    started = time.perf_counter()
                    searcher.ask(question, 3)
                    latencies.append(time.perf_counter() - started)
                if name not in best or sum(latencies) < sum(best[name]):
                    best[name] = latencies
    print(f"{len(questions)} SQuAD questions, Searcher.ask(question, 3), best of {passes} alternating passes:")
    for name, latencies in best.items():
        print(f"  {name}: mean {statistics.fmean(latencies) * 1e6:.0f} µs, "
              f"median {statistics.median(latencies) * 1e6:.0f} µs")
    off, on = best.values()
    print(f"  on / off: mean {statistics.fmean(on) / statistics.fmean(off):.2f}x, "
          f"median {statistics.median(on) / statistics.median(off):.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
