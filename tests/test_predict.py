"""Predictions and their intervals against lme4 (tests/reference/prediction, made by its R script)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from lme4ref import fit_cached

import mixwidget
from mixwidget import DataError, FormulaError

PREDICTION = Path(__file__).parent / "reference" / "prediction"
BOTH = "like ~ sex + PrivPub + (1 | school) + (1 | school:class)"
CASES = ["science_school_class", "sleep_corr", "penicillin_crossed", "sleep_scaled", "sleep_offset"]


def reference(case: str) -> dict:
    return json.loads((PREDICTION / f"{case}.json").read_text())


def model(ref: dict) -> mixwidget.MixedFit:
    return fit_cached(ref["formula"], ref["data"])


def newdata(ref: dict) -> pd.DataFrame:
    return pd.DataFrame(ref["newdata"])


def _re_forms(ref: dict) -> list[tuple[str, str | None]]:
    out = [("all", None), ("none", "~0")]
    if "partial" in ref["predict"]:
        out.append(("partial", ref["re_form"]))
    return out


@pytest.mark.parametrize("case", CASES)
def test_points_match_lme4(case):
    ref = reference(case)
    fit = model(ref)
    for key, re_form in _re_forms(ref):
        got = fit.predict(newdata(ref), re_form=re_form, allow_new_levels=True)
        assert isinstance(got, pd.Series)
        np.testing.assert_allclose(got.to_numpy(), ref["predict"][key], rtol=1e-6, err_msg=f"re_form={re_form}")


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("interval", ["confidence", "prediction"])
def test_standard_errors_match_lme4_pieces(case, interval):
    ref = reference(case)
    fit = model(ref)
    for key, re_form in _re_forms(ref):
        got = fit.predict(newdata(ref), re_form=re_form, allow_new_levels=True, interval=interval)
        assert list(got.columns) == ["fit", "se", "lower", "upper"]
        np.testing.assert_allclose(got["se"].to_numpy(), ref["se"][key][interval], rtol=1e-4,
                                   err_msg=f"re_form={re_form}")
        np.testing.assert_allclose(got["upper"] - got["fit"], 1.959963984540054 * got["se"], rtol=1e-12)


@pytest.mark.parametrize("case", CASES)
def test_population_level_prediction_is_the_exact_variance_sum(case):
    """re_form="~0": se**2 = x'Vx + sum of z' Sigma z over every random term + sigma^2, from lme4's numbers."""
    ref = reference(case)
    fit = model(ref)
    exact = np.array(ref["xVx"]) + sum(np.array(p["zSz"]) for p in ref["pieces"]) + ref["sigma"] ** 2
    got = fit.predict(newdata(ref), re_form="~0", interval="prediction")
    np.testing.assert_allclose(got["se"].to_numpy() ** 2, exact, rtol=1e-4)


def test_fixed_rows_are_lme4s_model_matrix():
    ref = reference("science_school_class")
    fit = model(ref)
    from mixwidget.model.newrows import new_rows

    rows = new_rows(fit, newdata(ref))
    assert list(fit.fixed.index) == ref["fixef_names"]
    np.testing.assert_array_equal(rows.X, np.array(ref["X"], dtype=float))


def test_new_subject_interval_grows_with_days():
    ref = reference("sleep_corr")
    fit = model(ref)
    nd = pd.DataFrame({"Days": [0, 3, 6, 9, 12], "Subject": "new"})
    se = fit.predict(nd, allow_new_levels=True, interval="prediction")["se"].to_numpy()
    assert np.all(np.diff(se) > 0)


def test_own_rows_give_the_fitted_values():
    fit = fit_cached("like ~ sex + PrivPub + (1 | school) + (1 | school:class)", "science")
    got = fit.predict()
    np.testing.assert_allclose(got.to_numpy(), fit.fitted, rtol=1e-9)
    assert got.index.equals(fit.design.rows)


def test_new_level_is_a_data_error_naming_column_and_level():
    ref = reference("sleep_corr")
    fit = model(ref)
    with pytest.raises(DataError, match=r"level '999' of 'Subject'.*allow_new_levels=True"):
        fit.predict(newdata(ref))
    # a term left out by re_form does not need the level
    assert len(fit.predict(newdata(ref), re_form="~0")) == len(ref["newdata"]["Days"])


def test_missing_column_and_unseen_factor_level_are_data_errors():
    fit = fit_cached("like ~ sex + PrivPub + (1 | school) + (1 | school:class)", "science")
    with pytest.raises(DataError, match="column 'PrivPub' is missing from newdata"):
        fit.predict(pd.DataFrame({"sex": ["f"], "school": [1], "class": [1]}))
    with pytest.raises(DataError, match="'sex' has the level 'x'.*its levels are f, m"):
        fit.predict(pd.DataFrame({"sex": ["x"], "PrivPub": ["public"], "school": [1], "class": [1]}))


