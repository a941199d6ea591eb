"""Variance components of several models: shares of the total, or SDs when slopes make shares undefined.

A binomial or Poisson model's shares are on the latent scale (:mod:`mixwidget.model.latent`): the
distribution's variance there (pi^2/3 for the logit link) stands in for the residual."""

from __future__ import annotations

import math
import weakref
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from functools import lru_cache, partial
from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from ...model.fit import SINGULAR_TOL, MixedFit
from ...model.latent import latent_residual_variance, latent_scale_note
from ._common import PANEL_WIDTH, table, template, text
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

__all__ = [
    "VARIANCE", "component_colours", "components", "variance", "variance_data", "variance_spec", "variance_table",
]

RESIDUAL = "Residual (within groups)"
RESIDUAL_COLOUR = "#BAB0AC"
#: Colours of the components other than the residual, given out in this order (tableau10 without its grey).
PALETTE = ["#4E79A7", "#F28E2B", "#59A14F", "#E15759", "#76B7B2", "#EDC948", "#B07AA1", "#FF9DA7", "#9C755F"]
ZERO_LABEL = "0 (no weight)"


def _component(group: str, term: str) -> str:
    if group == "Residual":
        return RESIDUAL
    return group if term == "(Intercept)" else f"{group}: {term}"


# Per fit: its variance components as arrays, and the chart's columns for it (with shares or SDs).
# Pinned models and the least-squares baseline stay the same fit objects across refits.
_per_fit: weakref.WeakKeyDictionary[MixedFit, dict[object, object]] = weakref.WeakKeyDictionary()


def _arrays(fit: MixedFit) -> dict[str, np.ndarray]:
    """``fit.variance`` as arrays: group and term (objects), variance, std_dev and corr (floats)."""
    store = _per_fit.setdefault(fit, {})
    if "arrays" not in store:
        v = fit.variance
        table, names = v.to_numpy(dtype=object), list(v.columns)  # one conversion, not a pandas call per column
        arrays = {c: table[:, names.index(c)].astype(object if c in ("group", "term") else float)
                  for c in ("group", "term", "variance", "std_dev", "corr")}
        if fit.generalized:  # the distribution's variance on the latent scale stands in for the residual
            latent = latent_residual_variance(fit)
            latent = np.nan if latent is None else latent
            extra = {"group": "Residual", "term": "", "variance": latent, "std_dev": np.sqrt(latent), "corr": np.nan}
            arrays = {c: np.append(a, np.array([extra[c]], dtype=a.dtype)) for c, a in arrays.items()}
        store["arrays"] = arrays
    return store["arrays"]  # type: ignore[return-value]


def _has_shares(fit: MixedFit) -> bool:
    """Whether ``fit.shares`` is defined (every random term an intercept), from the variance table's arrays."""
    a = _arrays(fit)
    return bool(np.isnan(a["corr"]).all() and all(t == "(Intercept)" for t in a["term"][:-1])
                and np.isfinite(a["variance"]).all())


def _fit_columns(fit: MixedFit, use_shares: bool) -> dict[str, list]:
    """One fit's rows of :func:`variance_table` (without the model's name and order), as columns."""
    store = _per_fit.setdefault(fit, {})
    if use_shares not in store:
        a = _arrays(fit)
        keep = np.isnan(a["corr"])
        groups, terms, var, sd = a["group"][keep], a["term"][keep], a["variance"][keep], a["std_dev"][keep]
        share = var / var.sum() if use_shares else np.full(len(var), np.nan)
        labels = [f"{100 * s:.1f}%" for s in share] if use_shares else [f"{s:.3g}" for s in sd]
        # A variance estimated as zero is named so, not drawn as an empty "0.0%".
        labels = [ZERO_LABEL if g != "Residual" and x < SINGULAR_TOL * fit.sigma else lab
                  for g, x, lab in zip(groups, sd, labels)]
        comps = [_component(g, t) for g, t in zip(groups, terms)]
        # Components too small to label inside their bar are named at the bar's right end.
        tiny = ", ".join(f"{c} {lab}" for c, lab, s in zip(comps, labels, share) if use_shares and s < 0.07)
        n = len(var)
        store[use_shares] = {
            "group": list(groups), "term": list(terms), "component": comps, "stack": list(range(n)),
            "variance": list(var), "std_dev": list(sd), "share": list(share), "label": labels,
            "note": ["" if i < n - 1 else tiny for i in range(n)],
        }
    return store[use_shares]  # type: ignore[return-value]


