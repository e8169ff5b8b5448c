"""Full, read-only and forbidden disks, for real: small tmpfs mounts (issue 16).

CI runs as root on a fresh machine, where `mount -t tmpfs -o size=... tmpfs DIR` works; where mounting is not
permitted (not root, a container without CAP_SYS_ADMIN) these tests are skipped with the reason. Each failure
must be one clear line (CLI) or a status with a `detail` (HTTP), leave nothing half-done on disk (no temporary
file, no partial index version, no empty folder), and keep the previous index the current one.
"""

from __future__ import annotations

import ctypes
import errno
import itertools
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from qa.config import Settings
from qa.index import build_index, current_version, load_index
from qa.index import live as live_module
from qa.web.app import create_app

from .conftest import ARTICLES, REPO
from .test_faults import snapshot

KEY = "k3y"
AUTH = {"Authorization": f"Bearer {KEY}"}
_mounts = itertools.count()


@contextmanager
def tmpfs(size: str, mode: str = "0755") -> Iterator[Path]:
    """A tmpfs of `size` mounted on a new folder (skips the test where mounting is not permitted)."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root (CI runs as root)")
    if shutil.which("mount") is None:
        pytest.skip("no mount command on this machine")
    base = Path(tempfile.mkdtemp(prefix="qa-tmpfs-"))
    target = base / f"disk{next(_mounts)}"
    target.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode={mode}", "tmpfs", str(target)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"mounting a tmpfs is not permitted here: {mounted.stderr.strip()}")
    try:
        yield target
    finally:
        subprocess.run(["umount", "--lazy", str(target)], check=True)  # memory maps of an index may still be open
        shutil.rmtree(base)


def remount(target: Path, option: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{option}", str(target)], check=True)


def fill(disk: Path, leave: int) -> Path:
    """Fill the disk with a hidden file (never indexed), then free `leave` bytes of it."""
    filler = disk / ".filler"
    with open(filler, "wb") as handle:
        try:
            while True:
                handle.write(b"\0" * 65536)
                handle.flush()
        except OSError as error:
            assert error.errno == errno.ENOSPC
    size = filler.stat().st_size
    os.truncate(filler, max(size - leave, 0))
    return filler


def qa(*args: str, home: Path | None = None, limited: bool = False) -> subprocess.CompletedProcess[str]:
    """The qa command as a process; `limited`: without root's power to write anywhere."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("QA_")}
    if home is not None:
        env["HOME"] = str(home)
    return subprocess.run([sys.executable, "-m", "qa", *args], capture_output=True, text=True, timeout=180, cwd=REPO,
                          env=env, preexec_fn=_without_root_powers if limited else None)


def big_article(folder: Path, name: str = "big.txt", words: int = 30_000) -> Path:
    path = folder / name
    path.write_text("A big report\n\n" + " ".join(f"word{n} harbour." for n in range(words)) + "\n")
    return path


# -- builds: `qa index`, and any command that has to build first --------------------------------------------------


def test_qa_index_onto_a_full_disk_is_one_line_and_leaves_nothing(tmp_path: Path) -> None:
    with tmpfs("64k") as disk:
        documents = tmp_path / "docs"
        shutil.copytree(ARTICLES, documents)
        big_article(documents)
        result = qa("index", "--documents", str(documents), "--index-dir", str(disk / "index"))
        assert (result.returncode, result.stderr) == (1, f"qa: no space left on {disk / 'index'}\n")
        assert result.stdout == ""
        assert list(disk.iterdir()) == []  # no partial version, no lock file, no empty folder


def test_a_failed_first_build_leaves_no_folder_under_the_cache(tmp_path: Path) -> None:
    with tmpfs("64k") as home:
        documents = tmp_path / "docs"
        shutil.copytree(ARTICLES, documents)
        big_article(documents)
        result = qa("ask", "harbour cranes", "--documents", str(documents), home=home)
        index_dir = Settings(documents=documents).resolved_index_dir().relative_to(Path.home())
        assert (result.returncode, result.stderr) == (1, f"qa: no space left on {home / index_dir}\n")
        assert [p.relative_to(home).as_posix() for p in home.rglob("*")] == [".cache", ".cache/qa"]


def test_a_rebuild_on_a_full_disk_keeps_the_previous_index(tmp_path: Path) -> None:
    with tmpfs("1m") as disk:
        documents = tmp_path / "docs"
        shutil.copytree(ARTICLES, documents)
        settings = Settings(documents=documents, index_dir=disk / "index")
        before = build_index(settings)
        fill(disk, leave=16 << 10)
        big_article(documents)
        result = qa("index", "--documents", str(documents), "--index-dir", str(disk / "index"))
        assert (result.returncode, result.stderr) == (1, f"qa: no space left on {disk / 'index'}\n")
        assert current_version(disk / "index") == before.path
        assert sorted(p.name for p in (disk / "index").iterdir()) == ["CURRENT", "build.lock", before.path.name]
        assert load_index(before.path).manifest["articles"] == 3


# -- writes over HTTP ------------------------------------------------------------------------------------------


