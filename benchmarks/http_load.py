"""HTTP under load: `qa serve --workers N` on a synthetic corpus, driven by wrk with keep-alive clients.

    apt-get install -y wrk
    python benchmarks/http_load.py --size 1M                      # 32 connections, 30 s, GET /ask top_k=10
    python benchmarks/http_load.py --size 100k --top-k 3,10 --runs 2 --tree old=../old --tree new=.

Run it with the interpreter of any environment where qa's dependencies are installed (`pip install -e
".[bench]"`): every qa command it starts is `python -m qa` with that same interpreter (`sys.executable`).
Each `--tree LABEL=PATH` is a checkout of qa whose `qa serve` is measured (`python -m qa` run in that checkout,
which comes first on PYTHONPATH, so its `qa` package is the one imported, also by the worker processes); several
trees are measured in one run, alternating (tree A, tree B, tree A, ...) for each top_k, so that the machine's
other load falls on all of them alike; each tree builds its own index (index formats may differ). Make a
checkout of another commit with `git worktree add --detach ../old <commit>`. Default: this checkout alone.

What it does, in order:
1. writes a documents folder under .bench/ (benchmarks/synthetic.py): articles of 100 paragraphs of 40-80 words,
   which qa's chunker (`--chunk-words 80`) turns into one passage each, so N paragraphs -> about N passages;
2. builds the index with `qa index` (timed, peak memory of the process), unless one is already there (one per
   tree when several are compared);
3. starts `qa serve --workers N` on a free loopback port and waits for `GET /health` (its `passages` is printed);
4. runs wrk twice with a Lua script cycling through the synthetic questions (`GET /ask?q=...&top_k=10`): a short
   warm-up, then the measured run (`wrk -t2 -c32 -d30s --latency`). wrk is a closed loop: each connection sends
   its next question as soon as it has an answer, so this finds the most the server answers (its capacity);
5. then holds a fixed rate (`--rate`, default 1,000 questions a second) over the same 32 keep-alive connections
   with `benchmarks/open_loop.py`, counting each question's latency from when it was due (wrk2's correction):
   what a client sees while the service holds that load;
6. prints requests/s, latency percentiles, non-2xx responses and socket errors for both, how the connections
   were shared by the workers half-way through each load, and the targets; stops the server (SIGINT).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import engine as engine_bench  # noqa: E402
import synthetic  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
QA = [sys.executable, "-m", "qa"]  # the interpreter running this script, whatever its environment
SIZES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000}

LUA = """
local paths = {}
local i = 0
local counter = 0

function setup(thread)
  thread:set("offset", counter * 997)
  counter = counter + 1
end

function init(args)
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
  i = (offset or 0) % #paths
end

