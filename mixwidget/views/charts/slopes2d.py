"""Each group's (intercept, slope) under no and partial pooling, with the population's 95% ellipse."""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable
from functools import lru_cache, partial
from typing import Any

import altair as alt
import numpy as np
import pandas as pd
from scipy import stats

from ...model.fit import MixedFit
from ._common import (
    POOLING_COLORS,
    POOLING_KINDS,
    group_noun,
    is_selected,
    own_estimate_note,
    pooled_arrays,
    slope_example,
    table,
    template,
    text,
    zero_note,
    zero_terms,
)
from .base import (
    ChartData,
    ChartRequest,
    ChartType,
    Look,
    NotApplicable,
    altair_chart,
    can_fill,
    fill,
    placeholder,
)

__all__ = ["SLOPES2D", "slopes2d", "slopes2d_data", "slopes2d_spec", "slopes2d_tables"]

HINT = "The intercept-slope plot needs a random intercept and slope for one group"


def _pick(fit: MixedFit, group: str | None) -> tuple[str, str]:
    if fit.kind == "ols" or not fit.design.random:
        raise NotApplicable(f"{HINT}; {slope_example(fit)}. This model has no random effect (OLS)")
    blocks = sorted(fit.design.random, key=lambda b: -len(b.levels))
    if group is not None:
        blocks = [b for b in blocks if b.group == group]
        if not blocks:
            groups = ", ".join(dict.fromkeys(b.group for b in fit.design.random))
            raise NotApplicable(f"'{group}' is not a grouping factor of this model; its grouping factors: {groups}")
    for g in dict.fromkeys(b.group for b in blocks):
        names = [n for b in blocks if b.group == g for n in b.names]
        if "(Intercept)" in names and len(names) > 1:
            return g, next(n for n in names if n != "(Intercept)")
    raise NotApplicable(f"{HINT}; {slope_example(fit)}")


def _covariance(fit: MixedFit, group: str, a: str, b: str) -> np.ndarray:
    """The 2x2 covariance of terms a, b of ``group`` (0 between separate terms)."""
    v = fit.variance
    mine = re.compile(re.escape(group) + r"\.\d+")
    var, cov = {}, {}
    for g, t, x, c in zip(v["group"].to_numpy(dtype=object), v["term"].to_numpy(dtype=object),
                          v["variance"].to_numpy(), v["corr"].to_numpy()):
        if g == group or mine.fullmatch(g) is not None:
            (var if pd.isna(c) else cov)[t] = x
    ab = cov.get(f"{a}~{b}", cov.get(f"{b}~{a}", 0.0))
    return np.array([[var[a], ab], [ab, var[b]]])


#: Radius of the 95% ellipse of a bivariate normal, in standard deviations.
RADIUS95 = float(np.sqrt(stats.chi2.ppf(0.95, 2)))
_ANGLE = np.linspace(0, 2 * np.pi, 73)


def slopes2d_tables(
    fit: MixedFit, group: str | None = None, pool: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, str]]:
    """Per level: intercept and slope under no and partial pooling; and the ellipse's outline."""
    group, slope = _pick(fit, group)
    p = pooled_arrays(fit, group, pool)
    i, j = p.names.index("(Intercept)"), p.names.index(slope)
    table_ = table({
        "level": text([str(v) for v in p.levels]),
        "n": p.n,
        "no_intercept": p.no_pooling[:, i],
        "no_slope": p.no_pooling[:, j],
        "partial_intercept": p.partial[:, i],
        "partial_slope": p.partial[:, j],
    })
    centre = np.array([float(fit.fixed["estimate"].get(t, 0.0)) for t in ("(Intercept)", slope)])
    sigma = _covariance(fit, group, "(Intercept)", slope)
    w, vecs = np.linalg.eigh(sigma)
    root = vecs @ np.diag(np.sqrt(np.clip(w, 0, None)))
    pts = centre[:, None] + RADIUS95 * root @ np.vstack([np.cos(_ANGLE), np.sin(_ANGLE)])
    ellipse = table({"order": np.arange(len(_ANGLE)), "intercept": pts[0], "slope": pts[1],
                     "centre_intercept": np.full(len(_ANGLE), centre[0]),
                     "centre_slope": np.full(len(_ANGLE), centre[1])})
    return table_, ellipse, {"group": group, "slope": slope}


