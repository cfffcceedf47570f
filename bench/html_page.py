"""The practice page's weight and the time Chromium takes to open it, against an empty page.

    .venv/bin/python bench/html_page.py

Ten mixed questions (graph, gates, softmax-ce, mlp, jacobian; hard, given) with the default pool of
10 variants each (`qgen generate --format html`), opened five times from disk in the distribution's
Chromium; the figures are the medians of the time to the load event and to the page being ready
(every question's variant inflated and set up), beside the load time of an empty page opened in the
same run (the ratio is what to compare: the machines are shared and noisy). Also the time one
"New numbers" takes (inflating and setting up the next variant of the mlp question).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import sync_playwright  # noqa: E402

from qgen.practice import PracticeRequest, write_practice  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]


def load_ms(page, uri: str, runs: int = 5, ready: bool = False) -> tuple[float, float]:
    """Median milliseconds to the load event and (with `ready`) to the page's data-ready mark."""
    loads, readies = [], []
    for _ in range(runs):
        page.goto(uri, wait_until="load")
        if ready:
            page.wait_for_selector("#page[data-ready]", state="attached")
            readies.append(page.evaluate("performance.now()"))
        loads.append(page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd"))
    return statistics.median(loads), statistics.median(readies) if readies else 0.0


def new_numbers_ms(page, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        times.append(page.evaluate("""async () => {
            const s = document.querySelector('section[data-kind="mlp"]');
            const before = s.dataset.code, t = performance.now();
            s.querySelector('.new-numbers').click();
            while (s.dataset.code === before) await new Promise(r => setTimeout(r, 1));
            return performance.now() - t;
        }"""))
    return statistics.median(times)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "set"
        write_practice(PracticeRequest(("graph", "gates", "softmax-ce", "mlp", "jacobian"), 2, 9, "hard", "given"),
                       out, formats=("html",))
        html = out / "practice.html"
        empty = Path(tmp) / "empty.html"
        empty.write_text("<!doctype html><title>empty</title>")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page()
            (base, _), (full, ready) = load_ms(page, empty.as_uri()), load_ms(page, html.as_uri(), ready=True)
            switch = new_numbers_ms(page)
            browser.close()
        print(f"practice.html, 10 questions x 10 variants: {html.stat().st_size / 1e6:.2f} MB")
        print(f"load event: empty page {base:.0f} ms, practice page {full:.0f} ms (median of 5), ratio {full / base:.1f}x")
        print(f"ready (every question inflated and set up): {ready:.0f} ms; New numbers: {switch:.0f} ms (medians)")


if __name__ == "__main__":
    main()
