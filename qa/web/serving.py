"""`qa serve`: worker processes over one listening socket, run by a small supervisor on uvicorn's public API.

    listener = reserve(host, port)        # the port is ours (or a one-line error) before anything is built
    ...                                   # build or open the index
    listen(listener, host, port)
    signum = serve(listener, workers=2)   # until SIGINT or SIGTERM: that signal's number

The supervisor starts the workers, starts a new one at once when one dies, and stops them all on SIGINT or
SIGTERM: each worker's uvicorn stops accepting, finishes the requests in progress (answers, and writes, which are
all-or-nothing anyway) and closes its connections; a worker still busy after `STOP_GRACE_S` is killed. It gives
up when a worker cannot start at all (exit code 3, as uvicorn's own: the index or the app is broken and would be
again). Each worker is `uvicorn.Server(uvicorn.Config(...)).run(sockets=[listener])`, the call uvicorn's own
`--workers` supervisor and its gunicorn worker make, over `qa.web.app.create_app`, with
`qa.web.connection_layer` around it and `qa.web.connections`' guard beside it; settings reach it through the
`QA_*` environment (`qa.cli`). No private name of uvicorn is used, so a uvicorn release can only break what
uvicorn documents.

Why not uvicorn's own `--workers` (or gunicorn with `uvicorn-worker`): both restart dead workers too, but the
workers would not share the count of open connections that the cap (503) and the even share of clients need
(`qa.web.connection_layer`); here the supervisor hands each worker a slot in an array in shared memory.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import resource
import signal
import socket
import sys
import time
from collections.abc import MutableSequence
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess
from types import FrameType
from typing import Any

import uvicorn
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from qa.config import get_settings
from qa.errors import QAError
from qa.logs import configure_cli_logging
from qa.processes import die_with_parent
from qa.web.app import create_app
from qa.web.connection_layer import ConnectionLayer
from qa.web.connections import NOT_SERVING, ConnectionGuard, Connections

log = logging.getLogger("qa.serving")

STARTUP_FAILURE = 3  # uvicorn's exit code for a server that could not start
BACKLOG = 2048  # uvicorn's default
STOP_GRACE_S = 30.0
"""How long the workers have to finish the requests in progress once told to stop."""


def reserve(host: str, port: int) -> socket.socket:
    """A socket bound to host:port, not yet listening (connections are refused until `listen`); `QAError` when
    the address cannot be used, saying which and why."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                             flags=socket.AI_PASSIVE)[0]
        sock = socket.socket(family, kind, proto)
    except OSError as error:
        raise _cannot_listen(host, port, error) from None
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # connections in TIME_WAIT do not hold the port
    try:
        sock.bind(address)
    except OSError as error:
        sock.close()
        raise _cannot_listen(host, port, error) from None
    return sock


def listen(sock: socket.socket, host: str, port: int) -> None:
    """Start queueing connections (workers accept them once they have loaded the index)."""
    try:
        sock.listen(BACKLOG)
    except OSError as error:  # another process bound the port too, without listening, and listened first
        sock.close()
        raise _cannot_listen(host, port, error) from None


def _cannot_listen(host: str, port: int, error: OSError) -> QAError:
    reason = error.strerror or str(error)
    return QAError(f"cannot listen on {host}:{port}: {reason[:1].lower()}{reason[1:]}")


def serve(listener: socket.socket, workers: int, log_level: str = "warning") -> int:
    """Serve the qa app on the listening socket from `workers` processes until SIGINT or SIGTERM; returns the
    signal's number. `QAError` when a worker cannot start."""
    return Supervisor(listener, workers, log_level).run()


def worker_config(listener: socket.socket, connections: Connections,
                  log_level: str) -> tuple[uvicorn.Config, ConnectionGuard]:
    """The uvicorn configuration of a worker (the app wrapped in `qa.web.connection_layer`), and its guard."""
    settings = get_settings()

    def app() -> ConnectionLayer:
        # uvicorn's documented proxy-headers layer goes inside ours, so that ours sees the connection's own
        # address (the guard matches connections by it); uvicorn's own wrapping is turned off below
        inner = ProxyHeadersMiddleware(create_app(), trusted_hosts=config.forwarded_allow_ips)  # type: ignore[arg-type]
        return ConnectionLayer(inner, connections, settings.max_connections,  # type: ignore[arg-type]
                               settings.body_timeout_s)

    config = uvicorn.Config(app, factory=True, lifespan="on", log_level=log_level, proxy_headers=False,
                            timeout_keep_alive=settings.keep_alive_timeout_s, backlog=BACKLOG)
    guard = ConnectionGuard(connections, listener.getsockname()[1], settings.header_timeout_s,
                            settings.keep_alive_timeout_s)
    return config, guard


