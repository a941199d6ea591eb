"""Prediction intervals for one row, per population of interest, under several models side by side."""

from __future__ import annotations

import weakref
from collections.abc import Callable, Hashable, Mapping
from functools import lru_cache, partial
from typing import Any

import altair as alt
import numpy as np
import pandas as pd
from scipy import special

from ...design.response import inverse_link
from ...errors import MixWidgetError
from ...formula.transforms import column_names
from ...model.fit import MixedFit
from ...model.populations import PopulationLines, population_lines, population_row, row_key
from ._common import HIGHLIGHT, PANEL_WIDTH, table, template, text
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

__all__ = ["PREDICTION", "pick_row", "prediction", "prediction_data", "prediction_rows", "prediction_spec"]

OTHER_COLORS = ["#0072B2", "#009E73", "#CC79A7", "#56B4E9", "#E69F00", "#F0E442"]
OLS_COLOR = "#555555"


def pick_row(fit: MixedFit, group: str | None = None, selected: str | None = None) -> pd.DataFrame:
    """The model's first row in level ``selected`` of ``group`` (else its first row), as a one-row frame.

    Taken by position, so a label that several rows share picks the right one."""
    at = 0
    if group and selected is not None:
        for block in fit.design.random:
            if block.group == group and selected in block.levels:
                at = int((block.codes == block.levels.index(selected)).argmax())
                break
    position = int(fit.design.positions[at])
    return fit.data.iloc[position:position + 1]


def _describe(fit: MixedFit, row: pd.DataFrame, values: tuple | None = None) -> str:
    """The row's values of the model's fixed-effect and offset columns, e.g. ``sex f, PrivPub public`` or
    ``sector private, ses 0.4, days_enrolled 99`` (an offset ``log(days_enrolled)``, which the prediction
    depends on too).

    ``values`` are the row's values in column order, when already known (see ``row_key``)."""
    model = fit.model
    used = [*(v for term in model.fixed for v in term), *model.offsets]
    names = [c for v in used for c in (column_names(model.expressions[v]) if v in model.expressions else [v])]
    shown = [v for v in dict.fromkeys(names) if v in row.columns]
    if values is None:
        return ", ".join(f"{v} {_text(row[v].iloc[0])}" for v in shown)
    at = {c: i for i, c in enumerate(row.columns)}
    return ", ".join(f"{v} {_text(values[at[v]])}" for v in shown)


def _text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return f"{value:.3g}" if isinstance(value, float) else str(value)


_NAMES = ["population", "fit", "se", "lower", "upper", "pieces", "pop_order", "model", "model_order", "formula",
          "kind", "current"]


def prediction_rows(
    fits: dict[str, MixedFit], current: str, row: pd.DataFrame, interval: str = "prediction", level: float = 0.95
) -> tuple[pd.DataFrame, list[str]]:
    """One row per model and population of interest (the current model's populations, or the first
    mixed model's when the current one has no groups); and the population labels, narrowest first.

    A model without some grouping factor of a population treats it as absent: a least-squares fit
    gives the same interval for every population.
    """
    columns, labels = _prediction_columns(fits, current, row, interval, level, row_key(row))
    return _frame(columns)[0], labels


def _prediction_columns(
    fits: Mapping[str, MixedFit], current: str, row: pd.DataFrame, interval: str, level: float, key: tuple | None
) -> tuple[dict[str, list], list[str]]:
    """The columns of :func:`prediction_rows` as lists (without ``half`` and ``label``), and the labels."""
    base = fits[current]
    if not base.design.random:
        base = next((f for f in fits.values() if f.design.random), base)
    table = _lines_for(base, row, interval, level, None, key)
    labels = list(table.population)  # a copy: the lines are cached
    known_sets = table.known
    # Columns gathered as lists and made one frame at the end.
    columns: dict[str, list] = {c: [] for c in _NAMES}
    n = len(labels)
    for order, (name, fit) in enumerate(fits.items()):
        try:
            t = table if fit is base else _lines_for(fit, row, interval, level,
                                                     [_implied(fit, k) for k in known_sets], key)
        except MixWidgetError:
            continue  # this model cannot predict this row (e.g. a level its rows lack): leave it out
        for c in ("fit", "se", "lower", "upper", "pieces"):
            values = getattr(t, c)
            if fit.generalized and c in ("fit", "lower", "upper"):  # the link scale's interval, transformed
                values = inverse_link(fit.link, np.asarray(values, dtype=float)).tolist()
            columns[c].extend(values)
        columns["population"].extend(labels)
        columns["pop_order"].extend(range(n))
        for c, value in (("model", name), ("model_order", order), ("formula", fit.formula), ("kind", fit.kind),
                         ("current", name == current)):
            columns[c].extend([value] * n)
    return columns, labels


