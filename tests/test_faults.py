"""Document writes are all or nothing, and paths from a request stay inside the documents folder (issue 16).

Faults are injected where the operating system would raise them (no space while the file or the new index version
is written, Ctrl-C in the middle); after each, the documents folder (names, bytes, modification times) and the
index are exactly as before, no temporary file is left, and the service goes on answering. Real full disks, on
tmpfs mounts, are in tests/test_disk_full.py; processes killed in the middle of a write are at the end of this file.
"""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from qa.cli import main
from qa.collection import Collection
from qa.config import Settings
from qa.errors import NoSpace, NotWritable, disk_error
from qa.index import current_version, open_index
from qa.index import folder_change as folder_change_module
from qa.index import writer as writer_module
from qa.web.app import create_app

from .conftest import REPO

KEY = "k3y"
AUTH = {"Authorization": f"Bearer {KEY}"}
HARBOUR_V2 = "Harbour cranes arrive\n\nA fourth crane, the okapi, arrived on Friday.\n"


def snapshot(folder: Path) -> dict[str, tuple[bytes, int] | str]:
    """Every entry of the folder, hidden ones included: a file's bytes and modification time, or 'folder'."""
    found: dict[str, tuple[bytes, int] | str] = {}
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix()
        found[name] = "folder" if path.is_dir() else (path.read_bytes(), path.stat().st_mtime_ns)
    return found


@pytest.fixture
def served(articles_dir: Path, tmp_path: Path) -> Iterator[tuple[TestClient, Settings]]:
    settings = Settings(documents=articles_dir, index_dir=tmp_path / "index", api_key=KEY)
    with TestClient(create_app(settings)) as client:
        yield client, settings


def fail_index_writes(monkeypatch: pytest.MonkeyPatch, error: BaseException) -> None:
    """The next index version fails while its files are written (as a full index disk does)."""
    def finish(*args: object, **kwargs: object) -> int:
        raise error

    monkeypatch.setattr(writer_module.VersionWriter, "finish", finish)


def top_ids(client: TestClient, question: str) -> list[str]:
    response = client.get("/ask", params={"q": question, "top_k": 5})
    assert response.status_code == 200
    return [p["citation"]["document_id"] for p in response.json()["passages"]]


WRITES = {  # name: (method, path, request keyword arguments)
    "add": ("POST", "/documents", {"json": {"id": "news/okapi", "title": "Okapi", "text": "An okapi was seen."}}),
    "replace same file": ("POST", "/documents", {"files": {"file": ("harbour.txt", HARBOUR_V2.encode())}}),
    "replace by another format": ("POST", "/documents", {"json": {"id": "harbour", "title": "Harbour",
                                                                  "text": "The okapi crane."}}),
    "upload": ("POST", "/documents", {"files": {"file": ("okapi.md", b"# Okapi\n\nAn okapi was seen.\n")}}),
    "delete": ("DELETE", "/documents/markets", {}),
    "delete in a sub-folder": ("DELETE", "/documents/energy/pipeline", {}),
}


@pytest.mark.parametrize("error", [OSError(errno.ENOSPC, "No space left on device"),
                                   OSError(errno.EDQUOT, "Disk quota exceeded"),
                                   OSError("4096 requested and 1024 written")],  # numpy's short write
                         ids=["ENOSPC", "EDQUOT", "short write"])
