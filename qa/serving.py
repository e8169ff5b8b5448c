"""`qa serve --workers N`: N uvicorn processes, each listening on the same port with a socket of its own.

uvicorn's own `workers=N` binds one socket that all workers accept from. Linux then hands a burst of new
connections to whichever worker's event loop wakes first, and that worker accepts all it can: here 32 clients
connecting one after another all went to the same worker (5 tries out of 5, `tests/test_serving.py`), and
benchmark clients were split 23 / 9 or 26 / 6. Each connection's questions stay with its worker, so one worker
answered several times the other's load; its queue set the latency every client saw, while the other core
idled. With `SO_REUSEPORT` every worker has its own listening socket and the
kernel spreads connections over them by a hash of their addresses, as nginx (`reuseport`) and gunicorn
(`--reuse-port`) do.

This module is the small supervisor that takes uvicorn's place: it checks that the port is free, starts the
workers (each binds its socket, loads the index, and only then listens), restarts a worker that dies, stops them
all on SIGINT or SIGTERM, and gives up when a worker cannot start at all (uvicorn's exit code 3: the index or
the app is broken, and would be again). Each worker is `uvicorn.Server` over `qa.api:create_app`, as with one
worker; settings reach it through the `QA_*` environment (`qa.cli`). Elsewhere than Linux, uvicorn's workers.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import socket
import sys
import threading
from multiprocessing.process import BaseProcess

from qa.errors import QAError

log = logging.getLogger("qa.serving")

APP = "qa.api:create_app"
STARTUP_FAILURE = 3  # uvicorn's exit code for a server that could not start
_CHECK_EVERY_S = 0.5


def reuse_port_supported() -> bool:
    return hasattr(socket, "SO_REUSEPORT") and sys.platform.startswith("linux")


def serve(host: str, port: int, workers: int, log_level: str = "warning") -> None:
    """Serve the qa app on host:port from `workers` processes; returns when stopped (SIGINT or SIGTERM)."""
    import uvicorn

    if workers == 1 or not reuse_port_supported():
        uvicorn.run(APP, factory=True, host=host, port=port, workers=workers, log_level=log_level)
        return
    _check_free(host, port)
    Supervisor(host, port, workers, log_level).run()


def _check_free(host: str, port: int) -> None:
    """Refuse a port something already listens on: workers joining another server's SO_REUSEPORT group (another
    `qa serve` on the same port) would share its connections rather than fail."""
    with socket.socket(_family(host), socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # connections in TIME_WAIT do not count
        try:
            probe.bind((host, port))
        except OSError as error:
            raise QAError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def _listening_socket(host: str, port: int) -> socket.socket:
    """A socket bound to host:port with SO_REUSEPORT (`create_server` makes it listen once the app has started)."""
    sock = socket.socket(_family(host), socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def _worker(host: str, port: int, log_level: str) -> None:  # pragma: no cover - runs in a worker process
    import uvicorn

    try:
        sock = _listening_socket(host, port)
    except OSError as error:
        print(f"qa: error: cannot listen on {host}:{port}: {error.strerror or error}", file=sys.stderr)
        sys.exit(STARTUP_FAILURE)
    server = uvicorn.Server(uvicorn.Config(APP, factory=True, log_level=log_level))
    server.run(sockets=[sock])
    if not server.started:
        sys.exit(STARTUP_FAILURE)


class Supervisor:
    """Starts the worker processes and keeps them running until told to stop."""

    def __init__(self, host: str, port: int, workers: int, log_level: str) -> None:
        self.host, self.port, self.log_level = host, port, log_level
        self.workers = workers
        self._context = multiprocessing.get_context("spawn")  # a fresh interpreter: no inherited threads or locks
        self.processes: list[BaseProcess] = []
        self._stop = threading.Event()

    def _start(self) -> BaseProcess:
        process = self._context.Process(target=_worker, args=(self.host, self.port, self.log_level), daemon=False)
        process.start()
        return process

    def run(self) -> None:
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: self._stop.set())
        failed = False
        try:
            self.processes = [self._start() for _ in range(self.workers)]
            while not self._stop.wait(_CHECK_EVERY_S):
                failed = self._replace_dead()
                if failed:
                    break
        finally:
            self._stop_all()
        if failed:
            raise QAError("a worker could not start (see its error above); stopping")

    def _replace_dead(self) -> bool:
        """Start a new process for each worker that died; True when one failed at startup (then stop)."""
        for number, process in enumerate(self.processes):
            if process.is_alive():
                continue
            process.join()
            if process.exitcode == STARTUP_FAILURE:
                return True
            log.warning("worker %s exited with %s; starting another", process.pid, process.exitcode)
            self.processes[number] = self._start()
        return False

    def _stop_all(self) -> None:
        """SIGTERM (uvicorn finishes the requests in progress), then SIGKILL for any worker still up after 30 s."""
        for process in self.processes:
            if process.is_alive():
                process.terminate()
        for process in self.processes:
            process.join(30)
            if process.is_alive():
                process.kill()
                process.join()
