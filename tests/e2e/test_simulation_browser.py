"""Check by simulation in the browser (Voila): start a run and watch its progress, cancel it,
run again to the end, and read the simulation chart and its title; for a binary outcome (geepack's
ohio fitted as glmer), the rates of the mixed model and the plain GLM labelled as Wald z tests.
"""

from __future__ import annotations

import re

import pytest
from science_explorer import REPO, explorer_cells

FIXED = '[data-testid="fixed-table"]'
PANEL = '[data-testid="simulation"]'
RUN = '[data-testid="sim-run"]'
CANCEL = '[data-testid="sim-cancel"]'
NSIM = '[data-testid="sim-nsim"]'
PROGRESS = '[data-testid="sim-progress"]'
STATUS = '[data-testid="sim-status"]'
CHART = '[data-testid="chart-simulation"]'


OHIO = "resp ~ age + smoke + (1 | id)"


@pytest.fixture(scope="module")
def simulation_notebook(write_notebook):
    # Refit in the kernel's process so the runs' timing does not hang on starting workers.
    return write_notebook("simulation", explorer_cells("w._sim.n_jobs = 0"))


def test_simulation_runs_shows_progress_cancels_and_draws(simulation_notebook, voila_notebook, console, cell_stderr):
    from playwright.sync_api import expect

    page = voila_notebook(simulation_notebook.name, wait_for=FIXED)
    panel = page.locator(PANEL)
    expect(panel).to_be_visible(timeout=60000)
    panel.locator("summary").click()
    # The defaults: the current fit as the truth, it and least squares as candidates, PrivPub tested.
    expect(page.locator('[data-testid="sim-term"]')).to_have_value("PrivPubpublic", timeout=30000)
    boxes = page.locator('[data-testid="sim-candidate"]')
    expect(boxes).to_have_count(2)
    expect(page.locator(CHART)).to_contain_text("run a check by simulation")

    # 1. A long run: the progress bar moves, then Cancel stops it.
    page.fill(NSIM, "3000")
    page.click(RUN)
    expect(page.locator(CANCEL)).to_be_visible(timeout=30000)
    page.wait_for_function(
        f"() => {{ const p = document.querySelector('{PROGRESS}'); return p && p.value >= 3; }}", timeout=120000
    )
    first = page.locator(PROGRESS).evaluate("p => p.value")
    page.wait_for_function(
        f"(v) => document.querySelector('{PROGRESS}').value > v", arg=first, timeout=60000
    )
    expect(page.locator(STATUS)).to_contain_text(re.compile(r"\d+ of 3000 simulations"))
    page.click(CANCEL)
    expect(page.locator(STATUS)).to_contain_text(re.compile(r"Cancelled after \d+ of 3000"), timeout=30000)
    expect(page.locator(CANCEL)).to_be_hidden()
    expect(page.locator(PANEL)).to_have_attribute("data-state", "cancelled")

    # 2. A short run to the end: the chart is drawn and its title says the result in words.
    page.fill(NSIM, "30")
    page.click(RUN)
    expect(page.locator(STATUS)).to_contain_text(re.compile(r"30 simulations in"), timeout=180000)
    expect(page.locator(PANEL)).to_have_attribute("data-state", "done")
    title = page.locator('[data-testid="sim-title"]')
    expect(title).to_contain_text(re.compile(r"rejects a true null \d+% of the time"))
    chart = page.locator(CHART)
    expect(chart).to_have_attribute("data-state", "drawn", timeout=60000)
    expect(chart.locator("svg.marks g.role-mark").first).to_be_attached()
    expect(chart).to_contain_text(re.compile(r"rejects a true null \d+% of the time; .+ \d+%"))
    svg_text = chart.locator("svg.marks").text_content()
    for words in ["False positives", "intervals covering the truth", "least squares", "school + class"]:
        assert words in svg_text, (words, svg_text[:400])

    assert cell_stderr() == []
    console.assert_no_errors()
    console.assert_no_external_requests()


@pytest.fixture(scope="module")
def binomial_notebook(write_notebook):
    return write_notebook("simulation-binomial", [
        f"import sys; sys.path.insert(0, {str(REPO)!r})",
        "import mixwidget",
        'ohio = mixwidget.load_dataset("ohio")',
        f'w = mixwidget.explore(ohio, "{OHIO}", family="binomial")',
        "w",
        "w._sim.n_jobs = 0",
    ])


def test_binary_outcome_rates_are_wald_z_for_the_glmm_and_the_plain_glm(
    binomial_notebook, voila_notebook, console, cell_stderr
):
    from playwright.sync_api import expect

    page = voila_notebook(binomial_notebook.name, wait_for=FIXED)
    panel = page.locator(PANEL)
    expect(panel).to_be_visible(timeout=60000)
    panel.locator("summary").click()
    # The candidates: the logistic mixed model and the plain logistic GLM; 100 simulations by default.
    expect(page.locator('[data-testid="sim-test"]')).to_have_text("by Wald z tests (binomial, logit link)",
                                                                   timeout=30000)
    expect(page.locator('[data-testid="sim-candidate"]')).to_have_count(2)
    expect(panel).to_contain_text("plain GLM (no groups)")
    expect(page.locator(NSIM)).to_have_value("100")
    page.locator('[data-testid="sim-term"]').select_option("smoke")

    page.fill(NSIM, "20")
    page.click(RUN)
    expect(page.locator(STATUS)).to_contain_text(re.compile(r"20 simulations in"), timeout=180000)
    expect(panel).to_have_attribute("data-state", "done")
    title = page.locator('[data-testid="sim-title"]')
    expect(title).to_contain_text(re.compile(r"rejects a true null \d+% of the time; .+ \d+% \(Wald z tests, binomial\)"))
    chart = page.locator(CHART)
    expect(chart).to_have_attribute("data-state", "drawn", timeout=60000)
    expect(chart.locator("svg.marks g.role-mark").first).to_be_attached()
    expect(chart).to_contain_text("(binomial, logit link) with smoke set to 0")
    svg_text = chart.locator("svg.marks").text_content()
    for words in ["False positives (Wald z test at 5%)", "95% Wald z intervals covering the truth", "plain GLM",
                  "id only (ML)"]:
        assert words in svg_text, (words, svg_text[:400])
    assert "t test" not in svg_text
    # the rates are drawn as percentages, one per model
    assert len(re.findall(r"\d+%", svg_text)) >= 4

    assert cell_stderr() == []
    console.assert_no_errors()
    console.assert_no_external_requests()
