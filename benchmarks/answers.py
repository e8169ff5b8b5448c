"""Whole answers against a bare top-3: what a person gets from qa, against what bm25s retrieves, in one run.

    python benchmarks/answers.py                 # BBC News (../shared/data/bbc_news), its 2,225 titles as questions
    python benchmarks/answers.py --json          # one JSON object (also saved as benchmarks/results/answers.json)
    python benchmarks/answers.py --profile 20    # and the 20 costliest functions of qa's whole answers

On the same passages (qa's: the articles indexed with the default settings, 500-word passages, each with its
article's title, as qa indexes them), the same questions (the article titles), one question at a time:
- qa whole answers: `Searcher.ask(question, 3)` then `orjson.dumps(answer)`: the passages, each one's citation,
  best sentence and highlights, the question's terms, as the JSON body `qa ask --file --json --top-k 3` prints;
- qa ranking only: `Searcher.rank(question, 3)` (the three passages and scores, proximity stage included);
- bm25s bare top-3: `Tokenizer.tokenize([question])` + `BM25.retrieve(ids, k=3, n_threads=1)` (numba backend, the
  same stopwords as qa and PyStemmer's English Snowball stemmer, as in benchmarks/engine.py): ids and scores only.
Each is timed over all questions in alternating passes (3 by default; the best pass of each is kept: the machine
is shared), and each question's latency too: the ratios printed are whole answers per second / bm25s's top-3 per
second, and bm25s's median latency / qa's (the steadier of the two when other processes share the machine).
Then `qa ask --file --json --top-k 3` as a process: its wall time for all questions less its time for one
(start-up and index opening).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BBC = ROOT.parent / "shared" / "data" / "bbc_news"
TOP_K = 3


def _documents(work: Path) -> tuple[Path, list[str]]:
    """The 5 category folders of BBC News (not README.TXT / SOURCE.md), and every article's title (first line)."""
    documents = work / "bbc"
    for category in sorted(path for path in BBC.iterdir() if path.is_dir()):
        shutil.copytree(category, documents / category.name)
    titles = []
    for path in sorted(documents.rglob("*.txt")):
        lines = (line.strip() for line in path.read_text(encoding="utf-8", errors="replace").splitlines())
        titles.append(next(line for line in lines if line))
    return documents, titles


