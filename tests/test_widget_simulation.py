"""The explorer's check by simulation: choices, a background run, progress, cancel, the chart."""

from __future__ import annotations

import json
import time

import altair as alt
import pytest

import mixwidget
from mixwidget.views.charts.base import rows as sent_rows

BOTH = "like ~ sex + PrivPub + (1 | school) + (1 | school:class)"


@pytest.fixture
def w(science):
    widget = mixwidget.MixWidget(science, BOTH)
    widget.wait(120)
    widget._sim.n_jobs = 0  # refit in the kernel's process: quick for the small runs here
    yield widget
    widget.cancel_simulation()
    widget.wait_simulation(60)


def test_defaults_offer_the_current_fit_least_squares_and_the_term_that_changes_most(w):
    o = w.simulation_options
    assert [t["id"] for t in o["truths"]] == ["current"]
    assert [c["id"] for c in o["candidates"]] == ["current", "ols"]
    assert o["candidates"][1]["formula"] == "like ~ sex + PrivPub"
    # PrivPub's t is 2.22 with school + class and 3.76 by least squares: the biggest change.
    assert o["term"] == "PrivPubpublic"
    w.pin()
    ids = [t["id"] for t in w.simulation_options["truths"]]
    assert len(ids) == 2 and ids[0] == "current" and ids[1].startswith("pin:")
    # One name per model: the pin's name, said once (not "school + class: school + class").
    assert [t["label"] for t in w.simulation_options["truths"]] == ["Current model: school + class", "school + class"]
    w.rename_pin(0, "full model")
    w.wait(60)
    labels = [t["label"] for t in w.simulation_options["truths"]]
    assert labels == ["Current model: full model", "full model (school + class)"]
    assert [c["label"] for c in w.simulation_options["candidates"]] == ["full model", "least squares (no groups)"]


def test_a_run_reports_progress_survives_a_new_formula_and_draws_the_chart(w):
    seen = []
    w.observe(lambda change: seen.append(dict(change["new"])), names="simulation_status")
    w.check_by_simulation(nsim=20)
    w.formula = "like ~ sex + (1 | school)"  # a new formula does not stop the simulation
    w.wait(120)
    table = w.wait_simulation(300)
    assert w.simulation_status["state"] == "done"
    assert table is w.simulation and table.attrs["nsim_done"] == 20
    assert set(table["label"]) == {"school + class", "least squares"}
    assert table.attrs["null_terms"] == ["PrivPubpublic"] and table.attrs["truth"] == BOTH
    assert any(s["state"] == "running" and 0 < s["done"] < 20 for s in seen) or seen[-1]["done"] == 20
    assert seen[-1]["done"] == 20 and "rejects a true null" in seen[-1]["title"]
    assert "simulation" in w.chart_specs and "simulation" not in w.chart_notes
    assert "rejects a true null" in w.chart_captions["simulation"]["title"]
    rows = sent_rows(w.chart_data["simulation"]["simulation_rates"])
    assert [r["label"] for r in rows] == ["school + class", "least squares"]
    assert isinstance(w.chart("simulation"), alt.TopLevelMixin)
    # The fits' charts keep the simulation's chart when they refresh.
    w.formula = BOTH
    w.wait(120)
    assert "simulation" in w.chart_specs


def test_cancel_stops_a_run_and_keeps_what_was_done(w):
    w.check_by_simulation(nsim=5000)
    deadline = time.time() + 120
    while w.simulation_status.get("done", 0) < 2 and time.time() < deadline:
        time.sleep(0.05)
    started = time.perf_counter()
    w.cancel_simulation()
    w.wait_simulation(60)
    assert time.perf_counter() - started < 10
    status = w.simulation_status
    assert status["state"] == "cancelled" and 2 <= status["done"] < 5000
    assert w.simulation.attrs["cancelled"]


def test_choices_from_the_page_are_checked(w):
    w._on_message(w, {"kind": "simulate", "truth": "__import__('os')", "nsim": 20}, None)
    assert w.simulation_status["state"] == "error" and "unknown truth" in w.simulation_status["message"]
    w._on_message(w, {"kind": "simulate", "truth": "current", "nsim": 10**9}, None)
    assert "nsim must be" in w.simulation_status["message"]
    w._on_message(w, {"kind": "simulate", "truth": "current", "candidates": ["rm -rf"], "nsim": 20}, None)
    assert "choose candidates" in w.simulation_status["message"]
    assert w.simulation is None


def test_chart_before_any_simulation_says_what_to_do(w):
    with pytest.raises(mixwidget.views.charts.NotApplicable, match="run a check by simulation"):
        w.chart("simulation")


def test_binomial_model_checks_wald_z_against_the_plain_glm():
    """A binary outcome: the candidates are the GLMM and the plain binomial GLM, tested by Wald z."""
    ohio = mixwidget.load_dataset("ohio")
    w = mixwidget.MixWidget(ohio, "resp ~ age + smoke + (1 | id)", family="binomial", isolate=False)
    try:
        w.wait(120)
        w._sim.n_jobs = 0
        o = w.simulation_options
        assert [c["label"] for c in o["candidates"]] == ["id only (ML)", "plain GLM (no groups)"]
        assert o["candidates"][1]["formula"] == "resp ~ age + smoke"
        assert o["test"] == "Wald z tests (binomial, logit link)" and o["nsim"] == 100
        assert o["term"] in ("age", "smoke")
        w.check_by_simulation(term="smoke", nsim=20)
        table = w.wait_simulation(300)
        assert w.simulation_status["state"] == "done" and table.attrs["nsim_done"] == 20
        assert table.attrs["statistic"] == "z" and table.attrs["family"] == "binomial"
        assert set(table["statistic"]) == {"z"}
        assert list(dict.fromkeys(table["label"])) == ["id only (ML)", "plain GLM"]
        smoke = table[table["term"] == "smoke"].set_index("label")
        assert (smoke["n_failed"] == 0).all() and smoke["null"].all()
        assert w.simulation_status["title"].endswith("(Wald z tests, binomial)")
        caption = w.chart_captions["simulation"]
        assert "(binomial, logit link) with smoke set to 0" in caption["subtitle"][0]
        spec = json.dumps(w.chart_specs["simulation"])
        assert "False positives (Wald z test at 5%)" in spec and "95% Wald z intervals covering the truth" in spec
        assert "t test" not in spec
    finally:
        w.cancel_simulation()
        w.wait_simulation(60)
        w.close()
