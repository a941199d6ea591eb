"""The API around binomial and Poisson fits: separation, notes, latent shares, comparisons, summary's
Weights line, and reml. R's answers are in tests/reference/glmm/api_checks.json (make_api_reference.R)."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import mixwidget
from mixwidget.errors import DataError, ModelError
from mixwidget.model.separation import find_separation

GLMM = Path(__file__).resolve().parent / "reference" / "glmm"
sys.path.insert(0, str(GLMM))
import data as glmm_data  # noqa: E402

REF = json.loads((GLMM / "api_checks.json").read_text())


@pytest.fixture(scope="module")
def ohio() -> pd.DataFrame:
    rows = glmm_data.frame("ohio")
    rows["sep"] = (rows["age"] >= 0).astype(int)
    rows["late"] = np.where(rows["age"] >= 1, "late", "early")
    rows["resp2"] = np.where(rows["late"] == "late", 0, rows["resp"])
    return rows


@pytest.fixture(scope="module")
def cbpp() -> pd.DataFrame:
    return glmm_data.frame("cbpp")


# --- separation -----------------------------------------------------------------------------------

def test_the_linear_program_finds_separation_and_what_runs_off():
    rng = np.random.default_rng(0)
    x = rng.normal(size=200)
    X = np.column_stack([np.ones(200), x, rng.normal(size=200)])
    assert find_separation(X, (rng.random(200) < 0.5).astype(float), None, ["(Intercept)", "x", "z"]) is None
    sep = find_separation(X, (x > 0.3).astype(float), None, ["(Intercept)", "x", "z"])
    assert sep is not None and sep.complete and sep.rows.all()
    assert "x" in sep.infinite and "z" not in sep.infinite
    # a row with both outcomes (3 of 5 trials) at the boundary forces x'b = 0 there: no separation left
    y, w = (x > 0.3).astype(float), np.ones(200)
    y[np.argmin(np.abs(x - 0.3))], w[np.argmin(np.abs(x - 0.3))] = 0.6, 5.0
    y[np.argmax(x)], w[np.argmax(x)] = 0.6, 5.0
    assert find_separation(X, y, w, ["(Intercept)", "x", "z"]) is None


def test_quasi_separation_is_found_on_the_rows_it_concerns():
    x = np.array([0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0])
    y = np.array([0.0, 1.0, 0.0, 1.0, 1.0, 1.0, 1.0])  # x = 1: all 1; x = 0: both outcomes
    sep = find_separation(np.column_stack([np.ones(7), x]), y, None, ["(Intercept)", "x"])
    assert sep is not None and not sep.complete
    assert sep.rows.tolist() == [False] * 4 + [True] * 3 and sep.infinite == ["x"]


def test_complete_separation_is_a_data_error_naming_the_predictor(ohio):
    """R: glm warns and runs off, glmer reports standard errors in the millions (or fails on other data)."""
    assert "fitted probabilities numerically 0 or 1 occurred" in " ".join(REF["complete_glm"]["warnings"])
    assert max(REF["complete_glmer"]["se"]) > 1e5
    for formula in ("sep ~ age + smoke + (1 | id)", "sep ~ age + smoke"):
        with pytest.raises(DataError, match=r"completely separated by age: every row with age above -1 is 1 .*"
                                            r"pwrssUpdate did not converge.*Drop age"):
            mixwidget.fit(formula, ohio, family="binomial")
    rows = ohio.assign(smoker=np.where(ohio["smoke"] == 1, "yes", "no"))
    with pytest.raises(DataError, match=r"separated by smokeryes \(each of its values goes with one outcome only\)"
                                        r".*Drop smoker from the formula"):
        mixwidget.fit("smoke ~ smoker + age + (1 | id)", rows, family="binomial")


def test_quasi_separation_gets_one_note_and_no_singular_or_engine_notes(ohio):
    ref = REF["quasi_glm"]  # R's glm: latelate -17.9 with SE 464, no warning at all
    assert ref["se"][1] > 100 and ref["warnings"] == []
    fit = mixwidget.fit("resp2 ~ late + (1 | id)", ohio, family="binomial")
    assert fit.separation is not None and fit.separation.infinite[0] == "latelate"
    assert any("Complete separation" in m and "late is late" in m for m in fit.messages)
    assert not any("fit is valid" in m or "fitting engine" in m for m in fit.messages)
    base = fit.without_groups()  # the glm baseline (statsmodels) says the same, without raw warnings
    assert any("late is late" in m for m in base.messages)
    assert not any("fitting engine" in m or "encountered" in m for m in base.messages)
    assert base.fixed.loc["latelate", "std_error"] > 100


def test_separation_by_a_numeric_predictor_is_named(ohio):
    rows = ohio.copy()
    rows["dose"] = np.where(rows["smoke"] == 1, rows["age"] + 3.0, 0.0)  # 0 for non-smokers, 1 to 4 for smokers
    rows["y"] = np.where(rows["dose"] > 0, 1, rows["resp"])  # dose above 0: all 1; at 0: both outcomes
    fit = mixwidget.fit("y ~ dose + (1 | id)", rows, family="binomial")
    note = [m for m in fit.messages if m.startswith("Separation")]
    assert len(note) == 1 and "dose predicts the outcome of 748 of 2148 rows exactly" in note[0]
    assert "the estimate of dose runs off to infinity" in note[0] and "z test means nothing" in note[0]
    assert not any("fit is valid" in m or "did not report convergence" in m for m in fit.messages)


def test_no_separation_no_note(cbpp):
    fit = mixwidget.fit("cbind(incidence, size - incidence) ~ period + (1 | herd)", cbpp, family="binomial")
    assert fit.separation is None and not any("separat" in m.lower() for m in fit.messages)


def test_engine_arithmetic_warnings_become_one_plain_note(cbpp, ohio):
    from mixwidget.model.fit import SINGULAR_TOL
    from mixwidget.model.messages import fit_messages

    raw = ["divide by zero encountered in divide", "invalid value encountered in multiply",
           "overflow encountered in exp"]
    fit = mixwidget.fit("cbind(incidence, size - incidence) ~ period + (1 | herd)", cbpp, family="binomial")
    covs = [np.array([[fit.variance["variance"].iloc[0]]])]
    notes = fit_messages(fit, covs, raw, SINGULAR_TOL)
    assert not any("encountered" in m or "fitting engine" in m for m in notes)
    assert sum("numbers too large or undefined" in m for m in notes) == 1
    separated = mixwidget.fit("resp2 ~ late + (1 | id)", ohio, family="binomial")  # the separation note says it
    notes = fit_messages(separated, [np.zeros((1, 1))], raw, SINGULAR_TOL)
    assert not any("encountered" in m or "numbers too large" in m for m in notes)
    assert any("late is late" in m for m in notes) and not any("fit is valid" in m for m in notes)


# --- the family a response suggests -------------------------------------------------------------

def test_a_gaussian_fit_of_a_binary_or_count_response_says_so(ohio, cbpp):
    from mixwidget.views.family import family_hint

    fit = mixwidget.fit("resp ~ smoke + (1 | id)", ohio)
    hint = family_hint(ohio, "resp ~ smoke + (1 | id)", "gaussian")["note"]
    note = [m for m in fit.messages if "linear probability model" in m]
    assert len(note) == 1 and "family='binomial'" in note[0]
    assert hint.split("Binomial fits")[0] == note[0].split("family='binomial' fits")[0]  # the explorer's words
    assert fit.refit(False).messages[0] == note[0]
    from mixwidget.design.build import build_design
    from mixwidget.formula.parse import parse_formula
    from mixwidget.model.fit import fit_design

    design = build_design(parse_formula("resp ~ smoke + (1 | id)"), ohio)  # the explorer's path: its own note
    assert not any("linear probability" in m for m in fit_design("resp ~ smoke + (1 | id)", design, True, ohio).messages)
    counts = mixwidget.fit("incidence ~ period + (1 | herd)", cbpp)
    assert any("Counts fitted as a linear model" in m and "family='poisson'" in m for m in counts.messages)
    assert not any("linear probability" in m for m in mixwidget.fit("resp ~ smoke + (1 | id)", ohio,
                                                                        family="binomial").messages)


# --- latent-scale shares --------------------------------------------------------------------------

@pytest.mark.parametrize("link", ["logit", "probit", "cloglog"])
def test_binomial_shares_are_on_the_latent_scale(cbpp, link):
    ref = REF["shares"][link]
    fit = mixwidget.fit("cbind(incidence, size - incidence) ~ period + (1 | herd)", cbpp, family="binomial",
                        link=link)
    shares = fit.shares
    assert list(shares.index) == ["herd", "Residual"] and shares.sum() == pytest.approx(1.0)
    assert shares["herd"] == pytest.approx(ref["herd"], rel=5e-3)
    residual = {"logit": math.pi**2 / 3, "probit": 1.0, "cloglog": math.pi**2 / 6}[link]
    v = fit.variance["variance"].iloc[0]
    assert shares["herd"] == pytest.approx(v / (v + residual), rel=1e-12)


def test_poisson_shares_are_on_the_log_scale(cbpp):
    fit = mixwidget.fit("incidence ~ period + offset(log(size)) + (1 | herd)", cbpp, family="poisson")
    assert fit.shares["herd"] == pytest.approx(REF["shares"]["poisson"]["herd"], rel=5e-3)


def test_no_shares_without_groups(cbpp):
    assert mixwidget.fit("cbind(incidence, size - incidence) ~ period", cbpp, family="binomial").shares.empty


# --- compare -------------------------------------------------------------------------------------

def test_compare_names_fits_of_one_formula_by_family_and_refuses_their_test(ohio):
    text = REF["anova_gaussian_binomial"]["text"]  # R's anova() computes a chi-squared silently
    assert not REF["anova_gaussian_binomial"]["failed"] and any("Chisq" in line for line in text)
    lmm = mixwidget.fit("resp ~ smoke + (1 | id)", ohio, reml=False)
    glmm = mixwidget.fit("resp ~ smoke + (1 | id)", ohio, family="binomial")
    c = mixwidget.compare([lmm, glmm])
    assert c.names == ["resp ~ smoke + (1 | id) [gaussian]", "resp ~ smoke + (1 | id) [binomial]"]
    with pytest.raises(ModelError, match="different distributions of the data"):
        c.lrt()
    tests, notes = mixwidget.compare([mixwidget.fit("resp ~ 1 + (1 | id)", ohio), glmm]).nested_tests()
    assert tests.empty and any("different distributions" in n for n in notes)
    probit = mixwidget.fit("resp ~ smoke + (1 | id)", ohio, family="binomial", link="probit")
    assert mixwidget.compare([glmm, probit]).names[1] == "resp ~ smoke + (1 | id) [binomial, probit]"
    reml = mixwidget.fit("resp ~ smoke + (1 | id)", ohio)
    assert mixwidget.compare([reml, lmm]).names == ["resp ~ smoke + (1 | id) [REML]", "resp ~ smoke + (1 | id) [ML]"]
    assert mixwidget.compare([lmm, lmm]).names == ["resp ~ smoke + (1 | id) #1", "resp ~ smoke + (1 | id) #2"]
    with pytest.raises(ModelError, match="different from each other"):
        mixwidget.compare([lmm, glmm], names=["a", "a"])


# --- summary's Weights line, and reml -------------------------------------------------------------

def test_the_weights_line_names_the_weights_as_r_prints_them(cbpp):
    assert REF["weights_line"] == {"column": "Weights: size", "vector": "Weights: w"}
    formula = "prop ~ period + (1 | herd)"
    by_name = mixwidget.fit(formula, cbpp, family="binomial", weights="size").summary()
    by_series = mixwidget.fit(formula, cbpp, family="binomial", weights=cbpp["size"]).summary()
    assert "\nWeights: size\n" in by_name and by_name == by_series
    by_array = mixwidget.fit(formula, cbpp, family="binomial", weights=cbpp["size"].to_numpy()).summary()
    assert "\nWeights: (array)\n" in by_array


def test_reml_is_refused_for_generalized_models_and_the_default_works(cbpp):
    assert REF["glmer_reml"]["failed"] and "REML" in REF["glmer_reml"]["error"]  # R: unused argument
    formula = "cbind(incidence, size - incidence) ~ period + (1 | herd)"
    with pytest.raises(DataError, match="reml=True does not apply to a binomial model"):
        mixwidget.fit(formula, cbpp, family="binomial", reml=True)
    assert mixwidget.fit(formula, cbpp, family="binomial").reml is False
    assert mixwidget.fit(formula, cbpp, family="binomial", reml=False).reml is False
    assert mixwidget.fit("prop ~ period + (1 | herd)", cbpp).reml is True  # linear: REML by default
    with pytest.raises(DataError, match="reml must be True or False"):
        mixwidget.fit(formula, cbpp, family="binomial", reml="no")
