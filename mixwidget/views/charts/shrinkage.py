"""Shrinkage: each group's own estimate pulled toward the population, more so for small groups."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from functools import lru_cache, partial
from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from ...model.fit import MixedFit
from ._common import (
    MAX_LEVELS,
    POOLING_COLORS,
    POOLING_KINDS,
    check_group,
    group_noun,
    is_selected,
    own_estimate_note,
    pooled_arrays,
    sample_level_mask,
    table,
    template,
    text,
)
from .base import (
    ChartData,
    ChartRequest,
    ChartType,
    Look,
    altair_chart,
    can_fill,
    fill,
    placeholder,
    placeholders,
)

__all__ = ["SHRINKAGE", "choose_layout", "shrinkage", "shrinkage_data", "shrinkage_spec", "shrinkage_tables"]

MAX_LABELS = 60  # groups named on the x axis of the estimate layout; more get no labels


def shrinkage_tables(fit: MixedFit, group: str, pool: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Arrows (one row per level and term) and points (no and partial pooling, long)."""
    c = _columns(fit, group, pool)
    return _arrows(c, None), _points(c, None)


def _columns(fit: MixedFit, group: str, pool: pd.DataFrame | None) -> dict[str, Any]:
    """The arrows' columns as arrays (row ``i * q + j``: level i, term j), and their levels' sizes."""
    p = pooled_arrays(fit, group, pool)
    k, q = len(p.levels), len(p.names)
    no, partial = p.no_pooling.ravel(), p.partial.ravel()
    # The mixed model pulls each group toward its fixed effect (the population value).
    fixed = dict(zip(fit.fixed.index, fit.fixed["estimate"].to_numpy(dtype=float)))
    population = np.tile(np.array([fixed.get(t, 0.0) for t in p.names], dtype=float), k)
    with np.errstate(divide="ignore", invalid="ignore"):
        shrink = 1 - np.abs(partial - population) / np.abs(no - population)
    # Rank of each level within its term by its own estimate (the mixed model's where it has none).
    own = np.where(np.isfinite(p.no_pooling), p.no_pooling, p.partial)
    term_codes = np.tile(np.arange(q), k)
    if np.isnan(own).any():  # as pandas ranks (which refuses to make whole numbers of missing ranks)
        order = pd.Series(own.ravel()).groupby(term_codes).rank(method="first").to_numpy(dtype=int)
    else:
        ranks = np.empty((k, q), dtype=int)
        for j in range(q):
            ranks[np.argsort(own[:, j], kind="stable"), j] = np.arange(1, k + 1)
        order = ranks.ravel()
    return {
        "levels": text([str(v) for v in p.levels]), "terms": text(p.names), "names": tuple(p.names), "sizes": p.n,
        "q": q,
        "level_codes": np.repeat(np.arange(k), q), "term_codes": term_codes,
        "n": np.repeat(p.n, q), "complete": np.tile(p.complete, k), "no_pooling": no, "partial": partial,
        "population": population, "shrink": shrink, "order": order,
    }


def _arrows(c: dict[str, Any], rows: np.ndarray | None) -> pd.DataFrame:
    """The arrows table (of the given rows, keeping their numbers as the index)."""
    def at(a: np.ndarray) -> np.ndarray:
        return a if rows is None else a[rows]

    return table({
        "level": c["levels"].take(at(c["level_codes"])), "n": at(c["n"]), "term": c["terms"].take(at(c["term_codes"])),
        "complete": at(c["complete"]), "no_pooling": at(c["no_pooling"]), "partial": at(c["partial"]),
        "pooling": "complete pooling",  # the colour of the complete-pooling rule drawn from this table
        "population": at(c["population"]), "shrink": at(c["shrink"]), "order": at(c["order"]),
    }, rows)


def _points(c: dict[str, Any], rows: np.ndarray | None) -> pd.DataFrame:
    """Two points per arrow, no pooling first (every level), then partial pooling (of the arrows ``rows``)."""
    size = len(c["n"])
    rows = np.arange(size) if rows is None else rows
    both = np.r_[rows, rows + size]  # the points' row numbers
    kind = text(["no pooling", "partial pooling"]).take(np.repeat([0, 1], len(rows)))
    no, partial = c["no_pooling"][rows], c["partial"][rows]
    return table({
        "level": c["levels"].take(np.tile(c["level_codes"][rows], 2)), "n": np.tile(c["n"][rows], 2),
        "term": c["terms"].take(np.tile(c["term_codes"][rows], 2)), "value": np.r_[no, partial], "pooling": kind,
        "no_pooling": np.tile(no, 2), "partial": np.tile(partial, 2), "complete": np.tile(c["complete"][rows], 2),
        "order": np.tile(c["order"][rows], 2),
    }, None if len(rows) == size else both)


