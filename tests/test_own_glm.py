"""Each group's own estimates in a binomial or Poisson model with random slopes (no pooling), against
statsmodels' GLM on the group's rows (R's glm(y ~ 0 + Z, offset = ...)), and NaN where that fit does
not exist."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

import mixwidget
from mixwidget.design.response import family_of as make_family
from mixwidget.model.own_glm import own_glm_estimates, separated
from mixwidget.model.pooling import pooled

sys.path.insert(0, str(Path(__file__).parent / "reference" / "glmm"))
import data as glmm_data  # noqa: E402  (the reference data sets, as the R script reads them)

sm = pytest.importorskip("statsmodels.api")

CONTRA = "use ~ age + urban + (urban | district)"


@pytest.fixture(scope="module")
def contra_fit():
    return mixwidget.fit(CONTRA, glmm_data.frame("Contraception"), family="binomial")


def _glm(y: np.ndarray, Z: np.ndarray, offset: np.ndarray, family, weights: np.ndarray | None = None) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sm.GLM(y, Z, family=family, offset=offset, var_weights=weights).fit(tol=1e-12, maxiter=200).params


def _own(fit, group: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The groups' own estimates as shifts from the fixed effects, the grouping factor's codes and its terms."""
    p = pooled(fit, group)
    beta = np.array([float(fit.fixed["estimate"].get(t, 0.0)) for t in p.names])
    [block] = [b for b in fit.design.random if b.group == group]
    return p.no_pooling - beta, block.codes, p.names


def test_each_districts_own_intercept_and_urban_slope_is_its_glm(contra_fit):
    d = contra_fit.design
    own, codes, names = _own(contra_fit, "district")
    assert names == ["(Intercept)", "urbanY"]
    eta = d.X @ contra_fit.fixed["estimate"].to_numpy()
    Z = d.random[0].Z
    # Districts 1, 4 and 5: rural and urban women of both outcomes, an own fit that exists.
    for code in (0, 3, 4):
        rows = codes == code
        expected = _glm(d.y[rows], Z[rows], eta[rows], sm.families.Binomial())
        np.testing.assert_allclose(own[code], expected, atol=1e-6)
    # Every district with an own estimate agrees with its GLM; 37 of the 60 have one.
    finite = np.isfinite(own).all(axis=1)
    assert finite.sum() == 37 and (np.isnan(own[~finite])).all()
    for code in np.flatnonzero(finite):
        rows = codes == code
        np.testing.assert_allclose(own[code], _glm(d.y[rows], Z[rows], eta[rows], sm.families.Binomial()),
                                   atol=1e-6)


def test_districts_without_an_own_fit_get_nan(contra_fit):
    d = contra_fit.design
    own, codes, _ = _own(contra_fit, "district")
    urban = d.random[0].Z[:, 1]
    levels = list(d.random[0].levels)
    # District 2: only rural women, so no urban slope of its own (glm gives NA); district 11: nobody
    # uses contraception (intercept -infinity).
    for level in (2, 11):
        code = levels.index(level) if level in levels else levels.index(str(level))
        assert np.isnan(own[code]).all()
    two = levels.index(2) if 2 in levels else levels.index("2")
    assert urban[codes == two].max() == 0
    # District 8: every urban woman uses contraception (2 of 2), the rural ones do not all: separation,
    # where glm's slope runs off to about 30.
    eight = levels.index(8) if 8 in levels else levels.index("8")
    rows = codes == eight
    assert (d.y[rows][urban[rows] == 1] == 1).all() and 0 < d.y[rows][urban[rows] == 0].mean() < 1
    assert abs(_glm(d.y[rows], d.random[0].Z[rows], np.zeros(rows.sum()), sm.families.Binomial())[1]) > 10
    assert np.isnan(own[eight]).all()


def test_probit_slopes_are_fitted_by_fisher_scoring():
    fit = mixwidget.fit(CONTRA, glmm_data.frame("Contraception"), family="binomial", link="probit")
    d = fit.design
    own, codes, _ = _own(fit, "district")
    eta = d.X @ fit.fixed["estimate"].to_numpy()
    probit = sm.families.Binomial(link=sm.families.links.Probit())
    for code in (0, 3, 4):
        rows = codes == code
        np.testing.assert_allclose(own[code], _glm(d.y[rows], d.random[0].Z[rows], eta[rows], probit), atol=1e-6)


