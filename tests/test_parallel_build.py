"""A big folder's build by worker processes (`qa.index.parallel`) writes the version one process writes, byte for
byte: every array, the articles, the vocabulary and its ids, the folder's file records (skipped files with their
reasons), each skipped file warned of once; only the word caches' order (a dict) and the build's time differ, and
the caches may hold the words of a file skipped for its document id."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import numpy as np
import pytest

from qa.index import build_index, current_version, load_index
from qa.index import parallel as parallel_module

from .conftest import ARTICLES, REPO, settings_for

MULTILINGUAL = REPO / "tests" / "data" / "multilingual"


def _version_files(index_dir: Path) -> dict[str, bytes]:
    version = current_version(index_dir)
    assert version is not None
    return {path.relative_to(version).as_posix(): path.read_bytes() for path in sorted(version.rglob("*"))
            if path.is_file()}


def _assert_same_version(one: Path, many: Path) -> None:
    first, second = _version_files(one), _version_files(many)
    assert sorted(first) == sorted(second)
    for name in first:
        if name == "manifest.json":
            a, b = json.loads(first[name]), json.loads(second[name])
            for volatile in ("built_at", "checksums", "documents", "scanned_ns"):
                a.pop(volatile), b.pop(volatile)
            assert a == b
        elif name == "vocab.json":
            a, b = json.loads(first[name]), json.loads(second[name])
            assert a["terms"] == b["terms"]  # the same ids
            _assert_same_caches({"en": a["analysis_cache"], **a["language_caches"]},
                                {"en": b["analysis_cache"], **b["language_caches"]})
        else:
            assert first[name] == second[name], name


def _assert_same_caches(one: dict[str, dict[str, str]], many: dict[str, dict[str, str]]) -> None:
    """The word caches hold the same words with the same terms; with workers, also the words of a file skipped
    for its document id (a worker analysed it before the builder saw the clash), each with the term its language's
    analyzer gives it."""
    from qa.lang import Analyzers

    assert set(one) <= set(many)
    analyzers = Analyzers()
    for language, cache in many.items():
        assert one.get(language, {}).items() <= cache.items()
        for word in cache.keys() - one.get(language, {}).keys():
            assert analyzers.of(language).term_of(word) == cache[word]


@pytest.fixture
def mixed_folder(tmp_path: Path) -> Path:
    """Articles of several languages, a byline, front matter, a JSONL feed, a long unpunctuated Chinese run (cut
    inside a word), a file whose document id another file already took, an empty file and an unreadable one."""
    folder = tmp_path / "docs"
    shutil.copytree(ARTICLES, folder)
    shutil.copytree(MULTILINGUAL, folder / "multilingual", ignore=shutil.ignore_patterns("questions.jsonl"))
    rng = random.Random(19)
    words = ["harbour", "crane", "Ships", "port's", "3.4", "1,000", "U.S.", "Dr.", "e.g.", "Mr.", "(ports)", "quay"]
    for n in range(70):
        sentences = " ".join(" ".join(rng.choice(words) for _ in range(rng.randint(3, 15))).capitalize() + "."
                             for _ in range(rng.randint(1, 40)))
        (folder / f"story{n:02d}.txt").write_text(f"Story {n}\n\nBy Ann Lee\n\n{sentences}\n\n{sentences[:200]}.\n")
    (folder / "feed.jsonl").write_text("".join(json.dumps({"id": f"feed-{n}", "title": f"Feed {n}",
                                                           "text": f"Crane {n} moved containers."}) + "\n"
                                               for n in range(5)))
    (folder / "long.md").write_text("---\ntitle: 长句\nlang: zh\n---\n" + "高速铁路连接两座城市" * 400 + "\n")
    (folder / "feed").mkdir()
    (folder / "feed" / "feed-1.txt").write_text("Same id\n\nA file with the id of the feed's second record.\n")
    (folder / "empty.txt").write_text("")
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02" * 100)
    return folder


def _parallel(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Let the test's folders be built by workers (pytest may run helper threads); count the pools started."""
    pools: list[int] = []
    real_pool = parallel_module.ProcessPoolExecutor
    monkeypatch.setattr(parallel_module, "PARALLEL_MIN_FILES", 2)
    monkeypatch.setattr(parallel_module.threading, "active_count", lambda: 1)
    monkeypatch.setattr(parallel_module, "BATCH_FILES", 7)  # several batches, several workers
    monkeypatch.setattr(parallel_module, "ProcessPoolExecutor",
                        lambda *a, **k: pools.append(1) or real_pool(*a, **k))  # type: ignore[func-returns-value]
    return pools


