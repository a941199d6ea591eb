"""Predictors of large magnitude and small spread (Unix ms, 1e8 + a spread of 1000, ns since the epoch)
are fitted accurately: the engine gets centred, scaled columns and the estimates are transformed back
(tests/reference/scale/make_scale_reference.R)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import mixwidget
from mixwidget.engine.adapter import Refitter, fixed_transform

FOLDER = Path(__file__).resolve().parent / "reference" / "scale"


@cache
def data() -> pd.DataFrame:
    return pd.read_csv(FOLDER / "scale.csv").astype({"g": "category"})


@cache
def reference() -> dict:
    return json.loads((FOLDER / "scale_reference.json").read_text())


@pytest.mark.parametrize("x", ["ms", "big", "ns"])
def test_least_squares_match_r_lm(x):
    fit, ref = mixwidget.fit(f"y ~ {x}", data()), reference()[x]["lm"]
    # Before: the ns slope came out 5e-19 (statsmodels' pseudo-inverse of the raw columns), not 2.48e-14.
    np.testing.assert_allclose(fit.fixed["estimate"], ref["estimate"], rtol=1e-8)
    np.testing.assert_allclose(fit.fixed["std_error"], ref["se"], rtol=1e-8)
    np.testing.assert_allclose(fit.fixed["t_value"], ref["t"], rtol=1e-8)


@pytest.mark.parametrize("x", ["ms", "big", "ns"])
def test_mixed_fits_match_lmer_on_the_centred_predictor(x):
    fit, ref = mixwidget.fit(f"y ~ {x} + (1 | g)", data()), reference()[x]["lmer"]
    np.testing.assert_allclose(fit.fixed["estimate"], ref["estimate"], rtol=1e-6)
    np.testing.assert_allclose(fit.fixed["std_error"], ref["se"], rtol=1e-5)
    np.testing.assert_allclose(fit.fixed["t_value"], ref["t"], rtol=1e-5)
    assert fit.fixed["df"].iloc[1] == pytest.approx(ref["slope_df"], rel=1e-4)
    assert fit.sigma == pytest.approx(ref["sigma"], rel=1e-6)
    assert fit.loglik == pytest.approx(ref["logLik"], abs=1e-6)
    assert not any("fitting engine" in m for m in fit.messages)


def test_the_intercepts_df_is_lmertests_contrast_df():
    fit = mixwidget.fit("y ~ ns + (1 | g)", data())
    assert fit.fixed["df"].iloc[0] == pytest.approx(reference()["ns"]["lmer"]["intercept_df"], rel=1e-4)


def test_the_units_do_not_change_the_answer():
    ms = mixwidget.fit("y ~ ms + (1 | g)", data())
    ns = mixwidget.fit("y ~ ns + (1 | g)", data())
    np.testing.assert_allclose(ns.fixed["estimate"].iloc[1] * 1e6, ms.fixed["estimate"].iloc[1], rtol=1e-8)
    np.testing.assert_allclose(ns.fixed["t_value"], ms.fixed["t_value"], rtol=1e-7)


def test_refits_and_profiles_use_the_same_conditioning():
    fit = mixwidget.fit("y ~ ns + (1 | g)", data())
    again = Refitter(fit.design).refit(fit.design.y)
    np.testing.assert_allclose(again.beta, fit.fixed["estimate"], rtol=1e-6)
    np.testing.assert_allclose(again.se, fit.fixed["std_error"], rtol=1e-5)
    np.testing.assert_allclose(again.df, fit.fixed["df"], rtol=1e-4)
    ci = fit.confint(method="profile")
    wald = fit.confint(method="Wald")
    # the slope's profile interval is close to Wald's for this well-estimated slope
    np.testing.assert_allclose(ci.loc["ns", ["lower", "upper"]], wald.loc["ns", ["lower", "upper"]], rtol=0.02)
    ols = mixwidget.fit("y ~ ns", data())
    again = Refitter(ols.design).refit(ols.design.y)
    np.testing.assert_allclose(again.beta, ols.fixed["estimate"], rtol=1e-8)


def test_ordinary_designs_are_given_to_the_engine_as_they_are(science):
    fit = mixwidget.fit("like ~ sex + PrivPub + (1 | school)", science)
    assert fixed_transform(fit.design.X) is None
    sleep = mixwidget.fit("Reaction ~ Days + (Days | Subject)", mixwidget.load_dataset("sleepstudy"))
    assert fixed_transform(sleep.design.X) is None
