"""Shared pieces of the charts: named data, the selected-level param, colours, sampling, looks."""

from __future__ import annotations

import re
import weakref
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from ...model.fit import SINGULAR_TOL, MixedFit
from ...model.pooling import Pooled, pooled, pooling
from .base import Look, NotApplicable

__all__ = [
    "MAX_POINTS",
    "NotApplicable",
    "POOLING_COLORS",
    "POOLING_KINDS",
    "SELECTED",
    "template",
    "template_parts",
    "group_noun",
    "is_selected",
    "largest_group",
    "link_scale",
    "own_estimate_note",
    "pooled_arrays",
    "pooling_table",
    "sample_positions",
    "sample_rows",
    "slope_example",
    "table",
    "text",
    "text_column",
    "zero_note",
    "zero_terms",
]

MAX_POINTS = 3000  # raw points drawn before sampling
MAX_LEVELS = 400  # group levels drawn per panel before sampling (InstEval has 2972 students)
PANEL_WIDTH = 460
PANEL_HEIGHT = 300

# Okabe-Ito colours, the same meaning in every chart.
POOLING_KINDS = ["no pooling", "partial pooling", "complete pooling"]
POOLING_COLORS = ["#E69F00", "#0072B2", "#555555"]
HIGHLIGHT = "#D55E00"
MUTED = "#9a9a9a"


def selected_param() -> alt.Parameter:
    """The level picked outside the chart (or by a click); a plain variable, not a selection."""
    return alt.param(name="selected", value=None)


SELECTED = "selected"


def is_selected() -> str:
    """Vega expression true for marks of the selected level."""
    return "selected != null && datum.level == selected"


def template(chart: alt.TopLevelMixin, look: Look) -> alt.TopLevelMixin:
    """A chart's reusable part: marks, the ``selected`` param and the looks, without data or title."""
    return chart.add_params(selected_param()).properties(config=DARK_CONFIG if look.theme == "dark" else CONFIG)


@lru_cache(maxsize=8)
def template_parts(look: Look) -> dict[str, Any]:
    """What :func:`template` adds to a chart's dict (``$schema``, the ``selected`` param, the
    looks), for specs assembled from panels as plain dicts. Do not modify it."""
    chart = template(alt.Chart(alt.NamedData(name="any")).mark_point(), look).to_dict(validate=False)
    return {key: chart[key] for key in ("$schema", "params", "config")}


# Number axes' tick labels keep 8 px apart (labels that would come closer are left out), so
# neighbours such as "0.00" and "0.02" never read as one "0.000.02" on a narrow panel. (Axes of
# group names keep their own thinning.)
_LABELS_APART = alt.AxisConfig(labelOverlap=True, labelSeparation=8)

CONFIG = alt.Config(
    axis=alt.AxisConfig(labelFontSize=13, titleFontSize=14, grid=True, gridColor="#e6e6e6"),
    axisQuantitative=_LABELS_APART,
    legend=alt.LegendConfig(labelFontSize=13, titleFontSize=14, orient="bottom"),
    header=alt.HeaderConfig(labelFontSize=14, titleFontSize=14),
    text=alt.MarkConfig(fontSize=13),
    view=alt.ViewConfig(stroke=None),
    range=alt.RangeConfig(category={"scheme": "tableau10"}),
)

_DARK_TEXT = "#e6e6e6"

# The same looks on a dark background (JupyterLab Dark's #111); w.chart() in a dark notebook.
DARK_CONFIG = alt.Config(
    background="#1e1e1e",
    axis=alt.AxisConfig(labelFontSize=13, titleFontSize=14, grid=True, gridColor="#3a3a3a", labelColor=_DARK_TEXT,
                        titleColor=_DARK_TEXT, domainColor="#8a8a8a", tickColor="#8a8a8a"),
    axisQuantitative=_LABELS_APART,
    legend=alt.LegendConfig(labelFontSize=13, titleFontSize=14, orient="bottom", labelColor=_DARK_TEXT,
                            titleColor=_DARK_TEXT),
    header=alt.HeaderConfig(labelFontSize=14, titleFontSize=14, labelColor=_DARK_TEXT, titleColor=_DARK_TEXT),
    title=alt.TitleConfig(color=_DARK_TEXT, subtitleColor="#bdbdbd"),
    text=alt.MarkConfig(fontSize=13, color=_DARK_TEXT),
    view=alt.ViewConfig(stroke=None),
    range=alt.RangeConfig(category={"scheme": "tableau10"}),
)


def sample_rows(df: pd.DataFrame, limit: int = MAX_POINTS, seed: int = 1) -> tuple[pd.DataFrame, str | None]:
    """At most ``limit`` rows (a seeded sample) and a note saying so when rows were left out."""
    if len(df) <= limit:
        return df, None
    return df.sample(n=limit, random_state=seed).sort_index(), f"showing {limit} of {len(df)} points (random sample)"


