"""practice.html's hint ladder and practice record in a real browser (Chromium through Playwright):
the first hint of every part shows the rule and no number of its key; an earlier answer's numbers
show only once the student has that answer; the last rung is the part's solution; a reload keeps
the rungs; answers right first time, after retries, after hints and revealed are counted apart."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from qgen.practice import PracticeRequest, write_practice

KINDS = ("graph", "jacobian", "gates", "softmax-ce", "mlp", "shapes")


@pytest.fixture(scope="module")
def page_file(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("html")
    write_practice(PracticeRequest(KINDS, 1, 4, "medium", "given"), out, formats=("html",))
    return out / "practice.html"


def test_the_first_hint_of_every_part_is_the_rule_without_numbers(page):
    """Rung 1 is symbols only: no digit of any key of its part, nor any number at all but indices."""
    firsts = page.evaluate("""() => [...document.querySelectorAll('form.answer')].map(f => {
        f.querySelector('.hint').click();
        const shown = [...f.querySelectorAll('.rung')].filter(r => !r.hidden);
        const numbers = shown.flatMap(r => [...r.querySelectorAll('mn')].map(m => m.textContent));
        const words = shown.map(r => { const c = r.cloneNode(true); c.querySelectorAll('math').forEach(m => m.remove());
                                       return c.textContent; }).join(' ');
        return {part: f.id, shown: shown.length, text: shown.map(r => r.textContent).join(' '), numbers, words,
                keys: [...f.querySelectorAll('input')].map(i => i.dataset.keyText)};
    })""")
    assert len(firsts) > 40
    for f in firsts:
        assert f["shown"] == 1, f["part"]
        assert "Rule" in f["text"], f["part"]
        numbers = f["numbers"] + re.findall(r"\d+(?:[./]\d+)?", f["words"])
        assert all(n in ("1", "2", "0") for n in numbers), (f["part"], numbers)  # ½, Σ indices, ReLU′(0)
        decimals = [k for k in f["keys"] if k not in ("0", "1", "2")]
        assert not any(k in f["text"] for k in decimals), f["part"]


def test_an_earlier_answer_shows_only_once_the_student_has_it(page):
    form = page.locator('section[data-kind="mlp"] form[data-answer="a1"]')
    for _ in range(3):
        form.locator(".hint").click()
    needs = form.locator("li[data-needs]").first
    needed = page.locator("#" + needs.get_attribute("data-needs"))
    expect(needs.locator(".value")).to_be_hidden()
    expect(needs.locator(".locked")).to_be_visible()
    for box in needed.locator("input").all():
        box.fill(box.get_attribute("data-key-text"))
    needed.locator(".check").click()
    expect(needs.locator(".value")).to_be_visible()
    expect(needs.locator(".locked")).to_be_hidden()
    form.locator(".hint").click()  # the last rung: the part's solution
    expect(form.locator(".rung.solution")).to_be_visible()
    expect(form.locator(".hint")).to_be_disabled()
    page.reload()
    page.wait_for_selector("#page[data-ready]", state="attached")
    expect(form.locator(".rung:visible")).to_have_count(4)
    expect(form.locator(".rung.solution")).to_be_visible()


def test_answers_are_counted_apart_by_how_they_came(page):
    section = page.locator('section[data-kind="softmax-ce"]')
    forms = section.locator("form.answer").all()
    assert len(forms) >= 2

    def answer(form, text=None):
        for box in form.locator("input").all():
            box.fill(text or box.get_attribute("data-key-text"))
        form.locator(".check").click()

    answer(forms[0])  # right first time
    forms[1].locator(".hint").click()
    answer(forms[1], "12345")  # wrong after a hint, then right: after hints
    answer(forms[1])
    row = page.locator("#summary tbody tr", has_text="softmax-ce")
    cells = row.locator("td").all_text_contents()
    assert cells[:5] == ["softmax-ce", "1", "0", "1", "0"], cells
    expect(page.locator("#summary .next")).to_contain_text("Practise next: softmax-ce")
    page.reload()
    page.wait_for_selector("#page[data-ready]", state="attached")
    assert row.locator("td").all_text_contents()[:5] == ["softmax-ce", "1", "0", "1", "0"]
