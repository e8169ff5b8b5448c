"""A sharded index on a Ray cluster: one actor per shard, one writer actor, and the HTTP app on Ray Serve.

    qa index --shards 2                                     # the folder's sharded index (qa.distributed.store)
    ray start --head --port 6379 --disable-usage-stats --include-dashboard=false
    qa serve --ray 127.0.0.1:6379 --shards 2 --replicas 2   # this module

The only module of qa that imports Ray (an import-linter contract keeps it so): `qa serve` without `--ray`, `qa
ask` and `qa index --shards` never load it.

- Each shard is a `Shard` in an actor of its own (`ShardActor`): it memory-maps its shard's files from the index
  folder, which every node that may hold a shard must see at the same path (a shared file system). Ray restarts
  an actor whose process dies (`max_restarts=-1`), which opens the disk again, and calls made meanwhile are
  retried (`max_task_retries=-1`): a write is acknowledged only once on disk, so nothing acknowledged is lost.
- Writes go through one `WriterActor` (`qa.distributed.writes.ShardedWriter`: one at a time), whichever replica
  received them; it changes the owning shard and every shard's statistics before it answers.
- The HTTP app is `qa.web.app.create_app` over a `ShardedCollection`, in `replicas` Ray Serve replicas behind
  Serve's proxy on `settings.host:settings.port`. Every actor asks for no CPU: they share the node's cores as
  the processes of one machine would.

Nothing reaches the network that Ray does not need: usage statistics are off (`RAY_USAGE_STATS_ENABLED=0`) and
no dashboard is started by qa.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # before Ray reads it: no usage report leaves the machine

import ray  # noqa: E402  (the environment above first)
from ray import serve  # noqa: E402
from ray.exceptions import (  # noqa: E402
    ActorAlreadyExistsError,
    ActorUnavailableError,
    RayActorError,
    RayTaskError,
)
from ray.serve._private.constants import SERVE_CONTROLLER_NAME, SERVE_NAMESPACE  # noqa: E402

from qa.config import Settings  # noqa: E402
from qa.distributed.collection import ShardedCollection  # noqa: E402
from qa.distributed.shard import Shard  # noqa: E402
from qa.distributed.writes import ShardedWriter  # noqa: E402
from qa.errors import QAError, Unavailable  # noqa: E402
from qa.index.reader import ArticleInfo  # noqa: E402
from qa.web.app import create_app  # noqa: E402

log = logging.getLogger("qa")


class ClusterUnavailable(QAError):
    """No Ray cluster answers at the address given (said in one line by the CLI)."""


class ServeElsewhere(QAError):
    """Ray Serve runs on the cluster with its proxy on another address than the one asked for."""


class ActorNotStarted(QAError):
    """An actor of qa's raised in its constructor (a shard that cannot open its index): said, not retried."""


class AlreadyServing(QAError):
    """Another `qa serve --ray` serves on this cluster (its actors' names are taken)."""

    def __init__(self, address: str) -> None:
        super().__init__(f"another qa server already serves on the Ray cluster at {address} (its actors "
                         f"{SHARD}N and {WRITER} are in the namespace '{NAMESPACE}'); stop that qa serve --ray "
                         "first, or start a cluster of its own for this one (ray start --head --port OTHER)")
        self.address = address


NAMESPACE = "qa"
SHARD = "qa-shard-"
WRITER = "qa-writer"
"""Names of the actors in `NAMESPACE` (one sharded index served per Ray cluster)."""
APP_NAME = "qa"
PROBE_S = 5.0
"""How long the address of the cluster may take to accept a connection, and then to answer as Ray's GCS does,
before qa says no cluster answers there."""
POLL_S = 0.25
"""How often the start-up looks for Ctrl-C while it waits for actors."""
SHARD_THREADS = 4
"""Calls one shard actor runs at once (questions from several replicas; a shard's state is swapped whole)."""


@ray.remote(max_restarts=-1, max_task_retries=-1, num_cpus=0)
class ShardActor(Shard):
    """A `Shard` in its own process, restarted by Ray when that process dies."""


class RayShards:
    """The shards as Ray actors (`qa.distributed.calls.ShardCalls`): a batch of calls runs at once."""

    def __init__(self, handles: Sequence[Any]) -> None:
        self.handles = list(handles)

    @property
    def n_shards(self) -> int:
        return len(self.handles)

    def gather(self, method: str, calls: Sequence[tuple[int, tuple[Any, ...]]]) -> list[Any]:
        return _get([getattr(self.handles[shard], method).remote(*args) for shard, args in calls])

    def each(self, method: str, *args: Any) -> list[Any]:
        return self.gather(method, [(shard, args) for shard in range(self.n_shards)])


