"""Passage length against the peers (issue 17): hit@k on the peers benchmark's data at several `chunk_words`, and
what a length costs a whole answer, in one run.

    .venv/bin/python benchmarks/passage_length.py                           # every data set, choose splits
    .venv/bin/python benchmarks/passage_length.py --datasets bbc --lengths 500,700
    .venv/bin/python benchmarks/passage_length.py --split report --lengths 500,700    # held out: once, at the end
    .venv/bin/python benchmarks/passage_length.py --datasets bbc --lengths 500,700 --time   # and whole answers/s

Same data, questions and metric as `peers.py` (hit@k: one of the top k passages is from a right article and holds
the answer; "words" is the mean length of the passages returned, as peers.py's words/hit), with qa in this process
(`Searcher.rank`, shipped settings but `chunk_words`), so each length costs one index build. The shipped length
gives the figures of `peers.py`'s qa row.

Longer passages hold an answer more often, so hit@k rises with length, and the peers' passages are longer than
qa's (LlamaIndex's 1,024-token nodes average 415 words on BBC and 723 on SQuAD; bm25s's 500-word windows 360 and
492). The cost is elsewhere: more to read per passage, a best sentence picked among more sentences, and more
evidence to gather per answer; `--time` measures the last on BBC News (`Searcher.ask(question, 3)`, the 2,225
titles as questions, as `answers.py`; lengths alternate within each pass, the best of `--passes` is kept).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from article_context import KS, hits_at_k  # noqa: E402
from peers_data import LOADERS, SPLITS  # noqa: E402

from qa.answer.search import Searcher  # noqa: E402
from qa.config import Settings  # noqa: E402
from qa.index import Index, open_index  # noqa: E402


def returned_words(index: Index, searcher: Searcher, questions: list[str]) -> float:
    """Mean length in words of the top 10 passages returned for `questions` (peers.py's words/hit)."""
    lengths = []
    for question in questions:
        for ranked in searcher.rank(question, max(KS)).passages:
            article, start, end, _ = index.passage(ranked.passage_id)
            lengths.append(len(index.article_text(article)[start:end].split()))
    return sum(lengths) / max(len(lengths), 1)


def answers_per_second(searchers: dict[int, Searcher], questions: list[str], passes: int) -> dict[int, float]:
    """Whole answers (`ask`, top 3) per second for each length; lengths alternate within a pass, best pass kept."""
    best = dict.fromkeys(searchers, 0.0)
    for _ in range(passes):
        for length, searcher in searchers.items():
            started = time.perf_counter()
            for question in questions:
                searcher.ask(question, 3)
            best[length] = max(best[length], len(questions) / (time.perf_counter() - started))
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default="bbc,squad,scifact", help="comma-separated: squad,scifact,bbc")
    parser.add_argument("--split", choices=SPLITS, default="choose", help="choose (tune on it) or report [choose]")
    parser.add_argument("--lengths", default="500,600,700,800,1000", help="chunk_words values, comma-separated")
    parser.add_argument("--time", action="store_true", help="also time whole answers on BBC News at each length")
    parser.add_argument("--passes", type=int, default=3, help="timing passes; the best is kept [3]")
    parser.add_argument("--data", type=Path, default=HERE.parent.parent / "shared" / "data")
    args = parser.parse_args(argv)
    lengths = [int(value) for value in args.lengths.split(",")]
    names = [name.strip() for name in args.datasets.split(",") if name.strip()]
    print("| data set | split | questions | chunk_words | passages | words | "
          + " | ".join(f"hit@{k}" for k in KS) + " |")
    print("|---|---|---:|---:|---:|---:|" + "---:|" * len(KS))
    with tempfile.TemporaryDirectory(prefix="qa-passage-length-") as work:
        timed: dict[int, Searcher] = {}
        titles: list[str] = []
        for name in names:
            dataset = LOADERS[name](args.data)
            folder = Path(work) / name / "documents"
            folder.mkdir(parents=True)
            dataset.write(folder)
            questions = [question.text for question in dataset.splits[args.split]]
            for length in lengths:
                settings = Settings(documents=folder, index_dir=Path(work) / name / f"index-{length}",
                                    chunk_words=length)
                index = open_index(settings)
                searcher = Searcher.from_settings(index, settings)
                found = hits_at_k(index, searcher, dataset, args.split)
                print(f"| {name} | {args.split} | {len(questions)} | {length} | {index.engine.n_docs:,} | "
                      f"{returned_words(index, searcher, questions):.0f} | "
                      + " | ".join(f"{value:.3f}" for value in found) + " |", flush=True)
                if args.time and name == "bbc":
                    timed[length] = searcher
                    titles = [info.title for info in index.articles]
        if args.time and timed:
            rates = answers_per_second(timed, titles, args.passes)
            first = lengths[0]
            print(f"\nWhole answers on BBC News ({len(titles):,} titles as questions, top 3, best of {args.passes}):")
            for length, rate in rates.items():
                print(f"  chunk_words {length}: {rate:,.0f} answers/s ({rate / rates[first]:.2f} x {first}'s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
