"""Web pages in scripts written without spaces between words, or ending sentences with other marks than ".": a user
trial found a Chinese news page skipped as "no main text in the HTML page (only navigation, links, notices or
boilerplate)", because a sentence of main text was six space-separated words ending in ".", "!" or "?"; a page in
Japanese, Thai or Hindi (whose full stop is the danda, "।") was skipped alike."""

from __future__ import annotations

import pytest

from qa.corpus.html import extract_html, has_main_text
from qa.errors import UnreadableFile

NAV = ("<header><nav><ul><li><a href='/'>{home}</a></li><li><a href='/a'>{news}</a></li>"
       "<li><a href='/b'>{sport}</a></li></ul></nav></header>")
FOOTER = "<footer><p>{footer}</p><a href='/privacy'>Privacy</a></footer>"


def page(lang: str, title: str, paragraphs: list[str], home: str = "Home", news: str = "News",
         sport: str = "Sport", footer: str = "© 2025 Daily Wire") -> bytes:
    body = "".join(f"<p>{paragraph}</p>" for paragraph in paragraphs)
    return (f"<!DOCTYPE html><html lang='{lang}'><head><meta charset='utf-8'><title>{title}</title></head><body>"
            f"{NAV.format(home=home, news=news, sport=sport)}<main><article><h1>{title}</h1>{body}</article></main>"
            f"{FOOTER.format(footer=footer)}</body></html>").encode()


STORIES = [
    ("zh", "成渝中线高铁全线贯通", ["连接成都和重庆的成渝中线高速铁路今天实现全线贯通，线路全长292公里。",
                                    "通车后，成都至重庆的最快旅行时间将缩短至50分钟左右。"],
     dict(home="首页", news="新闻", sport="体育", footer="版权所有 © 2025 新华网")),
    ("ja", "東京で桜が開花", ["気象庁は19日、東京の桜が開花したと発表した。", "平年より5日早い開花となった。"],
     dict(home="ホーム", news="ニュース", sport="スポーツ", footer="無断転載を禁じます")),
    ("th", "กรุงเทพฯ ปิดถนนจัดงานวิ่ง", ["กรุงเทพมหานครประกาศปิดถนนสายหลักสามสายในวันอาทิตย์นี้เพื่อจัดงานวิ่งมาราธอนประจำปี"],
     dict(home="หน้าแรก", news="ข่าว", sport="กีฬา")),
    ("hi", "मुंबई में भारी बारिश", ["मुंबई में पिछले 24 घंटों में 310 मिलीमीटर बारिश दर्ज की गई है।",
                                   "लोकल ट्रेन सेवाएं चार घंटे तक बंद रहीं।"], {}),
]


@pytest.mark.parametrize(("lang", "title", "paragraphs", "furniture"), STORIES, ids=[s[0] for s in STORIES])
def test_a_news_page_in_any_script_is_read(lang: str, title: str, paragraphs: list[str],
                                          furniture: dict[str, str]) -> None:
    extracted = extract_html(page(lang, title, paragraphs, **furniture), f"{lang}.html")
    assert extracted.title == title
    assert extracted.text[extracted.body_start :].split("\n\n") == paragraphs


@pytest.mark.parametrize(("lang", "furniture"), [
    ("zh", dict(home="首页", news="国内新闻", sport="体育频道",
                footer="版权所有 新华通讯社 未经书面授权禁止转载本网站所有内容。")),
    ("ja", dict(home="ホーム", news="ニュース一覧", sport="スポーツ",
                footer="Copyright © 2025 東京新聞 無断転載を禁じます。")),
])
def test_a_page_of_navigation_only_is_still_skipped(lang: str, furniture: dict[str, str]) -> None:
    data = page(lang, "サイトマップ", [], **furniture).replace(b"<h1>\xe3\x82\xb5\xe3\x82\xa4\xe3\x83\x88\xe3\x83\x9e"
                                                                b"\xe3\x83\x83\xe3\x83\x97</h1>", b"")
    with pytest.raises(UnreadableFile) as error:
        extract_html(data, f"{lang}-nav.html")
    assert "no main text" in str(error.value)


@pytest.mark.parametrize("notice", ["版权所有 新华通讯社 未经书面授权禁止转载本网站所有内容。",
                                    "本サイトに掲載の記事・写真の無断転載を禁じます。すべての著作権は新聞社に帰属します。"])
def test_a_copyright_notice_in_chinese_or_japanese_is_no_main_text(notice: str) -> None:
    assert not has_main_text([notice])
    assert has_main_text([notice, "连接成都和重庆的成渝中线高速铁路今天实现全线贯通，线路全长292公里。"])
