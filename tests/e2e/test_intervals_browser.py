"""The random-effects table's interval column in Voila: its "95% CI" button asks the kernel for the
profile intervals, which fill in the SD, correlation and residual rows (lme4's confint: 14.38 to 37.72
for the Subject intercept's SD). A binomial model's (cbpp) has its herd SD's interval from the Laplace
deviance's profile (lme4's confint: 0.3461 to 1.1000) and no residual row. While a profile runs the
table says how far it is and offers Stop; after a stop "95% CI" starts it again."""

from __future__ import annotations

import re

from science_explorer import CBPP, REPO, reference_explorer_cells

SLEEP = "Reaction ~ Days + (Days | Subject)"
TABLE = '[data-testid="variance-table"]'

NOTEBOOK_CELLS = [
    f"import sys; sys.path.insert(0, {str(REPO)!r})",
    "import mixwidget",
    'sleep = mixwidget.load_dataset("sleepstudy")',
    f'w = mixwidget.explore(sleep, "{SLEEP}")',
    "w",
]


CBPP_CELLS = reference_explorer_cells("cbpp", CBPP, 'family="binomial"')

# sleepstudy's profile takes half a second: here each interval end takes 0.6 s longer (after its progress
# report), so that the test can see the progress and press Stop while the profile runs.
SLOW_CELLS = [
    *NOTEBOOK_CELLS[:3],
    "import time\n"
    "from mixwidget.widget import intervalactions\n"
    "profile = intervalactions.variance_profile\n"
    "def slow_profile(fit, level, progress, cancel):\n"
    "    def report(done, total):\n"
    "        progress(done, total)\n"
    "        time.sleep(0.6)\n"
    "    return profile(fit, level, report, cancel)\n"
    "intervalactions.variance_profile = slow_profile",
    *NOTEBOOK_CELLS[3:],
]


def interval(page, group: str, term: str):
    return page.locator(f'{TABLE} tr[data-group="{group}"][data-term="{term}"] [data-testid="variance-interval"]')


def test_intervals_button_fills_in_the_profile_intervals(write_notebook, page, voila_notebook, console, cell_stderr):
    from playwright.sync_api import expect

    notebook = write_notebook("intervals", NOTEBOOK_CELLS)
    voila_notebook(notebook.name, wait_for=TABLE)
    expect(interval(page, "Subject", "(Intercept)")).to_have_text("")
    button = page.locator('[data-testid="variance-intervals-button"]')
    expect(button).to_have_text("95% CI")
    button.click()
    expect(interval(page, "Subject", "(Intercept)")).to_have_text("14.3814 – 37.7161", timeout=120000)
    expect(interval(page, "Subject", "(Intercept)~Days")).to_have_text("-0.48 – 0.69")
    expect(interval(page, "Subject", "Days")).to_have_text("3.8012 – 8.7534")
    expect(interval(page, "Residual", "")).to_have_text("22.8983 – 28.8580")
    expect(button).to_have_count(0)  # done: nothing left to ask for
    assert cell_stderr() == []
    console.assert_no_errors()


def test_a_binomial_models_herd_sd_gets_its_profile_interval(write_notebook, page, voila_notebook, console,
                                                               cell_stderr):
    from playwright.sync_api import expect

    notebook = write_notebook("intervals-cbpp", CBPP_CELLS)
    voila_notebook(notebook.name, wait_for=TABLE)
    expect(interval(page, "herd", "(Intercept)")).to_have_text("")
    page.locator('[data-testid="variance-intervals-button"]').click()
    expect(interval(page, "herd", "(Intercept)")).to_have_text("0.3461 – 1.1000", timeout=120000)
    expect(page.locator(f'{TABLE} tr[data-group="Residual"]')).to_have_count(0)
    expect(page.locator('[data-testid="variance-intervals-button"]')).to_have_count(0)
    assert cell_stderr() == []
    console.assert_no_errors()


def test_a_running_profile_shows_its_progress_and_stops(write_notebook, page, voila_notebook, console,
                                                        cell_stderr):
    from playwright.sync_api import expect

    notebook = write_notebook("intervals-stop", SLOW_CELLS)
    voila_notebook(notebook.name, wait_for=TABLE)
    button = page.locator('[data-testid="variance-intervals-button"]')
    status = page.locator('[data-testid="variance-intervals-status"]')
    expect(status).to_have_count(0)
    button.click()
    expect(status).to_have_attribute("data-state", "running")
    expect(status).to_contain_text(re.compile(r"Profiling the likelihood: [1-7] of 8 interval ends"), timeout=60000)
    expect(page.locator('[data-testid="variance-intervals-progress"]')).to_have_attribute("max", "8")
    expect(button).to_be_disabled()
    page.locator('[data-testid="variance-intervals-stop"]').click()
    expect(status).to_have_attribute("data-state", "stopped", timeout=10000)
    expect(status).to_have_text(re.compile(r"^Stopped after [1-7] of 8 interval ends\.$"))
    expect(page.locator('[data-testid="variance-intervals-stop"]')).to_have_count(0)
    expect(interval(page, "Subject", "(Intercept)")).to_have_text("")
    expect(button).to_be_enabled()
    expect(button).to_have_text("95% CI")
    button.click()  # again: this time to the end
    expect(interval(page, "Subject", "(Intercept)")).to_have_text("14.3814 – 37.7161", timeout=120000)
    expect(status).to_have_count(0)
    expect(button).to_have_count(0)
    assert cell_stderr() == []
    console.assert_no_errors()
