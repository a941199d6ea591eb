"""The explorer's messages to the page as plain JSON: fit summaries, variants, status (columns: :mod:`.columns`)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import orjson

from ..formula.parse import ModelFormula
from ..model.confint import variance_rows
from ..model.fit import MixedFit
from ..model.latent import latent_shares
from ..model.summary import format_p

if TYPE_CHECKING:
    from .payload_types import FitStatus, FitSummary, IntervalRow, Variant

__all__ = ["fit_summary", "json_text", "p_text", "short", "status", "variance_intervals", "variants"]


def json_text(value: Any, widget: Any = None) -> str:
    """A chart trait's value as one JSON text, as it is sent to the page (which parses it once).

    Sent as lists, the chart data (thousands of numbers on every refit) were walked value by
    value by the widget library looking for binary buffers, then written as JSON by the kernel:
    about 2 ms of a 28 ms refit of the science model. orjson writes them in 0.13 ms (the standard
    library's encoder 1.7 ms), and the kernel sends the text as it is. The values are JSON-ready
    already (missing values are None, see :func:`mixwidget.views.charts.base.columns`).
    """
    return orjson.dumps(value, option=orjson.OPT_SERIALIZE_NUMPY).decode()

_SHOWN_CHARS = 120  # formulas quoted in status messages are cut to this length


def short(text: str) -> str:
    """``text`` cut to a length that fits a status line."""
    return text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 1] + "…"


def _number(x: Any) -> float | None:
    """A JSON-safe float: NaN and infinities become None."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def fit_summary(f: MixedFit, fit_id: int) -> FitSummary:
    """The fit as plain JSON for the front end (described in :mod:`mixwidget.views.payload_types`)."""
    # Whole columns as numpy arrays, then one dict per row: no pandas row objects (iterrows).
    v = f.variance
    shares = latent_shares(f) if f.generalized else f.shares
    share_values = shares.to_numpy(dtype=float) if len(shares) else None
    corr = v["corr"].to_numpy(dtype=float)
    variance = [
        {
            "group": group,
            "term": term,
            "variance": _number(var),
            "std_dev": _number(sd),
            "corr": _number(c),
            "share": _number(share_values[i]) if share_values is not None and not np.isfinite(c) else None,
        }
        for i, (group, term, var, sd, c) in enumerate(zip(
            v["group"].tolist(), v["term"].tolist(), v["variance"].tolist(), v["std_dev"].tolist(), corr.tolist()))
    ]
    stats = ("estimate", "std_error", "t_value", "df", "p_value")
    fe = f.test_table  # a generalized model's z in t_value, df infinite (sent as None)
    fixed_columns = [fe[k].tolist() for k in stats]
    p_values = fixed_columns[-1]
    fixed = [
        {"term": str(term), **{k: _number(col[j]) for k, col in zip(stats, fixed_columns)},
         "p_text": p_text(p_values[j])}  # as R's format.pval and fit.summary() print it: one rule
        for j, term in enumerate(fe.index)
    ]
    return {
        "id": fit_id,
        "formula": f.formula,
        "reml": f.reml,
        "kind": f.kind,
        "family": f.family,
        "link": f.link,
        "nobs": f.nobs,
        "n_dropped": f.n_dropped,
        "ngroups": dict(f.ngroups),
        "fixed": fixed,
        "variance": variance,
        "messages": list(f.messages),
        "loglik": _number(f.loglik),
        "aic": _number(f.aic),
        "bic": _number(f.bic),
        "deviance": _number(f.deviance),
        "reml_criterion": _number(f.reml_criterion),
        "sigma": _number(f.sigma),
        "singular": f.singular,
        "converged": f.converged,
    }


def variance_intervals(f: MixedFit, lower: np.ndarray, upper: np.ndarray) -> list[IntervalRow]:
    """Intervals of the variance parameters (:func:`~mixwidget.model.confint.variance_profile`), by
    the (group, term) of the random-effects table they belong to (an SD's or a correlation's row)."""
    rows = variance_rows(f)
    return [{"group": g, "term": t, "lower": _number(lower[i]), "upper": _number(upper[i])}
            for i, (g, t) in enumerate(rows)]


def p_text(p: Any) -> str:
    """A p-value's text as R's ``format.pval(p, digits = 3)`` prints it ("" for none)."""
    return format_p(p) if p is not None and math.isfinite(float(p)) else ""


def variants(model: ModelFormula) -> list[Variant]:
    """One-click alternatives: drop each random term in turn, and drop them all (OLS)."""
    if not model.random_text:
        return []
    fixed = model.fixed_text()
    out = []
    for i, term in enumerate(model.random_text):
        rest = [t for j, t in enumerate(model.random_text) if j != i]
        out.append({"label": f"Drop {term}", "formula": " + ".join([fixed, *rest])})
    if len(model.random_text) > 1 or out[0]["formula"] != fixed:
        out.append({"label": "No random effects (OLS)", "formula": fixed})
    return out


def status(state: str, elapsed_ms: float | None = None, message: str = "", stopped: str = "",
           stoppable: bool = False) -> FitStatus:
    """The ``status`` trait's value."""
    return {"state": state, "elapsed_ms": elapsed_ms, "message": message, "stopped": stopped,
            "stoppable": stoppable}
