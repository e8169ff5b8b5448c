"""HTTP under load: `qa serve --workers N` on a synthetic corpus, driven by wrk with keep-alive clients.

    apt-get install -y wrk
    .venv/bin/python benchmarks/http_load.py --size 1M            # 32 connections, 30 s, GET /ask top_k=10

What it does, in order:
1. writes a documents folder under .bench/ (benchmarks/synthetic.py): articles of 100 paragraphs of 40-80 words,
   which qa's chunker (`--chunk-words 80`) turns into one passage each, so N paragraphs -> about N passages;
2. builds the index with `qa index` (timed, peak memory of the process), unless one is already there;
3. starts `qa serve --workers N` on a free loopback port and waits for `GET /health` (its `passages` is printed);
4. runs wrk twice with a Lua script cycling through the synthetic questions (`GET /ask?q=...&top_k=10`): a short
   warm-up, then the measured run (`wrk -t2 -c32 -d30s --latency`). wrk is a closed loop: each connection sends
   its next question as soon as it has an answer, so this finds the most the server answers (its capacity);
5. then holds a fixed rate (`--rate`, default 1,000 questions a second) over the same 32 keep-alive connections
   with `benchmarks/open_loop.py`, counting each question's latency from when it was due (wrk2's correction):
   what a client sees while the service holds that load;
6. prints requests/s, latency percentiles, non-2xx responses and socket errors for both, and the targets; stops
   the server.
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
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import engine as engine_bench  # noqa: E402
import synthetic  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
QA = ROOT / ".venv" / "bin" / "qa"
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


def run_measured(cmd: list[str]) -> tuple[float, float, str]:
    """(wall seconds, peak MB of the child, stderr tail)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT)
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", default="1M", help="10k, 100k, 1M or a number of paragraphs (passages)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--duration", type=int, default=30, help="seconds of the measured wrk run")
    parser.add_argument("--warmup", type=int, default=5, help="seconds of the warm-up wrk run")
    parser.add_argument("--questions", type=int, default=2_000)
    parser.add_argument("--top-k", type=int, default=10, help="passages asked for by each request")
    parser.add_argument("--chunk-words", type=int, default=80)
    parser.add_argument("--rate", type=float, default=1000.0,
                        help="questions a second held by the open-loop run (0: skip it)")
    parser.add_argument("--rebuild", action="store_true", help="run `qa index` even if an index exists")
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    size = SIZES.get(args.size.lower()) or int(args.size)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # so that `finally` stops the server

    bench = synthetic.BENCH_DIR
    docs = bench / f"documents-{size}"
    index_dir = bench / f"index-{size}"
    log = sys.stderr
    print(f"documents: {docs}", file=log, flush=True)
    synthetic.write_documents(size, docs)
    common = ["--documents", str(docs), "--index-dir", str(index_dir), "--chunk-words", str(args.chunk_words)]
    build = None
    if args.rebuild or not (index_dir / "CURRENT").exists():
        print("building the index (qa index) ...", file=log, flush=True)
        wall, peak, tail = run_measured([str(QA), "index", *common])
        build = {"build_s": wall, "peak_mb": peak, "report": tail}

    questions = synthetic.SyntheticCorpus().questions(args.questions)
    paths_file = bench / f"http-paths-{args.questions}-top{args.top_k}.txt"
    paths_file.write_text("".join(f"/ask?{urllib.parse.urlencode({'q': q, 'top_k': args.top_k})}\n"
                                  for q in questions))
    lua_file = bench / "http-cycle.lua"
    lua_file.write_text(LUA)

    port = args.port or free_port()
    url = f"http://127.0.0.1:{port}"
    server_log = bench / "logs" / f"serve-{size}.log"  # a file, not a pipe: the access log must never block it
    server_log.parent.mkdir(parents=True, exist_ok=True)
    with server_log.open("w") as log_file:
        server = subprocess.Popen([str(QA), "serve", "--workers", str(args.workers), "--port", str(port), *common],
                                  stdout=log_file, stderr=subprocess.STDOUT, cwd=ROOT, start_new_session=True)
    try:
        health, start_s = wait_healthy(url, server, 900)
        for question in questions[:20]:  # both workers answer before the clock starts
            sample = get_json(url + "/ask?" + urllib.parse.urlencode({"q": question, "top_k": args.top_k}), 60)
        wrk = ["wrk", f"-t{args.threads}", f"-c{args.connections}", "--latency", "-s", str(lua_file)]
        print(f"server up in {start_s:.1f} s: {health.get('passages')} passages; warm-up {args.warmup} s ...",
              file=log, flush=True)
        subprocess.run([*wrk, f"-d{args.warmup}s", url, "--", str(paths_file)], capture_output=True, text=True,
                       check=True)
        print(f"measuring {args.duration} s ...", file=log, flush=True)
        done = subprocess.run([*wrk, f"-d{args.duration}s", url, "--", str(paths_file)], capture_output=True,
                              text=True, check=True)
        rss = server_rss(server.pid)
        held = None
        if args.rate > 0:
            print(f"holding {args.rate:,.0f} questions/s for {args.duration} s ...", file=log, flush=True)
            held = json.loads(subprocess.run(
                [sys.executable, str(ROOT / "benchmarks" / "open_loop.py"), url, str(paths_file), "--rate",
                 str(args.rate), "--connections", str(args.connections), "--duration", str(args.duration)],
                capture_output=True, text=True, check=True).stdout)
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
    figures = parse_wrk(done.stdout)
    answered = figures.get("requests", 0) > 0
    met = {
        "capacity (wrk) >= 1000 requests/s": figures.get("requests_per_s", 0) >= 1000,
        "p99 < 25 ms at capacity (wrk)": answered and figures.get("p99_ms", 1e9) < 25,
        "no errors (wrk)": answered and figures["non_2xx"] == 0 and figures["socket_errors"] == 0,
    }
    if held is not None:
        met[f"holds {args.rate:,.0f}/s: answered >= 99% of offered"] = (
            held["answered_per_s"] >= 0.99 * held["offered_per_s"])
        met[f"p99 < 25 ms at {args.rate:,.0f}/s"] = held["requests"] > 0 and held["p99_ms"] < 25
        met[f"no errors at {args.rate:,.0f}/s"] = held["non_2xx"] == 0 and held["socket_errors"] == 0
    report = {"size": size, "passages": health.get("passages"), "articles": health.get("articles"),
              "workers": args.workers, "top_k": args.top_k, "connections": args.connections,
              "duration_s": args.duration,
              "build": build, "server_start_s": start_s, "wrk": figures, "held": held, "targets": met,
              "server_memory": rss,
              "sample_took_ms": sample.get("took_ms"), "server_log": str(server_log),
              "command": " ".join([*wrk, f"-d{args.duration}s", url])}
    report["machine"] = engine_bench.machine()
    if args.json:
        print(json.dumps(report))
        return
    print(f"machine: {report['machine']}")
    print(f"HTTP load: qa serve --workers {args.workers}, {health.get('passages'):,} passages in "
          f"{health.get('articles'):,} articles ({size:,} paragraphs generated, --chunk-words {args.chunk_words})")
    if build:
        print(f"qa index: {build['build_s']:.1f} s wall, peak RSS {build['peak_mb']:,.0f} MB ({build['report']})")
    print(f"server ready (GET /health answered) {start_s:.1f} s after launch; memory under load: {rss}; "
          f"server log: {server_log}")
    print(f"load: {report['command']} -- <{args.questions:,} synthetic questions, "
          f"GET /ask?q=...&top_k={args.top_k}, cycled>")
    print(done.stdout.rstrip())
    print()
    print(f"{'requests/s':>11} {'p50 ms':>8} {'p75 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'max ms':>8} {'non-2xx':>8} "
          f"{'socket errors':>14}")
    pct = [figures.get(f"p{p}_ms", 0) for p in ("50", "75", "90", "99")] + [figures.get("max_ms", 0)]
    print(f"{figures.get('requests_per_s', 0):>11,.0f} " + " ".join(f"{v:>8.2f}" for v in pct) + " "
          f"{figures['non_2xx']:>8} {figures['socket_errors']:>14}   (wrk: capacity, closed loop)")
    if held is not None:
        print(f"{held['answered_per_s']:>11,.0f} " + " ".join(f"{held[k]:>8.2f}" for k in (
            "p50_ms", "p75_ms", "p90_ms", "p99_ms", "max_ms"))
              + f" {held['non_2xx']:>8} {held['socket_errors']:>14}   (open loop: {held['offered_per_s']:,.0f}/s "
              f"offered over {held['connections']} connections)")
        print(f"open loop: {held['requests']:,} questions measured; the generator sent them "
              f"{held['send_lag_p50_ms']:.2f}"
              f" ms (p50) / {held['send_lag_p99_ms']:.2f} ms (p99) after they were due (near 0: it kept up)")
    for name, ok in met.items():
        print(f"target {name}: {'MET' if ok else 'NOT MET'}")


if __name__ == "__main__":
    main()
