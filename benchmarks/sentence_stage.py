"""The best-sentence stage's weight (`qa.answer.sentence_stage`), measured where it is chosen (issue 18).

    .venv/bin/python benchmarks/sentence_stage.py                        # choose splits, weights 0 .. 1 (3 min)
    .venv/bin/python benchmarks/sentence_stage.py --weights 0,0.6 --split report      # the held-out figures, once
    .venv/bin/python benchmarks/sentence_stage.py --speed 2000          # what the stage costs a whole answer
    .venv/bin/python benchmarks/sentence_stage.py --rest 0,0.2,0.4,0.5,0.6 --rest-depths 5,7,10   # issue 17

One row per weight, every other setting the shipped default: SQuAD v1.1 dev answer recall@1 and best sentence@1
on one half of the articles ("choose" unless told), and BEIR SciFact nDCG@10 and MRR@10 on the matching queries
(train for "choose", test for "report"), through `qa eval`'s own functions, so the figures are `qa eval squad
--sentence-weight W` and `qa eval beir --sentence-weight W`. SciFact's queries are claims, not questions, so the
stage leaves them alone (`weight_for`); its column shows that it does.

`--speed N`: the first N questions of the SQuAD choose half answered as `qa ask` answers them
(`Searcher.ask(question, 3)`: three passages with their evidence) with the stage off (weights 0: three passages
cited), with its first place only (`sentence_weight_rest` 0: three cited) and whole (the defaults: ten cited,
three kept), in alternating passes (3; the best pass of each is kept, the machine being shared), over one index of
all 48 articles. Prints the mean and median time of a whole answer and the ratios to the stage off.

`--rest W,...`: the weight of the places after the first (`sentence_weight_rest`), measured where the peers
benchmark measures (`benchmarks/peers.py`: hit@k, one of the first k passages is from a right article and holds
the answer) on SQuAD's and our BBC questions' choose halves (`--split`). Each question's first 10 passages are
ranked and cited once with the stage off, then put in `qa.answer.sentence_stage.order`'s order for each weight
(the first place at the shipped `sentence_weight`) and for each number of passages the places after the first are
chosen among (`--rest-depths`; the shipped `REST_DEPTH` is 10).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from peers_data import LOADERS, contains_answer, indexed  # noqa: E402

from qa.answer.search import Searcher  # noqa: E402
from qa.answer.sentence_stage import REST_DEPTH, order, weight_for  # noqa: E402
from qa.cli.evaluation.data import load_beir, load_squad  # noqa: E402
from qa.cli.evaluation.run import evaluate_beir, evaluate_squad, squad_searcher  # noqa: E402
from qa.config import Settings  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--weights", default="0,0.2,0.4,0.6,0.8,1.0")
    parser.add_argument("--split", choices=("choose", "report"), default="choose")
    parser.add_argument("--speed", type=int, default=0, metavar="N", help="time whole answers instead")
    parser.add_argument("--rest", metavar="W,...", help="hit@k by the weight of the places after the first instead")
    parser.add_argument("--rest-depths", default=str(REST_DEPTH), metavar="D,...",
                        help="passages the places after the first are chosen among (with --rest)")
    args = parser.parse_args(argv)
    squad_path, beir_path = args.data / "squad_v1.1" / "dev-v1.1.json", args.data / "beir_scifact"
    if args.speed:
        return speed(squad_path, args.speed)
    if args.rest:
        return rest(args.data, args.split, [float(w) for w in args.rest.split(",")],
                    [int(d) for d in args.rest_depths.split(",")])
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


KS = (1, 3, 5, 10)
Ranked = list[tuple[float, float, bool]]
"""A question's first 10 passages with the stage off: (score, best sentence's score, whether it is a hit)."""


def rest(data: Path, split: str, weights: list[float], depths: list[int]) -> int:
    print(f"| data set ({split}) | questions | passages after the first, among | sentence_weight_rest | "
          "hit@1 | hit@3 | hit@5 | hit@10 | MRR@10 |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name in ("squad", "bbc"):
        dataset = LOADERS[name](data)
        with indexed(dataset, prefix="qa-sentence-stage-") as (_index, searcher):
            shipped = searcher.sentence_weight
            searcher.sentence_weight = searcher.sentence_weight_rest = 0.0
            ranked: list[tuple[str, Ranked]] = []
            for question in dataset.splits[split]:
                passages = searcher.ask(question.text, max(KS)).passages
                ranked.append((question.text, [
                    (p.score, p.best_sentence.score if p.best_sentence else 0.0,
                     p.citation.source in question.articles and (
                         not question.answers or contains_answer(p.text, question.answers)))
                    for p in passages]))
        for depth in depths:
            for weight in weights:
                hits, mrr = _hits([_staged(text, top, shipped, weight, depth) for text, top in ranked])
                print(f"| {name} | {len(ranked)} | {depth} | {weight:g} | "
                      + " | ".join(f"{hit:.4f}" for hit in hits) + f" | {mrr:.4f} |", flush=True)
    return 0


def _staged(question: str, top: Ranked, weight: float, weight_rest: float, depth: int) -> Ranked:
    """`top` in the stage's order, the places after the first chosen among its first `depth`."""
    head = top[:depth]
    positions = order([p[0] for p in head], [p[1] for p in head], weight_for(question, weight),
                      weight_for(question, weight_rest))
    return [head[n] for n in positions] + head[len(positions):] + top[depth:]


def _hits(rankings: list[Ranked]) -> tuple[list[float], float]:
    firsts = [next((rank for rank, p in enumerate(top, start=1) if p[2]), 0) for top in rankings]
    count = max(len(firsts), 1)
    return ([sum(0 < first <= k for first in firsts) / count for k in KS],
            sum(1 / first for first in firsts if first) / count)


def speed(path: Path, count: int, passes: int = 3) -> int:
    data = load_squad(path)
    questions = [question.question for question in data.in_split("choose")[:count]]
    with squad_searcher(data, Settings(), prefix="qa-sentence-stage-") as (index, shipped):
        searchers = {"stage off (weights 0)": Searcher(index, sentence_weight=0.0, sentence_weight_rest=0.0),
                     f"first place only ({shipped.sentence_weight:g}, 0)": Searcher(
                         index, sentence_weight=shipped.sentence_weight, sentence_weight_rest=0.0),
                     f"whole stage ({shipped.sentence_weight:g}, {shipped.sentence_weight_rest:g})": shipped}
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
    off = next(iter(best.values()))
    for name, on in list(best.items())[1:]:
        print(f"  {name} / off: mean {statistics.fmean(on) / statistics.fmean(off):.2f}x, "
              f"median {statistics.median(on) / statistics.median(off):.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
