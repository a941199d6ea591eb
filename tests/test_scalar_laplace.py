"""One scalar random term: the Laplace deviance evaluated group by group, and fits the engine's inner solver
could not finish (geepack's ohio) against R's glmer (tests/reference/lessons/ohio_lesson.json)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

import mixwidget
from mixwidget.engine.adapter import engine_model
from mixwidget.engine.glmm import _glmer, engine_family
from mixwidget.engine.scalar_laplace import ScalarLaplace

GLMM = Path(__file__).resolve().parent / "reference" / "glmm"
sys.path.insert(0, str(GLMM))
import data as glmm_data  # noqa: E402  (the glmer references' data sets)

REF = json.loads((Path(__file__).resolve().parent / "reference" / "lessons" / "ohio_lesson.json").read_text())


@pytest.fixture(scope="module")
def ohio_fit() -> mixwidget.MixedFit:
    return mixwidget.fit("resp ~ age + smoke + (1 | id)", mixwidget.load_dataset("ohio"), family="binomial")


def test_ohio_reaches_glmers_optimum(ohio_fit):
    """The engine alone stopped at theta 2.03, logLik -796.63 (its mode solve fails above theta 2.05)."""
    g = REF["glmer"]
    assert ohio_fit.loglik > g["logLik"] - 5e-3 and ohio_fit.loglik < g["logLik"] + 0.05
    np.testing.assert_allclose(ohio_fit.fixed["estimate"], g["estimate"], rtol=1e-3)
    np.testing.assert_allclose(ohio_fit.fixed["std_error"], g["se"], rtol=5e-3)
    np.testing.assert_allclose(ohio_fit.fixed["z_value"], g["stat"], rtol=5e-3)
    np.testing.assert_allclose(ohio_fit.variance["variance"].iloc[0], g["variance"], rtol=1e-3)
    ranef = ohio_fit.ranef.set_index("level").loc[[str(v) for v in REF["ranef"]["levels"]]]
    np.testing.assert_allclose(ranef["estimate"], REF["ranef"]["mode"], atol=2e-3)
    np.testing.assert_allclose(ranef["cond_sd"], REF["ranef"]["condsd"], rtol=2e-3)


def test_group_by_group_deviance_is_the_engines_where_its_solver_converges():
    """cbpp's herds: the engine's deviance at its optimum, evaluated again group by group."""
    cbpp = glmm_data.frame("cbpp")
    fit = mixwidget.fit("cbind(incidence, size - incidence) ~ period + (1 | herd)", cbpp, family="binomial")
    model = engine_model(fit.design)
    res = _glmer(model, engine_family(fit.design.family), 1)[0]
    laplace = ScalarLaplace(res.matrices, res.family)
    assert laplace.deviance(np.r_[res.theta, res.beta]) == pytest.approx(res.deviance, abs=1e-6)


@pytest.mark.parametrize("nagq", [2, 9, 25])
def test_group_by_group_quadrature_is_the_engines_where_its_solver_converges(nagq):
    """cbpp's herds: the engine's adaptive Gauss-Hermite deviance at its optimum, evaluated again group by group."""
    cbpp = glmm_data.frame("cbpp")
    fit = mixwidget.fit("cbind(incidence, size - incidence) ~ period + (1 | herd)", cbpp, family="binomial")
    res = _glmer(engine_model(fit.design), engine_family(fit.design.family), nagq)[0]
    quadrature = ScalarLaplace(res.matrices, res.family, nagq)
    assert quadrature.deviance(np.r_[res.theta, res.beta]) == pytest.approx(res.deviance, abs=1e-6)


@pytest.mark.parametrize("spec_id", ["cbpp_agq", "ohio_agq9", "ohio_agq25"])
def test_group_by_group_quadrature_is_lme4s(spec_id):
    """At glmer's (theta, beta) the quadrature deviance is lme4's deviance function with its modes solved to
    1e-13 (the same nodes, weights, scale and modes; without the response density's constants, as lme4's),
    and within 4e-4 of its reported -2 logLik (glmer stops its mode iterations at a relative change of 1e-7)."""
    ref = json.loads((GLMM / f"{spec_id}.json").read_text())
    spec = {s["id"]: s for s in json.loads((GLMM / "specs.json").read_text())}[spec_id]
    design = mixwidget.fit(spec["formula"], glmm_data.frame(spec["data"]), family="binomial").design
    model = engine_model(design)
    assert model.transform is None
    exact = ScalarLaplace(model.matrices, engine_family(design.family), ref["nAGQ"])
    deviance = exact.deviance(np.r_[ref["theta"], ref["fixef"]["estimate"]])
    assert deviance == pytest.approx(ref["deviance_tight_modes"], abs=1e-6)
    assert deviance == pytest.approx(-2 * ref["logLik"], abs=4e-4)


@pytest.mark.parametrize("family, link, y", [("binomial", "logit", "binary"), ("binomial", "cloglog", "proportion"),
                                             ("poisson", "log", "count")])
def test_written_out_deviance_residuals_are_the_engines_to_the_last_bit(family, link, y):
    """The per-group deviance's own clamp and deviance residuals (written out for the engine's Binomial and
    Poisson, one xlogy term for a 0/1 response) give the engine family's values bit for bit, over the range
    of means and with the clamp's bounds hit."""
    from types import SimpleNamespace

    import scipy.sparse as sp

    from mixwidget.design.response import Family

    rng = np.random.default_rng(3)
    n = 5000
    response = {"binary": rng.integers(0, 2, n).astype(float), "proportion": rng.integers(0, 7, n) / 6,
                "count": rng.poisson(3.0, n).astype(float)}[y]
    fam = engine_family(Family(family, link))
    Z = sp.csr_matrix((np.ones(n), rng.integers(0, 40, n), np.arange(n + 1)), shape=(n, 40))
    matrices = SimpleNamespace(Z=Z, y=response, weights=rng.uniform(0.5, 3.0, n), offset=np.zeros(n), X=np.ones((n, 1)))
    exact = ScalarLaplace(matrices, fam, 9)
    eta = np.r_[rng.normal(0.0, 25.0, n - 2), 800.0, -800.0]
    with np.errstate(over="ignore", invalid="ignore"):  # exp(800): an infinite Poisson mean, NaN both ways
        raw = fam.link.inverse(eta)
        mu = fam.clamp_mu(raw)
        assert np.array_equal(exact._clamp(raw), mu)
        ours = exact._deviance_resids(mu)
        assert np.array_equal(ours, fam.deviance_resids(response, mu, matrices.weights), equal_nan=True)