def test_re_form_must_name_model_terms():
    fit = fit_cached("like ~ sex + PrivPub + (1 | school) + (1 | school:class)", "science")
    nd = pd.DataFrame({"sex": ["f"], "PrivPub": ["public"], "school": [1], "class": [1]})
    with pytest.raises(FormulaError, match=r"\(1 \| State\), which is not a random term"):
        fit.predict(nd, re_form="~(1 | State)")
    with pytest.raises(ValueError, match="interval must be"):
        fit.predict(nd, interval="credible")


def test_prediction_table_science_lines_narrowest_to_widest():
    ref = reference("science_school_class")
    fit = model(ref)
    row = newdata(ref).iloc[0]  # a girl in class 3 of school 16 (public)
    table = mixwidget.prediction_table(fit, row)
    assert list(table.columns) == ["population", "fit", "se", "lower", "upper", "pieces"]
    assert list(table["population"]) == ["this class (school:class 16:3)", "a new class in school 16", "a new school"]
    assert table["pieces"].iloc[1] == "x'Vx + condVar(school 16) + var(school:class) + sigma^2"
    school, klass = ref["pieces"]
    s2 = ref["sigma"] ** 2
    expected = [
        ref["se"]["all"]["prediction"][0],
        np.sqrt(ref["xVx"][0] + school["zCz"][0] + klass["zSz"][0] + s2),
        ref["se"]["none"]["prediction"][0],
    ]
    np.testing.assert_allclose(table["se"], expected, rtol=1e-4)
    np.testing.assert_allclose(table["fit"], [ref["predict"]["all"][0], ref["predict"]["partial"][0],
                                              ref["predict"]["none"][0]], rtol=1e-6)
    assert table["se"].is_monotonic_increasing


def test_prediction_table_one_group_and_ols():
    ref = reference("sleep_corr")
    fit = model(ref)
    table = mixwidget.prediction_table(fit, {"Days": 3, "Subject": 308})
    assert list(table["population"]) == ["this subject (Subject 308)", "a new subject"]
    np.testing.assert_allclose(table["se"], [ref["se"]["all"]["prediction"][1], ref["se"]["none"]["prediction"][1]],
                               rtol=1e-4)
    ols = fit_cached("Reaction ~ Days", "sleepstudy")
    one = mixwidget.prediction_table(ols, {"Days": 3, "Subject": 308})
    assert len(one) == 1 and "cannot tell" in one.attrs["note"]
    assert one["pieces"].iloc[0] == "x'Vx + sigma^2"


def test_prediction_table_crossed_groups():
    ref = reference("penicillin_crossed")
    fit = model(ref)
    table = mixwidget.prediction_table(fit, newdata(ref).iloc[0])
    assert list(table["population"]) == [
        "these groups (plate a, sample A)", "a new plate, sample A", "a new plate and a new sample"
    ]
    np.testing.assert_allclose(table["se"].iloc[[0, 2]], [ref["se"]["all"]["prediction"][0],
                                                          ref["se"]["none"]["prediction"][0]], rtol=1e-4)


def test_offset_argument_applies_to_own_rows_only():
    """Own rows keep every offset (the fitted values); new data get only the formula's offset(...)
    terms (checked against lme4 in sleep_offset), not an offset= argument, as lme4's predict."""
    sleep = mixwidget.load_dataset("sleepstudy").assign(o=lambda d: 2.0 * d["Days"])
    given = mixwidget.fit("Reaction ~ Days + (1 | Subject)", sleep, offset="o")
    np.testing.assert_allclose(given.predict().to_numpy(), given.fitted, rtol=1e-10)
    nd = pd.DataFrame({"Days": [1, 5], "Subject": [308, 308], "o": [100.0, 100.0]})
    np.testing.assert_allclose(given.predict(nd).to_numpy(), given.predict(nd.assign(o=0.0)).to_numpy())
    in_formula = mixwidget.fit("Reaction ~ Days + offset(o) + (1 | Subject)", sleep)
    np.testing.assert_allclose(in_formula.predict(nd).to_numpy() - given.predict(nd).to_numpy(), [100.0, 100.0])


def test_conditional_covariance_blocks_agree_with_the_engines_variances():
    """The sparse solve (used for terms with several coefficients) gives, on its diagonal, the
    conditional variances the engine reports (used for one-coefficient terms)."""
    from mixwidget.model.predict import _cond_vars, _posterior

    for formula, data in [(BOTH, "science"), ("Reaction ~ Days + (Days | Subject)", "sleepstudy")]:
        fit = fit_cached(formula, data)
        post, engine = _posterior(fit), _cond_vars(fit)
        for k, block in enumerate(fit.design.random):
            levels = list(range(len(block.levels)))
            post.blocks(k, levels)
            diag = np.array([np.diag(post.block(k, lv)) for lv in levels])
            np.testing.assert_allclose(diag, engine[k], rtol=1e-3, err_msg=formula)
