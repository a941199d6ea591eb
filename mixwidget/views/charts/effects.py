"""Fixed effects of several models side by side: estimate, 95% interval and t value.

Binomial and Poisson models show their estimates on the link scale (log-odds, log-rate) with Wald z,
and the label reads the odds ratio (rate ratio), exp(estimate), beside it."""

from __future__ import annotations

import weakref
from collections.abc import Callable, Hashable, Mapping
from functools import lru_cache, partial
from typing import Any

import altair as alt
import numpy as np
import pandas as pd
from scipy import special

from ...model.fit import MixedFit
from ._common import HIGHLIGHT, MUTED, PANEL_WIDTH, table, template, text
from .base import ChartData, ChartRequest, ChartType, Look, NotApplicable, altair_chart, can_fill, fill, placeholder

__all__ = ["EFFECTS", "PREVIOUS", "effects", "effects_data", "effects_spec", "effects_table"]

PREVIOUS = "Previous fit"


_COLUMNS = ["estimate", "std_error", "df", "t_value", "p_value"]

# Per fit: its fixed-effect table as arrays, with the interval's half-widths. Pinned models and the
# least-squares baseline stay the same fit objects across refits, so theirs are read once.
_fixed: weakref.WeakKeyDictionary[MixedFit, tuple[np.ndarray, dict[str, np.ndarray], np.ndarray]] = (
    weakref.WeakKeyDictionary()
)


def _fixed_arrays(fit: MixedFit) -> tuple[np.ndarray, dict[str, np.ndarray], np.ndarray]:
    """The fit's term names, its ``fixed`` columns as float arrays, and ``t(df, 0.975) · SE``."""
    cached = _fixed.get(fit)
    if cached is None:
        f = fit.test_table  # z tests of generalized models: t_value is z, df infinite
        table, names = f.to_numpy(dtype=float), list(f.columns)  # one array: no pandas call per column
        values = {c: table[:, names.index(c)] for c in _COLUMNS}
        df = values["df"]
        # stats.t.ppf's value (its quantile function is stdtrit), without its argument checks: NaN unless df > 0
        quantile = np.where(df > 0, special.stdtrit(np.where(df > 0, df, 1.0), 0.975), np.nan)
        half = quantile * values["std_error"]
        cached = _fixed[fit] = (np.array(list(f.index), dtype=object), values, half)
    return cached


def _effects_columns(fits: Mapping[str, MixedFit], current: str, include_intercept: bool) -> dict[str, np.ndarray]:
    """The columns of :func:`effects_table` as arrays (empty when no model has a term to show)."""
    parts: dict[str, list] = {c: [] for c in ["model", "model_order", "formula", "kind", "current", "term",
                                              *_COLUMNS, "lower", "upper"]}
    for order, (name, fit) in enumerate(fits.items()):
        terms, values, half = _fixed_arrays(fit)
        keep = np.ones(len(terms), bool) if include_intercept else (terms != "(Intercept)")
        k = int(keep.sum())
        for key, value in (("model", name), ("model_order", order), ("formula", fit.formula), ("kind", fit.kind),
                           ("current", name == current)):
            parts[key].append(np.repeat(np.array([value], dtype=object if isinstance(value, str) else None), k))
        parts["term"].append(terms[keep])
        for c in _COLUMNS:
            parts[c].append(values[c][keep])
        parts["lower"].append(values["estimate"][keep] - half[keep])
        parts["upper"].append(values["estimate"][keep] + half[keep])
    if not fits:
        return {}
    table = {c: np.concatenate(v) for c, v in parts.items()}
    if not len(table["term"]):
        return {}
    table["t_label"] = np.array([_label(t, e, *k) for t, e, k in zip(
        table["t_value"].tolist(), table["estimate"].tolist(), _ratio_names(fits, table["model"]))], dtype=object)
    return table


_RATIO_TEXT = {
    "logit": "OR = exp(estimate), the odds ratio: the odds are multiplied by it per unit of the predictor "
             "(or against the factor's first level).",
    "log": "RR = exp(estimate), the rate ratio: the rate is multiplied by it per unit of the predictor "
           "(or against the factor's first level).",
}

# link -> what exp(estimate) is called (the labels of log-odds and log-rate effects)
_RATIOS = {"logit": "OR", "log": "RR"}


def _ratio_names(fits: Mapping[str, MixedFit], models: np.ndarray) -> list[tuple[str, str]]:
    """Per row: the statistic ("t"; a generalized model's Wald "z") and the ratio exp(estimate) is read as:
    "OR" (odds ratio, logit), "RR" (rate ratio, log) or "" (none: linear models, probit, cloglog, ...)."""
    names = {name: (("z", _RATIOS.get(f.link, "")) if f.generalized else ("t", "")) for name, f in fits.items()}
    return [names.get(m, ("t", "")) for m in models.tolist()]