def sample_positions(n: int, limit: int = MAX_POINTS, seed: int = 1) -> np.ndarray | None:
    """The rows :func:`sample_rows` keeps of ``n`` rows, in order (None: all of them)."""
    if n <= limit:
        return None
    return np.sort(pd.RangeIndex(n).to_series().sample(n=limit, random_state=seed).to_numpy())


def spread_ranks(values: np.ndarray, limit: int = MAX_LEVELS) -> np.ndarray:
    """Positions of at most ``limit`` values at evenly spaced ranks, both extremes included, in their
    original order (all positions when there are no more than ``limit``)."""
    n = len(values)
    if n <= limit:
        return np.arange(n)
    order = np.argsort(values, kind="stable")
    return np.sort(order[np.unique(np.linspace(0, n - 1, limit).round().astype(int))])


def sample_levels(levels: np.ndarray, limit: int = MAX_LEVELS, seed: int = 1) -> np.ndarray:
    """A boolean mask keeping all rows of at most ``limit`` distinct levels (a seeded sample)."""
    unique = pd.unique(levels)
    if len(unique) <= limit:
        return np.ones(len(levels), bool)
    keep = np.random.default_rng(seed).choice(len(unique), size=limit, replace=False)
    return pd.Series(levels).isin(set(unique[keep])).to_numpy()


def sample_level_mask(count: int, limit: int = MAX_LEVELS, seed: int = 1) -> np.ndarray:
    """Which of ``count`` distinct levels :func:`sample_levels` keeps (a boolean mask over the levels)."""
    keep = np.ones(count, bool)
    if count > limit:
        keep[:] = False
        keep[np.random.default_rng(seed).choice(count, size=limit, replace=False)] = True
    return keep


def largest_group(fit: MixedFit) -> str:
    """The random grouping factor with the most levels."""
    if not fit.design.random:
        raise NotApplicable("this model has no random effect")
    return max(fit.design.random, key=lambda b: len(b.levels)).group


def slope_example(fit: MixedFit) -> str:
    """A random slope term made from the model's own data, to suggest in a chart's note.

    The numeric variable is one of the model's fixed effects if it has one, else any numeric
    column (not the response, not a grouping factor's codes); the group is the model's grouping
    factor with the most levels (or "group"). Returns e.g. ``"add one, e.g. (Days | Subject)"``,
    or says that the data have no numeric variable for a slope.
    """
    blocks = sorted(fit.design.random, key=lambda b: -len(b.levels))
    group = blocks[0].group if blocks else "group"
    codes = {part for b in blocks for part in b.group.split(":")}
    data = fit.data
    fixed = {v for term in fit.model.fixed for v in term}

    def usable(c: str) -> bool:
        col = data[c]
        return (c != fit.model.response and c not in codes and pd.api.types.is_numeric_dtype(col)
                and not isinstance(col.dtype, pd.CategoricalDtype) and col.nunique() > 2)

    numeric = [c for c in data.columns if usable(c)]
    numeric.sort(key=lambda c: c not in fixed)
    if not numeric:
        return f"these data have no numeric variable for a slope besides {fit.model.response}"
    return f"add one, e.g. ({numeric[0]} | {group})"


def check_group(fit: MixedFit, group: str | None, what: str) -> str:
    if fit.kind == "ols" or not fit.design.random:
        raise NotApplicable(f"{what} needs a random effect; this model has none (OLS). Add one, e.g. (1 | group)")
    if group is None:
        return largest_group(fit)
    groups = list(dict.fromkeys(b.group for b in fit.design.random))
    if group not in groups:
        raise NotApplicable(f"'{group}' is not a grouping factor of this model; its grouping factors: {', '.join(groups)}")
    return group


def link_scale(fit: MixedFit) -> str:
    """The scale of a binomial or Poisson model's coefficients: "log-odds", "log-rate" or e.g. "probit-link"."""
    return {"logit": "log-odds", "log": "log-rate"}.get(fit.link, f"{fit.link}-link")


def own_estimate_note(fit: MixedFit, group: str, terms: Sequence[str]) -> str:
    """What a binomial or Poisson model's own estimates of a group are, and which groups have none.

    Each group's own estimate is the maximum-likelihood fit of its rows alone (see
    :mod:`mixwidget.model.own_glm`); it does not exist for outcomes all at the edge or, with
    slopes, outcomes the slope's variable separates, or too few distinct values of that variable.
    """
    one = group.split(":")[-1]
    edge = "all 0 or all 1" if fit.family == "binomial" else "all 0"
    slopes = [t for t in terms if t != "(Intercept)"]
    if not slopes:
        return (f"On the {link_scale(fit)} scale; a {one} whose outcomes are {edge} has no finite estimate of "
                "its own (no hollow point)")
    named = " or ".join(slopes) if len(slopes) <= 2 else "its slopes' variables"
    return (f"On the {link_scale(fit)} scale; a {one} has no finite estimate of its own (no hollow point) if its "
            f"outcomes are {edge} or separated by {named}, or if it has too few distinct values of {named}")


