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
160 pairs in 0.015 s (`Index.copies`), an index of 101k one-paragraph articles its 1,000 in 0.3 s (3.3 s when each
band's keys were a Python dict's).
"""

from __future__ import annotations

import base64
import sys
from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt
import regex

from qa.lang.analyzers import CJK_CHAR, CJK_CHARACTERS

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

_WORD = regex.compile(rf"[{CJK_CHARACTERS}]|[[\p{{L}}\p{{N}}]--[{CJK_CHARACTERS}]]+", regex.V1)
"""A single character of the scripts written without spaces (Chinese, Japanese, Korean: `CJK_CHAR`, the analyzers'
definition), or a run of other letters and digits."""
_MASK = np.uint64(0xFFFFFFFF)
_RANDOM = np.random.default_rng(20261204)
_A = _RANDOM.integers(1, 1 << 32, PERMUTATIONS, dtype=np.uint64) | np.uint64(1)
_B = _RANDOM.integers(0, 1 << 32, PERMUTATIONS, dtype=np.uint64)


_POSITIONS = 32
_BYTE_VALUES = np.random.default_rng(20261205).integers(0, 1 << 32, (_POSITIONS, 256), dtype=np.uint64)
"""A random value for each (position in a word, byte): a word's hash is the sum of its bytes' values (tabulation
hashing), so that the words of a text are hashed by a few NumPy operations over its bytes, or by one compiled loop
(`qa.index.copies_kernel`) where numba is loaded."""
_SPACE = np.zeros(256, np.bool_)
_SPACE[[9, 10, 11, 12, 13, 28, 29, 30, 31, 32]] = True  # what str.split takes, in ASCII
_MIX = np.uint64(0x9E3779B1)
_ENCODED = len(base64.b64encode(bytes(PERMUTATIONS * 4)))
_PADDING = "=" * (-PERMUTATIONS * 4 % 3)
"""How every signature's base64 is written (172 characters, the last "="), so that all are decoded in one call."""
assert BAND * 32 <= 64, "a band's values are one uint64 key (`_band_keys`)"


def _words_bytes(body: str) -> npt.NDArray[np.uint8]:
    """`body` lowercased as UTF-8 bytes whose words are what ASCII whitespace separates: ASCII text as it is
    (`str.split`'s words), other text with its words (Unicode whitespace apart; a CJK text's words and characters,
    `_WORD`) joined by single spaces."""
    lowered = body.lower()
    if not lowered.isascii():
        lowered = " ".join(_WORD.findall(lowered) if CJK_CHAR.search(lowered) else lowered.split())
    return np.frombuffer(lowered.encode(), np.uint8)


def _word_hashes(data: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint64]:
    """The hash (uint32, as uint64) of each word of `data` (see `_words_bytes`)."""
    space = _SPACE[data]
    starts = np.flatnonzero(~space & np.concatenate(([True], space[:-1])))
    if not starts.size:
        return np.zeros(0, np.uint64)
    start_of = np.zeros(data.size, np.int64)
    start_of[starts] = starts
    position = (np.arange(data.size) - np.maximum.accumulate(start_of)) % _POSITIONS
    values = np.where(space, np.uint64(0), _BYTE_VALUES[position, data])
    return np.add.reduceat(values, starts) & _MASK


def shingles(body: str) -> npt.NDArray[np.uint64]:
    """The distinct hashes (uint32, as uint64), in order, of `body`'s word 4-grams, lowercased (all its words when
    fewer).

    Words are what whitespace separates, punctuation kept (copies keep their punctuation); a text with Chinese,
    Japanese or Korean characters is split into words and single characters of those scripts."""
    words = _word_hashes(_words_bytes(body))
    if not words.size:
        return words
    n = max(words.size - SHINGLE + 1, 1)
    hashed = np.zeros(n, np.uint64)
    for k in range(min(SHINGLE, words.size)):
        hashed = (hashed * _MIX + words[k : k + n]) & _MASK
    return np.unique(hashed)


def minhash(body: str) -> tuple[int, npt.NDArray[np.uint64]]:
    """(the number of `body`'s distinct 4-gram hashes, the least of each of `PERMUTATIONS` permutations of them)."""
    hashed = shingles(body)
    least = [((hashed * a + b) & _MASK).min() for a, b in zip(_A, _B, strict=True)] if hashed.size else []
    return hashed.size, np.array(least, np.uint64)


