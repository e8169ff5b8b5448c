"""`qa add` into a new, empty documents folder: a user trial's first step with an empty folder of their own failed
with "qa: error: no readable article (...) in documents" for every file, since adding opened the folder's index
first, and an empty folder has none."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa import Collection
from qa.cli import main
from qa.config import make_settings
from qa.errors import InvalidRequest

STORY = "Museum reopens\n\nThe city museum reopened on Sunday after a two-year renovation of its glass roof.\n"


def test_qa_add_begins_an_empty_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    documents, index = tmp_path / "documents", tmp_path / "index"
    documents.mkdir()
    (tmp_path / "photo.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (tmp_path / "museum.txt").write_text(STORY, encoding="utf-8")
    (tmp_path / "ferry.md").write_text("# Ferry resumes\n\nThe island ferry runs again from Monday.\n",
                                       encoding="utf-8")
    args = ["--documents", str(documents), "--index-dir", str(index)]
    assert main(["add", str(tmp_path / "photo.txt"), str(tmp_path / "museum.txt"), str(tmp_path / "ferry.md"),
                 *args]) == 1  # one file could not be added
    captured = capsys.readouterr()
    assert captured.out == "added museum (museum.txt, 1 passage)\nadded ferry (ferry.md, 1 passage)\n"
    assert captured.err == "qa: error: cannot index 'photo.txt': binary file (contains NUL bytes)\n"
    assert sorted(path.name for path in documents.iterdir()) == ["ferry.md", "museum.txt"]
    assert (documents / "museum.txt").read_text(encoding="utf-8") == STORY
    assert [article.id for article in Collection(documents, index).documents()] == ["museum", "ferry"]


def test_a_collection_begun_in_python(tmp_path: Path) -> None:
    documents = tmp_path / "documents"
    documents.mkdir()
    settings = make_settings(documents=documents, index_dir=tmp_path / "index")
    (tmp_path / "notes.pdf").write_bytes(b"not a pdf at all")
    with pytest.raises(InvalidRequest, match=r"^cannot index 'notes.pdf': not a PDF"):
        Collection.begin(tmp_path / "notes.pdf", settings)
    assert list(documents.iterdir()) == []  # nothing written
    (tmp_path / "museum.txt").write_text(STORY, encoding="utf-8")
    collection, info = Collection.begin(tmp_path / "museum.txt", settings)
    assert (info.id, info.source, info.n_passages) == ("museum", "museum.txt", 1)
    assert [article.id for article in collection.documents()] == ["museum"]
