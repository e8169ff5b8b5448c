"""The words of ASCII English text and their term ids, found in compiled code: a big build's hottest loop.

A build maps every word of every article to a term id. In Python that is a string object a word and a dictionary
lookup that must hash it first: 1-2 ms an article of the 1M-passage benchmark, half of its analysis. For ASCII text
in the English analyzer, whose words are the pattern `_ASCII_WORD` of `qa.ranking.analysis` (runs of letters and
digits, joined by "." or "," between digits and by an apostrophe: `words_of`), `WordTable` finds the words in the
text's bytes and looks each up by two 64-bit hashes of its bytes in an open-addressing table, all compiled (numba).
Only a word never seen before becomes a string, analysed once by the analyzer (`ArticleAnalyser._learn`) and put in
the table. Two different words with both hashes equal would share an id; at a million distinct words the chance is
about 1e-26.

`tests/test_word_table.py` compares the words with `words_of` (generated text full of joins, numbers and
apostrophes; BBC News; SQuAD) and the index built with the table with one built without it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from numba import njit

Array = npt.NDArray[Any]

UNKNOWN = -3
"""The id `lookup` gives a word not in the table (-1 is a stopword's)."""
_EMPTY = -4  # a free slot

_ALNUM = np.zeros(256, np.bool_)
_ALNUM[[ord(c) for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"]] = True
_DIGIT = np.zeros(256, np.bool_)
_DIGIT[[ord(c) for c in "0123456789"]] = True


class WordTable:
    """Raw word (ASCII) -> term id (or -1, a stopword), for `ascii_words`' words."""

    def __init__(self, capacity: int = 1 << 16) -> None:
        self._keys = np.zeros((capacity, 2), np.uint64)
        self._values = np.full(capacity, _EMPTY, np.int32)
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def words(self, text: bytes) -> tuple[Array, Array, Array]:
        """The words of ASCII `text` (`words_of`'s): start and end offsets, and each one's id (`UNKNOWN` where not
        in the table)."""
        codes = np.frombuffer(text, np.uint8)
        starts, ends, hashes = _words(codes, _ALNUM, _DIGIT)
        return starts, ends, _lookup(hashes, self._keys, self._values)

    def add(self, text: bytes, starts: Array, ends: Array, ids: Array) -> None:
        """Put the words of `text` at `starts`/`ends` in the table with their `ids`."""
        if 2 * (self._size + starts.shape[0]) > self._values.shape[0]:
            self._grow(2 * (self._size + starts.shape[0]))
        codes = np.frombuffer(text, np.uint8)
        self._size += _insert(codes, starts, ends, ids, self._keys, self._values)

    def _grow(self, wanted: int) -> None:
        capacity = self._values.shape[0]
        while capacity < wanted:
            capacity *= 2
        keys, values = np.zeros((capacity, 2), np.uint64), np.full(capacity, _EMPTY, np.int32)
        _rehash(self._keys, self._values, keys, values)
        self._keys, self._values = keys, values


@njit(cache=True, nogil=True)
def _hash(codes: Array, start: int, end: int) -> tuple[np.uint64, np.uint64]:
    """Two FNV-1a hashes of the bytes (different offset bases, the second over the bytes and the length)."""
    first = np.uint64(14695981039346656037)
    second = np.uint64(1099511628211 * 31 + 7)
    prime = np.uint64(1099511628211)
    for p in range(start, end):
        byte = np.uint64(codes[p])
        first = (first ^ byte) * prime
        second = (second ^ (byte + np.uint64(0x9E))) * prime
    second = (second ^ np.uint64(end - start)) * prime
    return first, second


@njit(cache=True, nogil=True)
def _words(codes: Array, alnum: Array, digit: Array) -> tuple[Array, Array, Array]:
    """`_ASCII_WORD.findall`: a run of letters and digits, continued over "." or "," between two digits and over
    an apostrophe followed by a letter or digit; with each word's hashes."""
    n = codes.shape[0]
    starts = np.empty(n // 2 + 1, np.int64)
    ends = np.empty(n // 2 + 1, np.int64)
    count = 0
    i = 0
    while i < n:
        if not alnum[codes[i]]:
            i += 1
            continue
        start = i
        while i < n and alnum[codes[i]]:
            i += 1
        while i + 1 < n:
            joint = codes[i]
            between_digits = (joint == 46 or joint == 44) and digit[codes[i - 1]] and digit[codes[i + 1]]
            if not between_digits and not (joint == 39 and alnum[codes[i + 1]]):
                break
            i += 1
            while i < n and alnum[codes[i]]:
                i += 1
        starts[count] = start
        ends[count] = i
        count += 1
    hashes = np.empty((count, 2), np.uint64)
    for w in range(count):
        hashes[w, 0], hashes[w, 1] = _hash(codes, starts[w], ends[w])
    return starts[:count], ends[:count], hashes


@njit(cache=True, nogil=True)
def _lookup(hashes: Array, keys: Array, values: Array) -> Array:
    mask = np.uint64(values.shape[0] - 1)
    found = np.empty(hashes.shape[0], np.int32)
    for w in range(hashes.shape[0]):
        first, second = hashes[w, 0], hashes[w, 1]
        slot = first & mask
        while True:
            value = values[slot]
            if value == -4:
                found[w] = -3
                break
            if keys[slot, 0] == first and keys[slot, 1] == second:
                found[w] = value
                break
            slot = (slot + np.uint64(1)) & mask
    return found


@njit(cache=True, nogil=True)
def _insert(codes: Array, starts: Array, ends: Array, ids: Array, keys: Array, values: Array) -> int:
    mask = np.uint64(values.shape[0] - 1)
    added = 0
    for w in range(starts.shape[0]):
        first, second = _hash(codes, starts[w], ends[w])
        slot = first & mask
        while True:
            if values[slot] == -4:
                keys[slot, 0] = first
                keys[slot, 1] = second
                values[slot] = ids[w]
                added += 1
                break
            if keys[slot, 0] == first and keys[slot, 1] == second:
                break
            slot = (slot + np.uint64(1)) & mask
    return added


@njit(cache=True, nogil=True)
def _rehash(old_keys: Array, old_values: Array, keys: Array, values: Array) -> None:
    mask = np.uint64(values.shape[0] - 1)
    for s in range(old_values.shape[0]):
        if old_values[s] == -4:
            continue
        slot = old_keys[s, 0] & mask
        while values[slot] != -4:
            slot = (slot + np.uint64(1)) & mask
        keys[slot, 0] = old_keys[s, 0]
        keys[slot, 1] = old_keys[s, 1]
        values[slot] = old_values[s]