@pytest.fixture(scope="module")
def counts() -> pd.DataFrame:
    """Poisson counts with a random intercept and slope of x per g, a crossed random intercept per h,
    and exposure; g = 0 has counts only at its largest x (quasi-separation), g = 1 only zeros."""
    rng = np.random.default_rng(7)
    n_g, per = 24, 20
    g = np.repeat(np.arange(n_g), per)
    h = rng.integers(0, 8, len(g))
    x = rng.uniform(-1, 1, len(g))
    u = rng.normal(0, [0.5, 0.4], (n_g, 2))
    exposure = rng.uniform(1, 3, len(g))
    mu = exposure * np.exp(0.8 + 0.5 * x + u[g, 0] + u[g, 1] * x + rng.normal(0, 0.3, 8)[h])
    y = rng.poisson(mu)
    first = g == 0
    y[first] = 0  # g = 0: one count, at its largest x: its own slope runs off to infinity
    y[np.flatnonzero(first)[np.argmax(x[first])]] = 3
    y[g == 1] = 0
    return pd.DataFrame({"y": y, "x": x, "g": pd.Categorical(g), "h": pd.Categorical(h), "logexp": np.log(exposure)})


def test_poisson_slopes_are_each_groups_glm_with_the_rest_as_offset(counts):
    fit = mixwidget.fit("y ~ x + offset(logexp) + (x | g) + (1 | h)", counts, family="poisson")
    d = fit.design
    own, codes, names = _own(fit, "g")
    assert names == ["(Intercept)", "x"]
    h = next(b for b in d.random if b.group == "h")
    h_modes = fit.ranef.query("group == 'h'").set_index("level")["estimate"]
    other = h_modes.loc[[str(v) for v in h.levels]].to_numpy()[h.codes]
    eta = d.X @ fit.fixed["estimate"].to_numpy() + other + counts["logexp"].to_numpy()
    Z = d.random[[b.group for b in d.random].index("g")].Z
    levels = [str(v) for v in d.random[[b.group for b in d.random].index("g")].levels]
    for level in ("2", "5", "17"):
        rows = codes == levels.index(level)
        np.testing.assert_allclose(own[levels.index(level)],
                                   _glm(d.y[rows], Z[rows], eta[rows], sm.families.Poisson()), atol=1e-6)
    assert np.isnan(own[levels.index("0")]).all() and np.isnan(own[levels.index("1")]).all()
    assert np.isfinite(own).all(axis=1).sum() == 22


def _design(y, family_name: str = "binomial", link: str | None = None, weights=None) -> SimpleNamespace:
    return SimpleNamespace(y=np.asarray(y, float), weights=weights, family=make_family(family_name, link))


@pytest.mark.parametrize("link", ["logit", "probit", "cloglog", "cauchit"])
def test_a_group_separated_by_its_slope_or_too_small_gets_nan(link):
    x = np.array([1, 2, 3, 4, 1, 2, 3, 4, 5, 6, 1, 2, 2, 3, 3, 4, 4, 5, 9])
    y = np.array([0, 0, 1, 1, 0, 0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 0, 1, 1, 1])
    codes = np.array([0] * 4 + [1] * 6 + [2] * 8 + [3])
    Z = np.column_stack([np.ones(len(x)), x])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        own = own_glm_estimates(_design(y, link=link), np.zeros(len(x)), Z, codes, 4)
    assert np.isnan(own[0]).all()  # complete separation: x < 2.5 all 0, x > 2.5 all 1
    assert np.isnan(own[3]).all()  # one row for two coefficients
    sm_link = {"logit": sm.families.links.Logit(), "probit": sm.families.links.Probit(),
               "cloglog": sm.families.links.CLogLog(), "cauchit": sm.families.links.Cauchy()}[link]
    for g in (1, 2):
        rows = codes == g
        expected = _glm(y[rows], Z[rows], np.zeros(rows.sum()), sm.families.Binomial(link=sm_link))
        # The cauchit likelihood is flat at its top: statsmodels and R's glm stop within 3e-6 of it.
        np.testing.assert_allclose(own[g], expected, atol=1e-5 if link == "cauchit" else 1e-6)


def test_separation_is_decided_exactly():
    Z = np.column_stack([np.ones(5), [1, 2, 3, 3, 4]])
    assert separated(Z, np.array([0, 0, 1, 0, 1.0]), "binomial")  # quasi-complete: tied at x = 3
    assert not separated(Z, np.array([0, 1, 0, 1, 0.0]), "binomial")
    assert separated(Z, np.array([0, 0, 0.5, 0.5, 1]), "binomial")  # the proportions at x = 3 do not help
    assert not separated(Z, np.array([0, 1, 0.5, 0.5, 0]), "binomial")
    assert separated(Z, np.array([0, 0, 0, 0, 3.0]), "poisson")  # a count only at the largest x
    assert separated(Z, np.zeros(5), "poisson")
    assert not separated(Z, np.array([0, 0, 2, 1, 3.0]), "poisson")  # counts at two x values pin the slope
    assert not separated(Z, np.array([1, 0, 2, 0, 3.0]), "poisson")
