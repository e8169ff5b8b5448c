"""Soak test: 64 concurrent clients against a real `qa serve` for 60 s, with a mix of good and hostile requests.

    python benchmarks/soak.py                          # 64 clients, 60 s, qa serve --workers 2, documents/
    python benchmarks/soak.py --clients 64 --seconds 60 --workers 2 --documents .bench/documents-10000

What it does:
1. builds the index of `--documents` into a temporary folder, then starts `qa serve --workers N` on a free loopback
   port (server logs go to a file; access logs stay on, as in production) and waits for `GET /health`;
2. warms up for a few seconds, then records the server's memory (resident set of the server and its workers);
3. runs `--clients` keep-alive HTTP/1.1 connections for `--seconds`, spread over `--client-processes` processes
   (a minimal asyncio client: the load generator must not be the bottleneck), each sending requests drawn from
   the mix below, and checks each status against the one expected for its kind;
4. records the memory again and prints throughput, latency percentiles, responses by kind and status, unexpected
   errors (any status other than the expected one, any 5xx, any connection error) and the memory growth.

The mix (weights): questions from the corpus (GET and POST), batches of 10, questions of 1,990 characters, questions
of new random words (every word unseen, to catch caches that grow), emoji / CJK / control characters, SQL- and
HTML-like strings, empty and whitespace questions (422), 10,000-character questions (422), document reads,
path-traversal ids (404), /health and /metrics.
Exit status 1 when there was any unexpected error.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import random
import signal
import statistics
import string
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from http_load import free_port, wait_healthy  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PYTHON = Path(sys.executable)  # the interpreter running this script, whatever its environment


# -- the request mix ------------------------------------------------------------------------------------------


def corpus_questions(url: str, rng: random.Random) -> tuple[list[str], list[str]]:
    """Questions made of the corpus's own words (titles and passages), and the document ids."""
    documents = json.loads(urllib.request.urlopen(url + "/documents", timeout=30).read())["documents"]
    ids = [d["id"] for d in documents]
    questions = [d["title"] for d in documents if d["title"].strip()]
    for document_id in rng.sample(ids, min(len(ids), 50)):
        text = json.loads(urllib.request.urlopen(url + "/documents/" + urllib.parse.quote(document_id),
                                                 timeout=30).read())["text"]
        words = text.split()
        for _ in range(20):
            start = rng.randrange(max(1, len(words) - 8))
            questions.append(" ".join(words[start : start + rng.randint(2, 8)]))
    return [q[:1000] for q in questions if q.strip()], ids


def random_word(rng: random.Random) -> str:
    return "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(5, 10)))


def make_request(kind: str, rng: random.Random, questions: list[str], ids: list[str]) -> tuple[str, str, bytes]:
    """(method, target, JSON body or b"") of one request of `kind`."""
    def post(path: str, body: object) -> tuple[str, str, bytes]:
        return "POST", path, json.dumps(body).encode()

    def get_ask(question: str) -> tuple[str, str, bytes]:
        return "GET", "/ask?" + urllib.parse.urlencode({"q": question}), b""

    if kind == "ask_get":
        return get_ask(rng.choice(questions))
    if kind == "ask_post":
        return post("/ask", {"question": rng.choice(questions), "top_k": rng.randint(1, 10)})
    if kind == "batch":
        return post("/ask/batch", {"questions": [rng.choice(questions) for _ in range(10)], "top_k": 3})
    if kind == "long":
        words = []
        while sum(len(w) + 1 for w in words) < 1990:
            words.append(rng.choice(questions).split()[0] if rng.random() < 0.5 else random_word(rng))
        return post("/ask", {"question": " ".join(words)[:1990]})
    if kind == "new_words":
        return post("/ask", {"question": " ".join(random_word(rng) for _ in range(5))})
    if kind == "odd":
        return post("/ask", {"question": rng.choice(["🚀🔥 Azerbaijan 🇦🇿", "阿塞拜疆和土耳其", "أذربيجان وتركيا",
                                                     "trade\x00\x07 turnover", "?!…", "what is it"])})
    if kind == "injection":
        return get_ask(rng.choice(["'; DROP TABLE articles; --", "<script>alert(1)</script>", "1 OR 1=1"]))
    if kind == "empty":
        return rng.choice([("GET", "/ask?q=", b""), post("/ask", {"question": "   "}),
                           post("/ask", {"question": ""})])
    if kind == "too_long":
        return post("/ask", {"question": "x" * 10_000})
    if kind == "document":
        return "GET", "/documents/" + urllib.parse.quote(rng.choice(ids)), b""
    if kind == "traversal":
        return "GET", rng.choice(["/documents/..%2F..%2Fetc%2Fpasswd", "/documents/%2Fetc%2Fpasswd"]), b""
    if kind == "health":
        return "GET", "/health", b""
    if kind == "metrics":
        return "GET", "/metrics", b""
    raise ValueError(kind)


