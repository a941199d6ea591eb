"""pooling(): complete, no and partial pooling per group."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from lme4ref import fit_cached

import mixwidget


def test_class_intercepts_shrink_by_the_textbook_factor():
    fit = fit_cached("like ~ sex + PrivPub + (1 | school) + (1 | school:class)", "science")
    pool = mixwidget.pooling(fit, "school:class")
    assert len(pool) == 66 and set(pool["term"]) == {"(Intercept)"}
    assert pool["n"].sum() == fit.nobs
    # Complete pooling is the least-squares fit that ignores classes.
    ols = mixwidget.fit("like ~ sex + PrivPub", mixwidget.load_dataset("science"))
    assert pool["complete"].iloc[0] == pytest.approx(ols.fixed.loc["(Intercept)", "estimate"])
    # Partial pooling = shrinkage factor tau^2 / (tau^2 + sigma^2 / n) times the no-pooling deviation.
    tau2 = fit.variance.loc[0, "variance"]
    sigma2 = fit.sigma**2
    beta0 = fit.fixed.loc["(Intercept)", "estimate"]
    expected = beta0 + tau2 / (tau2 + sigma2 / pool["n"]) * (pool["no_pooling"] - beta0)
    np.testing.assert_allclose(pool["partial"], expected, rtol=2e-3, atol=2e-3)
    # Partial pooling equals lme4's coef(): fixed effect plus conditional mode.
    modes = fit.ranef.query("group == 'school:class'").set_index("level")["estimate"]
    np.testing.assert_allclose(pool.set_index("level")["partial"], beta0 + modes.loc[pool["level"]].to_numpy())


def test_random_slopes_give_intercept_and_slope_per_chick():
    fit = fit_cached("sqrt(weight) ~ Time + (Time | Chick) + Diet:Time", "ChickWeight")
    pool = mixwidget.pooling(fit, "Chick")
    assert set(pool["term"]) == {"(Intercept)", "Time"}
    assert pool["level"].nunique() == 50
    assert (pool.groupby("level")["n"].first() >= 2).all()


def test_random_slopes_shrink_toward_the_population_slope():
    fit = fit_cached("sqrt(weight) ~ Time + (Time - 1 | Chick) + Diet:Time", "ChickWeight")
    pool = mixwidget.pooling(fit, "Chick")
    beta = fit.fixed.loc["Time", "estimate"]
    shrunk = np.abs(pool["partial"] - beta)
    alone = np.abs(pool["no_pooling"] - beta)
    assert (shrunk <= alone + 1e-9).all()
    # Chicks with fewer weighings are pulled in harder.
    ratio = (shrunk / alone).groupby(pool["n"] < 12).median()
    assert ratio[True] < ratio[False]


def test_unknown_group_is_named():
    fit = fit_cached("like ~ sex + PrivPub + (1 | school:class)", "science")
    with pytest.raises(mixwidget.DataError, match="'school' is not a grouping factor.*'school:class'"):
        mixwidget.pooling(fit, "school")


def test_complete_pooling_uses_the_models_rows():
    sleep = mixwidget.load_dataset("sleepstudy")
    sleep.loc[:29, "Subject"] = np.nan  # 30 rows without a subject: the mixed model drops them
    fit = mixwidget.fit("Reaction ~ Days + (1 | Subject)", sleep)
    pool = mixwidget.pooling(fit, "Subject")
    same_rows = mixwidget.fit("Reaction ~ Days", sleep.dropna(subset=["Subject"]))
    assert fit.nobs == 150
    assert pool["complete"].iloc[0] == pytest.approx(same_rows.fixed.loc["(Intercept)", "estimate"])


def test_no_pooling_is_each_subjects_own_regression():
    """With one random term covering the fixed part, a subject's own line is its least-squares line."""
    sleep = mixwidget.load_dataset("sleepstudy")
    fit = fit_cached("Reaction ~ Days + (Days | Subject)", "sleepstudy")
    pool = mixwidget.pooling(fit, "Subject")
    for subject, rows in sleep.groupby("Subject", observed=True):
        slope, intercept = np.polyfit(rows["Days"], rows["Reaction"], 1)
        mine = pool[pool["level"] == str(subject)].set_index("term")
        assert mine["n"].tolist() == [len(rows)] * 2
        np.testing.assert_allclose(mine.loc[["(Intercept)", "Days"], "no_pooling"], [intercept, slope], rtol=1e-9)
    # The mixed model's coefficients are lme4's coef(): fixed effects plus conditional modes.
    modes = fit.ranef.set_index(["level", "term"])["estimate"]
    beta = fit.fixed["estimate"]
    expected = [beta[t] + modes[(lv, t)] for lv, t in zip(pool["level"], pool["term"])]
    np.testing.assert_allclose(pool["partial"], expected, rtol=1e-12)


def test_pooling_table_passed_in_gives_the_same_chart():
    """A chart given ``pooling(fit, group)`` draws what it computes itself."""
    from mixwidget.views import charts
    from mixwidget.views.charts.base import ChartRequest

    fit = fit_cached("Reaction ~ Days + (Days | Subject)", "sleepstudy")
    pool = mixwidget.pooling(fit, "Subject")
    for name in ("shrinkage", "lines", "slopes2d"):
        own = charts.CHARTS[name].data(ChartRequest({"m": fit}, "m"))
        given = charts.CHARTS[name].data(ChartRequest({"m": fit}, "m", options={"pool": pool}))
        assert own.title == given.title and own.subtitle == given.subtitle and own.key == given.key
        for key, table in own.datasets.items():
            pd.testing.assert_frame_equal(table, given.datasets[key])
