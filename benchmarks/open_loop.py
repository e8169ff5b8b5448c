"""A constant-rate (open-loop) HTTP load generator: N keep-alive clients that together hold R requests a second.

wrk measures a closed loop: each of its connections sends the next request as soon as the previous answer
arrives, so it finds the most a server can answer, and its latencies are those of a server kept saturated (by
Little's law, 32 connections at 1,300 requests/s wait about 25 ms each, however fast one request is). The
question "does the service hold 1,000 questions a second, and how long does a question then take?" needs the
other kind of load: requests due at a fixed rate, whatever the server does. Here request i is due at
start + i / rate; a free client takes the next due request, waits until it is due, sends it and reads the whole
answer. Latency is counted from the moment the request was due, not from when it was sent, so a server that
falls behind is charged for the queue it causes (the "coordinated omission" correction of wrk2).

    python benchmarks/open_loop.py http://127.0.0.1:8000 paths.txt --rate 1000 --connections 32 --duration 30

Pure asyncio (uvloop when installed): at 1,000 requests/s it needs about a tenth of one core.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
import urllib.parse
from dataclasses import dataclass, field

import numpy as np


@dataclass
class Outcome:
    """What a run measured: latencies (ms, from due time to the answer's last byte) and what went wrong."""

    latencies_ms: list[float] = field(default_factory=list)
    send_lags_ms: list[float] = field(default_factory=list)
    non_2xx: int = 0
    socket_errors: int = 0
    sent: int = 0
    reconnects: int = 0
    elapsed_s: float = 0.0

    def summary(self, rate: float, connections: int) -> dict:
        lat = np.asarray(self.latencies_ms) if self.latencies_ms else np.zeros(1)
        lags = np.asarray(self.send_lags_ms) if self.send_lags_ms else np.zeros(1)
        p50, p75, p90, p99, p999 = np.percentile(lat, [50, 75, 90, 99, 99.9])
        return {"offered_per_s": rate, "connections": connections, "requests": len(self.latencies_ms),
                "answered_per_s": len(self.latencies_ms) / self.elapsed_s if self.elapsed_s else 0.0,
                "p50_ms": float(p50), "p75_ms": float(p75), "p90_ms": float(p90), "p99_ms": float(p99),
                "p99.9_ms": float(p999),
                "max_ms": float(lat.max()), "non_2xx": self.non_2xx, "socket_errors": self.socket_errors,
                "send_lag_p50_ms": float(np.percentile(lags, 50)), "send_lag_p99_ms": float(np.percentile(lags, 99)),
                "reconnects": self.reconnects}


async def _client(host: str, port: int, paths: list[str], schedule: _Schedule, outcome: Outcome) -> None:
    """One keep-alive connection: take the next due request, send it when due, read the answer; repeat. When an
    answer says `Connection: close` (a server evening out its workers' clients, say), connect again at once, as
    any HTTP/1.1 client does; `outcome.reconnects` counts it."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while (due := schedule.next_due()) is not None:
            index, due_at = due
            delay = due_at - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            path = paths[index % len(paths)]
            sent_at = time.perf_counter()
            writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode())
            outcome.sent += 1
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            length = 0
            close = False
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                name = name.strip().lower()
                if name == b"content-length":
                    length = int(value)
                elif name == b"connection":
                    close = value.strip().lower() == b"close"
            await reader.readexactly(length)
            if schedule.measuring(due_at):
                outcome.latencies_ms.append((time.perf_counter() - due_at) * 1000)
                outcome.send_lags_ms.append((sent_at - due_at) * 1000)
                if not 200 <= status < 300:
                    outcome.non_2xx += 1
            if close:
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
                outcome.reconnects += 1
    except (OSError, asyncio.IncompleteReadError, ValueError):
        outcome.socket_errors += 1
    finally:
        writer.close()


class _Schedule:
    """Request i is due at start + i / rate; requests due during the warm-up are sent but not counted."""

    def __init__(self, rate: float, duration: float, warmup: float) -> None:
        self.rate = rate
        self.start = time.perf_counter() + 0.05
        self.measure_from = self.start + warmup
        self.total = int(rate * (warmup + duration))
        self.issued = 0

    def next_due(self) -> tuple[int, float] | None:
        if self.issued >= self.total:
            return None
        index = self.issued
        self.issued += 1
        return index, self.start + index / self.rate

    def measuring(self, due_at: float) -> bool:
        return due_at >= self.measure_from


async def run(url: str, paths: list[str], rate: float, connections: int, duration: float,
              warmup: float = 3.0) -> dict:
    """Offer `rate` requests a second over `connections` keep-alive connections; the measured part's figures."""
    parts = urllib.parse.urlsplit(url)
    schedule = _Schedule(rate, duration, warmup)
    outcome = Outcome()
    clients = [_client(parts.hostname or "127.0.0.1", parts.port or 80, paths, schedule, outcome)
               for _ in range(connections)]
    await asyncio.gather(*clients)
    outcome.elapsed_s = time.perf_counter() - schedule.measure_from
    return outcome.summary(rate, connections)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("url", help="e.g. http://127.0.0.1:8000")
    parser.add_argument("paths", help="a file with one request target a line, e.g. /ask?q=...")
    parser.add_argument("--rate", type=float, default=1000.0, help="requests a second, offered")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--duration", type=float, default=30.0, help="measured seconds")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds sent first and not counted")
    args = parser.parse_args()
    with open(args.paths) as handle:
        paths = [line.strip() for line in handle if line.strip()]
    try:
        import uvloop
    except ImportError:
        result = asyncio.run(run(args.url, paths, args.rate, args.connections, args.duration, args.warmup))
    else:
        result = uvloop.run(run(args.url, paths, args.rate, args.connections, args.duration, args.warmup))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
