"""Issue 20 on a real Ray cluster: `qa serve --ray 127.0.0.1:PORT --shards N` answers as one index, takes writes,
and survives a shard actor's process being killed.

Each scenario (tests/ray_scenario.py) runs a head node, `qa serve --ray` and its HTTP client inside a private
network namespace with loopback only (`unshare --net`), and a PID namespace, so that every Ray process ends with
it. Skipped where Ray is not installed (pip install -e '.[ray]') or unshare is not permitted.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from qa.collection import Collection
from qa.web.app import create_app

from .conftest import ARTICLES, REPO, TESTS, settings_for, shared_data
from .sharded_requests import comparable, make_folder, requests

pytest.importorskip("ray", reason="Ray is not installed: pip install -e '.[ray]'")

UNSHARE = ["unshare", "--net", "--pid", "--fork", "--kill-child", "--mount-proc"]


def _unshare_permitted() -> str | None:
    """Why tests cannot get a private network namespace here (None: they can)."""
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        return "unshare or ip (util-linux, iproute2) is not installed"
    done = subprocess.run([*UNSHARE, "ip", "link", "set", "lo", "up"], capture_output=True, text=True)
    if done.returncode != 0:
        return f"unshare --net is not permitted here: {done.stderr.strip()}"
    return None


def _run(tmp: Path, plan: dict[str, Any]) -> dict[str, Any]:
    why = _unshare_permitted()
    if why:
        pytest.skip(why)
    (tmp / "plan.json").write_text(json.dumps(plan))
    done = subprocess.run([*UNSHARE, sys.executable, str(TESTS / "ray_scenario.py"), str(tmp / "plan.json"),
                           str(tmp / "out.json")], capture_output=True, text=True, timeout=900, cwd=REPO)
    assert done.returncode == 0, done.stderr[-3000:]
    found: dict[str, Any] = json.loads((tmp / "out.json").read_text())
    return found


def _passages(answer: dict[str, Any]) -> list[dict[str, Any]]:
    return answer["passages"]


def _expected(collection: Collection, question: str) -> list[dict[str, Any]]:
    """`qa ask --json`'s passages, as JSON (what the HTTP API sends)."""
    answer = collection.ask(question, top_k=10)
    return json.loads(json.dumps([dataclasses.asdict(p) for p in answer.passages]))


def _plain_responses(collection: Collection, requests: list[Any]) -> list[list[Any]]:
    """What `qa serve` (the app over one index) answers to each request, as the scenario records it."""
    with TestClient(create_app(collection.settings, open_served=lambda _settings: collection)) as client:
        return [list(comparable(*_sent(client, method, path, options))) for method, path, options in requests]


def _sent(client: TestClient, method: str, path: str, options: dict[str, Any]) -> tuple[int, Any]:
    response = client.request(method, path, **options)
    return response.status_code, response.json()


