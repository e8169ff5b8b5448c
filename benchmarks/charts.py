"""The README's speed charts, drawn from the JSON results the benchmarks saved under benchmarks/results/.

    python benchmarks/engine.py --size 100k --corpus zipf --no-bbc --engines qa,bm25s,tantivy --json \\
        > benchmarks/results/engine-100k-zipf.json          # and --corpus real > engine-100k-real.json
    python benchmarks/answers.py                             # writes benchmarks/results/answers.json
    python benchmarks/cli_latency.py                         # writes benchmarks/results/cli_latency.json
    python benchmarks/http_load.py --size 1M --top-k 3 --runs 5 --json > benchmarks/results/http-1m.json
    python benchmarks/charts.py                              # writes docs/speed-*.png (matplotlib, the bench extra)

Each chart says the load average its runs were measured under: the machine is shared, and the ratios (measured in
the same run) are what carries over, not the absolute rates.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
DOCS = ROOT / "docs"
COLORS = {"qa": "#1f77b4", "bm25s": "#ff7f0e", "tantivy": "#2ca02c", "rank_bm25": "#d62728"}
DRAWN = {"engine": re.compile(r"engine-\d+[km]-(zipf|real)\.json"), "http": re.compile(r"http-\d+[km]\.json")}
"""The result files a chart draws: those the commands above write. Others beside them, such as
`http-1m-3ec74b5.json` (a run at one commit that the README quotes), are kept for the record, not drawn."""


def drawn(kind: str, results: Path = RESULTS) -> list[Path]:
    """The `kind` ("engine" or "http") result files of `results` that a chart draws, by name."""
    return sorted(path for path in results.glob(f"{kind}-*.json") if DRAWN[kind].fullmatch(path.name))


def _pyplot() -> Any:
    """matplotlib (the bench extra), imported when a chart is drawn, so that `--help` needs nothing."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def engines_chart() -> Path | None:
    """Questions per second and p99 latency of each engine, per corpus and size: one group of bars each."""
    runs = drawn("engine")
    if not runs:
        return None
    plt = _pyplot()
    loaded = sorted((json.loads(path.read_text()) for path in runs),
                    key=lambda run: (run.get("corpus", "zipf") != "zipf", run["size"]))  # by corpus, then size
    labels = [f"{run.get('corpus', 'zipf')}\n{_size(run['size'])}" for run in loaded]
    names = [name for name in COLORS if any(name in run["engines"] for run in loaded)]
    figure, panels = plt.subplots(1, 3, figsize=(15, 4.2))
    width = 0.8 / len(names)
    shown = (("qps", "top-10 questions per second (best pass)"), ("p50_ms", "median ms (lower is better)"),
             ("p99_ms", "p99 ms (log scale)"))
    for number, name in enumerate(names):
        xs = [i + number * width for i in range(len(loaded))]
        for axes, (field, _) in zip(panels, shown, strict=True):
            axes.bar(xs, [run["engines"].get(name, {}).get(field, 0) for run in loaded], width, label=name,
                     color=COLORS[name])
    for axes, (_, title) in zip(panels, shown, strict=True):
        axes.set_xticks([i + width * (len(names) - 1) / 2 for i in range(len(loaded))], labels)
        axes.set_title(title, fontsize=10)
        axes.legend(fontsize=8)
    panels[2].set_yscale("log")
    loads = _loads(loaded)
    figure.suptitle(f"benchmarks/engine.py, one question at a time, peers in the same run (load average {loads} "
                    "on 2 CPUs)", fontsize=10)
    figure.tight_layout()
    return _save(figure, "speed-engines.png")


