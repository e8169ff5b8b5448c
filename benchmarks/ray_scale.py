"""Shards and replicas on Ray: questions a second, p99, memory per shard actor and the fan-out cost, against
`qa serve` on one index in the same run.

    apt-get install -y wrk
    .venv/bin/python benchmarks/ray_scale.py --size 1M                      # 1M synthetic passages
    .venv/bin/python benchmarks/ray_scale.py --size 100k --configs 1x1,2x1  # shards x replicas

What it does, in order:
1. writes the synthetic documents folder under .bench/ (benchmarks/synthetic.py, as benchmarks/http_load.py: with
   `--chunk-words 80` each paragraph is one passage) and builds, unless there, one index (`qa index`) and a
   sharded index for each shard count asked (`qa index --shards N`), timing each;
2. runs itself again inside a private network and PID namespace (`unshare`, loopback only, as tests/test_ray.py):
   a Ray head node (`ray start --head`, no dashboard, no usage statistics), then for the baseline and each
   configuration in turn: the server (`qa serve --workers 1` on the one index, or `qa serve --ray --shards S
   --replicas R`), 40 warm-up questions, then wrk with one connection (latency with no queue: the fan-out cost
   is its p50 minus the baseline's) and with `--connections` (capacity: questions a second and p99), and the
   memory of every process (the shard actors' from /proc/PID/smaps_rollup: resident, proportional and
   anonymous; the memory-mapped index files are shared page cache);
3. prints one table, the load average before and after, and the ratios to the baseline.

Every server answers the same questions (`GET /ask?q=...&top_k=10`, 2,000 synthetic questions cycled). The
machine is shared: compare the rows of one run, not figures of different runs.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import http_load  # noqa: E402
import synthetic  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SIZES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000}
GCS_PORT = 6379
HTTP_PORT = 8000


def _qa(*args: str) -> list[str]:
    return [sys.executable, "-m", "qa", *args]


def _configs(text: str) -> list[tuple[int, int]]:
    return [(int(shards), int(replicas)) for shards, replicas in (item.split("x") for item in text.split(","))]


def prepare(args: argparse.Namespace, size: int) -> dict[str, Any]:
    """The documents folder and every index the run needs (built once, then reused)."""
    docs = synthetic.BENCH_DIR / f"documents-{size}"
    index_dir = synthetic.BENCH_DIR / f"ray-index-{size}"
    synthetic.write_documents(size, docs)
    common = ["--documents", str(docs), "--index-dir", str(index_dir), "--chunk-words", str(args.chunk_words)]
    builds: dict[str, Any] = {}
    wanted = [None, *sorted({shards for shards, _ in _configs(args.configs)})]
    for shards in wanted:
        marker = index_dir / (f"shards-{shards}" if shards else "") / ("shards.json" if shards else "CURRENT")
        if marker.exists() and not args.rebuild:
            continue
        print(f"building {'one index' if not shards else f'{shards} shards'} ...", file=sys.stderr, flush=True)
        extra = ["--shards", str(shards)] if shards else []
        wall, peak, tail = http_load.run_measured(_qa("index", *common, *extra))
        builds[str(shards or 0)] = {"seconds": round(wall, 1), "peak_mb": round(peak), "report": tail}
    return {"docs": str(docs), "index_dir": str(index_dir), "common": common, "builds": builds}


def _wrk(url: str, paths: Path, lua: Path, connections: int, seconds: int) -> dict[str, Any]:
    done = subprocess.run(["wrk", "-t1" if connections == 1 else "-t2", f"-c{connections}", f"-d{seconds}s",
                           "--latency", "-s", str(lua), url, "--", str(paths)], capture_output=True, text=True,
                          check=True)
    return http_load.parse_wrk(done.stdout)


def _memory(pid: int) -> dict[str, float]:
    """MB resident, proportional (shared pages split among their users) and anonymous, of one process."""
    wanted = {"Rss:": "rss_mb", "Pss:": "pss_mb", "Anonymous:": "anon_mb"}
    found: dict[str, float] = {}
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as handle:
            for line in handle:
                key, _, rest = line.partition(" ")
                if key in wanted:
                    found[wanted[key]] = round(int(rest.split()[0]) / 1024, 1)
    except OSError:
        pass
    return found


def _processes() -> dict[int, str]:
    """Every process of this PID namespace: pid -> its command line (ours alone: the namespace is private)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):  # it ended meanwhile
                found[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()[:120]
    return found


def measure(plan: dict[str, Any]) -> dict[str, Any]:
    """Inside the namespace: the head node, then each server in turn under wrk."""
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0"}
    bench = synthetic.BENCH_DIR
    questions = synthetic.SyntheticCorpus().questions(2000)
    paths = bench / "ray-paths.txt"
    paths.write_text("".join(f"/ask?{urllib.parse.urlencode({'q': q, 'top_k': 10})}\n" for q in questions))
    lua = bench / "http-cycle.lua"
    lua.write_text(http_load.LUA)
    url = f"http://127.0.0.1:{HTTP_PORT}"
    rows = []
    with tempfile.TemporaryDirectory(prefix="qa-ray-bench-") as temp:
        subprocess.run([str(Path(sys.executable).parent / "ray"), "start", "--head", f"--port={GCS_PORT}",
                        "--node-ip-address=127.0.0.1", "--include-dashboard=false", "--disable-usage-stats",
                        "--num-cpus=2", "--object-store-memory=200000000", f"--temp-dir={temp}/ray"],
                       check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        before = set(_processes())
        runs: list[tuple[str, list[str], int, int]] = [("qa serve (one index, 1 worker)",
                                                         _qa("serve", "--workers", "1"), 0, 0)]
        runs += [(f"qa serve --ray: {s} shard(s), {r} replica(s)",
                  _qa("serve", "--ray", f"127.0.0.1:{GCS_PORT}", "--shards", str(s), "--replicas", str(r)), s, r)
                 for s, r in _configs(plan["configs"])]
        for name, command, shards, replicas in runs:
            print(f"{name} ...", file=sys.stderr, flush=True)
            log = open(Path(temp) / f"serve-{len(rows)}.log", "w")  # noqa: SIM115 (closed below)
            server = subprocess.Popen([*command, *plan["common"], "--host", "127.0.0.1", "--port", str(HTTP_PORT)],
                                      env=env, stdout=log, stderr=subprocess.STDOUT)
            try:
                try:
                    health, start_s = http_load.wait_healthy(url, server, 1800)
                except SystemExit:
                    log.flush()
                    print((Path(temp) / f"serve-{len(rows)}.log").read_text()[-3000:], file=sys.stderr)
                    raise
                for question in questions[:40]:
                    http_load.get_json(url + "/ask?" + urllib.parse.urlencode({"q": question, "top_k": 10}), 120)
                alone = _wrk(url, paths, lua, 1, plan["duration"])
                loaded = _wrk(url, paths, lua, plan["connections"], plan["duration"])
                memory = {pid: {"process": cmd, **_memory(pid)} for pid, cmd in _processes().items()
                          if pid not in before and ("ShardActor" in cmd or "Replica" in cmd or "Proxy" in cmd
                                                    or "-m qa" in cmd)}
            finally:
                server.send_signal(signal.SIGINT if not shards else signal.SIGTERM)
                try:
                    server.wait(60)
                except subprocess.TimeoutExpired:
                    server.kill()
                    server.wait()
                log.close()
            time.sleep(3)  # the actors of this run are gone before the next starts
            rows.append({"name": name, "shards": shards, "replicas": replicas, "passages": health.get("passages"),
                         "start_s": round(start_s, 1), "alone": alone, "loaded": loaded,
                         "memory": list(memory.values())})
    return {"rows": rows}


def report(prepared: dict[str, Any], measured: dict[str, Any], args: argparse.Namespace, loads: list[str]) -> None:
    rows = measured["rows"]
    base = rows[0]
    print(f"{prepared['docs']}: {base['passages']:,} passages; wrk GET /ask top_k=10, {args.duration} s per run; "
          f"capacity with {args.connections} connections")
    for key, build in prepared["builds"].items():
        print(f"build {'one index' if key == '0' else key + ' shards'}: {build['seconds']} s, peak "
              f"{build['peak_mb']:,} MB ({build['report']})")
    print(f"{'server':<44} {'q/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'x base':>7} {'1-conn p50':>10} "
          f"{'fan-out ms':>10} {'errors':>6}")
    for row in rows:
        loaded, alone = row["loaded"], row["alone"]
        ratio = loaded.get("requests_per_s", 0) / max(base["loaded"].get("requests_per_s", 1), 1e-9)
        fan_out = alone.get("p50_ms", 0) - base["alone"].get("p50_ms", 0)
        errors = loaded.get("non_2xx", 0) + loaded.get("socket_errors", 0) + alone.get("non_2xx", 0)
        print(f"{row['name']:<44} {loaded.get('requests_per_s', 0):>7,.0f} {loaded.get('p50_ms', 0):>7.1f} "
              f"{loaded.get('p99_ms', 0):>7.1f} {ratio:>7.2f} {alone.get('p50_ms', 0):>10.2f} "
              f"{fan_out if row['shards'] else 0:>10.2f} {errors:>6}")
    print("memory (MB: resident / proportional / anonymous) after the loaded run:")
    for row in rows:
        for proc in row["memory"]:
            print(f"  {row['name']:<44} {proc['process'][:40]:<40} {proc.get('rss_mb', 0):>7,.0f} "
                  f"{proc.get('pss_mb', 0):>7,.0f} {proc.get('anon_mb', 0):>7,.0f}")
    print("load average before / after: " + " / ".join(loads))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", default="1M", help="10k, 100k, 1M or a number of paragraphs (passages)")
    parser.add_argument("--configs", default="1x1,2x1,4x1,1x2,2x2", help="shards x replicas, comma-separated")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--duration", type=int, default=15, help="seconds of each wrk run")
    parser.add_argument("--chunk-words", type=int, default=80)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--inside", help=argparse.SUPPRESS)  # the plan file, in the namespace
    args = parser.parse_args()
    if args.inside:
        plan = json.loads(Path(args.inside).read_text())
        Path(plan["out"]).write_text(json.dumps(measure(plan)))
        return
    size = SIZES.get(args.size.lower()) or int(args.size)
    loads = [" ".join(f"{value:.2f}" for value in os.getloadavg())]
    prepared = prepare(args, size)
    with tempfile.TemporaryDirectory(prefix="qa-ray-plan-") as temp:
        plan = {"common": prepared["common"], "configs": args.configs, "duration": args.duration,
                "connections": args.connections, "out": f"{temp}/out.json"}
        Path(f"{temp}/plan.json").write_text(json.dumps(plan))
        subprocess.run(["unshare", "--net", "--pid", "--fork", "--kill-child", "--mount-proc", sys.executable,
                        __file__, "--inside", f"{temp}/plan.json"], check=True, cwd=ROOT)
        measured = json.loads(Path(plan["out"]).read_text())
    loads.append(" ".join(f"{value:.2f}" for value in os.getloadavg()))
    if args.json:
        print(json.dumps({"prepared": prepared, "measured": measured, "load": loads}))
        return
    report(prepared, measured, args, loads)


if __name__ == "__main__":
    main()
