"""What the classroom sees: pins named by structure, key numbers, code to copy, a step back."""

from __future__ import annotations

import pytest

import mixwidget
from mixwidget.model.naming import structure_name, unique_name
from mixwidget.views.charts.base import rows as sent_rows
from mixwidget.views.code import model_code
from mixwidget.views.keynumbers import key_numbers

BOTH = "like ~ sex + PrivPub + (1 | school) + (1 | school:class)"
SCHOOL = "like ~ sex + PrivPub + (1 | school)"
OLS = "like ~ sex + PrivPub"


@pytest.mark.parametrize(
    ("formula", "name"),
    [
        (BOTH, "school + class"),
        ("like ~ sex + (1 | school:class)", "class only"),
        (SCHOOL, "school only"),
        (OLS, "no groups (OLS)"),
        ("y ~ Time + (Time | Chick)", "Chick (Time slope)"),
        ("y ~ Time + (Time || Chick)", "Chick (Time slope, uncorrelated)"),
        ("y ~ Time + (Time - 1 | Chick)", "Chick (Time slope, no intercept)"),
        ("y ~ 1 + (1 | class) + (1 | school:class)", "class + school:class"),
    ],
)
def test_structure_names(formula, name):
    assert structure_name(mixwidget.formula.parse.parse_formula(formula)) == name


def test_unique_names_count_up():
    assert unique_name("school only", ["school only", "school only (2)"]) == "school only (3)"
    assert unique_name("x", []) == "x"


def test_key_numbers_follow_the_t_value_that_moves(science):
    both, school = mixwidget.fit(BOTH, science), mixwidget.fit(SCHOOL, science)
    ols = both.without_groups()
    k = key_numbers(school, both, ols)
    # lme4: PrivPubpublic t 2.250 (school only), 2.217 (school + class), 3.759 (lm).
    assert k["term"] == "PrivPubpublic"
    assert (round(k["t"], 3), round(k["t_previous"], 3), round(k["t_ols"], 3)) == (2.25, 2.217, 3.759)
    se = school.fixed.loc["PrivPubpublic", "std_error"]
    assert k["se_ratio"] == pytest.approx(ols.fixed.loc["PrivPubpublic", "std_error"] / se)
    assert [s["group"] for s in k["shares"]] == ["school"]
    assert k["shares"][0]["previous"] == pytest.approx(0.0, abs=1e-6)
    first = key_numbers(both, None, ols)
    assert round(first["se_ratio"], 2) == 0.57 and first["t_previous"] is None
    assert round(first["shares"][0]["share"], 3) == 0.095  # class share 9.5%


def test_strip_follows_the_chosen_term(science):
    w = mixwidget.explore(science, BOTH, focus="sexm")
    w.wait(60)
    assert (w.key_numbers["term"], w.key_numbers["focus"]) == ("sexm", True)
    w.formula = SCHOOL
    w.wait(60)
    # lme4: sexm t 1.857 (school + class), 1.956 (school only); PrivPub moved more but is not chosen.
    k = w.key_numbers
    assert (k["term"], round(k["t"], 3), round(k["t_previous"], 3)) == ("sexm", 1.956, 1.857)
    w.focus = None  # back to the term that moved most, without a refit
    assert (w.key_numbers["term"], w.key_numbers["focus"]) == ("PrivPubpublic", False)
    assert round(w.key_numbers["t_previous"], 3) == 2.217
    w.focus = "Time:Diet3"  # not in this model: said so, the default term shown
    assert w.key_numbers["term"] == "PrivPubpublic" and w.key_numbers["focus_missing"] == "Time:Diet3"


def test_code_for_r_and_python():
    r = model_code(BOTH, "R", reml=True, dataset="science")
    assert 'data("science", package = "DAAG")' in r
    assert f"fit <- lmer({BOTH}, data = science, REML = TRUE)" in r
    assert model_code(OLS, "R", dataset="science").splitlines()[-2] == f"fit <- lm({OLS}, data = science)"
    csv = model_code(SCHOOL, "R", reml=False, csv="my data.csv")
    assert 'data <- read.csv("my data.csv", stringsAsFactors = TRUE, na.strings = c("", "NA"), check.names = FALSE)' in csv
    assert "REML = FALSE" in csv
    py = model_code("sqrt(weight) ~ Time + (Time | Chick)", "python", reml=False, dataset="ChickWeight")
    assert "chickweight = mixwidget.load_dataset('ChickWeight')" in py
    assert "fit = mixwidget.fit('sqrt(weight) ~ Time + (Time | Chick)', chickweight, reml=False)" in py
    with pytest.raises(ValueError, match="choose one of R, python"):
        model_code(OLS, "julia")


