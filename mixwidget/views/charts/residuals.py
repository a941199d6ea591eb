"""Residual checks: residuals against fitted values, and normal quantile plots.

Residuals of 0/1 outcomes and small counts fall on bands and say nothing by eye; for binomial and
Poisson models the chart shows binned residuals instead (Gelman & Hill 2007, sec. 5.6): the rows in
bins of similar fitted value, each bin's mean of observed minus fitted over its standard error, which
is about standard normal when the model fits."""

from __future__ import annotations

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
    MAX_POINTS,
    POOLING_COLORS,
    is_selected,
    normal_quantiles,
    spread_ranks,
    table,
    template,
    template_parts,
    text,
    zero_note,
    zero_terms,
)
from .base import ChartData, ChartRequest, ChartType, Look, altair_chart, can_fill, fill, placeholder

__all__ = ["RESIDUALS", "residuals", "residuals_data", "residuals_spec", "residuals_tables"]


# The same n on every refit (the model's rows, its levels): computed once per n. Read-only.
_normal_quantiles = lru_cache(maxsize=64)(normal_quantiles)


_QUARTERS = np.array([0.25, 0.75])


def _quartiles(values: np.ndarray, ordered: np.ndarray) -> tuple[float, float]:
    """``np.quantile(values, [0.25, 0.75])`` from the values sorted (``ordered``), without its sorting.

    The same steps as numpy's default ("linear") method, so the same numbers; with a zero among
    the values numpy itself decides (which of 0.0 and -0.0 its partial sort picks).
    """
    n = len(ordered)
    if (ordered == 0).any():
        q = np.quantile(values, _QUARTERS)
        return q[0], q[1]
    virtual = (n - 1) * _QUARTERS
    before = np.floor(virtual)
    after = before + 1
    top = virtual >= n - 1
    before[top] = after[top] = -1
    before, after = before.astype(np.intp), after.astype(np.intp)
    a, b = ordered[before], ordered[after]
    t = virtual - before
    diff = b - a
    out = a + diff * t
    np.subtract(b, diff * (1 - t), out=out, where=t >= 0.5)
    if np.isnan(ordered[-1]):
        out[:] = np.nan
    return out[0], out[1]


def _qq(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, tuple[float, float]]:
    """Order, theoretical quantiles and the line through the quartiles (R's qqline)."""
    order = np.argsort(values, kind="stable")
    theo = _normal_quantiles(len(values))
    q1, q3 = _quartiles(values, values[order])
    z1, z3 = -0.6744897501960817, 0.6744897501960817
    slope = (q3 - q1) / (z3 - z1)
    return order, theo, (q1 - slope * z1, slope)


def residuals_tables(fit: MixedFit) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, str | None]:
    """Points (fitted, residual, normal quantile), conditional modes with quantiles, and QQ lines."""
    return _tables(fit)[:4]


def binned_residuals(fit: MixedFit, bins: int | None = None) -> tuple[np.ndarray, np.ndarray, int]:
    """A binomial or Poisson fit's binned residuals: ``(mean fitted, standardized mean residual, bins)``.

    Rows sorted by fitted value are cut into ``bins`` groups of about equal size (default
    ``sqrt(n)``, between 5 and 60); a bin's residual is the (prior-weighted, e.g. trials) mean of
    observed minus fitted over its standard error ``sqrt(sum w V(mu)) / sum w``.
    """
    y, mu = np.asarray(fit.design.y, dtype=float), np.asarray(fit.fitted, dtype=float)
    w = fit.design.weights if isinstance(fit.design.weights, np.ndarray) else np.ones_like(y)
    n = len(y)
    k = max(1, min(n, bins or int(np.clip(round(np.sqrt(n)), 5, 60))))
    # Rows with the same fitted value (same covariates, same group effect) stay in row order: sorting the
    # values as computed would order such ties by their last bits, which differ between numpy builds.
    order = np.lexsort((np.arange(n), np.round(mu, 12)))
    groups = np.array_split(order, k)
    variance = mu * (1 - mu) if fit.family == "binomial" else mu
    fitted = np.array([np.average(mu[g], weights=w[g]) for g in groups])
    mean = np.array([np.sum(w[g] * (y[g] - mu[g])) / np.sum(w[g]) for g in groups])
    se = np.array([np.sqrt(np.sum(w[g] * variance[g])) / np.sum(w[g]) for g in groups])
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(se > 0, mean / se, 0.0)
    return fitted, z, k