def group_noun(group: str) -> str:
    """A readable plural for a grouping factor: ``school:class`` -> ``classes``."""
    word = group.split(":")[-1]
    if word.endswith(("s", "x", "ch", "sh")):
        return word + "es"
    return word + "s"


_pool_cache: weakref.WeakKeyDictionary[MixedFit, dict[str, pd.DataFrame]] = weakref.WeakKeyDictionary()


def pooling_table(fit: MixedFit, group: str, pool: pd.DataFrame | None = None) -> pd.DataFrame:
    """``pooling(fit, group)``, computed once per fit and group (or the table passed in)."""
    if pool is not None:
        return pool
    cached = _pool_cache.setdefault(fit, {})
    if group not in cached:
        cached[group] = pooling(fit, group)
    return cached[group]


def pooled_arrays(fit: MixedFit, group: str, pool: pd.DataFrame | None = None) -> Pooled:
    """The pooling estimates as arrays: computed once per fit and group, or read from the table passed in."""
    return pooled(fit, group) if pool is None else Pooled.from_frame(pool)


# What a DataFrame built from a dict makes of an object array of strings (pandas 3: "str"; 2: object).
_TEXT_DTYPE = pd.DataFrame({"a": np.array(["a"], dtype=object)})["a"].dtype
_TEXT_IS_OBJECT = _TEXT_DTYPE == np.dtype(object)


def text(values: Any) -> Any:
    """Strings as a DataFrame column holds them, to be ``take``-n into :func:`table` columns.

    Every value must be a string (or missing).
    """
    values = np.asarray(values, dtype=object)
    return values if _TEXT_IS_OBJECT else pd.array(values, dtype=_TEXT_DTYPE)


def text_column(column: pd.Series) -> Any:
    """A column's values as strings (``str(value)``), as :func:`text` makes them (the column's own
    array when it already holds strings)."""
    if not _TEXT_IS_OBJECT and column.dtype == _TEXT_DTYPE:
        return column.array
    return text([str(v) for v in column.to_numpy()])


def table(columns: Mapping[str, Any], index: np.ndarray | None = None) -> pd.DataFrame:
    """A chart's table from its columns, each a 1-D numpy array of numbers, an array from
    :func:`text` (or its ``take``), or a string repeated on every row; the frame gets its own copy
    of every array (pandas' public constructor: building the columns as arrays first is what
    makes a table cheap, not the constructor)."""
    return pd.DataFrame(dict(columns), index=index)


def normal_quantiles(n: int) -> np.ndarray:
    """Theoretical normal quantiles for ``n`` sorted values (R's ppoints)."""
    from scipy import special

    a = 3 / 8 if n <= 10 else 0.5
    return special.ndtri((np.arange(1, n + 1) - a) / (n + 1 - 2 * a))


_zero_terms: weakref.WeakKeyDictionary[MixedFit, frozenset[tuple[str, str]]] = weakref.WeakKeyDictionary()


def zero_terms(fit: MixedFit) -> frozenset[tuple[str, str]]:
    """(group, term) of every random term whose variance is estimated as zero.

    Zero means a standard deviation below lme4's singular tolerance times the residual SD, the
    test the fit's "singular (boundary) fit" message uses. Groups of independent terms
    (``(1 | g) + (0 + x | g)``, named ``g.1`` in ``fit.variance``) are named ``g``. Found once
    per fit (several charts ask).
    """
    if fit not in _zero_terms:
        _zero_terms[fit] = frozenset(_find_zero_terms(fit))
    return _zero_terms[fit]


def _find_zero_terms(fit: MixedFit) -> set[tuple[str, str]]:
    if fit.kind == "ols" or not fit.design.random:
        return set()
    groups = {b.group for b in fit.design.random}
    v = fit.variance
    out: set[tuple[str, str]] = set()
    for group, term, sd, corr in zip(v["group"], v["term"], v["std_dev"], v["corr"]):
        if group == "Residual" or pd.notna(corr) or not sd < SINGULAR_TOL * fit.sigma:
            continue
        out.add((group if group in groups else re.sub(r"\.\d+$", "", str(group)), str(term)))
    return out


def zero_note(group: str, term: str) -> str:
    """What a zero variance means, in one line: "school variance is 0: the model puts no weight on schools"."""
    if term == "(Intercept)":
        return f"{group} variance is 0: the model puts no weight on {group_noun(group)}"
    return f"{group} variance of the {term} slope is 0: every {group.split(':')[-1]} gets the same {term} slope"
