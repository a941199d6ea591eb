"""A fit that takes minutes never holds the page: a newer formula stops it, and so does Stop.

The science data get eight noise columns; eight correlated random slopes per class take minutes
to fit. Typing a normal formula after it shows the normal fit within seconds, and the page says
the long one was stopped; the Stop button ends a running fit and keeps the previous one.
"""

from __future__ import annotations

import re

from science_explorer import BOTH, REPO

INPUT = '[data-testid="formula-input"]'
STATUS = '[data-testid="fit-status"]'
STOP = '[data-testid="fit-stop"]'
STOPPED = '[data-testid="fit-stopped"]'
FIXED = '[data-testid="fixed-table"]'

SLOW = "like ~ sex + (x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 | Class)"
CLASS_ONLY = "like ~ sex + PrivPub + (1 | school:class)"  # PrivPubpublic t = 2.217, as the full model

CELLS = [
    f"import sys; sys.path.insert(0, {str(REPO)!r})",
    "import numpy as np\nimport mixwidget",
    'science = mixwidget.load_dataset("science")\n'
    "rng = np.random.default_rng(1)\n"
    'data = science.assign(**{f"x{i}": rng.normal(size=len(science)) for i in range(1, 9)})',
    f'w = mixwidget.explore(data, "{BOTH}")',
    "w",
]


def _t_value(page) -> str | None:
    return page.evaluate(
        """() => {
          const table = document.querySelector('[data-testid="fixed-table"]');
          if (!table) return null;
          const heads = [...table.querySelectorAll('thead th')].map(th => th.textContent.trim());
          const row = table.querySelector('tbody tr[data-term="PrivPubpublic"]');
          if (!row) return null;
          const cell = row.children[heads.indexOf('t value')];
          const v = cell.querySelector('.value');
          return (v || cell).textContent.trim();
        }"""
    )


def _type(page, formula: str) -> None:
    box = page.locator(INPUT)
    box.fill(formula)
    box.press("Enter")


def _wait_done(page, timeout_ms: int) -> None:
    page.wait_for_function(
        """() => {
          const s = document.querySelector('[data-testid="fit-status"]');
          return !!s && s.textContent.trim().endsWith('done');
        }""",
        timeout=timeout_ms,
    )


def test_a_newer_formula_and_the_stop_button_stop_a_long_fit(write_notebook, voila_notebook, console, cell_stderr):
    from playwright.sync_api import expect

    notebook = write_notebook("stop", CELLS)
    page = voila_notebook(notebook.name, wait_for=FIXED)
    _wait_done(page, 60000)
    assert _t_value(page) == "2.217"

    # A fit that takes minutes: the status says so and offers Stop.
    _type(page, SLOW)
    expect(page.locator(STATUS)).to_contain_text("Fitting", timeout=10000)
    expect(page.locator(STOP)).to_be_visible(timeout=10000)
    page.wait_for_timeout(2000)  # it is running, not merely queued
    expect(page.locator(STATUS)).to_contain_text("Fitting")

    # A normal formula: shown within seconds, and the page says the long fit was stopped.
    _type(page, CLASS_ONLY)
    expect(page.locator(STOPPED)).to_contain_text(f"Stopped the fit of {SLOW} after", timeout=15000)
    _wait_done(page, 15000)
    assert _t_value(page) == "2.217"
    groups = page.locator('[data-testid="variance-table"] tbody tr[data-group]')
    expect(groups.first).to_have_attribute("data-group", "school:class")
    expect(page.locator(STOP)).to_be_hidden()

    # The Stop button: the long fit ends, the previous fit stays on screen.
    _type(page, SLOW)
    stop = page.locator(STOP)
    expect(stop).to_be_visible(timeout=10000)
    page.wait_for_timeout(1500)
    stop.click()
    expect(page.locator(STATUS)).to_have_text("Stopped · done", timeout=5000)
    expect(page.locator(STOPPED)).to_contain_text(re.compile(r"Stopped the fit of .* after \d+\.\d s"))
    assert _t_value(page) == "2.217"
    expect(stop).to_be_hidden()
    # The formula box and the builder show the fit on screen again, not the stopped model.
    expect(page.locator(INPUT)).to_have_value(CLASS_ONLY)
    builder = page.locator('[data-testid="builder"]')
    expect(builder).to_contain_text("(1 | school:class)")
    expect(builder).not_to_contain_text("| Class)")
    # The note wraps in its own room: "Large text" stays on the status's line.
    status_box = page.locator(STATUS).bounding_box()
    large_box = page.locator('[data-testid="large-text"]').bounding_box()
    assert large_box["y"] < status_box["y"] + status_box["height"], (status_box, large_box)

    # And the explorer carries on.
    _type(page, BOTH)
    _wait_done(page, 15000)
    expect(page.locator(STOPPED)).to_be_hidden()
    assert _t_value(page) == "2.217"

    # A formula too long for the explorer: the box stops growing and scrolls inside, and the
    # message is right under it, in view.
    long = "like ~ sex" + " + PrivPub" * 2500  # 25,010 characters
    box = page.locator(INPUT)
    box.fill(long)
    box.press("Enter")
    error = page.locator('[data-testid="fit-error"]')
    expect(error).to_contain_text("20,000 characters", timeout=15000)
    height = box.bounding_box()["height"]
    assert height < 300, height
    assert box.evaluate("(el) => el.scrollHeight > el.clientHeight && getComputedStyle(el).overflowY === 'auto'")
    expect(error).to_be_in_viewport()
    # The page's own check says where a parenthesis is never closed, with a caret as Python's does.
    box.fill("like ~ sex + (1 | school")
    box.press("Enter")
    expect(error).to_contain_text("parenthesis")
    caret = page.locator('[data-testid="fit-error-caret"]')
    expect(caret).to_have_text(re.compile(r"^like ~ sex \+ \(1 \| school\n *\^$"))
    box.press("Escape")
    expect(error).to_be_hidden()

    assert cell_stderr() == []
    console.assert_no_errors()
    console.assert_no_external_requests()