def slopes2d_spec(key: Hashable, look: Look) -> alt.TopLevelMixin:
    """Intercept against slope of each level (``key`` = group, slope variable)."""
    group, slope = key
    sel = is_selected()
    tooltip = [
        alt.Tooltip("level:N", title=group), alt.Tooltip("n:Q"),
        alt.Tooltip("no_intercept:Q", title="intercept, no pooling", format=".3f"),
        alt.Tooltip("no_slope:Q", title="slope, no pooling", format=".3f"),
        alt.Tooltip("partial_intercept:Q", title="intercept, partial pooling", format=".3f"),
        alt.Tooltip("partial_slope:Q", title="slope, partial pooling", format=".3f"),
    ]
    colour = alt.Color("pooling:N", title=None, scale=alt.Scale(domain=POOLING_KINDS[:2] + ["95% of groups (model)"],
                                                                range=POOLING_COLORS[:2] + ["#009E73"]))
    base = alt.Chart(alt.NamedData(name="slopes2d_groups"))
    x = alt.X("no_intercept:Q", title="Intercept", scale=alt.Scale(zero=False))
    y = alt.Y("no_slope:Q", title=f"Slope of {slope}", scale=alt.Scale(zero=False))
    ell = alt.Chart(alt.NamedData(name="slopes2d_ellipse")).mark_line(strokeWidth=2.5, strokeDash=[6, 3]).encode(
        x="intercept:Q", y="slope:Q", order="order:Q", color=alt.datum("95% of groups (model)")
    )
    centre = alt.Chart(alt.NamedData(name="slopes2d_ellipse")).transform_filter("datum.order == 0").mark_point(
        shape="cross", size=260, filled=True, color="black"
    ).encode(x="centre_intercept:Q", y="centre_slope:Q",
             tooltip=[alt.Tooltip("centre_intercept:Q", title="fixed intercept", format=".3f"),
                      alt.Tooltip("centre_slope:Q", title="fixed slope", format=".3f")])
    seg = base.transform_filter("isValid(datum.no_slope)").mark_rule().encode(
        x=x, y=y, x2="partial_intercept:Q", y2="partial_slope:Q",
        color=alt.condition(sel, alt.value("#D55E00"), alt.value("#8a8a8a")),
        strokeWidth=alt.condition(sel, alt.value(3.5), alt.value(1.2)), tooltip=tooltip,
    )
    size = alt.condition(sel, alt.value(220), alt.value(60))
    hollow = base.transform_calculate(pooling="'no pooling'").mark_point(strokeWidth=2).encode(
        x=x, y=y, color=colour, size=size, tooltip=tooltip
    )
    filled = base.transform_calculate(pooling="'partial pooling'").mark_point(filled=True, opacity=0.9).encode(
        x="partial_intercept:Q", y="partial_slope:Q", color=colour, size=size, tooltip=tooltip,
        stroke=alt.condition(sel, alt.value("#D55E00"), alt.value(None)), strokeWidth=alt.value(3),
    )
    chart = alt.layer(ell, seg, hollow, filled, centre).properties(width=520, height=400)
    return template(chart, look)


_GROUP, _SLOPE = placeholder("group"), placeholder("slope")


@lru_cache(maxsize=4)
def _template(look: Look) -> dict[str, Any]:
    return slopes2d_spec((_GROUP, _SLOPE), look).to_dict(validate=False)


def slopes2d_spec_dict(key: Hashable, look: Look) -> dict[str, Any]:
    """:func:`slopes2d_spec` as a plain dict, filled in from a spec built once per look."""
    group, slope = key
    names = {_GROUP: group, _SLOPE: slope}
    if not can_fill(names):
        return slopes2d_spec(key, look).to_dict(validate=False)
    return fill(_template(look), names)


def warm_up_steps(look: Look) -> list[Callable[[], object]]:
    """Building the spec's template in advance."""
    return [partial(_template, look)]


def slopes2d_data(request: ChartRequest) -> ChartData:
    """Each level's intercept and slope, and the ellipse, for the current model."""
    table, ellipse, info = slopes2d_tables(request.fit, request.group, request.options.get("pool"))
    group, slope = info["group"], info["slope"]
    title = f"Partial pooling pulls each {group.split(':')[-1].lower()}'s intercept and slope toward the population"
    subtitle = [
        f"{len(table)} {group_noun(group).lower()}: own estimate (hollow) → mixed model (filled); "
        "cross: fixed effects; dashed: 95% ellipse of the estimated random effects",
    ]
    # A zero variance flattens the ellipse to a line: say what it means.
    zeros = zero_terms(request.fit)
    subtitle += [zero_note(group, term) for term in ("(Intercept)", slope) if (group, term) in zeros]
    cov = _covariance(request.fit, group, "(Intercept)", slope)
    if cov[0, 0] > 0 and cov[1, 1] > 0 and abs(r := cov[0, 1] / np.sqrt(cov[0, 0] * cov[1, 1])) > 0.999:
        subtitle.append(f"{group} intercept and {slope} slope are perfectly correlated (r = {r:.2f}): "
                        "the ellipse is flat, the data cannot tell them apart")
    dropped = int(np.isnan(table["no_slope"].to_numpy()).sum())
    if request.fit.generalized:  # own estimates are each group's maximum-likelihood fit (see model.own_glm)
        subtitle.append(own_estimate_note(request.fit, group, ["(Intercept)", slope]))
        if dropped:
            subtitle.append(f"{dropped} of {len(table)} {group_noun(group).lower()} have no estimate of their own")
    elif dropped:
        subtitle.append(f"{dropped} {group_noun(group).lower()} have too few distinct {slope} values for their own slope")
    return ChartData((group, slope), {"slopes2d_groups": table, "slopes2d_ellipse": ellipse}, title, subtitle)


SLOPES2D = ChartType("slopes2d", slopes2d_data, slopes2d_spec, slopes2d_spec_dict)


def slopes2d(fit: MixedFit, group: str | None = None, pool: pd.DataFrame | None = None) -> alt.TopLevelMixin:
    """Each group's intercept and slope alone (hollow) and in the mixed model (filled), joined by a
    segment, with the 95% ellipse of the estimated random-effect distribution around the fixed effects."""
    return altair_chart(SLOPES2D, ChartRequest({"model": fit}, "model", group=group, options={"pool": pool}))
