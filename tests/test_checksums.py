"""Checksums of an index version's files (qa/index/store.py): small files whole, big ones by size and both ends."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.errors import IndexFormatError
from qa.index import store


def _damaged(folder: Path, offset: int) -> None:
    path = folder / "big.bin"
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x5A
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("offset", [0, 15, 984, 999])
def test_a_changed_byte_at_either_end_of_a_big_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                               offset: int) -> None:
    monkeypatch.setattr(store, "WHOLE_CRC_BYTES", 64)
    monkeypatch.setattr(store, "EDGE_CRC_BYTES", 16)
    (tmp_path / "big.bin").write_bytes(bytes(range(250)) * 4)
    (tmp_path / "small.bin").write_bytes(b"x" * 64)
    recorded = store.checksums(tmp_path)
    store.verify_files(tmp_path, recorded)
    _damaged(tmp_path, offset)
    with pytest.raises(IndexFormatError, match="big.bin is corrupt"):
        store.verify_files(tmp_path, recorded)


def test_the_middle_of_a_big_file_is_left_to_its_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The trade-off, stated: a byte changed in the middle of a big file goes unseen; a shorter file does not."""
    monkeypatch.setattr(store, "WHOLE_CRC_BYTES", 64)
    monkeypatch.setattr(store, "EDGE_CRC_BYTES", 16)
    (tmp_path / "big.bin").write_bytes(bytes(range(250)) * 4)
    recorded = store.checksums(tmp_path)
    _damaged(tmp_path, 500)
    store.verify_files(tmp_path, recorded)
    (tmp_path / "big.bin").write_bytes(bytes(range(250)) * 3)
    with pytest.raises(IndexFormatError, match="big.bin is truncated or changed"):
        store.verify_files(tmp_path, recorded)
