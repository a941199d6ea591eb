"""Charts on real data: equal group sizes (sleepstudy), many groups in one panel, whole-number x."""

from __future__ import annotations

import numpy as np
import pandas as pd
from lme4ref import fit_cached

import mixwidget
from mixwidget.views import charts
from mixwidget.views.charts.base import rows as sent_rows
from mixwidget.views.charts.shrinkage import choose_layout

SLEEP = "Reaction ~ Days + (Days | Subject)"
BOTH = "like ~ sex + PrivPub + (1 | school) + (1 | school:class)"
CHICK = "sqrt(weight) ~ Time + (Time | Chick)"


def request(fit: mixwidget.MixedFit, **kw) -> charts.ChartRequest:
    return charts.ChartRequest({"a": fit}, "a", **kw)


def panels(spec: dict) -> list[dict]:
    return spec.get("hconcat") or spec.get("vconcat") or [spec]


def encodings(panel: dict, channel: str) -> list[dict]:
    return [layer["encoding"][channel] for layer in panel["layer"] if channel in layer.get("encoding", {})]


def test_shrinkage_orders_equal_sized_groups_by_their_own_estimate():
    fit = fit_cached(SLEEP, "sleepstudy")
    data = charts.chart_data("shrinkage", request(fit))
    group, terms, layout, labels = data.key
    assert (group, terms, layout, labels) == ("Subject", ("(Intercept)", "Days"), "estimate", True)
    assert any("ordered by their own estimate" in line and "every Subject has 10 observations" in line
               for line in data.subtitle)
    assert data.title == "Subjects' own estimates are pulled toward the overall mean"
    # Two panels (intercept, slope), each with the 18 subjects along x in the order of their own estimate.
    spec = charts.altair_chart(charts.CHARTS["shrinkage"], request(fit)).to_dict()
    assert len(panels(spec)) == 2
    for panel in panels(spec):
        xs = encodings(panel, "x")
        assert xs and all(x["field"] == "level" and x["sort"] == {"field": "order", "op": "min"} for x in xs)
        tips = [t["field"] for layer in panel["layer"] for t in layer.get("encoding", {}).get("tooltip", [])]
        assert "n" in tips  # the group's size stays one hover away
    arrows = data.datasets["shrinkage_arrows"]
    pool = mixwidget.pooling(fit, "Subject")
    for term, part in arrows.groupby("term"):
        assert sorted(part["order"]) == list(range(1, 19))
        mine = pool[pool["term"] == term]
        own = pd.Series(mine["no_pooling"].to_numpy(), index=mine["level"].astype(str))
        assert list(part.sort_values("order")["level"]) == list(own.sort_values().index)


def test_shrinkage_keeps_the_size_axis_when_sizes_vary():
    data = charts.chart_data("shrinkage", request(fit_cached(BOTH, "science")))
    assert data.key[2] == "size"
    assert any(line.startswith("x: observations per class (3 to 50)") for line in data.subtitle)
    assert any(line.startswith("Median pull") for line in data.subtitle)
    spec = charts.chart_spec(charts.CHARTS["shrinkage"], data.key)
    assert {x["field"] for x in encodings(spec, "x")} == {"n"}


def test_shrinkage_layout_for_nearly_equal_sizes():
    data = charts.chart_data("shrinkage", request(fit_cached(CHICK, "ChickWeight")))
    assert data.key[2] == "estimate"
    assert any("45 of 50 Chicks have 12 observations" in line for line in data.subtitle)
    assert choose_layout(np.array([10] * 18)) == "estimate"
    assert choose_layout(np.array([3, 14, 14, 20, 25, 25, 50])) == "size"
    assert choose_layout(np.array([7])) == "estimate"


def test_lines_show_the_pull_of_every_subject_with_whole_day_ticks():
    fit = fit_cached(SLEEP, "sleepstudy")
    data = charts.chart_data("lines", request(fit))
    groups = data.datasets["lines_groups"]
    assert groups["level"].nunique() == 18
    assert not any(line.startswith("showing") for line in data.subtitle)
    spec = charts.chart_spec(charts.CHARTS["lines"], data.key)
    params = spec.get("params", []) + [p for layer in spec["layer"] for p in layer.get("params", [])]
    shown = next(p for p in params if p["name"] == "pooling_shown")
    assert shown["value"] == [{"pooling": "no pooling"}, {"pooling": "partial pooling"}]
    axes = [x.get("axis", {}) for x in encodings(spec, "x") if x["field"] == "x"]
    assert axes and all(a.get("tickMinStep") == 1 and a.get("format") == "d" for a in axes)


def test_lines_with_many_groups_show_a_spread_subset_and_the_selected_group():
    fit = fit_cached(CHICK, "ChickWeight")
    full = charts.chart_data("lines", request(fit, facet=""))
    groups = full.datasets["lines_groups"]
    shown = groups["level"].unique()
    assert len(shown) == 12
    assert any(line.startswith("showing 12 of 50 Chicks") for line in full.subtitle)
    own = mixwidget.pooling(fit, "Chick").query("term == 'Time'").set_index("level")["no_pooling"]
    own.index = own.index.astype(str)
    assert {own.idxmin(), own.idxmax()} <= set(shown)  # flattest and steepest are among them
    other = next(level for level in own.sort_values().index if level not in set(shown))
    chosen = charts.chart_data("lines", request(fit, facet="", options={"selected": other}))
    levels = set(chosen.datasets["lines_groups"]["level"])
    assert len(levels) == 13 and other in levels and set(shown) <= levels
    assert any(line.startswith("showing 13 of 50 Chicks") and "the selected one" in line for line in chosen.subtitle)
    assert chosen.key == full.key  # the same spec, only the data change
    # Time (0 to 21 days, whole numbers): ticks on whole numbers.
    assert chosen.key[-1] is True


def test_lines_on_a_continuous_x_keep_the_default_ticks():
    rng = np.random.default_rng(3)
    g = np.repeat(np.arange(8), 20)
    x = rng.uniform(0, 1, len(g))
    y = 1 + rng.normal(0, 1, 8)[g] + (2 + rng.normal(0, 0.5, 8)[g]) * x + rng.normal(0, 0.3, len(g))
    fit = mixwidget.fit("y ~ x + (x | g)", pd.DataFrame({"y": y, "x": x, "g": pd.Categorical(g)}))
    data = charts.chart_data("lines", request(fit))
    assert data.key[-1] is False
    spec = charts.chart_spec(charts.CHARTS["lines"], data.key)
    assert all("tickMinStep" not in x.get("axis", {}) for x in encodings(spec, "x"))


def test_widget_lines_add_the_selected_group():
    chick = mixwidget.load_dataset("ChickWeight").drop(columns="Diet")  # one panel of 50 chicks
    w = mixwidget.MixWidget(chick, formula=CHICK)
    w.wait(60)
    shown = {row["level"] for row in sent_rows(w.chart_data["lines"]["lines_groups"])}
    assert len(shown) == 12
    other = next(level for level in w.group_levels if level not in shown)
    w.selected = other
    levels = {row["level"] for row in sent_rows(w.chart_data["lines"]["lines_groups"])}
    assert levels == shown | {other}
    assert "the selected one" in " ".join(w.chart_captions["lines"]["subtitle"])
