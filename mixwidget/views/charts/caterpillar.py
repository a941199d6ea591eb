"""Caterpillar plot: conditional modes with 95% intervals, sorted, one panel per random term."""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable
from functools import lru_cache, partial
from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from ...model.fit import MixedFit
from ._common import (
    HIGHLIGHT,
    MAX_LEVELS,
    POOLING_COLORS,
    group_noun,
    is_selected,
    spread_ranks,
    table,
    template,
    template_parts,
    text,
    text_column,
    zero_note,
    zero_terms,
)
from .base import ChartData, ChartRequest, ChartType, Look, NotApplicable, altair_chart, can_fill, fill, placeholder

__all__ = ["CATERPILLAR", "caterpillar", "caterpillar_data", "caterpillar_spec", "caterpillar_table"]

Z95 = 1.96


def caterpillar_table(fit: MixedFit) -> pd.DataFrame:
    """``fit.ranef`` with the interval ends, the panel name, the rank and the group sizes."""
    if fit.ranef.empty:  # no random effect (OLS): the columns, without rows
        text_none, none = np.array([], dtype=object), np.array([], dtype=float)
        return pd.DataFrame({
            "group": text_none, "level": text_none, "term": text_none, "estimate": none, "cond_sd": none,
            "panel": text_none, "lower": none, "upper": none, "rank": np.empty(0), "n": np.array([], dtype=int),
        })
    return _table(_columns(fit), None)


def _columns(fit: MixedFit) -> dict[str, Any]:
    """The columns of :func:`caterpillar_table` as arrays (text ones as ``text`` arrays and row codes)."""
    re = fit.ranef
    group, term = re["group"].to_numpy(dtype=object), re["term"].to_numpy(dtype=object)
    est, sd = re["estimate"].to_numpy(dtype=float), re["cond_sd"].to_numpy(dtype=float)
    level = text_column(re["level"])
    # Panels ("school: intercept") and sizes are the same along runs of one group and term.
    starts = np.flatnonzero(np.r_[True, (group[1:] != group[:-1]) | (term[1:] != term[:-1])]) if len(re) else np.arange(0)
    bounds = np.r_[starts, len(re)]
    names: dict[str, int] = {}  # panel -> its number, in order of appearance
    group_of, term_of, run_codes = {}, {}, []
    for g, t in zip(group[starts], term[starts]):
        panel = f"{g}: {'intercept' if t == '(Intercept)' else t}"
        if panel not in names:
            names[panel], group_of[panel], term_of[panel] = len(names), g, t
        run_codes.append(names[panel])
    codes = np.repeat(np.asarray(run_codes, dtype=np.intp), np.diff(bounds))
    sizes: dict[tuple[str, str], int] = {}
    for b in fit.design.random:
        counts = np.bincount(b.codes, minlength=len(b.levels))
        sizes.update({(b.group, str(lv)): int(c) for lv, c in zip(b.levels, counts)})
    levels = np.asarray(level, dtype=object)
    n = np.array([sizes.get((g, lv), 0) for g, lv in zip(group, levels)], dtype=int)
    order = np.lexsort((np.arange(len(est)), est, codes))  # by panel, then estimate, ties in row order
    rank = np.empty(len(est))
    first = np.r_[0, np.flatnonzero(np.diff(codes[order])) + 1]
    counts = np.diff(np.r_[first, len(est)])
    rank[order] = np.arange(len(est)) - np.repeat(first, counts) + 1.0
    return {
        "group": text_column(re["group"]), "level": level, "term": text_column(re["term"]), "estimate": est,
        "cond_sd": sd, "panels": list(names), "panel_codes": codes, "panel_text": text(list(names)), "rank": rank,
        "n": n, "group_of": group_of, "term_of": term_of,
    }


def _table(c: dict[str, Any], rows: np.ndarray | None) -> pd.DataFrame:
    """The caterpillar table of the given ranef rows (their numbers as the index), or of all."""
    def at(a: Any) -> Any:
        return a if rows is None else a[rows]

    est, sd = at(c["estimate"]), at(c["cond_sd"])
    everything = np.arange(len(c["estimate"]))
    return table({
        "group": c["group"].take(at(everything)), "level": c["level"].take(at(everything)),
        "term": c["term"].take(at(everything)), "estimate": est, "cond_sd": sd,
        "panel": c["panel_text"].take(at(c["panel_codes"])), "lower": est - Z95 * sd, "upper": est + Z95 * sd,
        "rank": at(c["rank"]), "n": at(c["n"]),
    }, rows)


PANEL_WIDTH = 420
#: Pixels between two axis labels of the 13 px font that do not touch.
LABEL_SPACING = 18
#: Tallest panel in px: every level named up to 70 levels, every k-th beyond.
MAX_PANEL_HEIGHT = 70 * LABEL_SPACING


def panel_height(nlev: int) -> int:
    """Height in px of a panel of ``nlev`` levels: one label's spacing per level, 160 to 1260 px."""
    return int(min(MAX_PANEL_HEIGHT, max(160, LABEL_SPACING * nlev)))


