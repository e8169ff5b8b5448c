"""Issue 20, without Ray: a sharded index answers exactly as one index of the same folder does, and the HTTP app
serves it unchanged. The shards are `Shard` objects in this process (`LocalShards`); tests/test_ray.py runs the
same code as Ray actors."""

from __future__ import annotations

import dataclasses
import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from qa.cli import main
from qa.collection import Collection
from qa.config import Settings
from qa.distributed.calls import LocalShards
from qa.distributed.collection import ShardedCollection
from qa.distributed.layout import Layout, shard_of
from qa.distributed.ranking import ShardedSearcher
from qa.distributed.shard import Shard
from qa.distributed.store import build_sharded, open_sharded
from qa.distributed.writes import ShardedWriter
from qa.models import Answer, Filter
from qa.web.app import create_app

from .conftest import CO_CHAIR, REPO, SEED_DOCUMENTS, settings_for, shared_data
from .test_live import WORDS, _random_article

KEY = "shard-key"


def _shards(settings: Settings, n_shards: int) -> LocalShards:
    return LocalShards([Shard(settings, n_shards, number) for number in range(n_shards)])


def _plain(answer: Answer) -> dict[str, Any]:
    """An answer as data, without its timing."""
    found = dataclasses.asdict(answer)
    found.pop("took_ms")
    return found


def _random_folder(folder: Path, articles: int, seed: int) -> list[str]:
    """Articles of a 22-word vocabulary (many equal scores: ties must break as in one index), and questions."""
    rng = random.Random(seed)
    folder.mkdir()
    for number in range(articles):
        (folder / f"a{number:03d}.txt").write_text(_random_article(rng, number))
    return [" ".join(rng.sample(WORDS, rng.randint(1, 4))) for _ in range(40)]


def _assert_same(one: Collection, sharded: ShardedSearcher, questions: list[str], **options: Any) -> None:
    for question in questions:
        expected = one.searcher.ask(question, 10, explain_scores=True, **options)
        assert _plain(sharded.ask(question, 10, explain_scores=True, **options)) == _plain(expected), question


@pytest.mark.parametrize("n_shards", [1, 2, 3, 5])
def test_shards_answer_as_one_index_with_ties(tmp_path: Path, n_shards: int) -> None:
    questions = _random_folder(tmp_path / "docs", 80, seed=7)
    settings = settings_for(tmp_path / "docs", tmp_path / "index")
    build_sharded(settings, n_shards)
    one = Collection(settings=settings)
    sharded = ShardedSearcher(_shards(settings, n_shards), settings)
    _assert_same(one, sharded, questions)
    _assert_same(one, sharded, questions[:10], max_per_article=1)
    _assert_same(one, sharded, questions[:10], where=Filter(source_prefix="a01"))


def test_messages_suggestions_and_filters_as_one_index(tmp_path: Path) -> None:
    settings = settings_for(SEED_DOCUMENTS, tmp_path / "index")
    build_sharded(settings, 2)
    one = Collection(settings=settings)
    sharded = ShardedSearcher(_shards(settings, 2), settings)
    questions = [CO_CHAIR, "digitl transformaton", "the of and", "zzzqqq", "Azerbaijan Azerbaijan Turkey"]
    _assert_same(one, sharded, questions)
    _assert_same(one, sharded, [CO_CHAIR], where=Filter(source_prefix="nowhere/"))
    _assert_same(one, sharded, [CO_CHAIR], where=Filter(date_from="2031-01-01"))
    assert sharded.ask("digitl transformaton").suggestions[0].did_you_mean[0] == "digital"


@pytest.mark.parametrize("n_shards", [2, 3])
def test_a_folder_of_many_languages_answers_as_one_index(tmp_path: Path, n_shards: int) -> None:
    """Each question analysed in its language and the folder's main ones (issue 22), as one index does: the
    coordinator learns the collection's languages from every shard, not from the shard it would happen to ask."""
    corpus = Path(__file__).parent / "data" / "multilingual"
    for lang in ("en", "zh", "ja", "el", "ru", "de", "fr"):
        shutil.copytree(corpus / lang, tmp_path / "docs" / lang)
    asked = [json.loads(line) for line in (corpus / "questions.jsonl").read_text(encoding="utf-8").splitlines()]
    questions = [q["question"] for q in asked if q["lang"] in ("en", "zh", "ja", "el", "ru", "de", "fr")]
    settings = settings_for(tmp_path / "docs", tmp_path / "index")
    build_sharded(settings, n_shards)
    sharded = ShardedSearcher(_shards(settings, n_shards), settings)
    _assert_same(Collection(settings=settings), sharded, [*questions, "Berlin", "東京"])
    german = next(q for q in asked if q["lang"] == "de")
    assert sharded.ask(german["question"]).passages[0].citation.document_id == german["article"]


