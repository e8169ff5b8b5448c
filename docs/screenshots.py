"""Screenshots for the README: the question page (docs/results.png, docs/document.png) and `qa ask` in a
terminal 100 columns wide (docs/terminal.png).

    .venv/bin/python docs/screenshots.py                 # starts a server on documents/, saves the three images
    .venv/bin/python docs/screenshots.py --url http://127.0.0.1:8000   # use a server already running

The terminal picture is what `qa ask` prints on a terminal (`qa.cli.render`, ANSI styles), recorded by rich and
exported as SVG, then drawn by Chromium.

Needs Debian's Chromium (`apt-get install chromium`, at /usr/bin/chromium) and the `playwright` package
(`pip install -e ".[test]"`); Playwright drives that Chromium and never downloads a browser of its own.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
# The browser tests' Chromium and server: the screenshots show the page those tests check.
from tests.test_browser import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.test_server import UVICORN, running  # noqa: E402

DOCS = REPO / "docs"
QUESTION = "When did Azerbaijan and Turkey sign the Shusha Declaration?"


def take(url: str, out: Path) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1000, "height": 820})
        page.goto(url + "/")
        page.get_by_label("Your question").fill(QUESTION)
        page.keyboard.press("Enter")
        page.locator(".result").first.wait_for()
        page.locator("#health time").wait_for()
        page.screenshot(path=out / "results.png")
        page.locator(".citation a").first.click()
        page.locator("#cited mark").first.wait_for()
        page.wait_for_timeout(200)  # let scrollIntoView settle
        page.screenshot(path=out / "document.png")
        browser.close()


def terminal(out: Path) -> None:
    """docs/terminal.png: `qa ask QUESTION` on a 100-column terminal, over documents/."""
    from rich.text import Text

    from qa.cli.render import answer_texts, make_console
    from qa.collection import Collection

    with tempfile.TemporaryDirectory() as scratch:
        answer = Collection(REPO / "documents", Path(scratch) / "index").ask(QUESTION)
    console = make_console(True, 100, record=True)
    console.print(Text(f'$ qa ask "{QUESTION}"', style="bold green"), soft_wrap=True)
    for text in answer_texts(answer, 100):
        console.print(text, soft_wrap=True)
    svg = out / "terminal.svg"
    svg.write_text(console.export_svg(title="qa ask"), encoding="utf-8")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1000, "height": 700})
            page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:")
                       else route.abort())  # rich's SVG names a web font: draw with a local one instead
            page.goto(svg.as_uri())
            page.locator("svg").screenshot(path=out / "terminal.png")
            browser.close()
    finally:
        svg.unlink()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running qa server (default: start one on documents/)")
    parser.add_argument("--out", type=Path, default=DOCS, help="folder for the PNG files (default: docs/)")
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"{CHROMIUM} not found: apt-get install chromium (or set CHROMIUM to its path)")
    args.out.mkdir(parents=True, exist_ok=True)
    if args.url:
        take(args.url.rstrip("/"), args.out)
    else:
        with tempfile.TemporaryDirectory() as scratch, running(UVICORN, Path(scratch), REPO / "documents") as url:
            take(url, args.out)
    terminal(args.out)
    print(f"saved {args.out / 'results.png'}, {args.out / 'document.png'} and {args.out / 'terminal.png'}")


if __name__ == "__main__":
    main()