def label_every(nlev: int, height: int | None = None) -> int:
    """Label every k-th level so that labels of a panel ``height`` px tall never overlap."""
    height = panel_height(nlev) if height is None else height
    return max(1, math.ceil(LABEL_SPACING * nlev / height))


def _shown(nlev: int) -> str:
    """Vega expression true for the axis labels shown on a panel of ``nlev`` levels."""
    # Vega numbers a band axis's ticks 0..1: round(index * (n - 1)) is the level's rank.
    return f"round(datum.index * {nlev - 1}) % {label_every(nlev)} == 0"


def _level_axis(nlev: int) -> alt.Axis:
    """The level axis: every level named when there is room, else every k-th (lowest first)."""
    if label_every(nlev) == 1:
        return alt.Axis(grid=False, labelLimit=160)
    shown = _shown(nlev)
    return alt.Axis(grid=False, labelLimit=160, labelExpr=f"{shown} ? datum.label : ''",
                    tickOpacity={"condition": {"test": shown, "value": 1}, "value": 0})


def _note_panel(panel: str) -> alt.Chart:
    """In place of a panel whose variance is zero: the note saying what that means."""
    return alt.Chart(alt.NamedData(name="caterpillar_notes")).transform_filter(alt.datum.panel == panel).mark_text(
        align="left", baseline="top", fontSize=15, lineBreak="\n", lineHeight=20,
    ).encode(x=alt.value(0), y=alt.value(4), text="note:N").properties(width=PANEL_WIDTH, height=48)


def _modes_panel(panel: str, group: str, nlev: int) -> alt.LayerChart:
    """The intervals of one random term's levels, sorted."""
    sel = is_selected()
    tooltip = [
        alt.Tooltip("level:N", title=group), alt.Tooltip("n:Q", title="observations"),
        alt.Tooltip("estimate:Q", title="conditional mode", format=".3f"),
        alt.Tooltip("cond_sd:Q", title="conditional SD", format=".3f"),
        alt.Tooltip("lower:Q", title="95% lower", format=".3f"),
        alt.Tooltip("upper:Q", title="95% upper", format=".3f"),
    ]
    base = alt.Chart(alt.NamedData(name="caterpillar_modes")).transform_filter(alt.datum.panel == panel)
    y = alt.Y("level:N", sort=alt.EncodingSortField("estimate", order="ascending"), title=None,
              axis=_level_axis(nlev))
    # One reference line per panel, not one per row of the panel's data.
    zero_line = base.transform_aggregate(rows="count()").mark_rule(color="#333", strokeDash=[4, 3]).encode(
        x=alt.datum(0)
    )
    bar = base.mark_rule().encode(
        x=alt.X("lower:Q", title=f"{panel} (conditional mode, 95% interval)"), x2="upper:Q", y=y,
        color=alt.condition(sel, alt.value(HIGHLIGHT), alt.value("#8aa9c8")),
        strokeWidth=alt.condition(sel, alt.value(3), alt.value(1.5)), tooltip=tooltip,
    )
    dot = base.mark_point(filled=True).encode(
        x="estimate:Q", y=y,
        color=alt.condition(sel, alt.value(HIGHLIGHT), alt.value(POOLING_COLORS[1])),
        size=alt.condition(sel, alt.value(120), alt.value(30 if nlev > 100 else 45)), tooltip=tooltip,
    )
    # The selected level is named beside its interval, labelled on the axis or not (a text
    # mark per level, empty but for the selected one: a filtered, empty mark would warn).
    name = {"text": alt.condition(sel, alt.Text("level:N"), alt.value("")),
            "color": alt.condition(sel, alt.value(HIGHLIGHT), alt.value("transparent"))}
    name_right = base.transform_filter("datum.estimate <= 0").mark_text(
        align="left", dx=6, fontSize=14, fontWeight="bold"
    ).encode(x="upper:Q", y=y, **name)
    name_left = base.transform_filter("datum.estimate > 0").mark_text(
        align="right", dx=-6, fontSize=14, fontWeight="bold"
    ).encode(x="lower:Q", y=y, **name)
    layer = alt.layer(zero_line, bar, dot, name_right, name_left)
    return layer.properties(width=PANEL_WIDTH, height=panel_height(nlev))


def caterpillar_spec(key: Hashable, look: Look) -> alt.TopLevelMixin:
    """One panel per random term (``key`` = (panel, number of levels, variance is zero) triples)."""
    notes = [_note_panel(panel) for panel, _, zero in key if zero]
    drawn = [_modes_panel(panel, panel.split(": ")[0], nlev) for panel, nlev, zero in key if not zero]
    return template(_arrange(notes, drawn, alt.hconcat, alt.vconcat), look)


def _arrange(notes: list[Any], drawn: list[Any], hconcat: Callable[..., Any], vconcat: Callable[..., Any]) -> Any:
    """Drawn panels side by side, notes (zero variances) stacked above them: a note beside a panel
    would take half of the card's width from it."""
    side = [hconcat(*drawn, spacing=20)] if len(drawn) > 1 else drawn
    stack = [*notes, *side]
    return stack[0] if len(stack) == 1 else vconcat(*stack, spacing=12)