def test_python_code_gives_the_fit(science):
    scope: dict = {}
    code = model_code(BOTH, "python", dataset="science").replace("print(fit.summary())", "")
    exec(code, scope)  # noqa: S102 - runs the code the widget hands out
    assert round(scope["fit"].fixed.loc["PrivPubpublic", "t_value"], 3) == 2.217


def test_boundary_p_value_halves_for_one_added_variance(science):
    c = mixwidget.compare([mixwidget.fit(BOTH, science), mixwidget.fit(SCHOOL, science)], ["both", "school"])
    tests, _ = c.nested_tests()
    row = tests.iloc[0]
    # The ML log-likelihoods the test uses (lme4: -2769.6 and -2788.4), not the REML ones.
    assert (round(row["loglik"], 1), round(row["loglik_vs"], 1)) == (-2769.6, -2788.4)
    assert row["chisq"] == pytest.approx(2 * (row["loglik"] - row["loglik_vs"]))
    assert row["p_boundary"] == pytest.approx(row["p_value"] / 2)


def test_widget_pins_names_undo_and_code(science):
    w = mixwidget.MixWidget(science, formula=BOTH)
    w.wait(60)
    w.pin()
    w.formula = SCHOOL
    w.wait(60)
    w.pin(name="schools")
    w.formula = OLS
    w.wait(60)
    with pytest.raises(ValueError, match="another model"):
        w.pin(name="Current")
    w.pin()
    assert w.comparison["models"] == ["school + class", "schools", "no groups (OLS)"]
    assert "maximum likelihood" in w.comparison["lrt_method"]
    w.rename_pin(0, "  full   model ")
    assert w.comparison["models"][0] == "full model"
    assert {r["model"] for r in w.comparison["lrt"]} >= {"full model"}
    with pytest.raises(ValueError, match="another pinned fit"):
        w.rename_pin(1, "full model")
    assert w.undo_formula == SCHOOL
    assert w.code("R").splitlines()[-2] == f"fit <- lm({OLS}, data = science)"
    assert w.code_text["python"] == w.code("python")
    w.undo()
    assert w.wait(60).formula == SCHOOL and w.undo_formula == BOTH
    w.undo()
    assert w.wait(60).formula == BOTH and w.undo_formula == ""
    w.restore_pin(2)
    assert w.wait(60).formula == OLS
    w.charts = ["variance", "effects"]
    assert w.chart_names == ["variance", "effects"]
    with pytest.raises(ValueError, match="no chart named 'pie'"):
        w.charts = ["pie"]


def test_effects_chart_shows_the_previous_fit_as_a_ghost_row_and_w_chart_follows_a_dark_page(science):
    w = mixwidget.MixWidget(science, formula=BOTH)
    w.wait(60)
    w.formula = SCHOOL
    w.wait(60)
    rows = sent_rows(w.chart_data["effects"]["effects_rows"])
    ghost = [r for r in rows if r["ghost"]]
    assert {r["model"] for r in ghost} == {"Previous fit"}
    t = {r["term"]: round(r["t_value"], 3) for r in ghost}
    assert t["PrivPubpublic"] == 2.217  # the step 2.217 -> 2.250 without pinning
    assert [r["model"] for r in rows if r["term"] == "PrivPubpublic"] == ["Current", "Previous fit", "OLS (no groups)"]
    assert w.chart("effects").to_dict()["config"].get("background") is None
    w.theme = "dark"
    config = w.chart("effects").to_dict()["config"]
    assert config["background"] == "#1e1e1e" and config["axis"]["labelColor"] == "#e6e6e6"


def test_chart_notes_suggest_terms_from_the_data_on_screen(science):
    """No "(Time | Chick)" in the science lesson: the notes speak of the model's own data."""
    from mixwidget.views import charts

    both = mixwidget.fit(BOTH, science)
    for chart in (charts.lines, charts.slopes2d):
        with pytest.raises(charts.NotApplicable, match="no numeric variable for a slope besides like"):
            chart(both)
    sleep = mixwidget.fit("Reaction ~ Days + (1 | Subject)", mixwidget.load_dataset("sleepstudy"))
    with pytest.raises(charts.NotApplicable, match=r"add one, e\.g\. \(Days \| Subject\)"):
        charts.lines(sleep)
