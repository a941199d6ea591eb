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