def compiled_minhash(body: str) -> tuple[int, npt.NDArray[np.uint64]]:
    """`minhash` in one compiled pass over the bytes (imports numba)."""
    from qa.index.copies_kernel import minhash as kernel

    size, least = kernel(_words_bytes(body), _SPACE, _BYTE_VALUES, _A, _B)
    return int(size), least if size else np.zeros(0, np.uint64)


def signature(body: str) -> str | None:
    """`body`'s MinHash signature (its shingle count, then the least of each of `PERMUTATIONS` hash permutations of
    its shingles), as text for an article's metadata; None for a body without words.

    Where numba is loaded (a big build's workers load it for the chunker) one compiled call reads the bytes,
    `qa.index.copies_kernel`: 0.2 ms for an article of 5,800 words, against 1.2 ms in NumPy, which was 12 s of CPU in
    a build of 10,000 such articles. Both give the same signature (tested)."""
    size, least = compiled_minhash(body) if "numba" in sys.modules else minhash(body)
    if not size:
        return None
    return f"{size}:{base64.b64encode(least.astype('<u4').tobytes()).decode()}"


def with_signature(meta: dict[str, str], body: str) -> dict[str, str]:
    """An article's metadata with its body's signature, as an index keeps it."""
    value = signature(body)
    return {**meta, SIGNATURE: value} if value is not None else dict(meta)


def _decode(signatures: Sequence[str | None]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64],
                                                          npt.NDArray[np.uint32]]:
    """(the numbers of the articles with a signature, their shingle counts, their signatures' values, one row an
    article): the base64 of all of them decoded in one call, their padding ("=", the same in each: `PERMUTATIONS`
    values of 4 bytes) made a character of zero bits, which decodes to one byte more an article, then dropped."""
    numbers = [n for n, value in enumerate(signatures) if value]
    texts = [value for value in signatures if value]
    colons = [text.index(":") for text in texts]  # ints and strings, no tuple an article: the collector sleeps
    sizes = np.array([int(text[:colon]) for text, colon in zip(texts, colons, strict=True)], np.int64)
    packed = [text[colon + 1 :] for text, colon in zip(texts, colons, strict=True)]
    width = PERMUTATIONS * 4
    if packed and all(len(text) == _ENCODED and text.endswith(_PADDING) for text in packed):
        joined = base64.b64decode("".join(packed).replace("=", "A"))
        data = np.frombuffer(joined, np.uint8).reshape(len(packed), -1)[:, :width]
    else:  # not all of one length (or none): one at a time
        data = np.array([np.frombuffer(base64.b64decode(text), np.uint8) for text in packed], np.uint8)
        data = data.reshape(len(packed), width)
    values = np.ascontiguousarray(data).view("<u4").astype(np.uint32)
    return np.array(numbers, np.int64), sizes, values


def find_copies(signatures: Sequence[str | None], body: Callable[[int], str]) -> dict[int, int]:
    """Article number -> the first article of its story, for every article that has a copy (the first included);
    `body(n)`: article n's body, read only for the candidates.

    Two articles are candidates when they agree on a band of their signatures (`BAND` values); candidates whose
    shingle counts are near enough (`SIZE_RATIO`) and whose signatures agree on a quarter of their values at least
    are copies if their counts and signatures are the same, or if their bodies' shingles say so (`_copies`); a story
    is the articles copies join, directly or through others. The bands are grouped by sorting (NumPy) rather than
    by a dict of every band's key (1.6M keys built and walked in Python for 100k articles: 2.3 s of this function's,
    now 0.18 s); articles with the same count and signature are one class, joined without a look at their bodies, so
    that a file saved 1,000 times gives 1,000 articles of one class, not 500,000 pairs of articles in each band."""
    numbers, sizes, values = _decode(signatures)
    involved = _in_some_band(values)
    numbers, sizes, values = numbers[involved], sizes[involved], values[involved]
    groups = _Groups()
    first, members = _classes(sizes, values)
    for rows in members:
        for row in rows[1:]:
            groups.join(int(numbers[rows[0]]), int(numbers[row]))
    one, other = _candidate_pairs(values[first])
    one, other = first[one], first[other]
    small, large = np.minimum(sizes[one], sizes[other]), np.maximum(sizes[one], sizes[other])
    agreeing = np.mean(values[one] == values[other], axis=1) if one.size else np.zeros(0)
    kept = (small >= SIZE_RATIO * large) & (agreeing >= 0.25)
    rows_of = {int(rows[0]): rows for rows in members}
    cache: dict[int, np.ndarray] = {}
    for a, b in zip(one[kept].tolist(), other[kept].tolist(), strict=True):
        for x in rows_of.get(a, [a]):
            for y in rows_of.get(b, [b]):
                n, m = sorted((int(numbers[x]), int(numbers[y])))
                if groups.root(n) != groups.root(m) and _copies(cache, body, n, m):
                    groups.join(n, m)
    return groups.stories()