def _passes(timers: dict[str, Callable[[str], object]], questions: list[str],
            passes: int) -> tuple[dict[str, float], dict[str, float]]:
    """Seconds of the best pass of each timer over all questions, and each one's median latency over all its
    questions and passes (less sensitive to the time slices other processes take); passes interleaved."""
    best = {name: float("inf") for name in timers}
    latencies: dict[str, list[float]] = {name: [] for name in timers}
    clock = time.perf_counter
    for _ in range(passes):
        for name, run in timers.items():
            times = latencies[name]
            started = clock()
            for question in questions:
                asked = clock()
                run(question)
                times.append(clock() - asked)
            best[name] = min(best[name], clock() - started)
    return best, {name: statistics.median(times) for name, times in latencies.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--profile", type=int, default=0, help="print the N costliest functions of whole answers")
    args = parser.parse_args()
    if not BBC.exists():
        raise SystemExit(f"BBC News is not in {BBC}")
    import bm25s
    import orjson
    import Stemmer
    from bm25s.tokenization import Tokenizer

    from qa.collection import Collection
    from qa.ranking.analysis import load_stopwords

    with tempfile.TemporaryDirectory(prefix="qa-answers-") as work_dir:
        work = Path(work_dir)
        documents, questions = _documents(work)
        index_dir = work / "index"
        searcher = Collection(documents, index_dir, warm=True).searcher
        index = searcher.index
        passages = []
        for number in range(index.engine.n_docs):
            article, start, end, _ = (int(x) for x in index.passages[number])
            passages.append(index.articles[article].title + "\n" + index.article_text(article)[start:end])

        tokenizer = Tokenizer(lower=True, stopwords=sorted(load_stopwords()), stemmer=Stemmer.Stemmer("english"))
        retriever = bm25s.BM25(k1=1.2, b=0.75, backend="numba")
        retriever.index(tokenizer.tokenize(passages, return_as="tuple", show_progress=False), show_progress=False)

        def whole_answer(question: str) -> bytes:
            return orjson.dumps(searcher.ask(question, TOP_K))

        def ranking_only(question: str) -> object:
            return searcher.rank(question, TOP_K).passages

        def bm25s_top3(question: str) -> object:
            ids = tokenizer.tokenize([question], update_vocab=False, show_progress=False)
            return retriever.retrieve(ids, k=TOP_K, n_threads=1, show_progress=False)

        timers = {"qa whole answers": whole_answer, "qa ranking only": ranking_only, "bm25s bare top-3": bm25s_top3}
        _passes(timers, questions, 1)  # warm: compiled kernels, numba, caches
        seconds, medians = _passes(timers, questions, args.passes)

        def whole_answers() -> int:
            return sum(len(whole_answer(question)) for question in questions)

        env = {key: value for key, value in os.environ.items() if not key.startswith("QA_")}
        ask = [sys.executable, "-m", "qa", "ask", "--json", "--top-k", str(TOP_K), "--documents", str(documents),
               "--index-dir", str(index_dir), "--file"]
        (work / "one.txt").write_text(questions[0] + "\n", encoding="utf-8")
        (work / "all.txt").write_text("\n".join(questions) + "\n", encoding="utf-8")
        wall = {}
        for name in ("one.txt", "all.txt") * 3:  # the least of 3 runs each: start-up varies with the load
            started = time.perf_counter()
            subprocess.run([*ask, str(work / name)], check=True, stdout=subprocess.DEVNULL, env=env, cwd=ROOT)
            wall[name] = min(wall.get(name, float("inf")), time.perf_counter() - started)

        profile = ""
        if args.profile:
            profiler = cProfile.Profile()
            profiler.runcall(whole_answers)
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(args.profile)
            profile = out.getvalue()

    n = len(questions)
    rates = {name: n / value for name, value in seconds.items()}
    rates["qa ask --file --json (process)"] = (n - 1) / max(wall["all.txt"] - wall["one.txt"], 1e-9)
    ratio = rates["qa whole answers"] / rates["bm25s bare top-3"]
    median_ratio = medians["bm25s bare top-3"] / medians["qa whole answers"]
    result = {"corpus": f"BBC News: {len(index.articles)} articles, {len(passages)} passages", "questions": n,
              "top_k": TOP_K, "per_second": rates, "ms_per_question": {k: 1000 / v for k, v in rates.items()},
              "median_ms": {name: value * 1000 for name, value in medians.items()},
              "whole_answers_to_bm25s_top3": ratio, "by_median_latency": median_ratio,
              "process_ratio_to_bm25s_top3": rates["qa ask --file --json (process)"] / rates["bm25s bare top-3"],
              "load_average": os.getloadavg(), "cpus": os.cpu_count()}
    (ROOT / "benchmarks" / "results" / "answers.json").write_text(json.dumps(result, indent=1) + "\n")
    if args.json:
        print(json.dumps(result))
        return
    load = result["load_average"]
    print(f"{result['corpus']}; {n} questions (the titles), top {TOP_K}; best of {args.passes} interleaved passes; "
          f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} CPUs")
    print("| | per second (best pass) | ms a question | median ms |\n|---|---:|---:|---:|")
    for name, rate in rates.items():
        median = f"{medians[name] * 1000:.3f}" if name in medians else "-"
        print(f"| {name} | {rate:,.0f} | {1000 / rate:.3f} | {median} |")
    print(f"whole answers / bm25s bare top-3: {ratio:.3f}x by the best passes, {median_ratio:.3f}x by the median "
          f"latencies (target >= 0.10x, aim 0.25x); the process: {result['process_ratio_to_bm25s_top3']:.3f}x")
    if profile:
        print(profile)


if __name__ == "__main__":
    main()
