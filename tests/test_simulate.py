"""simulate(): new random effects and residuals on the model's own design, as lme4's simulate()."""

from __future__ import annotations

import numpy as np
import pytest
from lme4ref import fit_cached
from simref import SCIENCE_MODEL

import mixwidget


def test_draws_keep_the_models_rows_and_reproduce_with_a_seed():
    fit = fit_cached(SCIENCE_MODEL, "science")
    sims = mixwidget.simulate(fit, nsim=4, seed=11)
    assert list(sims.columns) == ["sim_1", "sim_2", "sim_3", "sim_4"]
    # The two rows with a missing value are not simulated (lme4's na.omit).
    assert fit.n_dropped == 2 and len(sims) == fit.nobs == 1383
    assert sims.index.equals(fit.design.rows)
    assert sims.equals(mixwidget.simulate(fit, nsim=4, seed=11))
    assert not np.allclose(sims.to_numpy(), mixwidget.simulate(fit, nsim=4, seed=12).to_numpy())


def test_draws_have_the_fitted_means_variances_and_class_correlation():
    fit = fit_cached(SCIENCE_MODEL, "science")
    nsim = 4000
    Y = mixwidget.simulate(fit, nsim=nsim, seed=3).to_numpy()
    tau2 = fit.variance.set_index("group").loc["school:class", "variance"]
    sigma2 = fit.sigma**2
    mean = fit.design.X @ fit.fixed["estimate"].to_numpy()
    # Each row's mean is its fixed part; averaged over rows the Monte Carlo error is tiny.
    assert np.abs(Y.mean(axis=1) - mean).mean() < 4 * np.sqrt((tau2 + sigma2) / nsim)
    # Each row's variance is class variance + residual variance (school variance is 0 here).
    assert Y.var(axis=1, ddof=1).mean() == pytest.approx(tau2 + sigma2, rel=0.02)
    # Two students in one class share the class effect: covariance tau^2; different classes: 0.
    codes = fit.design.random[[b.group for b in fit.design.random].index("school:class")].codes
    a, b = np.flatnonzero(codes == codes[0])[:2]
    c = np.flatnonzero(codes != codes[0])[0]
    centred = Y - Y.mean(axis=1, keepdims=True)
    assert (centred[a] @ centred[b]) / (nsim - 1) == pytest.approx(tau2, abs=0.12)
    assert abs((centred[a] @ centred[c]) / (nsim - 1)) < 0.2


def test_simulated_data_refit_like_the_original(science):
    fit = fit_cached(SCIENCE_MODEL, "science")
    frames = list(mixwidget.simulated_data(fit, nsim=2, seed=5))
    assert len(frames) == 2 and len(frames[0]) == fit.nobs
    assert frames[0]["like"].to_numpy() == pytest.approx(mixwidget.simulate(fit, nsim=2, seed=5)["sim_1"].to_numpy())
    refit = mixwidget.fit(SCIENCE_MODEL, frames[0])
    assert list(refit.fixed.index) == list(fit.fixed.index)


def test_least_squares_fits_simulate_residuals_only(science):
    ols = mixwidget.fit("like ~ sex + PrivPub", science)
    Y = mixwidget.simulate(ols, nsim=3000, seed=1).to_numpy()
    assert Y.var(axis=1, ddof=1).mean() == pytest.approx(ols.sigma**2, rel=0.02)


def test_bad_nsim_is_our_error():
    fit = fit_cached(SCIENCE_MODEL, "science")
    with pytest.raises(mixwidget.DataError, match="nsim"):
        mixwidget.simulate(fit, nsim=0)
