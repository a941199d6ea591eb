"""Engine adapter: BLAS threads are limited around small fits and left alone for large ones; least
squares give statsmodels' numbers."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from threadpoolctl import threadpool_info

import mixwidget
from mixwidget.engine import adapter as engine


def blas_thread_counts() -> set[int]:
    return {lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"}


def test_small_fits_use_one_blas_thread_and_restore_the_setting(science, monkeypatch):
    seen = []
    real = engine._lmer

    def spy(*args, **kwargs):
        seen.append(("fit", blas_thread_counts()))
        result = real(*args, **kwargs)
        ranef = result.ranef

        def ranef_spy(*a, **k):  # the conditional variances: dense solves, slow with many threads under load
            seen.append(("ranef", blas_thread_counts()))
            return ranef(*a, **k)

        result.ranef = ranef_spy
        return result

    monkeypatch.setattr(engine, "_lmer", spy)
    before = blas_thread_counts()
    fit = mixwidget.fit("like ~ sex + PrivPub + (1 | school) + (1 | school:class)", science)
    assert seen == [("fit", {1}), ("ranef", {1})]
    assert blas_thread_counts() == before
    assert engine.blas_threads(fit.design) == 1


def test_large_dense_problems_keep_the_library_threads():
    def design(rows: int, fixed: int, random: tuple[int, ...]) -> SimpleNamespace:
        return SimpleNamespace(
            y=np.empty(rows), X=np.empty((1, fixed)), random=[SimpleNamespace(Z=np.empty((1, q))) for q in random]
        )

    assert engine.blas_threads(design(1_385, 3, (1, 1))) == 1  # the science model
    assert engine.blas_threads(design(5_000, 4, (2,))) == 1
    assert engine.blas_threads(design(73_421, 2, (1, 1))) is None  # InstEval
    assert engine.blas_threads(design(1_000_000, 2, (2,))) is None  # many rows
    assert engine.blas_threads(design(2_000, 60, (1,))) is None  # a big dense cross-product


@pytest.mark.parametrize("weights, offset", [(None, None), ("w", None), (None, "o"), ("w", "o")])
def test_least_squares_give_statsmodels_numbers(science, weights, offset):
    import statsmodels.api as sm

    rng = np.random.default_rng(3)
    data = science.assign(w=rng.uniform(0.2, 3, len(science)), o=rng.normal(size=len(science)),
                          x=rng.normal(1000, 2, len(science)))
    fit = mixwidget.fit("like ~ sex * PrivPub + Class + x", data, weights=weights, offset=offset)
    d = fit.design
    off = np.zeros(d.nobs) if d.offset is None else d.offset
    model = sm.OLS(d.y - off, d.X) if d.weights is None else sm.WLS(d.y - off, d.X, weights=d.weights)
    ref = model.fit()
    np.testing.assert_allclose(fit.fixed["estimate"], ref.params, rtol=1e-10)
    np.testing.assert_allclose(fit.fixed["std_error"], ref.bse, rtol=1e-10)
    np.testing.assert_allclose(fit.fixed["t_value"], ref.tvalues, rtol=1e-10)
    # x (1000 +- 2) next to the intercept: covariances near zero cancel; compare on the matrix's scale
    vcov = np.asarray(ref.cov_params())
    np.testing.assert_allclose(fit.vcov.to_numpy(), vcov, rtol=1e-10, atol=1e-10 * np.abs(vcov).max())
    np.testing.assert_allclose(fit.fitted, ref.fittedvalues + off, rtol=1e-10)
    assert fit.sigma == pytest.approx(np.sqrt(ref.scale), rel=1e-10)
    assert fit.loglik == pytest.approx(ref.llf, rel=1e-10)
    assert (fit.fixed["df"] == ref.df_resid).all()


@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")  # its log-likelihood is -inf
def test_zero_weights_are_left_to_statsmodels(science):
    w = np.ones(len(science))
    w[:5] = 0.0
    fit = mixwidget.fit("like ~ sex + PrivPub", science, weights=w)
    import statsmodels.api as sm

    d = fit.design
    ref = sm.WLS(d.y, d.X, weights=d.weights).fit()
    np.testing.assert_allclose(fit.fixed["estimate"], ref.params, rtol=1e-10)
    assert fit.fixed["df"].iloc[0] == ref.df_resid
