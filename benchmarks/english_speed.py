"""English-only folders: indexing and search speed of this tree against another (main), in one run.

    python benchmarks/english_speed.py --peer ../main/.venv/bin/python                   # BBC News, 3 rounds
    python benchmarks/english_speed.py --peer ../main/.venv/bin/python --documents DIR --questions 500

Languages (issue 22) add to indexing a language detection per article (in the chunking process for a folder of
200 articles or more) and to search nothing for a folder in one language (no detection). This measures both, for
the interpreter running this script (`sys.executable`, this tree's qa) and for `--peer` (another environment with
its own qa installed, e.g. main's), alternately, round after round in the same run, each in a fresh subprocess:

- index s: `qa.index.build_index` of the folder into an empty index folder (reading, chunking, detection,
  analysis, writing: what `qa index` does);
- ask/s: `Searcher.ask` (top 3, with evidence) over the article titles taken as questions, one at a time, after
  a warm-up pass over 50 of them; rank/s: `Searcher.rank` (the ranking alone) over the same questions.

Prints each round's figures, the median of each, and new/old ratios (above 1: this tree is faster), by wall clock
and by CPU time (the build's includes its chunking process), and the load average (the machine is shared:
compare ratios, not absolute figures; CPU time is the less disturbed by other processes).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_DOCUMENTS = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "bbc_news"


def worker(documents: Path, questions: int) -> dict[str, object]:
    """One measurement, in this process: build, then ask and rank."""
    import qa
    from qa.answer.search import Searcher
    from qa.config import Settings
    from qa.index import build_index, open_index

    with tempfile.TemporaryDirectory(prefix="qa-english-speed-") as work:
        settings = Settings(documents=documents, index_dir=Path(work) / "index")
        started, cpu = time.perf_counter(), _cpu()
        report = build_index(settings)
        index_seconds, index_cpu = time.perf_counter() - started, _cpu() - cpu
        index = open_index(settings)
        searcher = Searcher.from_settings(index, settings)
        asked = [info.title for info in index.articles][:questions]
        for question in asked[:50]:
            searcher.ask(question)
        started, cpu = time.perf_counter(), time.process_time()
        for question in asked:
            searcher.ask(question)
        ask_seconds, ask_cpu = time.perf_counter() - started, time.process_time() - cpu
        started, cpu = time.perf_counter(), time.process_time()
        for question in asked:
            searcher.rank(question)
        rank_seconds, rank_cpu = time.perf_counter() - started, time.process_time() - cpu
        languages = sorted({getattr(info, "language", "en") for info in index.articles})
    return {"qa": str(Path(qa.__file__).parent), "articles": report.articles, "passages": report.passages,
            "index_s": round(index_seconds, 3), "ask_per_s": round(len(asked) / ask_seconds, 1),
            "rank_per_s": round(len(asked) / rank_seconds, 1), "index_cpu_s": round(index_cpu, 3),
            "ask_per_cpu_s": round(len(asked) / ask_cpu, 1), "rank_per_cpu_s": round(len(asked) / rank_cpu, 1),
            "questions": len(asked), "languages": languages}


def _cpu() -> float:
    """CPU seconds of this process and of its children that have ended (the chunking process)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def run(python: str, documents: Path, questions: int) -> dict[str, object]:
    output = subprocess.run([python, __file__, "--worker", "--documents", str(documents), "--questions",
                             str(questions)], check=True, capture_output=True, text=True).stdout
    result: dict[str, object] = json.loads(output.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--peer", help="the Python of the environment to compare with (its own qa installed)")
    parser.add_argument("--documents", type=Path, default=DEFAULT_DOCUMENTS)
    parser.add_argument("--questions", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.documents, args.questions)))
        return
    if not args.documents.is_dir():
        sys.exit(f"no documents folder at {args.documents} (give --documents)")
    runs: dict[str, list[dict[str, object]]] = {"new": [], "old": []}
    peers = [("new", sys.executable)] + ([("old", args.peer)] if args.peer else [])
    print(f"load average at start: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    for number in range(args.rounds):
        for name, python in peers if number % 2 == 0 else peers[::-1]:  # alternate who goes first
            result = run(python, args.documents, args.questions)
            runs[name].append(result)
            print(f"round {number + 1} {name}: {json.dumps(result)}", flush=True)
    print(f"load average at end: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    keys = ("index_s", "ask_per_s", "rank_per_s", "index_cpu_s", "ask_per_cpu_s", "rank_per_cpu_s")
    medians = {name: {key: statistics.median(float(r[key]) for r in rows)  # type: ignore[arg-type]
                      for key in keys} for name, rows in runs.items() if rows}
    print("medians (wall clock, then CPU time: less disturbed by other processes on a shared machine)")
    print("| tree | index s | ask/s | rank/s | index CPU s | ask/CPU s | rank/CPU s |\n|---|---|---|---|---|---|---|")
    for name, row in medians.items():
        print(f"| {name} | {row['index_s']:.2f} | {row['ask_per_s']:.0f} | {row['rank_per_s']:.0f} | "
              f"{row['index_cpu_s']:.2f} | {row['ask_per_cpu_s']:.0f} | {row['rank_per_cpu_s']:.0f} |")
    if "old" in medians:
        new, old = medians["new"], medians["old"]
        for label, suffix in (("wall", ""), ("CPU", "_cpu")):
            index_key = "index_cpu_s" if suffix else "index_s"
            ask_key, rank_key = ("ask_per_cpu_s", "rank_per_cpu_s") if suffix else ("ask_per_s", "rank_per_s")
            print(f"new/old speed ({label}): index {old[index_key] / new[index_key]:.3f}x, "
                  f"ask {new[ask_key] / old[ask_key]:.3f}x, rank {new[rank_key] / old[rank_key]:.3f}x "
                  "(above 1: new is faster)")


if __name__ == "__main__":
    main()