function request()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_measured(cmd: list[str], env: dict[str, str] | None = None, cwd: Path = ROOT) -> tuple[float, float, str]:
    """(wall seconds, peak MB of the child, stderr tail)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=cwd, env=env)
    err = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {err.strip()[-500:]}")
    return time.perf_counter() - start, usage.ru_maxrss / 1024, err.strip().splitlines()[-1] if err.strip() else ""


def get_json(url: str, timeout: float = 5.0) -> dict:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return json.loads(response.read())


def wait_healthy(url: str, proc: subprocess.Popen, limit: float) -> tuple[dict, float]:
    start = time.perf_counter()
    while time.perf_counter() - start < limit:
        if proc.poll() is not None:
            raise SystemExit(f"qa serve exited with {proc.returncode}")
        try:
            return get_json(url + "/health"), time.perf_counter() - start
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"qa serve did not answer /health within {limit:.0f} s")


def parse_wrk(text: str) -> dict:
    def seconds(value: str, unit: str) -> float:
        return float(value) * {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]

    out: dict = {"non_2xx": 0, "socket_errors": 0}
    if m := re.search(r"Requests/sec:\s+([\d.]+)", text):
        out["requests_per_s"] = float(m.group(1))
    if m := re.search(r"(\d+) requests in ([\d.]+)(\w+)", text):
        out["requests"] = int(m.group(1))
    for pct in ("50", "75", "90", "99"):
        if m := re.search(rf"^\s+{pct}(?:\.000)?%\s+([\d.]+)(us|ms|s|m)\s*$", text, re.M):
            out[f"p{pct}_ms"] = seconds(m.group(1), m.group(2))
    if m := re.search(r"Latency\s+([\d.]+)(us|ms|s)\s+([\d.]+)(us|ms|s)\s+([\d.]+)(us|ms|s)", text):
        out["mean_ms"] = seconds(m.group(1), m.group(2))
        out["max_ms"] = seconds(m.group(5), m.group(6))
    if m := re.search(r"Non-2xx or 3xx responses: (\d+)", text):
        out["non_2xx"] = int(m.group(1))
    if m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text):
        out["socket_errors"] = sum(int(g) for g in m.groups())
        out["socket_detail"] = m.group(0)
    return out


def server_rss(pid: int) -> str:
    try:
        import psutil
    except ImportError:
        return "psutil not installed"
    parent = psutil.Process(pid)
    procs = [parent, *parent.children(recursive=True)]
    parts = []
    for p in procs:
        try:
            mem = p.memory_full_info()
            parts.append(f"pid {p.pid}: RSS {mem.rss / 2**20:,.0f} MB (USS {mem.uss / 2**20:,.0f} MB)")
        except psutil.Error:
            pass
    return "; ".join(parts)


def tree_env(tree: Path) -> dict[str, str]:
    """The environment that makes `python -m qa` import the qa package of `tree` (it comes first on the path)."""
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(tree), os.environ.get("PYTHONPATH", "")]).rstrip(
        os.pathsep)}


def worker_shares(pid: int, port: int) -> list[int]:
    """Established connections to `port` held by each child process of the server, largest first."""
    try:
        import psutil
    except ImportError:
        return []
    shares = []
    for child in psutil.Process(pid).children():
        try:
            connections = child.net_connections(kind="tcp") if hasattr(child, "net_connections") else \
                child.connections(kind="tcp")
        except psutil.Error:
            continue
        held = sum(1 for c in connections if c.status == psutil.CONN_ESTABLISHED and c.laddr and c.laddr.port == port)
        if held:
            shares.append(held)
    return sorted(shares, reverse=True)


def during(process: subprocess.Popen, seconds: float, look: Callable[[], list[int]]) -> tuple[str, list[int]]:
    """Wait for `process` (a load generator), looking at the server half-way; (its stdout, what `look` saw)."""
    try:
        time.sleep(seconds / 2)
        seen = look()
        out, err = process.communicate()
    except BaseException:  # stopped (SIGTERM, Ctrl-C): the load stops too
        process.kill()
        process.wait()
        raise
    if process.returncode != 0:
        raise SystemExit(f"{process.args} failed: {err.strip()[-500:]}")
    return out, seen


def measure(label: str, tree: Path, args: argparse.Namespace, top_k: int, common: list[str],
            questions: list[str], paths_file: Path, lua_file: Path, size: int) -> dict:
    """Start `qa serve` from `tree`, warm it up, run wrk then the open loop; the figures of this run."""
    port = args.port or free_port()
    url = f"http://127.0.0.1:{port}"
    server_log = synthetic.BENCH_DIR / "logs" / f"serve-{size}-{label}-top{top_k}.log"  # never a pipe: it blocks
    server_log.parent.mkdir(parents=True, exist_ok=True)
    with server_log.open("w") as log_file:
        server = subprocess.Popen([*QA, "serve", "--workers", str(args.workers), "--port", str(port), *common],
                                  stdout=log_file, stderr=subprocess.STDOUT, cwd=tree, env=tree_env(tree),
                                  start_new_session=True)
    held = None
    held_shares: list[int] = []
    try:
        health, start_s = wait_healthy(url, server, 900)
        for question in questions[:20]:  # both workers answer before the clock starts
            sample = get_json(url + "/ask?" + urllib.parse.urlencode({"q": question, "top_k": top_k}), 60)
        wrk = ["wrk", f"-t{args.threads}", f"-c{args.connections}", "--latency", "-s", str(lua_file)]
        print(f"[{label}, top_k={top_k}] server up in {start_s:.1f} s: {health.get('passages')} passages; "
              f"warm-up {args.warmup} s, then wrk {args.duration} s ...", file=sys.stderr, flush=True)
        subprocess.run([*wrk, f"-d{args.warmup}s", url, "--", str(paths_file)], capture_output=True, text=True,
                       check=True)
        out, wrk_shares = during(subprocess.Popen([*wrk, f"-d{args.duration}s", url, "--", str(paths_file)],
                                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True),
                                 args.duration, lambda: worker_shares(server.pid, port))
        rss = server_rss(server.pid)
        if args.rate > 0:
            print(f"[{label}, top_k={top_k}] holding {args.rate:,.0f} questions/s for {args.duration} s ...",
                  file=sys.stderr, flush=True)
            loop_out, held_shares = during(subprocess.Popen(
                [sys.executable, str(ROOT / "benchmarks" / "open_loop.py"), url, str(paths_file), "--rate",
                 str(args.rate), "--connections", str(args.connections), "--duration", str(args.duration)],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True), args.duration + 3,
                lambda: worker_shares(server.pid, port))
            held = json.loads(loop_out)
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
    return {"tree": label, "path": str(tree), "commit": _commit(tree), "top_k": top_k,
            "passages": health.get("passages"), "articles": health.get("articles"), "server_start_s": start_s,
            "wrk": parse_wrk(out), "wrk_text": out,
            "wrk_shares": wrk_shares, "held": held, "held_shares": held_shares, "server_memory": rss,
            "sample_took_ms": sample.get("took_ms"), "server_log": str(server_log),
            "command": " ".join([*wrk, f"-d{args.duration}s", url])}


def _commit(tree: Path) -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=tree,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "qa"], capture_output=True, text=True,
                               cwd=tree, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"
    return head + ("+changes" if dirty else "")


def targets(run: dict, rate: float) -> dict[str, bool]:
    figures, held = run["wrk"], run["held"]
    answered = figures.get("requests", 0) > 0
    met = {
        "capacity (wrk) >= 1000 requests/s": figures.get("requests_per_s", 0) >= 1000,
        "p99 < 25 ms at capacity (wrk)": answered and figures.get("p99_ms", 1e9) < 25,
        "no errors (wrk)": answered and figures["non_2xx"] == 0 and figures["socket_errors"] == 0,
    }
    if held is not None:
        met[f"holds {rate:,.0f}/s: answered >= 99% of offered"] = held["answered_per_s"] >= 0.99 * held["offered_per_s"]
        met[f"p99 < 10 ms at {rate:,.0f}/s"] = held["requests"] > 0 and held["p99_ms"] < 10
        met[f"no errors at {rate:,.0f}/s"] = held["non_2xx"] == 0 and held["socket_errors"] == 0
    return met


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", default="1M", help="10k, 100k, 1M or a number of paragraphs (passages)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--duration", type=int, default=30, help="seconds of the measured wrk run")
    parser.add_argument("--warmup", type=int, default=5, help="seconds of the warm-up wrk run")
    parser.add_argument("--questions", type=int, default=2_000)
    parser.add_argument("--top-k", default="10", help="passages asked for by each request; several: 3,10")
    parser.add_argument("--runs", type=int, default=1, help="runs of each tree and top_k")
    parser.add_argument("--tree", action="append", metavar="LABEL=PATH",
                        help="a checkout of qa to measure (repeat to compare; default: this checkout)")
    parser.add_argument("--chunk-words", type=int, default=80)
    parser.add_argument("--rate", type=float, default=1000.0,
                        help="questions a second held by the open-loop run (0: skip it)")
    parser.add_argument("--rebuild", action="store_true", help="run `qa index` even if an index exists")
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    size = SIZES.get(args.size.lower()) or int(args.size)
    top_ks = [int(k) for k in args.top_k.split(",")]
    trees = [(label, Path(path).resolve()) for label, _, path in (t.partition("=") for t in args.tree or [])] \
        or [("this", ROOT)]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # so that `finally` stops the server

    bench = synthetic.BENCH_DIR
    docs = bench / f"documents-{size}"
    log = sys.stderr
    print(f"documents: {docs}", file=log, flush=True)
    synthetic.write_documents(size, docs)
    commons: dict[str, list[str]] = {}
    builds: dict[str, dict] = {}
    for label, tree in trees:  # an index per tree when several are compared: their formats may differ
        index_dir = bench / (f"index-{size}" if len(trees) == 1 else f"index-{size}-{label}")
        commons[label] = common = ["--documents", str(docs), "--index-dir", str(index_dir), "--chunk-words",
                                   str(args.chunk_words)]
        if args.rebuild or not (index_dir / "CURRENT").exists():
            print(f"[{label}] building the index (qa index) ...", file=log, flush=True)
            wall, peak, tail = run_measured([*QA, "index", *common], env=tree_env(tree), cwd=tree)
            builds[label] = {"build_s": wall, "peak_mb": peak, "report": tail}

    questions = synthetic.SyntheticCorpus().questions(args.questions)
    lua_file = bench / "http-cycle.lua"
    lua_file.write_text(LUA)
    runs = []
    for top_k in top_ks:
        paths_file = bench / f"http-paths-{args.questions}-top{top_k}.txt"
        paths_file.write_text("".join(f"/ask?{urllib.parse.urlencode({'q': q, 'top_k': top_k})}\n"
                                      for q in questions))
        for number in range(args.runs):
            for label, tree in trees:
                started, load = time.strftime("%H:%M:%S"), os.getloadavg()[0]
                run = measure(label, tree, args, top_k, commons[label], questions, paths_file, lua_file, size)
                run.update(run=number + 1, targets=targets(run, args.rate), started=started, load_before=load)
                runs.append(run)
                print(row(run), file=log, flush=True)
    report = {"size": size, "workers": args.workers, "connections": args.connections, "duration_s": args.duration,
              "rate": args.rate, "builds": builds, "runs": runs, "machine": engine_bench.machine()}
    if args.json:
        print(json.dumps(report))
        return
    print(f"machine: {report['machine']}")
    first = runs[0]
    print(f"HTTP load: qa serve --workers {args.workers}, {first['passages']:,} passages in {first['articles']:,} "
          f"articles ({size:,} paragraphs generated, --chunk-words {args.chunk_words}); {args.connections} "
          f"keep-alive connections, {args.questions:,} synthetic questions cycled")
    for label, build in builds.items():
        print(f"qa index [{label}]: {build['build_s']:.1f} s wall, peak RSS {build['peak_mb']:,.0f} MB "
              f"({build['report']})")
    print(f"wrk: {first['command']} (after a {args.warmup} s warm-up); open loop: {args.rate:,.0f} questions/s "
          f"for {args.duration} s over {args.connections} connections (benchmarks/open_loop.py)")
    for label, tree in trees:
        print(f"tree {label}: {tree} at {_commit(tree)}")
    print()
    print(HEADER)
    for run in runs:
        print(row(run))
    print()
    for run in runs:
        missed = [name for name, ok in run["targets"].items() if not ok]
        print(f"{run['tree']} top_k={run['top_k']} run {run['run']}: targets "
              + ("all MET" if not missed else "NOT MET: " + "; ".join(missed)))


HEADER = (f"{'tree':<6} {'top_k':>5} {'run':>3} | {'wrk q/s':>8} {'p50':>6} {'p90':>6} {'p99':>6} {'max':>6} "
          f"{'err':>4} {'split':>7} | {'held/s':>7} {'p50':>6} {'p90':>6} {'p99':>6} {'max':>6} {'err':>4} "
          f"{'split':>7} {'recon':>5}  {'start':>8} {'load':>4}   (times in ms)")


def row(run: dict) -> str:
    figures, held = run["wrk"], run["held"] or {}

    def split(shares: list[int]) -> str:
        return "/".join(str(share) for share in shares) or "?"

    errors = figures.get("non_2xx", 0) + figures.get("socket_errors", 0)
    text = (f"{run['tree']:<6} {run['top_k']:>5} {run['run']:>3} | {figures.get('requests_per_s', 0):>8,.0f} "
            + " ".join(f"{figures.get(key, 0):>6.1f}" for key in ("p50_ms", "p90_ms", "p99_ms", "max_ms"))
            + f" {errors:>4} {split(run['wrk_shares']):>7} |")
    if held:
        text += (f" {held['answered_per_s']:>7,.0f} "
                 + " ".join(f"{held[key]:>6.1f}" for key in ("p50_ms", "p90_ms", "p99_ms", "max_ms"))
                 + f" {held['non_2xx'] + held['socket_errors']:>4} {split(run['held_shares']):>7}"
                 + f" {held.get('reconnects', 0):>5}")
    return text + f"  {run.get('started', ''):>8} {run.get('load_before', 0):>4.1f}"


if __name__ == "__main__":
    main()
