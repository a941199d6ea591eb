"""Shrinkage: each group's own estimate pulled toward the population, more so for small groups."""

from __future__ import annotations

from collections.abc import Hashable

import altair as alt
import numpy as np
import pandas as pd

from ..fit import MixedFit
from ._common import (
    MAX_LEVELS,
    POOLING_COLORS,
    POOLING_KINDS,
    check_group,
    group_noun,
    is_selected,
    pooling_table,
    sample_levels,
    template,
)
from .base import ChartData, ChartRequest, ChartType, Look, altair_chart

__all__ = ["SHRINKAGE", "shrinkage", "shrinkage_data", "shrinkage_spec", "shrinkage_tables"]


def shrinkage_tables(fit: MixedFit, group: str, pool: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Arrows (one row per level and term) and points (no and partial pooling, long)."""
    p = pooling_table(fit, group, pool)
    level = np.array([str(v) for v in p["level"].to_numpy()], dtype=object)
    term = p["term"].to_numpy(dtype=object)
    n = p["n"].to_numpy()
    no, partial, complete = (p[c].to_numpy(dtype=float) for c in ("no_pooling", "partial", "complete"))
    # The mixed model pulls each group toward its fixed effect (the population value).
    fixed = dict(zip(fit.fixed.index, fit.fixed["estimate"].to_numpy(dtype=float)))
    population = np.array([fixed.get(t, 0.0) for t in term])
    with np.errstate(divide="ignore", invalid="ignore"):
        shrink = 1 - np.abs(partial - population) / np.abs(no - population)
    arrows = pd.DataFrame({
        "level": level, "n": n, "term": term, "complete": complete, "no_pooling": no, "partial": partial,
        "pooling": "complete pooling",  # the colour of the complete-pooling rule drawn from this table
        "population": population, "shrink": shrink,
    })
    # Two points per arrow, no pooling first (every level), then partial pooling.
    points = pd.DataFrame({
        "level": np.tile(level, 2), "n": np.tile(n, 2), "term": np.tile(term, 2), "value": np.r_[no, partial],
        "pooling": np.repeat(np.array(["no pooling", "partial pooling"], dtype=object), len(level)),
        "no_pooling": np.tile(no, 2), "partial": np.tile(partial, 2), "complete": np.tile(complete, 2),
    })
    return arrows, points


def _term_title(term: str) -> str:
    return "Intercept" if term == "(Intercept)" else f"Slope of {term}"


def shrinkage_spec(key: Hashable, look: Look) -> alt.TopLevelMixin:
    """One panel per term of the group (``key`` = group, terms)."""
    group, terms = key
    sel = is_selected()
    x = alt.X("n:Q", title=f"Observations per {group.split(':')[-1]} (log scale)",
              scale=alt.Scale(type="log", nice=False, padding=12))
    tooltip = [
        alt.Tooltip("level:N", title=group), alt.Tooltip("n:Q"),
        alt.Tooltip("no_pooling:Q", title="no pooling", format=".3f"),
        alt.Tooltip("partial:Q", title="partial pooling", format=".3f"),
        alt.Tooltip("complete:Q", title="complete pooling", format=".3f"),
    ]
    panels = []
    for term in terms:
        a = alt.Chart(alt.NamedData(name="shrinkage_arrows")).transform_filter(alt.datum.term == term)
        p = alt.Chart(alt.NamedData(name="shrinkage_points")).transform_filter(alt.datum.term == term)
        y = alt.Y("value:Q", title=_term_title(term), scale=alt.Scale(zero=False))
        rule = a.mark_rule(strokeWidth=2.5).encode(
            y="mean(complete):Q",
            color=alt.Color("pooling:N", scale=alt.Scale(domain=POOLING_KINDS, range=POOLING_COLORS), title=None),
        )
        seg = a.transform_filter("isValid(datum.no_pooling)").mark_rule(strokeWidth=1.5).encode(
            x=x, y=alt.Y("no_pooling:Q"), y2="partial:Q",
            color=alt.condition(sel, alt.value("#D55E00"), alt.value("#7a7a7a")),
            strokeWidth=alt.condition(sel, alt.value(3.5), alt.value(1.3)), tooltip=tooltip,
        )
        dots = p.mark_point(size=70, filled=False).encode(
            x=x, y=y,
            fill=alt.Fill("pooling:N", title=None, scale=alt.Scale(
                domain=POOLING_KINDS, range=["white", POOLING_COLORS[1], POOLING_COLORS[2]])),
            size=alt.condition(sel, alt.value(260), alt.value(70)),
            stroke=alt.condition(sel, alt.value("#D55E00"), alt.Stroke(
                "pooling:N", scale=alt.Scale(domain=POOLING_KINDS, range=POOLING_COLORS),
                legend=alt.Legend(title=None, symbolStrokeWidth=2),
            )),
            strokeWidth=alt.condition(sel, alt.value(4), alt.value(2)),
            opacity=alt.value(1),
            tooltip=tooltip,
        )
        layer = alt.layer(rule, seg, dots).properties(width=480, height=320)
        if len(terms) > 1:
            layer = layer.properties(title=alt.Title(_term_title(term), fontSize=15, anchor="start"))
        panels.append(layer)
    chart = alt.hconcat(*panels, spacing=24) if len(panels) > 1 else panels[0]
    return template(chart, look)


def shrinkage_data(request: ChartRequest) -> ChartData:
    """No, partial and complete pooling per level of the chosen group of the current model."""
    fit = request.fit
    group = check_group(fit, request.group, "Shrinkage")
    arrows, points = shrinkage_tables(fit, group, request.options.get("pool"))
    terms = tuple(dict.fromkeys(arrows["term"]))
    noun = group_noun(group)
    # Thousands of arrows hide each other: draw a sample of levels (the medians use them all).
    levels = arrows["level"].nunique()
    shown_arrows = arrows[sample_levels(arrows["level"].to_numpy(), MAX_LEVELS)]
    shown_points = points[points["level"].isin(set(shown_arrows["level"]))]
    small = arrows.loc[arrows["n"] <= arrows["n"].median(), "shrink"].median()
    large = arrows.loc[arrows["n"] > arrows["n"].median(), "shrink"].median()
    one = group.split(":")[-1]
    subtitle = [f"Arrow: a {one}'s own estimate (hollow) → the mixed model's estimate (filled); grey line: complete pooling"]
    if pd.notna(small) and pd.notna(large):
        subtitle.append(
            f"Median pull toward the population value: {100 * small:.0f}% for the smaller half, "
            f"{100 * large:.0f}% for the larger half"
        )
    if len(shown_arrows) < len(arrows):
        subtitle.append(f"showing {MAX_LEVELS} of {levels} {noun} (random sample)")
    title = f"{noun.capitalize()} with fewer observations shrink more toward the overall mean"
    datasets = {"shrinkage_arrows": shown_arrows, "shrinkage_points": shown_points}
    return ChartData((group, terms), datasets, title, subtitle)


SHRINKAGE = ChartType("shrinkage", shrinkage_data, shrinkage_spec)


def shrinkage(fit: MixedFit, group: str | None = None, pool: pd.DataFrame | None = None) -> alt.TopLevelMixin:
    """Per level of ``group``: the no-pooling estimate, the partial-pooling estimate and the
    complete-pooling line, with an arrow from the first to the second; x is the group's size.

    Parameters
    ----------
    fit : MixedFit
    group : str, optional
        A grouping factor of the model; by default the one with the most levels.
    pool : DataFrame, optional
        ``pooling(fit, group)`` if already computed.
    """
    return altair_chart(SHRINKAGE, ChartRequest({"model": fit}, "model", group=group, options={"pool": pool}))