@ray.remote(max_restarts=-1, num_cpus=0)
class WriterActor:
    """The one writer of a sharded index: writes from every replica, one at a time."""

    def __init__(self, settings: Settings, n_shards: int) -> None:
        self.writer = ShardedWriter(RayShards(shard_handles(n_shards)), settings)
        if ray.get_runtime_context().was_current_actor_reconstructed:  # it may have died half way in a write
            self.writer.catch_up()

    def add_document(self, id: str, title: str, text: str, origin: dict[str, str | None]) -> ArticleInfo:
        return self.writer.add_document(id, title, text, **origin)

    def add_file(self, filename: str, data: bytes) -> ArticleInfo:
        return self.writer.add_file(filename, data)

    def remove(self, document_id: str) -> ArticleInfo:
        return self.writer.remove(document_id)


class RayWriter:
    """`qa.distributed.collection.Writer` through the writer actor."""

    def __init__(self, handle: Any) -> None:
        self.handle = handle

    def add_document(self, id: str, title: str, text: str, **origin: str | None) -> ArticleInfo:
        found: ArticleInfo = _get([self.handle.add_document.remote(id, title, text, origin)])[0]
        return found

    def add_file(self, filename: str, data: bytes) -> ArticleInfo:
        found: ArticleInfo = _get([self.handle.add_file.remote(filename, data)])[0]
        return found

    def remove(self, document_id: str) -> ArticleInfo:
        found: ArticleInfo = _get([self.handle.remove.remote(document_id)])[0]
        return found


def _get(refs: list[Any]) -> list[Any]:
    """`ray.get`, raising what the actor raised (a qa error becomes its 4xx, as in one process)."""
    try:
        found: list[Any] = ray.get(refs)
    except RayTaskError as error:
        cause = error.cause
        if isinstance(cause, Exception):
            raise cause from None
        raise
    except (RayActorError, ActorUnavailableError) as error:
        if getattr(error, "_actor_init_failed", False):  # it could not start: no restart will help
            raise ActorNotStarted(_last_line(str(getattr(error, "error_msg", error)))) from None
        # a call Ray does not retry (the writer's) met a restart
        raise Unavailable("a shard or the writer of the index is restarting; try again") from None
    return found


def _last_line(traceback: str) -> str:
    """What an actor's constructor raised, from the traceback Ray gives as text: its last line."""
    lines = [line.strip() for line in traceback.splitlines() if line.strip()]
    return lines[-1] if lines else traceback


@serve.deployment(ray_actor_options={"num_cpus": 0}, max_ongoing_requests=64)
@serve.ingress()
class Ingress:
    """One replica of the HTTP app, answering from the shard actors."""

    def __init__(self, settings: Settings, n_shards: int) -> None:
        self.settings = settings
        self.n_shards = n_shards

    def __serve_build_asgi_app__(self) -> Any:
        def open_served(settings: Settings) -> ShardedCollection:
            return ShardedCollection(RayShards(shard_handles(self.n_shards)), settings,
                                     RayWriter(ray.get_actor(WRITER, namespace=NAMESPACE)))

        return create_app(self.settings, open_served=open_served)


def check_address(address: str) -> None:
    """Refuse, before anything is built or started, an address no Ray cluster answers at: `ray.init` would
    otherwise retry for minutes, printing Ray's own connection warnings. That is the case when nothing listens
    there, and also when another program does (a web server, Ray's dashboard): what answers must speak HTTP/2, as
    the GCS of `ray start --head` (a gRPC server) does. `auto` is looked up by `ray.init`, which says at once when
    no cluster runs on this machine."""
    if address == "auto":
        return
    host, _, port = address.rpartition(":")
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=PROBE_S) as probe:
            speaks = _speaks_http2(probe)
    except (OSError, ValueError) as error:
        reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
        raise ClusterUnavailable(
            f"no Ray cluster answers at {address} ({reason[:1].lower()}{reason[1:]}); start one with `ray start "
            f"--head --port {port} --disable-usage-stats --include-dashboard=false` on that machine, or give the "
            "address `ray start --head` printed") from None
    if not speaks:
        raise ClusterUnavailable(
            f"no Ray cluster answers at {address}: another program listens there (it does not answer as the GCS "
            "of `ray start --head` does); give the address `ray start --head` printed (its --port, 6379 unless "
            "told otherwise)")


