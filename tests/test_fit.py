"""mixwidget.fit against lme4 1.1-31 / lmerTest reference fits (tests/reference/lme4)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from lme4ref import fit_cached, load_reference, reference_files

MIXED = [p for p in reference_files() if load_reference(p).get("REML") is not None]
OLS = [p for p in reference_files() if load_reference(p).get("REML") is None]


def _as_list(x):
    return x if isinstance(x, list) else [x]


def _fit(ref):
    return fit_cached(ref["formula"], ref["data"], reml=bool(ref["REML"]) if ref.get("REML") is not None else True)


@pytest.fixture(params=MIXED, ids=[p.stem for p in MIXED])
def pair(request):
    ref = load_reference(request.param)
    return ref, _fit(ref)


def test_fixed_effects(pair):
    ref, fit = pair
    fe = ref["fixef"]
    assert list(fit.fixed.index) == _as_list(fe["names"])
    np.testing.assert_allclose(fit.fixed["estimate"], _as_list(fe["estimate"]), rtol=1e-4, atol=1e-10)
    np.testing.assert_allclose(fit.fixed["std_error"], _as_list(fe["se"]), rtol=1e-3)
    np.testing.assert_allclose(fit.fixed["t_value"], _as_list(fe["t"]), rtol=1e-3)
    np.testing.assert_allclose(fit.fixed["df"], _as_list(fe["df_satterthwaite"]), rtol=1e-3)
    np.testing.assert_allclose(fit.fixed["p_value"], _as_list(fe["p_satterthwaite"]), rtol=2e-3, atol=1e-12)
    np.testing.assert_allclose(fit.vcov.to_numpy(), np.atleast_2d(ref["vcov"]), rtol=1e-3, atol=1e-9)


def test_variance_components(pair):
    ref, fit = pair
    vc = ref["varcorr"]
    got = fit.variance
    assert list(got["group"]) == vc["grp"]
    for i, (v1, v2) in enumerate(zip(vc["var1"], vc["var2"])):
        row = got.iloc[i]
        if vc["grp"][i] == "Residual":
            assert row["term"] == ""
            assert row["variance"] == pytest.approx(vc["vcov"][i], rel=1e-3)
            assert row["std_dev"] == pytest.approx(vc["sdcor"][i], rel=1e-3)
        elif v2 is None:
            assert row["term"] == v1
            assert row["variance"] == pytest.approx(vc["vcov"][i], rel=1e-3, abs=1e-8)
            assert row["std_dev"] == pytest.approx(vc["sdcor"][i], rel=1e-3, abs=1e-5)
            assert np.isnan(row["corr"])
        else:
            assert row["term"] == f"{v1}~{v2}"
            assert row["variance"] == pytest.approx(vc["vcov"][i], rel=1e-3)
            assert row["corr"] == pytest.approx(vc["sdcor"][i], abs=1e-3)
    assert fit.sigma == pytest.approx(ref["sigma"], rel=1e-4)


def test_likelihood_and_criteria(pair):
    ref, fit = pair
    assert fit.nobs == ref["nobs"]
    assert fit.ngroups == ref["ngroups"]
    assert fit.loglik == pytest.approx(ref["logLik"], abs=1e-3)
    assert fit.aic == pytest.approx(ref["AIC"], abs=2e-3)
    assert fit.bic == pytest.approx(ref["BIC"], abs=2e-3)
    if ref["REML"]:
        assert fit.reml and fit.deviance is None
        assert fit.reml_criterion == pytest.approx(ref["reml_criterion"], abs=2e-3)
    else:
        assert not fit.reml and fit.reml_criterion is None
        assert fit.deviance == pytest.approx(ref["deviance"], abs=2e-3)
    assert fit.singular == ref["singular"]
    assert fit.converged
    np.testing.assert_allclose(fit.fitted[:10], ref["fitted_head"], rtol=1e-4)


def test_conditional_modes(pair):
    ref, fit = pair
    re = fit.ranef
    for group, terms in ref["ranef"].items():
        for term, values in terms.items():
            rows = re[(re["group"] == group) & (re["term"] == term)]
            assert list(rows["level"]) == _as_list(values["levels"]), (group, term)
            scale = max(np.abs(values["mode"]).max(), 1e-8)
            np.testing.assert_allclose(rows["estimate"], values["mode"], rtol=1e-3, atol=1e-3 * scale)
            if any(v is None for v in _as_list(values["condsd"])):
                # lme4 reports no conditional SDs when one factor has several terms (x || g).
                assert rows["cond_sd"].gt(0).all()
            else:
                np.testing.assert_allclose(rows["cond_sd"], values["condsd"], rtol=1e-3, atol=1e-6)


@pytest.mark.parametrize("path", OLS, ids=[p.stem for p in OLS])
def test_ols_against_r_lm(path):
    ref = load_reference(path)
    fit = fit_cached(ref["formula"], ref["data"])
    assert fit.kind == "ols"
    assert list(fit.fixed.index) == ref["fixef"]["names"]
    np.testing.assert_allclose(fit.fixed["estimate"], ref["fixef"]["estimate"], rtol=1e-4)
    np.testing.assert_allclose(fit.fixed["std_error"], ref["fixef"]["se"], rtol=1e-3)
    np.testing.assert_allclose(fit.fixed["t_value"], ref["fixef"]["t"], rtol=1e-3)
    np.testing.assert_allclose(fit.fixed["p_value"], ref["fixef"]["p"], rtol=2e-3, atol=1e-12)
    assert set(fit.fixed["df"]) == {ref["df_residual"]}
    assert fit.nobs == ref["nobs"] and fit.n_dropped == ref["n_dropped"]
    assert fit.sigma == pytest.approx(ref["sigma"], rel=1e-4)
    assert fit.loglik == pytest.approx(ref["logLik"], abs=1e-3)
    assert fit.aic == pytest.approx(ref["AIC"], abs=2e-3)
    assert fit.bic == pytest.approx(ref["BIC"], abs=2e-3)
    assert list(fit.variance["group"]) == ["Residual"]


def _science_with_gaps():
    import mixwidget

    data = mixwidget.load_dataset("science").copy()
    rng = np.random.default_rng(7)
    data["w"] = rng.uniform(0.5, 2.0, len(data))
    data["o"] = rng.normal(size=len(data))
    data["x"] = rng.normal(size=len(data))
    data["x2"] = 2 * data["x"]  # aliased: left out of both fits, with the same note
    data["grade"] = pd.Categorical(rng.choice(["a", "b", "c"], len(data)), categories=["a", "b", "c"], ordered=True)
    data.loc[[4, 40, 400], "class"] = np.nan  # rows dropped by the mixed model (a grouping variable)
    return data


@pytest.mark.parametrize("formula, weights, offset", [
    ("like ~ sex * PrivPub + (1 | school) + (1 | school:class)", None, None),
    ("like ~ sex + x + x2 + offset(x) + (1 + grade | school) + (1 | school:class)", "w", "o"),
    ("like ~ grade + PrivPub + (1 | school)", None, "o"),
])
def test_without_groups_is_the_fixed_part_fitted_to_the_rows_used(formula, weights, offset):
    import mixwidget

    data = _science_with_gaps()
    fit = mixwidget.fit(formula, data, weights=weights, offset=offset)
    base = fit.without_groups()
    d = fit.design
    ref = mixwidget.fit(fit.model.fixed_text(), data.loc[d.rows], weights=d.weights, offset=d.offset_given)
    assert base.kind == ref.kind == "ols" and base.formula == ref.formula
    pd.testing.assert_frame_equal(base.fixed, ref.fixed, rtol=1e-12)
    pd.testing.assert_frame_equal(base.vcov, ref.vcov, rtol=1e-12)
    np.testing.assert_allclose(base.fitted, ref.fitted, rtol=1e-12)
    assert (base.nobs, base.n_dropped, base.npar) == (ref.nobs, ref.n_dropped, ref.npar)
    for name in ("sigma", "loglik", "aic", "bic"):
        assert getattr(base, name) == pytest.approx(getattr(ref, name), rel=1e-12)
    assert base.messages == ref.messages
    assert base.design.fixed_names == ref.design.fixed_names
    assert list(base.design.frame.columns) == list(ref.design.frame.columns)
    assert base.design.schema.contrasts == ref.design.schema.contrasts
    new = data.loc[d.rows].head(5)
    pd.testing.assert_frame_equal(base.predict(new, interval="prediction"), ref.predict(new, interval="prediction"),
                                  rtol=1e-12)
    assert fit.without_groups() is base  # fitted once per fit


def test_fits_of_the_same_data_fixed_part_and_rows_share_one_baseline(science):
    from mixwidget.model.fit import fit_owned

    data = science.copy()  # one frame held by every fit, as the widget's fits hold its data
    both = fit_owned("like ~ sex + PrivPub + (1 | school) + (1 | school:class)", data)
    school = fit_owned("like ~ sex + PrivPub + (1 | school)", data, reml=False)
    assert school.without_groups() is both.without_groups()
    weighted = fit_owned("like ~ sex + PrivPub + (1 | school)", data, weights=np.full(len(data), 2.0))
    other = fit_owned("like ~ sex + PrivPub + (1 | school)", data.assign(like=data["like"] + 1))
    assert weighted.without_groups() is not both.without_groups()
    assert other.without_groups() is not both.without_groups()
    assert other.without_groups().fixed.loc["(Intercept)", "estimate"] == pytest.approx(
        both.without_groups().fixed.loc["(Intercept)", "estimate"] + 1)


def test_a_fit_keeps_what_it_derives_in_its_own_declared_fields(science):
    import pickle
    from dataclasses import fields

    from mixwidget.model.fit import fit_owned

    f = fit_owned("like ~ sex + PrivPub + (1 | school)", science.copy())
    ml = f.refit(False)
    assert f.refit(False) is ml and ml.refit(False) is ml and f.refit(True) is f
    base = f.without_groups()
    assert ml.without_groups() is base  # shared through the baseline cache, each fit keeping its own reference
    assert f.shares.equals(f.shares) and f._shares is not None  # computed once, handed out as copies
    declared = {field.name for field in fields(type(f))}
    for one in (f, ml, base):  # nothing kept beside the declared fields, by the fit or by another one
        assert set(vars(one)) <= declared
    back = pickle.loads(pickle.dumps(f))  # noqa: S301 - our own bytes; fits travel back from the worker process
    pd.testing.assert_frame_equal(back.fixed, f.fixed)
    assert back.refit(False).loglik == ml.loglik
