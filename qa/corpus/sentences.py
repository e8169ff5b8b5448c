"""Paragraphs and sentences of a text, as character spans (no copies), for the chunker and the best sentence.

Paragraphs end at a blank line. A sentence ends at terminal punctuation (with closing quotes or brackets) followed
by whitespace and something that can start a sentence; common abbreviations ("Dr.", "e.g.") and initials ("J.
Smith") do not end one. Chinese and Japanese sentences end at 。！？ whatever follows (no space is written after
them).

    >>> text = "Dr. Smith arrived. He spoke.\n\nThen he left."
    >>> [text[a:b] for a, b in split_sentences(text, 0, 28)]
    ['Dr. Smith arrived.', 'He spoke.']
    >>> text = "高铁今天开通。全程只需两小时！"
    >>> [text[a:b] for a, b in split_sentences(text, 0, len(text))]
    ['高铁今天开通。', '全程只需两小时！']
"""

from __future__ import annotations

import re

_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r\f\v]*\n\s*")
# End of a sentence: terminal punctuation (Latin, the Devanagari danda, the Arabic question mark and Urdu full
# stop), optional closing quotes/brackets, then whitespace or the end; or Chinese and Japanese terminal punctuation,
# which no space follows (group "wide": a sentence end wherever it stands).
_SENTENCE_END = re.compile(r"[.!?…।॥؟۔]+[\"'”’)\]]*(?=\s|$)")
_SENTENCE_END_WIDE = re.compile(_SENTENCE_END.pattern + r"|(?P<wide>[。！？｡]+[」』”’）)\]]*)")
_WIDE_STOP = re.compile(r"[。！？｡]")  # a paragraph without one is searched with the simpler (faster) pattern
_NEXT_STARTS_SENTENCE = re.compile(r"\s+[\"'“‘(\[]*[^\W_a-z]", re.UNICODE)
ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof st jr sr gen gov sen rep col lt sgt capt cmdr adm rev hon pres vs etc inc ltd co corp
    dept univ est approx no fig vol ch pp jan feb mar apr jun jul aug sep sept oct nov dec mt ft e.g i.e u.s u.k
    u.n a.m p.m""".split()
)


def split_paragraphs(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Spans of the non-blank paragraphs of `text[start:end]`, trimmed of surrounding whitespace."""
    spans = []
    cursor = start
    for match in _PARAGRAPH_BREAK.finditer(text, start, end):
        spans.append((cursor, match.start()))
        cursor = match.end()
    spans.append((cursor, end))
    return _trimmed(text, spans)


def split_sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Spans of the sentences of one paragraph `text[start:end]`, trimmed of whitespace."""
    spans = []
    cursor = start
    ends = _SENTENCE_END_WIDE if _WIDE_STOP.search(text, start, end) else _SENTENCE_END
    for match in ends.finditer(text, start, end):
        boundary = match.end()
        if match.lastgroup == "wide":
            spans.append((cursor, boundary))
            cursor = boundary
            continue
        if boundary < end and not _NEXT_STARTS_SENTENCE.match(text, boundary, end):
            continue
        last_word = text[cursor : match.start() + 1].rsplit(None, 1)  # the word the punctuation ends
        if last_word and _is_abbreviation(last_word[-1]):
            continue
        spans.append((cursor, boundary))
        cursor = boundary
    spans.append((cursor, end))
    return _trimmed(text, spans)


def _trimmed(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The spans with surrounding whitespace cut off; spans of only whitespace dropped."""
    result = []
    for a, b in spans:
        segment = text[a:b]
        stripped = segment.strip()
        if stripped:
            a += len(segment) - len(segment.lstrip())
            result.append((a, a + len(stripped)))
    return result


def _is_abbreviation(word: str) -> bool:
    bare = word.strip("\"'“‘([").rstrip(".").lower()
    if len(bare) == 1 and bare.isalpha():
        return True  # an initial: "J. Smith"
    return bare in ABBREVIATIONS
