"""practice.html on a phone: at 360 px no page scrolls sideways, for every kind in every number
mode, with the whole worked solution shown and every box checked (a wide table, matrix or formula
scrolls inside its own box). Measured in Chromium through Playwright; screenshots kept. The
instructions of each mode's page say what it asks."""

from pathlib import Path

import pytest

from qgen.practice import PracticeRequest, write_practice

KINDS = ("graph", "jacobian", "gates", "softmax-ce", "mlp", "shapes")
SCREENSHOTS = Path(__file__).resolve().parent.parent / "output" / "practice-page-screenshots"


@pytest.mark.parametrize("mode", ["exact", "given", "calculator"])
def test_no_page_is_wider_than_a_phone(browser, tmp_path, mode):
    write_practice(PracticeRequest(KINDS, 1, 5, "hard", mode), tmp_path, formats=("html",))
    page = browser.new_page(viewport={"width": 360, "height": 800})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto((tmp_path / "practice.html").as_uri(), wait_until="load")
    page.wait_for_selector("#page[data-ready]", state="attached")  # the variants are inflated
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # as it opens
    how = page.locator(".how").text_content()  # the instructions say what this mode asks
    assert ("-3/4" in how, "-1.2200" in how) == (mode == "exact", mode != "exact")
    kinds = page.evaluate("""() => {
        for (const s of document.querySelectorAll('section.question')) {
            s.querySelectorAll('input').forEach((i, n) => { i.value = n % 2 ? i.dataset.keyText : '2 1/2'; i.dispatchEvent(new Event('input')); });
            s.querySelector('.check-all').click();
            s.querySelector('.show-solution').click();
            for (const h of s.querySelectorAll('.hint')) for (let k = 0; k < 4; k++) h.click();  // every rung
        }
        return [...document.querySelectorAll('section.question')].map(s => s.dataset.kind);
    }""")
    assert sorted(kinds) == sorted(KINDS)
    widths = page.evaluate("""() => [...document.querySelectorAll('section.question')].map(s =>
        [s.dataset.kind, s.scrollWidth, s.clientWidth])""")  # what overflows a scroll box stays in it
    assert [w for w in widths if w[1] > w[2]] == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"phone-{mode}.png"), clip={"x": 0, "y": 0, "width": 360, "height": 2400})
    assert errors == []
    page.close()
