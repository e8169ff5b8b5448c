"""Whether a reading of a file's bytes in Hangul is Korean, or Japanese or Chinese bytes read in a Korean code page.

EUC-KR, EUC-JP and GB2312 all write a character as two bytes from 0xA1 to 0xFE, and Windows' Korean code page
(cp949) also takes most Shift JIS pairs, so a short Japanese or Chinese file (a title line, a line or two)
decodes without an error as Korean, and charset-normalizer, which judges a reading by how messy its characters
look and, from about 32 characters of each layer on, by their letter frequencies, rates that reading as clean as
the right one, or cleaner: 出生数、過去最少の73万人 in EUC-JP came out as 싻으웃、꿍등뵉쒸ㅞ73劍와.

Such a reading shows itself by what Korean text does not hold:

- syllables outside KS X 1001's 2,350 (`euc_kr` writes them as an 8-byte sequence of jamo): the standard chose the
  syllables in use, and Shift JIS read as cp949 lands in the other 8,822 (뭤릏륃뺪 for 地震情報);
- lone jamo (ㅞ, ㅗ, ㄼ: where EUC-JP has hiragana, KS X 1001 has the jamo), in the middle of words;
- Han characters joined to Hangul in one word (劍와, 居뜸): EUC-JP's and GB2312's less common characters fall in
  KS X 1001's Hanja rows, between syllables. Korean text writes Hanja apart, or in brackets: 대한민국(大韓民國).

Korean prose has none of these (the 8 Korean articles of tests/data/multilingual: 0 in 2,062 syllables); a
misread title has one in ten syllables or more. What this cannot tell: Japanese or Chinese written only in the
commonest characters, which all land on common syllables (東京都中央区銀座四丁目 is 톺딸텃충깩띈뜸봔뽕츨 and one
Hanja), is read as Korean when nothing else in the file says otherwise.
"""

from __future__ import annotations

import re

_SYLLABLE = re.compile("[\uac00-\ud7a3]")
_JAMO = re.compile("[\u3131-\u318e]")  # Hangul compatibility jamo, standing alone
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HANGUL = "\uac00-\ud7a3\u3131-\u318e"
_JOINED = re.compile(f"[{_HAN}](?=[{_HANGUL}])|[{_HANGUL}](?=[{_HAN}])")
SIGNS_PER_SYLLABLE = 0.1
"""A reading with at least this many signs of a misread per Hangul syllable is not Korean (module docstring)."""


def misread_as_korean(text: str) -> bool:
    """Whether `text`, a reading of bytes in a Korean code page, shows the signs of Japanese or Chinese bytes read
    as Korean (module docstring); False for text without Hangul syllables."""
    syllables = _SYLLABLE.findall(text)
    if not syllables:
        return False
    uncommon = sum(len(syllable.encode("euc_kr")) != 2 for syllable in syllables)
    signs = uncommon + len(_JAMO.findall(text)) + len(_JOINED.findall(text))
    return signs >= SIGNS_PER_SYLLABLE * len(syllables)
