"""practice.html in a real browser (the distribution's Chromium, driven by Playwright): the key's
answers are all marked right, a wrong entry wrong, a fraction or its decimal right; hints come one
step at a time; a reload keeps everything; keyboard only works; nothing is fetched; it prints."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from qgen.practice import PracticeRequest, write_practice

KINDS = ("graph", "jacobian", "gates", "softmax-ce", "mlp", "shapes")
SCREENSHOTS = Path(__file__).resolve().parent.parent / "output" / "practice-page-screenshots"


@pytest.fixture(scope="module")
def page_file(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("html")
    write_practice(PracticeRequest(KINDS, 1, 4, "medium", "exact"), out, formats=("html",))
    return out / "practice.html"


def type_key(section):
    """Every entry's key typed into its box (input events, as typing sends), then every part checked.
    (One call per question: a real keystroke per box would take half a minute for all kinds; the
    keyboard path itself is tested on one question below.)"""
    section.evaluate("""s => {
        for (const i of s.querySelectorAll("input")) { i.value = i.dataset.keyText; i.dispatchEvent(new Event("input")); }
        for (const f of s.querySelectorAll("form.answer")) f.requestSubmit();
    }""")


def verdicts(section) -> list[str]:
    return section.evaluate("s => [...s.querySelectorAll('.verdict')].map(v => v.textContent)")


def test_nothing_is_fetched(page, page_file):
    assert page.requests == [page_file.as_uri()]  # the file itself, nothing after it
    page.wait_for_timeout(200)
    assert page.requests == [page_file.as_uri()]


def test_the_keys_answers_are_all_right_and_a_reload_keeps_them(page):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    sections = page.locator("section.question")
    assert sections.count() == len(KINDS)
    for section in sections.all():
        forms = section.locator("form.answer")
        assert all(f.get_attribute("aria-label").startswith("Answer ") for f in forms.all())
        assert section.locator("input:not([aria-label])").count() == 0  # every box is labelled
        type_key(section)
        assert verdicts(section) == ["\u2713 right"] * forms.count()
        expect(section.locator(".score")).to_have_text(f"Score: {forms.count()} of {forms.count()} answers right")
        section.locator(".next-step").click()
        section.screenshot(path=str(SCREENSHOTS / f"{section.get_attribute('data-kind')}.png"))
    page.reload()
    page.wait_for_selector("#page[data-ready]", state="attached")
    for section in sections.all():
        n = section.locator("form.answer").count()
        expect(section.locator(".score")).to_have_text(f"Score: {n} of {n} answers right")
        assert verdicts(section) == ["\u2713 right"] * n
        assert section.evaluate("s => [...s.querySelectorAll('input')].every(i => i.value === i.dataset.keyText)")


def test_typing_the_key_with_the_keyboard_marks_it_right(page):
    section = page.locator('section[data-kind="softmax-ce"]')
    for form in section.locator("form.answer").all():
        fields = form.locator("input")
        fields.first.focus()
        for i in range(fields.count()):
            page.keyboard.type(fields.nth(i).get_attribute("data-key-text"))
            page.keyboard.press("Tab")
        page.keyboard.press("Enter")  # Tab has reached the Check button
        expect(form.locator(".verdict")).to_have_text("\u2713 right")


def test_a_wrong_entry_is_marked_and_a_fraction_or_its_decimal_is_right(page):
    field = page.locator('input[data-key-text*="/"]').first  # a key asked as a fraction
    form = field.locator("xpath=ancestor::form")
    key = field.get_attribute("data-key-text")
    num, den = map(int, key.split("/"))
    for text, verdict in [(f"{2 * num}/{2 * den}", "right"), (f"{num / den:.2f}", "right"),
                          (f"{-num}/{den}", "wrong"), (f"{num / den + 0.01:.2f}", "wrong")]:
        field.fill(text)
        form.locator(".check").click()
        assert verdict in field.get_attribute("class"), (key, text)
        assert (field.get_attribute("aria-invalid") == "true") == (verdict == "wrong")
    expect(form.locator(".verdict")).to_contain_text("\u2717")
    expect(page.locator(f"#{field.get_attribute('id')}-mark")).to_have_text("\u2717 wrong")
    field.fill("three")
    field.press("Enter")
    expect(page.locator(f"#{field.get_attribute('id')}-mark")).to_have_text("? unreadable")
    message = page.locator(f"#{field.get_attribute('id')}-msg")
    expect(message).to_contain_text("Not a number: write it as 2, -0.25, -3/4")
    assert message.get_attribute("id") in field.get_attribute("aria-describedby")  # the box's own message


def test_hints_come_one_step_at_a_time_and_a_reload_keeps_them(page):
    section = page.locator('section[data-kind="mlp"]')
    steps = section.locator(".step")
    total = steps.count()
    assert total >= 5
    expect(steps.first).to_be_hidden()
    next_step = section.locator(".next-step")
    for shown in (1, 2, 3):
        next_step.focus()
        page.keyboard.press("Enter")
        expect(section.locator(".step:visible")).to_have_count(shown)
        expect(section.locator(".step-count")).to_have_text(f"Step {shown} of {total}")
    page.reload()
    page.wait_for_selector("#page[data-ready]", state="attached")
    expect(section.locator(".step:visible")).to_have_count(3)
    section.locator(".show-solution").click()
    expect(section.locator(".step:visible")).to_have_count(total)
    expect(next_step).to_be_disabled()


def test_tab_goes_from_entry_to_entry_then_to_check(page):
    form = page.locator('section[data-kind="mlp"] form.matrix').first
    fields = form.locator("input")
    fields.first.focus()
    for i in range(1, fields.count()):
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.name") == fields.nth(i).get_attribute("name")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "check"


def test_printing_hides_the_buttons(page):
    page.emulate_media(media="print")
    expect(page.locator("button").first).to_be_hidden()
    expect(page.locator("section.question").first).to_be_visible()


def test_ten_mixed_questions_weigh_at_most_1_mb(browser, tmp_path):
    """The size limit of the issue; the time to open it is measured in bench/html_page.py."""
    write_practice(PracticeRequest(("graph", "gates", "softmax-ce", "mlp", "jacobian"), 2, 9, "hard", "given"),
                   tmp_path, formats=("html",))
    html = tmp_path / "practice.html"
    assert html.stat().st_size <= 1_000_000, html.stat().st_size
    page = browser.new_page()
    page.goto(html.as_uri(), wait_until="load")
    page.wait_for_selector("#page[data-ready]", state="attached")  # the variants are inflated
    assert page.locator("section.question").count() == 10
    page.close()


def test_the_step_counter_agrees_with_the_steps_own_number_and_the_solution_hides(page):
    section = page.locator('section[data-kind="mlp"]')
    for n in (1, 2, 3):
        section.locator(".next-step").click()
        expect(section.locator(".step").nth(n - 1)).to_contain_text(f"Step {n}:")  # the key's own number
        expect(section.locator(".step-count")).to_contain_text(f"Step {n} of ")
    section.locator(".hide-solution").click()
    expect(section.locator(".step:visible")).to_have_count(0)
    expect(section.locator(".hide-solution")).to_be_hidden()


def test_the_diagrams_are_described_for_screen_readers(page):
    graph = page.locator('section[data-kind="graph"] svg[role="img"]').first.get_attribute("aria-label")
    assert graph.startswith("Computational graph with inputs") and " is " in graph and "The output f is" in graph
    network = page.locator('section[data-kind="mlp"] svg[role="img"]').first.get_attribute("aria-label")
    assert network.startswith("Network diagram: input x with") and "layer 1:" in network


def test_shapes_are_asked_as_rows_by_columns(page):
    section = page.locator('section[data-kind="shapes"]')
    expect(section.locator(".how-shape")).to_contain_text("rows in the first box and its number of columns")
    form = section.locator("form.shape").first
    assert [i.get_attribute("aria-label").rsplit(", ", 1)[1] for i in form.locator("input").all()] == ["rows", "columns"]
    expect(form.locator(".dims")).to_have_text("rows × columns")


def test_the_instructions_say_what_the_page_asks(page):
    how = page.locator(".how")
    expect(how).to_contain_text("-3/4")  # an exact page: fractions
    expect(how).not_to_contain_text("-1.2200")
