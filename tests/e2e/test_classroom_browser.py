"""The explorer projected in a classroom: JupyterLab at 1400 x 900 with the file browser open.

The key numbers and the t column stay in view after the model changes; pins carry names a room
can read and can be renamed; the model can be copied as code; a step back restores the previous
model; a group can be selected with the keyboard alone.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from science_explorer import BOTH, explorer_cells
from test_explorer import wait_for_fit

SCHOOL_ONLY = "like ~ sex + PrivPub + (1 | school)"
SLOPE = "like ~ sex + PrivPub + (1 + sex | school:class)"

INPUT = '[data-testid="formula-input"]'
FIXED = '[data-testid="fixed-table"]'
VARIANCE = '[data-testid="variance-table"]'
KEYS = '[data-testid="key-numbers"]'
SEEN = ".e2e-selected"  # a Label showing Python's w.selected
FITS = ".e2e-fits"  # a Label showing how many fits Python has shown (the current fit's id)
VIEWPORT = {"width": 1400, "height": 900}

NOTEBOOK_CELLS = explorer_cells(
    "import ipywidgets\n"
    'seen = ipywidgets.Label(value="selected: None")\n'
    "seen.add_class('e2e-selected')\n"
    "w.observe(lambda change: setattr(seen, 'value', f\"selected: {change['new']}\"), 'selected')\n"
    "seen",
    "count = lambda: (w.current or {}).get('id', 0)\n"
    'fits = ipywidgets.Label(value=f"fits: {count()}")\n'
    "fits.add_class('e2e-fits')\n"
    "w.observe(lambda change: setattr(fits, 'value', f'fits: {count()}'), 'current')\n"
    "fits",
)

# Bounding boxes (viewport coordinates) of what must be fully visible: the key-numbers strip,
# every cell of the fixed-effects table's t column and the variance table's Corr column, the
# panels that hold them, and the viewport.
_BOXES_JS = """
() => {
  const box = (el) => {
    const r = el.getBoundingClientRect();
    return {left: r.left, right: r.right, top: r.top, bottom: r.bottom};
  };
  const column = (table, label) => {
    const heads = [...table.querySelectorAll('thead th')].map(th => th.textContent.trim());
    const i = heads.indexOf(label);
    if (i < 0) return [];
    return [table.querySelector('thead tr').children[i], ...[...table.querySelectorAll('tbody tr')]
      .filter(tr => tr.children.length > i).map(tr => tr.children[i])];
  };
  const fixed = document.querySelector('[data-testid="fixed-table"]');
  const variance = document.querySelector('[data-testid="variance-table"]');
  const panel = fixed.closest('.mw-panel');
  return {
    keys: box(document.querySelector('[data-testid="key-numbers"]')),
    keysText: document.querySelector('[data-testid="key-numbers"]').textContent,
    widget: box(document.querySelector('.mixwidget')),
    panel: box(panel),
    t: column(fixed, 't value').map(box),
    corr: variance ? column(variance, 'Corr').map(box) : [],
    corrText: variance ? column(variance, 'Corr').map(c => c.textContent.trim()) : [],
    viewport: {left: 0, top: 0, right: window.innerWidth, bottom: window.innerHeight},
  };
}
"""


def _inside(inner: dict, outer: dict, slack: float = 0.5) -> bool:
    return (inner["left"] >= outer["left"] - slack and inner["right"] <= outer["right"] + slack
            and inner["top"] >= outer["top"] - slack and inner["bottom"] <= outer["bottom"] + slack)


def shot(page, name: str) -> None:
    """Keep a screenshot when E2E_ARTIFACTS_DIR is set (to look at the layout)."""
    folder = os.environ.get("E2E_ARTIFACTS_DIR")
    if folder:
        page.screenshot(path=str(Path(folder) / f"classroom-{name}.png"))


def assert_key_numbers_and_t_visible(page, with_corr: bool = False) -> dict:
    # Bring the fixed-effects table into view; the key-numbers strip stays at the top.
    page.locator(FIXED).evaluate("(el) => el.scrollIntoView({block: 'end'})")
    page.wait_for_timeout(300)
    b = page.evaluate(_BOXES_JS)
    assert b["t"], "no t value column"
    for cell in b["t"]:
        assert _inside(cell, b["panel"]), f"t cell {cell} sticks out of its panel {b['panel']}"
        assert _inside(cell, b["viewport"]), f"t cell {cell} is outside the window"
    assert _inside(b["keys"], b["viewport"]), f"key numbers {b['keys']} not in the window"
    assert _inside(b["keys"], b["widget"]), "key numbers outside the widget"
    if with_corr:
        assert b["corr"] and any(re.fullmatch(r"-?\d\.\d\d", t) for t in b["corrText"]), b["corrText"]
        for cell in b["corr"]:
            assert _inside(cell, b["panel"]), f"Corr cell {cell} sticks out of its panel"
    return b


def open_classroom(page, lab_notebook, notebook) -> None:
    page.set_viewport_size(VIEWPORT)
    lab_notebook(notebook.name, wait_for=FIXED)
    if not page.locator("#filebrowser").is_visible():
        page.evaluate("() => window.jupyterapp.commands.execute('filebrowser:toggle-main')")
    page.locator("#filebrowser").wait_for(state="visible")
    wait_for_fit(page, BOTH, timeout_ms=60000)


@pytest.fixture(scope="module")
def classroom_notebook(write_notebook):
    return write_notebook("classroom", NOTEBOOK_CELLS)


def test_key_numbers_and_t_column_stay_in_view(classroom_notebook, lab_notebook, page, console, cell_stderr):
    from playwright.sync_api import expect

    open_classroom(page, lab_notebook, classroom_notebook)
    keys = page.locator(KEYS)
    expect(keys).to_contain_text("PrivPubpublic t 2.217")
    expect(keys).to_contain_text("OLS 3.759")
    expect(keys).to_contain_text("school:class share 9.5%")
    expect(keys).to_contain_text("SE ratio OLS/mixed 0.57")

    page.locator('[data-testid="variant-button"]', has_text="Drop (1 | school:class)").click()
    wait_for_fit(page, SCHOOL_ONLY)
    expect(keys).to_contain_text("PrivPubpublic t 2.250 (was 2.217; OLS 3.759)")
    b = assert_key_numbers_and_t_visible(page)
    shot(page, "dropped-class")
    assert "2.250" in b["keysText"]

    box = page.locator(INPUT)
    box.fill(SLOPE)
    box.press("Enter")
    expect(page.locator(f'{VARIANCE} tr[data-term="sexm"]').first).to_be_visible(timeout=60000)
    expect(page.locator('[data-testid="fit-status"]')).to_contain_text("done")
    assert_key_numbers_and_t_visible(page, with_corr=True)
    shot(page, "random-slope")
    assert cell_stderr() == []
    console.assert_no_errors()


def test_pins_code_undo_and_keyboard_selection(classroom_notebook, lab_notebook, page, console, cell_stderr):
    from playwright.sync_api import expect

    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    open_classroom(page, lab_notebook, classroom_notebook)

    # Pins are named by their random part; the names head the table and the tests.
    page.locator('[data-testid="pin-button"]').click()
    names = page.locator('[data-testid="pin-name"]')
    expect(names).to_have_text(["school + class"])
    page.locator('[data-testid="variant-button"]', has_text="Drop (1 | school:class)").click()
    wait_for_fit(page, SCHOOL_ONLY)
    page.locator('[data-testid="pin-button"]').click()
    expect(names).to_have_text(["school + class", "school only"])
    lrt = page.locator('[data-testid="lrt-row"]')
    expect(lrt).to_have_count(1)
    expect(lrt.first.locator("th")).to_have_text("school + class vs school only")
    # The test says it used ML fits, shows their log-likelihoods and the boundary p-value.
    expect(page.locator('[data-testid="lrt-method"]')).to_contain_text("maximum likelihood")
    expect(lrt.first.locator('[data-testid="lrt-loglik"]')).to_have_text(re.compile(r"-2769\.6 vs -2788\.4"))
    expect(lrt.first.locator('[data-testid="lrt-boundary"]')).to_be_visible()

    # Rename the first pin: everywhere it shows, the new name.
    page.locator('[data-testid="rename-pin"]').first.click()
    field = page.locator('[data-testid="pin-name-input"]')
    expect(field).to_be_focused()
    field.fill("full model")
    field.press("Enter")
    expect(names).to_have_text(["full model", "school only"])
    expect(lrt.first.locator("th")).to_have_text("full model vs school only", timeout=60000)

    # Copy as code: the R call for the current model, copied to the clipboard.
    page.locator('[data-testid="code-button"]').click()
    code = page.locator('[data-testid="code-text"]')
    expect(code).to_contain_text(f"fit <- lmer({SCHOOL_ONLY}, data = science, REML = TRUE)")
    expect(code).to_contain_text('data("science", package = "DAAG")')
    page.locator('[data-testid="copy-code"]').click()
    clip = page.evaluate("() => navigator.clipboard.readText()")
    assert f"lmer({SCHOOL_ONLY}, data = science, REML = TRUE)" in clip
    page.locator('[data-testid="code-python"]').click()
    expect(code).to_contain_text(f"fit = mixwidget.fit({SCHOOL_ONLY!r}, science)")
    page.keyboard.press("Escape")
    expect(page.locator('[data-testid="code-panel"]')).to_be_hidden()

    # Back: the previous model returns; "Use" makes a pinned model current.
    back = page.locator('[data-testid="undo-button"]')
    expect(back).to_be_enabled()
    back.click()
    wait_for_fit(page, BOTH)
    expect(page.locator(INPUT)).to_have_value(BOTH)
    page.locator('[data-testid="restore-pin"]').nth(1).click()
    wait_for_fit(page, SCHOOL_ONLY)

    # A group selected with the keyboard alone reaches Python, and Clear takes it back.
    seen = page.locator(SEEN)
    picker = page.locator('[data-testid="selected-group"]')
    expect(picker).to_have_attribute("aria-label", re.compile("Selected school"))
    expect(picker).to_be_visible(timeout=60000)
    expect(picker.locator("option")).to_have_count(42, timeout=60000)  # "none" and the 41 schools
    picker.focus()
    page.keyboard.press("ArrowDown")  # the next level (or, where the list opens, highlight it ...)
    page.keyboard.press("Enter")  # ... and take it)
    expect(seen).to_have_text(re.compile(r"selected: \d+"))
    chosen = seen.text_content().split(": ")[1]
    expect(picker).to_have_value(chosen)
    page.locator('[data-testid="clear-selection"]').click()
    expect(seen).to_have_text("selected: None")
    expect(picker).to_have_value("")
    assert cell_stderr() == []
    console.assert_no_errors()
    assert json.dumps(console.unexpected_external()) == "[]"


# Width of each drawn chart's SVG (or canvas), its background colour and its name for screen readers.
_CHART_SIZES_JS = """
() => Object.fromEntries([...document.querySelectorAll('section[data-chart]')]
  .filter(s => s.dataset.state === 'drawn')
  .map(s => { const svg = s.querySelector('svg.marks, canvas.marks');
              return [s.dataset.chart, {width: svg.getBoundingClientRect().width,
                                        background: getComputedStyle(svg).backgroundColor,
                                        label: svg.getAttribute('aria-label')}]; }))