def _frame(columns: dict[str, list]) -> tuple[pd.DataFrame, list[float], list[str]]:
    """The chart's table: ``columns`` with each interval's half width and its label (also returned as lists)."""
    if not columns["fit"]:  # no model could predict: the frame pandas makes of empty columns
        out = pd.DataFrame(columns)
        out["half"] = out["upper"] - out["fit"]
        out["label"] = [f"{f:.2f} ± {h:.2f}" for f, h in zip(out["fit"], out["half"])]
        return out, [], []
    half = [u - f for f, u in zip(columns["fit"], columns["upper"])]
    # Intervals of binomial and Poisson models are not symmetric on the response's scale: their ends.
    label = [f"{f:.2f} ± {h:.2f}" if abs((u - f) - (f - lo)) < 1e-9 * max(1.0, abs(f)) else f"{f:.2f} ({lo:.2f} to {u:.2f})"
             for f, h, lo, u in zip(columns["fit"], half, columns["lower"], columns["upper"])]
    full = {**columns, "half": half, "label": label}
    if not all(type(v) is str for c in _TEXT for v in full[c]):
        return pd.DataFrame(full), half, label  # e.g. a model named by a number: pandas decides the dtype
    kinds = {c: text(v) if c in _TEXT else np.array(v, dtype=_NUMBERS[c]) for c, v in full.items()}
    return table(kinds), half, label


_TEXT = ("population", "pieces", "model", "formula", "kind", "label")
_NUMBERS = {"fit": float, "se": float, "lower": float, "upper": float, "half": float, "pop_order": np.int64,
            "model_order": np.int64, "current": bool}


# Pinned models and the least-squares baseline stay the same fit objects across refits: their
# lines for a row are computed once.
_tables: weakref.WeakKeyDictionary[MixedFit, dict[tuple, PopulationLines]] = weakref.WeakKeyDictionary()


def _lines_for(fit: MixedFit, row: pd.DataFrame, interval: str, level: float,
               known: list[frozenset[str]] | None, key: tuple | None) -> PopulationLines:
    """``population_lines`` of ``fit`` for ``row`` (whose ``row_key`` is ``key``), once per fit and row."""
    if key is None:
        return population_lines(fit, row, interval, level, known=known)
    full = (key, interval, level, None if known is None else tuple(tuple(sorted(k)) for k in known))
    cached = _tables.setdefault(fit, {})
    if full not in cached:
        if len(cached) > 256:
            cached.clear()
        cached[full] = population_lines(fit, row, interval, level, known=known, key=key)
    return cached[full]


def _implied(fit: MixedFit, known: frozenset[str]) -> frozenset[str]:
    """The grouping factors of ``fit`` known in a population: those named, and those whose variables
    are part of a named one (knowing class 16:3 of ``school:class`` means knowing school 16)."""
    named = [set(g.split(":")) for g in known]
    return frozenset(g for g in fit.ngroups if g in known or any(set(g.split(":")) <= n for n in named))


def _colors(models: tuple[str, ...], kinds: tuple[str, ...], current: str) -> list[str]:
    out, i = [], 0
    for name, kind in zip(models, kinds):
        if name == current:
            out.append(HIGHLIGHT)
        elif kind == "ols":
            out.append(OLS_COLOR)
        else:
            out.append(OTHER_COLORS[i % len(OTHER_COLORS)])
            i += 1
    return out


def prediction_spec(key: Hashable, look: Look) -> alt.TopLevelMixin:
    """Rows of populations (``key`` = number of populations, models, their kinds, the current one,
    the interval's words), one interval per model in each row."""
    n_populations, models, kinds, current, what = key
    return template(_chart(n_populations, models, _colors(models, kinds, current), what), look)