def _label(t: float, estimate: float, stat: str, ratio: str) -> str:
    """"t = 2.25"; a generalized model's "z = -3.27 · OR 0.37" (its odds or rate ratio), or "z = 3.29"
    for a link whose exp(estimate) is no ratio (probit, cloglog)."""
    if not ratio:
        return f"{stat} = {t:.2f}"
    return f"{stat} = {t:.2f} · {ratio} {np.exp(estimate):.3g}"


def effects_table(fits: dict[str, MixedFit], current: str, include_intercept: bool = False) -> pd.DataFrame:
    """One row per model and fixed-effect term: estimate, 95% interval, t value."""
    return pd.DataFrame(_effects_columns(fits, current, include_intercept))


def _lesson(table: Mapping[str, np.ndarray], fits: Mapping[str, MixedFit], current: str) -> str:
    """Say what ignoring the groups does, when an OLS fit sits beside a mixed one."""
    ols = [n for n, f in fits.items() if f.kind in ("ols", "glm")]
    mixed = [n for n, f in fits.items() if f.kind == "mixed"]
    stat, base = ("z", "GLM") if fits[current].generalized else ("t", "OLS")
    plain = f"Fixed effects: estimate with 95% interval and {stat} value"
    if not ols or not mixed:
        return plain
    ref = current if current in mixed else mixed[0]
    model, term_col, t_col = table["model"], table["term"], table["t_value"]
    a = dict(zip(term_col[model == ols[0]], t_col[model == ols[0]]))
    b = dict(zip(term_col[model == ref], t_col[model == ref]))
    common = [t for t in a if t in b]
    if not common:
        return plain
    ratios = [abs(a[t]) / abs(b[t]) for t in common]
    term = common[int(np.nanargmax(ratios))] if not all(np.isnan(ratios)) else common[0]
    if ratios[common.index(term)] <= 1.1:
        return plain
    return f"Ignoring the groups inflates the {stat} value of {term}: {a[term]:.2f} ({base}) vs {b[term]:.2f}"


def effects_spec(key: Hashable, look: Look) -> alt.TopLevelMixin:
    """One panel per term (``key`` = terms, models): a row per model with interval, point and t value."""
    terms, models = key
    colour = alt.condition("datum.current", alt.value(HIGHLIGHT), alt.value(MUTED))
    y = alt.Y("model:N", sort=list(models), title=None, axis=alt.Axis(labelLimit=260))
    tooltip = [
        alt.Tooltip("model:N"), alt.Tooltip("formula:N"), alt.Tooltip("term:N"),
        alt.Tooltip("estimate:Q", format=".3f"), alt.Tooltip("std_error:Q", title="SE", format=".3f"),
        alt.Tooltip("df:Q", format=".1f"), alt.Tooltip("t_value:Q", title="t", format=".3f"),
        alt.Tooltip("p_value:Q", title="p", format=".2g"),
        alt.Tooltip("lower:Q", title="95% lower", format=".3f"), alt.Tooltip("upper:Q", title="95% upper", format=".3f"),
    ]
    ghost = alt.condition("datum.ghost", alt.value(0.45), alt.value(1))
    panels = []
    for term in terms:
        base = alt.Chart(alt.NamedData(name="effects_rows")).transform_filter(
            alt.FieldEqualPredicate(field="term", equal=term)
        )
        x = alt.X("lower:Q", title=f"{term}: estimate and 95% interval", scale=alt.Scale(zero=True, nice=True))
        zero = base.mark_rule(color="#333", strokeDash=[4, 3]).encode(x=alt.datum(0))
        bar = base.mark_rule(strokeWidth=3).encode(
            x=x, x2="upper:Q", y=y, color=colour, opacity=ghost,
            strokeWidth=alt.condition("datum.current", alt.value(5), alt.value(2.5)), tooltip=tooltip,
        )
        dot = base.mark_point(filled=True).encode(
            x="estimate:Q", y=y, color=colour, opacity=ghost,
            size=alt.condition("datum.current", alt.value(150), alt.value(70)), tooltip=tooltip,
        )
        label = base.transform_filter("!datum.current").mark_text(align="left", dx=8, dy=-11, fontSize=14).encode(
            x="estimate:Q", y=y, text="t_label:N", color=colour
        )
        label_now = base.transform_filter("datum.current").mark_text(
            align="left", dx=8, dy=-12, fontSize=15, fontWeight="bold"
        ).encode(x="estimate:Q", y=y, text="t_label:N", color=colour)
        panels.append(
            alt.layer(zero, bar, dot, label, label_now).properties(width=PANEL_WIDTH, height=max(60, 44 * len(models)))
        )
    return template(alt.vconcat(*panels, spacing=18), look)