def _band_keys(values: npt.NDArray[np.uint32], band: int) -> npt.NDArray[np.uint64]:
    """The values of band `band` (its first column) of each row, as one uint64."""
    key = np.zeros(values.shape[0], np.uint64)
    for column in range(band, band + BAND):
        key = (key << np.uint64(32)) | values[:, column].astype(np.uint64)
    return key


def _in_some_band(values: npt.NDArray[np.uint32]) -> npt.NDArray[np.bool_]:
    """Whether each row agrees with another on some band: the few of 100k articles that can have a copy."""
    involved = np.zeros(values.shape[0], np.bool_)
    for band in range(0, PERMUTATIONS, BAND):
        key = _band_keys(values, band)
        order = np.argsort(key)
        same = key[order[1:]] == key[order[:-1]]
        involved[order[1:][same]] = True
        involved[order[:-1][same]] = True
    return involved


def _classes(sizes: npt.NDArray[np.int64],
             values: npt.NDArray[np.uint32]) -> tuple[npt.NDArray[np.int64], list[list[int]]]:
    """(the first row of each class of rows with the same count and signature, in row order; the rows of each
    class of more than one, first first)."""
    whole = np.column_stack([sizes.astype(np.uint64), values.astype(np.uint64)])
    rows = np.ascontiguousarray(whole).view(np.dtype((np.void, whole.shape[1] * 8))).ravel()
    _, first, inverse = np.unique(rows, return_index=True, return_inverse=True)
    counts = np.bincount(inverse, minlength=first.size)
    members: dict[int, list[int]] = {}
    for row in np.flatnonzero(counts[inverse] > 1).tolist():
        members.setdefault(int(first[inverse[row]]), []).append(row)
    return np.sort(first).astype(np.int64), list(members.values())


def _candidate_pairs(values: npt.NDArray[np.uint32]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Every pair of rows (the lesser first, each pair once, in order) that agree on some band: for each band, the
    rows sorted by its key, and each row paired with the next ones of its run of equal keys."""
    found = []
    for band in range(0, PERMUTATIONS, BAND):
        key = _band_keys(values, band)
        order = np.argsort(key, kind="stable")
        same = key[order[1:]] == key[order[:-1]]  # sorted position i and i + 1 are in one run
        at = np.flatnonzero(same)
        step = 1
        while at.size:
            found.append(np.stack([order[at], order[at + step]]))
            at = at[at + step < same.size]
            at = at[same[at + step]]
            step += 1
    if not found:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    pairs = np.concatenate(found, axis=1).astype(np.int64)
    lesser, greater = pairs.min(axis=0), pairs.max(axis=0)
    unique = np.unique(lesser * values.shape[0] + greater)
    return unique // values.shape[0], unique % values.shape[0]


class _Groups:
    """Articles joined into stories (union-find): each story's root is its first article."""

    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def root(self, n: int) -> int:
        parent = self.parent
        while parent.get(n, n) != n:
            parent[n] = n = parent.get(parent[n], parent[n])  # halving the path
        return n

    def join(self, one: int, other: int) -> None:
        a, b = sorted((self.root(one), self.root(other)))
        if a != b:
            self.parent[b] = a

    def stories(self) -> dict[int, int]:
        """Article number -> the first article of its story, for the articles of stories of two or more."""
        found = {n: self.root(n) for n in self.parent}
        found.update({first: first for first in found.values()})
        return dict(sorted(found.items()))


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