def _median(values: np.ndarray) -> float:
    """The median of the values that are not NaN (NaN if none), as pandas' ``median``."""
    values = values[~np.isnan(values)]
    return np.nanmedian(values) if len(values) else np.nan


def choose_layout(n: np.ndarray) -> str:
    """``"size"`` (x: observations per group) when group sizes vary, else ``"estimate"`` (x: the
    groups ordered by their own estimate).

    Sizes vary when the upper quartile is at least 1.5 times the lower one (science's classes:
    14 and 25); with equal or nearly equal sizes (sleepstudy: 10 each; ChickWeight: 45 of 50
    chicks have 12) a size axis would stack every group on one vertical line.
    """
    n = np.asarray(n, dtype=float)
    if len(n) < 2:
        return "estimate"
    low, high = np.quantile(n, [0.25, 0.75])
    return "size" if high >= 1.5 * max(low, 1.0) else "estimate"


def _term_title(term: str) -> str:
    return "Intercept" if term == "(Intercept)" else f"Slope of {term}"


def _x_title(group: str, layout: str) -> str:
    if layout == "size":
        return f"Observations per {group.split(':')[-1]} (log scale)"
    return f"{group_noun(group).capitalize()}, ordered by their own estimate"


def _x(title: str, layout: str, labels: bool) -> alt.X:
    if layout == "size":
        return alt.X("n:Q", title=title, scale=alt.Scale(type="log", nice=False, padding=12))
    return alt.X(
        "level:N", sort=alt.EncodingSortField(field="order", op="min"), title=title,
        axis=alt.Axis(labels=labels, ticks=labels, grid=False, labelAngle=0, labelOverlap="parity"),
    )


def shrinkage_spec(key: Hashable, look: Look) -> alt.TopLevelMixin:
    """One panel per term of the group (``key`` = group, terms, layout, labels).

    Layout ``"size"``: x is the group's size, so the pull can be seen to fall as groups grow;
    ``"estimate"``: x is the groups in the order of their own estimate (labelled by name when
    ``labels``), for groups of equal size.
    """
    group, terms, layout, labels = key
    titles = [_term_title(term) for term in terms]
    return template(_chart(group, _x_title(group, layout), terms, titles, layout, labels), look)


def _chart(
    group: str, x_title: str, terms: Sequence[str], titles: Sequence[str], layout: str, labels: bool
) -> alt.TopLevelMixin:
    """The panels of :func:`shrinkage_spec`, with the axis titles given."""
    sel = is_selected()
    x = _x(x_title, layout, labels)
    tooltip = [
        alt.Tooltip("level:N", title=group), alt.Tooltip("n:Q", title="observations"),
        alt.Tooltip("no_pooling:Q", title="no pooling", format=".3f"),
        alt.Tooltip("partial:Q", title="partial pooling", format=".3f"),
        alt.Tooltip("complete:Q", title="complete pooling", format=".3f"),
    ]
    panels = []
    for term, term_title in zip(terms, titles):
        a = alt.Chart(alt.NamedData(name="shrinkage_arrows")).transform_filter(alt.datum.term == term)
        p = alt.Chart(alt.NamedData(name="shrinkage_points")).transform_filter(alt.datum.term == term)
        y = alt.Y("value:Q", title=term_title, scale=alt.Scale(zero=False))
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
        # The selected group named beside its mixed-model estimate, in the highlight colour (a ring
        # alone is lost among dozens of groups on a projector).
        name = p.transform_filter(sel).transform_filter(alt.datum.pooling == POOLING_KINDS[1]).mark_text(
            align="left", dx=12, dy=-12, fontSize=16, fontWeight="bold", color="#D55E00"
        ).encode(x=x, y=y, text="level:N")
        stacked = layout == "estimate" and len(terms) > 1
        layer = alt.layer(rule, seg, dots, name).properties(width=480, height=260 if stacked else 320)
        if len(terms) > 1:
            layer = layer.properties(title=alt.Title(term_title, fontSize=15, anchor="start"))
        panels.append(layer)
    if len(panels) == 1:
        chart = panels[0]
    elif layout == "estimate":
        # Panels one above the other: each gets the card's full width for its row of groups.
        chart = alt.vconcat(*panels, spacing=20)
    else:
        chart = alt.hconcat(*panels, spacing=24)
    return chart


_GROUP, _X_TITLE = placeholder("group"), placeholder("x_title")


