"""practice.html draws its math with its own font (a subset of Latin Modern Math carried in the page,
built by qgen/math_font.py): in Chromium on a machine with only the DejaVu and Liberation fonts, a
formula with ∂, δ and η looks exactly as it does with every font of this machine installed (where
Latin Modern Math itself is present), and the page's font holds those characters."""

import os
import subprocess
from pathlib import Path

import pytest
from browser import chromium

from qgen.practice import PracticeRequest, write_practice

SCREENSHOTS = Path(__file__).resolve().parent.parent / "output" / "practice-page-screenshots"
FEW_FONTS = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <dir>/usr/share/fonts/truetype/dejavu</dir>
  <dir>/usr/share/fonts/truetype/liberation</dir>
  <selectfont><rejectfont><glob>*/DejaVuMath*</glob></rejectfont></selectfont>
  <cachedir>{cache}</cachedir>
  {includes}
</fontconfig>
"""


def few_fonts_config(tmp_path: Path) -> Path:
    """This machine's fontconfig rules (rendering, aliases) with only the DejaVu and Liberation text
    fonts (DejaVu's math font left out): every rule file that adds no font folder is kept."""
    rules = sorted(p for p in Path("/etc/fonts/conf.d").glob("*.conf") if "<dir" not in p.read_text(errors="ignore"))
    config = tmp_path / "fonts.conf"
    config.write_text(FEW_FONTS.format(cache=tmp_path / "cache",
                                       includes="\n  ".join(f"<include ignore_missing=\"yes\">{p}</include>" for p in rules)))
    return config


@pytest.fixture(scope="module")
def page_file(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("html")
    write_practice(PracticeRequest(("gates",), 1, 3, "easy", "exact", pool=1), out, formats=("html",))
    return out / "practice.html"


def formula_shot(page_file: Path, env: dict | None) -> tuple[bytes, list[float], bool]:
    """A screenshot of ∂, δ and η as the page's MathML draws them, the width of each of its glyphs,
    and whether the page's own font holds them."""
    with chromium(env) as browser:
        page = browser.new_page(viewport={"width": 900, "height": 900})
        page.goto(page_file.as_uri(), wait_until="load")
        page.wait_for_selector("#page[data-ready]", state="attached")
        page.evaluate("""async () => {
            const probe = document.createElement('div');
            probe.id = 'probe';
            probe.style.cssText = 'position:fixed;left:0;top:0;font-size:40px;background:#fff;padding:4px';
            probe.innerHTML = '<math><mi>\u2202</mi><mi>\u03b4</mi><mi>\u03b7</mi><mo>=</mo><mi>W</mi></math>';
            document.body.append(probe);
            await document.fonts.ready;
        }""")
        shot = page.locator("#probe").screenshot()
        widths = page.evaluate("[...document.querySelectorAll('#probe mi, #probe mo')].map(e => e.getBoundingClientRect().width)")
        holds = page.evaluate("""async () => { await document.fonts.load('20px "qgen math"', '\u2202\u03b4\u03b7');
            return document.fonts.check('20px "qgen math"', '\u2202\u03b4\u03b7') &&
                   [...document.fonts].some(f => f.family.replace(/"/g, '') === 'qgen math' && f.status === 'loaded'); }""")
    return shot, widths, holds


def test_math_looks_the_same_with_only_dejavu_and_liberation(page_file, tmp_path):
    config = few_fonts_config(tmp_path)
    few, few_widths, few_holds = formula_shot(page_file, {"FONTCONFIG_FILE": str(config), "HOME": str(tmp_path)})
    full, full_widths, full_holds = formula_shot(page_file, None)
    assert few_holds and full_holds
    listed = subprocess.run(["fc-list"], env={**os.environ, "FONTCONFIG_FILE": str(config)},
                            capture_output=True, text=True).stdout
    assert "DejaVu Sans" in listed and "Liberation" in listed and "Math" not in listed  # no math font at all
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / "math-font-dejavu-liberation-only.png").write_bytes(few)
    (SCREENSHOTS / "math-font-all-fonts.png").write_bytes(full)
    assert len(few_widths) == 5 and all(w > 10 for w in few_widths)  # every glyph drawn, none empty
    assert few_widths == pytest.approx(full_widths, abs=0.01)  # the same font's glyphs on both machines
