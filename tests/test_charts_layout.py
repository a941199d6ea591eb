"""Charts on real data: zero variances said in words, a component's colour kept between fits,
caterpillar labels that never overlap."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from lme4ref import fit_cached

from mixwidget.views import charts
from mixwidget.views.chartboard import ChartBoard
from mixwidget.views.charts import build_chart
from mixwidget.views.charts.caterpillar import LABEL_SPACING, MAX_PANEL_HEIGHT, _level_axis, label_every, panel_height
from mixwidget.views.charts.variance import PALETTE, RESIDUAL, RESIDUAL_COLOUR, component_colours

BOTH = "like ~ sex + PrivPub + (1 | school) + (1 | school:class)"
CLASS = "like ~ sex + PrivPub + (1 | school:class)"
SCHOOL = "like ~ sex + PrivPub + (1 | school)"
SCHOOL_SLOPE_BOTH = "like ~ sex + PrivPub + (1 + sex | school) + (1 | school:class)"
SCHOOL_SPLIT = "like ~ sex + PrivPub + (1 + sex || school) + (1 | school:class)"
SLEEP = "Reaction ~ Days + (Days | Subject)"
NOTE = "school variance is 0:\nthe model puts no weight on schools"


def spec_of(name: str, formula: str, data: str = "science") -> dict:
    return build_chart(name, fit_cached(formula, data)).to_dict()


def marks(node) -> list[dict]:
    """Every unit view (a dict with a ``mark``) of a spec, in order."""
    if isinstance(node, dict):
        if "mark" in node:
            return [node]
        return [m for key in ("hconcat", "vconcat", "concat", "layer") for child in node.get(key, [])
                for m in marks(child)]
    return []


def panels(spec: dict) -> list[dict]:
    """The chart's panels, top to bottom and left to right."""
    for key in ("vconcat", "hconcat"):
        if key in spec:
            return [p for part in spec[key] for p in panels(part)]
    return [spec]


# --------------------------------------------------------------------------- zero variance


def test_caterpillar_says_a_zero_variance_instead_of_drawing_zeros():
    fit = fit_cached(BOTH, "science")
    assert fit.variance.set_index("group").at["school", "variance"] == 0
    spec = build_chart("caterpillar", fit).to_dict()
    modes = pd.DataFrame(spec["datasets"]["caterpillar_modes"])
    notes = pd.DataFrame(spec["datasets"]["caterpillar_notes"])
    # The class panel is drawn with all 66 classes; the school panel is a note, not 41 zeros.
    assert set(modes["panel"]) == {"school:class: intercept"} and len(modes) == 66
    assert notes.to_dict("records") == [{"panel": "school: intercept", "note": NOTE}]
    note, cat = panels(spec)  # the note above the panel, which gets the card's full width
    assert "hconcat" not in spec and spec["vconcat"][1] == cat
    assert "layer" in cat
    assert note["mark"]["type"] == "text" and note["encoding"]["text"] == {"field": "note", "type": "nominal"}
    assert "school: intercept" in str(note["transform"])


def test_caterpillar_draws_every_panel_when_no_variance_is_zero():
    spec = spec_of("caterpillar", SLEEP, "sleepstudy")
    assert spec["datasets"]["caterpillar_notes"] == []
    assert len(panels(spec)) == 2 and all("layer" in p for p in panels(spec))


def test_cached_caterpillar_with_a_note_is_what_altair_draws():
    early = charts.ChartRequest({"a": fit_cached(BOTH, "science")}, "a")
    later = charts.ChartRequest({"a": fit_cached(BOTH.replace("sex + ", ""), "science")}, "a")
    old, new = charts.chart_data("caterpillar", early), charts.chart_data("caterpillar", later)
    assert old.key == new.key == (("school:class: intercept", 66, False), ("school: intercept", 0, True))
    spec = charts.chart_spec(charts.CHARTS["caterpillar"], old.key)
    sent = {**spec, "datasets": {k: charts.base.rows(v) for k, v in new.columns().items()},
            "title": charts.title_spec(new)}
    assert sent == charts.altair_chart(charts.CHARTS["caterpillar"], later).to_dict()


def test_variance_chart_names_a_zero_component():
    rows = pd.DataFrame(spec_of("variance", BOTH)["datasets"]["variance_components"]).set_index("component")
    assert rows.at["school", "label"] == "0 (no weight)"
    assert rows.at[RESIDUAL, "note"] == "school 0 (no weight)"  # named beside the stacked bar
    assert rows.at["school:class", "label"] == "9.5%"


def test_residual_quantile_plot_of_a_zero_term_is_left_out_and_said():
    spec = spec_of("residuals", BOTH)
    modes = pd.DataFrame(spec["datasets"]["residuals_modes"])
    assert set(modes["panel"]) == {"school:class: intercept"}
    assert any(line.startswith("school variance is 0: the model puts no weight on schools")
               for line in spec["title"]["subtitle"])


def test_slopes_chart_says_a_zero_intercept_variance_and_a_perfect_correlation():
    zero = spec_of("slopes2d", SCHOOL_SPLIT)["title"]["subtitle"]
    assert "school variance is 0: the model puts no weight on schools" in zero
    corr = spec_of("slopes2d", SCHOOL_SLOPE_BOTH)["title"]["subtitle"]
    assert any("perfectly correlated (r = -1.00)" in line for line in corr)
    assert not any("perfectly" in line for line in spec_of("slopes2d", SLEEP, "sleepstudy")["title"]["subtitle"])


