"""Fit jobs keep the designs of recent formulas: a model seen before is refitted without rebuilding
its matrices, and gives the same numbers as a fresh fit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import mixwidget
from mixwidget.design.limits import Limits
from mixwidget.widget import fitjobs

SCHOOL_CLASS = "like ~ sex + PrivPub + (1 | school) + (1 | school:class)"


@pytest.fixture
def builds(monkeypatch):
    """Count the designs fit jobs build, starting from none kept."""
    monkeypatch.setattr(fitjobs, "_designs", type(fitjobs._designs)())
    calls: list[str] = []
    real = fitjobs.build_design

    def counting(model, data, **kwargs):
        calls.append(str(model))
        return real(model, data, **kwargs)

    monkeypatch.setattr(fitjobs, "build_design", counting)
    return calls


def test_a_formula_seen_before_reuses_its_design_and_gives_the_same_numbers(science, builds):
    first = fitjobs.attach(fitjobs.fit_job(science, SCHOOL_CLASS, True), science)
    fitjobs.fit_job(science, "like ~ sex + PrivPub + (1 | school)", True)
    again = fitjobs.attach(fitjobs.fit_job(science, SCHOOL_CLASS, False), science)  # ML: same matrices
    again_reml = fitjobs.attach(fitjobs.fit_job(science, SCHOOL_CLASS, True), science)
    assert len(builds) == 2
    assert again.design is first.design and again_reml.design is first.design
    fresh = mixwidget.fit(SCHOOL_CLASS, science)
    pd.testing.assert_frame_equal(again_reml.fixed, fresh.fixed, rtol=1e-9)
    pd.testing.assert_frame_equal(again_reml.variance, fresh.variance, rtol=1e-9)
    assert again_reml.variance["variance"].round(4).tolist()[:1] == [0.3206]  # lme4: class 0.3206
    assert not again.reml and again.loglik == pytest.approx(mixwidget.fit(SCHOOL_CLASS, science, reml=False).loglik)


def test_designs_are_kept_per_data_object_and_limits(science, builds):
    fitjobs.fit_job(science, SCHOOL_CLASS, True)
    fitjobs.fit_job(science.copy(), SCHOOL_CLASS, True)  # equal data, another object: built again
    fitjobs.fit_job(science, SCHOOL_CLASS, True, Limits(random_effects=10_000))
    assert len(builds) == 3


def test_only_the_most_recent_designs_are_kept(science, builds):
    formulas = [f"like ~ sex + (1 | {g})" for g in ("school", "class", "Class", "school:class", "State")]
    for formula in formulas:
        fitjobs.fit_job(science, formula, True)
    assert len(fitjobs._designs) == fitjobs.DESIGNS_KEPT
    fitjobs.fit_job(science, formulas[0], True)  # the oldest was let go: built again
    fitjobs.fit_job(science, formulas[-1], True)  # the newest was kept
    assert len(builds) == len(formulas) + 1


def test_a_design_bigger_than_the_budget_is_not_kept(science, builds, monkeypatch):
    design = fitjobs.design_of(science, SCHOOL_CLASS)
    size = fitjobs.design_bytes(design)
    assert size >= design.X.nbytes + design.y.nbytes + sum(b.Z.nbytes for b in design.random)
    monkeypatch.setattr(fitjobs, "DESIGN_BYTES_KEPT", size - 1)
    fitjobs._designs.clear()
    fitjobs.fit_job(science, SCHOOL_CLASS, True)
    fitjobs.fit_job(science, SCHOOL_CLASS, True)
    assert len(builds) == 3 and not fitjobs._designs


def test_a_bad_formula_is_not_kept_and_still_explained(science, builds):
    with pytest.raises(mixwidget.FormulaError):
        fitjobs.fit_job(science, "like ~ sex + (1 | school", True)
    with pytest.raises(mixwidget.DataError, match="shcool"):
        fitjobs.fit_job(science, "like ~ sex + (1 | shcool)", True)
    assert not fitjobs._designs
    assert np.isfinite(fitjobs.fit_job(science, "like ~ sex + (1 | school)", True).loglik)
