"""`qa serve --ray --shards N` answers every request as `qa serve` does: the same HTTP app over a sharded index
(in-process shards here, `LocalShards`; tests/test_ray.py sends the same requests to Ray actors)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from qa.collection import Collection
from qa.distributed.calls import LocalShards
from qa.distributed.collection import ShardedCollection
from qa.distributed.ranking import ShardedSearcher
from qa.distributed.shard import Shard
from qa.distributed.store import build_sharded
from qa.distributed.writes import ShardedWriter
from qa.errors import InvalidRequest
from qa.web.app import create_app

from .conftest import settings_for
from .sharded_requests import comparable, make_folder, requests
from .test_distributed import _random_folder


@pytest.mark.parametrize("n_shards", [2, 3])
def test_every_request_is_answered_as_by_one_index(tmp_path: Path, n_shards: int) -> None:
    documents = tmp_path / "docs"
    questions = make_folder(documents)
    settings = settings_for(documents, tmp_path / "index")
    one = Collection(settings=settings)
    build_sharded(settings, n_shards)
    shards = LocalShards([Shard(settings, n_shards, n) for n in range(n_shards)])
    served = ShardedCollection(shards, settings, ShardedWriter(shards, settings))
    ids = [info.id for info in one.documents()][::9]
    differences = []
    with TestClient(create_app(settings, open_served=lambda _settings: one)) as plain, \
            TestClient(create_app(settings, open_served=lambda _settings: served)) as sharded:
        for method, path, options in requests(questions, ids, 400):
            expected, found = (comparable(r.status_code, r.json()) for r in
                               (client.request(method, path, **options) for client in (plain, sharded)))
            if found != expected:
                differences.append((method, path, options, expected, found))
    assert not differences, f"{len(differences)} differ; the first: {differences[0]}"


@pytest.mark.parametrize(("question", "options"), [
    ("harbour", {"top_k": 0}), ("harbour", {"top_k": 101}), ("harbour", {"top_k": True}),
    ("harbour", {"max_per_article": -1}), ("harbour", {"max_per_article": 101}), ("harbour", {"max_per_article": 1.5}),
    ("", {}), ("x" * 2001, {})])
def test_the_searcher_refuses_what_one_index_refuses(tmp_path: Path, question: str, options: dict[str, object]) -> None:
    """Called directly (not through an edge that checks first), the sharded searcher applies the one rule
    (`qa.defaults.passage_count`, `qa.answer.search.validate_question`) in the same words as `Searcher`."""
    documents = tmp_path / "docs"
    _random_folder(documents, 10, seed=3)
    settings = settings_for(documents, tmp_path / "index")
    build_sharded(settings, 2)
    sharded = ShardedSearcher(LocalShards([Shard(settings, 2, n) for n in range(2)]), settings)
    one = Collection(settings=settings).searcher
    top_k = options.pop("top_k", 3)
    with pytest.raises(InvalidRequest) as expected:
        one.ask(question, top_k, **options)  # type: ignore[arg-type]
    with pytest.raises(InvalidRequest) as found:
        sharded.ask(question, top_k, **options)  # type: ignore[arg-type]
    assert type(found.value) is type(expected.value) and str(found.value) == str(expected.value)