MIX = {"ask_get": 30, "ask_post": 30, "batch": 3, "long": 3, "new_words": 8, "odd": 4, "injection": 3,
       "empty": 4, "too_long": 2, "document": 6, "traversal": 3, "health": 3, "metrics": 1}
EXPECTED = {"empty": 422, "too_long": 422, "traversal": 404}  # every other kind: 200


# -- a minimal keep-alive HTTP/1.1 client -----------------------------------------------------------------------


async def exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, method: str, target: str,
                   body: bytes) -> tuple[int, bool]:
    """Send one request and read its response: (status, whether the server closes the connection after it)."""
    head = f"{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    if method == "POST":
        head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
    writer.write(head.encode() + b"\r\n" + body)
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("connection closed by the server")
    status = int(status_line.split()[1])
    length, chunked, close = 0, False, False
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        if name.lower() == "content-length":
            length = int(value)
        elif name.lower() == "transfer-encoding" and "chunked" in value.lower():
            chunked = True
        elif name.lower() == "connection":
            close = value.strip().lower() == "close"
    if chunked:
        while (size := int((await reader.readline()).strip(), 16)) > 0:
            await reader.readexactly(size + 2)
        await reader.readline()
    else:
        await reader.readexactly(length)
    return status, close


async def client(port: int, deadline: float, seed: int, questions: list[str], ids: list[str],
                 results: list[tuple[str, int, float]]) -> None:
    rng = random.Random(seed)
    kinds, weights = list(MIX), list(MIX.values())
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    while time.perf_counter() < deadline:
        kind = rng.choices(kinds, weights)[0]
        method, target, body = make_request(kind, rng, questions, ids)
        started = time.perf_counter()
        try:
            status, close = await exchange(reader, writer, method, target, body)
        except (OSError, ConnectionError, ValueError, asyncio.IncompleteReadError) as error:
            results.append((kind, -1, time.perf_counter() - started))
            print(f"connection error on {kind}: {error!r}", file=sys.stderr)
            writer.close()
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            continue
        results.append((kind, status, time.perf_counter() - started))
        if close:  # the server asked for a new connection (qa serve evening out its workers' clients): as HTTP/1.1
            writer.close()
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.close()


def client_process(port: int, seconds: float, clients: int, seed: int, questions: list[str], ids: list[str],
                   start_at: float, out: str) -> None:
    async def main() -> list[tuple[str, int, float]]:
        results: list[tuple[str, int, float]] = []
        await asyncio.sleep(max(0.0, start_at - time.time()))
        deadline = time.perf_counter() + seconds
        await asyncio.gather(*(client(port, deadline, seed * 1000 + n, questions, ids, results)
                               for n in range(clients)))
        return results

    Path(out).write_text(json.dumps(asyncio.run(main())))


# -- the server -------------------------------------------------------------------------------------------------


def server_memory(pid: int) -> int:
    """Resident memory of the server process and all its children (the workers), in bytes."""
    process = psutil.Process(pid)
    return sum(p.memory_info().rss for p in [process, *process.children(recursive=True)])