_PANEL, _GROUP = placeholder("panel"), placeholder("group")


def _shape(nlev: int) -> tuple[bool, bool]:
    """What of a panel's dict, besides its height and label expression, depends on its number of levels."""
    return label_every(nlev) == 1, nlev > 100


#: A number of levels of each shape, for the panel templates.
_SHAPE_NLEV = {_shape(n): n for n in (1, 50, 400)}


@lru_cache(maxsize=8)
def _panel_template(shape: tuple[bool, bool] | None) -> dict[str, Any]:
    """One panel as a dict with placeholder names (None: a note panel), the same for every look."""
    chart = _note_panel(_PANEL) if shape is None else _modes_panel(_PANEL, _GROUP, _SHAPE_NLEV[shape])
    out = chart.to_dict(validate=False)
    for top_level in ("$schema", "config"):  # a standalone chart's; the spec's own come from template_parts
        out.pop(top_level, None)
    return out


def _panel_dict(panel: str, nlev: int, zero: bool) -> dict[str, Any]:
    if zero:
        return fill(_panel_template(None), {_PANEL: panel})
    shape = _shape(nlev)
    rep = _SHAPE_NLEV[shape]
    out = fill(_panel_template(shape), {_PANEL: panel, _GROUP: panel.split(": ")[0]}, {_shown(rep): _shown(nlev)})
    out["height"] = panel_height(nlev)
    return out


def caterpillar_spec_dict(key: Hashable, look: Look) -> dict[str, Any]:
    """:func:`caterpillar_spec` as a plain dict, its panels filled in from one panel template per
    shape: Altair builds each panel shape once, not each panel of each new model."""
    if not can_fill({str(i): panel for i, (panel, _, _) in enumerate(key)}):
        return caterpillar_spec(key, look).to_dict(validate=False)
    notes = [_panel_dict(panel, nlev, zero) for panel, nlev, zero in key if zero]
    drawn = [_panel_dict(panel, nlev, zero) for panel, nlev, zero in key if not zero]
    top = _arrange(notes, drawn, lambda *p, spacing: {"hconcat": list(p), "spacing": spacing},
                   lambda *p, spacing: {"vconcat": list(p), "spacing": spacing})
    return {**top, **template_parts(look)}


def warm_up_steps(look: Look) -> list[Callable[[], object]]:
    """Building the panel templates (every shape) before a new model needs them, step by step."""
    return [partial(_panel_template, shape) for shape in [*_SHAPE_NLEV, None]]


def caterpillar_data(request: ChartRequest) -> ChartData:
    """Conditional modes with their intervals, per random term, of the current model.

    A term whose variance is estimated as zero gets a note instead of a panel of zeros.
    """
    fit = request.fit
    if fit.kind == "ols" or fit.ranef.empty:
        raise NotApplicable("A caterpillar plot needs a random effect; this model has none (OLS). Add one, e.g. (1 | group)")
    c = _columns(fit)
    panels = c["panels"]
    zeros = zero_terms(fit)
    zero = {p: (c["group_of"][p], c["term_of"][p]) in zeros for p in panels}
    notes = pd.DataFrame({"panel": [p for p in panels if zero[p]],
                          "note": [zero_note(c["group_of"][p], c["term_of"][p]).replace(": ", ":\n", 1)
                                   for p in panels if zero[p]]}, columns=["panel", "note"])
    # Thousands of intervals per panel merge into a band: draw evenly spaced ranks, ends included.
    codes, est = c["panel_codes"], c["estimate"]
    keep, sampled, sizes = [], [], {}
    for i, p in enumerate(panels):
        if zero[p]:
            continue
        mine = np.flatnonzero(codes == i)
        if len(mine) > MAX_LEVELS:
            sampled.append(f"{p}: showing {MAX_LEVELS} of {len(mine)} {group_noun(p.split(': ')[0])} "
                           "(evenly spaced ranks, both ends)")
        keep.append(mine[spread_ranks(est[mine])])
        sizes[p] = len(keep[-1])
    rows = np.sort(np.concatenate(keep)) if keep else np.arange(0)
    table = _table(c, None if len(rows) == len(est) else rows)
    key = tuple((str(p), int(sizes.get(p, 0)), zero[p]) for p in panels)
    title = "Each group's deviation from the population, with its uncertainty"
    subtitle = "Conditional modes ± 1.96 conditional SD, sorted; intervals crossing 0 are not clearly different from average"
    return ChartData(key, {"caterpillar_modes": table, "caterpillar_notes": notes}, title, [subtitle, *sampled])


CATERPILLAR = ChartType("caterpillar", caterpillar_data, caterpillar_spec, caterpillar_spec_dict)


def caterpillar(fit: MixedFit) -> alt.TopLevelMixin:
    """Conditional modes ± 1.96 conditional SD, sorted, one panel per random term."""
    return altair_chart(CATERPILLAR, ChartRequest({"model": fit}, "model"))