def _tables(fit: MixedFit) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, str | None, list[str]]:
    """:func:`residuals_tables`, and the panels of the conditional modes in order."""
    if fit.generalized:
        fitted_values, res, bins = binned_residuals(fit)
    else:
        fitted_values, res = np.asarray(fit.fitted, dtype=float), np.asarray(fit.residuals, dtype=float)
    n = len(res)
    order, theo, (a, b) = _qq(res)
    quantile = np.empty(n)
    quantile[order] = theo
    note = None
    shown = np.arange(n)
    if n > MAX_POINTS:
        # Evenly spaced ranks keep the shape of both plots; the note says how many are shown.
        shown = np.sort(order[np.linspace(0, n - 1, MAX_POINTS).round().astype(int)])
        note = f"showing {MAX_POINTS} of {n} points (evenly spaced ranks)"
    # Level of the first (largest) grouping factor, so a selected group's points stand out.
    if fit.generalized:  # a bin holds rows of many groups
        level_of_point = ""
        note = (f"Binned residuals: the {fit.nobs} rows in {bins} bins by fitted value; each point is a bin's mean "
                "of observed - fitted over its SE: about 95% should lie within ±2, with no trend")
    elif fit.design.random:
        block = max(fit.design.random, key=lambda blk: len(blk.levels))
        level_of_point = text([str(v) for v in block.levels]).take(block.codes[shown])
    else:
        level_of_point = ""
    points = table({"fitted": fitted_values[shown], "residual": res[shown],
                    "quantile": quantile[shown], "level": level_of_point}, index=shown)
    qqlines: dict[str, list] = {"panel": ["Residual"], "x": [-3.0], "y": [a - 3 * b], "x2": [3.0], "y2": [a + 3 * b]}
    parts: dict[str, list] = {"panel": [], "level": [], "estimate": [], "quantile": []}
    thinned = False
    zeros = zero_terms(fit)
    skipped = []
    estimate, level, panels = _ranef_panels(fit)
    for (g, t), rows in panels.items():  # one panel per random term, in the order of ranef
        if (g, t) in zeros:  # all its modes are 0: no quantile plot, a note instead
            skipped.append(zero_note(g, t))
            continue
        values = estimate[rows]
        o, th, (ai, bi) = _qq(values)
        q = np.empty(len(values))
        q[o] = th
        if len(rows) > MAX_LEVELS:  # evenly spaced ranks keep the plot's shape
            keep = spread_ranks(values)
            rows, values, q = rows[keep], values[keep], q[keep]
            thinned = True
        panel = f"{g}: {'intercept' if t == '(Intercept)' else t}"
        parts["panel"].append(np.full(len(rows), panel, dtype=object))
        parts["level"].append(np.array([str(v) for v in level[rows]], dtype=object))
        parts["estimate"].append(values)
        parts["quantile"].append(q)
        lim = float(np.abs(th).max()) if len(th) else 2.0
        for c, value in (("panel", panel), ("x", -lim), ("y", ai - lim * bi), ("x2", lim), ("y2", ai + lim * bi)):
            qqlines[c].append(value)
    if thinned:
        thin = f"quantile plots of group effects: {MAX_LEVELS} evenly spaced ranks per panel"
        note = f"{note}; {thin}" if note else thin
    if skipped:
        zero = "\n".join(f"{line} (its group effects are all 0: no quantile plot)" for line in skipped)
        note = f"{note}\n{zero}" if note else zero
    if parts["panel"]:
        modes = table({c: text(np.concatenate(v)) if c in ("panel", "level") else np.concatenate(v)
                       for c, v in parts.items()})
    else:
        modes = pd.DataFrame(columns=["panel", "level", "estimate", "quantile"])
    lines = table({c: text(v) if c == "panel" else np.array(v, dtype=float) for c, v in qqlines.items()})
    return points, modes, lines, note, list(dict.fromkeys(qqlines["panel"][1:]))