def _worker(listener: socket.socket, loads: MutableSequence[int], slot: int,
            log_level: str) -> None:  # pragma: no cover - a child
    die_with_parent()  # a killed supervisor leaves no worker holding the port
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # until uvicorn runs: the supervisor says when workers stop
    configure_cli_logging()  # a fresh interpreter: the `qa` logger's lines as the command's ("qa: warning: ...")
    logging.getLogger("qa").setLevel(logging.INFO)  # and its index events: what --watch picked up, the version used
    _raise_file_limit()
    connections = Connections(loads, slot)
    config, guard = worker_config(listener, connections, log_level)
    guard.start()
    try:
        uvicorn.Server(config).run(sockets=[listener])
    finally:
        guard.stop()
    if not connections.started_at:  # the app's startup failed (uvicorn logged why): it would fail again
        sys.exit(STARTUP_FAILURE)


def _raise_file_limit() -> None:
    """Each connection is a file descriptor: allow as many as the system lets this process have."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else 1 << 20
    if soft != resource.RLIM_INFINITY and soft < wanted:
        with contextlib.suppress(ValueError, OSError):  # not allowed here: keep the limit there is
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


class Supervisor:
    """Starts the worker processes, replaces any that dies, and stops them all when told to."""

    def __init__(self, listener: socket.socket, workers: int, log_level: str) -> None:
        self.listener, self.workers, self.log_level = listener, workers, log_level
        self._context = multiprocessing.get_context("spawn")  # a fresh interpreter: no inherited threads or locks
        self.loads: Any = self._context.RawArray("i", [NOT_SERVING] * workers)  # each worker's open connections
        self.processes: list[BaseProcess] = []
        self._signal = 0

    def run(self) -> int:
        wakeup_read, wakeup_write = os.pipe()  # a signal wakes the wait below at once
        os.set_blocking(wakeup_write, False)
        previous = {signum: signal.signal(signum, self._on_signal) for signum in (signal.SIGINT, signal.SIGTERM)}
        previous_wakeup = signal.set_wakeup_fd(wakeup_write)
        failed = False
        try:
            self.processes = [self._start(slot) for slot in range(self.workers)]
            while not self._signal and not failed:
                wait([wakeup_read, *(process.sentinel for process in self.processes)])
                failed = not self._signal and self._replace_dead()
        finally:
            self._stop_all()
            self.listener.close()
            signal.set_wakeup_fd(previous_wakeup)
            for signum, handler in previous.items():
                signal.signal(signum, handler)
            os.close(wakeup_read)
            os.close(wakeup_write)
        if failed:
            raise QAError("a worker could not start (see its error above); stopping")
        return self._signal

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self._signal = signum  # only a flag: the loop above does the work

    def _start(self, slot: int) -> BaseProcess:
        self.loads[slot] = NOT_SERVING  # until the new process accepts
        process = self._context.Process(target=_worker, args=(self.listener, self.loads, slot, self.log_level),
                                        name=f"qa-worker-{slot}")
        process.start()
        return process

    def _replace_dead(self) -> bool:
        """Start a new process for each worker that died; True when one failed at startup (then stop)."""
        for slot, process in enumerate(self.processes):
            if process.is_alive():
                continue
            process.join()
            self.loads[slot] = NOT_SERVING
            if process.exitcode == STARTUP_FAILURE:
                return True
            log.warning("worker %s exited with %s; starting another", process.pid, process.exitcode)
            self.processes[slot] = self._start(slot)
        return False

    def _stop_all(self) -> None:
        """SIGTERM (uvicorn finishes the requests in progress), then SIGKILL for a worker still up after the grace."""
        for process in self.processes:
            if process.is_alive():
                process.terminate()
        deadline = time.monotonic() + STOP_GRACE_S
        for process in self.processes:
            process.join(max(deadline - time.monotonic(), 0))
            if process.is_alive():
                process.kill()
                process.join()
