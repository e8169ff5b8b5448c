"""`qa serve --workers N`: N uvicorn processes over one listening socket, each accepting only its share.

uvicorn's own `workers=N` has every worker accept from one shared socket as fast as it can. Linux then hands a
burst of new connections to whichever worker's event loop wakes first, and that worker takes them all: here 32
clients connecting one after another all went to the same worker (5 tries out of 5, `tests/test_serving.py`),
and benchmark clients were split 23 / 9 or 26 / 6. Each connection's questions stay with its worker, so one
worker answered several times the other's load; its queue set the latency every client saw while the other core
idled. A socket per worker (`SO_REUSEPORT`) spreads connections by a hash of their addresses: better, but still
luck (20 / 12 and worse splits were common with 32 clients, and p99 at 1,000 questions/s went from 8 to 44 ms
between runs).

So each worker here accepts a connection only while it holds no more connections than the least loaded worker
(the counts are in a small array the processes share); when another worker has fewer, it leaves the connection
to that one for a millisecond, up to `MAX_DEFERRALS` times. A worker whose event loop has not ticked for
`_ALIVE_S` (busy with a long request, or stuck) is left out of the comparison, so it cannot hold clients back.
32 clients end up split 16 / 16.

This module is the small supervisor that takes uvicorn's place: it binds the socket (a port in use is an error at
once), starts the workers (each loads the index, then accepts), restarts a worker that dies, stops them all on
SIGINT or SIGTERM, and gives up when a worker cannot start at all (uvicorn's exit code 3: the index or the app is
broken, and would be again). Each worker is a `uvicorn.Server` over `qa.api:create_app`, as with one worker;
settings reach it through the `QA_*` environment (`qa.cli`).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import signal
import socket
import sys
import time
from multiprocessing.process import BaseProcess
from typing import Any

import uvicorn

from qa.errors import QAError
from qa.processes import die_with_parent

log = logging.getLogger("qa.serving")

APP = "qa.web.app:create_app"
STARTUP_FAILURE = 3  # uvicorn's exit code for a server that could not start
MAX_DEFERRALS = 20
"""How many times in a row (a millisecond each) a worker leaves a new connection to a less loaded one."""
_NOT_SERVING = 1 << 30  # the load of a worker slot whose process is not accepting (yet, or any more)
_ALIVE_S = 0.3  # a worker whose event loop has not ticked for this long is busy or stuck: it gets no connections
_BACKLOG = 2048  # uvicorn's default
_CHECK_EVERY_S = 0.5


def serve(host: str, port: int, workers: int, log_level: str = "warning") -> None:
    """Serve the qa app on host:port from `workers` processes; returns when stopped (SIGINT or SIGTERM)."""
    if workers == 1:
        uvicorn.run(APP, factory=True, host=host, port=port, log_level=log_level)
        return
    Supervisor(_listening_socket(host, port), workers, log_level).run()


def _listening_socket(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # connections in TIME_WAIT do not hold the port
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise QAError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
    sock.listen(_BACKLOG)  # connections wait in the backlog until a worker has loaded the index
    return sock


def _worker(listener: socket.socket, loads: Any, beats: Any, slot: int,
            log_level: str) -> None:  # pragma: no cover - a child
    die_with_parent()  # a killed supervisor leaves no worker holding the port
    server = SharingServer(uvicorn.Config(APP, factory=True, log_level=log_level), listener, loads, beats, slot)
    server.run(sockets=[])  # no listener of uvicorn's own: `SharingServer` accepts
    if not server.started:
        sys.exit(STARTUP_FAILURE)


class SharingServer(uvicorn.Server):
    """A uvicorn server that accepts from the shared socket only while no other worker has fewer connections."""

    def __init__(self, config: uvicorn.Config, listener: socket.socket, loads: Any, beats: Any, slot: int) -> None:
        super().__init__(config)
        self.listener, self.loads, self.beats, self.slot = listener, loads, beats, slot
        self._pending = 0  # accepted, protocol not yet attached
        self._deferred = 0
        self._accepting = False
        self._attaching: set[asyncio.Task[None]] = set()  # the loop keeps only weak references to tasks
        self._loop: asyncio.AbstractEventLoop | None = None
        self._protocol: type[asyncio.Protocol] | None = None

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=[])  # the app's lifespan (loads the index); no listener of its own
        self._loop = asyncio.get_running_loop()
        self._protocol = self._counting(self.config.http_protocol_class)
        self.listener.setblocking(False)
        self._accepting = True
        self._publish()
        self._loop.add_reader(self.listener, self._on_connection)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        self.loads[self.slot] = _NOT_SERVING
        if self._accepting and self._loop is not None:
            self._accepting = False
            self._loop.remove_reader(self.listener)
        for task in list(self._attaching):  # accepted but not yet served: closed, not left behind
            task.cancel()
        await asyncio.gather(*self._attaching, return_exceptions=True)
        await super().shutdown(sockets=[])

    async def on_tick(self, counter: int) -> bool:
        """uvicorn's tick (every 0.1 s), also telling the other workers that this one is alive and not stuck."""
        self.beats[self.slot] = time.monotonic()
        return await super().on_tick(counter)

    def _least_load(self) -> int:
        """The load of the least loaded worker that is serving and has ticked lately (a busy or stuck worker
        cannot take a connection now: waiting for it would only delay the client)."""
        now = time.monotonic()
        live = [load for load, beat in zip(self.loads, self.beats, strict=False) if now - beat < _ALIVE_S]
        return min(live, default=0)

    def _pause(self, seconds: float) -> None:
        """Stop watching the shared socket for `seconds` (it stays readable while a connection waits)."""
        assert self._loop is not None
        self._loop.remove_reader(self.listener)
        self._loop.call_later(seconds, self._resume)

    def _resume(self) -> None:
        if self._accepting and self._loop is not None:
            self._loop.add_reader(self.listener, self._on_connection)

    def _load(self) -> int:
        return len(self.server_state.connections) + self._pending

    def _publish(self) -> int:
        """Tell the other workers this worker's load (and that it is alive); return the load."""
        load = self._load()
        if self._accepting:  # once shutting down, the slot says "not serving"
            self.loads[self.slot] = load
            self.beats[self.slot] = time.monotonic()
        return load

    def _counting(self, protocol: type) -> type[asyncio.Protocol]:
        """uvicorn's HTTP protocol, publishing this worker's load when a connection closes (the other workers
        compare their load with it)."""
        server = self

        class Counting(protocol):  # type: ignore[misc]
            def connection_lost(self, exc: Exception | None) -> None:
                super().connection_lost(exc)
                server._publish()

        return Counting

    def _on_connection(self) -> None:
        """The shared socket has a connection waiting: take it, or leave it to a less loaded worker."""
        assert self._loop is not None
        load = self._publish()
        if load > self._least_load() and self._deferred < MAX_DEFERRALS:
            self._deferred += 1
            self._pause(0.001)
            return
        self._deferred = 0
        try:
            connection, _ = self.listener.accept()
        except (BlockingIOError, InterruptedError):
            return  # another worker took it
        except OSError as error:  # out of file descriptors, say: try again in a moment
            log.warning("accept failed: %s", error)
            self._pause(0.1)
            return
        connection.setblocking(False)
        if connection.family in (socket.AF_INET, socket.AF_INET6):
            connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # answers go out at once
        self._pending += 1
        self._publish()
        task = self._loop.create_task(self._attach(connection))
        self._attaching.add(task)
        task.add_done_callback(self._attaching.discard)

    async def _attach(self, connection: socket.socket) -> None:
        """Serve an accepted connection with uvicorn's HTTP protocol, as its own listener would."""
        assert self._loop is not None and self._protocol is not None
        config, counting = self.config, self._protocol

        def protocol() -> asyncio.Protocol:
            return counting(config=config, server_state=self.server_state, app_state=self.lifespan.state)  # type: ignore

        try:
            await self._loop.connect_accepted_socket(protocol, connection)
        except (OSError, asyncio.CancelledError):
            connection.close()
        finally:
            self._pending -= 1
            self._publish()


