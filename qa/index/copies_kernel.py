"""An article's copy signature (`qa.index.copies.signature`) in one compiled pass over its bytes (numba).

The same steps as the NumPy code of `qa.index.copies`, which stays the reference (tests/test_copies.py compares
the two): each word's hash is the sum of its bytes' values by position (`_BYTE_VALUES`), the 4-grams' hashes are
mixed from their words' as there, sorted and made distinct, and the signature is the least of each permutation.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from numba import njit

Array = npt.NDArray[Any]

_MASK = np.uint64(0xFFFFFFFF)
_MIX = np.uint64(0x9E3779B1)
_SHINGLE = 4


@njit(cache=True, nogil=True)
def _shingle_hashes(data: Array, space: Array, values: Array) -> Array:  # pragma: no cover - compiled
    words = np.empty(data.size // 2 + 1, np.uint64)
    count = 0
    inside = False
    hashed = np.uint64(0)
    position = 0
    for i in range(data.size):
        byte = data[i]
        if space[byte]:
            if inside:
                words[count] = hashed & _MASK
                count += 1
                inside = False
        else:
            if not inside:
                inside = True
                hashed = np.uint64(0)
                position = 0
            hashed += values[position % values.shape[0], byte]
            position += 1
    if inside:
        words[count] = hashed & _MASK
        count += 1
    if count == 0:
        return np.zeros(0, np.uint64)
    n = max(count - _SHINGLE + 1, 1)
    shingles = np.zeros(n, np.uint64)
    for k in range(min(_SHINGLE, count)):
        for j in range(n):
            shingles[j] = (shingles[j] * _MIX + words[k + j]) & _MASK
    return np.unique(shingles)


@njit(cache=True, nogil=True)
def minhash(data: Array, space: Array, values: Array, a: Array, b: Array) -> tuple[int, Array]:  # pragma: no cover
    """(the number of distinct 4-gram hashes, the least of each permutation (h * a + b) mod 2**32 of them)."""
    shingles = _shingle_hashes(data, space, values)
    least = np.full(a.size, _MASK, np.uint64)
    for h in shingles:
        for p in range(a.size):
            value = (h * a[p] + b[p]) & _MASK
            if value < least[p]:
                least[p] = value
    return shingles.size, least
