"""Wall time of one `qa ask "..."` on a folder whose index is up to date: the quick path (qa/cli/quick.py) beside
the full command, and Python's own start-up, in the same run.

    python benchmarks/cli_latency.py                       # documents/ (indexed first, untimed), 15 runs each
    python benchmarks/cli_latency.py --runs 31 --json      # one JSON object (also saved under benchmarks/results/)

Each run is a new process (`sys.executable -m qa ask ...`), as a person at a terminal starts it; the runs of the
different commands are interleaved so that they share the machine's load, and the median is reported. "full"
is the same question with `--max-per-article 0` (the default value, so the same answer), a flag the quick path
leaves to the full command. "a word the articles lack" asks "sign" where the articles only say "signed":
its term is unknown until NLTK's stemmer (imported on first use, about a second) says what it is.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "Who co-chaired the first meeting of the digital transformation working group?"
NEW_WORD = "When did Azerbaijan and Turkey sign the Shusha Declaration?"  # "sign": the articles say "signed"


def _timed(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=env, cwd=ROOT)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=Path, default=ROOT / "documents")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    env = {key: value for key, value in os.environ.items() if not key.startswith("QA_")}
    with tempfile.TemporaryDirectory() as index_dir:
        ask = [sys.executable, "-m", "qa", "ask", "--documents", str(args.documents), "--index-dir", index_dir]
        subprocess.run([sys.executable, "-m", "qa", "index", "--documents", str(args.documents), "--index-dir",
                        index_dir], check=True, stdout=subprocess.DEVNULL, env=env, cwd=ROOT)
        commands = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "python -c 'import numpy'": [sys.executable, "-c", "import numpy"],
            "qa ask (quick path)": [*ask, QUESTION],
            "qa ask --json (quick path)": [*ask, "--json", QUESTION],
            "qa ask (full command)": [*ask, "--max-per-article", "0", QUESTION],
            "qa ask, a word the articles lack (quick path)": [*ask, NEW_WORD],
        }
        for command in commands.values():  # warm the file cache and the compiled kernels' cache
            _timed(command, env)
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, command in commands.items():
                times[name].append(_timed(command, env))
    load = os.getloadavg()
    medians = {name: statistics.median(values) for name, values in times.items()}
    result = {"question": QUESTION, "runs": args.runs, "median_s": medians,
              "min_s": {name: min(values) for name, values in times.items()},
              "ratio_full_to_quick": medians["qa ask (full command)"] / medians["qa ask (quick path)"],
              "load_average": load, "cpus": os.cpu_count(), "python": sys.version.split()[0]}
    out = ROOT / "benchmarks" / "results" / "cli_latency.json"
    out.write_text(json.dumps(result, indent=1) + "\n")
    if args.json:
        print(json.dumps(result))
        return
    print(f"{args.runs} runs each, interleaved; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} "
          f"on {os.cpu_count()} CPUs")
    print("| command | median s | min s |\n|---|---:|---:|")
    for name in commands:
        print(f"| {name} | {medians[name]:.3f} | {min(times[name]):.3f} |")
    print(f"full command / quick path: {result['ratio_full_to_quick']:.1f}x; "
          f"target quick path < 0.3 s: {'met' if medians['qa ask (quick path)'] < 0.3 else 'NOT met'}")


if __name__ == "__main__":
    main()