def _ranef_panels(fit: MixedFit) -> tuple[np.ndarray, np.ndarray, dict[tuple[str, str], np.ndarray]]:
    """``fit.ranef``'s estimates and levels, and the rows of each (group, term) in order of first appearance.

    The table holds each term's levels as one run of rows: runs are found where group or term
    changes, and a (group, term) named by several runs gets all their rows, in order.
    """
    re = fit.ranef
    table, names = re.to_numpy(dtype=object), list(re.columns)  # one conversion, not a pandas call per column
    group, term = table[:, names.index("group")], table[:, names.index("term")]
    estimate = table[:, names.index("estimate")].astype(float)
    level = table[:, names.index("level")]
    n = len(group)
    starts = np.flatnonzero(np.r_[True, (group[1:] != group[:-1]) | (term[1:] != term[:-1])]) if n else []
    runs: dict[tuple[str, str], list[np.ndarray]] = {}
    for start, stop in zip(starts, [*starts[1:], n]):
        runs.setdefault((str(group[start]), str(term[start])), []).append(np.arange(start, stop))
    return estimate, level, {key: np.concatenate(parts) for key, parts in runs.items()}


#: Pixels between the panels of a row, and between the rows.
_SPACING, _ROW_SPACING = 22, 20


def _top_row(response: str, many: bool, binned: bool = False) -> alt.HConcatChart:
    """Residuals against fitted values, and their normal quantile plot; ``binned`` residuals (standardized
    bin means) are drawn over the band from -2 to 2, where about 95% should lie."""
    sel = is_selected()
    pts = alt.Chart(alt.NamedData(name="residuals_points"))
    colour = alt.condition(sel, alt.value(HIGHLIGHT), alt.value(POOLING_COLORS[1]))
    # With a group selected, its points are large and opaque and the others fade into the background.
    opacity = {"condition": [{"test": sel, "value": 1}, {"test": "selected != null", "value": 0.15}],
               "value": 0.35 if many else 0.6}
    size = alt.condition(sel, alt.value(90), alt.value(22))
    tip = [alt.Tooltip("level:N"), alt.Tooltip("fitted:Q", format=".3f"), alt.Tooltip("residual:Q", format=".3f")]
    band = []
    if binned:  # one band (the points' count as its only row) and its edges; "#555" is lightened in dark theme
        one = pts.transform_aggregate(rows="count()")
        band = [one.mark_rect(color="#555", opacity=0.12).encode(y=alt.datum(-2), y2=alt.datum(2)),
                *(one.mark_rule(color="#555", strokeDash=[2, 3], strokeWidth=1.5).encode(y=alt.datum(v))
                  for v in (-2, 2))]
    vs_fitted = alt.layer(
        *band,
        pts.mark_rule(color="#333", strokeDash=[4, 3]).encode(y=alt.datum(0)),
        pts.mark_circle().encode(
            x=alt.X("fitted:Q", title=f"Fitted {response}", scale=alt.Scale(zero=False), axis=alt.Axis(tickCount=8)),
            y=alt.Y("residual:Q", title="Residual"), color=colour, opacity=opacity, size=size, tooltip=tip,
        ),
    ).properties(width=420, height=300, title=alt.Title("Residuals vs fitted: no pattern wanted", fontSize=15, anchor="start"))
    lines = alt.Chart(alt.NamedData(name="residuals_qqlines"))
    qq = alt.layer(
        lines.transform_filter(alt.datum.panel == "Residual").mark_rule(color="#555", strokeDash=[6, 3]).encode(
            x="x:Q", y="y:Q", x2="x2:Q", y2="y2:Q"
        ),
        pts.mark_circle().encode(
            x=alt.X("quantile:Q", title="Normal quantile"), y=alt.Y("residual:Q", title="Residual"),
            color=colour, opacity=opacity, size=size, tooltip=tip,
        ),
    ).properties(width=300, height=300, title=alt.Title("Residuals: near the line if normal", fontSize=15, anchor="start"))
    return alt.hconcat(vs_fitted, qq, spacing=_SPACING)


