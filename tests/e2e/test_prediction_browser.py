"""The prediction chart in a real browser: drawn after the first fit, following a group
selection (a click in another chart, or Python's ``w.selected``) and a refit, in place.
"""

from __future__ import annotations

import re

import pytest
from science_explorer import BOTH
from test_charts_browser import (
    _PICK_DOT_JS,
    FIXED,
    NOTEBOOK_CELLS,
    PICK,
    SCHOOL_ONLY,
    SEEN,
    apply_formula,
    chart,
    settled_charts,
    tag_nodes,
    tagged,
    wait_for_fit,
)

TITLE = f"{chart('prediction')} .mw-chart-title"
SUBTITLE = f"{chart('prediction')} .mw-chart-subtitle"


def wait_for_prediction_text(page, words: list[str], timeout_ms: int = 30000) -> dict:
    """Wait until the prediction chart's svg shows every one of ``words``; return the charts' state."""
    page.wait_for_function(
        """([sel, words]) => {
          const svg = document.querySelector(sel + ' svg.marks');
          return !!svg && words.every(w => svg.textContent.includes(w));
        }""",
        arg=[chart("prediction"), words],
        timeout=timeout_ms,
    )
    return settled_charts(page)


def check_drawn(page, level: str, school: str) -> dict:
    from playwright.sync_api import expect

    expect(page.locator(chart("prediction"))).to_have_attribute("data-state", "drawn", timeout=60000)
    state = wait_for_prediction_text(
        page, [f"this class (school:class {level})", f"a new class in school {school}", "a new school"]
    )
    p = state["prediction"]
    assert p["svg"] and p["n"] > 0, p
    for word in ("Current", "OLS (no groups)", "95% prediction interval"):
        assert word in p["text"], (word, p["text"][:400])
    # The title says in words what the chart shows, with this fit's numbers.
    expect(page.locator(TITLE)).to_have_text(
        re.compile(rf"^A new school: [\d.]+ ± [\d.]+; this class \(school:class {level}\): [\d.]+ ± [\d.]+$")
    )
    expect(page.locator(SUBTITLE)).to_contain_text("Ignoring the groups (OLS) gives every population the same ±")
    return state


def run_prediction_checks(page, console, cell_stderr, click: bool) -> None:
    from playwright.sync_api import expect

    wait_for_fit(page, BOTH)
    first = check_drawn(page, "1:1", "1")  # nothing selected: the model's first row, a girl in class 1:1
    title = page.locator(TITLE).inner_text()

    # Choose a class: by a click on its dot in the shrinkage chart, or from Python (w.selected).
    tag_nodes(page, "pick")
    if click:
        level = page.evaluate(_PICK_DOT_JS, "1:1")
        assert level and re.fullmatch(r"\d+:\d+", level), level
        page.locator('[data-testid="chart-shrinkage"] [data-e2e-target]').click()
    else:
        level = "16:3"
        box = page.locator(PICK)
        box.fill(level)
        box.press("Enter")
    expect(page.locator(SEEN)).to_have_text(f"selected: {level}")
    school = level.split(":")[0]
    picked = check_drawn(page, level, school)
    assert picked["prediction"]["marks"] != first["prediction"]["marks"]
    assert page.locator(TITLE).inner_text() != title
    # Same structure, other data: the view is updated in place, not embedded again.
    nodes = tagged(page, "pick")["prediction"]
    assert nodes["view"], f"the prediction chart was embedded again instead of updated: {nodes}"

    if not click:
        # A refit keeping classes (REML -> ML) keeps the selection, with the new fit's numbers.
        tag_nodes(page, "refit")
        before = page.locator(TITLE).inner_text()
        page.locator('[data-testid="reml-toggle"]').uncheck()
        expect(page.locator('[data-testid="fit-status"]')).to_contain_text("done")
        expect(page.locator(TITLE)).not_to_have_text(before, timeout=30000)
        check_drawn(page, level, school)
        nodes = tagged(page, "refit")["prediction"]
        assert nodes["view"], f"the prediction chart was embedded again on a refit: {nodes}"
        page.locator('[data-testid="reml-toggle"]').check()
        expect(page.locator(TITLE)).to_have_text(before, timeout=30000)

    # A model without classes: two populations, and the class selection is dropped.
    apply_formula(page, SCHOOL_ONLY)
    # (after a whole refit, which a busy machine may take seconds over)
    expect(page.locator(SEEN)).to_have_text("selected: None", timeout=30000)
    expect(page.locator(TITLE)).to_have_text(
        re.compile(r"^A new school: [\d.]+ ± [\d.]+; this school \(school 1\): [\d.]+ ± [\d.]+$"), timeout=30000
    )
    state = wait_for_prediction_text(page, ["this school (school 1)", "a new school"])
    assert "a new class" not in state["prediction"]["text"]

    # The card's switch: confidence intervals for each population's mean (narrower: no sigma^2).
    expect(page.locator(SUBTITLE)).to_contain_text("95% prediction interval")
    page.locator('[data-testid="interval-confidence"]').check()
    expect(page.locator(SUBTITLE)).to_contain_text("95% confidence interval", timeout=30000)
    wait_for_prediction_text(page, ["95% confidence interval"])
    page.locator('[data-testid="interval-prediction"]').check()
    expect(page.locator(SUBTITLE)).to_contain_text("95% prediction interval", timeout=30000)

    assert cell_stderr() == []
    console.assert_no_errors()
    console.assert_no_external_requests()


@pytest.fixture(scope="module")
def prediction_notebook(write_notebook):
    return write_notebook("prediction", NOTEBOOK_CELLS)


def test_prediction_chart_voila(prediction_notebook, voila_notebook, console, cell_stderr):
    page = voila_notebook(prediction_notebook.name, wait_for=FIXED)
    run_prediction_checks(page, console, cell_stderr, click=False)


def test_prediction_chart_lab(prediction_notebook, lab_notebook, console, cell_stderr):
    page = lab_notebook(prediction_notebook.name, wait_for=FIXED)
    run_prediction_checks(page, console, cell_stderr, click=True)