_COLUMNS = ["model", "model_order", "formula", "group", "term", "component", "stack", "variance", "std_dev",
            "share", "label", "note"]


def variance_table(fits: Mapping[str, MixedFit]) -> tuple[pd.DataFrame, bool]:
    """One row per model and variance component; True when every model has shares."""
    use_shares = all(_has_shares(f) for f in fits.values())
    out: dict[str, list] = {c: [] for c in _COLUMNS}
    for order, (name, fit) in enumerate(fits.items()):
        part = _fit_columns(fit, use_shares)
        n = len(part["stack"])
        out["model"].extend([name] * n)
        out["model_order"].extend([order] * n)
        out["formula"].extend([fit.formula] * n)
        for c, values in part.items():
            out[c].extend(values)
    if not out["model"] or not all(type(v) is str for c in _TEXT for v in out[c]):
        return pd.DataFrame(out), use_shares  # no model, or names that are not text: pandas decides the dtypes
    arrays = {c: text(v) if c in _TEXT else np.array(v, dtype=np.int64 if c in ("model_order", "stack") else float)
              for c, v in out.items()}
    return table(arrays), use_shares


_TEXT = ("model", "formula", "group", "term", "component", "label", "note")


def variance_spec(key: Hashable, look: Look) -> alt.TopLevelMixin:
    """Stacked shares, or SD bars per model (``key`` = models, components, their colours, current, use_shares)."""
    models, components, colours, current, use_shares = key
    base = alt.Chart(alt.NamedData(name="variance_components"))
    y = alt.Y("model:N", sort=list(models), title=None, axis=alt.Axis(labelLimit=260))
    colour = alt.Color("component:N", title="Component", sort=list(components),
                       scale=alt.Scale(domain=list(components), range=list(colours)))
    tooltip = [
        alt.Tooltip("model:N"), alt.Tooltip("component:N"),
        alt.Tooltip("variance:Q", format=".4g"), alt.Tooltip("std_dev:Q", title="SD", format=".4g"),
    ]
    if use_shares:
        tooltip.append(alt.Tooltip("share:Q", format=".1%"))
        x = alt.X("share:Q", title="Share of the total variance", stack="zero",
                  axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1]))
        bars = base.mark_bar(height={"band": 0.7}).encode(
            x=x, y=y, color=colour, order=alt.Order("stack:Q"), tooltip=tooltip,
            opacity=alt.condition(alt.datum.model == current, alt.value(1), alt.value(0.6)),
        )
        text = base.transform_filter("datum.share >= 0.07").mark_text(color="white", fontSize=14).encode(
            x=alt.X("share:Q", stack="zero", bandPosition=0.5), y=y, detail="component:N",
            order=alt.Order("stack:Q"), text="label:N",
        )
        # Components too small to label inside the bar are named with their share at the right.
        small = base.transform_filter("datum.note != ''").mark_text(align="left", dx=8, fontSize=13, color="#333").encode(
            x=alt.datum(1), y=y, text="note:N"
        )
        chart = alt.layer(bars, text, small).properties(width=PANEL_WIDTH, height=max(90, 56 * len(models)))
    else:
        x = alt.X("std_dev:Q", title="Standard deviation (each on its own term's scale)")
        panels = []
        for name in models:
            one = base.transform_filter(alt.datum.model == name)
            yc = alt.Y("component:N", sort=list(components), title=None, axis=alt.Axis(labelLimit=260))
            bars = one.mark_bar(height={"band": 0.8}).encode(
                x=x, y=yc, color=colour, tooltip=tooltip,
                opacity=alt.condition(alt.datum.model == current, alt.value(1), alt.value(0.6)),
            )
            text = one.mark_text(align="left", dx=5, fontSize=13).encode(x="std_dev:Q", y=yc, text="label:N")
            title_ = alt.Title(name, fontSize=14, anchor="start", fontWeight="bold" if name == current else "normal")
            panels.append(alt.layer(bars, text).properties(width=PANEL_WIDTH, height=alt.Step(28), title=title_))
        chart = alt.vconcat(*panels, spacing=14).resolve_scale(x="shared")
    return template(chart, look)


_CURRENT = placeholder("current")


@lru_cache(maxsize=32)
def _template(n_models: int, n_components: int, current_at: int, use_shares: bool, look: Look) -> dict[str, Any]:
    """The spec with placeholder models, components and colours; the current model is the one at
    ``current_at`` (-1: none of them)."""
    models = placeholders("model", n_models)
    current = models[current_at] if current_at >= 0 else _CURRENT
    key = (models, placeholders("component", n_components), placeholders("colour", n_components), current, use_shares)
    return variance_spec(key, look).to_dict(validate=False)


