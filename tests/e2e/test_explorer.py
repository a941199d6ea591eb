"""The mixwidget explorer in Voila and JupyterLab: formulas typed by hand, one-click
variants, pinned comparisons and inline errors, checked against lme4's numbers.
"""

from __future__ import annotations

import json
import re

import pytest
from science_explorer import BOTH, explorer_cells

CLASS_ONLY = "like ~ sex + PrivPub + (1 | school:class)"
SCHOOL_ONLY = "like ~ sex + PrivPub + (1 | school)"
OLS = "like ~ sex + PrivPub"

# PrivPubpublic t value and the variance-table groups lme4 reports for each model.
EXPECTED = {
    BOTH: ("2.217", ["school:class", "school", "Residual"]),
    CLASS_ONLY: ("2.217", ["school:class", "Residual"]),
    SCHOOL_ONLY: ("2.250", ["school", "Residual"]),
    OLS: ("3.759", ["Residual"]),
}

INPUT = '[data-testid="formula-input"]'
STATUS = '[data-testid="fit-status"]'
FIXED = '[data-testid="fixed-table"]'
VARIANCE = '[data-testid="variance-table"]'
ERROR = '[data-testid="fit-error"]'

NOTEBOOK_CELLS = explorer_cells()

# Text of the PrivPubpublic t cell: its current value, its previous value (if shown), the
# groups of the variance table and the status text, read in one go.
_STATE_JS = """
() => {
  const table = document.querySelector('[data-testid="fixed-table"]');
  const out = {t: null, old: null, cell: null, groups: [], status: null};
  const status = document.querySelector('[data-testid="fit-status"]');
  if (status) out.status = status.textContent.trim();
  const vt = document.querySelector('[data-testid="variance-table"]');
  if (vt) out.groups = [...vt.querySelectorAll('tbody tr[data-group]')].map(r => r.dataset.group);
  if (!table) return out;
  const heads = [...table.querySelectorAll('thead th')].map(th => th.textContent.trim());
  const col = heads.indexOf('t value');
  const row = table.querySelector('tbody tr[data-term="PrivPubpublic"]');
  if (col < 0 || !row) return out;
  const cell = row.children[col];
  out.cell = cell.textContent.trim();
  const v = cell.querySelector('.value');
  out.t = v ? v.textContent.trim() : out.cell;
  const o = cell.querySelector('.mw-old');
  out.old = o ? o.textContent.trim() : null;
  return out;
}
"""


def fit_state(page) -> dict:
    return page.evaluate(_STATE_JS)


def wait_for_fit(page, formula: str, timeout_ms: int = 30000) -> dict:
    """Wait until the tables show ``formula``'s fit (t value and groups) and the status is done."""
    t, groups = EXPECTED[formula]
    page.wait_for_function(
        f"""() => {{
          const s = ({_STATE_JS})();
          return s.t === {t!r} && JSON.stringify(s.groups) === {json.dumps(json.dumps(groups, separators=(",", ":")))}
            && !!s.status && s.status.endsWith('done');
        }}""",
        timeout=timeout_ms,
    )
    return fit_state(page)


def apply_formula(page, formula: str) -> dict:
    box = page.locator(INPUT)
    box.fill(formula)
    box.press("Enter")
    return wait_for_fit(page, formula)


def run_explorer_checks(page, console, cell_stderr) -> None:
    from playwright.sync_api import expect

    # Initial fit from the notebook.
    wait_for_fit(page, BOTH, timeout_ms=60000)

    # 1. The four science formulas, typed one after another.
    state = apply_formula(page, BOTH)
    assert state["t"] == "2.217"
    variance = page.locator(VARIANCE)

    def var_cell(group: str):
        return variance.locator(f'tr[data-group="{group}"] td').nth(1).locator(".value")

    expect(var_cell("school:class")).to_have_text("0.3206")
    expect(var_cell("school")).to_have_text("0.0000")
    expect(var_cell("Residual")).to_have_text("3.0521")

    assert apply_formula(page, CLASS_ONLY)["t"] == "2.217"
    assert apply_formula(page, SCHOOL_ONLY)["t"] == "2.250"
    state = apply_formula(page, OLS)
    assert state["t"] == "3.759"
    # The t cell shows the change from the previous fit: "2.250 → 3.759".
    assert state["old"] == "2.250", state
    assert re.fullmatch(r"2\.250\s*→\s*3\.759", state["cell"]), state
    row = page.locator(f'{FIXED} tr[data-term="PrivPubpublic"]')
    expect(row.locator(".mw-old").nth(2)).to_be_visible()
    expect(row.locator(".mw-arrow").nth(2)).to_be_visible()

    # 2. One-click variant: drop the class term from the full model.
    apply_formula(page, BOTH)
    variant = page.locator('[data-testid="variant-button"]', has_text="Drop (1 | school:class)")
    expect(variant).to_have_attribute("data-formula", SCHOOL_ONLY)
    variant.click()
    assert wait_for_fit(page, SCHOOL_ONLY)["t"] == "2.250"
    expect(page.locator(INPUT)).to_have_value(SCHOOL_ONLY)

    # 3. Pin two models and compare them.
    apply_formula(page, BOTH)
    page.locator('[data-testid="pin-button"]').click()
    apply_formula(page, CLASS_ONLY)
    page.locator('[data-testid="pin-button"]').click()
    compare = page.locator('[data-testid="compare-table"]')
    expect(compare).to_be_visible()
    expect(compare.locator("thead")).to_contain_text(CLASS_ONLY)
    expect(compare.locator("thead")).to_contain_text(BOTH)
    expect(page.locator('[data-testid="unpin-button"]')).to_have_count(2)
    lrt = page.locator('[data-testid="lrt-row"]')
    expect(lrt).to_have_count(1)
    heads = [h.strip() for h in page.locator('[data-testid="lrt-table"] thead th').all_text_contents()]
    cells = dict(zip(heads, (c.strip() for c in lrt.first.locator("td").all_text_contents())))
    chisq, df = float(cells["Chisq"]), cells["Df"]
    assert abs(chisq) < 1e-3, cells
    assert df == "1", cells

    # 4. Inline errors keep the last good fit on screen.
    box = page.locator(INPUT)
    box.fill("like ~ sex + (1 | school")
    box.press("Enter")
    error = page.locator(ERROR)
    expect(error).to_be_visible()
    expect(error).to_contain_text(re.compile(r"unbalanced parenthesis|never closed", re.I))
    assert fit_state(page)["t"] == "2.217"
    expect(page.locator(f'{FIXED} tr[data-term="PrivPubpublic"]')).to_contain_text("2.217")

    box.fill("like ~ sex + (1 | shcool)")
    box.press("Enter")
    expect(error).to_contain_text("did you mean 'school'")
    assert fit_state(page)["t"] == "2.217"

    # 5. A clean page.
    assert cell_stderr() == []
    console.assert_no_errors()
    console.assert_no_external_requests()


@pytest.fixture(scope="module")
def explorer_notebook(write_notebook):
    return write_notebook("explorer", NOTEBOOK_CELLS)


def test_explorer_voila(explorer_notebook, voila_notebook, console, cell_stderr):
    page = voila_notebook(explorer_notebook.name, wait_for=FIXED)
    run_explorer_checks(page, console, cell_stderr)


def test_explorer_lab(explorer_notebook, lab_notebook, console, cell_stderr):
    page = lab_notebook(explorer_notebook.name, wait_for=FIXED)
    run_explorer_checks(page, console, cell_stderr)