_TERM = placeholder("term")


@lru_cache(maxsize=16)
def _one_term(n_models: int, look: Look) -> dict[str, Any]:
    """The spec of one placeholder term under ``n_models`` placeholder models."""
    return effects_spec(((_TERM,), _models(n_models)), look).to_dict(validate=False)


def _models(n: int) -> tuple[str, ...]:
    return tuple(placeholder(f"model{i}") for i in range(n))


def effects_spec_dict(key: Hashable, look: Look) -> dict[str, Any]:
    """:func:`effects_spec` as a plain dict, built from one panel: models with many terms
    (InstEval: 15) would otherwise spend seconds building the same panel in Altair again and again.
    The panel is built once per number of models and look, so a new model, or the previous fit
    joining the rows, costs no Altair."""
    terms, models = key
    named = dict(zip(_models(len(models)), models))
    if not can_fill({**named, **{str(i): term for i, term in enumerate(terms)}}):
        return effects_spec(key, look).to_dict(validate=False)
    one = fill(_one_term(len(models), look), named)
    if len(terms) == 1:
        return fill(one, {_TERM: terms[0]})
    # Altair lifts the data of a lone panel to the top; with several panels each keeps its own.
    panel = {"data": one.pop("data"), **one["vconcat"][0]} if "data" in one else one["vconcat"][0]
    return {**one, "vconcat": [fill(panel, {_TERM: term}) for term in terms]}


def warm_up_steps(look: Look) -> list[Callable[[], object]]:
    """Building the one-term specs a new model needs (beside the least-squares fit, and with the
    previous fit too), step by step."""
    return [partial(_one_term, n_models, look) for n_models in (2, 3)]


def effects_data(request: ChartRequest) -> ChartData:
    """Estimates, intervals and t values of every model in ``request.fits``."""
    fits, current = request.fits, request.current
    include_intercept = bool(request.options.get("include_intercept", False))
    if not fits:
        raise NotApplicable("no model to show yet")
    previous = request.options.get("previous")
    if previous is not None and previous.family == fits[current].family and all(
        previous is not f and (previous.formula, previous.reml) != (f.formula, f.reml) for f in fits.values()
    ):
        # The fit shown before, as a faint row just under the current one: the step is visible
        # without pinning (not after a change of family: its estimates are on another scale).
        items = list(fits.items())
        at = next(i for i, (name, _) in enumerate(items) if name == current) + 1
        fits = dict([*items[:at], (PREVIOUS, previous), *items[at:]])
    table = _effects_columns(fits, current, include_intercept)
    if not table:
        raise NotApplicable("these models have no fixed effect besides the intercept")
    table["ghost"] = table["model"] == PREVIOUS
    terms = tuple(dict.fromkeys(table["term"].tolist()))
    note = "" if include_intercept else " Intercept not shown."
    subtitle = [f"Bold: {current}. Interval: estimate ± t(df, 0.975) · SE.{note}"]
    now = fits[current]
    if now.generalized:
        scale = {"logit": "log-odds", "log": "log-rate"}.get(now.link, f"{now.link}-link")
        subtitle = [f"Bold: {current}. Estimates on the {scale} scale; interval: estimate ± 1.96 · SE (Wald z).{note}"]
        if now.link in _RATIO_TEXT:
            subtitle.append(_RATIO_TEXT[now.link])
    title = _lesson(table, fits, current)
    return ChartData((terms, tuple(fits)), {"effects_rows": _frame(table)}, title, subtitle)


_TEXT = ("model", "formula", "kind", "term", "t_label")


def _frame(columns: dict[str, np.ndarray]) -> pd.DataFrame:
    """``pd.DataFrame(columns)``, built without pandas' per-column checks when the text columns hold text."""
    if not all(type(v) is str for c in _TEXT for v in columns[c].tolist()):
        return pd.DataFrame(columns)
    return table({c: text(v) if c in _TEXT else v for c, v in columns.items()})


EFFECTS = ChartType("effects", effects_data, effects_spec, effects_spec_dict)


def effects(fits: dict[str, MixedFit], current: str, include_intercept: bool = False) -> alt.TopLevelMixin:
    """Each fixed effect's estimate with its 95% interval and t value, one row per model.

    Parameters
    ----------
    fits : dict of str to MixedFit
        Model name -> fit, e.g. the current model, pinned models and the OLS fit.
    current : str
        The name of the current model (drawn bold and coloured; the others muted).
    include_intercept : bool, default False
        The intercept is left out by default: its scale dwarfs the other terms.
    """
    return altair_chart(EFFECTS, ChartRequest(fits, current, options={"include_intercept": include_intercept}))
