"""The practice page in the distribution's Chromium through Playwright (no browser downloads,
.ci/install-browser): one way to start the browser and open a page for every browser test."""

from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]


@contextmanager
def chromium(env: dict | None = None):
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, env=env)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def practice_page(browser, path: Path, width: int = 900, height: int = 900):
    """practice.html opened and ready (its variants inflated), every request on page.requests and
    every page error and console error on page.errors."""
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.requests, page.errors = [], []
    page.on("request", lambda r: page.requests.append(r.url))
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
    page.goto(path.as_uri(), wait_until="load")
    page.wait_for_selector("#page[data-ready]", state="attached")
    try:
        yield page
    finally:
        context.close()