"""


def _luminance(rgb: str) -> float:
    r, g, b = (int(x) / 255 for x in re.findall(r"\d+", rgb)[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_charts_fill_the_room_and_follow_choice_size_and_theme(
    classroom_notebook, lab_notebook, page, console, cell_stderr
):
    from playwright.sync_api import expect

    open_classroom(page, lab_notebook, classroom_notebook)
    page.wait_for_function(
        "() => document.querySelector('section[data-chart=\"effects\"]')?.dataset.state === 'drawn'"
        " && document.querySelector('section[data-chart=\"caterpillar\"]')?.dataset.state === 'drawn'",
        timeout=60000,
    )
    page.locator('section[data-chart="effects"]').scroll_into_view_if_needed()
    # Charts are laid out to the card's width once drawn (and again when the window changes).
    page.wait_for_function(
        f"() => {{ const s = ({_CHART_SIZES_JS})(); return ['effects', 'variance', 'caterpillar']"
        ".every(n => s[n] && s[n].width > 600); }",
        timeout=30000,
    )
    sizes = page.evaluate(_CHART_SIZES_JS)
    for name in ("effects", "variance", "caterpillar"):
        assert sizes[name]["width"] > 600, (name, sizes[name])
        assert sizes[name]["label"].startswith("Chart: "), sizes[name]
    shot(page, "charts-light")

    # A narrower window lays the charts out again, narrower, without a new fit; and back.
    fits = page.locator(FITS)
    expect(fits).to_have_text("fits: 1")
    wide = sizes["effects"]["width"]
    page.set_viewport_size({"width": 1100, "height": 900})
    page.wait_for_function(
        f"() => {{ const s = ({_CHART_SIZES_JS})(); return s.effects && s.effects.width < {wide - 150}; }}",
        timeout=30000,
    )
    page.set_viewport_size(VIEWPORT)
    page.wait_for_function(
        f"() => {{ const s = ({_CHART_SIZES_JS})(); return s.effects && s.effects.width > {wide - 20}; }}",
        timeout=30000,
    )
    expect(fits).to_have_text("fits: 1")
    expect(page.locator('[data-testid="fit-status"]')).to_contain_text("done")

    # Chart choice: hide the residuals, move variance to the top, fold the caterpillar.
    picker = page.locator('[data-testid="chart-picker"]')
    picker.locator("summary").click()
    picker.locator('li[data-chart-choice="residuals"] [data-testid="chart-show"]').uncheck()
    expect(page.locator('section[data-chart="residuals"]')).to_have_count(0)
    picker.locator('li[data-chart-choice="variance"] button[aria-label="Move Variance components up"]').click()
    picker.locator('li[data-chart-choice="caterpillar"] [data-testid="chart-fold"]').check()
    order = page.locator("section[data-chart]").evaluate_all("(els) => els.map(e => e.dataset.chart)")
    assert order[:2] == ["variance", "effects"] and "residuals" not in order, order
    caterpillar = page.locator('section[data-chart="caterpillar"]')
    expect(caterpillar).to_have_class(re.compile("mw-folded"))
    expect(caterpillar.locator(".mw-chart-body")).to_be_hidden()

    # Large text: the tables and charts grow.
    t_cell = page.locator(f'{FIXED} tr[data-term="PrivPubpublic"] td').nth(2)
    before = t_cell.bounding_box()["height"]
    page.locator('[data-testid="large-text"]').check()
    expect(page.locator(".mixwidget")).to_have_class(re.compile("mw-large"))
    assert t_cell.bounding_box()["height"] > 1.2 * before
    assert_key_numbers_and_t_visible(page)  # the strip and the t column still fit at 1400 x 900
    shot(page, "large-text")
    page.locator('[data-testid="large-text"]').uncheck()

    # Dark theme: the charts are drawn on a dark background, with light text.
    page.evaluate("() => window.jupyterapp.commands.execute('apputils:change-theme', {theme: 'JupyterLab Dark'})")
    page.wait_for_function("() => document.body.dataset.jpThemeLight === 'false'", timeout=30000)
    page.wait_for_function(
        """() => { const svg = document.querySelector('section[data-chart="effects"] svg.marks');
                   if (!svg) return false;
                   const m = getComputedStyle(svg).backgroundColor.match(/\\d+/g);
                   return m && (+m[0] + +m[1] + +m[2]) < 200; }""",
        timeout=30000,
    )
    sizes = page.evaluate(_CHART_SIZES_JS)
    assert _luminance(sizes["effects"]["background"]) < 0.2, sizes["effects"]
    assert_key_numbers_and_t_visible(page)
    keys_colour = page.locator(KEYS).evaluate("(el) => getComputedStyle(el).color")
    assert _luminance(keys_colour) > 0.6, keys_colour  # light text on the dark page
    page.locator('section[data-chart="effects"]').scroll_into_view_if_needed()
    shot(page, "charts-dark")
    # The caterpillar's dots: Okabe-Ito blue (#0072B2, 3.2:1 on the dark card) turns sky blue there.
    picker.locator('li[data-chart-choice="caterpillar"] [data-testid="chart-fold"]').uncheck()
    dots = 'section[data-chart="caterpillar"] svg.marks g.mark-symbol path'
    page.wait_for_function(f"() => [...document.querySelectorAll('{dots}')].some(p => p.getAttribute('fill'))",
                           timeout=30000)
    fills = page.locator(dots).evaluate_all("(els) => els.map(e => (e.getAttribute('fill') || '').toLowerCase())")
    assert fills.count("#56b4e9") >= 60 and "#0072b2" not in fills, sorted(set(fills))
    assert cell_stderr() == []
    console.assert_no_errors()
