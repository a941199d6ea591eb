"""Caterpillar plot: conditional modes with 95% intervals, sorted, one panel per random term."""

from __future__ import annotations

from collections.abc import Hashable

import altair as alt
import numpy as np
import pandas as pd

from ..fit import MixedFit
from ._common import HIGHLIGHT, MAX_LEVELS, POOLING_COLORS, group_noun, is_selected, spread_ranks, template
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


def caterpillar_spec(key: Hashable, look: Look) -> alt.TopLevelMixin:
    """One panel per random term (``key`` = (panel, number of levels) pairs)."""
    panels_sizes = key
    panels = []
    sel = is_selected()
    tooltip = [
        alt.Tooltip("level:N"), alt.Tooltip("n:Q"), alt.Tooltip("estimate:Q", title="conditional mode", format=".3f"),
        alt.Tooltip("cond_sd:Q", title="conditional SD", format=".3f"),
        alt.Tooltip("lower:Q", title="95% lower", format=".3f"), alt.Tooltip("upper:Q", title="95% upper", format=".3f"),
    ]
    for panel, nlev in panels_sizes:
        base = alt.Chart(alt.NamedData(name="caterpillar_modes")).transform_filter(alt.datum.panel == panel)
        y = alt.Y("level:N", sort=alt.EncodingSortField("estimate", order="ascending"), title=None,
                  axis=alt.Axis(labels=nlev <= 70, ticks=nlev <= 70, labelFontSize=10 if nlev > 40 else 13, grid=False))
        # One reference line per panel, not one per row of the panel's data.
        zero = base.transform_aggregate(rows="count()").mark_rule(color="#333", strokeDash=[4, 3]).encode(x=alt.datum(0))
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
        height = int(min(560, max(160, 9 * nlev)))
        panels.append(alt.layer(zero, bar, dot).properties(width=420, height=height))
    chart = alt.hconcat(*panels, spacing=20) if len(panels) > 1 else panels[0]
    return template(chart, look)


def caterpillar_data(request: ChartRequest) -> ChartData:
    """Conditional modes with their intervals, per random term, of the current model."""
    fit = request.fit
    if fit.kind == "ols" or fit.ranef.empty:
        raise NotApplicable("A caterpillar plot needs a random effect; this model has none (OLS). Add one, e.g. (1 | group)")
    table = caterpillar_table(fit)
    # Thousands of intervals per panel merge into a band: draw evenly spaced ranks, ends included.
    panel = table["panel"].to_numpy()
    keep = np.concatenate([np.flatnonzero(panel == p)[spread_ranks(table["estimate"].to_numpy()[panel == p])]
                           for p in dict.fromkeys(panel)])
    notes = [f"{p}: showing {MAX_LEVELS} of {n} {group_noun(p.split(': ')[0])} (evenly spaced ranks, both ends)"
             for p, n in table.groupby("panel", sort=False).size().items() if n > MAX_LEVELS]
    table = table.iloc[np.sort(keep)]
    sizes = table.groupby("panel", sort=False).size()
    key = tuple((str(p), int(k)) for p, k in sizes.items())
    title = "Each group's deviation from the population, with its uncertainty"
    subtitle = "Conditional modes ± 1.96 conditional SD, sorted; intervals crossing 0 are not clearly different from average"
    return ChartData(key, {"caterpillar_modes": table}, title, [subtitle, *notes])


CATERPILLAR = ChartType("caterpillar", caterpillar_data, caterpillar_spec)


def caterpillar(fit: MixedFit) -> alt.TopLevelMixin:
    """Conditional modes ± 1.96 conditional SD, sorted, one panel per random term."""
    return altair_chart(CATERPILLAR, ChartRequest({"model": fit}, "model"))
