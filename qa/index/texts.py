"""The articles' texts as an index version keeps them: UTF-8, compressed with Zstandard in blocks of 2 KB.

    >>> store = TextStore.open(version_folder)                    # doctest: +SKIP
    >>> store.read(120, 180).decode("utf-8")                       # doctest: +SKIP

Every article's text is concatenated (`text_offsets.npy` says where each starts, in bytes of the uncompressed
text) and cut into blocks of `BLOCK` bytes, each compressed on its own with a dictionary trained on the first
blocks (`zstandard`, the maintained binding of the reference C library: its compressor and decompressor run at C
speed and release the GIL; stdlib zlib makes blocks 10 % bigger and decodes them half as fast). An answer reads a
few passages: it decompresses the one or two blocks that hold each, never a whole article, so a compressed text
store costs microseconds per passage where a whole-article (or whole-file) stream would cost a decompression of
tens of kilobytes. Small blocks compress less well on their own; the shared dictionary wins it back (the
1M-passage benchmark's text keeps 0.52 of its size in 4 KB blocks alone, 0.46 in 2 KB blocks with the
dictionary, 0.45 in 64 KB blocks; BBC News 0.41 in 2 KB blocks). Decompressing a block costs about 2 µs plus
1 µs a KB (BBC News: 4.2 µs a 2 KB block, 7.5 µs a 4 KB one), so 2 KB blocks make a 3 KB passage cheapest.

    texts.zst        the compressed blocks, one after the other
    text_blocks.npy  where each block starts in texts.zst (int64; one more for the end)
    text_dict.bin    the dictionary (empty when the text was too small to train one)
    text_ascii.npy   per article, how many of its first bytes are ASCII (`Index.article_window` decodes a passage
                     alone there, where characters and bytes have the same offsets)
"""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import IO, Any

import numpy as np

from qa.ranking.engine import load_array

BLOCK = 2048
"""Uncompressed bytes per block: an 80-word passage (500 bytes) reads one or two, a 500-word one (3 KB) two or three."""
LEVEL = 3
"""Zstandard's level (its default): higher levels compress 2-3 % better at several times the build time."""
TRAIN_BYTES = 8 << 20
"""Text held back to train the dictionary on before the first block is written (bounded memory)."""
DICT_BYTES = 64 << 10
CACHE_BLOCKS = 16_384
"""Decompressed blocks kept per process (32 MB at most): a folder of up to 32 MB of text is read from memory once
warm, as its uncompressed pages would be from the page cache; a bigger one keeps its recently read blocks."""
TEXT_FILES = ("texts.zst", "text_blocks.npy", "text_dict.bin", "text_ascii.npy")

_NOT_ASCII = re.compile(rb"[\x80-\xff]")


class TextWriter:
    """Writes the text store of a version, one article at a time (`add`), then `close`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._out: IO[bytes] = open(folder / "texts.zst", "wb")  # noqa: SIM115 - closed by close
        self._pending = bytearray()  # text not yet in a block
        self._blocks = [0]
        self._ascii: list[int] = []
        self._compressor: Any = None  # made once the dictionary is trained (or known to be impossible)
        self._dictionary = b""
        self._all_ascii = True

    def add(self, encoded: bytes) -> None:
        """Append one article's UTF-8 text."""
        if encoded.isascii():
            self._ascii.append(len(encoded))
        else:
            self._ascii.append(_NOT_ASCII.search(encoded).start())  # type: ignore[union-attr]
            self._all_ascii = False
        self._pending += encoded
        if self._compressor is None and len(self._pending) < TRAIN_BYTES:
            return
        self._flush(final=False)

    def close(self) -> None:
        """Write the last blocks, the block pointers, the dictionary and the ASCII prefixes."""
        if self._out.closed:
            return
        self._flush(final=True)
        self._out.close()
        np.save(self.folder / "text_blocks.npy", np.asarray(self._blocks, np.int64))
        (self.folder / "text_dict.bin").write_bytes(self._dictionary)
        np.save(self.folder / "text_ascii.npy", np.asarray(self._ascii, np.int64))

    @property
    def all_ascii(self) -> bool:
        """Whether every article written so far is ASCII (then its bytes are its characters)."""
        return self._all_ascii

    def flush(self) -> None:
        """Hand what is written so far to the operating system (the blocks; text held back stays held)."""
        self._out.flush()

    def abort(self) -> None:
        """Close the file without finishing it (a failed build, whose folder is removed)."""
        self._out.close()

    def _flush(self, final: bool) -> None:
        import zstandard

        pending = self._pending
        if self._compressor is None:
            self._dictionary = _train(pending)
            dict_data = zstandard.ZstdCompressionDict(self._dictionary) if self._dictionary else None
            self._compressor = zstandard.ZstdCompressor(level=LEVEL, dict_data=dict_data, write_checksum=False)
        whole = len(pending) if final else len(pending) - len(pending) % BLOCK
        view = memoryview(pending)
        compress = self._compressor.compress
        written = self._blocks[-1]
        for at in range(0, whole, BLOCK):
            block = compress(view[at : at + BLOCK])
            self._out.write(block)
            written += len(block)
            self._blocks.append(written)
        view.release()
        del pending[:whole]


