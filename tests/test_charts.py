"""Charts: each chart's data matches the fit, named datasets, selection param, sampling, export."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd
import pytest
from altair.utils.schemapi import validate_jsonschema
from lme4ref import fit_cached

import mixwidget
from mixwidget.views import charts
from mixwidget.views.charts import NotApplicable, build_chart

BOTH = "like ~ sex + PrivPub + (1 | school) + (1 | school:class)"
CLASS = "like ~ sex + PrivPub + (1 | school:class)"
SCHOOL = "like ~ sex + PrivPub + (1 | school)"
OLS = "like ~ sex + PrivPub"
CHICK_SLOPE = "sqrt(weight) ~ Time + (Time - 1 | Chick) + Diet:Time"
CHICK_FULL = "sqrt(weight) ~ Time + (Time | Chick) + Diet:Time"
SLEEP = "Reaction ~ Days + (Days | Subject)"


def science_fits() -> dict[str, mixwidget.MixedFit]:
    return {
        "class + school": fit_cached(BOTH, "science"),
        "class": fit_cached(CLASS, "science"),
        "school": fit_cached(SCHOOL, "science"),
        "OLS": fit_cached(OLS, "science"),
    }


def datasets(chart) -> dict[str, pd.DataFrame]:
    spec = chart.to_dict()
    return {name: pd.DataFrame(rows) for name, rows in spec["datasets"].items()}


def inline_data(node) -> list:
    """Every ``values`` (inline data) anywhere in a spec below the top level."""
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "data" and isinstance(value, dict) and "values" in value:
                found.append(value)
            found.extend(inline_data(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(inline_data(item))
    return found


def test_charts_are_listed_in_order():
    assert list(charts.CHARTS) == ["effects", "variance", "shrinkage", "caterpillar", "lines", "slopes2d", "residuals",
                                  "prediction"]


def test_effects_rows_equal_the_fixed_tables():
    fits = science_fits()
    rows = datasets(charts.effects(fits, "class + school"))["effects_rows"]
    assert "(Intercept)" not in set(rows["term"])
    for name, fit in fits.items():
        mine = rows[rows["model"] == name].set_index("term")
        fixed = fit.fixed.drop(index="(Intercept)")
        np.testing.assert_allclose(mine.loc[fixed.index, "estimate"], fixed["estimate"])
        np.testing.assert_allclose(mine.loc[fixed.index, "t_value"], fixed["t_value"])
        from scipy import stats

        half = stats.t.ppf(0.975, fixed["df"]) * fixed["std_error"]
        np.testing.assert_allclose(mine.loc[fixed.index, "upper"], fixed["estimate"] + half)
    t = rows[rows["term"] == "PrivPubpublic"].set_index("model")["t_value"]
    assert t["class + school"] == pytest.approx(2.217, abs=2e-3)
    assert t["school"] == pytest.approx(2.250, abs=2e-3)
    assert t["OLS"] == pytest.approx(3.759, abs=2e-3)
    assert rows.loc[rows["current"], "model"].unique().tolist() == ["class + school"]
    with_intercept = datasets(charts.effects(fits, "OLS", include_intercept=True))["effects_rows"]
    assert "(Intercept)" in set(with_intercept["term"])


def test_effects_title_says_ignoring_groups_inflates_t():
    spec = charts.effects(science_fits(), "class + school").to_dict()
    assert "PrivPubpublic" in spec["title"]["text"] and "3.76" in spec["title"]["text"]


def test_variance_shares_sum_to_one():
    fits = science_fits()
    table = datasets(charts.variance(fits, "class + school"))["variance_components"]
    sums = table.groupby("model")["share"].sum()
    np.testing.assert_allclose(sums, 1.0)
    both = table[table["model"] == "class + school"].set_index("component")["share"]
    assert both["school:class"] == pytest.approx(0.095, abs=1e-3)
    assert both["school"] == pytest.approx(0.0, abs=1e-6)
    assert both["Residual (within groups)"] == pytest.approx(0.905, abs=1e-3)


def test_variance_with_slopes_shows_standard_deviations():
    fit = fit_cached(CHICK_FULL, "ChickWeight")
    chart = charts.variance({"full": fit}, "full")
    spec = chart.to_dict()
    assert "standard deviation" in spec["title"]["text"].lower()
    table = datasets(chart)["variance_components"]
    sd = fit.variance[fit.variance["corr"].isna()]["std_dev"].to_numpy()
    np.testing.assert_allclose(table["std_dev"], sd)


def test_shrinkage_arrows_end_at_pooling_values():
    fit = fit_cached(BOTH, "science")
    pool = mixwidget.pooling(fit, "school:class")
    arrows = datasets(charts.shrinkage(fit))["shrinkage_arrows"]  # default: the group with most levels
    assert len(arrows) == len(pool) == 66
    merged = pool.assign(level=pool["level"].astype(str)).merge(arrows, on=["level", "term"], suffixes=("", "_chart"))
    np.testing.assert_allclose(merged["no_pooling_chart"], merged["no_pooling"])
    np.testing.assert_allclose(merged["partial_chart"], merged["partial"])
    np.testing.assert_allclose(merged["complete_chart"], merged["complete"])
    assert (merged["n_chart"] == merged["n"]).all()


def test_shrinkage_has_a_panel_per_term_for_slopes():
    fit = fit_cached(CHICK_FULL, "ChickWeight")
    spec = charts.shrinkage(fit).to_dict()
    assert len(spec["vconcat"]) == 2  # chicks of (nearly) equal size: one row of chicks per term
    points = pd.DataFrame(spec["datasets"]["shrinkage_points"])
    assert set(points["term"]) == {"(Intercept)", "Time"}


def test_caterpillar_intervals_are_modes_plus_minus_1_96_sd():
    fit = fit_cached(SLEEP, "sleepstudy")
    table = datasets(charts.caterpillar(fit))["caterpillar_modes"]
    re = fit.ranef
    np.testing.assert_allclose(table["lower"], re["estimate"] - 1.96 * re["cond_sd"])
    np.testing.assert_allclose(table["upper"], re["estimate"] + 1.96 * re["cond_sd"])
    assert table["panel"].nunique() == 2


def test_partial_pooling_lines_pass_through_the_fitted_values():
    fit = fit_cached(CHICK_FULL, "ChickWeight")
    chart = charts.lines(fit)
    tables = datasets(chart)
    partial = tables["lines_groups"].query("pooling == 'partial pooling'").set_index("level")
    block = fit.design.random[0]
    level = np.asarray(block.levels)[block.codes]
    t = fit.design.frame["Time"].to_numpy()
    line = partial.loc[level, "intercept"].to_numpy() + partial.loc[level, "slope"].to_numpy() * t
    np.testing.assert_allclose(line, fit.fitted, atol=1e-8)
    # Panels by diet, found on their own; the population lines are the diets' fixed-effect lines.
    assert sorted(tables["lines_population"]["facet"]) == ["1", "2", "3", "4"]
    beta = fit.fixed["estimate"]
    pop = tables["lines_population"].set_index("facet")
    assert pop.loc["3", "slope"] == pytest.approx(beta["Time"] + beta["Time:Diet3"])
    assert pop.loc["1", "intercept"] == pytest.approx(beta["(Intercept)"])
    # No pooling: a diet-1 chick's line is pooling()'s own intercept and slope.
    pool = mixwidget.pooling(fit, "Chick").pivot(index="level", columns="term", values="no_pooling")
    own = tables["lines_groups"].query("pooling == 'no pooling'").set_index("level")
    np.testing.assert_allclose(own.loc["1", ["intercept", "slope"]].to_numpy(dtype=float), pool.loc["1"].to_numpy())


def test_lines_for_slope_only_model_and_sleepstudy():
    fit = fit_cached(CHICK_SLOPE, "ChickWeight")
    partial = datasets(charts.lines(fit))["lines_groups"].query("pooling == 'partial pooling'").set_index("level")
    block = fit.design.random[0]
    level = np.asarray(block.levels)[block.codes]
    t = fit.design.frame["Time"].to_numpy()
    np.testing.assert_allclose(partial.loc[level, "intercept"] + partial.loc[level, "slope"] * t, fit.fitted, atol=1e-8)
    sleep = fit_cached(SLEEP, "sleepstudy")
    tables = datasets(charts.lines(sleep))
    assert len(tables["lines_population"]) == 1 and tables["lines_groups"]["level"].nunique() == 18


def test_slopes2d_points_and_ellipse():
    fit = fit_cached(CHICK_FULL, "ChickWeight")
    tables = datasets(charts.slopes2d(fit))
    groups = tables["slopes2d_groups"].set_index("level")
    pool = mixwidget.pooling(fit, "Chick").pivot(index="level", columns="term", values="partial")
    np.testing.assert_allclose(groups.loc[pool.index, "partial_slope"], pool["Time"])
    np.testing.assert_allclose(groups.loc[pool.index, "partial_intercept"], pool["(Intercept)"])
    ell = tables["slopes2d_ellipse"]
    centre = fit.fixed.loc[["(Intercept)", "Time"], "estimate"].to_numpy()
    np.testing.assert_allclose(ell[["intercept", "slope"]].mean().to_numpy(), centre, atol=1e-2)
    # The ellipse is the 95% contour of the random-effect covariance.
    v = fit.variance
    cov = np.array([[v.loc[0, "variance"], v.loc[2, "variance"]], [v.loc[2, "variance"], v.loc[1, "variance"]]])
    d = ell[["intercept", "slope"]].to_numpy() - centre
    mahal = np.einsum("ij,jk,ik->i", d, np.linalg.inv(cov), d)
    np.testing.assert_allclose(mahal, 5.991464547, rtol=1e-6)


def test_residuals_tables_match_the_fit():
    fit = fit_cached(BOTH, "science")
    tables = datasets(charts.residuals(fit))
    np.testing.assert_allclose(tables["residuals_points"]["residual"], fit.residuals)
    np.testing.assert_allclose(tables["residuals_points"]["fitted"], fit.fitted)
    # Classes only: the school variance is 0, so all its modes are 0 (no quantile plot of them).
    assert set(tables["residuals_modes"]["panel"]) == {"school:class: intercept"}
    assert tables["residuals_modes"]["panel"].nunique() == 1
    assert datasets(charts.residuals(fit_cached(SLEEP, "sleepstudy")))["residuals_modes"]["panel"].nunique() == 2
    assert len(datasets(charts.residuals(fit_cached(OLS, "science")))["residuals_modes"]) == 0


def test_residual_quantile_plots_are_rs_qqnorm_and_qqline():
    """Each point's normal quantile is qqnorm's (ppoints of its rank) and each dashed line is
    qqline's, through the quartiles (numpy's default quantiles, R's type 7). Sent values are
    rounded to 10 decimals."""
    from scipy import stats

    fit = fit_cached(SLEEP, "sleepstudy")
    tables = datasets(charts.residuals(fit))

    def qqnorm(values: np.ndarray) -> np.ndarray:
        n = len(values)
        a = 3 / 8 if n <= 10 else 0.5
        ranks = stats.rankdata(values, method="ordinal")
        return stats.norm.ppf((ranks - a) / (n + 1 - 2 * a))

    def qqline(values: np.ndarray, x: float) -> float:
        q1, q3 = np.quantile(values, [0.25, 0.75])
        z1, z3 = stats.norm.ppf([0.25, 0.75])
        slope = (q3 - q1) / (z3 - z1)
        return q1 - slope * z1 + slope * x

    points, modes = tables["residuals_points"], tables["residuals_modes"]
    lines = tables["residuals_qqlines"].set_index("panel")
    np.testing.assert_allclose(points["quantile"], qqnorm(fit.residuals), atol=1e-9)
    for x, y in (("x", "y"), ("x2", "y2")):
        line = lines.loc["Residual"]
        assert line[y] == pytest.approx(qqline(fit.residuals, line[x]), abs=1e-9)
    assert set(modes["panel"]) == {"Subject: intercept", "Subject: Days"}
    for panel, rows in modes.groupby("panel"):
        values = rows["estimate"].to_numpy()
        np.testing.assert_allclose(rows["quantile"], qqnorm(values), atol=1e-9)
        for x, y in (("x", "y"), ("x2", "y2")):
            assert lines.loc[panel, y] == pytest.approx(qqline(values, lines.loc[panel, x]), abs=1e-9)


def test_quartiles_from_sorted_values_are_numpys_bit_for_bit():
    from mixwidget.views.charts.residuals import _quartiles

    rng = np.random.default_rng(3)
    cases = [np.array([2.5]), np.array([1.0, -1.0]), np.array([3.0, 1.0, 2.0]), np.array([0.0, -0.0, 1.0, -1.0]),
             np.array([1.0, np.nan, 2.0]), rng.integers(-3, 3, 41).astype(float), np.round(rng.normal(size=57), 1)]
    cases += [rng.normal(size=n) * 10.0 ** rng.uniform(-6, 6) for n in range(1, 80)]
    for values in cases:
        want = np.quantile(values, [0.25, 0.75])
        got = np.array(_quartiles(values, values[np.argsort(values, kind="stable")]))
        assert np.array_equal(got, want, equal_nan=True), values
        assert (np.signbit(got) == np.signbit(want)).all(), values


@pytest.mark.parametrize(
    ("name", "formula", "data", "match"),
    [
        ("shrinkage", OLS, "science", "none"),
        ("caterpillar", OLS, "science", "none"),
        ("lines", OLS, "science", "random slope"),
        ("slopes2d", OLS, "science", "intercept and slope"),
        ("lines", BOTH, "science", "random slope"),
        ("slopes2d", BOTH, "science", "intercept and slope"),
        ("slopes2d", CHICK_SLOPE, "ChickWeight", "intercept and slope"),
    ],
)
def test_not_applicable(name, formula, data, match):
    with pytest.raises(NotApplicable, match=match):
        build_chart(name, fit_cached(formula, data))


@pytest.mark.parametrize("name", list(charts.CHARTS))
def test_dataset_names_are_stable_and_data_is_named(name):
    pairs = {
        "effects": [science_fits(), {"a": fit_cached(CHICK_FULL, "ChickWeight")}],
        "variance": [science_fits(), {"a": fit_cached(CLASS, "science")}],
    }
    if name in pairs:
        specs = [build_chart(name, fits=f, current=next(iter(f))).to_dict() for f in pairs[name]]
    elif name in ("lines", "slopes2d"):
        specs = [build_chart(name, fit_cached(CHICK_FULL, "ChickWeight")).to_dict(),
                 build_chart(name, fit_cached(SLEEP, "sleepstudy")).to_dict()]
    else:
        specs = [build_chart(name, fit_cached(BOTH, "science")).to_dict(),
                 build_chart(name, fit_cached(CHICK_FULL, "ChickWeight")).to_dict()]
    a, b = specs
    assert set(a["datasets"]) == set(b["datasets"])
    assert all(key.startswith(f"{name}_") for key in a["datasets"])
    assert a["datasets"] != b["datasets"]
    for spec in specs:
        assert not inline_data(spec)
        assert {"name": "selected", "value": None} in spec["params"]


@pytest.mark.parametrize("name", ["shrinkage", "caterpillar", "lines", "slopes2d", "residuals"])
def test_group_marks_carry_their_level(name):
    fit = fit_cached(CHICK_FULL, "ChickWeight")
    spec = build_chart(name, fit).to_dict()
    level_sets = [set(pd.DataFrame(rows).get("level", pd.Series(dtype=str))) for rows in spec["datasets"].values()]
    assert any(s and all(isinstance(v, str) for v in s) for s in level_sets)
    assert "datum.level == selected" in str(spec)


@pytest.fixture(scope="module")
def big_fit() -> mixwidget.MixedFit:
    rng = np.random.default_rng(7)
    n, k = 70_000, 500
    g = rng.integers(0, k, n)
    x = rng.uniform(0, 10, n)
    a = rng.normal(0, 1, k)
    b = rng.normal(0, 0.3, k)
    y = 2 + a[g] + (0.5 + b[g]) * x + rng.normal(0, 1, n)
    data = pd.DataFrame({"y": y, "x": x, "g": pd.Categorical(g)})
    return mixwidget.fit("y ~ x + (x | g)", data)


@pytest.mark.parametrize("name", ["lines", "residuals"])
def test_large_data_is_sampled_with_a_note(big_fit, name):
    spec = build_chart(name, big_fit).to_dict()
    sizes = {key: len(rows) for key, rows in spec["datasets"].items()}
    assert max(sizes.values()) <= 3000
    assert any("showing 3000 of 70000 points" in line for line in spec["title"]["subtitle"])


def test_sampled_residual_points_are_the_models_rows_with_their_groups(big_fit):
    from mixwidget.views.charts.residuals import residuals_tables

    points, *_ = residuals_tables(big_fit)
    rows = points.index.to_numpy()
    assert len(rows) == 3000 and (np.diff(rows) > 0).all()
    np.testing.assert_array_equal(points["fitted"], big_fit.fitted[rows])
    np.testing.assert_array_equal(points["residual"], big_fit.residuals[rows])
    block = big_fit.design.random[0]
    assert list(points["level"]) == [str(block.levels[c]) for c in block.codes[rows]]
    # Evenly spaced ranks keep both ends of the residuals.
    assert (points["residual"].min(), points["residual"].max()) == (big_fit.residuals.min(), big_fit.residuals.max())


def test_build_chart_uses_fits_and_current():
    fits = science_fits()
    spec = build_chart("shrinkage", fits=fits, current="class").to_dict()
    assert len(spec["datasets"]["shrinkage_arrows"]) == 66
    one = build_chart("variance", fit_cached(CLASS, "science")).to_dict()
    assert pd.DataFrame(one["datasets"]["variance_components"])["model"].nunique() == 1
    with pytest.raises(KeyError, match="unknown chart"):
        build_chart("pie", fit_cached(CLASS, "science"))


@pytest.mark.parametrize(("suffix", "magic"), [("png", b"\x89PNG"), ("svg", b"<svg")])
def test_export(tmp_path, suffix, magic):
    fit = fit_cached(BOTH, "science")
    for name in ("effects", "shrinkage"):
        path = tmp_path / f"{name}.{suffix}"
        build_chart(name, fit, fits=science_fits(), current="class + school").save(str(path), scale_factor=1)
        data = path.read_bytes()
        assert data.lstrip()[: len(magic)] == magic


def test_charts_of_one_structure_share_a_template_but_not_data():
    first = build_chart("shrinkage", fit_cached(BOTH, "science"))
    before = first.to_dict()
    second = build_chart("shrinkage", fit_cached(CLASS, "science"))
    after = first.to_dict()
    assert before == after
    spec = second.to_dict()
    assert set(spec["datasets"]) == set(before["datasets"]) and spec["datasets"] != before["datasets"]
    assert spec["title"] != {} and "hconcat" not in spec


@pytest.mark.parametrize("name", list(charts.CHARTS))
def test_specs_are_valid_vega_lite(name):
    fit = fit_cached(CHICK_FULL, "ChickWeight")
    chart = build_chart(name, fit, fits={"full": fit, "OLS": fit_cached("sqrt(weight) ~ Time + Diet:Time", "ChickWeight")},
                        current="full")
    spec = chart.to_dict(validate=False)
    spec.pop("datasets")
    validate_jsonschema(spec, alt.vegalite.v6.schema.core.load_schema())


STRUCTURE_PAIRS = {
    # name: (fits whose spec gets cached first, fits of the same structure whose data is added)
    "effects": (({"a": BOTH, "b": OLS}, "science"), ({"a": CLASS, "b": OLS}, "science")),
    "variance": (({"a": BOTH}, "science"), ({"a": BOTH.replace("sex + ", "")}, "science")),
    "shrinkage": (({"a": BOTH}, "science"), ({"a": CLASS}, "science")),
    "caterpillar": (({"a": CLASS}, "science"), ({"a": CLASS.replace("sex + ", "")}, "science")),
    "lines": (({"a": CHICK_FULL}, "ChickWeight"), ({"a": CHICK_SLOPE}, "ChickWeight")),
    "slopes2d": (({"a": CHICK_FULL}, "ChickWeight"), ({"a": CHICK_FULL.replace("+ Diet:Time", "")}, "ChickWeight")),
    "residuals": (({"a": BOTH}, "science"), ({"a": BOTH.replace("sex + ", "")}, "science")),
    "prediction": (({"a": BOTH, "b": OLS}, "science"), ({"a": BOTH.replace("sex + ", ""), "b": "like ~ PrivPub"}, "science")),
}


@pytest.mark.parametrize("name", list(charts.CHARTS))
def test_cached_spec_plus_data_is_what_altair_draws(name):
    """The widget sends a spec cached from an earlier fit of the same structure, plus this fit's
    data and title: together they must equal the Altair chart built afresh for this fit."""
    chart = charts.CHARTS[name]
    (first, first_data), (second, second_data) = STRUCTURE_PAIRS[name]
    early = charts.ChartRequest({k: fit_cached(f, first_data) for k, f in first.items()}, "a")
    later = charts.ChartRequest({k: fit_cached(f, second_data) for k, f in second.items()}, "a")
    old = charts.chart_data(name, early)
    new = charts.chart_data(name, later)
    assert old.key == new.key  # same structure: the spec is reused
    spec = charts.chart_spec(chart, old.key)
    assert charts.chart_spec(chart, new.key) is spec  # built once, not per fit
    # The widget sends columns; the browser rebuilds the rows as charts.base.rows does.
    sent_rows = {k: charts.base.rows(v) for k, v in new.columns().items()}
    sent = {**spec, "datasets": sent_rows, "title": charts.title_spec(new)}
    drawn = charts.altair_chart(chart, later).to_dict()
    assert sent == drawn
    assert new.columns() != old.columns()


def test_columns_sent_rebuild_the_rows_altair_gets():
    """Missing values become null, numpy numbers plain ones, in both shapes of the same table."""
    df = pd.DataFrame({"level": ["a", "b", None], "x": [1.5, np.nan, np.inf], "n": np.array([1, 2, 3]),
                       "flag": [True, False, True]})
    cols = charts.base.columns(df)
    assert cols == {"level": ["a", "b", None], "x": [1.5, None, None], "n": [1, 2, 3], "flag": [True, False, True]}
    assert charts.base.rows(cols) == charts.base.records(df)
    assert charts.base.rows(cols)[1] == {"level": "b", "x": None, "n": 2, "flag": False}
    assert charts.base.rows(charts.base.columns(df.iloc[:0])) == []


def test_charts_with_many_levels_draw_a_subset_and_say_so(big_fit):
    """500 groups: per-group charts draw at most 400 levels per panel and say how many they show."""
    request = charts.ChartRequest({"a": big_fit}, "a")
    shrink = charts.chart_data("shrinkage", request)
    arrows = shrink.datasets["shrinkage_arrows"]
    assert arrows["level"].nunique() == 400 and len(arrows) == 800  # intercept and slope of each level
    assert set(shrink.datasets["shrinkage_points"]["level"]) == set(arrows["level"])
    assert any("showing 400 of 500" in line for line in shrink.subtitle)

    cat = charts.chart_data("caterpillar", request)
    modes = cat.datasets["caterpillar_modes"]
    assert modes.groupby("panel").size().tolist() == [400, 400]
    for panel, part in modes.groupby("panel"):
        everything = big_fit.ranef[big_fit.ranef["term"] == ("x" if panel.endswith("x") else "(Intercept)")]
        assert part["estimate"].min() == everything["estimate"].min()  # both ends are kept
        assert part["estimate"].max() == everything["estimate"].max()
    assert sum("showing 400 of 500" in line for line in cat.subtitle) == 2
    assert cat.key == (("g: intercept", 400, False), ("g: x", 400, False))

    res = charts.chart_data("residuals", request)
    assert res.datasets["residuals_modes"].groupby("panel").size().tolist() == [400, 400]
    assert any("400 evenly spaced ranks" in line for line in res.subtitle)


def test_effects_spec_of_many_terms_is_the_altair_spec():
    """The effects spec is built from one panel repeated as dicts; it equals Altair's own."""
    for terms in [("sexm",), ("sexm", "PrivPubpublic", 'odd "term" \\ name', "dept:service1")]:
        key = (terms, ("Current", "OLS (no groups)"))
        built = charts.chart_spec(charts.CHARTS["effects"], key)
        altair = charts.CHARTS["effects"].spec(key, charts.Look()).to_dict()
        altair.pop("datasets", None)
        assert built == altair
        validate_jsonschema(built, alt.vegalite.v6.schema.core.load_schema())


