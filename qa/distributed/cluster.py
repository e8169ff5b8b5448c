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
import threading
from collections.abc import Sequence
from typing import Any

os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # before Ray reads it: no usage report leaves the machine

import ray  # noqa: E402  (the environment above first)
from ray import serve  # noqa: E402
from ray.exceptions import ActorUnavailableError, RayActorError, RayTaskError  # noqa: E402

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


NAMESPACE = "qa"
SHARD = "qa-shard-"
WRITER = "qa-writer"
"""Names of the actors in `NAMESPACE` (one sharded index served per Ray cluster)."""
APP_NAME = "qa"
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
            self.writer.reopen()

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
    except (RayActorError, ActorUnavailableError):  # a call Ray does not retry (the writer's) met a restart
        raise Unavailable("a shard or the writer of the index is restarting; try again") from None
    return found


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


def connect(address: str) -> None:
    """Join the Ray cluster at `address` (`auto`, or the `host:port` of `ray start --head`)."""
    try:
        ray.init(address=address, namespace=NAMESPACE, include_dashboard=False, log_to_driver=False,
                 logging_level=logging.WARNING, configure_logging=False)
    except (ConnectionError, RuntimeError, ValueError) as error:
        raise ClusterUnavailable(f"cannot join the Ray cluster at {address}: {error}") from None


def shard_handles(n_shards: int) -> list[Any]:
    """The shard actors, found by name (so that what holds them needs no handle in its arguments)."""
    return [ray.get_actor(f"{SHARD}{n}", namespace=NAMESPACE) for n in range(n_shards)]


def start_shards(settings: Settings, n_shards: int) -> list[Any]:
    """One actor per shard (each opens its shard now); their handles once all are ready."""
    handles = [ShardActor.options(  # type: ignore[attr-defined]
        name=f"{SHARD}{n}", max_concurrency=SHARD_THREADS).remote(settings, n_shards, n) for n in range(n_shards)]
    _get([handle.pid.remote() for handle in handles])  # wait: an unopenable shard fails here
    return handles


def serve_on_ray(settings: Settings, address: str, n_shards: int, replicas: int,
                 started: threading.Event | None = None) -> None:
    """Serve the sharded index of `settings.documents` (built by the caller) on the cluster at `address` until
    SIGINT or SIGTERM; then the app, its proxy and the actors stop."""
    connect(address)
    try:
        actors = start_shards(settings, n_shards)  # held here: the actors live while this process does
        writer = WriterActor.options(name=WRITER).remote(settings, n_shards)  # type: ignore[attr-defined]
        _get([writer.__ray_ready__.remote()])
        actors.append(writer)
        serve.start(http_options={"host": settings.host, "port": settings.port})
        deployment = Ingress.options(num_replicas=replicas)  # type: ignore[attr-defined]
        serve.run(deployment.bind(settings, n_shards), name=APP_NAME, route_prefix="/", blocking=False)
        if started is not None:
            started.set()
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        stop.wait()
        log.info("stopping the app and %d actors", len(actors))
    finally:
        try:
            serve.shutdown()  # type: ignore[no-untyped-call]
        finally:
            ray.shutdown()