def _chart(n_populations: int, models: tuple[str, ...], colours: list[str], what: str) -> alt.LayerChart:
    # Population labels name the row's groups, so they travel in the data (sorted by pop_order),
    # not in the spec: choosing another group updates the view in place.
    base = alt.Chart(alt.NamedData(name="prediction_rows"))
    y = alt.Y("population:N", sort=alt.EncodingSortField("pop_order", op="min"), title=None,
              axis=alt.Axis(labelLimit=280, labelFontSize=14))
    colour = alt.Color("model:N", scale=alt.Scale(domain=list(models), range=list(colours)),
                       sort=list(models), title=None)
    offset = alt.YOffset("model:N", sort=list(models), scale=alt.Scale(paddingInner=0.25))
    tooltip = [
        alt.Tooltip("model:N"), alt.Tooltip("formula:N"), alt.Tooltip("population:N"),
        alt.Tooltip("fit:Q", title="prediction", format=".3f"), alt.Tooltip("se:Q", title="SE", format=".3f"),
        alt.Tooltip("lower:Q", format=".3f"), alt.Tooltip("upper:Q", format=".3f"),
        alt.Tooltip("pieces:N", title="variance pieces"),
    ]
    x = alt.X("lower:Q", title=f"Predicted value with its {what}", scale=alt.Scale(zero=False, nice=True),
              axis=alt.Axis(tickCount=8))
    bar = base.mark_rule().encode(
        x=x, x2="upper:Q", y=y, yOffset=offset, color=colour,
        strokeWidth=alt.condition("datum.current", alt.value(6), alt.value(3.5)), tooltip=tooltip,
    )
    dot = base.mark_point(filled=True, opacity=1).encode(
        x="fit:Q", y=y, yOffset=offset, color=colour,
        size=alt.condition("datum.current", alt.value(140), alt.value(70)), tooltip=tooltip,
    )
    text = base.mark_text(align="left", dx=8, fontSize=13).encode(
        x="upper:Q", y=y, yOffset=offset, text="label:N", color=colour,
        size=alt.condition("datum.current", alt.value(15), alt.value(13)),
    )
    return alt.layer(bar, dot, text).properties(width=PANEL_WIDTH, height=_height(n_populations, len(models)))


def _height(n_populations: int, n_models: int) -> int:
    return max(120, n_populations * (26 * n_models + 30))


_WHAT = placeholder("what")


@lru_cache(maxsize=16)
def _template(n_models: int, look: Look) -> dict[str, Any]:
    """The spec for ``n_models`` placeholder models and colours (and one population)."""
    models, colours = placeholders("model", n_models), placeholders("colour", n_models)
    return template(_chart(1, models, list(colours), _WHAT), look).to_dict(validate=False)


def prediction_spec_dict(key: Hashable, look: Look) -> dict[str, Any]:
    """:func:`prediction_spec` as a plain dict, filled in from a spec built once per number of models."""
    n_populations, models, kinds, current, what = key
    colours = _colors(models, kinds, current)
    names = {_WHAT: what, **dict(zip(placeholders("model", len(models)), models)),
             **dict(zip(placeholders("colour", len(models)), colours))}
    if not can_fill(names):
        return prediction_spec(key, look).to_dict(validate=False)
    out = fill(_template(len(models), look), names)
    out["height"] = _height(n_populations, len(models))
    return out


def warm_up_steps(look: Look) -> list[Callable[[], object]]:
    """Building the specs of a model beside the least-squares fit (and a pinned one) in advance."""
    return [partial(_template, n_models, look) for n_models in (2, 3)]


