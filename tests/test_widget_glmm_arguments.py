"""The explorer's weights=, offset= and nagq= reach every fit and the model's code; a response that only a
binomial model can fit starts as one, and says so."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import mixwidget
from mixwidget.errors import DataError
from mixwidget.views.family import family_hint


@pytest.fixture(scope="module")
def trials():
    rng = np.random.default_rng(7)
    school = np.repeat([f"S{j:02d}" for j in range(16)], 8)
    u = np.repeat(rng.normal(0, 0.7, 16), 8)
    ses = rng.normal(0, 1, len(school)).round(3)
    n = rng.integers(4, 15, len(school))
    k = rng.binomial(n, 1 / (1 + np.exp(-(0.2 + 0.5 * ses + u))))
    days = rng.integers(60, 181, len(school))
    return pd.DataFrame({"school": school, "ses": ses, "n": n, "k": k, "prop": k / n, "days": days,
                         "logdays": np.log(days), "absent": rng.poisson(days * np.exp(-3 + u)),
                         "result": np.where(k > n / 2, "pass", "fail"), "passed": k > n / 2})


def test_weights_reach_the_fit_the_baseline_and_the_code(trials):
    w = mixwidget.explore(trials, "prop ~ ses + (1 | school)", family="binomial", weights="n", isolate=False)
    got = w.wait(120)
    assert w.error == "" and got is not None
    ref = mixwidget.fit("cbind(k, n - k) ~ ses + (1 | school)", trials, family="binomial")
    assert np.allclose(got.fixed["estimate"], ref.fixed["estimate"], rtol=1e-5)
    assert got.arguments == {"weights": "n"}
    glm = mixwidget.fit("prop ~ ses", trials, family="binomial", weights="n")
    assert np.allclose(got.without_groups().fixed["estimate"], glm.fixed["estimate"], rtol=1e-6)
    assert "glmer(prop ~ ses + (1 | school), data = data, weights = n, family = binomial)" in w.code_text["R"]
    assert "mixwidget.fit('prop ~ ses + (1 | school)', data, weights='n', family='binomial')" in w.code_text["python"]
    assert "weights = n" in w.code("R")
    w.formula = "prop ~ 1 + (1 | school)"  # a new formula keeps the weights
    assert w.wait(120).arguments == {"weights": "n"} and w.error == ""


def test_offset_and_nagq_reach_the_fit_and_the_code(trials):
    w = mixwidget.explore(trials, "absent ~ ses + (1 | school)", family="poisson", offset="logdays", nagq=5,
                          isolate=False)
    got = w.wait(120)
    ref = mixwidget.fit("absent ~ ses + (1 | school)", trials, family="poisson", offset="logdays", nagq=5)
    assert got.nagq == 5 and np.allclose(got.fixed["estimate"], ref.fixed["estimate"], rtol=1e-6)
    assert "offset = logdays, family = poisson, nAGQ = 5" in w.code_text["R"]
    assert "offset='logdays', family='poisson', nagq=5" in w.code_text["python"]


def test_weights_and_offset_name_columns(trials):
    with pytest.raises(DataError, match="weights='trials' is not a column"):
        mixwidget.explore(trials, weights="trials", isolate=False)
    with pytest.raises(DataError, match="names a column of the data"):
        mixwidget.explore(trials, offset=np.zeros(len(trials)), isolate=False)
    with pytest.raises(DataError, match="nagq must be a whole number"):
        mixwidget.explore(trials, nagq=0, isolate=False)


@pytest.mark.parametrize(("formula", "what"), [
    ("result ~ ses + (1 | school)", "two-level text (two values: fail and pass)"),
    ("passed ~ ses + (1 | school)", "TRUE/FALSE values"),
    ("cbind(k, n - k) ~ ses + (1 | school)", "cbind(successes, failures)"),
])
def test_a_response_only_binomial_can_fit_starts_binomial_and_says_so(trials, formula, what):
    w = mixwidget.explore(trials, formula, isolate=False)
    assert w.wait(120) is not None and w.error == ""
    assert (w.family, w.fit.family) == ("binomial", "binomial")
    note = w.family_hint["note"]
    assert note.startswith("Fitted as Binomial") and what in note and "change the family above" in note
    w.family = "gaussian"  # chosen by hand: no fit, and the note points to the selector
    w.wait(120)
    assert w.error and w.fit.family == "binomial"
    note = w.family_hint["note"]
    assert "a linear (Gaussian) model cannot fit it" in note and "(suggested)" in note
    assert "linear probability model" not in note


def test_a_family_given_is_kept_and_a_numeric_response_stays_gaussian(trials):
    w = mixwidget.explore(trials, "result ~ ses + (1 | school)", family="gaussian", isolate=False)
    w.wait(120)
    assert w.family == "gaussian" and w.fit is None and "cannot fit it" in w.family_hint["note"]
    w2 = mixwidget.explore(trials, "k ~ ses + (1 | school)", isolate=False)
    w2.wait(120)
    assert w2.family == "gaussian" and "Counts fitted as a linear model" in w2.family_hint["note"]


def test_the_linear_probability_note_needs_a_linear_fit():
    frame = pd.DataFrame({"y01": [0, 1, 1, 0]})
    assert "linear probability model" in family_hint(frame, "y01 ~ 1", "gaussian")["note"]
    assert family_hint(frame, "y01 ~ 1", "gaussian", fitted=False)["note"] == ""


def _prediction(fit, interval="prediction"):
    from mixwidget.views.charts import CHARTS
    from mixwidget.views.charts.base import ChartRequest

    return CHARTS["prediction"].data(ChartRequest({"Current": fit}, "Current", group="school",
                                                  options={"interval": interval}))


def test_a_poisson_prediction_chart_shows_the_means_interval_and_names_the_offset(trials):
    f = mixwidget.fit("absent ~ ses + offset(log(days)) + (1 | school)", trials, family="poisson")
    d = _prediction(f)  # the switch's default: a count has no normal prediction interval, so the mean's
    same = _prediction(f, "confidence")
    assert d.key == same.key and d.datasets["prediction_rows"].equals(same.datasets["prediction_rows"])
    rows = d.datasets["prediction_rows"]
    this = rows[rows["population"].str.startswith("this")]
    ref = f.predict(trials.iloc[[0]], interval="confidence", type="response")  # the API's interval of the mean
    assert this[["fit", "lower", "upper"]].to_numpy() == pytest.approx(ref[["fit", "lower", "upper"]].to_numpy())
    assert d.key[-1] == "95% confidence interval of the mean"
    text = " ".join(d.subtitle)
    assert "prediction interval" not in d.subtitle[0] and "no normal prediction interval" in text
    assert f"days {trials['days'].iloc[0]}" in d.subtitle[0] and "ses" in d.subtitle[0]


def test_a_prediction_chart_says_an_offset_argument_is_left_out(trials):
    f = mixwidget.fit("absent ~ ses + (1 | school)", trials, family="poisson", offset="logdays")
    d = _prediction(f)
    assert "logdays" not in d.subtitle[0]  # not a value the prediction depends on
    assert any("offset= column logdays is not part of these predictions" in line and "offset(logdays)" in line
               for line in d.subtitle)


def test_a_linear_prediction_chart_keeps_its_prediction_interval(trials):
    f = mixwidget.fit("prop ~ ses + (1 | school)", trials)
    d = _prediction(f)
    assert d.key[-1] == "95% prediction interval" and "sigma^2" in " ".join(d.datasets["prediction_rows"]["pieces"])


def test_binned_residuals_are_drawn_over_the_band_from_minus_2_to_2(trials):
    from mixwidget.views.charts import CHARTS
    from mixwidget.views.charts.base import ChartRequest, Look

    f = mixwidget.fit("passed ~ ses + (1 | school)", trials, family="binomial")
    d = CHARTS["residuals"].data(ChartRequest({"Current": f}, "Current"))
    for spec in (CHARTS["residuals"].spec_dict(d.key, Look()), CHARTS["residuals"].spec(d.key, Look()).to_dict()):
        layers = _vs_fitted(spec)
        marks = [(layer["mark"]["type"], layer["encoding"]["y"].get("datum")) for layer in layers if "y" in layer["encoding"]]
        assert ("rect", -2) in marks and ("rule", -2) in marks and ("rule", 2) in marks and ("rule", 0) in marks
    linear = CHARTS["residuals"].data(ChartRequest({"Current": mixwidget.fit("ses ~ 1 + (1 | school)", trials)}, "Current"))
    layers = _vs_fitted(CHARTS["residuals"].spec_dict(linear.key, Look()))
    assert not [layer for layer in layers if layer["mark"]["type"] == "rect"]


def _vs_fitted(spec: dict) -> list[dict]:
    """The layers of the residuals-vs-fitted panel of a residuals spec."""
    top = spec["vconcat"][0] if "vconcat" in spec else spec
    return top["hconcat"][0]["layer"]


def test_the_builder_is_told_which_columns_are_two_valued(trials):
    from mixwidget.views.columns import column_info

    binary = {c["name"]: c["binary"] for c in column_info(trials)}
    assert binary["passed"] and binary["result"]  # TRUE/FALSE and pass/fail: binomial responses
    assert not binary["k"] and not binary["school"] and not binary["ses"]
