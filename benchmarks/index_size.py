"""`qa index` of the synthetic folder of http_load.py: wall time, peak memory, size on disk by file, and opening time.

    python benchmarks/index_size.py --size 100k                                  # this checkout
    python benchmarks/index_size.py --size 1M --tree old=../old --tree new=.      # two checkouts, one after the other
    python benchmarks/index_size.py --size 100k --json                           # one JSON object

The folder is `benchmarks/synthetic.py`'s (articles of 100 paragraphs of 40-80 words; `--chunk-words 80` makes one
passage of each paragraph), written once under .bench/. Each tree builds its own index with `qa index` as a new
process (`python -m qa` of that tree, with the interpreter running this script), twice: the first build gives the
peak memory of the whole process tree (`tree_peak_mb`: the sum of every process's proportional set size,
/proc/PID/smaps_rollup, sampled every 20 ms, so that pages the forked workers share with the builder count once; the
sampling slows a build), the second the wall and CPU seconds (of the process and its workers) and the largest
process's peak resident memory (`peak_mb`, `wait4`'s `ru_maxrss`). Size is the bytes of the version folder's files;
opening is `qa.index.reader.load_index` (memory maps, checksums, vocabulary, articles) in a fresh process of the
tree, the least of 5.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import synthetic  # noqa: E402
from engine import machine  # noqa: E402
from http_load import SIZES, tree_env  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
LOAD = """
import gc, json, sys, time
from pathlib import Path
from qa.index.reader import load_index
from qa.index.store import current_version
folder = current_version(Path(sys.argv[1]))
times = []
for _ in range(5):
    started = time.perf_counter()
    index = load_index(folder)
    times.append(time.perf_counter() - started)
    del index
    gc.collect()
print(json.dumps(min(times)))
"""


def _tree(pid: int) -> list[int]:
    """The process and its descendants (Linux: /proc/PID/task/TID/children)."""
    found = [pid]
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as children:
                found += [descendant for child in children.read().split() for descendant in _tree(int(child))]
    except OSError:
        pass
    return found


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            return next((int(line.split()[1]) for line in rollup if line.startswith("Pss:")), 0)
    except OSError:
        return 0


def run_build(cmd: list[str], env: dict[str, str], cwd: Path, sample: bool) -> dict:
    """Run `qa index`: wall and CPU seconds, the largest process's peak RSS and, with `sample`, the tree's peak
    PSS (reading smaps_rollup walks the processes' page tables and slowed the 1M build by 2.5 s even every 0.1 s:
    `measure` times one build and samples another)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=cwd, env=env)
    peak = [0]

    def sample_tree() -> None:
        while proc.returncode is None:
            peak[0] = max(peak[0], sum(map(_pss_kb, _tree(proc.pid))))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample_tree, daemon=True)
    if sample:
        sampler.start()
    output = proc.stdout.read() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if sample:
        sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {output.strip()[-500:]}")
    return {"build_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "tree_peak_mb": peak[0] / 1024,
            "peak_mb": usage.ru_maxrss / 1024, "report": output.strip().splitlines()[-1] if output.strip() else ""}


def measure(label: str, tree: Path, documents: Path, index_dir: Path, chunk_words: int) -> dict:
    shutil.rmtree(index_dir, ignore_errors=True)
    env = tree_env(tree)
    command = [sys.executable, "-m", "qa", "index", "--documents", str(documents), "--index-dir", str(index_dir),
               "--chunk-words", str(chunk_words)]
    sampled = run_build(command, env, tree, sample=True)  # the memory (its time is not reported)
    shutil.rmtree(index_dir)
    built = {**run_build(command, env, tree, sample=False), "tree_peak_mb": sampled["tree_peak_mb"]}
    version = index_dir / (index_dir / "CURRENT").read_text().strip()
    files = {path.relative_to(version).as_posix(): path.stat().st_size
             for path in sorted(version.rglob("*")) if path.is_file()}
    opened = subprocess.run([sys.executable, "-c", LOAD, str(index_dir)], env=env, cwd=tree, check=True,
                            capture_output=True, text=True)
    return {"label": label, "tree": str(tree), **built,
            "bytes": sum(files.values()), "files": files, "load_s": json.loads(opened.stdout),
            "load_average": os.getloadavg()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", default="100k", help="100k, 1M or a number of paragraphs")
    parser.add_argument("--chunk-words", type=int, default=80)
    parser.add_argument("--tree", action="append", help="label=path of a checkout (default: this one)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    size = SIZES.get(args.size.lower()) or int(args.size)
    trees = [(label, Path(path).resolve()) for label, _, path in (t.partition("=") for t in args.tree or [])] \
        or [("this", ROOT)]
    documents = synthetic.BENCH_DIR / f"documents-{size}"
    synthetic.write_documents(size, documents)
    runs = [measure(label, tree, documents, synthetic.BENCH_DIR / f"index-size-{size}-{label}", args.chunk_words)
            for label, tree in trees]
    report = {"size": size, "chunk_words": args.chunk_words, "runs": runs, "machine": machine()}
    if args.json:
        print(json.dumps(report))
        return
    print(f"machine: {report['machine']}")
    print(f"{'tree':<10} {'build s':>8} {'CPU s':>7} {'tree peak MB':>13} {'largest MB':>11} {'size MB':>8} "
          f"{'load s':>7}  load average")
    for run in runs:
        print(f"{run['label']:<10} {run['build_s']:>8.1f} {run['cpu_s']:>7.1f} {run['tree_peak_mb']:>13,.0f} "
              f"{run['peak_mb']:>11,.0f} {run['bytes'] / 1e6:>8.1f} {run['load_s']:>7.3f}  "
              f"{' '.join(f'{x:.1f}' for x in run['load_average'])}")
    for run in runs:
        biggest = sorted(run["files"].items(), key=lambda item: -item[1])[:8]
        print(f"{run['label']}: " + ", ".join(f"{name} {size / 1e6:.1f}" for name, size in biggest))


if __name__ == "__main__":
    main()
