"""The connections of a `qa serve` worker: how many it holds, and a guard against clients slow to send a request.

uvicorn parses HTTP and hands the ASGI app a request only once its head (request line and headers) is complete,
so a client that never finishes its head is invisible to the app, and uvicorn has no timeout for it. Two pieces,
both in the worker process and both on public interfaces only (the kernel's, and the ASGI protocol):

- `ConnectionGuard` (here), a thread, looks at the worker's own TCP connections every `scan_interval` seconds
  (the sockets in /proc/self/fd; TCP_INFO tells when each last received and last sent data) and shuts those
  down that no request of the app is answering and that did not deliver a complete request head in time:
  nothing answered QA_HEADER_TIMEOUT_S after the connection opened, or bytes of a new request still arriving
  QA_HEADER_TIMEOUT_S after the previous response. It also counts the worker's open connections (`Connections`),
  published to the other workers through an array in shared memory.
- `qa.web.connection_layer.ConnectionLayer`, the outermost ASGI layer, sees every request: the cap on open
  connections (503), the body timeout (408), and the even share of clients between workers.

What covers what (uvicorn's `timeout_keep_alive` is the only one of uvicorn's own):

| a client that ...                                   | sees                                                 | by      |
|-----------------------------------------------------|------------------------------------------------------|---------|
| connects and sends nothing                          | the connection closed after QA_HEADER_TIMEOUT_S      | guard   |
| sends part of a request line or of its headers      | the connection closed QA_HEADER_TIMEOUT_S after it   | guard   |
| (also trickling a byte at a time)                   | opened, or after the previous response               |         |
| sends its head, then the body slowly or not at all  | 408 {"detail": ...}, connection closed, at           | layer   |
|                                                     | QA_BODY_TIMEOUT_S after the head                     |         |
| keeps an idle connection after a response           | the connection closed after QA_KEEP_ALIVE_TIMEOUT_S  | uvicorn |
| asks while QA_MAX_CONNECTIONS connections are open  | 503 {"detail": ...}, connection closed               | layer   |
| waits for a slow answer                             | 504 at QA_REQUEST_TIMEOUT_S (`qa.web.limits`)        | app     |

The guard's times are as good as its scan: a connection is closed between the timeout and one scan interval
after it. Connections that never complete a request are never refused with 503 (there is no request to answer):
they count towards the cap, and the header timeout closes them.
"""

from __future__ import annotations

import logging
import os
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import MutableSequence

log = logging.getLogger("qa.service")

Peer = tuple[str, int]

NOT_SERVING = -1
"""A worker's slot in the shared loads while it is not accepting connections (starting, stopping, dead)."""
PUBLISH_S = 0.01
"""Each worker publishes its count at least this often (and on every request)."""
SHED_LANDING_S = 0.05
"""A client asked to reconnect counts as another worker's for this long (until that worker's count shows it)."""

_SETTLE_S = 0.1  # the guard scans at every tick for this long after the worker starts serving
_ESTABLISHED = 1
_TCP_INFO = struct.Struct("=B43xI4xI96xII")  # state; last_data_sent; last_data_recv; data_segs_in, data_segs_out
_GONE: Peer = ("", 0)  # a connection without a client address any more


class Connections:
    """This worker's open connections and the requests it is answering, shared by the event loop and the guard.

    The count is the process's open file descriptors (one `stat` of /proc/self/fd: Linux 6.2 and later) less
    those that are not connections, as of the guard's last scan; on older kernels, the connections the last
    scan found. `loads` (optional) is an array in memory the workers share, a slot each: every worker publishes
    its count there on every request and scan, so that the cap counts all workers' connections and a worker can
    compare its share with the others'.
    """

    def __init__(self, loads: MutableSequence[int] | None = None, slot: int = 0) -> None:
        self.loads, self.slot = loads, slot
        self.answering: dict[Peer, int] = {}  # requests in the app, by connection
        self.serving = False
        self.started_at = 0.0
        self._found = 0  # connections at the last scan
        self._other_files = _open_files()  # descriptors that are not connections, at the last scan
        self._lock = threading.Lock()
        self._shed: deque[float] = deque()  # when clients were asked to reconnect, within SHED_LANDING_S

    def start_serving(self) -> None:
        self._other_files = _open_files()  # no connection yet: the guard's scans refine this (uvicorn's listener)
        self.serving = True
        self.started_at = time.monotonic()
        self.publish()

    def stop_serving(self) -> None:
        self.serving = False
        self.publish()

    def own(self) -> int:
        """This worker's open connections."""
        files = _open_files()
        return max(files - self._other_files, 0) if files else self._found

    def publish(self) -> int:
        """Tell the other workers this worker's count; return it."""
        count = self.own()
        if self.loads is not None:
            self.loads[self.slot] = count if self.serving else NOT_SERVING
        return count

    def total(self) -> int:
        """Open connections of all workers (this one's counted now)."""
        count = self.publish()
        if self.loads is None:
            return count
        return count + int(sum(load for slot, load in enumerate(self.loads) if slot != self.slot and load > 0))

    def arrived(self, peer: Peer) -> None:
        """A request of `peer`'s connection reached the app."""
        with self._lock:
            self.answering[peer] = self.answering.get(peer, 0) + 1

    def finished(self, peer: Peer) -> None:
        with self._lock:
            left = self.answering.pop(peer, 1) - 1
            if left > 0:
                self.answering[peer] = left

    def should_shed(self) -> bool:
        """Whether to ask this request's client to reconnect: this worker holds 2 or more connections more than
        the least loaded worker that is serving, counting the clients it asked lately as arrived there."""
        if self.loads is None or not self.serving:
            return False
        others = [load for slot, load in enumerate(self.loads) if slot != self.slot and load != NOT_SERVING]
        if not others:
            return False
        now = time.monotonic()
        shed = self._shed
        while shed and now - shed[0] > SHED_LANDING_S:
            shed.popleft()
        if self.own() - (min(others) + len(shed)) < 2:
            return False
        shed.append(now)
        return True

    def scanned(self, files: int, connections: int) -> None:
        """The guard's scan listed `files` descriptors, of which `connections` were connections (in any state)."""
        self._found = connections
        self._other_files = files - connections
        self.publish()