@pytest.mark.slow
@pytest.mark.parametrize(("data", "n_shards"), [("bbc_news", 2), ("bbc_news", 4), ("beir_scifact", 3)])
def test_bbc_and_scifact_questions_as_one_index(tmp_path: Path, data: str, n_shards: int) -> None:
    """The issue's check: the same top-10 passages with the same scores (and citations, sentences, explanations)
    as one index, on BBC's benchmark questions and SciFact's test queries."""
    folder = shared_data(data)
    if data == "beir_scifact":
        from qa.cli.evaluation.data import load_beir
        from qa.cli.evaluation.run import _write_article

        beir = load_beir(folder, "test")
        folder = tmp_path / "scifact"
        folder.mkdir()
        for number, (doc_id, title, text) in enumerate(beir.corpus):
            _write_article(folder, f"{number:07d}", title or doc_id, text)
        questions = [beir.queries[qid] for qid in sorted(beir.qrels)][:150]
    else:
        questions = [json.loads(line)["question"] for name in ("choose", "check")
                     for line in (REPO / "benchmarks" / "data" / f"bbc_questions_{name}.jsonl").open()]
    settings = settings_for(folder, tmp_path / "index")
    build_sharded(settings, n_shards)
    _assert_same(Collection(settings=settings), ShardedSearcher(_shards(settings, n_shards), settings), questions)


def test_placement_is_stable_across_processes(tmp_path: Path) -> None:
    """sha256, not hash(): another process (another PYTHONHASHSEED) puts every article on the same shard."""
    ids = [f"folder/article-{n}" for n in range(50)]
    script = "import sys; from qa.distributed.layout import shard_of; print([shard_of(i, 4) for i in sys.argv[1:]])"
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    other = subprocess.run([sys.executable, "-c", script, *ids], capture_output=True, text=True, env=env, check=True)
    assert other.stdout.strip() == str([shard_of(i, 4) for i in ids])
    assert sorted(set(shard_of(i, 4) for i in ids)) == [0, 1, 2, 3]


def test_each_article_is_on_the_shard_its_id_gives(tmp_path: Path) -> None:
    _random_folder(tmp_path / "docs", 30, seed=3)
    settings = settings_for(tmp_path / "docs", tmp_path / "index")
    report = build_sharded(settings, 3)
    assert sum(report.articles) == 30 and len(report.articles) == 3
    for number, shard in enumerate(_shards(settings, 3).shards):
        _, infos, _ = shard.listing()
        assert infos and all(shard_of(info.id, 3) == number for info in infos)


def _app(settings: Settings, n_shards: int) -> TestClient:
    shards = _shards(settings, n_shards)
    served = ShardedCollection(shards, settings, ShardedWriter(shards, settings))
    return TestClient(create_app(settings, open_served=lambda _settings: served))


def test_the_http_app_serves_a_sharded_index(tmp_path: Path) -> None:
    """The same routes, schema and auth as `qa serve`; a write is answerable at once, and on shards opened again
    from disk (nothing acknowledged is lost); answers stay one index's of the changed folder."""
    documents = tmp_path / "docs"
    questions = _random_folder(documents, 40, seed=11)
    settings = settings_for(documents, tmp_path / "index", api_key=KEY)
    build_sharded(settings, 2)
    auth = {"Authorization": f"Bearer {KEY}"}
    with _app(settings, 2) as client:
        listed = client.get("/documents").json()["documents"]
        assert [item["id"] for item in listed] == [f"a{n:03d}" for n in range(40)]
        assert client.get("/health").json()["articles"] == 40
        detail = client.get("/documents/a007", params={"start": 0, "end": 7}).json()
        assert detail["text"] == (documents / "a007.txt").read_text() and detail["span"]["text"] == "Article"
        assert [span["passage"] for span in detail["passages"]] == list(range(1, len(detail["passages"]) + 1))
        assert client.get("/documents/nope").status_code == 404
        assert client.post("/documents", json={"id": "x", "title": "t", "text": "u"}).status_code == 401
        added = client.post("/documents", headers=auth, json={
            "id": "notes/quokka", "title": "Quokka census", "text": "Rangers counted zorblat quokkas on the isle."})
        assert added.status_code == 201 and added.json()["status"] == "indexed"
        hit = client.get("/ask", params={"q": "zorblat"}).json()["passages"][0]
        assert hit["citation"]["document_id"] == "notes/quokka"
        assert client.delete("/documents/a003", headers=auth).json()["status"] == "removed"
        assert client.get("/documents/a003").status_code == 404
        assert "qa_index_articles 40.0" in client.get("/metrics").text
    assert (documents / "notes" / "quokka.md").exists() and not (documents / "a003.txt").exists()
    reopened = ShardedSearcher(_shards(settings, 2), settings)
    fresh = Collection(settings=settings_for(documents, tmp_path / "fresh-index"))
    _assert_same(fresh, reopened, [*questions[:15], "zorblat quokkas"])


