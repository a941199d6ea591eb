"""The few numbers a class should see at once: how the key t-value and variance shares moved."""

from __future__ import annotations

import math
from typing import Any

from .fit import MixedFit

__all__ = ["key_numbers", "key_term"]


def _finite(x: Any) -> float | None:
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def key_term(current: MixedFit, previous: MixedFit | None = None, baseline: MixedFit | None = None) -> str | None:
    """The fixed effect (not the intercept) whose t-value differs most from the previous fit's
    or from least squares' (so the term the error structure matters for stays in view); the
    first term when there is nothing to compare with.
    """
    terms = [t for t in current.fixed.index if t != "(Intercept)"] or list(current.fixed.index)
    if not terms:
        return None
    now = current.fixed["t_value"]

    def change(term: str, other: MixedFit | None) -> float:
        if other is None or term not in other.fixed.index:
            return -1.0
        d = abs(float(now[term]) - float(other.fixed.loc[term, "t_value"]))
        return d if math.isfinite(d) else -1.0

    best = max(terms, key=lambda t: max(change(t, previous), change(t, baseline)))
    return best if max(change(best, previous), change(best, baseline)) > 0 else terms[0]


def key_numbers(
    current: MixedFit, previous: MixedFit | None = None, baseline: MixedFit | None = None
) -> dict[str, Any]:
    """The key numbers of ``current`` next to the previous fit and the least-squares fit.

    Parameters
    ----------
    current, previous : MixedFit
        The fit on show and the one before it (None for the first fit).
    baseline : MixedFit, optional
        The fixed part fitted by least squares (``current.without_groups()``).

    Returns
    -------
    dict
        ``term`` (the fixed effect whose t-value moved most), ``t``, ``t_previous``, ``t_ols``,
        ``se_ratio`` (least-squares standard error over the model's), and ``shares``: one
        ``{group, share, previous}`` per variance component (empty with random slopes).
    """
    term = key_term(current, previous, baseline)
    out: dict[str, Any] = {"term": term, "t": None, "t_previous": None, "t_ols": None, "se_ratio": None,
                           "shares": []}
    if term is not None:
        out["t"] = _finite(current.fixed.loc[term, "t_value"])
        if previous is not None and term in previous.fixed.index:
            out["t_previous"] = _finite(previous.fixed.loc[term, "t_value"])
        ols = current if current.kind == "ols" else baseline
        if ols is not None and term in ols.fixed.index:
            out["t_ols"] = _finite(ols.fixed.loc[term, "t_value"])
            if current.kind != "ols":
                se = float(current.fixed.loc[term, "std_error"])
                out["se_ratio"] = _finite(float(ols.fixed.loc[term, "std_error"]) / se) if se > 0 else None
    before = previous.shares if previous is not None else None
    for group, share in current.shares.items():
        if group == "Residual":
            continue
        was = before.get(group) if before is not None and group in before.index else None
        out["shares"].append({"group": str(group), "share": _finite(share), "previous": _finite(was)})
    return out
