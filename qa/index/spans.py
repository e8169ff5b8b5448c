"""Where each indexed word of a passage stands in the passage's text: found once, at index time, so that an
answer's highlights and best sentence need not split its passages into words again.

The index keeps, beside each passage's term ids (`sequences.npy`: the title's terms first, then the passage's
words that are not stopwords), the span of each of those words relative to the passage's start (`word_spans.npy`,
one (start, end) row per term id; the title's rows are unused). Splitting a 500-word passage into words at
question time cost about a millisecond where it holds any non-ASCII character (the Unicode word pattern), the
largest part of a whole answer; reading the spans of the few words that match costs microseconds.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from qa.lang.analyzers import CJK_BIGRAM

_ASCII_SPACED = "".join(c if c.isalnum() else " " for c in map(chr, range(128)))


def word_starts(text: str, words: Sequence[str]) -> np.ndarray:
    """The offset in `text` of each of its `words` (the analyzer's, in order, each a substring of `text`).

    Where the words are the runs of ASCII letters and digits (most text), their starts are found at C speed;
    otherwise each word is looked for after the previous one (between two words there are only characters that
    cannot start a word, so the first occurrence is the word itself; a CJK bigram is looked for from the second
    character of the one before, which it overlaps).
    """
    if text.isascii():
        spaced = text.translate(_ASCII_SPACED)
        if spaced.split() == list(words):
            flags = np.frombuffer(spaced.encode("ascii"), np.uint8) != 32
            starts = np.flatnonzero(flags[1:] & ~flags[:-1]) + 1
            return np.concatenate([[0], starts]) if flags.size and flags[0] else starts
    found = np.empty(len(words), np.int64)
    cursor = 0
    for number, word in enumerate(words):
        at = text.find(word, cursor)
        if at < 0:
            raise ValueError(f"the word {word!r} is not in the text after offset {cursor}")
        found[number] = at
        # a Chinese, Japanese or Korean bigram overlaps the next one by a character (qa.lang.analyzers.scan)
        cursor = at + 1 if len(word) == 2 and not word.isascii() and CJK_BIGRAM.fullmatch(word) else at + len(word)
    return found


def spans_dtype(largest: int) -> type[np.unsignedinteger]:
    """The narrowest type that holds every offset: uint16 for passages under 64 K characters (all of them with the
    default 500 words), else uint32."""
    return np.uint16 if largest < 1 << 16 else np.uint32
