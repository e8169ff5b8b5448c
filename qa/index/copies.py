"""Copies of one story: articles whose bodies are the same text, give or take whitespace, a byline or a footer.

    >>> groups = find_copies([signature(body) for body in bodies], bodies.__getitem__)   # doctest: +SKIP
    {0: 0, 3: 0}                                  # articles 0 and 3 are one story, 0 its first

A folder gathered by hand holds the same article twice (saved under two names, or as .html and .pdf and .txt);
without this an answer's top passages are the same text from each copy. An answer keeps one passage per story, the
best-scoring copy's, and names the others (`qa.answer.search`).

Two bodies are copies when their word 4-grams ("shingles") nearly coincide: the smaller set lies at least
`CONTAINED` within the larger, and holds at least `SIZE_RATIO` of its shingles. A changed byline or footer costs a
few shingles of hundreds; a different story on the same subject shares almost none (a few common phrases), and a
short version of a long story (a wire summary) is too small to be its copy. Each article's body is reduced when it
is indexed to a MinHash signature (`signature`, kept in its metadata), so that finding the candidate pairs when an
index is opened needs no text: only the few candidates' bodies are read to check them exactly, but for those whose
signatures and counts of shingles are the same (all 32 values agree for bodies of Jaccard similarity 0.8, just
below a copy's, once in 1,250 pairs; for those of other stories, never). Opening the BBC folder's index finds its
160 pairs in 0.04 s.
"""

from __future__ import annotations

import base64
import re
import zlib
from collections.abc import Callable, Sequence

import numpy as np

SIGNATURE = "copy_signature"
"""The metadata key of an article's signature (not a citation field: never shown)."""

SHINGLE = 4
PERMUTATIONS = 32
BAND = 2
"""Articles that agree on both values of any of the signature's 16 bands are compared: a pair of bodies with a
Jaccard similarity of 0.6 (about the least of a copy) is a candidate 999 times in 1,000, one of 0.05 (stories on one
subject) 4 times in 100."""
CONTAINED = 0.9
"""Measured on the BBC folder: 160 pairs of copies, its 98 byte-identical pairs, 35 whose bodies are the same under
another headline ("Child access law shake-up planned", "Child access laws shake-up"), 4 with the same words in
other lines, and 23 at 0.90 to 0.99, one story with a sentence or a word edited ("Federer claims Dubai crown",
"Dogged Federer claims Dubai crown"). Below
0.9 are updated stories with other facts (0.86, "Shares rise on new Man Utd offer" closed up 4.75%, "Mixed reaction
to Man Utd offer" up over 5% by noon; 0.81, "Talks aim to avert pension strike" and "Stalemate in pension strike
talks"): each is an answer of its own."""
SIZE_RATIO = 0.75
SHORT = 20
"""A body of fewer shingles is a copy only of the very same words (a short note is too easily like another)."""

_WIDE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\uac00-\ud7af]")
_WORD = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\uac00-\ud7af]|[^\W_]+")
"""A word, or a single character of the scripts written without spaces (Chinese, Japanese, Korean)."""
_MASK = np.uint64(0xFFFFFFFF)
_RANDOM = np.random.default_rng(20261204)
_A = _RANDOM.integers(1, 1 << 32, PERMUTATIONS, dtype=np.uint64) | np.uint64(1)
_B = _RANDOM.integers(0, 1 << 32, PERMUTATIONS, dtype=np.uint64)


def shingles(body: str) -> np.ndarray:
    """The distinct hashes (uint32, as uint64) of `body`'s word 4-grams, lowercased (all its words when fewer).

    Words are what whitespace separates, punctuation kept (splitting is seven times quicker than a regular
    expression, and copies keep their punctuation); a text with Chinese, Japanese or Korean characters is split
    into words and single characters of those scripts."""
    lowered = body.lower()
    split = _WORD.findall(lowered) if _WIDE.search(lowered) else lowered.split()
    words = np.array([zlib.crc32(word.encode()) for word in split], np.uint64)
    if not words.size:
        return words
    n = max(words.size - SHINGLE + 1, 1)
    hashed = np.zeros(n, np.uint64)
    for k in range(min(SHINGLE, words.size)):
        hashed = (hashed * np.uint64(0x9E3779B1) + words[k : k + n]) & _MASK
    return np.unique(hashed)