@pytest.fixture
def on_small_disks(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """A documents folder and an index folder, each on its own 1 MB tmpfs."""
    with tmpfs("1m") as documents_disk, tmpfs("1m") as index_disk:
        documents = documents_disk / "docs"
        shutil.copytree(ARTICLES, documents)
        yield documents, index_disk / "index"


def client_for(documents: Path, index_dir: Path) -> TestClient:
    return TestClient(create_app(Settings(documents=documents, index_dir=index_dir, api_key=KEY)))


@pytest.mark.parametrize("checked_first", [True, False], ids=["refused before writing", "full while writing"])
def test_an_upload_onto_a_full_documents_disk_is_507_and_leaves_no_file(
        on_small_disks: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, checked_first: bool) -> None:
    documents, index_dir = on_small_disks
    if not checked_first:  # the disk fills up after the check (another writer): the write itself fails
        monkeypatch.setattr(live_module, "check_space", lambda *args: None)
    with client_for(documents, index_dir) as client:
        version = current_version(index_dir)
        fill(documents.parent, leave=100 << 10)
        before = snapshot(documents)
        response = client.post("/documents", headers=AUTH,
                               files={"file": ("big.md", b"# Big\n\n" + b"harbour crane " * 20_000)})
        assert response.status_code == 507
        assert response.json() == {"detail": "no space left on the disk of the documents folder; nothing was "
                                              "changed"}
        assert snapshot(documents) == before  # before the fix: 500, and .big.md.upload left in the folder
        assert current_version(index_dir) == version
        assert client.get("/ask", params={"q": "harbour"}).status_code == 200  # the service goes on


@pytest.mark.parametrize("checked_first", [True, False], ids=["refused before writing", "full while writing"])
@pytest.mark.parametrize("write", ["add", "replace", "delete"])
def test_a_write_onto_a_full_index_disk_is_507_and_undone(on_small_disks: tuple[Path, Path],
                                                          monkeypatch: pytest.MonkeyPatch, write: str,
                                                          checked_first: bool) -> None:
    documents, index_dir = on_small_disks
    if not checked_first:
        monkeypatch.setattr(live_module, "check_space", lambda *args: None)
    with client_for(documents, index_dir) as client:
        version = current_version(index_dir)
        fill(index_dir.parent, leave=16 << 10)
        before = snapshot(documents)
        if write == "delete":
            response = client.delete("/documents/markets", headers=AUTH)
        else:
            document_id = "okapi" if write == "add" else "harbour"
            response = client.post("/documents", headers=AUTH,
                                   json={"id": document_id, "title": "Okapi", "text": "An okapi crane."})
        assert response.status_code == 507
        assert response.json() == {"detail": "no space left on the disk of the index; nothing was changed"}
        assert snapshot(documents) == before  # before the fix: the file changed, the index not
        assert current_version(index_dir) == version
        assert sorted(p.name for p in index_dir.iterdir()) == ["CURRENT", "build.lock", version.name]
        assert client.get("/health").json()["articles"] == 3


def test_a_read_only_documents_folder_refuses_writes_with_403(tmp_path: Path) -> None:
    with tmpfs("1m") as disk:
        documents = disk / "docs"
        shutil.copytree(ARTICLES, documents)
        remount(disk, "ro")
        with client_for(documents, tmp_path / "index") as client:
            version = current_version(tmp_path / "index")
            added = client.post("/documents", headers=AUTH, json={"id": "okapi", "title": "O", "text": "Okapi."})
            removed = client.delete("/documents/markets", headers=AUTH)
            for response in (added, removed):
                assert response.status_code == 403
                assert response.json() == {"detail": "the documents folder cannot be written (Read-only file "
                                                     "system); nothing was changed"}
            assert current_version(tmp_path / "index") == version
            assert client.get("/health").json()["articles"] == 3
        new = tmp_path / "okapi.md"
        new.write_text("# Okapi\n\nAn okapi.\n")
        result = qa("add", str(new), "--documents", str(documents), "--index-dir", str(tmp_path / "index"))
        assert (result.returncode, result.stderr) == (1, f"qa: error: cannot write to {documents}: Read-only file "
                                                         "system\n")
        remount(disk, "rw")


def test_a_read_only_index_disk_is_one_line(tmp_path: Path) -> None:
    with tmpfs("1m") as disk:
        remount(disk, "ro")
        result = qa("index", "--documents", str(ARTICLES), "--index-dir", str(disk / "index"))
        assert (result.returncode, result.stderr) == (1, f"qa: error: cannot write to {disk / 'index'}: Read-only "
                                                         "file system\n")
        remount(disk, "rw")


def _without_root_powers() -> None:
    """In the child, before exec: drop CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH from the bounding set, so that root
    obeys file permissions like any user (as root, `chmod` alone proves nothing)."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
        if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "cannot drop a capability")


def test_folders_the_user_may_not_write_are_one_line(tmp_path: Path) -> None:
    """Permission denied: the folders are read-only to everyone (mode 0555) and qa runs without root's powers."""
    probe = subprocess.run(["true"], preexec_fn=_without_root_powers, capture_output=True)
    if probe.returncode != 0:
        pytest.skip("cannot drop root's file-permission powers here (no CAP_SETPCAP)")
    with tmpfs("1m") as disk:
        documents = disk / "docs"
        shutil.copytree(ARTICLES, documents)
        documents.chmod(0o555)
        disk.chmod(0o555)
        result = qa("index", "--documents", str(documents), "--index-dir", str(disk / "index"), limited=True)
        assert (result.returncode, result.stderr) == (1, f"qa: error: cannot write to {disk / 'index'}: "
                                                         "Permission denied\n")
        assert qa("index", "--documents", str(documents), "--index-dir", str(tmp_path / "index"),
                  limited=True).returncode == 0
        new = tmp_path / "okapi.md"
        new.write_text("# Okapi\n\nAn okapi.\n")
        added = qa("add", str(new), "--documents", str(documents), "--index-dir", str(tmp_path / "index"),
                   limited=True)
        assert (added.returncode, added.stderr) == (1, f"qa: error: cannot write to {documents}: Permission "
                                                       "denied\n")
        assert sorted(p.name for p in documents.iterdir()) == ["energy", "harbour.txt", "markets.txt"]
        assert sorted(p.name for p in disk.iterdir()) == ["docs"]
