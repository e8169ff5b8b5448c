"""How soon a new article is answerable on a served 100,000-passage index (issue 7).

    python benchmarks/live_add.py                # 100k passages, 2 workers, 10 adds and deletes
    python benchmarks/live_add.py --size 10000 --workers 1

It writes the synthetic corpus of `benchmarks/synthetic.py` as a documents folder under `.bench/` (articles of
100 paragraphs, one passage each with --chunk-words 80), indexes it, starts `qa serve` with an API key, then
repeatedly POSTs a new article carrying a unique word and polls `GET /ask` for that word (every 5 ms, over a new
connection, so requests land on any worker) until the new article is the top passage. It prints, per operation,
how long the POST (or DELETE) took and how long after it returned the change was visible to a question.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from http_load import free_port, wait_healthy  # noqa: E402
from synthetic import BENCH_DIR, write_documents  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
KEY = "benchmark-key"


STALE: list[int] = []  # per check: answers from the index as it was before the acknowledged write


def until_visible(url: str, word: str, document_id: str | None, limit: float = 30) -> float:
    """Seconds until the top passage for `word` is `document_id` (or, for None, until nothing matches); each
    question on a new connection, so either worker may answer. Answers before that are counted in STALE."""
    started = time.perf_counter()
    stale = 0
    while time.perf_counter() - started < limit:
        passages = httpx.get(url + "/ask", params={"q": word, "top_k": 1}, timeout=10).json()["passages"]
        top = passages[0]["citation"]["document_id"] if passages else None
        if top == document_id:
            STALE.append(stale)
            return time.perf_counter() - started
        stale += 1
        time.sleep(0.005)
    raise SystemExit(f"{word}: not visible after {limit} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=100_000, help="passages in the served index")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()

    documents = write_documents(args.size, BENCH_DIR / f"docs-live-{args.size}")
    for leftover in documents.glob("live-*.md"):
        leftover.unlink()
    index_dir = BENCH_DIR / f"index-live-{args.size}"
    common = ["--documents", str(documents), "--index-dir", str(index_dir), "--chunk-words", "80"]
    qa = [sys.executable, "-m", "qa"]  # the interpreter running this script, whatever its environment
    subprocess.run([*qa, "index", *common], check=True, stdout=subprocess.DEVNULL, cwd=REPO)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "QA_API_KEY": KEY, "QA_ACCESS_LOG": "false"}
    server = subprocess.Popen([*qa, "serve", "--port", str(port), "--workers", str(args.workers), *common],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=REPO)
    auth = {"Authorization": f"Bearer {KEY}"}
    try:
        wait_healthy(url, server, limit=600)
        passages = httpx.get(url + "/health").json()["passages"]
        adds, add_visible, deletes, delete_visible = [], [], [], []
        with httpx.Client(timeout=60) as client:
            for round_ in range(args.rounds):
                word = f"zqlive{round_}marker"
                body = {"id": f"live-{round_}", "title": f"Live article {round_}",
                        "text": f"A new article about {word} arrived just now. It has two sentences."}
                started = time.perf_counter()
                response = client.post(url + "/documents", json=body, headers=auth)
                adds.append(time.perf_counter() - started)
                response.raise_for_status()
                add_visible.append(until_visible(url, word, f"live-{round_}"))
                started = time.perf_counter()
                client.delete(url + f"/documents/live-{round_}", headers=auth).raise_for_status()
                deletes.append(time.perf_counter() - started)
                delete_visible.append(until_visible(url, word, None))
    finally:
        server.terminate()
        server.wait(timeout=30)

    def row(name: str, values: list[float]) -> str:
        ms = [v * 1000 for v in values]
        return f"| {name} | {statistics.median(ms):.0f} | {max(ms):.0f} |"

    print(f"\nLive add/delete on a {passages:,}-passage index, qa serve --workers {args.workers}, "
          f"{args.rounds} rounds (times in ms)\n")
    print("| operation | median | max |")
    print("|---|---:|---:|")
    print(row("POST /documents returns", adds))
    print(row("new article answerable, after the POST returned", add_visible))
    print(row("DELETE /documents/{id} returns", deletes))
    print(row("deleted article gone, after the DELETE returned", delete_visible))
    total = [a + v for a, v in zip(adds, add_visible, strict=False)]
    print(row("from sending the POST to answerable on any worker", total))
    print(f"\nanswers from the index as it was before an acknowledged write: {sum(STALE)} (in {len(STALE)} checks; "
          "the first question after each POST or DELETE returned, and any after it, on either worker)")


if __name__ == "__main__":
    main()