def signature(body: str) -> str | None:
    """`body`'s MinHash signature (its shingle count, then the least of each of `PERMUTATIONS` hash permutations of
    its shingles), as text for an article's metadata; None for a body without words."""
    hashed = shingles(body)
    if not hashed.size:
        return None
    least = np.array([((hashed * a + b) & _MASK).min() for a, b in zip(_A, _B, strict=True)], "<u4")
    return f"{hashed.size}:{base64.b64encode(least.tobytes()).decode()}"


def with_signature(meta: dict[str, str], body: str) -> dict[str, str]:
    """An article's metadata with its body's signature, as an index keeps it."""
    value = signature(body)
    return {**meta, SIGNATURE: value} if value is not None else dict(meta)


def _read(value: str) -> tuple[int, bytes]:
    size, packed = value.split(":", 1)
    return int(size), base64.b64decode(packed)


def find_copies(signatures: Sequence[str | None], body: Callable[[int], str]) -> dict[int, int]:
    """Article number -> the first article of its story, for every article that has a copy (the first included);
    `body(n)`: article n's body, read only for the candidates."""
    parent: dict[int, int] = {}

    def root(n: int) -> int:
        while parent.get(n, n) != n:
            n = parent[n]
        return n

    read = [(n, *_read(value)) for n, value in enumerate(signatures) if value]
    buckets: dict[bytes, list[int]] = {}
    for n, _, packed in read:
        for band in range(0, PERMUTATIONS, BAND):
            buckets.setdefault(bytes([band]) + packed[band * 4 : (band + BAND) * 4], []).append(n)
    sizes = {n: size for n, size, _ in read}
    packs = {n: packed for n, _, packed in read}
    checked: set[tuple[int, int]] = set()
    cache: dict[int, np.ndarray] = {}
    for members in buckets.values():
        for i, first in enumerate(members):
            for other in members[i + 1 :]:
                pair = (first, other)
                if pair in checked or root(first) == root(other):
                    continue
                checked.add(pair)
                small, large = sorted((sizes[first], sizes[other]))
                if small < SIZE_RATIO * large or _agreeing(packs[first], packs[other]) < 0.25:
                    continue
                same = sizes[first] == sizes[other] and packs[first] == packs[other]  # the same 4-grams, surely
                if same or _copies(cache, body, first, other):
                    a, b = sorted((root(first), root(other)))
                    parent[b] = a
    groups: dict[int, int] = {}
    for n in list(parent):
        groups[n] = root(n)
    for n in set(groups.values()):
        groups[n] = n
    return groups


def _agreeing(one: bytes, other: bytes) -> float:
    """The share of the two signatures' values that agree: an estimate of their bodies' Jaccard similarity."""
    a, b = np.frombuffer(one, "<u4"), np.frombuffer(other, "<u4")
    return float(np.mean(a == b))


def _copies(cache: dict[int, np.ndarray], body: Callable[[int], str], first: int, other: int) -> bool:
    """Whether two articles' bodies are copies, from their shingles (see the module's docstring)."""
    for n in (first, other):
        if n not in cache:
            cache[n] = shingles(body(n))
    one, two = cache[first], cache[other]
    small, large = sorted((one.size, two.size))
    if not small or small < SIZE_RATIO * large:
        return False
    if small < SHORT:
        return one.size == two.size and bool(np.array_equal(one, two))
    return np.intersect1d(one, two, assume_unique=True).size >= CONTAINED * small
