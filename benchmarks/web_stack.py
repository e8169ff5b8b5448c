"""What the web stack costs per request, apart from the answer: one worker's ASGI layers, measured in process.

    python benchmarks/web_stack.py                                   # this checkout
    python benchmarks/web_stack.py --tree main=../main --tree new=.  # two checkouts, alternating, one run

Each tree's app (`qa.web.app.create_app` inside `qa.web.connection_layer.ConnectionLayer`, as a `qa serve` worker
runs it) answers `GET /ask?q=...&top_k=3` for the bundled `documents/` with `Searcher.ask` replaced by one fixed
answer, so what is timed is everything between the server's protocol and the answer: the connection layer,
FastAPI's and qa's middleware, routing and validation, and the answer's serialisation. uvicorn's HTTP parsing
and the socket are not in it (`benchmarks/http_load.py` measures the whole server). Each tree runs in its own
process (its `qa` first on PYTHONPATH), `--rounds` times alternating with the others; the best round of each is
printed (the machine's other load only adds), in microseconds per request, with the ratio to the first tree.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import asyncio, json, multiprocessing, sys, time
from pathlib import Path
from qa.config import Settings
from qa.web.app import create_app
from qa.web.connection_layer import ConnectionLayer
from qa.web.connections import Connections

documents, index_dir, requests = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
app = create_app(Settings(documents=documents, index_dir=index_dir, watch=False, access_log=False))
layered = ConnectionLayer(app, Connections(multiprocessing.Array("q", 2, lock=False), 0), 1000, 10.0)
words = ["Shusha", "declaration", "digital", "transformation", "agency", "trade", "working", "group"]
targets = [f"q={words[i % 8]}+{words[(i * 3) % 8]}&top_k=3".encode() for i in range(requests)]


async def main() -> None:
    started: list[dict[str, object]] = []
    inbox: asyncio.Queue[dict[str, object]] = asyncio.Queue()
    await inbox.put({"type": "lifespan.startup"})

    async def lifespan_send(message: dict[str, object]) -> None:
        started.append(message)

    asyncio.create_task(app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, inbox.get,
                            lifespan_send))
    while not started:
        await asyncio.sleep(0.01)
    searcher = app.state.collection.searcher
    fixed = searcher.ask("Shusha declaration", 3)
    searcher.ask = lambda *args, **kwargs: fixed  # the answer itself is not what is measured

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": b"", "more_body": False}

    statuses: list[int] = []

    async def send(message: dict[str, object]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(int(message["status"]))  # type: ignore[call-overload]

    async def one(query: bytes) -> None:
        await layered({"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
                       "scheme": "http", "path": "/ask", "raw_path": b"/ask", "query_string": query,
                       "root_path": "", "headers": [(b"host", b"localhost")], "client": ("127.0.0.1", 50000),
                       "server": ("127.0.0.1", 8000), "state": {}}, receive, send)

    for query in targets[:200]:  # warm-up
        await one(query)
    began = time.perf_counter()
    for query in targets:
        await one(query)
    elapsed = time.perf_counter() - began
    assert set(statuses) == {200}, set(statuses)
    print(json.dumps({"us_per_request": elapsed / len(targets) * 1e6}))

asyncio.run(main())
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tree", action="append", default=[], metavar="LABEL=PATH",
                        help="a checkout of qa to measure (default: this one)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=5000)
    args = parser.parse_args()
    trees = [tuple(spec.split("=", 1)) for spec in args.tree] or [("this", str(ROOT))]
    best: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="qa-web-stack-") as work:
        for _ in range(args.rounds):
            for label, path in trees:
                tree = Path(path).resolve()
                env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tree), os.environ.get("PYTHONPATH", "")])}
                out = subprocess.run([sys.executable, "-c", CHILD, str(tree / "documents"), str(Path(work) / label),
                                      str(args.requests)], env=env, cwd=tree, capture_output=True, text=True)
                if out.returncode != 0:
                    sys.exit(f"{label}: {out.stderr.strip().splitlines()[-1] if out.stderr.strip() else 'failed'}")
                cost = json.loads(out.stdout.strip().splitlines()[-1])["us_per_request"]
                best[label] = min(best.get(label, cost), cost)
    first = best[trees[0][0]]
    for label, _ in trees:
        print(f"{label:>10}: {best[label]:6.1f} µs a request (best of {args.rounds}), "
              f"{first / best[label]:.2f}x the speed of {trees[0][0]}")


if __name__ == "__main__":
    main()