def _train(sample: bytearray) -> bytes:
    """A Zstandard dictionary trained on blocks of `sample`; empty when there is too little text to train one."""
    import zstandard

    blocks: list[bytes | bytearray | memoryview] = [bytes(sample[at : at + BLOCK])
                                                    for at in range(0, len(sample) - BLOCK + 1, BLOCK)]
    if len(blocks) < 64:
        return b""
    try:
        return zstandard.train_dictionary(DICT_BYTES, blocks[:: max(1, len(blocks) // 1000)], level=LEVEL).as_bytes()
    except zstandard.ZstdError:  # the sample does not train (too uniform, too small)
        return b""


def byte_windows(text: str, encoded: bytes, spans: list[tuple[int, int]]) -> list[int]:
    """For each passage (start, end) of `text` (character offsets), the UTF-8 offsets in `encoded` (the text's
    encoding) of max(start - 1, 0) and of end: the bytes `Index.article_window` reads, flattened."""
    wanted = [offset for start, end in spans for offset in (max(start - 1, 0), end)]
    if len(encoded) == len(text):  # ASCII: characters are bytes
        return wanted
    found = {}
    at = size = 0
    for offset in sorted(set(wanted)):
        size += len(text[at:offset].encode("utf-8"))
        at = offset
        found[offset] = size
    return [found[offset] for offset in wanted]


class TextStore:
    """The text store of a version, opened: `read(start, end)` gives bytes of the concatenated texts."""

    def __init__(self, data: np.ndarray, blocks: np.ndarray, dictionary: bytes, ascii_prefix: np.ndarray) -> None:
        self.data = data
        self.blocks = blocks
        self._bounds: list[int] = blocks.tolist()  # a list item is read faster than an array's (90 K blocks at 1M)
        self.ascii_prefix = ascii_prefix
        """Per article, how many of its first bytes (and characters) are ASCII."""
        self._dictionary = dictionary
        self._local = threading.local()  # a decompressor is not safe to share between threads
        self._recent: dict[int, bytes] = {}

    @classmethod
    def open(cls, folder: Path) -> TextStore:
        blocks = load_array(folder / "text_blocks.npy")
        data = (np.memmap(folder / "texts.zst", dtype=np.uint8, mode="r").view(np.ndarray) if blocks[-1]
                else np.empty(0, np.uint8))
        if data.shape[0] != blocks[-1]:
            raise ValueError(f"texts.zst has {data.shape[0]} bytes, its blocks {blocks[-1]}")
        return cls(data, blocks, (folder / "text_dict.bin").read_bytes(), load_array(folder / "text_ascii.npy"))

    def read(self, start: int, end: int) -> bytes:
        """Bytes [start, end) of the uncompressed text (decompressing only the blocks that hold them)."""
        if end <= start:
            return b""
        first, last = start // BLOCK, (end - 1) // BLOCK
        base = first * BLOCK
        if first == last:
            return self._block(first)[start - base : end - base]
        return b"".join(map(self._block, range(first, last + 1)))[start - base : end - base]

    def _block(self, number: int) -> bytes:
        block = self._recent.get(number)
        if block is None:
            block = self._recent[number] = self._decompress(number)
            if len(self._recent) > CACHE_BLOCKS:
                self._recent.clear()  # simple and thread-safe, as the index's other caches; a miss costs ~4 us
        return block

    def _decompress(self, number: int) -> bytes:
        decompress = getattr(self._local, "decompress", None)
        if decompress is None:
            import zstandard

            dict_data = zstandard.ZstdCompressionDict(self._dictionary) if self._dictionary else None
            decompress = self._local.decompress = zstandard.ZstdDecompressor(dict_data=dict_data).decompress
        bounds = self._bounds
        block: bytes = decompress(self.data[bounds[number] : bounds[number + 1]].data)
        return block
