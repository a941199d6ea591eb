"""Each group's fitted line under no, partial and complete pooling, over the data."""

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
    MAX_POINTS,
    POOLING_COLORS,
    POOLING_KINDS,
    group_noun,
    is_selected,
    pooled_arrays,
    sample_positions,
    slope_example,
    spread_ranks,
    table,
    template,
    text,
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
    placeholders,
)

__all__ = ["LINES", "find_facet", "lines", "lines_data", "lines_spec", "lines_tables", "pick_groups", "slope_variable"]

ALL_LINES = 20  # a panel with at most this many groups draws every group's lines
SUBSET = 12  # else this many, at evenly spaced ranks of their own slope
SHOWN_KINDS = ("no pooling", "partial pooling")  # the pull, shown at first (the legend toggles kinds)

HINT = "Lines need a random slope for a numeric variable"


def slope_variable(fit: MixedFit, group: str | None) -> tuple[str, str]:
    """The grouping factor and the numeric variable of its random slope."""
    if fit.kind == "ols" or not fit.design.random:
        raise NotApplicable(f"{HINT}; {slope_example(fit)}. This model has no random effect (OLS)")
    frame = fit.design.frame
    blocks = sorted(fit.design.random, key=lambda b: -len(b.levels))
    if group is not None:
        blocks = [b for b in blocks if b.group == group]
        if not blocks:
            groups = ", ".join(dict.fromkeys(b.group for b in fit.design.random))
            raise NotApplicable(f"'{group}' is not a grouping factor of this model; its grouping factors: {groups}")
    for b in blocks:
        for name in b.names:
            if name in frame.columns and pd.api.types.is_numeric_dtype(frame[name]) and not isinstance(
                frame[name].dtype, pd.CategoricalDtype
            ):
                return b.group, name
    raise NotApplicable(f"{HINT}; {slope_example(fit)}")


def find_facet(fit: MixedFit, codes: np.ndarray, exclude: set[str]) -> str | None:
    """A factor with 2-12 levels that is constant within every group (ChickWeight: Diet)."""
    first = _first_rows(codes)
    candidates: list[tuple[list, Any]] = [(list(fit.design.frame.columns), fit.design.frame.__getitem__)]
    if fit.data is not None:
        data, at = fit.data, fit.design.positions  # rows by position: labels may repeat
        candidates.append((list(data.columns), lambda col: data[col].array.take(at)))
    for columns, column in candidates:
        for col in columns:
            if col in exclude:
                continue
            s = column(col)
            if pd.api.types.is_numeric_dtype(s) and not isinstance(s.dtype, pd.CategoricalDtype):
                continue
            values = pd.factorize(s)[0]
            if len(values) != len(codes):  # as pandas refuses to group by codes of another length
                raise ValueError(f"Length of values ({len(values)}) does not match length of index ({len(codes)})")
            nlev = len(np.unique(values))
            if not 2 <= nlev <= 12:
                continue
            if (values == values[first][codes]).all():
                return str(col)
    return None


def _first_rows(codes: np.ndarray) -> np.ndarray:
    """The first row of each group, indexed by the group's code (0 for codes without rows)."""
    present, rows = np.unique(codes, return_index=True)
    first = np.zeros(present[-1] + 1 if len(present) else 0, dtype=np.intp)
    first[present] = rows
    return first


def _group_lines(x: np.ndarray, y: np.ndarray, codes: np.ndarray, ngroups: int) -> tuple[np.ndarray, np.ndarray]:
    """Least-squares intercept and slope of y on x within each group (exact when y is linear in x)."""
    n = np.bincount(codes, minlength=ngroups).astype(float)
    sx = np.bincount(codes, x, ngroups)
    sy = np.bincount(codes, y, ngroups)
    sxx = np.bincount(codes, x * x, ngroups)
    sxy = np.bincount(codes, x * y, ngroups)
    with np.errstate(invalid="ignore", divide="ignore"):
        den = n * sxx - sx * sx
        slope = np.where(den > 1e-12 * np.maximum(n * sxx, 1), (n * sxy - sx * sy) / den, 0.0)
        intercept = (sy - slope * sx) / n
    return intercept, slope


