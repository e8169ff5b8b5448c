"""The chunker's rules (`qa.corpus.chunking`, `qa.corpus.sentences`) compiled, for ASCII text.

A big folder's build chunks millions of sentences, and in Python each costs a few microseconds of regular
expressions, slices and small objects: at 1M passages, 2.7 ms an article, the largest part of `qa index`. Here the
same rules read the text's bytes once (numba). They are the Python rules step for step (paragraph breaks, sentence
ends with closing quotes, what may start the next sentence, abbreviations and initials, over-long sentences and
words, the balanced cut with its paragraph preference, the overlap), for ASCII text only, where a character is a
byte and Python's whitespace is ten bytes; any other text is chunked by the Python code, which stays the reference:
`tests/test_chunk_kernel.py` compares the two on the bundled articles, BBC News, SQuAD and generated texts full of
abbreviations, quotes and blank lines.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from numba import njit

from qa.corpus.chunking import LONGEST_WORD
from qa.corpus.sentences import ABBREVIATIONS

Array = npt.NDArray[Any]

_SPACE = np.zeros(256, np.bool_)
_SPACE[[9, 10, 11, 12, 13, 28, 29, 30, 31, 32]] = True  # what str.split, str.strip and `\s` take, in ASCII
_BREAK_SPACE = np.zeros(256, np.bool_)
_BREAK_SPACE[[32, 9, 13, 12, 11]] = True  # [ \t\r\f\v] of a paragraph break
_TERMINATOR = np.zeros(256, np.bool_)
_TERMINATOR[[ord(c) for c in ".!?"]] = True
_CLOSER = np.zeros(256, np.bool_)
_CLOSER[[ord(c) for c in "\"')]"]] = True
_OPENER = np.zeros(256, np.bool_)
_OPENER[[ord(c) for c in "\"'(["]] = True
_STRIPPED = _OPENER  # what `_is_abbreviation` strips from a word: "'([ (and the curly quotes, not ASCII)
_STARTS = np.zeros(256, np.bool_)
_STARTS[[ord(c) for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"]] = True
_ALPHA = np.zeros(256, np.bool_)
_ALPHA[[ord(c) for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"]] = True
_WIDEST = max(map(len, ABBREVIATIONS))
_ABBREVIATIONS = np.zeros((len(ABBREVIATIONS), _WIDEST), np.uint8)
_ABBREVIATION_LENGTHS = np.zeros(len(ABBREVIATIONS), np.int64)
for _n, _word in enumerate(sorted(ABBREVIATIONS)):
    _ABBREVIATIONS[_n, : len(_word)] = np.frombuffer(_word.encode("ascii"), np.uint8)
    _ABBREVIATION_LENGTHS[_n] = len(_word)


def ascii_layout(codes: Array, body_start: int, chunk_words: int, overlap: int) -> tuple[Array, Array, Array, Array]:
    """The units (sentences, or pieces of over-long ones: start and end offsets) and passages (the range of units
    each holds: first, last exclusive) of an ASCII article given as its bytes; `qa.corpus.chunking.layout`."""
    return _layout(codes, body_start, chunk_words, overlap, LONGEST_WORD, _SPACE, _BREAK_SPACE, _TERMINATOR, _CLOSER,
                   _OPENER, _STRIPPED, _STARTS, _ALPHA, _ABBREVIATIONS, _ABBREVIATION_LENGTHS)


@njit(cache=True, nogil=True)
def _layout(c: Array, body_start: int, chunk_words: int, overlap: int, longest: int, space: Array, break_space: Array,
            terminator: Array, closer: Array, opener: Array, stripped: Array, starts: Array, alpha: Array,
            abbreviations: Array, abbreviation_lengths: Array) -> tuple[Array, Array, Array, Array]:
    n = c.shape[0]
    capacity = 16
    u_start = np.empty(capacity, np.int64)
    u_end = np.empty(capacity, np.int64)
    u_words = np.empty(capacity, np.int64)
    u_par = np.empty(capacity, np.int64)
    n_units = 0
    for attempt in range(2):  # the body; a title-only article: the whole text (`chunk_article`)
        begin = body_start if attempt == 0 else 0
        paragraph = -1
        cursor = begin
        i = begin
        while True:
            # the next paragraph break, \n[ \t\r\f\v]*\n\s*, or the end
            p_end = n
            next_cursor = n
            while i < n:
                if c[i] == 10:
                    j = i + 1
                    while j < n and break_space[c[j]]:
                        j += 1
                    if j < n and c[j] == 10:
                        j += 1
                        while j < n and space[c[j]]:
                            j += 1
                        p_end = i
                        next_cursor = j
                        break
                i += 1
            # the paragraph cursor..p_end, trimmed
            a, b = cursor, p_end
            while a < b and space[c[a]]:
                a += 1
            while b > a and space[c[b - 1]]:
                b -= 1
            if a < b:
                paragraph += 1
                # its sentences (split_sentences), each trimmed, then as units
                s_cursor = a
                k = a
                while True:
                    boundary = -1
                    m_start = -1
                    while k < b:
                        if terminator[c[k]]:
                            q = k
                            while q < b and terminator[c[q]]:
                                q += 1
                            while q < b and closer[c[q]]:
                                q += 1
                            if q == b or space[c[q]]:
                                m_start = k
                                boundary = q
                                k = q
                                break
                        k += 1
                    if boundary < 0:
                        s_a, s_b = s_cursor, b
                    else:
                        if boundary < b:  # what follows must start a sentence: \s+["'(\[]*[A-Z0-9]
                            j = boundary
                            while j < b and space[c[j]]:
                                j += 1
                            if j == boundary:
                                continue
                            while j < b and opener[c[j]]:
                                j += 1
                            if j >= b or not starts[c[j]]:
                                continue
                        w_end = m_start + 1  # the word the punctuation ends: an abbreviation or an initial?
                        w_start = w_end
                        while w_start > s_cursor and not space[c[w_start - 1]]:
                            w_start -= 1
                        x, y = w_start, w_end
                        while x < y and stripped[c[x]]:
                            x += 1
                        while y > x and stripped[c[y - 1]]:
                            y -= 1
                        while y > x and c[y - 1] == 46:
                            y -= 1
                        if y - x == 1 and alpha[c[x]]:
                            continue
                        known = False
                        for e in range(abbreviations.shape[0]):
                            if abbreviation_lengths[e] != y - x:
                                continue
                            same = True
                            for f in range(y - x):
                                letter = c[x + f]
                                if 65 <= letter <= 90:
                                    letter += 32
                                if letter != abbreviations[e, f]:
                                    same = False
                                    break
                            if same:
                                known = True
                                break
                        if known:
                            continue
                        s_a, s_b = s_cursor, boundary
                        s_cursor = boundary
                    while s_a < s_b and space[c[s_a]]:
                        s_a += 1
                    while s_b > s_a and space[c[s_b - 1]]:
                        s_b -= 1
                    if s_a < s_b:
                        # the sentence's words (str.split; a run is a word every `longest` bytes), and its units
                        count = 0
                        inside = False
                        begun = s_a
                        for p in range(s_a, s_b):
                            if space[c[p]]:
                                if inside and p - begun > longest:  # a word every `longest` bytes of a run
                                    count += (p - begun - 1) // longest
                                inside = False
                            elif not inside:
                                inside = True
                                begun = p
                                count += 1
                        if inside and s_b - begun > longest:
                            count += (s_b - begun - 1) // longest
                        pieces = 1 if count <= chunk_words else (count + chunk_words - 1) // chunk_words
                        if n_units + pieces > capacity:
                            capacity = 2 * (n_units + pieces)
                            u_start = _grown(u_start, capacity)
                            u_end = _grown(u_end, capacity)
                            u_words = _grown(u_words, capacity)
                            u_par = _grown(u_par, capacity)
                        if count <= chunk_words:
                            u_start[n_units] = s_a
                            u_end[n_units] = s_b
                            u_words[n_units] = count
                            u_par[n_units] = paragraph
                            n_units += 1
                        else:  # cut at word boundaries into pieces of chunk_words words
                            word = 0
                            run = 0
                            inside = False
                            for p in range(s_a, s_b + 1):
                                is_space = p == s_b or space[c[p]]
                                if inside and (is_space or run == longest):  # a word ends at p
                                    if word % chunk_words == 0 or p == s_b:
                                        u_end[n_units - 1] = p
                                    inside = False
                                if not is_space:
                                    if not inside:
                                        inside = True
                                        run = 0
                                        if word % chunk_words == 0:
                                            u_start[n_units] = p
                                            u_end[n_units] = p
                                            u_words[n_units] = min(chunk_words, count - word)
                                            u_par[n_units] = paragraph
                                            n_units += 1
                                        word += 1
                                    run += 1
                    if boundary < 0:
                        break
            if next_cursor >= n and p_end >= n:
                break
            cursor = next_cursor
            i = next_cursor
        if n_units:
            break
    return _passages(u_start[:n_units], u_end[:n_units], u_words[:n_units], u_par[:n_units], chunk_words, overlap)


@njit(cache=True, nogil=True)
def _grown(values: Array, capacity: int) -> Array:
    bigger = np.empty(capacity, values.dtype)
    bigger[: values.shape[0]] = values
    return bigger


@njit(cache=True, nogil=True)
def _passages(u_start: Array, u_end: Array, u_words: Array, u_par: Array, chunk_words: int,
              overlap: int) -> tuple[Array, Array, Array, Array]:
    """`chunk_article`'s loop and `_cut` over the units."""
    n_units = u_start.shape[0]
    left = np.zeros(n_units + 1, np.int64)
    for i in range(n_units - 1, -1, -1):
        left[i] = left[i + 1] + u_words[i]
    first = np.empty(max(n_units, 1), np.int64)
    last = np.empty(max(n_units, 1), np.int64)
    n_passages = 0
    i = 0
    while i < n_units:
        if left[i] <= chunk_words:
            j = n_units
        else:
            pieces = -(-left[i] // chunk_words)
            ideal = left[i] / pieces
            best_break = -1
            best_end = -1
            break_at = -1
            end_at = -1
            words = 0
            j = i
            while j < n_units and (j == i or words + u_words[j] <= chunk_words):
                words += u_words[j]
                j += 1
                if j < n_units:
                    if u_par[j] != u_par[j - 1] and words >= 0.6 * ideal and (
                            best_break < 0 or abs(words - ideal) < abs(best_break - ideal)):
                        best_break = words
                        break_at = j
                    if best_end < 0 or abs(words - ideal) < abs(best_end - ideal):
                        best_end = words
                        end_at = j
            if best_break >= 0:
                j = break_at
            elif best_end >= 0:
                j = end_at
        first[n_passages] = i
        last[n_passages] = j
        n_passages += 1
        if j >= n_units:
            break
        mid_paragraph = u_par[j] == u_par[j - 1]
        i = max(i + 1, j - overlap) if mid_paragraph and overlap else j
    return u_start, u_end, first[:n_passages], last[:n_passages]
