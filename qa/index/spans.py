"""Where each indexed word of a passage stands in the passage's text: found once, at index time, so that an
answer's highlights and best sentence need not split its passages into words again.

The index keeps, beside each passage's term ids (`sequences.npy`: the title's terms first, then the passage's
words that are not stopwords), the span of each of those words relative to the passage's start: its start
(`word_starts.npy`) and length (`word_lengths.npy`), one row per term id (the title's rows are unused).
Splitting a 500-word passage into words at question time cost about a millisecond where it holds any non-ASCII
character (the Unicode word pattern), the largest part of a whole answer; reading the spans of the few words that
match costs microseconds.
"""

from __future__ import annotations

import numpy as np


def spans_dtype(largest: int) -> type[np.unsignedinteger]:
    """The narrowest type that holds every offset: uint16 for passages under 64 K characters (all of them with the
    default 500 words), else uint32."""
    return np.uint16 if largest < 1 << 16 else np.uint32


GAP_ESCAPE = 255
"""A gap that does not fit a byte is stored as this, its value among the exceptions (`word_gaps`)."""


def word_gaps(starts: np.ndarray, sequence_ptr: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Word starts stored as the gap from the previous word's start in the same passage (the first word's from
    the passage's start): one byte a word instead of two, for the 1M-passage benchmark 37 MB less. Gaps of 255 or
    more (a long word or a long run of stopwords, numbers or punctuation) are kept aside: (gaps, where, values).
    Done a piece at a time, so the temporary arrays stay small however many words there are.
    """
    n = starts.shape[0]
    first = np.zeros(n, np.bool_)
    firsts = np.asarray(sequence_ptr[:-1], np.int64)
    first[firsts[firsts < n]] = True
    gaps = np.empty(n, np.uint8)
    wide: list[np.ndarray] = [np.empty(0, np.int64)]
    values: list[np.ndarray] = [np.empty(0, np.int64)]
    for lo in range(0, n, _PIECE):
        hi = min(n, lo + _PIECE)
        piece = starts[lo:hi].astype(np.int64)
        previous = np.empty_like(piece)
        previous[0] = starts[lo - 1] if lo else 0
        previous[1:] = piece[:-1]
        previous[first[lo:hi]] = 0
        piece -= previous
        found = np.flatnonzero(piece >= GAP_ESCAPE)
        wide.append(found + lo)
        values.append(piece[found])
        np.minimum(piece, GAP_ESCAPE, out=piece)
        gaps[lo:hi] = piece
    return gaps, np.concatenate(wide), np.concatenate(values)


_PIECE = 1 << 22


def starts_of(gaps: np.ndarray, wide: np.ndarray, values: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """The word starts of rows lo..hi (int64), `lo` being a passage's first row (`word_gaps` reversed)."""
    steps = gaps[lo:hi].astype(np.int64)
    if wide.shape[0]:
        first, last = np.searchsorted(wide, [lo, hi]).tolist()
        if first < last:
            steps[wide[first:last] - lo] = values[first:last]
    return np.cumsum(steps)


def starts_of_passages(gaps: np.ndarray, wide: np.ndarray, values: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """The word starts of consecutive passages whose rows start at `bounds[:-1]` (and end at `bounds[-1]`)."""
    bounds = np.asarray(bounds, np.int64)
    total = starts_of(gaps, wide, values, int(bounds[0]), int(bounds[-1]))
    before = np.concatenate([[0], total])[bounds[:-1] - bounds[0]]
    starts: np.ndarray = total - np.repeat(before, np.diff(bounds))
    return starts
