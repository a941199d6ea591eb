"""The prediction chart: its rows are prediction_table's numbers; it follows the selected group and refits."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import traitlets
from lme4ref import fit_cached

import mixwidget
from mixwidget.views import charts
from mixwidget.views.charts.base import rows as sent_rows
from mixwidget.views.charts.prediction import pick_row

BOTH = "like ~ sex + PrivPub + (1 | school) + (1 | school:class)"
SCHOOL = "like ~ sex + PrivPub + (1 | school)"
OLS = "like ~ sex + PrivPub"


def rows(chart) -> pd.DataFrame:
    return pd.DataFrame(chart.to_dict()["datasets"]["prediction_rows"])


def test_rows_are_the_prediction_table_of_each_model(science):
    fits = {"Current": fit_cached(BOTH, "science"), "M1": fit_cached(SCHOOL, "science"),
            "OLS (no groups)": fit_cached(OLS, "science")}
    chart = charts.prediction(fits, "Current", group="school:class", selected="16:3")
    got = rows(chart)
    row = science.loc[482]
    assert (row["school"], row["class"]) == (16, 3)  # the first student of class 16:3
    mine = mixwidget.prediction_table(fits["Current"], row)
    cur = got[got["model"] == "Current"]
    assert list(cur["population"]) == ["this class (school:class 16:3)", "a new class in school 16", "a new school"]
    np.testing.assert_allclose(cur[["fit", "se", "lower", "upper"]], mine[["fit", "se", "lower", "upper"]])
    # Knowing class 16:3 means knowing school 16: the school-only model uses school 16 in the first two rows.
    school = mixwidget.prediction_table(fits["M1"], row)
    m1 = got[got["model"] == "M1"]
    np.testing.assert_allclose(m1["se"], school["se"].iloc[[0, 0, 1]])
    ols = got[got["model"] == "OLS (no groups)"]
    one = mixwidget.prediction_table(fits["OLS (no groups)"], row)
    np.testing.assert_allclose(ols["se"], [one["se"].iloc[0]] * 3)
    title = chart.to_dict()["title"]
    wide, narrow = cur.iloc[2], cur.iloc[0]
    assert title["text"] == (f"A new school: {wide['fit']:.2f} ± {wide['upper'] - wide['fit']:.2f}; "
                             f"this class (school:class 16:3): {narrow['fit']:.2f} ± {narrow['upper'] - narrow['fit']:.2f}")
    assert "row 482: sex f, PrivPub public" in title["subtitle"][0]
    assert f"same ± {ols['upper'].iloc[0] - ols['fit'].iloc[0]:.2f}" in title["subtitle"][1]


def test_another_group_changes_the_data_not_the_spec():
    fits = {"a": fit_cached(BOTH, "science")}
    one = charts.chart_data("prediction", charts.ChartRequest(fits, "a", group="school:class",
                                                               options={"selected": "16:3"}))
    two = charts.chart_data("prediction", charts.ChartRequest(fits, "a", group="school:class",
                                                               options={"selected": "23:2"}))
    assert one.key == two.key
    assert two.datasets["prediction_rows"]["population"].iloc[0] == "this class (school:class 23:2)"
    assert one.records() != two.records()


def test_single_fit_and_confidence_intervals():
    fit = fit_cached("Reaction ~ Days + (Days | Subject)", "sleepstudy")
    chart = charts.prediction(fit, row={"Days": 9, "Subject": 308}, interval="confidence", level=0.9)
    got = rows(chart)
    table = mixwidget.prediction_table(fit, {"Days": 9, "Subject": 308}, interval="confidence", level=0.9)
    np.testing.assert_allclose(got["upper"], table["upper"])
    spec = chart.to_dict()
    assert spec["title"]["text"].startswith("A new subject: ")
    assert "90% confidence interval" in spec["layer"][0]["encoding"]["x"]["title"]


def test_ols_alone_says_it_cannot_tell_populations_apart():
    chart = charts.prediction(fit_cached(OLS, "science"))
    assert "cannot tell them apart" in chart.to_dict()["title"]["text"]
    assert len(rows(chart)) == 1


@pytest.fixture
def w(science):
    return mixwidget.MixWidget(science, formula=BOTH)


def test_widget_prediction_follows_selection_and_refit(w):
    w.wait(60)
    spec = w.chart_specs["prediction"]
    assert sent_rows(w.chart_data["prediction"]["prediction_rows"])[0]["population"] == "this class (school:class 1:1)"
    w.selected = "16:3"
    data = sent_rows(w.chart_data["prediction"]["prediction_rows"])
    assert data[0]["population"] == "this class (school:class 16:3)"
    assert "16:3" in w.chart_captions["prediction"]["title"]
    assert w.chart_specs["prediction"] is spec or w.chart_specs["prediction"] == spec  # drawn in place
    assert w.chart("prediction").to_dict()["datasets"]["prediction_rows"] == data
    w.formula = BOTH.replace("sex + ", "")
    w.wait(60)
    assert w.selected == "16:3"
    after = sent_rows(w.chart_data["prediction"]["prediction_rows"])
    assert after[0]["population"] == "this class (school:class 16:3)" and after[0]["fit"] != data[0]["fit"]
    w.formula = SCHOOL
    w.wait(60)
    assert w.selected is None
    assert w.chart_captions["prediction"]["title"].startswith("A new school")
    assert "this school (school 1)" in w.chart_captions["prediction"]["title"]


def test_widget_switches_to_confidence_intervals(w):
    """The card's switch (``prediction_interval``): the mean of each population, no residual variance;
    the chart and ``w.chart("prediction")`` follow it without a refit."""
    fit = w.wait(60)
    w.selected = "16:3"
    w.prediction_interval = "confidence"
    caption = w.chart_captions["prediction"]["subtitle"][0]
    assert caption.startswith("95% confidence interval"), caption
    rows = sent_rows(w.chart_data["prediction"]["prediction_rows"])
    want = mixwidget.prediction_table(fit, pick_row(fit, "school:class", "16:3"), interval="confidence")
    current = [r for r in rows if r["model"] == "Current"]
    assert sorted(round(r["se"], 6) for r in current) == sorted(round(x, 6) for x in want["se"])
    assert w.chart("prediction").to_dict()["datasets"]["prediction_rows"] == rows
    w.prediction_interval = "prediction"
    assert w.chart_captions["prediction"]["subtitle"][0].startswith("95% prediction interval")
    with pytest.raises(traitlets.TraitError):
        w.prediction_interval = "mean"


def _narrowest(fit: mixwidget.MixedFit, label: int) -> np.ndarray:
    """fit, se of the row's prediction interval with every level known, from predict() itself."""
    got = fit.predict(fit.data.loc[[label]], interval="prediction")
    return got[["fit", "se"]].to_numpy()[0]


