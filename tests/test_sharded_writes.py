"""Writes to a sharded index are all or nothing across its shards, and a restarted writer catches up with the
documents folder. In-process shards (`LocalShards`); tests/test_ray.py runs the same writes on Ray, and
tests/test_errors.py checks that qa's errors survive the trip between processes (pickling)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from qa.config import Settings
from qa.distributed.calls import LocalShards
from qa.distributed.collection import ShardedCollection
from qa.distributed.layout import shard_of
from qa.distributed.ranking import ShardedSearcher
from qa.distributed.shard import Shard
from qa.distributed.store import build_sharded
from qa.distributed.writes import ShardedWriter
from qa.errors import NoSpace
from qa.web.app import create_app

from .conftest import settings_for
from .test_distributed import _random_folder

KEY = "write-key"


def _shards(settings: Settings, n_shards: int) -> LocalShards:
    return LocalShards([Shard(settings, n_shards, number) for number in range(n_shards)])


def _id_on(shard: int, n_shards: int) -> str:
    return next(f"new-{n}" for n in range(1000) if shard_of(f"new-{n}", n_shards) == shard)


def _versions(settings: Settings, shards: LocalShards) -> list[list[str]]:
    """Every version folder on disk, shard by shard (what a failed write must leave as it was)."""
    folders = [Path(shard._state.base.index.path).parent for shard in shards.shards]
    return [sorted(child.name for child in folder.iterdir() if child.name.startswith("v-")) for folder in folders]


@pytest.mark.parametrize("failing", ["stage", "commit"])
def test_a_write_another_shard_refuses_is_undone_on_every_shard(tmp_path: Path, failing: str) -> None:
    """Shard 1 refuses the change (its disk is full) after shard 0, the owner, wrote its new version: the
    client is told 507 in qa's words, the file is not in the folder, no shard answers with the article (also
    after opening the disk again), and the owner's current version on disk is still the old one."""
    documents = tmp_path / "docs"
    _random_folder(documents, 20, seed=5)
    settings = settings_for(documents, tmp_path / "index", api_key=KEY, chunk_words=80)
    build_sharded(settings, 2)
    shards = _shards(settings, 2)
    before = _versions(settings, shards)
    owner, other = 0, 1
    document_id = _id_on(owner, 2)
    refusing = shards.shards[other if failing == "stage" else owner]

    def full(*_args: Any) -> None:
        raise NoSpace(Path(refusing._state.base.index.path).parent, "index")

    setattr(refusing, failing, full)
    served = ShardedCollection(shards, settings, ShardedWriter(shards, settings))
    with TestClient(create_app(settings, open_served=lambda _settings: served)) as client:
        response = client.post("/documents", headers={"Authorization": f"Bearer {KEY}"},
                               json={"id": document_id, "title": "Quokka census", "text": "The zorblat count."})
        assert response.status_code == 507
        assert response.json() == {"detail": "no space left on the disk of the index; nothing was changed"}
        assert client.get("/ask", params={"q": "zorblat"}).json()["passages"] == []
        assert client.get(f"/documents/{document_id}").status_code == 404
    assert not (documents / f"{document_id}.md").exists()
    assert sorted(path.name for path in documents.iterdir()) == [f"a{n:03d}.txt" for n in range(20)]
    assert _versions(settings, shards) == before
    fresh = ShardedSearcher(_shards(settings, 2), settings)
    assert fresh.ask("zorblat").passages == []


def test_a_write_that_rebuilds_every_shard_and_fails_is_undone(tmp_path: Path) -> None:
    """A small folder's passages get shorter as it grows, so a write there builds every shard again; when a
    shard then fails to open the new build, the folder is put back and the shards built from it again: no shard
    answers with an article the folder does not have."""
    documents = tmp_path / "docs"
    _random_folder(documents, 6, seed=5)
    settings = settings_for(documents, tmp_path / "index")
    build_sharded(settings, 2)
    shards = _shards(settings, 2)
    failing = shards.shards[1]
    reload = failing.reload
    calls: list[int] = []

    def fails_once() -> str:
        calls.append(1)
        if len(calls) == 1:
            raise OSError("the build cannot be opened")
        return reload()

    failing.reload = fails_once  # type: ignore[method-assign]
    writer = ShardedWriter(shards, settings)
    with pytest.raises(OSError, match="cannot be opened"):
        writer.add_document("long", "A long one", " ".join(["The zorblat count rose again."] * 200))
    assert calls and not (documents / "long.md").exists()
    for searcher in (ShardedSearcher(shards, settings), ShardedSearcher(_shards(settings, 2), settings)):
        assert searcher.ask("zorblat").passages == []


def test_a_shard_that_fails_to_switch_after_the_commit_leaves_every_shard_on_the_write(tmp_path: Path) -> None:
    """Once the owner's new version is current on disk the write is done: a shard that fails to switch opens
    the disk again, and every shard answers with the article (the write is acknowledged)."""
    documents = tmp_path / "docs"
    _random_folder(documents, 20, seed=5)
    settings = settings_for(documents, tmp_path / "index", chunk_words=80)
    build_sharded(settings, 2)
    shards = _shards(settings, 2)
    stuck = shards.shards[1]

    def fails(_name: str) -> None:
        raise OSError("switch failed")

    stuck.switch = fails  # type: ignore[method-assign]
    writer = ShardedWriter(shards, settings)
    document_id = _id_on(0, 2)
    assert writer.add_document(document_id, "Quokka census", "The zorblat count.").id == document_id
    assert ShardedSearcher(shards, settings).ask("zorblat").passages[0].citation.document_id == document_id
    assert (documents / f"{document_id}.md").exists()


def test_a_restarted_writer_catches_up_with_the_folder(tmp_path: Path) -> None:
    """A writer that died with a file in the folder and not in the index (or a file changed meanwhile by hand)
    brings the index up to date before it takes writes: the file is answerable, on every shard's statistics."""
    documents = tmp_path / "docs"
    _random_folder(documents, 20, seed=5)
    settings = settings_for(documents, tmp_path / "index", chunk_words=80)
    build_sharded(settings, 2)
    shards = _shards(settings, 2)
    writer = ShardedWriter(shards, settings)
    assert writer.catch_up() is False  # nothing changed: nothing built
    (documents / "dropped.txt").write_text("Dropped in\n\nThe quillop kelp forest was mapped.\n")
    (documents / "a003.txt").unlink()
    assert writer.catch_up() is True
    searcher = ShardedSearcher(shards, settings)
    assert [p.citation.document_id for p in searcher.ask("quillop kelp").passages] == ["dropped"]
    assert all(info.id != "a003" for info in ShardedCollection(shards, settings, writer).index.articles)
    assert writer.add_document("after", "After", "The frindle glacier.").id == "after"