def _modes_panel(panel: str) -> alt.LayerChart:
    """The normal quantile plot of one random term's conditional modes."""
    sel = is_selected()
    lines = alt.Chart(alt.NamedData(name="residuals_qqlines"))
    m = alt.Chart(alt.NamedData(name="residuals_modes")).transform_filter(alt.datum.panel == panel)
    return alt.layer(
        lines.transform_filter(alt.datum.panel == panel).mark_rule(color="#555", strokeDash=[6, 3]).encode(
            x="x:Q", y="y:Q", x2="x2:Q", y2="y2:Q"
        ),
        m.mark_point(filled=True).encode(
            x=alt.X("quantile:Q", title="Normal quantile"), y=alt.Y("estimate:Q", title="Conditional mode"),
            color=alt.condition(sel, alt.value(HIGHLIGHT), alt.value("#009E73")),
            size=alt.condition(sel, alt.value(160), alt.value(40)),
            tooltip=[alt.Tooltip("level:N"), alt.Tooltip("estimate:Q", format=".3f")],
        ),
        m.transform_filter(sel).mark_text(align="left", dx=10, dy=-10, fontSize=15, fontWeight="bold",
                                          color=HIGHLIGHT).encode(x="quantile:Q", y="estimate:Q", text="level:N"),
    ).properties(width=260, height=300, title=alt.Title(panel, fontSize=15, anchor="start"))


def residuals_spec(key: Hashable, look: Look) -> alt.TopLevelMixin:
    """Residual plots and a quantile plot per random term (``key`` = response, panels, many points, binned)."""
    response, panels_modes, many, binned = key
    top = _top_row(response, many, binned)
    panels = [_modes_panel(panel) for panel in panels_modes]
    chart = top if not panels else alt.vconcat(top, alt.hconcat(*panels, spacing=_SPACING), spacing=_ROW_SPACING)
    chart = chart.resolve_scale(x="independent", y="independent")
    return template(chart, look)


_RESPONSE, _PANEL = placeholder("response"), placeholder("panel")


def _standalone(chart: alt.TopLevelMixin) -> dict[str, Any]:
    """A part of the spec as a dict, without what ``to_dict`` adds to a whole chart."""
    out = chart.to_dict(validate=False)
    for top_level in ("$schema", "config"):
        out.pop(top_level, None)
    return out


@lru_cache(maxsize=4)
def _top_template(many: bool, binned: bool = False) -> dict[str, Any]:
    """The top row with a placeholder response, scales resolved as in every residuals spec."""
    return _standalone(_top_row(_RESPONSE, many, binned).resolve_scale(x="independent", y="independent"))


@lru_cache(maxsize=1)
def _panel_template() -> dict[str, Any]:
    return _standalone(_modes_panel(_PANEL))


def residuals_spec_dict(key: Hashable, look: Look) -> dict[str, Any]:
    """:func:`residuals_spec` as a plain dict: the top row and one quantile panel built in Altair
    once, the panels of each new model filled in from them."""
    response, panels_modes, many, binned = key
    if not can_fill({"": response, **{str(i): panel for i, panel in enumerate(panels_modes)}}):
        return residuals_spec(key, look).to_dict(validate=False)
    top = fill(_top_template(many, binned), {_RESPONSE: response})
    if panels_modes:
        panels = [fill(_panel_template(), {_PANEL: panel}) for panel in panels_modes]
        rows = [{"hconcat": top.pop("hconcat"), "spacing": top.pop("spacing")}, {"hconcat": panels, "spacing": _SPACING}]
        top = {"vconcat": rows, "spacing": _ROW_SPACING, **top}
    return {**top, **template_parts(look)}


def warm_up_steps(look: Look) -> list[Callable[[], object]]:
    """Building the templates before a new model needs them, step by step."""
    return [partial(_top_template, True), _panel_template, partial(_top_template, False)]


def residuals_data(request: ChartRequest) -> ChartData:
    """Residuals, conditional modes and their quantiles for the current model."""
    fit = request.fit
    points, modes, qqlines, note, panels = _tables(fit)
    response = fit.design.formula.response
    if fit.generalized:
        response = f"{'probability' if fit.family == 'binomial' else 'mean'} of {response} (bin means)"
    key = (response, tuple(panels), len(points) > 500, fit.generalized)
    title = "Checking the model's assumptions"
    subtitle = ["Residuals should scatter evenly around 0; quantile plots should follow the dashed line"]
    if note:
        subtitle.extend(note.split("\n"))
    datasets = {"residuals_points": points, "residuals_modes": modes, "residuals_qqlines": qqlines}
    return ChartData(key, datasets, title, subtitle)


RESIDUALS = ChartType("residuals", residuals_data, residuals_spec, residuals_spec_dict)


def residuals(fit: MixedFit) -> alt.TopLevelMixin:
    """Residuals against fitted values, beside normal quantile plots of the residuals and of the
    conditional modes (one per random term)."""
    return altair_chart(RESIDUALS, ChartRequest({"model": fit}, "model"))
