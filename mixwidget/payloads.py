"""The explorer's messages to the page as plain JSON: fit summaries, variants, status (columns: :mod:`mixwidget.columns`)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .fit import MixedFit
from .formula import ModelFormula

__all__ = ["fit_summary", "short", "status", "variants"]

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


def fit_summary(f: MixedFit, fit_id: int) -> dict[str, Any]:
    """The fit as plain JSON for the front end."""
    shares = f.shares
    variance = []
    for i, r in f.variance.iterrows():
        variance.append({
            "group": r["group"],
            "term": r["term"],
            "variance": _number(r["variance"]),
            "std_dev": _number(r["std_dev"]),
            "corr": _number(r["corr"]),
            "share": _number(shares.iloc[i]) if len(shares) and not np.isfinite(r["corr"]) else None,
        })
    fixed = [
        {"term": str(term), **{k: _number(r[k]) for k in ("estimate", "std_error", "t_value", "df", "p_value")}}
        for term, r in f.fixed.iterrows()
    ]
    return {
        "id": fit_id,
        "formula": f.formula,
        "reml": f.reml,
        "kind": f.kind,
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


def variants(model: ModelFormula) -> list[dict[str, str]]:
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
           stoppable: bool = False) -> dict[str, Any]:
    """The ``status`` trait's value."""
    return {"state": state, "elapsed_ms": elapsed_ms, "message": message, "stopped": stopped,
            "stoppable": stoppable}
