"""The question page (qa/static) driven in headless Chromium against a real server on 127.0.0.1.

Playwright drives Debian's Chromium (/usr/bin/chromium, or the path in $CHROMIUM); it never downloads a browser.
Without that Chromium the tests are skipped with the reason (`.ci/run` installs it).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from .conftest import ARTICLES
from .test_server import UVICORN, running

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Locator, Page, Route

expect = pytest.importorskip("playwright.sync_api", reason="the browser tests need playwright (.[test])").expect

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
# Headless Chromium that stays quiet on a closed network (no update, sync or background requests).
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

PIPELINE = "How many kilometres long is the pipeline?"
# Markup in an article (and its title) must be shown as text and never run.
MARKUP_ARTICLE = """Markup <i>in</i> the zanzibar gazette

The zanzibar gazette printed <script>window.__xss = 1</script> in a column about web pages.
It also printed <b>bold</b> words and <img src=x onerror="window.__xss = 2"> as plain text.
"""
# Characters outside the BMP before the matched word: JS string indices differ from the API's code points.
# Far down a long article, so that the document view has to scroll to the cited passage.
FILLER = "Filler paragraph {n} says nothing in particular about anything at all, at some length.\n\n"
# Chinese and Japanese text: drawn with a CJK font (fonts-noto-cjk), never as boxes.
CJK_ARTICLE = ("Towers of Tokyo and Beijing 东京塔和北京\n\n"
               "The Tokyo Tower (東京タワー) opened in 1958 in Minato. 東京タワーの高さは333メートルです。\n\n"
               "The Beijing television tower (中央广播电视塔) is 405 metres tall. 北京的中央电视塔高405米。\n")
# Arabic: right to left, and `lang` from the article's detected language.
ARABIC_ARTICLE = ("افتتاح مكتبة جديدة في الإسكندرية\n\n"
                  "افتتحت محافظة الإسكندرية اليوم مكتبة عامة جديدة في حي المنشية تضم أكثر من عشرين ألف كتاب. "
                  "وقال مدير المكتبة إن القاعة الرئيسية تتسع لثلاثمائة قارئ، وإن المكتبة ستفتح أبوابها كل يوم "
                  "من الساعة التاسعة صباحا حتى الساعة العاشرة مساء.\n")
LONG_ARTICLE = ("A long log of rockets\n\n" + "".join(FILLER.format(n=n) for n in range(80))
                + "The crew 🚀🚀 cheered as the quetzalcoatl engine fired 🎉 at dawn.\n\n"
                + "See https://example.org/" + "very-long-path-segment-" * 8 + "end for the launch film.\n")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`uvicorn service:app` over a copy of tests/data/articles plus the markup and long articles above."""
    root = tmp_path_factory.mktemp("browser")
    documents = root / "articles"
    shutil.copytree(ARTICLES, documents)
    (documents / "markup.txt").write_text(MARKUP_ARTICLE, encoding="utf-8")
    (documents / "towers.txt").write_text(CJK_ARTICLE, encoding="utf-8")
    (documents / "library.txt").write_text(ARABIC_ARTICLE, encoding="utf-8")
    (documents / "space").mkdir()
    (documents / "space" / "rockets.txt").write_text(LONG_ARTICLE, encoding="utf-8")
    with running(UVICORN, root, documents) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found: the browser tests need Debian's chromium (apt-get install chromium; "
                    f".ci/run installs it), or $CHROMIUM set to a Chromium binary")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def requested() -> list[str]:
    """Every address the tab of the test asked for."""
    return []


@pytest.fixture
def page(browser: Browser, server: str, requested: list[str]) -> Iterator[Page]:
    """A fresh tab. Afterwards: no script error, no Content-Security-Policy violation, no request elsewhere."""
    context = browser.new_context(viewport={"width": 1000, "height": 800})
    problems: list[str] = []

    def only_our_server(route: Route) -> None:
        requested.append(route.request.url)
        if route.request.url.startswith(server + "/"):
            route.continue_()
        else:
            problems.append(f"request outside the server: {route.request.url}")
            route.abort()

    context.route("**/*", only_our_server)
    tab = context.new_page()
    tab.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    tab.on("console", lambda message: problems.append(f"console: {message.text}")
           if "Content Security Policy" in message.text else None)
    yield tab
    context.close()
    assert problems == []