def lines_tables(
    fit: MixedFit, group: str | None = None, facet: str | None = None, pool: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Group lines (one row per level and pooling kind), population lines, the data points and
    what they show (group, x, facet, sampling note, whether x takes whole numbers only)."""
    c = _lines(fit, group, facet, pool)
    return _group_table(c, np.ones(len(c["levels"]), bool)), c["population"], c["points"], c["info"]


KINDS = ("no pooling", "partial pooling", "complete pooling")


def _lines(fit: MixedFit, group: str | None, facet: str | None, pool: pd.DataFrame | None) -> dict[str, Any]:
    """The group lines as arrays (``a``, ``s``: intercepts and slopes, one row per pooling kind), the
    population lines, the points and what they show."""
    group, xvar = slope_variable(fit, group)
    if fit.generalized:  # straight lines through the data are a linear model's picture
        raise NotApplicable(
            f"Lines are drawn for linear models; this {fit.family} model's {group} slopes for {xvar} are in the "
            "shrinkage and intercept-slope charts, on the link scale"
        )
    design = fit.design
    blocks = [b for b in design.random if b.group == group]
    codes, levels = blocks[0].codes, blocks[0].levels
    x = design.frame[xvar].to_numpy(dtype=float)
    exclude = {design.formula.response, xvar, group, *blocks[0].term.group_variables}
    if facet is None:
        facet = find_facet(fit, codes, exclude)
    elif facet == "":
        facet = None
    facet_values = None
    k = len(levels)
    if facet is not None:
        if facet in design.frame.columns:
            column = design.frame[facet]
        else:
            source = fit.data
            if facet not in source.columns:
                raise NotApplicable(f"'{facet}' is not a column of the data")
            column = source[facet].iloc[design.positions]
        facet_values = column.astype(str).to_numpy()
        fcodes = pd.factorize(facet_values)[0]
        valid = fcodes >= 0
        per_group = np.unique(codes[valid] * (fcodes.max() + 1) + fcodes[valid])
        if len(per_group) > len(np.unique(codes[valid])):
            raise NotApplicable(f"'{facet}' changes within a {group}, so it cannot split the {group} lines into panels")
        # Each group's facet: its first one (NaN for a group without any).
        facet_of = np.full(k, np.nan, dtype=object)
        seen, first = np.unique(codes[valid], return_index=True)
        facet_of[seen] = facet_values[valid][first]
        facet_of = text(facet_of)
    else:
        facet_of = text([""]).take(np.zeros(k, dtype=np.intp))

    p = pooled_arrays(fit, group, pool)
    # No pooling: the fitted values with each group's conditional modes replaced by its own estimates.
    diff = p.no_pooling - p.partial
    same = len(p.levels) == k and bool((p.levels == np.asarray(levels, dtype=object)).all())
    at = slice(None) if same else pd.Index(p.levels).get_indexer(levels)
    no_pool = fit.fitted.copy()
    for b in blocks:
        d = diff[at][:, pd.Index(p.names).get_indexer(b.names)]
        no_pool = no_pool + (b.Z * d[b.codes]).sum(axis=1)
    beta_ols = np.linalg.lstsq(design.X, design.y, rcond=None)[0]
    beta = fit.fixed["estimate"].to_numpy()
    predictions = (no_pool, fit.fitted, design.X @ beta_ols)

    n = np.bincount(codes, minlength=k)
    xmin, xmax = _group_range(x, codes, n)
    lines = []
    for kind, pred in zip(KINDS, predictions):
        a, s = _group_lines(x, np.nan_to_num(pred, nan=0.0), codes, k)
        if kind == "no pooling":
            bad = np.bincount(codes, np.isnan(pred), k) > 0
            a, s = np.where(bad, np.nan, a), np.where(bad, np.nan, s)
        lines.append((a, s))

    pop = design.X @ beta
    fcodes, fnames = pd.factorize(pd.Series(facet_values if facet else np.zeros(len(x))), sort=True)
    a, s = _group_lines(x, pop, fcodes, len(fnames))
    lo, hi = _group_range(x, fcodes, np.bincount(fcodes, minlength=len(fnames)))
    population = table({
        "facet": text([str(f) for f in fnames] if facet else [""]), "pooling": "population (fixed effects)",
        "intercept": a, "slope": s, "x": lo, "x2": hi, "y": a + s * lo, "y2": a + s * hi,
    })
    shown = sample_positions(len(x))
    at_rows = slice(None) if shown is None else shown
    points = table({
        "level": text(levels).take(codes[at_rows]),
        "facet": text(facet_values[at_rows]) if facet else "",
        "x": x[at_rows], "y": design.y[at_rows],
    }, None if shown is None else shown)
    note = None if shown is None else f"showing {MAX_POINTS} of {len(x)} points (random sample)"
    whole = bool(np.all(np.mod(x[np.isfinite(x)], 1) == 0))
    info = {"group": group, "x": xvar, "facet": facet, "note": note, "whole": whole}
    return {"levels": text([str(v) for v in levels]), "level_names": np.asarray([str(v) for v in levels], dtype=object),
            "facet_of": facet_of, "n": n, "lines": lines, "xmin": xmin, "xmax": xmax, "population": population,
            "points": points, "info": info}


def _group_range(x: np.ndarray, codes: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Smallest and largest x of each group that has rows, ignoring NaN (NaN for a group without rows)."""
    if not len(x) or not n.all():
        by = pd.Series(x).groupby(codes)
        return by.min().reindex(range(len(n))).to_numpy(), by.max().reindex(range(len(n))).to_numpy()
    order = np.argsort(codes, kind="stable")
    starts = np.r_[0, np.cumsum(n)[:-1]]
    return np.fmin.reduceat(x[order], starts), np.fmax.reduceat(x[order], starts)


def _group_table(c: dict[str, Any], keep: np.ndarray) -> pd.DataFrame:
    """One row per level kept and pooling kind with a line (kinds one after the other), numbered as
    the rows of every level's lines."""
    k = len(keep)
    rows = np.concatenate([np.flatnonzero(keep & ~np.isnan(a)) + i * k for i, (a, _) in enumerate(c["lines"])])
    level, kind = rows % k, rows // k
    a = np.concatenate([line[0] for line in c["lines"]])[rows]
    s = np.concatenate([line[1] for line in c["lines"]])[rows]
    lo, hi = c["xmin"][level], c["xmax"][level]
    return table({
        "level": c["levels"].take(level), "facet": c["facet_of"].take(level), "pooling": text(KINDS).take(kind),
        "n": c["n"][level], "intercept": a, "slope": s, "x": lo, "x2": hi, "y": a + s * lo, "y2": a + s * hi,
    }, None if len(rows) == 3 * k else rows)


def lines_spec(key: Hashable, look: Look) -> alt.TopLevelMixin:
    """Points, group lines and population lines per panel (``key`` = group, x, response, facet,
    panels, whether x takes whole numbers only)."""
    group, xvar, response, facet, facets, whole = key
    shown = alt.selection_point(
        name="pooling_shown", fields=["pooling"], bind="legend", value=[{"pooling": k} for k in SHOWN_KINDS]
    )
    sel = is_selected()
    # Whole-number x (Days 0-9): ticks on whole numbers only, not 0.5 steps that overlap.
    axis = alt.Axis(tickMinStep=1, format="d") if whole else alt.Axis()
    x = alt.X("x:Q", title=xvar, axis=axis)
    y = alt.Y("y:Q", title=response, scale=alt.Scale(zero=False))
    colour = alt.Color("pooling:N", title="Lines: click to show one kind, shift-click to add",
                       scale=alt.Scale(domain=POOLING_KINDS, range=POOLING_COLORS),
                       legend=alt.Legend(symbolType="stroke", symbolStrokeWidth=4, titleLimit=600))
    tooltip = [
        alt.Tooltip("level:N", title=group), alt.Tooltip("pooling:N"), alt.Tooltip("n:Q"),
        alt.Tooltip("intercept:Q", format=".3f"), alt.Tooltip("slope:Q", title=f"slope ({xvar})", format=".3f"),
    ]
    # Two panels side by side fit a notebook's output area beside the file browser (968 px).
    width, height = (520, 340) if len(facets) == 1 else (400, 260)
    panels = []
    for f in facets:
        keep = alt.datum.facet == f
        pts = alt.Chart(alt.NamedData(name="lines_points")).transform_filter(keep).mark_circle().encode(
            x=x, y=y,
            color=alt.condition(sel, alt.value(HIGHLIGHT), alt.value("#b5b5b5")),
            size=alt.condition(sel, alt.value(60), alt.value(22)),
            opacity=alt.condition(sel, alt.value(1), alt.value(0.6)),
            tooltip=[alt.Tooltip("level:N", title=group), alt.Tooltip("x:Q", title=xvar), alt.Tooltip("y:Q", title=response)],
        )
        rules = alt.Chart(alt.NamedData(name="lines_groups")).transform_filter(keep).mark_rule().encode(
            x=x, y=y, x2="x2:Q", y2="y2:Q", color=colour, detail="level:N", tooltip=tooltip,
            opacity={"condition": [{"test": {"and": [{"param": "pooling_shown"}, sel]}, "value": 1},
                                   {"param": "pooling_shown", "value": 0.75}], "value": 0.04},
            strokeWidth=alt.condition(sel, alt.value(4), alt.value(1.4)),
        )
        # Where each line ends: its own line's end hollow, the mixed model's filled (as in shrinkage).
        ends = alt.Chart(alt.NamedData(name="lines_groups")).transform_filter(keep).transform_filter(
            alt.FieldOneOfPredicate(field="pooling", oneOf=list(SHOWN_KINDS))
        )
        dots = ends.mark_point(filled=False).encode(
            x="x2:Q", y="y2:Q", detail="level:N", tooltip=tooltip,
            fill=alt.Fill("pooling:N", scale=alt.Scale(domain=POOLING_KINDS, range=["white", *POOLING_COLORS[1:]]),
                          legend=None),
            stroke=alt.condition(sel, alt.value(HIGHLIGHT), alt.Stroke(
                "pooling:N", scale=alt.Scale(domain=POOLING_KINDS, range=POOLING_COLORS), legend=None)),
            size=alt.condition(sel, alt.value(140), alt.value(50)), strokeWidth=alt.value(1.8),
            opacity={"condition": {"param": "pooling_shown", "value": 1}, "value": 0.04},
        )
        pop = alt.Chart(alt.NamedData(name="lines_population")).transform_filter(keep).mark_rule(
            color="black", strokeWidth=3.5, strokeDash=[8, 4]
        ).encode(x=x, y=y, x2="x2:Q", y2="y2:Q", tooltip=[
            alt.Tooltip("facet:N", title=facet or "population"), alt.Tooltip("intercept:Q", format=".3f"),
            alt.Tooltip("slope:Q", format=".3f"),
        ])
        if not panels:
            # Defined once (every panel's lines follow it), on a view named here, not after a hash of
            # its names: specs of new names are then filled in from a template.
            rules = rules.properties(name="lines_rules").add_params(shown)
        layer = alt.layer(pts, rules, dots, pop).properties(width=width, height=height)
        if facet:
            layer = layer.properties(title=alt.Title(f"{facet} {f}", fontSize=15, anchor="start"))
        panels.append(layer)
    if len(panels) == 1:
        chart = panels[0]
    else:
        chart = alt.concat(*panels, columns=2, spacing=16).resolve_scale(x="shared", y="shared")
    return template(chart, look)


_GROUP, _X, _RESPONSE, _FACET = (placeholder(what) for what in ("group", "x", "response", "facet"))


@lru_cache(maxsize=16)
def _template(n_panels: int, faceted: bool, whole: bool, look: Look) -> dict[str, Any]:
    """The spec with placeholder names: ``n_panels`` panels, split by a factor or not."""
    key = (_GROUP, _X, _RESPONSE, _FACET if faceted else None, placeholders("panel", n_panels), whole)
    return lines_spec(key, look).to_dict(validate=False)


def lines_spec_dict(key: Hashable, look: Look) -> dict[str, Any]:
    """:func:`lines_spec` as a plain dict, filled in from a spec built once per number of panels."""
    group, xvar, response, facet, facets, whole = key
    names = {_GROUP: group, _X: xvar, _RESPONSE: response, **dict(zip(placeholders("panel", len(facets)), facets))}
    if facet:
        names[_FACET] = facet
    if not can_fill(names):
        return lines_spec(key, look).to_dict(validate=False)
    return fill(_template(len(facets), bool(facet), bool(whole), look), names)


def warm_up_steps(look: Look) -> list[Callable[[], object]]:
    """Building the one-panel templates (x in whole numbers or not) in advance."""
    return [partial(_template, 1, False, whole, look) for whole in (True, False)]


def pick_groups(
    group_lines: pd.DataFrame, selected: str | None = None, limit: int = SUBSET, every: int = ALL_LINES
) -> tuple[np.ndarray, bool]:
    """The levels whose lines are drawn: all of a panel's when it has at most ``every``, else
    ``limit`` at evenly spaced ranks of their own (no-pooling) slope, both extremes included;
    plus ``selected``. Also whether ``selected`` was added to the evenly spaced ones."""
    own = group_lines[group_lines["pooling"] == "no pooling"].set_index("level")["slope"]
    partial = group_lines[group_lines["pooling"] == "partial pooling"].drop_duplicates("level")
    slope = own.reindex(partial["level"]).fillna(partial.set_index("level")["slope"]).to_numpy()
    levels, facets = partial["level"].to_numpy(dtype=object), partial["facet"].to_numpy(dtype=object)
    return _pick(levels, facets, slope, selected, limit, every)


def _pick(
    levels: np.ndarray, facets: np.ndarray, slope: np.ndarray, selected: str | None, limit: int = SUBSET,
    every: int = ALL_LINES,
) -> tuple[np.ndarray, bool]:
    """:func:`pick_groups` of levels (object array), their facets and their own slopes."""
    keep: list[str] = []
    for f in pd.unique(facets):
        rows = np.flatnonzero(facets == f)
        if len(rows) > every:
            rows = rows[spread_ranks(slope[rows], limit)]
        keep.extend(levels[rows])
    added = selected is not None and selected in set(levels) and selected not in keep
    if added:
        keep.append(selected)
    return np.array(keep, dtype=object), added


def lines_data(request: ChartRequest) -> ChartData:
    """Group lines under each pooling, population lines and (sampled) data points of the current model.

    A panel with more than ``ALL_LINES`` groups shows ``SUBSET`` of them at evenly spaced ranks of
    their own slope, and the selected group (``request.options["selected"]``); the subtitle says so.
    """
    fit = request.fit
    c = _lines(fit, request.group, request.facet, request.options.get("pool"))
    info = c["info"]
    group, xvar, facet = info["group"], info["x"], info["facet"]
    response = fit.design.formula.response
    facet_of = np.asarray(c["facet_of"], dtype=object)
    (own_a, own_s), (_, partial_s) = c["lines"][0], c["lines"][1]
    # In the order the group table's rows name them (its own lines first, then the mixed model's).
    facets = sorted(pd.unique(np.r_[facet_of[~np.isnan(own_a)], facet_of]), key=_natural) if facet else [""]
    who = group_noun(group)
    levels = c["level_names"]
    total = len(pd.unique(levels))
    selected = request.options.get("selected")
    own_slope = np.where(np.isnan(own_a) | np.isnan(own_s), partial_s, own_s)
    keep, added = _pick(levels, facet_of, own_slope, None if selected is None else str(selected))
    mean = f"their {facet}'s mean line" if facet else "the population line"
    title = f"Partial pooling pulls {who.lower()}' lines toward {mean}"
    subtitle = [
        f"Each {group}: its own line (no pooling) and the mixed model's (partial pooling); dashed black: population "
        "(fixed effects)",
        "At each line's end: its own (hollow) and the mixed model's (filled), pulled toward the population",
    ]
    shown = np.ones(len(levels), bool)
    if len(keep) < total:
        per = f" per {facet}" if facet else ""
        which = f"{SUBSET}{per} spread evenly from the flattest to the steepest own slope"
        extra = ", and the selected one" if added else f" (click a point to add its {group})"
        subtitle.append(f"showing {len(keep)} of {total} {who}: {which}{extra}")
        shown = pd.Index(levels).isin(set(keep))
    else:
        subtitle[0] = subtitle[0].replace(f"Each {group}:", f"Each {group} ({total}):")
    if info["note"]:
        subtitle.append(info["note"])
    datasets = {"lines_points": c["points"], "lines_groups": _group_table(c, shown), "lines_population": c["population"]}
    return ChartData((group, xvar, response, facet, tuple(facets), info["whole"]), datasets, title, subtitle)


LINES = ChartType("lines", lines_data, lines_spec, lines_spec_dict)


def lines(
    fit: MixedFit, group: str | None = None, facet: str | None = None, pool: pd.DataFrame | None = None
) -> alt.TopLevelMixin:
    """The data (response against the slope variable) with each group's line and the population line.

    Lines for no, partial and complete pooling; clicking the legend shows one kind (shift-click
    adds more). Panels split by a factor constant within groups (auto-detected, e.g. Diet for
    chicks; ``facet=""`` for one panel).
    """
    request = ChartRequest({"model": fit}, "model", group=group, facet=facet, options={"pool": pool})
    return altair_chart(LINES, request)


def _natural(value: str) -> tuple:
    try:
        return (0, float(value), "")
    except ValueError:
        return (1, 0.0, value)