@pytest.mark.parametrize("write", WRITES)
def test_a_write_the_index_disk_cannot_take_is_507_and_changes_nothing(
        served: tuple[TestClient, Settings], monkeypatch: pytest.MonkeyPatch, write: str, error: OSError) -> None:
    client, settings = served
    folder = settings.documents
    before, version = snapshot(folder), current_version(settings.resolved_index_dir())
    answers = top_ids(client, "harbour crane okapi pipeline")
    fail_index_writes(monkeypatch, error)
    method, path, kwargs = WRITES[write]
    response = client.request(method, path, headers=AUTH, **kwargs)
    assert response.status_code == 507, response.text
    assert response.json() == {"detail": "no space left on the disk of the index; nothing was changed"}
    assert snapshot(folder) == before  # the same files, bytes and times: no temporary file, no new folder
    assert current_version(settings.resolved_index_dir()) == version
    assert [p.name for p in settings.resolved_index_dir().iterdir() if p.name.endswith(".partial")] == []
    assert top_ids(client, "harbour crane okapi pipeline") == answers
    monkeypatch.undo()  # the disk has room again: the same write now succeeds
    assert client.request(method, path, headers=AUTH, **kwargs).status_code in (200, 201)
    assert [p.name for p in folder.rglob(".*")] == []