def variance_spec_dict(key: Hashable, look: Look) -> dict[str, Any]:
    """:func:`variance_spec` as a plain dict, filled in from a spec built once per number of models
    and components (and where the current model is among them)."""
    models, components, colours, current, use_shares = key
    current_at = models.index(current) if current in models else -1
    names = {_CURRENT: current, **dict(zip(placeholders("model", len(models)), models)),
             **dict(zip(placeholders("component", len(components)), components)),
             **dict(zip(placeholders("colour", len(colours)), colours))}
    if len(colours) != len(components) or not can_fill(names):
        return variance_spec(key, look).to_dict(validate=False)
    return fill(_template(len(models), len(components), current_at, use_shares, look), names)


def warm_up_steps(look: Look) -> list[Callable[[], object]]:
    """Building the specs of a model with one to three random terms beside the least-squares fit."""
    return [partial(_template, 2, n_components, 0, True, look) for n_components in (3, 4, 2)]


def variance_data(request: ChartRequest) -> ChartData:
    """Variance components of every model in ``request.fits``."""
    fits, current = request.fits, request.current
    if not fits:
        raise NotApplicable("no model to show yet")
    table, use_shares = variance_table(fits)
    names = list(dict.fromkeys(c for f in fits.values() for c in _fit_columns(f, use_shares)["component"]
                               if c != RESIDUAL)) + [RESIDUAL]
    colours = component_colours(names, request.options.get("component_colours"))
    latent = latent_scale_note(fits[current]) if current in fits else ""
    if use_shares:
        title = "Where the variance lies: between groups or within them"
        subtitle = latent or "Share of the total variance (random intercepts and residual)"
    else:
        title = "Variance components as standard deviations"
        subtitle = "Shares of the total are undefined with random slopes (slope variances are on another scale)"
        if latent.startswith("No variance shares"):  # a link without a latent variance (probit has one)
            subtitle = latent
    lines = [subtitle]
    if not use_shares and latent and not latent.startswith("No variance shares"):
        # A binomial or Poisson model has no residual: its bar is a single observation's latent spread.
        scale = "log" if fits[current].family == "poisson" else f"latent {fits[current].link}"
        lines.append(f"The residual bar is the spread of a single observation on the {scale} scale, "
                     f"SD {math.sqrt(latent_residual_variance(fits[current]) or math.nan):.3g}, not a fitted variance.")
    key = (tuple(fits), tuple(names), tuple(colours[c] for c in names), current, use_shares)
    return ChartData(key, {"variance_components": table}, title, lines)


VARIANCE = ChartType("variance", variance_data, variance_spec, variance_spec_dict)


def variance(fits: dict[str, MixedFit], current: str) -> alt.TopLevelMixin:
    """Variance components as shares of the total variance, one stacked bar per model.

    When a model's random terms include slopes, shares are undefined (slope variances are on
    another scale); the chart then shows each component's standard deviation instead.
    """
    return altair_chart(VARIANCE, ChartRequest(fits, current))


def components(fits: Iterable[MixedFit]) -> list[str]:
    """Names of the variance components of ``fits`` as the chart names them, in order, the residual last."""
    names: dict[str, None] = {}
    for fit in fits:
        v = fit.variance
        for group, term, corr in zip(v["group"], v["term"], v["corr"]):
            if pd.isna(corr) and group != "Residual":
                names[_component(group, term)] = None
    return [*names, RESIDUAL]


def component_colours(names: Sequence[str], known: Mapping[str, str] | None = None) -> dict[str, str]:
    """A colour per component: the residual always grey, a component in ``known`` its colour there,
    a new one the first colour of :data:`PALETTE` not given out before (not shown now, once all were).

    Passing every colour given out so far as ``known`` keeps a component's colour from fit to fit,
    whatever terms are added or dropped (the widget does; see ``ChartBoard``).
    """
    known = dict(known or {})
    out: dict[str, str] = {}
    for name in names:
        if name != RESIDUAL and name in known and known[name] not in out.values():
            out[name] = known[name]
    for name in names:
        if name == RESIDUAL or name in out:
            continue
        free = [c for c in PALETTE if c not in out.values()]
        fresh = [c for c in free if c not in known.values()]
        out[name] = (fresh or free or PALETTE)[0]
    out[RESIDUAL] = RESIDUAL_COLOUR
    return out
