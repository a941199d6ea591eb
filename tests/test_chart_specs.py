"""Specs filled in from panel templates are exactly the specs Altair builds, whatever the names.

A new model's specs are assembled from panels built once in Altair with placeholder names; the
names a user's data and formula bring (spaces, quotes, backslashes, unicode, text that reads like
a Vega expression) must land in them exactly as Altair writes them, in titles and in filters.
"""

from __future__ import annotations

import importlib
import logging

import altair as alt
import pytest
from altair.utils.schemapi import validate_jsonschema

from mixwidget.views import charts
from mixwidget.views.charts import Look
from mixwidget.views.charts.base import placeholder

HOSTILE = [
    "s: intercept",
    "school:class: intercept",
    "dept name: slope of x y",
    "it's: \"quoted\"",
    "back\\slash: \\n",
    "ünïcødé: 学校",
    "datum.level || true: 'x'",
    "x') || (datum.panel === 'y: z",
    "line\nbreak: tab\there",
    "",
]
LOOKS = [Look(), Look(theme="dark")]


def altair_dict(chart: charts.ChartType, key, look: Look) -> dict:
    spec = chart.spec(key, look).to_dict(validate=False)
    spec.pop("datasets", None)
    return spec


def caterpillar_keys() -> list[tuple]:
    levels = [400, 20, 1, 35, 36, 100, 101, 2972, 3, 60]
    zeros = [False, False, True, False, False, True, False, False, False, False]
    every = tuple(zip(HOSTILE, levels, zeros))
    return [every[:1], every[1:3], every[:3], every[3:6], every, ((HOSTILE[6], 7, True),)]


def residuals_keys() -> list[tuple]:
    responses = ["like", "log(y)", "it's \\ \"y\"", "datum.y || 1", "ünï"]
    return [
        (responses[0], (), True, False),
        (responses[1], tuple(HOSTILE[:1]), True, True),
        (responses[2], tuple(HOSTILE[1:3]), False, False),
        (responses[3], tuple(HOSTILE[3:6]), True, False),
        (responses[4], tuple(HOSTILE), False, True),
    ]


def effects_keys() -> list[tuple]:
    terms = ["sexm", "PrivPubpublic", 'odd "term" \\ name', "dept:service1", "it's", "ünï", "datum.x || true"]
    return [
        (tuple(terms[:1]), ("Current",)),
        (tuple(terms[:2]), ("Current", "OLS (no groups)")),
        (tuple(terms[:3]), ("Current", "Previous fit", "OLS (no groups)")),
        (tuple(terms), ("Current", "pinned 'a' \\ \"b\"", "datum.current", "ünï", "OLS (no groups)")),
    ]


MODELS = ("Current", "pinned 'a' \\ \"b\"", "datum.model || true", "ünï", "OLS (no groups)")
COMPONENTS = ("s", "school:class", "it's \\ \"x\"", "datum.component || 1", "Residual (within groups)")
COLOURS = ("#4E79A7", "#F28E2B", "#59A14F", "#4E79A7", "#BAB0AC")


def variance_keys() -> list[tuple]:
    keys = []
    for n_models, n_components, current in [(1, 2, "Current"), (2, 3, "Current"), (5, 5, "datum.model || true"),
                                            (3, 1, "not shown 'x'")]:
        for use_shares in (True, False):
            models = MODELS[:n_models]
            keys.append((models, COMPONENTS[-n_components:], COLOURS[-n_components:], current, use_shares))
    return keys


def shrinkage_keys() -> list[tuple]:
    return [
        ("s", ("(Intercept)",), "size", False),
        ("school:class", ("(Intercept)",), "estimate", True),
        ("it's \\ \"g\"", ("(Intercept)", "x 'y'"), "estimate", False),
        ("ünï:datum.x || 1", ("(Intercept)", "Days", "datum.term || 1"), "size", False),
        ("Chick", ("Time",), "estimate", True),
    ]


def prediction_keys() -> list[tuple]:
    return [
        (1, MODELS[:1], ("mixed",), "Current", "95% prediction interval"),
        (2, (MODELS[0], MODELS[4]), ("mixed", "ols"), "Current", "95% prediction interval"),
        (3, MODELS, ("mixed", "mixed", "mixed", "mixed", "ols"), MODELS[2], "90% confidence interval 'ünï'"),
    ]


def lines_keys() -> list[tuple]:
    return [
        ("Subject", "Days", "Reaction", None, ("",), True),
        ("Subject", "Days", "Reaction", "", ("",), False),
        ("Chick", "Time", "sqrt(weight)", "Diet", ("1", "2", "3", "4"), True),
        ("it's \\ \"g\"", "datum.x || 1", "ünï", "fac 'x'", ("a'b", "datum.facet || true", "\\"), False),
    ]