class Supervisor:
    """Starts the worker processes and keeps them running until told to stop."""

    def __init__(self, listener: socket.socket, workers: int, log_level: str) -> None:
        self.listener, self.workers, self.log_level = listener, workers, log_level
        self._context = multiprocessing.get_context("spawn")  # a fresh interpreter: no inherited threads or locks
        self.loads = self._context.RawArray("i", [_NOT_SERVING] * workers)
        self.beats = self._context.RawArray("d", workers)  # time.monotonic() of each worker's last tick
        self.processes: list[BaseProcess] = []
        self._stopping = False

    def _start(self, slot: int) -> BaseProcess:
        self.loads[slot] = _NOT_SERVING  # until the new process accepts
        process = self._context.Process(target=_worker, args=(self.listener, self.loads, self.beats, slot,
                                                              self.log_level))
        process.start()
        return process

    def run(self) -> None:
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, self._on_signal)
        failed = False
        try:
            self.processes = [self._start(slot) for slot in range(self.workers)]
            while not self._stopping:
                time.sleep(_CHECK_EVERY_S)
                failed = not self._stopping and self._replace_dead()
                if failed:
                    break
        finally:
            self._stop_all()
            self.listener.close()
        if failed:
            raise QAError("a worker could not start (see its error above); stopping")

    def _on_signal(self, signum: int, frame: Any) -> None:
        self._stopping = True  # only a flag: a handler that took a lock could deadlock the loop it interrupts

    def _replace_dead(self) -> bool:
        """Start a new process for each worker that died; True when one failed at startup (then stop)."""
        for slot, process in enumerate(self.processes):
            if process.is_alive():
                continue
            process.join()
            if process.exitcode == STARTUP_FAILURE:
                return True
            log.warning("worker %s exited with %s; starting another", process.pid, process.exitcode)
            self.processes[slot] = self._start(slot)
        return False

    def _stop_all(self) -> None:
        """SIGTERM (uvicorn finishes the requests in progress), then SIGKILL for any worker still up after 30 s."""
        for process in self.processes:
            if process.is_alive():
                process.terminate()
        deadline = time.monotonic() + 30
        for process in self.processes:
            process.join(max(deadline - time.monotonic(), 0))
            if process.is_alive():
                process.kill()
                process.join()
