"""How the coordinator reaches the shards: in this process (tests, one machine), or as Ray actors
(`qa.distributed.cluster`). Both run a batch of calls, one per shard named, and return the results in order."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from qa.distributed.shard import Shard


class ShardCalls(Protocol):
    """Calls to the shards of one sharded index."""

    @property
    def n_shards(self) -> int: ...

    def gather(self, method: str, calls: Sequence[tuple[int, tuple[Any, ...]]]) -> list[Any]:
        """`Shard.<method>(*args)` on each `(shard, args)` of `calls`, at once where they can be; the results in
        the order of `calls`. An exception of a call is raised here."""
        ...

    def each(self, method: str, *args: Any) -> list[Any]:
        """The same call on every shard."""
        ...


class LocalShards:
    """Shards in this process (`Shard` objects), called one after the other."""

    def __init__(self, shards: Sequence[Shard]) -> None:
        self.shards = list(shards)

    @property
    def n_shards(self) -> int:
        return len(self.shards)

    def gather(self, method: str, calls: Sequence[tuple[int, tuple[Any, ...]]]) -> list[Any]:
        return [getattr(self.shards[shard], method)(*args) for shard, args in calls]

    def each(self, method: str, *args: Any) -> list[Any]:
        return self.gather(method, [(shard, args) for shard in range(self.n_shards)])