_HTTP2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + bytes(3) + b"\x04" + bytes(5)
"""What an HTTP/2 client sends first (RFC 9113, 3.4): the fixed line, then a SETTINGS frame with no settings."""


def _speaks_http2(connection: socket.socket) -> bool:
    """Whether the program at the other end of `connection` answers as a gRPC server (Ray's GCS is one): sent the
    client's preface, its first frame is SETTINGS (RFC 9113, 3.4: type 4, not an ACK, stream 0). Anything else
    (an HTTP/1 reply, the connection closed, nothing within PROBE_S) is another program. With RAY_USE_TLS, Ray's
    documented switch, the GCS speaks TLS first: then only the connection is checked."""
    if os.environ.get("RAY_USE_TLS", "0").lower() in ("1", "true"):
        return True
    try:
        connection.sendall(_HTTP2_PREFACE)
        header = b""
        while len(header) < 9:
            received = connection.recv(9 - len(header))
            if not received:
                return False
            header += received
    except OSError:
        return False
    return header[3] == 0x04 and not header[4] & 0x01 and int.from_bytes(header[5:9], "big") & 0x7FFFFFFF == 0


def connect(address: str) -> None:
    """Join the Ray cluster at `address` (`auto`, or the `host:port` of `ray start --head`) and refuse it when
    another qa server serves there, before the caller builds anything. The signal handlers are the caller's again
    afterwards (`ray.init` puts in its own for SIGTERM), and a Ctrl-C during `ray.init` is raised through them once
    it returns (not inside Ray's calls, where it comes out as a SystemError)."""
    check_address(address)
    stop = _Stop()
    try:
        with stop.noting():
            ray.init(address=address, namespace=NAMESPACE, include_dashboard=False, log_to_driver=False,
                     logging_level=logging.WARNING, configure_logging=False)
    except (ConnectionError, RuntimeError, ValueError) as error:
        if address == "auto" and isinstance(error, ConnectionError):  # Ray's words name an --address flag qa lacks
            raise ClusterUnavailable("no Ray cluster runs on this machine (--ray auto joins the one `ray start "
                                     "--head` started here); start one, or give --ray HOST:PORT") from None
        raise ClusterUnavailable(f"cannot join the Ray cluster at {address}: {error}") from None
    finally:
        if stop.signum:
            signal.raise_signal(stop.signum)
    _refuse_second_server(address)


def shard_handles(n_shards: int) -> list[Any]:
    """The shard actors, found by name (so that what holds them needs no handle in its arguments)."""
    return [ray.get_actor(f"{SHARD}{n}", namespace=NAMESPACE) for n in range(n_shards)]


def _refuse_second_server(address: str) -> None:
    """One qa server per cluster: its actors have fixed names, and a second one's start or stop would take the
    first one's app down with it."""
    try:
        ray.get_actor(WRITER, namespace=NAMESPACE)
    except ValueError:
        return
    raise AlreadyServing(address)