def api(server: str, path: str, **params: object) -> dict[str, Any]:
    response = httpx.get(server + path, params=params, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def citation_text(citation: dict[str, Any]) -> str:
    return (f"{citation['title']} {citation['source']} · passage {citation['passage']}"
            f" · chars {citation['start']}–{citation['end']}")


def in_view(locator: Locator) -> bool:
    return locator.evaluate("e => { const r = e.getBoundingClientRect();"
                            " return r.bottom > 0 && r.top < window.innerHeight && r.height > 0; }")


def test_ask_read_the_cited_passage_and_open_its_article(page: Page, server: str) -> None:
    expected = api(server, "/ask", q=PIPELINE)
    top = expected["passages"][0]
    health = api(server, "/health")

    page.goto(server + "/")
    question = page.get_by_label("Your question")
    expect(question).to_be_focused()
    question.fill(PIPELINE)
    question.press("Enter")

    expect(page).to_have_url(re.compile(r"/\?q=How\+many\+kilometres"))
    first = page.locator("#results > li").first
    expect(first.locator(".citation")).to_have_text(citation_text(top["citation"]))
    assert top["citation"]["source"] == "energy/pipeline.md"
    marks = first.locator(".snippet mark").all_text_contents()
    assert "kilometres" in marks and "pipeline" in marks
    snippet, whole, toggle = first.locator(".snippet"), first.locator(".passage"), first.locator(".toggle")
    expect(snippet.locator(".best")).to_have_text(top["best_sentence"]["text"])  # the best sentence, tinted
    assert "kilometres" in snippet.locator(".best mark").all_text_contents()
    assert snippet.text_content().strip("…") in top["text"]  # a piece of the passage, cut with … where it is cut
    expect(whole).to_be_hidden()  # the whole passage is one click away
    expect(toggle).to_have_attribute("aria-expanded", "false")
    toggle.click()
    expect(whole).to_be_visible()
    expect(snippet).to_be_hidden()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    assert whole.text_content() == top["text"]
    expect(whole.locator(".best")).to_have_text(top["best_sentence"]["text"])
    toggle.click()
    expect(snippet).to_be_visible()
    expect(page.locator("#results > li")).to_have_count(len(expected["passages"]))
    expect(page.locator("#health")).to_contain_text(
        f"{health['articles']} articles · {health['passages']} passages · built {health['built_at'][:10]}")
    expect(page).to_have_title(f"{PIPELINE} - qa")

    page.reload()  # the question lives in the address: a reload (or a shared link) shows the same answer
    expect(page.get_by_label("Your question")).to_have_value(PIPELINE)
    expect(page.locator("#results > li").first.locator(".citation")).to_have_text(citation_text(top["citation"]))

    page.locator("#results > li").first.locator(".citation a").click()
    expect(page).to_have_url(re.compile(r"\?doc=energy%2Fpipeline&start=\d+&end=\d+&q=How"))
    cited = page.locator("#cited")
    expect(cited.locator("mark.hit").first).to_be_visible()  # the question's words, marked as in the results
    assert "kilometres" in cited.locator("mark.hit").all_text_contents()
    assert cited.text_content() == top["text"]
    assert in_view(cited)
    expect(page.locator("#doc-title")).to_have_text("The Caspian pipeline opens")
    expect(page.locator("#doc-meta")).to_contain_text(f"energy/pipeline.md · passage {top['citation']['passage']}")
    document = api(server, "/documents/energy/pipeline")
    assert document["text"].endswith(page.locator("#doc-text").text_content())

    page.get_by_role("link", name="Back to results").click()
    expect(page).to_have_url(re.compile(r"/\?q=How\+many\+kilometres"))
    expect(page.locator("#results > li").first.locator(".citation")).to_have_text(citation_text(top["citation"]))


def test_offsets_after_emoji_and_scrolling_to_a_passage_far_down(page: Page, server: str) -> None:
    top = api(server, "/ask", q="quetzalcoatl engine")["passages"][0]
    page.goto(server + "/?q=quetzalcoatl+engine")
    first = page.locator("#results > li").first
    expect(first.locator(".snippet mark").first).to_have_text("quetzalcoatl")  # not shifted by the emoji's units
    assert first.locator(".snippet mark").all_text_contents() == ["quetzalcoatl", "engine"]
    assert first.locator(".passage mark").all_text_contents() == ["quetzalcoatl", "engine"]

    first.locator(".citation a").click()
    cited = page.locator("#cited")
    expect(cited.locator("mark.hit")).to_have_text(["quetzalcoatl", "engine"])
    assert cited.text_content() == top["text"]
    assert page.evaluate("window.scrollY") > 500  # the article was scrolled to the passage near its end
    assert in_view(cited)


def test_article_markup_is_shown_as_text_and_never_runs(page: Page, server: str, requested: list[str]) -> None:
    page.goto(server + "/")
    page.get_by_label("Your question").fill("zanzibar gazette")
    page.keyboard.press("Enter")
    first = page.locator("#results > li").first
    expect(first.locator(".passage")).to_contain_text("<script>window.__xss = 1</script>")
    expect(first.locator(".passage")).to_contain_text('<b>bold</b> words and <img src=x onerror="window.__xss = 2">')
    expect(first.locator(".cite-title")).to_have_text("Markup <i>in</i> the zanzibar gazette")
    assert page.locator("main script, main b, main img, main i").count() == 0
    assert page.evaluate("window.__xss") is None

    first.locator(".citation a").click()
    expect(page.locator("#doc-title")).to_have_text("Markup <i>in</i> the zanzibar gazette")
    expect(page.locator("#doc-text")).to_contain_text("printed <script>window.__xss = 1</script> in a column")
    assert page.locator("main script, main b, main img, main i").count() == 0
    assert page.evaluate("window.__xss") is None
    assert not [url for url in requested if url.endswith("/x")]  # the <img src=x> was never loaded


def test_messages_for_no_match_and_invalid_questions(page: Page, server: str) -> None:
    status = page.locator("#status")
    no_match = api(server, "/ask", q="zyxwvut")
    page.goto(server + "/?q=zyxwvut")
    expect(status).to_have_text("No passage contains any of: zyxwvut.")
    assert no_match["message"] == "No passage contains any of: zyxwvut."
    expect(page.locator("#results > li")).to_have_count(0)
    assert no_match["unknown_terms"] == ["zyxwvut"]
    expect(page.locator("#unknown")).to_be_hidden()  # the message says it already, and there is nothing to offer

    stopwords = api(server, "/ask", q="the of and")
    page.goto(server + "/?q=the+of+and")
    expect(status).to_have_text(stopwords["message"])

    page.get_by_label("Your question").fill("   ")
    page.keyboard.press("Enter")
    expect(status).to_contain_text("The question is empty")
    expect(status).to_have_attribute("aria-live", "polite")
    expect(status).to_have_attribute("role", "status")

    page.goto(server + "/?q=" + "a" * 2001)
    expect(status).to_have_text("This question cannot be asked: the question is 2001 characters long; the limit is "
                                "2000.")  # in words, not the validator's

    page.goto(server + "/?doc=no/such/article")
    expect(status).to_have_text("No article with id “no/such/article”.")


def test_filters_in_the_address_are_applied_said_and_kept(page: Page, server: str) -> None:
    """`/?q=...&source_prefix=space/` answers within the filter, as GET /ask with it does, and says so; every link
    the page makes keeps it (the filters in the address were ignored: unfiltered passages, without a word)."""
    status = page.locator("#status")
    filtered = api(server, "/ask", q="engine fired", source_prefix="space/")
    assert {p["citation"]["source"] for p in filtered["passages"]} == {"space/rockets.txt"}
    page.goto(server + "/?q=engine+fired&source_prefix=space/")
    expect(status).to_contain_text(" · filter source_prefix=space/ · ")
    expect(page.locator("#results > li")).to_have_count(len(filtered["passages"]))
    citation = page.locator("#results .citation a").first
    assert "source_prefix=space%2F" in (citation.get_attribute("href") or "")
    citation.click()
    page.get_by_role("link", name="← Back to results").click()
    expect(status).to_contain_text(" · filter source_prefix=space/ · ")
    page.get_by_label("Your question").fill("gazette")
    page.keyboard.press("Enter")
    outside = api(server, "/ask", q="gazette", source_prefix="space/")
    expect(status).to_have_text(outside["message"])  # the article with it is not under space/
    assert outside["message"] == ("No passage of the articles that match the filter source_prefix=space/ contains "
                                  "any of: gazette.")
    nowhere = api(server, "/ask", q="gazette", source_prefix="nowhere/")
    page.goto(server + "/?q=gazette&source_prefix=nowhere/")
    expect(status).to_have_text(nowhere["message"])
    page.goto(server + "/?q=gazette&date_from=2024-02-30")
    expect(status).to_have_text("This question cannot be asked: query.date_from: '2024-02-30' is not a real date "
                                "(day is out of range for month).")


def test_keyboard_alone_label_focus_order_and_visible_focus(page: Page, server: str) -> None:
    page.goto(server + "/")
    expect(page.get_by_label("Your question")).to_be_focused()
    page.keyboard.type(PIPELINE)
    page.keyboard.press("Enter")
    expect(page.locator("#results > li")).not_to_have_count(0)

    order = []
    for _ in range(5):
        page.keyboard.press("Tab")
        order.append(page.evaluate("(e => e.id || e.className || e.textContent.trim())(document.activeElement)"))
        assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none", order
    assert order[:4] == ["skip", "qa", "q", "Ask"]
    assert order[4].startswith("The Caspian pipeline opens")  # the first result's citation link

    page.keyboard.press("Enter")  # follow the citation
    expect(page.locator("#cited")).to_be_visible()
    for _ in range(5):  # skip link, qa, the question, Ask, then the way back
        page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Back to results")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/\?q=How"))