@pytest.mark.skipif(parallel_module.workers() < 2, reason="a parallel build needs two cores")
def test_workers_build_the_version_one_process_builds(mixed_folder: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    one = build_index(settings_for(mixed_folder, tmp_path / "one", chunk_words=40))
    warned = [record.getMessage() for record in caplog.records if record.levelname == "WARNING"]
    caplog.clear()
    pools = _parallel(monkeypatch)
    many = build_index(settings_for(mixed_folder, tmp_path / "many", chunk_words=40))
    assert [record.getMessage() for record in caplog.records if record.levelname == "WARNING"] == warned
    assert "skipped binary.txt: binary file (contains NUL bytes)" in warned
    assert pools == [1]
    assert (many.articles, many.passages) == (one.articles, one.passages)
    assert many.articles > 70 and many.passages > 100
    assert many.skipped == one.skipped
    assert {skipped.source for skipped in many.skipped} >= {"empty.txt", "binary.txt"}
    assert any("same document id 'feed/feed-1'" in skipped.reason for skipped in many.skipped)
    _assert_same_version(tmp_path / "one", tmp_path / "many")
    index = load_index(many.path)
    hits = index.engine.top_k(index.term_ids(index.analyzer.terms("harbour cranes")), k=3)[0]
    assert len(hits) == 3


@pytest.mark.skipif(parallel_module.workers() < 2, reason="a parallel build needs two cores")
def test_files_bigger_than_their_text_are_cut_as_a_small_folder(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers start when the files are big enough for full-length passages; when their text is not (HTML made
    mostly of markup), the folder is cut as the small folder it is, as one process would."""
    folder = tmp_path / "docs"
    folder.mkdir()
    for n in range(8):
        script = "<script>" + "var x = 1;" * 3000 + "</script>"
        (folder / f"page{n}.html").write_text(f"<html><head><title>Page {n}</title>{script}</head><body>"
                                              f"<p>Cranes moved {n} containers at the harbour today.</p>"
                                              f"<p>The port said ships wait.</p></body></html>")
    one = build_index(settings_for(folder, tmp_path / "one", chunk_words=200))
    pools = _parallel(monkeypatch)
    many = build_index(settings_for(folder, tmp_path / "many", chunk_words=200))
    assert pools == [1]  # the workers read the files, then the build ran again here
    assert load_index(many.path).manifest["passage_words"] == load_index(one.path).manifest["passage_words"] == 60
    _assert_same_version(tmp_path / "one", tmp_path / "many")


@pytest.mark.skipif(parallel_module.workers() < 2, reason="a parallel build needs two cores")
def test_a_folder_without_readable_articles_is_an_error_with_workers_too(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from qa.errors import EmptyCorpus

    folder = tmp_path / "docs"
    folder.mkdir()
    for n in range(5):
        (folder / f"blob{n}.txt").write_bytes(b"\x00" * 200_000)
    _parallel(monkeypatch)
    with pytest.raises(EmptyCorpus, match=r"no readable article .* \(5 file\(s\) skipped\)"):
        build_index(settings_for(folder, tmp_path / "index", chunk_words=40))
    assert not (tmp_path / "index").exists()


@pytest.mark.skipif(parallel_module.workers() < 2, reason="a parallel build needs two cores")
@pytest.mark.parametrize("with_workers", [False, True], ids=["one process", "workers"])
def test_each_passage_holds_the_terms_of_its_title_and_text_where_its_words_stand(
        mixed_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, with_workers: bool) -> None:
    """What the analysis of a whole article (words found once, passages cut out of them, compiled for ASCII English)
    must equal, passage by passage: its title's terms, then the terms its language's analyzer finds in the
    passage's own text; each of those at a span of the passage whose word has that term."""
    if with_workers:
        _parallel(monkeypatch)
    index = load_index(build_index(settings_for(mixed_folder, tmp_path / "index", chunk_words=40)).path)
    terms = {number: term for term, number in index.all_terms.items()}
    checked = 0
    for passage_id in range(index.engine.n_docs):
        article, start, end, _ = index.passage(passage_id)
        analyzer, info = index.analyzer_of(article), index.articles[article]
        text = index.article_text(article)[start:end]
        title = analyzer.terms(info.title) if info.title_terms else []
        bounds = index.sequence_ptr[passage_id : passage_id + 2]
        sequence = [terms[int(n)] for n in index.sequences[bounds[0] : bounds[1]]]
        assert sequence == title + analyzer.terms(text), (info.source, passage_id)
        spans = index.word_spans(np.asarray(bounds))[len(title):].tolist()
        assert [analyzer.term_of(text[a:z]) for a, z in spans] == sequence[len(title):]
        checked += 1
    assert checked == index.engine.n_docs > 100


def test_term_ids_follow_first_use_over_the_articles_added() -> None:
    """Two analysers number terms on their own; mapped in the articles' order, ids are those of one numbering."""
    from qa.index.analysing import TermMap

    vocab: dict[str, int] = {}
    left, right = TermMap(vocab), TermMap(vocab)
    left.extend(["crane", "port", "ship"])
    right.extend(["ship", "harbour"])
    assert left.map(np.array([1, 0, 1], np.int32)).tolist() == [0, 1, 0]  # port, crane
    assert right.map(np.array([1, 0], np.int32)).tolist() == [2, 3]  # harbour, ship
    assert left.map(np.array([2, 1], np.int32)).tolist() == [3, 0]  # ship: right's id already
    assert vocab == {"port": 0, "crane": 1, "harbour": 2, "ship": 3}
