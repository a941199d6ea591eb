"""fit.confint(): Wald, profile and parametric-bootstrap intervals against R's confint()."""

from __future__ import annotations

import numpy as np
import pytest
from lme4ref import fit_cached
from simref import SCIENCE_MODEL, r_interval

import mixwidget

SLEEP_MODEL = "Reaction ~ Days + (Days | Subject)"
MODELS = {"science": (SCIENCE_MODEL, "science"), "sleep": (SLEEP_MODEL, "sleepstudy")}


@pytest.mark.parametrize("name", ["science", "sleep"])
def test_wald_intervals_match_lme4(name):
    fit = fit_cached(*MODELS[name])
    ours, r = fit.confint(method="Wald"), r_interval(f"{name}_wald")
    assert list(ours.index) == list(r.index)  # lme4's names, oldNames = FALSE
    fixed = list(fit.fixed.index)
    np.testing.assert_allclose(ours.loc[fixed, ["lower", "upper"]], r.loc[fixed], rtol=2e-4)
    assert ours.drop(index=fixed)[["lower", "upper"]].isna().all().all()  # lme4 gives NA there too


@pytest.mark.parametrize("name", ["science", "sleep"])
def test_profile_intervals_match_lme4_for_every_parameter(name):
    fit = fit_cached(*MODELS[name])
    ours, r = fit.confint(method="profile"), r_interval(f"{name}_profile")
    assert list(ours.index) == list(r.index)
    fixed = list(fit.fixed.index)
    np.testing.assert_allclose(ours.loc[fixed, ["lower", "upper"]], r.loc[fixed], rtol=2e-3)
    # SDs, correlations and sigma (science: the school SD is 0 at the boundary, its lower end 0)
    np.testing.assert_allclose(ours[["lower", "upper"]], r, atol=1e-2)


@pytest.mark.parametrize("name", ["science", "sleep"])
def test_bootstrap_intervals_agree_with_lme4_within_monte_carlo_error(name):
    fit = fit_cached(*MODELS[name])
    ours = fit.confint(method="boot", nsim=300, seed=4)
    r = r_interval(f"{name}_boot")  # 500 bootstrap samples
    assert list(ours.index) == list(r.index)
    assert ours.attrs["n_ok"] + ours.attrs["n_failed"] == 300
    # Percentile ends from 300 samples wander by a fraction of the interval's width.
    width = (r["upper"] - r["lower"]).to_numpy()
    for end in ["lower", "upper"]:
        assert np.all(np.abs(ours[end].to_numpy() - r[end].to_numpy()) <= 0.2 * width + 1e-9), end
    # Every interval holds its estimate, except a variance that is 0 at the boundary.
    inside = (ours["lower"] <= ours["estimate"] + 1e-12) & (ours["estimate"] <= ours["upper"] + 1e-12)
    assert inside.all()


def test_bootstrap_reproduces_with_a_seed():
    fit = fit_cached(SLEEP_MODEL, "sleepstudy")
    a = fit.confint(method="boot", nsim=20, seed=9, n_jobs=0)
    b = fit.confint(method="boot", nsim=20, seed=9, n_jobs=0)
    assert a.equals(b)


def test_least_squares_wald_is_the_t_interval(science):
    ols = mixwidget.fit("like ~ sex + PrivPub", science)
    import statsmodels.formula.api as smf

    ref = smf.ols("like ~ sex + PrivPub", science.dropna(subset=["like", "sex", "PrivPub"])).fit().conf_int()
    np.testing.assert_allclose(ols.confint()[["lower", "upper"]].to_numpy(), ref.to_numpy(), rtol=1e-8)


def test_bad_method_is_our_error():
    fit = fit_cached(SLEEP_MODEL, "sleepstudy")
    with pytest.raises(mixwidget.DataError, match="'Wald', 'boot', 'profile'"):
        fit.confint(method="wald")


def test_profile_reports_its_interval_ends_and_keeps_its_numbers():
    """progress(done, total) counts the interval ends found, from 0 to two per parameter; the
    intervals are those of a profile without a progress report."""
    from mixwidget.model.confint import variance_profile

    fit = fit_cached(*MODELS["sleep"])
    calls: list[tuple[int, int]] = []
    lower, upper = variance_profile(fit, 0.95, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(k, 8) for k in range(9)]  # 2 SDs, a correlation and sigma: 8 ends
    np.testing.assert_array_equal(np.c_[lower, upper], np.c_[tuple(variance_profile(fit, 0.95))])
    calls.clear()
    table = fit.confint(method="profile", progress=lambda done, total: calls.append((done, total)))
    assert calls[0] == (0, 12) and calls[-1] == (12, 12)  # and the two fixed effects' four ends
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    np.testing.assert_array_equal(table[["lower", "upper"]], fit.confint(method="profile")[["lower", "upper"]])


def test_a_cancel_stops_the_profile_within_one_deviance_evaluation(monkeypatch):
    import threading

    from mixwidget.engine import profile
    from mixwidget.jobs.control import Cancelled
    from mixwidget.model.confint import variance_profile

    fit = fit_cached(*MODELS["sleep"])
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Cancelled):  # a cancel already set: nothing is computed
        variance_profile(fit, cancel=cancel)
    with pytest.raises(Cancelled):
        fit.confint(method="profile", cancel=cancel)

    evaluations: list[bool] = []  # whether the cancel was set when each deviance evaluation began
    evaluate = profile._Deviance.__call__

    def counted(self, pars):
        evaluations.append(cancel.is_set())
        return evaluate(self, pars)

    def progress(done: int, total: int) -> None:
        if done == 3:  # in the middle of the profile: the next evaluation stops it
            cancel.set()

    monkeypatch.setattr(profile._Deviance, "__call__", counted)
    cancel.clear()
    with pytest.raises(Cancelled):
        variance_profile(fit, progress=progress, cancel=cancel)
    assert evaluations.count(True) == 1 and evaluations[-1] is True and len(evaluations) > 20
