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
    res = _glmer(model, engine_family(fit.design.family), 1)
    laplace = ScalarLaplace(res.matrices, res.family)
    assert laplace.deviance(np.r_[res.theta, res.beta]) == pytest.approx(res.deviance, abs=1e-6)
