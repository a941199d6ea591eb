"""Every refit, profile and simulation keeps the model's prior weights and offset; intervals for
every parameter (tests/reference/intervals/make_intervals_reference.R)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import mixwidget

FOLDER = Path(__file__).resolve().parent / "reference" / "intervals"


@cache
def reference() -> dict:
    return json.loads((FOLDER / "intervals_reference.json").read_text())


def r_table(case: str, method: str) -> pd.DataFrame:
    table = reference()[case][method]
    ends = {end: pd.to_numeric(pd.Series(table[end]), errors="coerce").to_numpy() for end in ("lower", "upper")}
    return pd.DataFrame(ends, index=table["parameter"])


@cache
def sleep() -> pd.DataFrame:
    data = mixwidget.load_dataset("sleepstudy")
    return data.assign(off=10.0 * data["Days"], w=1.0 + data["Days"] % 3)


@cache
def fitted(case: str) -> mixwidget.MixedFit:
    ref = reference()[case]
    return mixwidget.fit(ref["formula"], sleep(), weights=ref.get("weights"), reml=ref.get("REML", True))


@pytest.mark.parametrize("case", ["offset", "weights"])
def test_the_fits_are_lme4s(case):
    fit, ref = fitted(case), reference()[case]
    np.testing.assert_allclose(fit.fixed["estimate"], list(ref["fixef"].values()), rtol=1e-5)
    assert fit.sigma == pytest.approx(ref["sigma"], rel=1e-5)


@pytest.mark.parametrize("case", ["offset", "weights"])
def test_wald_intervals_match_lme4(case):
    ours, r = fitted(case).confint(method="Wald"), r_table(case, "wald")
    assert list(ours.index) == list(r.index)
    np.testing.assert_allclose(ours[["lower", "upper"]], r, rtol=1e-5)  # NaN where R has NA


def test_profile_of_a_model_with_an_offset_matches_lme4():
    # Before the refits took the offset, Days' interval was (8.89, 12.05), around the estimate without it.
    ours = fitted("offset").confint(method="profile")
    r = r_table("offset", "profile")
    assert list(ours.index) == list(r.index)
    np.testing.assert_allclose(ours[["lower", "upper"]], r, atol=1e-2)


@pytest.mark.parametrize("case", ["offset", "weights", "weights_corr", "sleep_ml"])
def test_profile_intervals_match_the_profile_by_definition(case):
    """R's profile computed from its definition (devfun2 and ML refits, see profile_by_definition.R):
    lme4 1.1-31's own profile() is wrong for weighted models, this is not."""
    ours = fitted(case).confint(method="profile")
    r = r_table(case, "profile_by_definition")
    assert list(ours.index) == list(r.index)
    np.testing.assert_allclose(ours[["lower", "upper"]], r, atol=1e-2)
    if case in ("offset", "sleep_ml"):  # where lme4's profile() is right, the definition agrees with it
        np.testing.assert_allclose(r, r_table(case, "profile"), atol=1e-3)


def test_profile_at_another_level():
    ours = fitted("sleep_ml").confint(method="profile", level=0.9)
    np.testing.assert_allclose(ours[["lower", "upper"]], r_table("sleep_ml", "profile_90"), atol=1e-2)


@pytest.mark.parametrize("case", ["offset", "weights"])
def test_simulated_responses_have_the_models_mean_and_variance(case):
    """Mean X beta + offset; variance sd_Subject^2 + sigma^2 / w (R's own simulate() in lme4 1.1-31
    ignores the weights: its sim_var is the same for every weight, so the model's moments are the reference)."""
    fit, moments = fitted(case), reference()[case]["moments"]
    Y = mixwidget.simulate(fit, nsim=4000, seed=11).to_numpy()
    mean, var = np.asarray(moments["mean"]), np.asarray(moments["var"])
    # Monte Carlo error: the mean's SD is sqrt(var / 4000) per row; a variance's about var * sqrt(2 / 4000).
    assert np.abs(Y.mean(axis=1) - mean).max() < 5 * np.sqrt(var.max() / 4000)
    by_weight = pd.DataFrame({"w": sleep()["w"], "sim": Y.var(axis=1, ddof=1), "model": var}).groupby("w").mean()
    np.testing.assert_allclose(by_weight["sim"], by_weight["model"], rtol=0.03)
    if case == "weights":  # weight 1 rows vary more than weight 3 rows, by sigma^2 x 2/3
        diff = by_weight.loc[1.0, "sim"] - by_weight.loc[3.0, "sim"]
        assert diff == pytest.approx(fit.sigma**2 * 2 / 3, rel=0.1)


def test_least_squares_simulation_and_refit_keep_weights_and_offset():
    data = sleep()
    fit = mixwidget.fit("Reaction ~ Days + offset(off)", data, weights="w")
    from mixwidget.engine.adapter import Refitter

    refitter = Refitter(fit.design)
    again = refitter.refit(fit.design.y)
    np.testing.assert_allclose(again.beta, fit.fixed["estimate"], rtol=1e-10)
    np.testing.assert_allclose(again.se, fit.fixed["std_error"], rtol=1e-10)
    Y = refitter.simulate(4000, seed=3)
    np.testing.assert_allclose(Y.mean(axis=1), fit.fitted, atol=5 * fit.sigma / np.sqrt(4000))
    var = pd.Series(Y.var(axis=1, ddof=1)).groupby(data["w"].to_numpy()).mean()
    np.testing.assert_allclose(var.to_numpy(), fit.sigma**2 / var.index.to_numpy(), rtol=0.03)


def test_bootstrap_of_a_model_with_an_offset_agrees_with_lme4():
    ours = fitted("offset").confint(method="boot", nsim=300, seed=5)
    r = r_table("offset", "boot")  # 500 samples
    assert list(ours.index) == list(r.index)
    width = (r["upper"] - r["lower"]).to_numpy()
    for end in ["lower", "upper"]:
        assert np.all(np.abs(ours[end].to_numpy() - r[end].to_numpy()) <= 0.2 * width), end


def test_bootstrap_of_a_weighted_model_agrees_with_its_profile():
    """lme4 1.1-31's bootstrap of a weighted model simulates without the weights (its sigma interval,
    48.8 to 61.9, misses the estimate 40.5), so the reference is the profile by definition."""
    ours = fitted("weights").confint(method="boot", nsim=300, seed=6)
    r = r_table("weights", "profile_by_definition")
    width = (r["upper"] - r["lower"]).to_numpy()
    for end in ["lower", "upper"]:
        assert np.all(np.abs(ours[end].to_numpy() - r[end].to_numpy()) <= 0.2 * width), end
    assert ((ours["lower"] < ours["estimate"]) & (ours["estimate"] < ours["upper"])).all()