def percentile(values: list[float], share: float) -> float:
    return values[min(len(values) - 1, int(share * len(values)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=Path, default=ROOT / "documents")
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--client-processes", type=int, default=2)
    parser.add_argument("--warmup", type=float, default=5)
    parser.add_argument("--env", action="append", default=[], metavar="QA_X=VALUE", help="extra server setting")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="qa-soak-"))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "QA_INDEX_DIR": str(work / "index")}
    env.update(item.split("=", 1) for item in args.env)
    log_path = work / "server.log"
    with open(log_path, "w") as log:
        server = subprocess.Popen([str(PYTHON), "-m", "qa", "serve", "--host", "127.0.0.1", "--port", str(port),
                                   "--workers", str(args.workers), "--documents", str(args.documents)],
                                  cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True)
    try:
        wait_healthy(url, server, limit=600)
        health = json.loads(urllib.request.urlopen(url + "/health").read())
        questions, ids = corpus_questions(url, random.Random(7))
        print(f"server: qa serve --workers {args.workers}, {health['articles']} articles, {health['passages']} "
              f"passages; {len(questions)} corpus questions; log {log_path}", file=sys.stderr)

        def run(seconds: float, tag: str) -> list[tuple[str, int, float]]:
            start_at = time.time() + 1.0
            per_process = [args.clients // args.client_processes] * args.client_processes
            per_process[0] += args.clients - sum(per_process)
            outs = [str(work / f"{tag}-{n}.json") for n in range(args.client_processes)]
            processes = [multiprocessing.Process(target=client_process, args=(
                port, seconds, count, n + (100 if tag == "run" else 0), questions, ids, start_at, out))
                for n, (count, out) in enumerate(zip(per_process, outs, strict=False))]
            for process in processes:
                process.start()
            for process in processes:
                process.join()
            return [tuple(r) for out in outs for r in json.loads(Path(out).read_text())]  # type: ignore[misc]

        if args.warmup:
            run(args.warmup, "warmup")
        memory_start = server_memory(server.pid)
        began = time.perf_counter()
        results = run(args.seconds, "run")
        elapsed = time.perf_counter() - began - 1.0  # the processes start 1 s after launch
        memory_end = server_memory(server.pid)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    latencies = sorted(r[2] for r in results)
    unexpected = [r for r in results if r[1] != EXPECTED.get(r[0], 200)]
    by_kind: dict[str, dict[int, int]] = {}
    for kind, status, _ in results:
        by_kind.setdefault(kind, {}).setdefault(status, 0)
        by_kind[kind][status] += 1
    figures = {
        "clients": args.clients, "seconds": args.seconds, "workers": args.workers,
        "requests": len(results), "throughput_rps": round(len(results) / elapsed, 1),
        "p50_ms": round(percentile(latencies, 0.50) * 1000, 2), "p90_ms": round(percentile(latencies, 0.90) * 1000, 2),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 2), "max_ms": round(latencies[-1] * 1000, 2),
        "mean_ms": round(statistics.fmean(latencies) * 1000, 2),
        "unexpected_errors": len(unexpected),
        "memory_start_mb": round(memory_start / 1e6, 1), "memory_end_mb": round(memory_end / 1e6, 1),
        "memory_growth_pct": round((memory_end - memory_start) / memory_start * 100, 2),
        "by_kind": by_kind,
    }
    print("| clients | seconds | requests | requests/s | p50 ms | p90 ms | p99 ms | max ms | unexpected errors "
          "| server memory start -> end (MB) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    print(f"| {args.clients} | {args.seconds:g} | {len(results)} | {figures['throughput_rps']} | {figures['p50_ms']} "
          f"| {figures['p90_ms']} | {figures['p99_ms']} | {figures['max_ms']} | {len(unexpected)} "
          f"| {figures['memory_start_mb']} -> {figures['memory_end_mb']} ({figures['memory_growth_pct']:+.1f} %) |")
    print()
    print("| kind | responses by status | expected |")
    print("|---|---|---|")
    for kind in MIX:
        statuses = ", ".join(f"{status}: {count}" for status, count in sorted(by_kind.get(kind, {}).items()))
        print(f"| {kind} | {statuses} | {EXPECTED.get(kind, 200)} |")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1))
    for kind, status, _ in unexpected[:10]:
        print(f"unexpected: {kind} -> {status}", file=sys.stderr)
    return 1 if unexpected else 0


if __name__ == "__main__":
    sys.exit(main())