@lru_cache(maxsize=16)
def _template(n_terms: int, layout: str, labels: bool, look: Look) -> dict[str, Any]:
    """The spec of ``n_terms`` placeholder terms of a placeholder group."""
    chart = _chart(_GROUP, _X_TITLE, placeholders("term", n_terms), placeholders("title", n_terms), layout, labels)
    return template(chart, look).to_dict(validate=False)


def shrinkage_spec_dict(key: Hashable, look: Look) -> dict[str, Any]:
    """:func:`shrinkage_spec` as a plain dict, filled in from a spec built once per number of terms and layout."""
    group, terms, layout, labels = key
    names = {_GROUP: group, _X_TITLE: _x_title(group, layout), **dict(zip(placeholders("term", len(terms)), terms)),
             **dict(zip(placeholders("title", len(terms)), map(_term_title, terms)))}
    if not can_fill(names):
        return shrinkage_spec(key, look).to_dict(validate=False)
    return fill(_template(len(terms), layout, labels, look), names)


def warm_up_steps(look: Look) -> list[Callable[[], object]]:
    """Building the specs of a random intercept (groups of different and of equal sizes) in advance."""
    return [partial(_template, 1, layout, False, look) for layout in ("size", "estimate")]


def shrinkage_data(request: ChartRequest) -> ChartData:
    """No, partial and complete pooling per level of the chosen group of the current model."""
    fit = request.fit
    group = check_group(fit, request.group, "Shrinkage")
    c = _columns(fit, group, request.options.get("pool"))
    terms = c["names"]
    noun = group_noun(group)
    one = group.split(":")[-1]
    # Thousands of arrows hide each other: draw a sample of levels (the medians use them all).
    sizes = c["sizes"]
    levels = len(sizes)
    shown = sample_level_mask(levels, MAX_LEVELS)
    rows = None if shown.all() else np.flatnonzero(np.repeat(shown, c["q"]))
    layout = choose_layout(sizes)
    subtitle = [f"Arrow: a {one}'s own estimate (hollow) → the mixed model's estimate (filled); grey line: complete pooling"]
    if fit.generalized:  # own estimates are each group's maximum-likelihood fit (see model.own_glm)
        subtitle.append(own_estimate_note(fit, group, terms))
    if layout == "size":
        title = f"{noun.capitalize()} with fewer observations shrink more toward the overall mean"
        subtitle.append(
            f"x: observations per {one} ({sizes.min()} to {sizes.max()}), as {noun} differ in size"
        )
        n, shrink = c["n"], c["shrink"]
        middle = np.median(n)
        small, large = _median(shrink[n <= middle]), _median(shrink[n > middle])
        if pd.notna(small) and pd.notna(large):
            subtitle.append(
                f"Median pull toward the population value: {100 * small:.0f}% for the smaller half, "
                f"{100 * large:.0f}% for the larger half"
            )
    else:
        title = f"{noun.capitalize()}' own estimates are pulled toward the overall mean"
        values, counts = np.unique(sizes, return_counts=True)
        common = values[counts.argmax()]
        if len(values) == 1:
            sizes_text = f"every {one} has {common} observations"
        else:
            sizes_text = f"{counts.max()} of {len(sizes)} {noun} have {common} observations"
        subtitle.append(f"x: {noun} ordered by their own estimate, as {sizes_text}")
        pull = _median(np.where(np.isinf(c["shrink"]), np.nan, c["shrink"]))
        if pd.notna(pull):
            subtitle.append(f"Median pull toward the population value: {100 * pull:.0f}% of the way")
    if rows is not None:
        subtitle.append(f"showing {MAX_LEVELS} of {levels} {noun} (random sample)")
    labels = layout == "estimate" and int(shown.sum()) <= MAX_LABELS
    datasets = {"shrinkage_arrows": _arrows(c, rows), "shrinkage_points": _points(c, rows)}
    return ChartData((group, terms, layout, labels), datasets, title, subtitle)


SHRINKAGE = ChartType("shrinkage", shrinkage_data, shrinkage_spec, shrinkage_spec_dict)


def shrinkage(fit: MixedFit, group: str | None = None, pool: pd.DataFrame | None = None) -> alt.TopLevelMixin:
    """Per level of ``group``: the no-pooling estimate, the partial-pooling estimate and the
    complete-pooling line, with an arrow from the first to the second.

    x is the group's size when sizes vary (the pull falls as groups grow), else the groups in
    the order of their own estimate (equal sizes would put every group on one vertical line);
    the subtitle says which.

    Parameters
    ----------
    fit : MixedFit
    group : str, optional
        A grouping factor of the model; by default the one with the most levels.
    pool : DataFrame, optional
        ``pooling(fit, group)`` if already computed.
    """
    return altair_chart(SHRINKAGE, ChartRequest({"model": fit}, "model", group=group, options={"pool": pool}))