def prediction_data(request: ChartRequest) -> ChartData:
    """Intervals per model and population for one row: ``options`` may hold ``row`` (a label of the
    model's data, a Series or dict), ``selected`` (a level of ``request.group``: its first row),
    ``interval`` ("prediction" or "confidence") and ``level`` (0.95)."""
    fits, current = request.fits, request.current
    if not fits:
        raise NotApplicable("no model to show yet")
    fit = fits[current]
    opts = request.options
    interval, level = opts.get("interval", "prediction"), float(opts.get("level", 0.95))
    if fit.generalized:  # a binomial or Poisson outcome has no normal prediction interval (as fit.predict)
        interval = "confidence"
    row = opts.get("row")
    if row is None:
        row = pick_row(fit, request.group, opts.get("selected"))
    frame = population_row(fit, row)
    key = row_key(frame)
    columns, labels = _prediction_columns(fits, current, frame, interval, level, key)
    table, half, label = _frame(columns)
    first = {}  # each model's first row
    for i, name in enumerate(columns["model"]):
        first.setdefault(name, i)
    models = tuple(first)
    kinds = tuple(columns["kind"][i] for i in first.values())
    what = f"{100 * level:g}% {interval} interval" + (" of the mean" if fit.generalized else "")
    mine = {p: label[i] for i, (p, now) in enumerate(zip(columns["population"], columns["current"])) if now}
    z = special.ndtri(0.5 + level / 2)  # the normal quantile, as stats.norm.ppf gives it, without its checks
    if len(mine) > 1:
        wide, narrow = labels[-1], labels[0]
        title = f"{_capital(wide)}: {mine[wide]}; {narrow}: {mine[narrow]}"
    else:
        title = f"Every population: {next(iter(mine.values()))} (this model cannot tell them apart)"
    name = frame.index[0]
    values = None if key is None else key[3]
    if fit.generalized:
        scale = "probability" if fit.family == "binomial" else "mean count (rate)"
        outcome = "a 0/1 outcome" if fit.family == "binomial" else "a count"
        subtitle = [f"{what.capitalize()} for row {name}: {_describe(fit, frame, values)}",
                    f"On the {scale} scale: the interval is made on the {fit.link} scale (± {z:.2f} SE there) and "
                    f"transformed, so it is not symmetric. It is the population's mean, not one outcome: {outcome} "
                    "is a whole number, with no normal prediction interval"]
    else:
        subtitle = [f"{what.capitalize()} (prediction ± {z:.2f} SE) for row {name}: {_describe(fit, frame, values)}"]
    offset = fit.arguments.get("offset")
    if offset:  # predictions for a row as new data leave an offset= column out (lme4's predict does too)
        subtitle.append(f"The offset= column {offset} is not part of these predictions (as lme4's predict for new "
                        f"data): write offset({offset}) in the formula for predictions that include it")
    ols = [i for i, (kind, now) in enumerate(zip(columns["kind"], columns["current"])) if kind == "ols" and not now]
    if ols and len(mine) > 1:
        subtitle.append(f"Ignoring the groups (OLS) gives every population the same ± {half[ols[0]]:.2f}")
    key = (len(labels), models, kinds, current, what)
    return ChartData(key, {"prediction_rows": table}, title, subtitle)


PREDICTION = ChartType("prediction", prediction_data, prediction_spec, prediction_spec_dict)


def prediction(
    fits: MixedFit | dict[str, MixedFit],
    current: str | None = None,
    *,
    row: object = None,
    group: str | None = None,
    selected: str | None = None,
    interval: str = "prediction",
    level: float = 0.95,
) -> alt.TopLevelMixin:
    """Intervals for one row of data, for each population of interest, under each model.

    Parameters
    ----------
    fits : MixedFit or dict of str to MixedFit
        One fit, or model name -> fit (the current model, pinned ones, the least-squares baseline).
    current : str, optional
        The current model's name (bold; its grouping structure sets the populations).
    row : label, Series, dict or one-row DataFrame, optional
        The row to predict for (see :func:`mixwidget.prediction_table`); by default the first row of
        level ``selected`` of grouping factor ``group``, else the model's first row.
    group, selected : str, optional
        A grouping factor and one of its levels (a class picked in another chart).
    interval : {"prediction", "confidence"}, default "prediction"
        A binomial or Poisson current model always shows confidence intervals of the mean: its outcome
        is a whole number, with no normal prediction interval (``fit.predict`` refuses one too).
    level : float, default 0.95
    """
    if isinstance(fits, MixedFit):
        fits, current = {"model": fits}, "model"
    current = current if current in fits else next(iter(fits), "")
    options = {"row": row, "selected": selected, "interval": interval, "level": level}
    return altair_chart(PREDICTION, ChartRequest(fits, current, group=group, options=options))


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