SPEC_CASES = [
    (name, key)
    for name, keys in (
        ("caterpillar", caterpillar_keys()), ("residuals", residuals_keys()), ("effects", effects_keys()),
        ("variance", variance_keys()), ("shrinkage", shrinkage_keys()), ("prediction", prediction_keys()),
        ("lines", lines_keys()), ("slopes2d", [("Chick", "Time"), ("it's \\ \"g\"", "datum.x || 1 'ünï'")]),
    )
    for key in keys
]


@pytest.mark.parametrize("look", LOOKS, ids=lambda look: look.theme)
@pytest.mark.parametrize(("name", "key"), SPEC_CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(SPEC_CASES)])
def test_spec_from_templates_is_the_altair_spec(name, key, look):
    """Every chart's spec filled in from its templates equals Altair's own, for 1-10 panels and hostile names."""
    chart = charts.CHARTS[name]
    assert chart.spec_dict(key, look) == altair_dict(chart, key, look)


def test_names_that_look_like_placeholders_are_built_by_altair():
    """A name containing the templates' placeholder text cannot be filled in: Altair builds that spec."""
    sneaky = placeholder("panel")
    cases = [
        ("caterpillar", ((sneaky, 10, False), ("g: intercept", 10, False))),
        ("residuals", ("y", (f"g: {sneaky}",), True, False)),
        ("effects", ((placeholder("term"),), ("Current", placeholder("model0")))),
        ("variance", ((placeholder("model1"), "b"), ("g", "R"), ("#000", "#111"), "b", True)),
        ("shrinkage", (placeholder("group"), ("(Intercept)",), "size", False)),
        ("prediction", (2, ("a", placeholder("what")), ("mixed", "ols"), "a", "95% prediction interval")),
        ("lines", ("g", "x", "y", "f", ("1", placeholder("panel0")), True)),
        ("slopes2d", ("g", placeholder("group"))),
    ]
    for name, key in cases:
        chart = charts.CHARTS[name]
        built = chart.spec_dict(key, Look())
        assert built == altair_dict(chart, key, Look())
        assert "__mixwidget_" in str(built)


@pytest.mark.parametrize("name", ["caterpillar", "residuals", "effects", "variance", "shrinkage", "prediction", "lines"])
def test_specs_from_templates_are_valid_vega_lite(name):
    chart = charts.CHARTS[name]
    key = {"caterpillar": caterpillar_keys()[4], "residuals": residuals_keys()[4], "effects": effects_keys()[3],
           "variance": variance_keys()[5], "shrinkage": shrinkage_keys()[3], "prediction": prediction_keys()[2],
           "lines": lines_keys()[3]}[name]
    validate_jsonschema(chart.spec_dict(key, Look()), alt.vegalite.v6.schema.core.load_schema())


def test_warm_up_waits_while_busy_and_logs_a_failing_step(monkeypatch, caplog):
    """The background warm-up pauses while the widget is busy, and a failure is logged, not raised."""
    calls = []

    def busy() -> bool:
        calls.append(1)
        return len(calls) < 3  # busy twice, then free

    def broken(shape):
        raise RuntimeError("no template")

    monkeypatch.setattr(importlib.import_module("mixwidget.views.charts.caterpillar"), "_panel_template", broken)
    with caplog.at_level(logging.ERROR, logger="mixwidget.views.charts"):
        charts.warm_up(Look(), busy)
    assert len(calls) > 3  # asked before every step, and waited while busy
    assert "building a chart template in advance failed" in caplog.text
    key = caterpillar_keys()[2]
    monkeypatch.undo()
    assert charts.chart_spec(charts.CHARTS["caterpillar"], key) == altair_dict(charts.CHARTS["caterpillar"], key, Look())


def test_the_widget_warms_its_charts_without_getting_in_the_way():
    """The background warm-up counts the widget as working while it builds charts (from any thread),
    ends on its own, and leaves the widget's charts as Altair draws them."""
    import threading

    import mixwidget

    science = mixwidget.load_dataset("science")
    w = mixwidget.MixWidget(science, formula="like ~ sex + (1 | school)", isolate=False)
    w.wait(120)
    warm = [t for t in threading.enumerate() if t.name == "mixwidget-chart-warm-up"]
    for thread in warm:
        thread.join(120)
        assert not thread.is_alive()

    def working_seen_elsewhere() -> bool:
        seen: list[bool] = []
        other = threading.Thread(target=lambda: seen.append(w._working()))
        other.start()
        other.join(10)
        return seen[0]

    assert not working_seen_elsewhere()
    with w._board_lock:  # as while the charts are built
        assert working_seen_elsewhere()
    assert not working_seen_elsewhere()
    w.formula = "like ~ sex + PrivPub + (1 | school) + (1 | school:class)"
    w.wait(120)
    assert set(w.chart_specs) >= {"caterpillar", "residuals", "effects"}
    for name in ("caterpillar", "residuals", "effects"):
        chart = charts.CHARTS[name]
        request = w._board.request(w.fit, {}, w.chart_group or None, previous=w.history[-2])  # the first fit: a ghost row
        data = chart.data(request)
        assert w.chart_specs[name] == altair_dict(chart, data.key, Look())
    w.close()
