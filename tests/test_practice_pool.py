"""practice.html's "New numbers" in a real browser (Chromium through Playwright): each question
carries its pool of verified variants (their keys in answers.json, checked here against the boxes),
New numbers shows the next with other numbers and accepts its key, the page states how many sets
remain, and a reload restores the variant shown, its answers and its hint rungs (progress is kept
per variant)."""

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from qgen.practice import PracticeRequest, write_practice


@pytest.fixture(scope="module")
def page_file(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("html")
    write_practice(PracticeRequest(("softmax-ce", "mlp"), 1, 8, "easy", "exact", pool=3), out, formats=("html",))
    return out / "practice.html"


@pytest.fixture
def page(page, page_file):
    """conftest's page; afterwards also nothing fetched but the file itself."""
    yield page
    assert set(page.requests) == {page_file.as_uri()}  # the pool is in the file (and a reload): nothing fetched


def boxes(section) -> list[str]:
    return section.evaluate("s => [...s.querySelectorAll('input')].map(i => i.dataset.keyText)")


def test_new_numbers_shows_the_next_variant_whose_key_is_accepted(page, page_file):
    data = json.loads((page_file.parent / "answers.json").read_text())
    section = page.locator("#q2")
    first = boxes(section)
    expect(section.locator(".pool-state")).to_have_text("Numbers 1 of 3: 2 new sets left")
    section.locator(".new-numbers").click()
    expect(section.locator(".pool-state")).to_have_text("Numbers 2 of 3: 1 new set left")
    second = data["pool"][1]["variants"][0]
    expect(section.locator(".variant-code")).to_have_text(second["code"])
    keys = [e["key"] for a in second["answers"] for e in a["entries"]]
    assert boxes(section) == keys != first  # the new variant's own keys, from answers.json
    section.evaluate("s => { for (const i of s.querySelectorAll('input')) { i.value = i.dataset.keyText; "
                     "i.dispatchEvent(new Event('input')); } s.querySelector('.check-all').click(); }")
    n = section.locator("form.answer").count()
    expect(section.locator(".score")).to_have_text(f"Score: {n} of {n} answers right")
    section.locator("form.answer").first.locator(".hint").click()
    page.reload()
    page.wait_for_selector("#page[data-ready]", state="attached")
    expect(section.locator(".variant-code")).to_have_text(second["code"])  # the variant, its answers, its rungs
    expect(section.locator(".score")).to_have_text(f"Score: {n} of {n} answers right")
    expect(section.locator("form.answer").first.locator(".rung:visible")).to_have_count(1)
    section.locator(".new-numbers").click()
    section.locator(".new-numbers").click()  # past the last: the first again, as it was left
    expect(section.locator(".pool-state")).to_have_text("Numbers 1 of 3: 2 new sets left")
    assert boxes(section) == first
    expect(section.locator(".score")).to_have_text(f"Score: 0 of {n} answers right")