def answers_chart() -> Path | None:
    """Whole answers against qa's ranking alone and bm25s's bare top-3 on BBC News; and one `qa ask`'s wall time."""
    answers, latency = RESULTS / "answers.json", RESULTS / "cli_latency.json"
    if not answers.exists() or not latency.exists():
        return None
    result, cli = json.loads(answers.read_text()), json.loads(latency.read_text())
    plt = _pyplot()
    figure, (left, right) = plt.subplots(1, 2, figsize=(13, 3.8))
    rates = result["per_second"]
    left.barh(list(rates), list(rates.values()), color=["#1f77b4", "#aec7e8", "#ff7f0e", "#9467bd"])
    left.set_title(f"BBC News, top 3, per second (whole answers: {result['whole_answers_to_bm25s_top3']:.3f}x "
                   f"bm25s; {result['by_median_latency']:.3f}x by medians)", fontsize=9)
    left.invert_yaxis()
    medians = cli["median_s"]
    right.barh(list(medians), list(medians.values()), color="#1f77b4")
    right.axvline(0.3, color="#d62728", linestyle="--", label="0.3 s target")
    right.set_title(f"one command's wall time, median of {cli['runs']} runs (s)", fontsize=10)
    right.invert_yaxis()
    right.legend(fontsize=8)
    figure.suptitle(f"benchmarks/answers.py (load average {result['load_average'][0]:.1f}) and "
                    f"benchmarks/cli_latency.py (load average {cli['load_average'][0]:.1f}), 2 CPUs", fontsize=10)
    figure.tight_layout()
    return _save(figure, "speed-answers.png")


def http_chart() -> Path | None:
    """`qa serve` under load, run by run, for each corpus size measured: questions per second at saturation
    (wrk), and p99 at saturation and at the held rate against the issue's targets (25 ms and 10 ms)."""
    runs = drawn("http")
    if not runs:
        return None
    plt = _pyplot()
    loaded = sorted((json.loads(path.read_text()) for path in runs), key=lambda report: report["size"])
    figure, (left, right) = plt.subplots(1, 2, figsize=(13, 3.8))
    labels, rates, saturated, held = [], [], [], []
    for report in loaded:
        for run in report["runs"]:
            labels.append(f"{_size(report['size'])}\nrun {run['run']}, top {run['top_k']}")
            rates.append(run["wrk"].get("requests_per_s", 0))
            saturated.append(run["wrk"].get("p99_ms", 0))
            held.append((run.get("held") or {}).get("p99_ms", 0))
    xs = range(len(labels))
    left.bar(xs, rates, color=COLORS["qa"])
    left.set_xticks(list(xs), labels, fontsize=7)
    left.set_title("questions per second at saturation (wrk, 32 connections)", fontsize=10)
    right.bar([x - 0.2 for x in xs], saturated, 0.4, label="p99 ms at saturation", color="#1f77b4")
    right.bar([x + 0.2 for x in xs], held, 0.4, label=f"p99 ms at {loaded[-1]['rate']:,.0f}/s held", color="#aec7e8")
    right.axhline(25, color="#d62728", linestyle="--", linewidth=1, label="25 ms target")
    right.axhline(10, color="#ff7f0e", linestyle="--", linewidth=1, label="10 ms target")
    right.set_xticks(list(xs), labels, fontsize=7)
    right.set_ylim(0, max(30.0, *saturated, *held) * 1.35)  # room for the legend above the bars
    right.legend(fontsize=8, ncol=2, loc="upper left")
    right.set_title("p99 latency (ms)", fontsize=10)
    loads = _loads(loaded)
    figure.suptitle(f"benchmarks/http_load.py: qa serve --workers {loaded[-1]['workers']}, client and server on the "
                    f"same 2 CPUs (load average {loads} before)", fontsize=10)
    figure.tight_layout()
    return _save(figure, "speed-http.png")


def _loads(reports: list[dict]) -> str:
    """The load averages the reports' `machine` lines give (`benchmarks/engine.py`'s `machine()`), in order."""
    return ", ".join(report["machine"].split("load average ")[1].split(",")[0] for report in reports
                     if "load average " in report.get("machine", ""))


def _size(passages: int) -> str:
    """1,000,000 -> "1M passages", 100,000 -> "100k passages"."""
    return f"{passages // 1_000_000}M passages" if passages >= 1_000_000 else f"{passages // 1000}k passages"


def _save(figure: Any, name: str) -> Path:
    path = DOCS / name
    figure.savefig(path, dpi=90)
    _pyplot().close(figure)
    return path


if __name__ == "__main__":
    argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter).parse_args()
    for made in (engines_chart(), answers_chart(), http_chart()):
        if made:
            print(f"wrote {made.relative_to(ROOT)}")
