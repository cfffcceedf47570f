"""practice.html's feedback in a real browser (Chromium through Playwright): no typed or stored value
breaks the page (a huge exponent, a corrupt store), each refusal says how to write the number in the
box's own message, a verdict clears when its box changes, the score counts what the boxes show,
"Check all" and "Reset this question" work, and a wrong transposed ∂L/∂W is named as qgen grade names it."""

import json
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import expect

from qgen.grade.mistakes import TRANSPOSED
from qgen.practice import PracticeRequest, write_practice


@pytest.fixture(scope="module")
def page_file(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("html")
    write_practice(PracticeRequest(("gates", "mlp", "softmax-ce"), 1, 7, "medium", "exact"), out, formats=("html",))
    return out / "practice.html"


def key_of(page_file: Path, kind: str, answer: str) -> np.ndarray:
    """An answer's exact key from answers.json, as an array of Fractions."""
    data = json.loads((page_file.parent / "answers.json").read_text())
    variant = next(v for v in data["variants"] if v["kind"] == kind)
    a = next(a for a in variant["answers"] if a["name"] == answer)
    return np.vectorize(Fraction, otypes=[object])(np.array(a["exact"], dtype=object))


def scalar_box(page):
    return page.locator("section[data-kind='mlp'] form.scalar input").first


@pytest.mark.parametrize("text, words", [("2 1/2", "write 2 1/2 as 5/2"), ("1e99999999999", "exponent is out of range"),
                                          ("1e999999999", "exponent is out of range"), ("0,5", "with a point"),
                                          ("1,000", "without separators"), ("0.5 0.25", "One number per box")])
def test_a_refused_value_says_how_to_write_it_in_its_own_box(page, text, words):
    box = scalar_box(page)
    box.fill(text)
    box.press("Enter")
    box_id = box.get_attribute("id")
    expect(page.locator(f"#{box_id}-mark")).to_have_text("? unreadable")
    expect(page.locator(f"#{box_id}-msg")).to_contain_text(words)
    assert f"{box_id}-msg" in box.get_attribute("aria-describedby")


def test_a_huge_exponent_checked_then_reloaded_leaves_a_working_page(page, page_file):
    box = scalar_box(page)
    box.fill("1e999999999")
    box.press("Enter")
    page.locator("section[data-kind='mlp'] .check-all").click()
    page.reload()
    page.wait_for_selector("#page[data-ready]", state="attached")
    box = scalar_box(page)
    expect(box).to_have_value("")  # an unreadable value is never stored
    box.fill(box.get_attribute("data-key-text"))
    box.press("Enter")
    expect(page.locator(f"#{box.get_attribute('id')}-mark")).to_have_text("\u2713 right")
    assert page.url == page_file.as_uri()


@pytest.mark.parametrize("stored", ['{not json', '{"values": {"x": "1e999999999"}, "checked": 3, "steps": {}}', '[1, 2]'])
def test_a_corrupt_store_is_dropped_with_a_line_saying_so(page, stored):
    key = "qgen-practice:" + page.locator("#page").get_attribute("data-page")
    page.evaluate("([k, v]) => localStorage.setItem(k, v)", [key, stored])
    page.reload()
    page.wait_for_selector("#page[data-ready]", state="attached")
    expect(page.locator("#store-notice")).to_contain_text("could not be read")
    now = page.evaluate("k => localStorage.getItem(k)", key)
    assert now is None or json.loads(now)["values"] == {}
    box = scalar_box(page)
    box.fill(box.get_attribute("data-key-text"))
    box.press("Enter")
    expect(page.locator(f"#{box.get_attribute('id')}-mark")).to_have_text("\u2713 right")


def test_an_unreadable_stored_value_is_dropped_and_the_rest_kept(page):
    key = "qgen-practice:" + page.locator("#page").get_attribute("data-page")
    box = scalar_box(page)
    code = page.locator("section[data-kind='mlp']").get_attribute("data-code")
    name = box.get_attribute("name")
    stored = {"values": {f"{code}/{name}": "1e999999999", "other/x": "3/4"}, "checked": {}, "steps": {}}
    page.evaluate("([k, v]) => localStorage.setItem(k, v)", [key, json.dumps(stored)])
    page.reload()
    page.wait_for_selector("#page[data-ready]", state="attached")
    expect(page.locator("#store-notice")).to_have_text("1 saved answer could not be read and was dropped.")
    expect(box).to_have_value("")


def test_the_verdict_clears_when_the_box_changes_and_the_score_counts_the_boxes(page):
    section = page.locator("section[data-kind='softmax-ce']")
    forms = section.locator("form.answer")
    section.evaluate("s => { for (const i of s.querySelectorAll('input')) { i.value = i.dataset.keyText; "
                     "i.dispatchEvent(new Event('input')); } }")
    section.locator(".check-all").click()  # every part of the question at once
    n = forms.count()
    expect(section.locator(".score")).to_have_text(f"Score: {n} of {n} answers right")
    box = forms.first.locator("input").first
    box.press("End")
    page.keyboard.type("9")
    expect(page.locator(f"#{box.get_attribute('id')}-mark")).to_have_text("")
    expect(forms.first.locator(".verdict")).to_have_text("")
    expect(section.locator(".score")).to_have_text(f"Score: {n - 1} of {n} answers right")
    section.locator(".reset").click()
    expect(section.locator(".score")).to_have_text(f"Score: 0 of {n} answers right")
    assert section.evaluate("s => [...s.querySelectorAll('input')].every(i => i.value === '')")


def test_a_transposed_weight_gradient_is_named(page, page_file):
    """x δᵀ read row by row into W's boxes (the test's own computation from the key δxᵀ): named as
    qgen grade names it; the boxes it leaves right stay right."""
    section = page.locator("section[data-kind='mlp']")
    for name in ("dL/dW1", "dL/dW2"):
        key = key_of(page_file, "mlp", name)
        swapped = key.T.reshape(key.shape)
        if (swapped != key).any():
            break
    else:
        pytest.fail("no weight gradient whose transpose reads differently")
    form = section.locator(f'form[data-answer="{name}"]')
    for box, value in zip(form.locator("input").all(), swapped.reshape(-1)):
        box.fill(f"{value.numerator}/{value.denominator}")
    form.locator(".check").click()
    expect(form.locator(".verdict")).to_contain_text(f"This looks like a named mistake: {TRANSPOSED}.")
    wrong = int((swapped != key).sum())
    expect(form.locator(".mark.wrong")).to_have_count(wrong)
