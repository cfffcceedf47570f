"""practice.html's choice answers (concepts) in a real browser (Chromium through Playwright): one
radio button per option labelled with the sheet's text, chosen with the mouse or the keyboard,
checked right or wrong (the right option recomputed here by hand from the printed numbers), a wrong
option named with the mistake it stands for in qgen grade's words, kept across a reload, reset,
hinted, with New numbers; hostile stored values never break it; it fits 360 px and prints its
options without buttons. Screenshots are kept in output/practice-page-screenshots/."""

import json
from fractions import Fraction as F
from pathlib import Path

import pytest
from playwright.sync_api import expect

from qgen.grade.choices import mistake_name
from qgen.practice import PracticeRequest, write_practice

SCREENSHOTS = Path(__file__).resolve().parent.parent / "output" / "practice-page-screenshots"


@pytest.fixture(scope="module")
def page_file(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("html")
    write_practice(PracticeRequest(("concepts", "softmax-ce"), 3, 1, "medium", "exact", pool=2), out, formats=("html",))
    return out / "practice.html"


def variant(page_file: Path, template: str) -> dict:
    data = json.loads((page_file.parent / "answers.json").read_text())
    return next(v for v in data["variants"] if v["parameters"].get("template") == template)


def section_of(page, v: dict):
    return page.locator(f"#q{v['question']}")


def choose(section, number: int):
    section.locator(f"input[type=radio][value='{number}']").check()
    section.locator("form.answer .check").click()


def hand_mul_swap(p: dict) -> tuple[int, int]:
    """q = xy, upstream g: ∂L/∂x = g·y (right) and g·x (the swap left out), as option numbers."""
    x, y, g = (F(p[k]) for k in ("x", "y", "g"))
    shown = [F(o) for o in p["options"]]
    return shown.index(g * y) + 1, shown.index(g * x) + 1


def test_each_option_is_a_radio_labelled_with_the_sheets_text(page, page_file):
    v = variant(page_file, "mul_swap")
    section = section_of(page, v)
    group = section.locator("fieldset.choices")
    expect(group.locator("legend")).to_have_text("Choose one option")
    radios = section.get_by_role("radio")
    expect(radios).to_have_count(len(v["parameters"]["options"]))
    for k, value in enumerate(v["parameters"]["options"], start=1):  # in the shown order, as the sheet lists them
        label = section.get_by_role("radio", name=f"({k})")
        expect(label).to_have_count(1)
        text = section.locator(f"label[for$='-o{k}']").text_content().replace("\u2212", "-")
        assert text.replace(" ", "") == f"({k}){value}"
    tf = section_of(page, variant(page_file, "sgd_direction"))
    assert [t.strip() for t in tf.locator(".option-text").all_text_contents()] == ["true", "false"]
    vec = section_of(page, variant(page_file, "activation_dx"))
    expect(vec.locator("label.option math")).to_have_count(4)  # each vector option as MathML
    # the body no longer lists the options: the radio buttons are the list
    assert "Answer with the number" not in section.locator(".body").text_content()


def test_the_right_option_is_right_and_a_wrong_one_names_its_mistake(page, page_file):
    v = variant(page_file, "mul_swap")
    section = section_of(page, v)
    right, swap = hand_mul_swap(v["parameters"])
    assert v["answers"][0]["exact"] == str(right)
    choose(section, swap)
    verdict = section.locator("form.answer .verdict")
    expect(verdict).to_have_text(f"\u2717 wrong: option {swap} is not the right one. It stands for a named mistake: "
                                 f"{mistake_name('mul_swap', 'no_swap')}.")
    expect(section.locator("fieldset.choices")).to_have_attribute("aria-invalid", "true")
    choose(section, right)
    expect(verdict).to_have_text("\u2713 right")
    expect(section.locator(".score")).to_have_text("Score: 1 of 1 answers right")


def test_true_or_false_by_hand(page, page_file):
    """w ← w − η(ŷ − y)x: w_j increases exactly when (ŷ − y)x_j < 0 (option 1 is "true")."""
    v = variant(page_file, "sgd_direction")
    p = v["parameters"]
    w, x = [F(t) for t in p["w"]], [F(t) for t in p["x"]]
    residual = sum(a * b for a, b in zip(w, x)) - F(p["y"])
    right = 1 if residual * x[p["j"] - 1] < 0 else 2
    section = section_of(page, v)
    choose(section, 3 - right)
    expect(section.locator(".verdict")).to_contain_text(mistake_name("sgd_direction", "sign"))
    choose(section, right)
    expect(section.locator(".verdict")).to_have_text("\u2713 right")


def test_the_keyboard_alone_chooses_and_checks(page, page_file):
    v = variant(page_file, "activation_dx")
    p = v["parameters"]
    x, g = [F(t) for t in p["x"]], [F(t) for t in p["g"]]
    want = [gi * (1 if xi > 0 else F(p["alpha"])) for xi, gi in zip(x, g)]  # Diag[f'(x)] g
    right = [[F(t) for t in o] for o in p["options"]].index(want) + 1
    section = section_of(page, v)
    section.locator("input[type=radio]").first.focus()
    page.keyboard.press("Space")
    for _ in range(right - 1):
        page.keyboard.press("ArrowDown")
    assert section.locator("input[type=radio]:checked").get_attribute("value") == str(right)
    page.keyboard.press("Enter")
    expect(section.locator(".verdict")).to_have_text("\u2713 right")


def test_a_choice_is_kept_across_a_reload_and_reset_clears_it(page, page_file):
    v = variant(page_file, "mul_swap")
    section = section_of(page, v)
    right, swap = hand_mul_swap(v["parameters"])
    choose(section, swap)
    page.reload()
    page.wait_for_selector("#page[data-ready]", state="attached")
    expect(section.locator(f"input[value='{swap}']")).to_be_checked()
    expect(section.locator(".verdict")).to_contain_text("It stands for a named mistake")  # the check is kept too
    section.locator(".reset").click()
    expect(section.locator("input[type=radio]:checked")).to_have_count(0)
    expect(section.locator(f"input[value='{right}']")).to_have_attribute("value", str(right))  # options intact
    section.locator(".check-all").click()  # nothing chosen: nothing checked
    expect(section.locator(".verdict")).to_have_text("")
    section.locator("form.answer .check").click()
    expect(section.locator(".verdict")).to_have_text("Nothing to check yet: choose one of the options.")


@pytest.mark.parametrize("stored", ["9", "0", "-1", "1e999999999", "2 1/2", "<b>1</b>"])
def test_a_hostile_stored_choice_never_breaks_the_page(page, page_file, stored):
    v = variant(page_file, "mul_swap")
    section = section_of(page, v)
    key = "qgen-practice:" + page.locator("#page").get_attribute("data-page")
    code = section.get_attribute("data-code")
    state = {"values": {f"{code}/option": stored}, "checked": {f"{code}/option": True}, "steps": {}}
    page.evaluate("([k, v]) => localStorage.setItem(k, v)", [key, json.dumps(state)])
    page.reload()
    page.wait_for_selector("#page[data-ready]", state="attached")
    expect(section.locator("input[type=radio]:checked")).to_have_count(0)  # no option has that number
    expect(section.locator(".verdict")).to_have_text("")  # and nothing was checked
    expect(section.locator("input[type=radio]")).to_have_count(4)
    right, _ = hand_mul_swap(v["parameters"])
    choose(section, right)
    expect(section.locator(".verdict")).to_have_text("\u2713 right")


def test_the_hint_ladder_gives_the_rule_then_the_option(page, page_file):
    v = variant(page_file, "mul_swap")
    form = section_of(page, v).locator("form.answer")
    form.locator(".hint").click()
    expect(form.locator(".rule-row")).to_have_text("Multiply gate")
    expect(form.locator(".hint")).to_have_text("Show solution")
    form.locator(".hint").click()
    right, _ = hand_mul_swap(v["parameters"])
    expect(form.locator(".rung.solution")).to_be_visible()
    solution = form.locator(".rung.solution").text_content().replace("\u2212", "-")
    assert solution.replace(" ", "") == f"Solution:option({right}):{v['parameters']['options'][right - 1]}"


def test_new_numbers_gives_radio_buttons_whose_key_is_right(page, page_file):
    data = json.loads((page_file.parent / "answers.json").read_text())
    v = variant(page_file, "activation_dx")
    section = section_of(page, v)
    section.locator(".new-numbers").click()
    other = data["pool"][v["question"] - 1]["variants"][0]
    expect(section.locator(".variant-code")).to_have_text(other["code"])
    expect(section.locator("input[type=radio]")).to_have_count(len(other["parameters"]["options"]))
    choose(section, int(other["answers"][0]["exact"]))
    expect(section.locator(".verdict")).to_have_text("\u2713 right")


def test_a_phone_and_print(browser, page_file):
    page = browser.new_page(viewport={"width": 360, "height": 800})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(page_file.as_uri(), wait_until="load")
    page.wait_for_selector("#page[data-ready]", state="attached")
    v = variant(page_file, "activation_dx")
    section = section_of(page, v)
    wrong = v["parameters"]["mistakes"].index("f_for_fprime") + 1
    choose(section, wrong)
    expect(section.locator(".verdict")).to_contain_text(mistake_name("activation_dx", "f_for_fprime"))
    section.locator("form.answer .hint").click()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    widths = page.evaluate("() => [...document.querySelectorAll('section.question')].map(s => s.scrollWidth - s.clientWidth)")
    assert max(widths) <= 0
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    section.screenshot(path=str(SCREENSHOTS / "phone-choice.png"))
    page.emulate_media(media="print")
    assert section.locator("form.answer .check").is_hidden() and section.locator(".hint").is_hidden()
    expect(section.locator("label.option")).to_have_count(4)
    assert all(section.locator("label.option").nth(k).is_visible() for k in range(4))
    expect(section.locator(f"input[value='{wrong}']")).to_be_checked()
    section.screenshot(path=str(SCREENSHOTS / "print-choice.png"))
    assert errors == []
    page.close()
