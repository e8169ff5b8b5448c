"""Japanese, Chinese and Korean files saved in their older encodings (EUC-JP, Shift JIS, ISO-2022-JP, GB18030/GBK,
Big5, EUC-KR/cp949) are read as what they are: a short Japanese or Chinese file was read as Korean."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.corpus.hangul import misread_as_korean
from qa.corpus.read import legacy_text, parse_file

MULTILINGUAL = Path(__file__).parent / "data" / "multilingual"
ENCODINGS = {"ja": ["euc_jp", "shift_jis", "iso2022_jp"], "zh": ["gb18030", "gbk"], "ko": ["euc_kr", "cp949"]}
"""Our Chinese articles are in simplified characters, which Big5 cannot write: Big5 has its own samples below."""
TRADITIONAL = ["台北市政府宣布", "颱風來襲，全台停班停課",
               "台北市政府二十日宣布，新的捷運路線將於明年春天通車。全線共設十二座車站，沿線居民表示通勤將更加方便。"]


def _samples() -> list[tuple[str, str, str]]:
    """(encoding, name, text): every article of ours in these languages, whole, and each of its first lines (a
    title, a byline, a first paragraph), in each encoding that can write it."""
    found = []
    for lang, encodings in ENCODINGS.items():
        for path in sorted((MULTILINGUAL / lang).iterdir()):
            text = path.read_text(encoding="utf-8")
            lines = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().isascii()]
            for name, sample in [("whole", text), *((f"line {n}", line) for n, line in enumerate(lines[:4]))]:
                for encoding in encodings:
                    try:
                        sample.encode(encoding)
                    except UnicodeEncodeError:
                        continue
                    found.append((encoding, f"{lang}/{path.name} {name}", sample))
    return found


SAMPLES = _samples()


def test_there_are_samples_of_every_encoding() -> None:
    assert {encoding for encoding, _, _ in SAMPLES} == {e for encodings in ENCODINGS.values() for e in encodings}
    assert len(SAMPLES) == 280


@pytest.mark.parametrize("text", TRADITIONAL)
def test_traditional_chinese_in_big5_is_read_as_written(text: str) -> None:
    assert legacy_text(text.encode("big5")) == text


@pytest.mark.parametrize(("encoding", "name", "text"), SAMPLES, ids=[f"{e}:{n}" for e, n, _ in SAMPLES])
def test_each_is_read_as_written(encoding: str, name: str, text: str) -> None:
    assert legacy_text(text.encode(encoding)) == text


@pytest.mark.parametrize(("text", "encoding"), [
    ("出生数、過去最少の73万人", "euc_jp"),           # read as 싻으웃、꿍등뵉쒸ㅞ73劍와 (lone jamo, Hanja in a word)
    ("日本銀行総裁会見要旨", "euc_jp"),              # 폽居뜸밋쥼붜뀜릊斛쁨
    ("地震情報 震度5強 茨城県南部", "shift_jis"),     # 뭤릏륃뺪 ...: syllables outside KS X 1001
    ("动力电池工厂落户温川", "gb18030"),              # 땡제든넥묏낍쭝빵侊뇽
    ("北京市政府宣布", "gb18030"),
    ("今年高考报名人数再创新高", "gb18030"),
])
def test_short_japanese_and_chinese_titles_are_not_read_as_korean(text: str, encoding: str) -> None:
    assert legacy_text(text.encode(encoding)) == text
    articles, _ = parse_file((text + "\n").encode(encoding), "title.txt", "title")
    assert articles[0].title == text


@pytest.mark.parametrize("text", [
    "서울시 지하철",
    "韓美 정상회담 北 미사일 발사 대응 논의",                  # Hanja apart from Hangul
    "대한민국(大韓民國)의 수도는 서울이다.",                     # ... or in brackets
    "정부는 오늘 경제 대책을 발표했다. 韓國은 수출이 크게 늘었다고 밝혔다.",  # one joined word in many syllables
])
def test_korean_stays_korean(text: str) -> None:
    assert not misread_as_korean(text)
    assert legacy_text(text.encode("euc_kr")) == text


def test_our_korean_articles_show_no_sign_of_a_misread() -> None:
    for path in (MULTILINGUAL / "ko").iterdir():
        assert not any(misread_as_korean(line) for line in path.read_text(encoding="utf-8").splitlines())