def test_the_file_written_short_is_removed_and_507(served: tuple[TestClient, Settings],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The documents disk fills up while the uploaded file is being written: its part is removed."""
    client, settings = served
    before = snapshot(settings.documents)
    written: list[Path] = []

    class FullDisk:
        def __init__(self, path: Path, mode: str) -> None:
            self.handle = open(path, mode)  # noqa: SIM115 - closed in __exit__
            written.append(Path(path))

        def __enter__(self) -> FullDisk:
            return self

        def __exit__(self, *exc: object) -> None:
            self.handle.close()

        def write(self, data: bytes) -> int:
            self.handle.write(data[: len(data) // 2])
            self.handle.flush()
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(folder_change_module, "open", FullDisk, raising=False)
    response = client.post("/documents", headers=AUTH, files={"file": ("big.md", b"# Big\n\n" + b"word " * 4000)})
    assert response.status_code == 507
    assert response.json() == {"detail": "no space left on the disk of the documents folder; nothing was changed"}
    assert [path.name for path in written] == [".big.md.qa-new"]  # it was written, in part, then removed
    assert snapshot(settings.documents) == before
    assert client.get("/health").json()["articles"] == 3


@pytest.mark.parametrize("write", ["add", "replace by another format", "delete"])
def test_ctrl_c_in_the_middle_of_a_write_undoes_it(articles_dir: Path, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch, write: str) -> None:
    collection = Collection(articles_dir, tmp_path / "index")
    before, version = snapshot(articles_dir), current_version(tmp_path / "index")
    fail_index_writes(monkeypatch, KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        if write == "add":
            collection.add_document("news/okapi", "Okapi", "An okapi was seen.")
        elif write == "delete":
            collection.remove("markets")
        else:
            collection.add_document("harbour", "Harbour", "The okapi crane.")
    assert snapshot(articles_dir) == before
    assert current_version(tmp_path / "index") == version
    assert sorted(p.name for p in (tmp_path / "index").iterdir()) == ["CURRENT", "build.lock", version.name]


def test_a_refused_article_leaves_no_folder_behind(served: tuple[TestClient, Settings]) -> None:
    client, settings = served
    before = snapshot(settings.documents)
    response = client.post("/documents", headers=AUTH, files={"file": ("empty.txt", b"   \n")})
    assert response.status_code == 422 and response.json()["detail"] == "cannot index 'empty.txt': empty file"
    response = client.post("/documents", headers=AUTH, json={"id": "a/b/c", "title": "T", "text": "\x00"})
    assert response.status_code == 422 and "binary file" in response.json()["detail"]
    assert snapshot(settings.documents) == before  # neither the file nor the folders a/ and a/b/


# -- paths -------------------------------------------------------------------------------------------------------


def test_an_id_through_a_link_leading_out_is_refused_before_anything_is_created(
        served: tuple[TestClient, Settings], tmp_path: Path) -> None:
    client, settings = served
    outside = tmp_path / "outside"
    outside.mkdir()
    (settings.documents / "elsewhere").symlink_to(outside, target_is_directory=True)
    before = snapshot(settings.documents)
    for document_id in ("elsewhere/new/deep/story", "elsewhere/story"):
        response = client.post("/documents", headers=AUTH, json={"id": document_id, "title": "T", "text": "Text."})
        assert response.status_code == 422
        assert response.json() == {"detail": f"'{document_id}.md' leads outside the documents folder (through a "
                                             "link); choose another id"}
    assert list(outside.iterdir()) == []  # before the fix: elsewhere/new/deep/ was created out there
    assert snapshot(settings.documents) == before
    (settings.documents / "inside").symlink_to(settings.documents / "energy", target_is_directory=True)
    inside = client.post("/documents", headers=AUTH, json={"id": "inside/story", "title": "T", "text": "Text."})
    assert inside.status_code == 201  # a link that stays inside is a folder like any other
    assert (settings.documents / "energy" / "story.md").is_file()


@pytest.mark.parametrize(("kwargs", "detail"), [
    ({"json": {"id": "clash", "title": "T", "text": "Text."}},
     "'clash.md' is a folder in the documents folder; choose another id"),
    ({"files": {"file": ("clash.md", b"# T\n\nText.\n")}},
     "'clash.md' is a folder in the documents folder; choose another id"),
    ({"json": {"id": "harbour.txt/inner", "title": "T", "text": "Text."}},
     "'harbour.txt' is a file, so 'harbour.txt/inner.md' cannot be saved under it; choose another id"),
    ({"json": {"id": "energy/pipeline.md/x/y", "title": "T", "text": "Text."}},
     "'energy/pipeline.md' is a file, so 'energy/pipeline.md/x/y.md' cannot be saved under it; choose another id"),
])
def test_a_name_that_clashes_with_the_folder_is_409(served: tuple[TestClient, Settings], kwargs: dict,
                                                    detail: str) -> None:
    client, settings = served
    (settings.documents / "clash.md").mkdir()
    before = snapshot(settings.documents)
    response = client.post("/documents", headers=AUTH, **kwargs)
    assert response.status_code == 409
    assert response.json() == {"detail": detail}
    assert snapshot(settings.documents) == before
    assert client.get("/health").json()["articles"] == 3


# -- error classification and the command line ----------------------------------------------------------------------


def test_os_errors_of_a_write_are_classified(tmp_path: Path) -> None:
    assert isinstance(disk_error(OSError(errno.ENOSPC, "x"), tmp_path, "index"), NoSpace)
    assert isinstance(disk_error(OSError(errno.EDQUOT, "x"), tmp_path, "index"), NoSpace)
    assert isinstance(disk_error(OSError("123 requested and 45 written"), tmp_path, "index"), NoSpace)
    assert str(disk_error(OSError(errno.ENOSPC, "x"), tmp_path, "index")) == f"no space left on {tmp_path}"
    refused = disk_error(OSError(errno.EROFS, "Read-only file system"), tmp_path, "index")
    assert isinstance(refused, NotWritable)
    assert str(refused) == f"cannot write to {tmp_path}: Read-only file system"
    assert disk_error(OSError(errno.EIO, "Input/output error"), tmp_path, "index") is None
    assert disk_error(OSError("something else"), tmp_path, "index") is None


def test_qa_add_on_a_full_disk_says_so_in_one_line(articles_dir: Path, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture) -> None:
    args = ["--documents", str(articles_dir), "--index-dir", str(tmp_path / "index")]
    assert main(["index", *args]) == 0
    new = tmp_path / "okapi.md"
    new.write_text("# Okapi\n\nAn okapi was seen.\n")
    capsys.readouterr()
    fail_index_writes(monkeypatch, OSError(errno.ENOSPC, "No space left on device"))
    assert main(["add", str(new), *args]) == 1
    captured = capsys.readouterr()
    assert captured.err == f"qa: no space left on {tmp_path / 'index'}\n" and captured.out == ""
    assert not (articles_dir / "okapi.md").exists()


def test_a_failed_run_leaves_no_folder_under_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture) -> None:
    """Before: every failed first build (here: a folder with no article) left ~/.cache/qa/<name>-<hash>/."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("   \n")
    assert main(["ask", "trade", "--documents", str(empty)]) == 1
    said = capsys.readouterr().err.splitlines()[-1]
    assert said.startswith("qa: error: no readable article") and said.endswith(f"in {empty} (1 file(s) skipped)")
    assert main(["index", "--documents", str(empty)]) == 1
    cache = tmp_path / "home" / ".cache" / "qa"
    assert cache.is_dir() and list(cache.iterdir()) == []


# -- a process killed in the middle of a write -------------------------------------------------------------------

WRITER = r"""
# Imports qa once, then for each line on stdin (documents, index folder, action, point, new file) forks a child
# that makes the write and stops at the point ("AT <point> <pid>"); the test kills it and this says how it ended.
import os, sys, tempfile, time
import qa.index.folder_change as fc
import qa.index.live as live
import qa.index.store as store
from qa.collection import Collection

def pause(name, point):
    if name == point:
        print(f"AT {name} {os.getpid()}", flush=True)
        time.sleep(600)

def wrap(owner, name, label, point, before=False):
    real = getattr(owner, name)
    def wrapped(*args, **kwargs):
        if before:
            pause(label, point)
        result = real(*args, **kwargs)
        if not before:
            pause(label, point)
        return result
    setattr(owner, name, wrapped)

def write(documents, index_dir, action, point, new_file):
    wrap(fc.FolderChange, "make_parents", "folders made", point)
    wrap(fc.FolderChange, "stage", "staged", point)
    wrap(fc.FolderChange, "put", "put", point)
    wrap(fc.FolderChange, "delete", "deleted", point)
    wrap(store, "_point_current", "index written", point, before=True)
    wrap(live, "update_locked", "index swapped", point)
    wrap(fc.FolderChange, "_commit", "committed", point)
    collection = Collection(documents, index_dir)
    if action == "add":
        collection.add_document("news/okapi", "Okapi", "An okapi was seen in the harbour.")
    elif action == "replace":
        collection.add_file("harbour.txt", open(new_file, "rb").read())
    elif action == "reformat":
        collection.add_document("harbour", "Harbour", "The okapi crane.")
    else:
        collection.remove("markets")
    print("DONE", flush=True)

with tempfile.TemporaryDirectory() as warm:  # compiled kernels and the stemmer loaded once, before the forks
    os.mkdir(os.path.join(warm, "docs"))
    with open(os.path.join(warm, "docs", "a.txt"), "w") as handle:
        handle.write("Warm\n\nThe harbour cranes arrived.\n")
    Collection(os.path.join(warm, "docs"), os.path.join(warm, "index")).ask("harbour cranes")
print("READY", flush=True)
for line in sys.stdin:
    pid = os.fork()
    if pid == 0:
        try:
            write(*line.rstrip("\n").split("\t"))
        finally:
            os._exit(0)
    _, status = os.waitpid(pid, 0)
    print(f"EXIT {os.waitstatus_to_exitcode(status)}", flush=True)
"""


@pytest.fixture(scope="module")
def writer() -> Iterator[subprocess.Popen[str]]:
    """One process that has imported qa and forks a child for each write to kill (imports cost seconds)."""
    process = subprocess.Popen([sys.executable, "-c", WRITER], cwd=REPO, stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None and process.stdout.readline() == "READY\n"
    yield process
    assert process.stdin is not None
    process.stdin.close()
    process.wait(timeout=20)


ACTIONS = {"add": ["folders made", "staged", "put", "index written", "index swapped", "committed"],
           "replace": ["staged", "put", "index written", "index swapped", "committed"],
           "reformat": ["staged", "put", "deleted", "index written", "index swapped", "committed"],
           "remove": ["deleted", "index written", "index swapped", "committed"]}
CASES = [(action, point) for action, points in ACTIONS.items() for point in points]


def visible(folder: Path) -> dict[str, bytes]:
    """The files the folder's scan sees (hidden names left out), with their bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)}


@pytest.mark.parametrize(("action", "point"), CASES)
def test_a_write_killed_at_any_point_leaves_the_old_or_the_new_article(
        writer: subprocess.Popen[str], articles_dir: Path, tmp_path: Path, action: str, point: str) -> None:
    """SIGKILL at each step of a write: the folder holds the old or the new version (never a part), only hidden
    leftovers besides, the next start serves an index that matches the folder, and the write can be redone."""
    index_dir = tmp_path / "index"
    open_index(Settings(documents=articles_dir, index_dir=index_dir))
    old = visible(articles_dir)
    new_file = tmp_path / "harbour-v2.txt"
    new_file.write_text(HARBOUR_V2)
    assert writer.stdin is not None and writer.stdout is not None
    writer.stdin.write("\t".join([str(articles_dir), str(index_dir), action, point, str(new_file)]) + "\n")
    writer.stdin.flush()
    said, _, pid = writer.stdout.readline().rpartition(" ")
    assert said == f"AT {point}"  # "DONE" would mean the point was never reached
    os.kill(int(pid), signal.SIGKILL)
    assert writer.stdout.readline() == f"EXIT {-signal.SIGKILL}\n"

    after = visible(articles_dir)
    changed = {name for name in old.keys() | after.keys() if old.get(name) != after.get(name)}
    expected_new = {"add": {"news/okapi.md"}, "replace": {"harbour.txt"},
                    "reformat": {"harbour.md", "harbour.txt"}, "remove": {"markets.txt"}}[action]
    assert changed <= expected_new  # nothing else was touched
    if point in ("folders made", "staged"):
        assert after == old  # the write had not reached the folder
    new_bytes = {"news/okapi.md": b"---\ntitle: Okapi\n---\n\nAn okapi was seen in the harbour.\n",
                 "harbour.txt": HARBOUR_V2.encode(), "harbour.md": b"---\ntitle: Harbour\n---\n\nThe okapi crane.\n"}
    for name in changed:  # each changed file is whole: its new version, or gone as asked
        if name in after:
            assert after[name] == new_bytes[name]
    leftovers = sorted(p.name for p in articles_dir.rglob(".*"))
    assert all(name.endswith((".qa-new", ".qa-old")) for name in leftovers), leftovers

    settings = Settings(documents=articles_dir, index_dir=index_dir)
    index = open_index(settings)  # the next start: an index of the folder as it now is
    assert index.manifest["files"] == open_index(Settings(documents=articles_dir, index_dir=tmp_path / "fresh")
                                                 ).manifest["files"]
    indexed = {info.source for info in index.articles}
    skipped = {item.source for item in index.skipped}
    assert indexed | skipped == set(after)
    collection = Collection(settings=settings)
    if action == "reformat" and point == "put":  # both files for a moment: indexed apart, by their whole names
        assert {"harbour.md", "harbour.txt"} <= {info.id for info in index.articles}
        collection.remove("harbour.txt")  # the one not wanted, removed by hand (README)
    if action == "remove":  # the write, redone, completes and clears what the killed one left
        if "markets.txt" in after:
            collection.remove("markets")
        collection.add_document("later", "Later", "Written after the crash.")  # a write in that folder
    elif action == "add":
        collection.add_document("news/okapi", "Okapi", "An okapi was seen in the harbour.")
    elif action == "replace":
        collection.add_file("harbour.txt", HARBOUR_V2.encode())
    else:
        collection.add_document("harbour", "Harbour", "The okapi crane.")
        assert not (articles_dir / "harbour.txt").exists()
    assert sorted(p.name for p in articles_dir.rglob(".*")) == []  # the redone write cleared the leftovers
    assert sorted((info.id, info.source) for info in collection.documents()) == sorted(
        (info.id, info.source) for info in open_index(Settings(documents=articles_dir, index_dir=tmp_path / "again")
                                                      ).articles)  # and the index is the folder's, each file once
