"""The index always equals the folder: opening it reads only what changed, says what changed, and scores as a
fresh build would; an API write records only what it wrote; unreadable files are skipped with their reason."""

from __future__ import annotations

import errno
import json
import os
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import qa.corpus.read as read_module
from qa.answer.search import Searcher
from qa.cli import main
from qa.collection import Collection
from qa.config import Settings
from qa.index import Index, current_version, load_index, open_index

from .conftest import settings_for

QUESTIONS = ("harbour cranes", "trade target 2023", "zeppelin airship", "pipeline engineers", "grain market steel")


def scores(index: Index, question: str) -> dict[tuple[str, int], float]:
    ids = index.term_ids(index.analyzer.terms(question))
    all_scores = index.engine.scores(ids)
    found = {}
    for passage in range(index.engine.n_docs):
        article, _, _, number = index.passage(passage)
        found[index.articles[article].id, number] = float(all_scores[passage])
    return found


def assert_equal_to_a_fresh_build(index: Index, documents: Path, tmp_path: Path) -> None:
    fresh = open_index(settings_for(documents, tmp_path / "fresh"))
    assert sorted(a.id for a in index.articles) == sorted(a.id for a in fresh.articles)
    for question in QUESTIONS:
        ours, reference = scores(index, question), scores(fresh, question)
        assert ours.keys() == reference.keys()
        assert max(abs(ours[key] - reference[key]) for key in ours) < 1e-9, question
    assert index.manifest["files"] == fresh.manifest["files"]  # path, size, mtime, SHA-256, id base, skips
    assert index.skipped == fresh.skipped
    shutil.rmtree(tmp_path / "fresh")


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files whose bytes are parsed into articles, in order."""
    parsed: list[str] = []
    real = read_module.parse_file

    def spy(data: bytes, source: str, base: str):  # type: ignore[no-untyped-def]
        parsed.append(source)
        return real(data, source, base)

    monkeypatch.setattr(read_module, "parse_file", spy)
    return parsed


def test_opening_reads_only_what_changed_and_says_so(articles_dir: Path, tmp_path: Path, reads: list[str],
                                                     capsys: pytest.CaptureFixture) -> None:
    args = ["--documents", str(articles_dir), "--index-dir", str(tmp_path / "i")]
    assert main(["index", *args]) == 0
    assert sorted(reads) == ["energy/pipeline.md", "harbour.txt", "markets.txt"]
    reads.clear()
    (articles_dir / "zeppelin.txt").write_text("Zeppelin airship\n\nA zeppelin airship moored above the harbour.\n")
    (articles_dir / "grain.md").write_text("# Grain market\n\nGrain and steel prices rose at the market.\n")
    (articles_dir / "energy" / "wind.txt").write_text("Wind farms\n\nEngineers built wind farms off the coast.\n")
    (articles_dir / "markets.txt").write_text("Trade targets for 2024\n\nThe target moved to 2024.\n")
    (articles_dir / "harbour.txt").unlink()
    capsys.readouterr()
    assert main(["ask", "zeppelin airship", "--json", *args]) == 0
    captured = capsys.readouterr()
    assert captured.err.startswith("qa: 3 files added, 1 changed and 1 removed: updated the index to 5 articles, "
                                   "5 passages in ")
    assert json.loads(captured.out)["passages"][0]["citation"]["document_id"] == "zeppelin"
    assert sorted(reads) == ["energy/wind.txt", "grain.md", "markets.txt", "zeppelin.txt"]  # nothing else read
    settings = settings_for(articles_dir, tmp_path / "i")
    assert_equal_to_a_fresh_build(open_index(settings), articles_dir, tmp_path)
    reads.clear()
    before = current_version(settings.resolved_index_dir())
    assert main(["ask", "zeppelin", *args]) == 0
    assert capsys.readouterr().err == "" and reads == []  # nothing changed: nothing read, no line, same version
    assert current_version(settings.resolved_index_dir()) == before


def test_a_touched_file_is_hashed_not_read_again(articles_dir: Path, tmp_path: Path, reads: list[str],
                                                 caplog: pytest.LogCaptureFixture) -> None:
    settings = settings_for(articles_dir, tmp_path / "i")
    first = open_index(settings)
    reads.clear()
    harbour = articles_dir / "harbour.txt"
    os.utime(harbour, ns=(harbour.stat().st_atime_ns, harbour.stat().st_mtime_ns + 5 * 10**9))
    with caplog.at_level("INFO", logger="qa"):
        second = open_index(settings)
    assert reads == [] and second.path != first.path  # re-stamped, so the next open need not hash it again
    assert ": 1 file touched but unchanged\n" in caplog.text
    assert [r for r in second.manifest["files"] if r[0] == "harbour.txt"][0][2] == harbour.stat().st_mtime_ns
    assert open_index(settings).path == second.path


def test_a_change_within_the_same_clock_tick_is_found_by_its_hash(articles_dir: Path, tmp_path: Path) -> None:
    """Same size, same modification time (a rewrite within one tick of the file system's clock): the stamp
    cannot tell, the content hash does, since the file was modified just before the scan that recorded it."""
    settings = settings_for(articles_dir, tmp_path / "i")
    harbour = articles_dir / "harbour.txt"
    harbour.write_text("Harbour cranes arrive\n\nThree new cranes arrived at the northern harbour on Monday.\n")
    stamp = harbour.stat()
    open_index(settings)
    harbour.write_text("Harbour cranes arrive\n\nThree new zebras arrived at the northern harbour on Monday.\n")
    os.utime(harbour, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    assert harbour.stat().st_size == stamp.st_size
    index = open_index(settings)
    assert "zebra" in index.vocab
    assert "zebras" in index.article_text(index.article_number("harbour"))


def test_an_api_write_records_only_what_it_wrote(articles_dir: Path, tmp_path: Path) -> None:
    settings = settings_for(articles_dir, tmp_path / "i")
    collection = Collection(settings=settings)
    (articles_dir / "by-hand.txt").write_text("By hand\n\nA walrus was seen on the pier.\n")  # while it runs
    (articles_dir / "markets.txt").unlink()
    collection.add_document("api/zeppelin", "Zeppelin airship", "A zeppelin airship moored above the harbour.")
    live = load_index(current_version(settings.resolved_index_dir()))
    recorded = [row[0] for row in live.manifest["files"]]
    assert recorded == ["api/zeppelin.md", "energy/pipeline.md", "harbour.txt", "markets.txt"]  # the rest: unseen
    assert "walrus" not in live.vocab
    reopened = Collection(settings=settings)  # a restart: the hand changes are found now
    assert Searcher(reopened.index).ask("walrus pier", top_k=1).passages[0].citation.document_id == "by-hand"
    assert "markets" not in {info.id for info in reopened.documents()}
    assert_equal_to_a_fresh_build(reopened.index, articles_dir, tmp_path)


def test_words_only_a_removed_article_had_are_unknown_again(articles_dir: Path, tmp_path: Path) -> None:
    (articles_dir / "zeppelin.txt").write_text("Zeppelin airship\n\nA zeppelin airship moored above the harbour.\n")
    collection = Collection(settings=settings_for(articles_dir, tmp_path / "i"))
    assert collection.ask("zeppelin").passages
    collection.remove("zeppelin")
    answer = collection.ask("zeppelin harbour")
    assert answer.unknown_terms == ["zeppelin"]
    assert all("zeppelin" not in p.text.lower() for p in answer.passages)


def test_a_txt_and_an_md_of_one_name_never_hide_each_other(articles_dir: Path, tmp_path: Path) -> None:
    settings = settings_for(articles_dir, tmp_path / "i")
    open_index(settings)
    (articles_dir / "harbour.md").write_text("# Harbour tugs\n\nTwo tugboats were painted orange.\n")
    index = open_index(settings)
    ids = {info.id: info.source for info in index.articles}
    assert ids["harbour.txt"] == "harbour.txt" and ids["harbour.md"] == "harbour.md" and "harbour" not in ids
    assert Searcher(index).ask("tugboats orange", top_k=1).passages[0].citation.document_id == "harbour.md"
    assert_equal_to_a_fresh_build(index, articles_dir, tmp_path)
    (articles_dir / "harbour.md").unlink()
    assert "harbour" in {info.id for info in open_index(settings).articles}  # alone again: its short id


# --- unreadable files: skipped with a reason naming them, never stopping the others --------------------------------


@pytest.fixture
def failing_reads(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """File name -> errno that reading it raises (tests run as root: chmod 000 would prove nothing)."""
    failures: dict[str, int] = {}
    real = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self.name in failures:
            code = failures[self.name]
            raise OSError(code, os.strerror(code), str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    return failures


def test_unreadable_files_are_skipped_with_their_reason(articles_dir: Path, tmp_path: Path,
                                                        failing_reads: dict[str, int],
                                                        monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture) -> None:
    for name in ("denied.txt", "io-error.md", "a-folder.txt"):
        (articles_dir / name).write_text("Title\n\nSome text about cranes.\n")
    failing_reads.update({"denied.txt": errno.EACCES, "io-error.md": errno.EIO, "a-folder.txt": errno.EISDIR})
    (articles_dir / "loop.txt").symlink_to(articles_dir / "loop.txt")
    (articles_dir / "broken.pdf").write_bytes(b"%PDF-1.4\n1 0 obj <<\n")
    (articles_dir / "garbled.txt").write_bytes(bytes(range(128, 256)) * 3)  # no encoding reads it as text
    (articles_dir / "photo.png").write_bytes(b"\x89PNG\r\n")
    (articles_dir / "sheet.xlsx").write_bytes(b"PK\x03\x04")
    (articles_dir / "locked").mkdir()
    (articles_dir / "locked" / "inside.txt").write_text("Inside\n\nNever read.\n")
    real_scandir = os.scandir

    def scandir(path: object = "."):  # type: ignore[no-untyped-def]
        if str(path).endswith("locked"):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_scandir(path)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "scandir", scandir)
    assert main(["index", "--documents", str(articles_dir), "--index-dir", str(tmp_path / "i")]) == 0
    out = capsys.readouterr().out.splitlines()
    expected = {
        "a-folder.txt": "unreadable (Is a directory)",
        "broken.pdf": "not a valid PDF (PdfStreamError: Stream has ended unexpectedly)",
        "denied.txt": "unreadable (Permission denied)",
        "io-error.md": "unreadable (Input/output error)",
        "garbled.txt": "not UTF-8 (invalid byte at offset 0), nor text in another encoding",
        "locked/": "unreadable folder (Permission denied)",
        "loop.txt": "symbolic link loop",
        "photo.png": "unsupported file type (.png)",
        "sheet.xlsx": "unsupported file type (.xlsx)",
    }
    assert out[0].startswith("indexed 3 articles, ")  # the good articles, whatever the others did
    assert out[1] == "skipped 9 files (2 of an unsupported type):"
    assert out[2:] == [f"  {source}: {reason}" for source, reason in sorted(expected.items())]  # each once
    settings = settings_for(articles_dir, tmp_path / "i")
    with TestClient(_app(settings)) as client:
        health = client.get("/health").json()
    assert health["skipped_files"] == 9
    assert {item["source"]: item["reason"] for item in health["skipped"]} == expected
    failing_reads.clear()  # permissions fixed: the stamp is the same, the files are read again
    index = open_index(settings)
    assert {"denied", "io-error", "a-folder"} <= {info.id for info in index.articles}


def _app(settings: Settings):  # type: ignore[no-untyped-def]
    from qa.web.app import create_app

    return create_app(settings)


def test_a_broken_file_during_reconcile_is_skipped_and_the_rest_updated(articles_dir: Path, tmp_path: Path,
                                                                        failing_reads: dict[str, int]) -> None:
    settings = settings_for(articles_dir, tmp_path / "i")
    open_index(settings)
    (articles_dir / "zeppelin.txt").write_text("Zeppelin airship\n\nA zeppelin airship moored above the harbour.\n")
    (articles_dir / "harbour.txt").write_text("Harbour\n\nChanged, but now unreadable.\n")
    failing_reads["harbour.txt"] = errno.EIO
    index = open_index(settings)
    assert "harbour" not in {info.id for info in index.articles}
    assert {s.source: s.reason for s in index.skipped} == {"harbour.txt": "unreadable (Input/output error)"}
    assert Searcher(index).ask("zeppelin airship", top_k=1).passages[0].citation.document_id == "zeppelin"
