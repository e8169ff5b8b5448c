"""Screenshots of the question page for the README: docs/results.png and docs/document.png.

    .venv/bin/python docs/screenshots.py                 # starts a server on documents/, saves both images
    .venv/bin/python docs/screenshots.py --url http://127.0.0.1:8000   # use a server already running

Needs Debian's Chromium (`apt-get install chromium`, at /usr/bin/chromium) and the `playwright` package
(`pip install -e ".[test]"`); Playwright drives that Chromium and never downloads a browser of its own.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import sync_playwright

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "docs"
QUESTION = "When did Azerbaijan and Turkey sign the Shusha Declaration?"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Headless Chromium that stays quiet on a closed network (no update, sync or background requests).
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def server(documents: Path) -> Iterator[str]:
    """`uvicorn service:app` on a free loopback port over `documents`, with a throwaway index; yields its URL."""
    with tempfile.TemporaryDirectory() as scratch:
        port = free_port()
        env = {**os.environ, "QA_DOCUMENTS": str(documents), "QA_INDEX_DIR": str(Path(scratch) / "index")}
        log = Path(scratch) / "server.log"
        with log.open("w") as sink:
            process = subprocess.Popen([sys.executable, "-m", "uvicorn", "service:app", "--host", "127.0.0.1",
                                        "--port", str(port)], cwd=REPO, env=env, stdout=sink, stderr=sink)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                if process.poll() is not None:
                    raise SystemExit(f"the server exited with {process.returncode}:\n{log.read_text()}")
                try:
                    urllib.request.urlopen(url + "/health", timeout=1)
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise SystemExit(f"the server did not come up within 60 s:\n{log.read_text()}")
                    time.sleep(0.2)
            yield url
        finally:
            process.terminate()
            process.wait(timeout=20)


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
        with server(REPO / "documents") as url:
            take(url, args.out)
    print(f"saved {args.out / 'results.png'} and {args.out / 'document.png'}")


if __name__ == "__main__":
    main()