def _open_files() -> int:
    """How many file descriptors this process has open (Linux 6.2+; 0 where the kernel does not say)."""
    try:
        return os.stat("/proc/self/fd").st_size
    except OSError:
        return 0


class ConnectionGuard:
    """A thread that closes the connections that did not deliver a request head in time, and counts them all.

    It looks only at TCP connections on `port` (the listening socket's port) in this process; it shuts a
    connection down (the client sees it closed; uvicorn sees the end of the stream and lets it go) and never
    closes a file descriptor it does not own.
    """

    def __init__(self, connections: Connections, port: int, header_timeout_s: float, keep_alive_timeout_s: float,
                 scan_interval: float | None = None) -> None:
        self.connections, self.port = connections, port
        self.header_timeout_ms = header_timeout_s * 1000
        self.idle_limit_ms = (header_timeout_s + keep_alive_timeout_s) * 1000
        self.scan_interval = scan_interval or min(0.25, header_timeout_s / 4)
        self._peers: dict[str, Peer | None] = {}  # socket inode -> peer (None: not one of our connections)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="qa-connections", daemon=True)

    def start(self) -> None:
        """Start guarding; where there is no /proc/self/fd (not Linux), say so once and guard nothing: clients
        slow to send a request head are then not cut off (the rest of `qa serve` works the same)."""
        if not os.path.isdir("/proc/self/fd"):
            log.warning("no /proc/self/fd here: connections slow to send a request are not timed out")
            return
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _run(self) -> None:
        next_scan = time.monotonic() + self.scan_interval
        while not self._stop.wait(PUBLISH_S):
            self.connections.publish()  # a connection accepted or closed shows in the other workers' decisions
            now = time.monotonic()
            if now < next_scan and now - self.connections.started_at > _SETTLE_S:
                continue
            next_scan = time.monotonic() + self.scan_interval
            try:
                self.scan()
            except Exception:  # never stop guarding: a failed scan is retried at the next interval
                log.exception("scanning the connections failed")

    def scan(self) -> int:
        """Count this worker's connections and close the overdue ones; returns how many were closed."""
        found = 0
        peers: dict[str, Peer | None] = {}
        closed = 0
        listed = -1  # the listing's own descriptor is one of them
        with os.scandir("/proc/self/fd") as entries:
            for entry in entries:
                listed += 1
                found_here, closed_here = self._look_at(entry.name, peers)
                found += found_here
                closed += closed_here
        self._peers = peers
        self.connections.scanned(listed, found)
        return closed

    def _look_at(self, name: str, peers: dict[str, Peer | None]) -> tuple[int, int]:
        """(1 if descriptor `name` is a connection, 1 if it was shut down for being late)."""
        try:
            target = os.readlink(f"/proc/self/fd/{name}")
        except OSError:  # closed meanwhile: almost always a connection (the other descriptors stay)
            return 1, 0
        if not target.startswith("socket:"):
            return 0, 0
        known = target in self._peers
        if known and self._peers[target] is None:
            peers[target] = None
            return 0, 0
        try:
            sock = socket.socket(fileno=os.dup(int(name)))  # our own handle on it: closing ours closes only ours
        except OSError:
            return 1, 0  # closed meanwhile (see above)
        with sock:
            if os.fstat(sock.fileno()).st_ino != int(target[8:-1]):
                return 1, 0  # closed and reused meanwhile, for a new connection most likely
            peer = self._peers[target] if known else self._peer_of(sock)
            peers[target] = peer
            if peer is None:
                return 0, 0
            state, last_sent, last_received, _, sent = _TCP_INFO.unpack_from(
                sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, _TCP_INFO.size))
            if state != _ESTABLISHED or peer == _GONE or peer in self.connections.answering:
                return 1, 0  # closed by the client (uvicorn closes it), or being answered
            if not self._overdue(last_sent, last_received, sent):
                return 1, 0
            sock.shutdown(socket.SHUT_RDWR)
            return 1, 1

    def _peer_of(self, sock: socket.socket) -> Peer | None:
        """The client's address, for a connection accepted on our port (None for any other socket; `_GONE` for a
        connection whose client has already reset it)."""
        try:
            if sock.type != socket.SOCK_STREAM or sock.family not in (socket.AF_INET, socket.AF_INET6):
                return None
            if sock.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN) or sock.getsockname()[1] != self.port:
                return None
        except OSError:
            return None
        try:
            address = sock.getpeername()
        except OSError:
            return _GONE  # still one of our connections until uvicorn closes it
        return str(address[0]), int(address[1])

    def _overdue(self, last_sent_ms: int, last_received_ms: int, data_segments_sent: int) -> bool:
        """Whether a connection no request is being answered on has run out of time (TCP_INFO's ages, in ms:
        for a connection that never sent, `last_sent_ms` is its age)."""
        if data_segments_sent == 0:  # nothing answered yet: the first request's head is due
            return last_sent_ms >= self.header_timeout_ms
        if last_received_ms < last_sent_ms:  # bytes came after the last response: the next request's head is due
            return last_sent_ms >= self.header_timeout_ms
        # idle after a response: uvicorn's keep-alive timeout closes it; this only catches what it missed
        return last_sent_ms >= self.idle_limit_ms