def test_tables_built_from_arrays_are_the_frames_pandas_builds():
    """Chart tables built from arrays have the columns, dtypes, values and index of ``pd.DataFrame(dict)``."""
    from mixwidget.views.charts._common import table, text

    levels = text(["a", "b:c", "d"])
    columns = {
        "level": levels.take(np.array([2, 0, 1, 1])), "n": np.array([3, 1, 4, 1]),
        "value": np.array([0.5, np.nan, -np.inf, 2.0]), "kind": "partial pooling",
    }
    plain = {"level": np.array(["d", "a", "b:c", "b:c"], dtype=object), "n": np.array([3, 1, 4, 1]),
             "value": columns["value"], "kind": "partial pooling"}
    for index in (None, np.array([4, 7, 9, 12])):
        built, expected = table(columns, index), pd.DataFrame(plain, index=index)
        pd.testing.assert_frame_equal(built, expected, check_exact=True)
        assert list(built.dtypes) == list(expected.dtypes)
    # The frame owns its numbers: changing it leaves the arrays it was built from alone.
    built = table(columns)
    built.loc[0, "n"] = 99
    assert columns["n"][0] == 3


def test_lines_complete_pooling_and_line_ends_against_the_data():
    """Complete pooling is one least-squares line of all rows; each line spans its subject's days."""
    sleep = mixwidget.load_dataset("sleepstudy")
    fit = fit_cached(SLEEP, "sleepstudy")
    groups = datasets(charts.lines(fit))["lines_groups"]
    slope, intercept = np.polyfit(sleep["Days"], sleep["Reaction"], 1)
    complete = groups[groups["pooling"] == "complete pooling"]
    assert len(complete) == 18
    np.testing.assert_allclose(complete["intercept"], intercept, rtol=1e-9)
    np.testing.assert_allclose(complete["slope"], slope, rtol=1e-9)
    days = sleep.groupby(sleep["Subject"].astype(str), observed=True)["Days"].agg(["min", "max", "size"])
    for _, row in groups.iterrows():
        assert (row["x"], row["x2"], row["n"]) == tuple(days.loc[row["level"]])
        assert row["y"] == pytest.approx(row["intercept"] + row["slope"] * row["x"])
        assert row["y2"] == pytest.approx(row["intercept"] + row["slope"] * row["x2"])


def test_caterpillar_ranks_and_sizes_against_the_data():
    """Each panel ranks its levels by conditional mode (1 = lowest); n counts the level's rows."""
    fit = fit_cached("like ~ sex + PrivPub + (1 | school) + (1 | school:class)", "science")
    table = charts.CHARTS["caterpillar"].data(charts.ChartRequest({"m": fit}, "m")).datasets["caterpillar_modes"]
    science = mixwidget.load_dataset("science").dropna(subset=["like", "sex", "PrivPub"])
    for panel, part in table.groupby("panel"):
        assert sorted(part["rank"]) == list(range(1, len(part) + 1))
        assert list(part.sort_values("rank")["estimate"]) == sorted(part["estimate"])
        group = panel.split(": ")[0]
        key = science["school"].astype(str) if group == "school" else (
            science["school"].astype(str) + ":" + science["class"].astype(str))
        sizes = key.value_counts()
        assert part["n"].tolist() == sizes.loc[part["level"]].tolist()