def test_cli_index_shards(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _random_folder(tmp_path / "docs", 12, seed=5)
    code = main(["index", "--shards", "3", "--documents", str(tmp_path / "docs"), "--index-dir",
                 str(tmp_path / "index")])
    out = capsys.readouterr().out
    assert code == 0 and out.startswith("indexed 12 articles") and "into 3 shards" in out
    layout = Layout.of(settings_for(tmp_path / "docs", tmp_path / "index"), 3)
    manifest = layout.manifest()
    assert manifest is not None and manifest["shards"] == 3
    assert open_sharded(settings_for(tmp_path / "docs", tmp_path / "index"), 3) is None  # up to date: no build


def test_serve_needs_ray_and_shards_together(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--shards", "2", "--documents", str(tmp_path)]) == 2
    assert "--ray and --shards go together" in capsys.readouterr().err


def test_one_machine_never_imports_ray(tmp_path: Path) -> None:
    """`qa index`, `qa index --shards`, `qa ask` and the app of `qa serve` run without loading Ray."""
    documents = tmp_path / "docs"
    shutil.copytree(SEED_DOCUMENTS, documents)
    script = f"""
import sys
from qa.cli import main
args = ["--documents", {str(documents)!r}, "--index-dir", {str(tmp_path / "index")!r}]
assert main(["index", *args]) == 0 and main(["index", "--shards", "2", *args]) == 0
assert main(["ask", "Who co-chaired the meeting?", *args]) == 0
import qa.web.app, qa.distributed.collection, qa.distributed.shard, qa.distributed.writes
print(sorted(name for name in sys.modules if name == "ray" or name.startswith("ray.")))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_questions_during_writes_see_one_generation(tmp_path: Path) -> None:
    """Questions asked while writes switch the shards never mix statistics: each answer is that of the folder
    before or after a write (a question that meets two generations starts again), and each write is answerable
    as soon as it returns."""
    import threading

    documents = tmp_path / "docs"
    questions = _random_folder(documents, 30, seed=13)
    settings = settings_for(documents, tmp_path / "index")
    build_sharded(settings, 3)
    shards = _shards(settings, 3)
    searcher, writer = ShardedSearcher(shards, settings), ShardedWriter(shards, settings)
    question = questions[0]
    seen: set[tuple[tuple[str, float], ...]] = set()
    failures: list[BaseException] = []
    done = threading.Event()

    def ask_all_the_time() -> None:
        try:
            while not done.is_set():
                answer = searcher.ask(question, 5)
                seen.add(tuple((p.citation.document_id, p.score) for p in answer.passages))
        except BaseException as error:  # reported by the main thread
            failures.append(error)

    asker = threading.Thread(target=ask_all_the_time)
    asker.start()
    possible = {tuple((p.citation.document_id, p.score) for p in searcher.ask(question, 5).passages)}
    try:
        for number in range(4):
            writer.add_document(f"w{number}", f"Written {number}", f"{question} zorblat{number} again.")
            assert searcher.ask(f"zorblat{number}").passages[0].citation.document_id == f"w{number}"
            possible.add(tuple((p.citation.document_id, p.score) for p in searcher.ask(question, 5).passages))
    finally:
        done.set()
        asker.join()
    assert not failures
    assert seen and seen <= possible


def test_shards_that_never_agree_answer_503(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A question that keeps meeting two generations (a shard stuck between them) gives up after ATTEMPTS_S with
    a 503 the client can retry, not a 500 or a mixed answer."""
    from qa.distributed import ranking

    monkeypatch.setattr(ranking, "ATTEMPTS_S", 0.05)
    _random_folder(tmp_path / "docs", 10, seed=17)
    settings = settings_for(tmp_path / "docs", tmp_path / "index")
    build_sharded(settings, 2)
    shards = _shards(settings, 2)
    stuck = shards.shards[1]
    stuck._state = dataclasses.replace(stuck._state, generation="another")
    served = ShardedCollection(shards, settings, ShardedWriter(shards, settings))
    with TestClient(create_app(settings, open_served=lambda _settings: served)) as client:
        response = client.get("/ask", params={"q": "harbour"})
    assert response.status_code == 503 and response.headers["retry-after"] == "1"
    assert response.json() == {"detail": "the index is being updated; try again"}