def test_each_fit_predicts_its_row_from_its_own_data_and_transforms():
    """Refits of one formula share the work of a row; fits whose data or learned transforms differ
    must not: each chart agrees with predict() on that fit's own row."""
    sleep = mixwidget.load_dataset("sleepstudy")
    formula = "Reaction ~ scale(Days) + (1 | Subject)"
    first = mixwidget.fit(formula, sleep)
    early = mixwidget.fit(formula, sleep[sleep["Days"] < 8])  # scale() learns another centre and scale
    moved = sleep.copy()
    moved.loc[0, "Days"] = 7  # the same row label with another value
    changed = mixwidget.fit(formula, moved)
    plain = mixwidget.fit("Reaction ~ Days + (1 | Subject)", sleep)
    plain_moved = mixwidget.fit("Reaction ~ Days + (1 | Subject)", moved)  # the same design schema
    assert _narrowest(first, 0)[0] != pytest.approx(_narrowest(early, 0)[0], rel=1e-6)
    for fit in (first, early, changed, first, plain, plain_moved, plain):
        table = mixwidget.prediction_table(fit, 0)
        np.testing.assert_allclose(table[["fit", "se"]].to_numpy()[0], _narrowest(fit, 0), rtol=1e-12)
        data = charts.chart_data("prediction", charts.ChartRequest({"m": fit}, "m", options={"row": 0}))
        got = data.datasets["prediction_rows"]
        np.testing.assert_allclose(got[["fit", "se"]].to_numpy()[0], _narrowest(fit, 0), rtol=1e-12)