@pytest.mark.slow
def test_a_killed_shard_loses_nothing(tmp_path: Path) -> None:
    """Two shards, two replicas: every request of tests/sharded_requests.py is answered as `qa serve` answers it
    over one index; a second server on the cluster is refused and the first goes on; an added article is
    answerable at once, still after its shard's process is killed (Ray restarts it, it reopens the disk), and
    writes go on after the writer's process is killed too (it catches up with a file left in the folder); errors
    raised in the writer actor arrive as qa's own; Ctrl-C during a start-up exits 130 and leaves no actor."""
    documents = tmp_path / "articles"
    compared = make_folder(documents)
    shutil.copytree(ARTICLES, documents / "news")
    questions = ["harbour strike", "energy prices pipeline", "markets"]
    one = Collection(settings=settings_for(documents, tmp_path / "one-index", api_key="scenario-key"))
    expected = [_expected(one, question) for question in questions]
    sent = requests(compared, [info.id for info in one.documents()][::11], 300)
    plain = _plain_responses(one, [list(request) for request in sent])
    auth = {"Authorization": "Bearer scenario-key"}
    errors = [("POST", "/documents", {"files": {"file": ("notes.exe", b"MZ")}, "headers": auth}),
              ("DELETE", "/documents/nowhere", {"headers": auth})]
    with TestClient(create_app(one.settings, open_served=lambda _settings: one)) as client:
        plain_errors = [list(comparable(*_sent(client, *request))) for request in errors]
    found = _run(tmp_path, {"documents": str(documents), "index_dir": str(tmp_path / "index"), "shards": 2,
                            "replicas": 2, "questions": questions, "writes": True, "compare": sent})
    print("scenario steps began at (s):", found["seconds"])
    assert found["health"]["articles"] == len(one.documents())
    assert [_passages(answer) for answer in found["answers"]] == expected
    got = [list(comparable(*response)) for response in found["compared"]]
    differ = [(request, mine, theirs) for request, mine, theirs in zip(sent, got, plain, strict=True) if mine != theirs]
    assert not differ, f"{len(differ)} of {len(sent)} differ; the first: {differ[0]}"
    second = found["second_server"]
    assert second["exit"] == 1 and second["stderr"][-1].startswith(
        "qa: error: another qa server already serves on the Ray cluster at 127.0.0.1:6379 (its actors qa-shard-N "
        "and qa-writer are in the namespace 'qa'); stop that qa serve --ray first"), second
    assert second["first_still"][0] == 200 and second["first_still"][1]["passages"]
    writes = found["writes"]
    assert writes["added"].get("status") == "indexed", writes["added"]  # on failure: the HTTP status and detail
    assert [p["citation"]["document_id"] for p in writes["asked_added"]["passages"]] == ["ray-added"]
    assert writes["pid_after"] != writes["pid_before"]  # the process was killed, and Ray started another
    assert _passages(writes["asked_after_kill"]) == _passages(writes["asked_added"])
    assert [p["citation"]["document_id"] for p in writes["asked_second"]["passages"]] == ["ray-second"]
    assert writes["removed"]["status"] == "removed"
    assert writes["asked_removed"]["passages"] == [] and writes["asked_removed"]["unknown_terms"] == ["zorblat"]
    assert writes["health"]["articles"] == len(one.documents()) + 1
    assert writes["document"]["text"].endswith("The frindle glacier lost ice again.\n")
    assert writes["unauthorised"] == 401
    assert [writes["bad_upload"], writes["unknown_delete"]] == plain_errors
    assert plain_errors[0][0] == 422 and plain_errors[1] == [404, {"detail": "no document with id 'nowhere'"}]
    assert writes["third_statuses"][-1] == 201 and set(writes["third_statuses"][:-1]) <= {503}  # writer restarted
    assert [p["citation"]["document_id"] for p in writes["asked_third"]["passages"]] == ["ray-third"]
    assert [p["citation"]["document_id"] for p in writes["asked_dropped"]["passages"]] == ["ray-dropped"]
    assert found["serve_exit"] == 143  # SIGTERM, as qa serve: 128 + 15
    assert (documents / "ray-second.md").exists() and not (documents / "ray-added.md").exists()
    interrupted = found["interrupted"]
    assert interrupted["exit"] == 130 and interrupted["stderr"] == ["qa: interrupted"], interrupted
    assert interrupted["seconds"] < 15 and interrupted["actors"] == []
    elsewhere = found["serve_elsewhere"]
    assert elsewhere["exit"] == 1 and elsewhere["stderr"] == [
        "qa: error: Ray Serve already runs on this cluster with its HTTP proxy on 127.0.0.1:8005 (another program's, "
        "or left by a qa serve --ray that was killed), and serves every app there: give --host 127.0.0.1 --port "
        "8005, or stop that Serve first (serve.shutdown())"], elsewhere
    assert elsewhere["health"] == writes["health"]["articles"] + 2  # ray-third and ray-dropped since
    assert elsewhere["stopped"] == 143 and elsewhere["actors"] == [] and elsewhere["serve_still"]
    index = tmp_path / "index" / "elsewhere"
    assert found["unopenable"] == [
        "ActorNotStarted", f"a shard of the index could not be opened (FileNotFoundError: no sharded index in "
        f"{index}/shards-2); the index folder {index} must be at the same path, readable, on every machine of the "
        "Ray cluster (a shared file system: see the README's \"Past one machine\")", "[]"]


@pytest.mark.slow
def test_bbc_questions_on_ray_equal_one_index(tmp_path: Path) -> None:
    """The issue's check: `qa serve --ray 127.0.0.1:PORT --shards 2` gives BBC's questions the same top-10
    passages and scores (and everything else of each passage) as `qa ask` on one index."""
    bbc = shared_data("bbc_news")
    questions = [json.loads(line)["question"] for line in
                 (REPO / "benchmarks" / "data" / "bbc_questions_check.jsonl").open()]
    one = Collection(settings=settings_for(bbc, tmp_path / "one-index"))
    expected = [_expected(one, question) for question in questions]
    found = _run(tmp_path, {"documents": str(bbc), "index_dir": str(tmp_path / "index"), "shards": 2,
                            "replicas": 1, "questions": questions})
    assert found["health"]["passages"] == int(one.index.manifest["passages"])
    got = [_passages(answer) for answer in found["answers"]]
    assert all(len(passages) == 10 for passages in got)
    assert got == expected