@pytest.mark.parametrize("address", ["/", "/?q=launch+film+quetzalcoatl", "/?q=pipeline", "/?doc=space/rockets",
                                     "/?doc=energy/pipeline&start=30&end=375&q=pipeline"])
def test_phone_width_has_no_horizontal_scrolling(page: Page, server: str, address: str) -> None:
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(server + address)
    expect(page.locator("#health time")).to_be_visible()
    if address.startswith("/?q="):
        expect(page.locator("#results > li").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    box = page.get_by_role("button", name="Ask").bounding_box()
    assert box is not None and box["x"] + box["width"] <= 360


def test_did_you_mean_offers_the_articles_words_as_links(page: Page, server: str) -> None:
    answer = api(server, "/ask", q="pipline kilometres")
    assert answer["unknown_terms"] == ["pipline"]
    assert answer["suggestions"] == [{"word": "pipline", "did_you_mean": ["pipeline"]}]
    page.goto(server + "/?q=pipline+kilometres")
    unknown = page.locator("#unknown")
    expect(unknown).to_have_text("Not in any article: pipline (did you mean pipeline?)")
    status = page.locator("#status")
    expect(status).to_contain_text("searched for pipline, kilometres")  # the words as asked, not their stems
    unknown.get_by_role("link", name="pipeline").click()
    expect(page).to_have_url(re.compile(r"/\?q=pipeline\+kilometres"))
    expect(page.locator("#results > li").first.locator(".cite-file")).to_have_text("energy/pipeline.md")
    expect(unknown).to_be_hidden()

    nothing = api(server, "/ask", q="pipline")
    assert nothing["message"] == 'No passage contains any of: pipline. Did you mean "pipeline" for "pipline"?'
    page.goto(server + "/?q=pipline")
    expect(status).to_have_text(nothing["message"])
    expect(unknown.get_by_role("link", name="pipeline")).to_be_visible()


def _fonts_drawing(page: Page, selector: str) -> dict[str, int]:
    """The fonts Chromium drew the element's text with, and how many glyphs each (DevTools' CSS domain)."""
    session = page.context.new_cdp_session(page)
    session.send("DOM.enable")
    session.send("CSS.enable")
    root = session.send("DOM.getDocument")["root"]["nodeId"]
    node = session.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    fonts = session.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    session.detach()
    return {font["familyName"]: font["glyphCount"] for font in fonts}


def test_chinese_and_japanese_text_is_drawn_with_a_cjk_font(page: Page, server: str, tmp_path: Path) -> None:
    """A screenshot of results and of the article holding Chinese and Japanese text; each CJK character is drawn
    by a CJK font (fonts-noto-cjk), not as a box (the fallback glyph of a font that lacks it)."""
    page.goto(server + "/?q=Tokyo+Tower+height")
    first = page.locator("#results > li").first
    expect(first.locator(".cite-title")).to_have_text("Towers of Tokyo and Beijing 东京塔和北京")
    first.locator(".toggle").click()
    expect(first.locator(".passage")).to_contain_text("東京タワーの高さは333メートルです。")
    page.screenshot(path=tmp_path / "cjk-results.png")
    assert (tmp_path / "cjk-results.png").stat().st_size > 10_000
    title_fonts = _fonts_drawing(page, "#results > li .cite-title")
    cjk = {name: glyphs for name, glyphs in title_fonts.items() if "CJK" in name}
    assert sum(cjk.values()) == len("东京塔和北京"), title_fonts
    passage_fonts = _fonts_drawing(page, "#results > li .passage")
    cjk_glyphs = sum(1 for char in CJK_ARTICLE.split("\n\n", 1)[1] if "\u3000" <= char <= "\u9fff")
    assert sum(glyphs for name, glyphs in passage_fonts.items() if "CJK" in name) >= cjk_glyphs - 2, passage_fonts

    first.locator(".citation a").click()
    expect(page.locator("#doc-title")).to_have_text("Towers of Tokyo and Beijing 东京塔和北京")
    page.screenshot(path=tmp_path / "cjk-article.png")
    heading = _fonts_drawing(page, "#doc-title")
    assert sum(glyphs for name, glyphs in heading.items() if "CJK" in name) == len("东京塔和北京"), heading


def test_arabic_reads_right_to_left_with_its_language(page: Page, server: str) -> None:
    """Issue 22: an Arabic article's title, passage and article view run right to left (`dir="auto"`) and carry
    `lang="ar"`, while an English result beside them stays left to right."""
    page.goto(server + "/?q=" + "كم كتابا في المكتبة الجديدة")
    first = page.locator("#results > li").first
    expect(first.locator(".cite-title")).to_have_text("افتتاح مكتبة جديدة في الإسكندرية")
    first.locator(".toggle").click()
    for part in (first.locator(".cite-title"), first.locator(".passage")):
        assert part.evaluate("e => [e.dir, e.lang, e.matches(':dir(rtl)')]") == ["auto", "ar", True]
    first.locator(".citation a").click()
    expect(page.locator("#doc-title")).to_have_text("افتتاح مكتبة جديدة في الإسكندرية")
    assert page.locator("#doc-title").evaluate("e => e.matches(':dir(rtl)')")

    page.goto(server + "/?q=Tokyo+Tower+height")
    english = page.locator("#results > li").first.locator(".cite-title")
    expect(english).to_have_text("Towers of Tokyo and Beijing 东京塔和北京")
    assert english.evaluate("e => e.matches(':dir(ltr)')")
