"""The explorer's profile intervals of the variance components: asked for, computed in the background,
matched to the random-effects table's rows, and dropped when the fit changes."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from simref import r_interval

import mixwidget

SLEEP = "Reaction ~ Days + (Days | Subject)"


@pytest.fixture
def w():
    widget = mixwidget.MixWidget(mixwidget.load_dataset("sleepstudy"), SLEEP)
    widget.wait(120)
    yield widget
    widget.close()


def test_intervals_fill_the_rows_of_the_random_effects_table(w):
    assert w.intervals["state"] == "idle"
    out = w.variance_intervals_now(timeout=300)
    assert out["state"] == "done" and out["fit_id"] == w.current["id"]
    rows = {(r["group"], r["term"]): (r["lower"], r["upper"]) for r in out["rows"]}
    assert set(rows) == {(r["group"], r["term"]) for r in w.current["variance"]}
    r = r_interval("sleep_profile")  # lme4's confint(fit)
    expected = {
        ("Subject", "(Intercept)"): "sd_(Intercept)|Subject",
        ("Subject", "(Intercept)~Days"): "cor_Days.(Intercept)|Subject",
        ("Subject", "Days"): "sd_Days|Subject",
        ("Residual", ""): "sigma",
    }
    for row, name in expected.items():
        np.testing.assert_allclose(rows[row], r.loc[name], atol=1e-2)


def test_the_page_asks_and_the_comm_thread_is_not_held(w):
    started = threading.Event()
    w.observe(lambda change: started.set() if change["new"]["state"] == "running" else None, names="intervals")
    w._on_message(w, {"kind": "variance_intervals"}, [])
    assert started.is_set()  # the message returned at once, the profile runs in the background
    assert w.intervals["state"] in ("running", "done")
    w.variance_intervals_now(timeout=300)
    assert w.intervals["state"] == "done"


def test_a_new_fit_clears_them(w):
    w.variance_intervals_now(timeout=300)
    w.formula = "Reaction ~ Days + (1 | Subject)"
    w.wait(120)
    assert w.intervals["state"] == "idle" and w.intervals["fit_id"] == w.current["id"]
    out = w.variance_intervals_now(timeout=300)
    assert [(r["group"], r["term"]) for r in out["rows"]] == [("Subject", "(Intercept)"), ("Residual", "")]


def test_least_squares_fits_have_none(w):
    w.formula = "Reaction ~ Days"
    w.wait(120)
    assert w.variance_intervals_now(timeout=10)["state"] == "idle"
