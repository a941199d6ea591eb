"""A binary outcome in the explorer (geepack's ohio: wheeze 0/1 of 537 children at 4 ages), JupyterLab at
1400 x 900: the page suggests Binomial and says the Gaussian fit is a linear probability model; choosing
Binomial in the family selector refits as glmer, the fixed-effects table and the key numbers show z values,
the effects chart reads odds ratios and the variance chart says its shares are on the latent scale. In the
light and the dark theme. The selector's links: probit on cbpp refits with binomial(link = "probit"), says so
in the summary, the chart labels z without odds ratios, the code is glmer's and mixwidget.fit's with the link,
and Back returns to the logit fit.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from science_explorer import CBPP, reference_explorer_cells

OHIO = "resp ~ age + smoke + (1 | id)"
FIXED = '[data-testid="fixed-table"]'
KEYS = '[data-testid="key-numbers"]'
SELECT = '[data-testid="family-select"]'
NOTE = '[data-testid="family-note"]'
VIEWPORT = {"width": 1400, "height": 900}

CBPP_CELLS = reference_explorer_cells("cbpp", CBPP, 'family="binomial"')

NOTEBOOK_CELLS = reference_explorer_cells("ohio", OHIO)


def shot(page, name: str, selector: str = ".mixwidget") -> None:
    """Keep a screenshot when E2E_ARTIFACTS_DIR is set (to look at the layout)."""
    folder = os.environ.get("E2E_ARTIFACTS_DIR")
    if folder:
        page.screenshot(path=str(Path(folder) / f"family-{name}.png"))


def _drawn(page, name: str):
    from playwright.sync_api import expect

    card = page.locator(f'[data-testid="chart-{name}"]')
    expect(card).to_have_attribute("data-state", "drawn", timeout=60000)
    expect(card.locator("svg.marks g.role-mark").first).to_be_attached()
    return card


def test_family_selector_fits_a_binary_outcome_as_glmer(write_notebook, page, lab_notebook, console):
    from playwright.sync_api import expect

    page.set_viewport_size(VIEWPORT)
    notebook = write_notebook("family", NOTEBOOK_CELLS)
    lab_notebook(notebook.name, wait_for=FIXED)

    # The Gaussian fit of a 0/1 response: the selector suggests Binomial and the note says why.
    select = page.locator(SELECT)
    expect(select).to_have_value("gaussian:identity")
    expect(select.locator('option[value="binomial:logit"]')).to_have_text("Binomial · logit (suggested)")
    note = page.locator(NOTE)
    expect(note).to_be_visible(timeout=60000)
    expect(note).to_contain_text("linear probability model: predictions can leave [0, 1]")
    expect(page.locator(f"{FIXED} thead")).to_contain_text("t value")
    shot(page, "gaussian-light")

    # Binomial: refitted as glmer; z values in the table and the key numbers, no df, REML not offered.
    select.select_option("binomial:logit")
    expect(page.locator(f"{FIXED} thead")).to_contain_text("z value", timeout=120000)
    expect(page.locator(f"{FIXED} thead")).not_to_contain_text("df")
    expect(note).to_be_hidden()
    expect(page.locator('[data-testid="reml-toggle"]')).to_be_disabled()
    expect(page.locator('[data-testid="summary"]')).to_contain_text("Binomial mixed model (logit link)")
    keys = page.locator(KEYS)
    expect(keys).to_contain_text("smoke z")
    expect(keys).to_contain_text("was t")
    expect(keys).to_contain_text("GLM")
    smoke_z = page.locator(f'{FIXED} tr[data-term="smoke"] td').nth(2).locator(".value")
    expect(smoke_z).to_have_text(re.compile(r"^-?\d+\.\d{3}$"))  # a z value (the cell's current value)

    # The effects chart reads odds ratios; the variance chart is on the latent logit scale.
    effects = _drawn(page, "effects")
    expect(effects).to_contain_text("odds ratio")
    labels = effects.locator("svg.marks text").all_text_contents()
    assert any(t.startswith("z = ") and " OR " in t for t in labels), labels
    variance = _drawn(page, "variance")
    expect(variance).to_contain_text("latent logit scale")
    page.locator(".mixwidget").scroll_into_view_if_needed()
    shot(page, "binomial-light")
    effects.scroll_into_view_if_needed()
    shot(page, "binomial-charts-light")

    # Dark theme: the same page, drawn dark.
    page.evaluate("() => window.jupyterapp.commands.execute('apputils:change-theme', {theme: 'JupyterLab Dark'})")
    page.wait_for_function("() => document.body.dataset.jpThemeLight === 'false'", timeout=30000)
    page.wait_for_timeout(1500)
    shot(page, "binomial-charts-dark")
    page.locator(".mixwidget").scroll_into_view_if_needed()
    page.evaluate("() => document.querySelector('.mixwidget').scrollIntoView()")
    shot(page, "binomial-dark")
    page.evaluate("() => window.jupyterapp.commands.execute('apputils:change-theme', {theme: 'JupyterLab Light'})")
    console.assert_no_errors()


def test_probit_link_refits_with_its_code_and_labels(write_notebook, page, lab_notebook, console):
    from playwright.sync_api import expect

    page.set_viewport_size(VIEWPORT)
    notebook = write_notebook("family-probit", CBPP_CELLS)
    lab_notebook(notebook.name, wait_for=FIXED)
    select = page.locator(SELECT)
    summary = page.locator('[data-testid="summary"]')
    expect(summary).to_contain_text("Binomial mixed model (logit link)", timeout=120000)
    expect(select).to_have_value("binomial:logit")
    expect(_drawn(page, "effects")).to_contain_text("odds ratio")

    select.select_option("binomial:probit")
    expect(summary).to_contain_text("Binomial mixed model (probit link)", timeout=120000)
    expect(select).to_have_value("binomial:probit")
    expect(page.locator(f"{FIXED} thead")).to_contain_text("z value")
    effects = _drawn(page, "effects")
    expect(effects).to_contain_text("probit-link scale", timeout=60000)
    expect(effects).not_to_contain_text("odds ratio")
    labels = effects.locator("svg.marks text").all_text_contents()
    zs = [t for t in labels if t.startswith("z = ")]
    assert zs and not any(" OR " in t for t in zs), labels
    expect(_drawn(page, "variance")).to_contain_text("latent probit scale")
    shot(page, "probit-light")

    page.locator('[data-testid="code-button"]').click()
    code = page.locator('[data-testid="code-text"]')
    expect(code).to_contain_text(f'fit <- glmer({CBPP}, data = data, family = binomial(link = "probit"))')
    page.locator('[data-testid="code-python"]').click()
    expect(code).to_contain_text("family='binomial', link='probit')")
    page.keyboard.press("Escape")

    page.locator('[data-testid="undo-button"]').click()
    expect(summary).to_contain_text("Binomial mixed model (logit link)", timeout=120000)
    expect(select).to_have_value("binomial:logit")
    console.assert_no_errors()


TEXT_CELLS = [
    "import numpy as np, pandas as pd, mixwidget",
    "rng = np.random.default_rng(7)\n"
    "school = np.repeat([f'S{j:02d}' for j in range(16)], 8)\n"
    "u = np.repeat(rng.normal(0, 0.7, 16), 8)\n"
    "ses = rng.normal(0, 1, len(school)).round(3)\n"
    "p = 1 / (1 + np.exp(-(0.2 + 0.5 * ses + u)))\n"
    "df = pd.DataFrame({'school': school, 'ses': ses, 'result': np.where(rng.random(len(school)) < p, 'pass', 'fail')})",
    "w = mixwidget.explore(df, 'result ~ ses + (1 | school)')",
    "w",
]


def test_two_level_text_starts_binomial_and_its_cards_speak_of_the_mean(write_notebook, page, lab_notebook, console):
    """A pass/fail response without a family: fitted as Binomial, said beside the selector (nothing to switch
    to); the builder offers the text column as a response; the random-effects table's interval column is the
    Std.Dev.'s; the fixed effects have odds ratios; the prediction card offers only the mean's interval; the
    binned residuals lie on their ±2 band."""
    from playwright.sync_api import expect

    page.set_viewport_size(VIEWPORT)
    notebook = write_notebook("family-text", TEXT_CELLS)
    lab_notebook(notebook.name, wait_for=FIXED)
    expect(page.locator('[data-testid="summary"]')).to_contain_text("Binomial mixed model (logit link)", timeout=120000)
    expect(page.locator(SELECT)).to_have_value("binomial:logit")
    note = page.locator(NOTE)
    expect(note).to_contain_text("Fitted as Binomial: the response result is two-level text")
    expect(page.locator('[data-testid="family-use"]')).to_be_hidden()
    expect(page.locator('[data-testid="response-select"] option[value="result"]')).to_have_text(
        "result (two values: binomial)")
    expect(page.locator('[data-testid="variance-interval-head"]')).to_have_text("Std.Dev. 95% CI")
    expect(page.locator(f"{FIXED} thead th").last).to_have_text("Odds ratio (95% CI)")
    expect(page.locator(f'{FIXED} tr[data-term="ses"] td').last).to_have_text(re.compile(r"^\d+\.\d\d\s+\(\d"))
    page.locator(".mixwidget").scroll_into_view_if_needed()
    shot(page, "text-light")

    prediction = _drawn(page, "prediction")
    expect(prediction.locator('[data-testid="interval-prediction"]')).to_be_disabled()
    expect(prediction.locator('[data-testid="interval-confidence"]')).to_be_checked()
    expect(prediction.locator('[data-testid="interval-switch"] legend')).to_have_text("Intervals (of the mean)")
    expect(prediction).to_contain_text("95% confidence interval of the mean")
    prediction.scroll_into_view_if_needed()
    shot(page, "text-prediction-light")
    residuals = _drawn(page, "residuals")
    expect(residuals.locator("svg.marks g.mark-rect path").first).to_be_attached()  # the ±2 band
    residuals.scroll_into_view_if_needed()
    shot(page, "text-residuals-light")

    page.evaluate("() => window.jupyterapp.commands.execute('apputils:change-theme', {theme: 'JupyterLab Dark'})")
    page.wait_for_function("() => document.body.dataset.jpThemeLight === 'false'", timeout=30000)
    page.wait_for_timeout(1500)
    residuals.scroll_into_view_if_needed()
    shot(page, "text-residuals-dark")
    page.locator('[data-testid="variance-table"]').scroll_into_view_if_needed()
    shot(page, "text-variance-dark")
    page.evaluate("() => window.jupyterapp.commands.execute('apputils:change-theme', {theme: 'JupyterLab Light'})")
    console.assert_no_errors()