class _Stop:
    """SIGINT or SIGTERM, noted (never raised inside Ray's calls, where an exception of a signal handler comes
    out as a SystemError); the start-up looks at it between its steps and while it waits."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.signum = 0

    @contextmanager
    def noting(self) -> Iterator[_Stop]:
        """SIGINT and SIGTERM are noted inside the block; the handlers there were before are put back after it."""
        previous = {signum: signal.signal(signum, self._note) for signum in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield self
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    def _note(self, signum: int, _frame: object) -> None:
        self.signum = self.signum or signum
        self.event.set()

    def check(self) -> None:
        if self.event.is_set():
            raise _Interrupted


class _Interrupted(Exception):
    """The start-up was interrupted (Ctrl-C, SIGTERM): what it started is stopped, and qa exits 130 or 143."""


def _wait(refs: list[Any], stop: _Stop) -> list[Any]:
    """`_get`, looking at `stop` every `POLL_S` while the actors are not ready (a big shard opens for a while)."""
    while True:
        stop.check()
        ready, _ = ray.wait(refs, num_returns=len(refs), timeout=POLL_S)
        if len(ready) == len(refs):
            return _get(refs)


def start_shards(settings: Settings, n_shards: int, stop: _Stop, actors: list[Any]) -> None:
    """One actor per shard (each opens its shard now), put into `actors` as they are made; returns once all are
    ready."""
    for n in range(n_shards):
        actors.append(ShardActor.options(  # type: ignore[attr-defined]
            name=f"{SHARD}{n}", max_concurrency=SHARD_THREADS).remote(settings, n_shards, n))
    try:
        _wait([handle.pid.remote() for handle in actors], stop)  # an unopenable shard fails here
    except ActorNotStarted as error:
        raise ActorNotStarted(
            f"a shard of the index could not be opened ({error}); the index folder "
            f"{settings.resolved_index_dir()} must be at the same path, readable, on every machine of the Ray "
            "cluster (a shared file system: see the README's \"Past one machine\")") from None


def _serve_running() -> bool:
    """Whether Ray Serve already runs on the cluster (started by another program: then only qa's app is removed
    at the end, not Serve)."""
    return serve_address() is not None


def serve_address() -> tuple[str, int] | None:
    """Where the HTTP proxy of the Ray Serve that runs on the cluster listens (None: Serve does not run). Serve
    keeps the address it was started with: an app added later is served there, whatever it asks."""
    try:
        controller = ray.get_actor(SERVE_CONTROLLER_NAME, namespace=SERVE_NAMESPACE)
    except ValueError:
        return None
    options: Any = ray.get(controller.get_http_config.remote())
    return str(options.host), int(options.port)


def check_serve_address(settings: Settings) -> None:
    """Refuse to start when Ray Serve already runs on the cluster with its proxy elsewhere: the app would be
    served there, not on the address `qa serve --ray` was given and says."""
    running = serve_address()
    if running is not None and running != (settings.host, settings.port):
        host, port = running
        raise ServeElsewhere(f"Ray Serve already runs on this cluster with its HTTP proxy on {host}:{port} (another "
                             "program's, or left by a qa serve --ray that was killed), and serves every app there: "
                             f"give --host {host} --port {port}, or stop that Serve first (serve.shutdown())")


def serve_on_ray(settings: Settings, address: str, n_shards: int, replicas: int,
                 on_ready: Callable[[], None] | None = None) -> int:
    """Serve the sharded index of `settings.documents` (built by the caller) on the cluster at `address` (joined
    by `connect` first, unless the caller did) until SIGINT or SIGTERM; then the app, its proxy and the actors
    stop. `on_ready` is called once the app answers. Returns the signal's number (the caller exits with 128 + it,
    as `qa serve` does), also when the signal came during the start-up: what was started by then is stopped, and
    nothing is left on the cluster."""
    if not ray.is_initialized():
        connect(address)
    stop = _Stop()
    actors: list[Any] = []
    ours = {"serve": False, "app": False}
    with stop.noting():
        try:
            try:
                _refuse_second_server(address)
                check_serve_address(settings)
                start_shards(settings, n_shards, stop, actors)
                # a second server that started at the same moment: ActorAlreadyExistsError, below
                writer = WriterActor.options(name=WRITER).remote(settings, n_shards)  # type: ignore[attr-defined]
                actors.append(writer)
                _wait([writer.__ray_ready__.remote()], stop)
                ours["serve"] = not _serve_running()
                serve.start(http_options={"host": settings.host, "port": settings.port})
                stop.check()
                deployment = Ingress.options(num_replicas=replicas)  # type: ignore[attr-defined]
                ours["app"] = True
                serve.run(deployment.bind(settings, n_shards), name=APP_NAME, route_prefix="/", blocking=False)
                stop.check()
            except ActorAlreadyExistsError:
                raise AlreadyServing(address) from None
            except _Interrupted:
                log.info("interrupted during the start-up; stopping what was started")
                return stop.signum
            if on_ready is not None:
                on_ready()
            stop.event.wait()
            log.info("stopping the app and %d actors", len(actors))
            return stop.signum
        finally:
            with stop.noting():  # again (Ray's calls may have put in their own): a second Ctrl-C while stopping
                _stop_started(actors, ours)  # is noted, not raised half way through the stop


def _stop_started(actors: list[Any], ours: dict[str, bool]) -> None:
    """Stop what this process started on the cluster, and nothing else (another program's Serve apps stay)."""
    if not ray.is_initialized():
        return
    try:
        if ours["serve"]:
            serve.shutdown()  # type: ignore[no-untyped-call]
        elif ours["app"]:
            serve.delete(APP_NAME)
        for actor in actors:
            ray.kill(actor, no_restart=True)
    finally:
        ray.shutdown()