# --------------------------------------------------------------------------- colours


def colours_of(spec: dict) -> dict[str, str]:
    scales = [m["encoding"]["color"]["scale"] for m in marks(spec) if "scale" in m.get("encoding", {}).get("color", {})]
    scale = scales[0]
    assert all(s == scale for s in scales)
    return dict(zip(scale["domain"], scale["range"]))


def test_a_component_keeps_its_colour_when_terms_are_dropped_and_added():
    board = ChartBoard()
    seen = []
    for formula in [BOTH, SCHOOL, CLASS, SCHOOL_SLOPE_BOTH, BOTH]:
        fit = fit_cached(formula, "science")
        data = charts.chart_data("variance", board.request(fit, {}, None))
        seen.append(colours_of(charts.chart_spec(charts.CHARTS["variance"], data.key)))
    first = seen[0]
    assert first["school:class"] != first["school"]
    for colours in seen:
        assert colours[RESIDUAL] == RESIDUAL_COLOUR
        for name in ("school", "school:class"):
            if name in colours:
                assert colours[name] == first[name], (name, colours)
        assert len(set(colours.values())) == len(colours)  # no two components alike
    assert seen[3]["school: sexm"] not in (first["school"], first["school:class"], RESIDUAL_COLOUR)


def test_component_colours_without_a_history_follow_the_palette():
    assert component_colours(["a", "b", RESIDUAL]) == {"a": PALETTE[0], "b": PALETTE[1], RESIDUAL: RESIDUAL_COLOUR}
    known = {"a": PALETTE[0], "b": PALETTE[1]}
    assert component_colours(["b", "c", RESIDUAL], known) == {"b": PALETTE[1], "c": PALETTE[2],
                                                              RESIDUAL: RESIDUAL_COLOUR}
    # With the palette used up, a new component takes a colour no component on show has.
    full = {f"x{i}": c for i, c in enumerate(PALETTE)}
    assert component_colours(["x0", "new", RESIDUAL], full)["new"] == PALETTE[1]


def test_pinned_models_share_one_colour_per_component():
    board = ChartBoard()
    request = board.request(fit_cached(BOTH, "science"), {"school only": fit_cached(SCHOOL, "science")}, None)
    spec = charts.altair_chart(charts.CHARTS["variance"], request).to_dict()
    colours = colours_of(spec)
    rows = pd.DataFrame(spec["datasets"]["variance_components"])
    assert set(rows["component"]) == set(colours)
    assert rows.groupby("component")["model"].nunique()["school"] >= 2


# --------------------------------------------------------------------------- caterpillar labels


@pytest.mark.parametrize("nlev", [3, 18, 41, 66, 120, 400])
def test_labelled_levels_are_never_closer_than_a_label(nlev):
    height, k = panel_height(nlev), label_every(nlev)
    assert k * height / nlev >= LABEL_SPACING  # labelled rows far enough apart
    assert k == 1 or (k - 1) * height / nlev < LABEL_SPACING  # and no more thinned than needed


def level_axes(spec: dict) -> list[tuple[int, dict]]:
    """(height, y axis) of every caterpillar panel."""
    out = []
    for panel in panels(spec):
        if "layer" not in panel:
            continue
        y = panel["layer"][1]["encoding"]["y"]
        assert y["field"] == "level"
        out.append((panel["height"], y["axis"]))
    return out


def test_caterpillar_of_66_classes_names_every_class():
    spec = spec_of("caterpillar", BOTH)
    (height, axis), = level_axes(spec)
    assert label_every(66) == 1 and "labelExpr" not in axis
    assert height == 66 * LABEL_SPACING


def test_caterpillar_of_hundreds_of_levels_names_every_kth():
    n = 400
    height, k = panel_height(n), label_every(n)
    assert height == MAX_PANEL_HEIGHT and k == 6
    axis = _level_axis(n).to_dict()
    expr = axis["labelExpr"]
    rank, every = re.fullmatch(r"round\(datum\.index \* (\d+)\) % (\d+) == 0 \? datum\.label : ''", expr).groups()
    assert int(rank) == n - 1 and int(every) == k  # Vega numbers the n ticks 0..1
    assert height / n * k >= LABEL_SPACING
    assert axis["tickOpacity"]["condition"]["test"] in expr  # a tick only beside a label


def test_caterpillar_with_few_levels_labels_every_level():
    for height, axis in level_axes(spec_of("caterpillar", SLEEP, "sleepstudy")):
        assert "labelExpr" not in axis and height / 18 >= LABEL_SPACING


def test_selected_level_is_named_beside_its_interval_with_details_on_hover():
    spec = spec_of("caterpillar", SLEEP, "sleepstudy")
    named = [m for m in marks(spec) if m["mark"]["type"] == "text"]
    assert len(named) == 4  # left or right of the interval, in both panels
    for m in named:  # the level's name when it is the selected one, else nothing
        text = m["encoding"]["text"]
        assert text["condition"]["test"] == "selected != null && datum.level == selected"
        assert text["condition"]["field"] == "level" and text["value"] == ""
    tips = {t["field"] for m in marks(spec) if m["mark"]["type"] == "rule" for t in m["encoding"].get("tooltip", [])}
    assert {"level", "n", "estimate", "lower", "upper"} <= tips
