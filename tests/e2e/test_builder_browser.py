"""The formula box and the model builder in JupyterLab at 1400 x 900 with the file browser open:
long formulas stay readable, columns that look like IDs say so, a random term is drafted first.
"""

from __future__ import annotations

import re

import pytest
from science_explorer import BOTH
from test_classroom_browser import FITS, NOTEBOOK_CELLS, open_classroom, shot

BUILDER = '[data-testid="builder"]'
INPUT = '[data-testid="formula-input"]'
STATUS = '[data-testid="fit-status"]'
DRAFT = '[data-testid="random-draft"]'
# 155 characters: every interaction of three factors, and three random terms.
LONG = ("like ~ sex + PrivPub + State + sex:PrivPub + sex:State + PrivPub:State + "
        "(1 | school) + (1 | school:class) + (0 + sex | school:class) + (1 | State:PrivPub)")

# The formula box and the window, and whether the box shows all of its text (no hidden overflow).
_BOX_JS = """
() => {
  const el = document.querySelector('[data-testid="formula-input"]');
  const r = el.getBoundingClientRect();
  return {left: r.left, right: r.right, top: r.top, bottom: r.bottom,
          hiddenX: el.scrollWidth - el.clientWidth, hiddenY: el.scrollHeight - el.clientHeight,
          lineHeight: parseFloat(getComputedStyle(el).lineHeight),
          width: window.innerWidth, height: window.innerHeight};
}
"""


@pytest.fixture(scope="module")
def builder_notebook(write_notebook):
    return write_notebook("builder", NOTEBOOK_CELLS)


def open_builder(page) -> None:
    if page.locator(BUILDER).get_attribute("open") is None:
        page.locator(f"{BUILDER} > summary").click()
    page.locator(f'{BUILDER} [data-testid="fixed-chip"]').first.wait_for(state="visible")


def _chip(page, name: str):
    return page.locator(f'{BUILDER} [data-testid="fixed-chip"][data-term="{name}"]')


def test_id_columns_are_marked_in_the_builder(builder_notebook, lab_notebook, page, console, cell_stderr):
    from playwright.sync_api import expect

    open_classroom(page, lab_notebook, builder_notebook)
    open_builder(page)
    # Grouping factors of the model, and columns named like units, carry a visible "ID" mark and say why.
    expect(_chip(page, "school")).to_have_attribute(
        "title", re.compile(r"this looks like an ID: it groups the random term \(1 \| school\)")
    )
    expect(_chip(page, "Class")).to_have_attribute(
        "title", re.compile(r"this looks like an ID: 66 levels, named like a unit \(class\)")
    )
    for name in ("school", "class", "Class"):
        mark = _chip(page, name).locator(".mw-chip-id-mark")
        expect(mark).to_be_visible()
        expect(mark).to_have_text("ID")
    for name in ("sex", "PrivPub", "State"):
        expect(_chip(page, name).locator(".mw-chip-id-mark")).to_have_count(0)
    _chip(page, "school").scroll_into_view_if_needed()
    shot(page, "builder-id-chips")
    assert cell_stderr() == []
    console.assert_no_errors()


def assert_formula_fully_shown(page, lines: int) -> dict:
    page.locator(INPUT).scroll_into_view_if_needed()
    b = page.evaluate(_BOX_JS)
    assert b["hiddenX"] <= 0 and b["hiddenY"] <= 1, f"part of the formula is hidden: {b}"
    assert b["left"] >= 0 and b["right"] <= b["width"], f"formula box outside the window: {b}"
    assert b["bottom"] - b["top"] >= lines * b["lineHeight"], f"fewer than {lines} lines: {b}"
    return b


def test_long_formulas_wrap_and_random_terms_are_drafted(builder_notebook, lab_notebook, page, console, cell_stderr):
    from playwright.sync_api import expect

    open_classroom(page, lab_notebook, builder_notebook)
    box = page.locator(INPUT)
    one_line = assert_formula_fully_shown(page, 1)
    # A 155-character formula wraps onto more lines, all of it in view, also in large text.
    assert len(LONG) == 155
    box.fill(LONG)
    assert_formula_fully_shown(page, 2)
    shot(page, "long-formula")
    box.press("Escape")  # back to the applied formula, on one line again (leaving the box would apply it)
    expect(box).to_have_value(BOTH)
    b = assert_formula_fully_shown(page, 1)
    assert b["bottom"] - b["top"] == pytest.approx(one_line["bottom"] - one_line["top"], abs=1)
    large = page.locator('[data-testid="large-text"]')
    large.check()
    box.fill(LONG)
    assert_formula_fully_shown(page, 2)
    shot(page, "long-formula-large")
    box.press("Escape")
    large.uncheck()

    # "+ Add random term" opens a draft; nothing is fitted until Add; Escape cancels.
    fits = page.locator(FITS)
    expect(fits).to_have_text("fits: 1")
    open_builder(page)
    add = page.locator('[data-testid="add-random"]')
    add.click()
    draft = page.locator(DRAFT)
    expect(draft).to_have_attribute("aria-label", "New random term (1 | Class), not in the model yet")
    group = draft.locator('[data-testid="random-group"]')
    expect(group).to_be_focused()
    page.keyboard.press("Escape")
    expect(draft).to_have_count(0)
    expect(add).to_be_focused()
    page.keyboard.press("Enter")  # open it again from the keyboard
    expect(group).to_be_focused()
    group.select_option("State")
    expect(draft.locator(".mw-random-preview")).to_have_text("(1 | State)")
    draft.scroll_into_view_if_needed()
    shot(page, "random-draft")
    expect(box).to_have_value(BOTH)
    expect(fits).to_have_text("fits: 1")
    draft.locator('[data-testid="random-draft-add"]').focus()
    page.keyboard.press("Enter")
    expect(box).to_have_value(f"{BOTH} + (1 | State)")
    expect(fits).to_have_text("fits: 2", timeout=60000)
    expect(page.locator(STATUS)).to_contain_text("done")
    expect(page.locator('[data-testid="random-row"]')).to_have_count(3)
    assert cell_stderr() == []
    console.assert_no_errors()
