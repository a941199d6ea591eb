"""Caterpillar plot: conditional modes with 95% intervals, sorted, one panel per random term."""

from __future__ import annotations

import math
from collections.abc import Hashable

import altair as alt
import numpy as np
import pandas as pd

from ..fit import MixedFit
from ._common import (
    HIGHLIGHT,
    MAX_LEVELS,
    POOLING_COLORS,
    group_noun,
    is_selected,
    spread_ranks,
    template,
    zero_note,
    zero_terms,
)
from .base import ChartData, ChartRequest, ChartType, Look, NotApplicable, altair_chart

__all__ = ["CATERPILLAR", "caterpillar", "caterpillar_data", "caterpillar_spec", "caterpillar_table"]

Z95 = 1.96


def caterpillar_table(fit: MixedFit) -> pd.DataFrame:
    """``fit.ranef`` with the interval ends, the panel name, the rank and the group sizes."""
    re = fit.ranef
    group, term = re["group"].to_numpy(dtype=object), re["term"].to_numpy(dtype=object)
    est, sd = re["estimate"].to_numpy(dtype=float), re["cond_sd"].to_numpy(dtype=float)
    level = np.array([str(v) for v in re["level"].to_numpy()], dtype=object)
    panel = np.array([f"{g}: {'intercept' if t == '(Intercept)' else t}" for g, t in zip(group, term)], dtype=object)
    sizes: dict[tuple[str, str], int] = {}
    for b in fit.design.random:
        counts = np.bincount(b.codes, minlength=len(b.levels))
        sizes.update({(b.group, str(lv)): int(c) for lv, c in zip(b.levels, counts)})
    codes, _ = pd.factorize(panel)
    order = np.lexsort((np.arange(len(est)), est, codes))  # by panel, then estimate, ties in row order
    rank = np.empty(len(est))
    starts = np.r_[0, np.flatnonzero(np.diff(codes[order])) + 1]
    counts = np.diff(np.r_[starts, len(est)])
    rank[order] = np.arange(len(est)) - np.repeat(starts, counts) + 1.0
    out = pd.DataFrame({
        "group": group, "level": level, "term": term, "estimate": est, "cond_sd": sd, "panel": panel,
        "lower": est - Z95 * sd, "upper": est + Z95 * sd, "rank": rank,
        "n": np.array([sizes.get((g, lv), 0) for g, lv in zip(group, level)], dtype=int),
    })
    return out


PANEL_WIDTH = 420
#: Pixels between two axis labels of the 13 px font that do not touch.
LABEL_SPACING = 16


def panel_height(nlev: int) -> int:
    """Height in px of a panel of ``nlev`` levels."""
    return int(min(560, max(160, LABEL_SPACING * nlev)))


def label_every(nlev: int, height: int | None = None) -> int:
    """Label every k-th level so that labels of a panel ``height`` px tall never overlap."""
    height = panel_height(nlev) if height is None else height
    return max(1, math.ceil(LABEL_SPACING * nlev / height))


def _level_axis(nlev: int) -> alt.Axis:
    """The level axis: every level named when there is room, else every k-th (lowest first)."""
    k = label_every(nlev)
    if k == 1:
        return alt.Axis(grid=False, labelLimit=160)
    # Vega numbers a band axis's ticks 0..1: round(index * (n - 1)) is the level's rank.
    shown = f"round(datum.index * {nlev - 1}) % {k} == 0"
    return alt.Axis(grid=False, labelLimit=160, labelExpr=f"{shown} ? datum.label : ''",
                    tickOpacity={"condition": {"test": shown, "value": 1}, "value": 0})


def _note_panel(panel: str) -> alt.Chart:
    """In place of a panel whose variance is zero: the note saying what that means."""
    return alt.Chart(alt.NamedData(name="caterpillar_notes")).transform_filter(alt.datum.panel == panel).mark_text(
        align="left", baseline="top", fontSize=15, lineBreak="\n", lineHeight=20,
    ).encode(x=alt.value(0), y=alt.value(4), text="note:N").properties(width=PANEL_WIDTH, height=48)


def caterpillar_spec(key: Hashable, look: Look) -> alt.TopLevelMixin:
    """One panel per random term (``key`` = (panel, number of levels, variance is zero) triples)."""
    panels = []
    sel = is_selected()
    for panel, nlev, zero in key:
        if zero:
            panels.append(_note_panel(panel))
            continue
        group = panel.split(": ")[0]
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
        panels.append(layer.properties(width=PANEL_WIDTH, height=panel_height(nlev)))
    chart = alt.hconcat(*panels, spacing=20) if len(panels) > 1 else panels[0]
    return template(chart, look)


def caterpillar_data(request: ChartRequest) -> ChartData:
    """Conditional modes with their intervals, per random term, of the current model.

    A term whose variance is estimated as zero gets a note instead of a panel of zeros.
    """
    fit = request.fit
    if fit.kind == "ols" or fit.ranef.empty:
        raise NotApplicable("A caterpillar plot needs a random effect; this model has none (OLS). Add one, e.g. (1 | group)")
    table = caterpillar_table(fit)
    panels = list(dict.fromkeys(table["panel"]))
    zeros = zero_terms(fit)
    first = table.drop_duplicates("panel").set_index("panel")
    zero = {p: (first.at[p, "group"], first.at[p, "term"]) in zeros for p in panels}
    notes = pd.DataFrame({"panel": [p for p in panels if zero[p]],
                          "note": [zero_note(*first.loc[p, ["group", "term"]]).replace(": ", ":\n", 1)
                                   for p in panels if zero[p]]}, columns=["panel", "note"])
    table = table[~table["panel"].map(zero).to_numpy(bool)]
    # Thousands of intervals per panel merge into a band: draw evenly spaced ranks, ends included.
    panel = table["panel"].to_numpy()
    keep = [np.flatnonzero(panel == p)[spread_ranks(table["estimate"].to_numpy()[panel == p])]
            for p in dict.fromkeys(panel)]
    sampled = [f"{p}: showing {MAX_LEVELS} of {n} {group_noun(p.split(': ')[0])} (evenly spaced ranks, both ends)"
               for p, n in table.groupby("panel", sort=False).size().items() if n > MAX_LEVELS]
    table = table.iloc[np.sort(np.concatenate(keep))] if keep else table
    sizes = table.groupby("panel", sort=False).size()
    key = tuple((str(p), int(sizes.get(p, 0)), zero[p]) for p in panels)
    title = "Each group's deviation from the population, with its uncertainty"
    subtitle = "Conditional modes ± 1.96 conditional SD, sorted; intervals crossing 0 are not clearly different from average"
    return ChartData(key, {"caterpillar_modes": table, "caterpillar_notes": notes}, title, [subtitle, *sampled])


CATERPILLAR = ChartType("caterpillar", caterpillar_data, caterpillar_spec)


def caterpillar(fit: MixedFit) -> alt.TopLevelMixin:
    """Conditional modes ± 1.96 conditional SD, sorted, one panel per random term."""
    return altair_chart(CATERPILLAR, ChartRequest({"model": fit}, "model"))
