"""The few numbers a class should see at once: how the key t-value (z for binomial and Poisson models) and
variance shares moved."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..model.fit import MixedFit
from ..model.latent import latent_scale_note, latent_shares

if TYPE_CHECKING:
    from .payload_types import KeyNumbers

__all__ = ["key_numbers", "key_term"]


def _finite(x: Any) -> float | None:
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def _fixed_column(fit: MixedFit, name: str) -> dict[str, float]:
    """Term -> the fit's ``fixed[name]`` (read once: looking terms up in the table costs more)."""
    f = fit.test_table
    return dict(zip(f.index.tolist(), f[name].to_numpy(dtype=float).tolist()))


def key_term(current: MixedFit, previous: MixedFit | None = None, baseline: MixedFit | None = None) -> str | None:
    """The fixed effect (not the intercept) whose t-value differs most from the previous fit's
    or from least squares' (so the term the error structure matters for stays in view); the
    first term when there is nothing to compare with.
    """
    now = _fixed_column(current, "t_value")
    terms = [t for t in now if t != "(Intercept)"] or list(now)
    if not terms:
        return None
    others = [_fixed_column(other, "t_value") for other in (previous, baseline) if other is not None]

    def change(term: str) -> float:
        best = -1.0
        for other in others:
            if term in other:
                d = abs(now[term] - other[term])
                best = max(best, d if math.isfinite(d) else -1.0)
        return best

    changes = [change(t) for t in terms]
    top = max(range(len(terms)), key=changes.__getitem__)
    return terms[top] if changes[top] > 0 else terms[0]


def key_numbers(
    current: MixedFit, previous: MixedFit | None = None, baseline: MixedFit | None = None,
    focus: str | None = None,
) -> KeyNumbers:
    """The key numbers of ``current`` next to the previous fit and the least-squares fit.

    Parameters
    ----------
    current, previous : MixedFit
        The fit on show and the one before it (None for the first fit).
    baseline : MixedFit, optional
        The fixed part fitted by least squares (``current.without_groups()``).
    focus : str, optional
        The fixed effect to show (as lme4 names it, e.g. ``"Time:Diet3"``), when the model has it;
        otherwise the one whose t-value moved most.

    Returns
    -------
    dict
        ``term`` (``focus``, else the fixed effect whose t-value moved most), ``focus`` (True when
        ``term`` is the chosen one), ``focus_missing`` (the chosen term when this model lacks it,
        else None), ``t``, ``t_previous``, ``t_ols``, ``se_ratio`` (least-squares standard error
        over the model's), and ``shares``: one ``{group, share, previous}`` per variance
        component (empty with random slopes).
    """
    chosen = bool(focus) and focus in current.fixed.index
    term = focus if chosen else key_term(current, previous, baseline)
    out: dict[str, Any] = {"term": term, "focus": chosen, "focus_missing": focus if focus and not chosen else None,
                           "stat": _stat(current), "stat_previous": _stat(previous), "t": None,
                           "t_previous": None, "t_ols": None, "se_ratio": None, "shares": [],
                           "shares_note": latent_scale_note(current) if current.design.random else ""}
    if term is not None:
        out["t"] = _finite(_fixed_column(current, "t_value")[term])
        if previous is not None and term in (t_previous := _fixed_column(previous, "t_value")):
            out["t_previous"] = _finite(t_previous[term])
        ols = current if not current.design.random else baseline
        if ols is not None and term in (t_ols := _fixed_column(ols, "t_value")):
            out["t_ols"] = _finite(t_ols[term])
            if current.design.random:
                se = _fixed_column(current, "std_error")[term]
                out["se_ratio"] = _finite(_fixed_column(ols, "std_error")[term] / se) if se > 0 else None
    before = _shares(previous) if previous is not None else None
    for group, share in _shares(current).items():
        if group == "Residual":
            continue
        was = before.get(group) if before is not None and group in before.index else None
        out["shares"].append({"group": str(group), "share": _finite(share), "previous": _finite(was)})
    return out


def _stat(fit: MixedFit | None) -> str | None:
    """The test statistic a fit reports: Wald z for binomial and Poisson models, t for linear ones."""
    return None if fit is None else "z" if fit.generalized else "t"


def _shares(fit: MixedFit) -> pd.Series:
    """Variance shares: of the total for a linear model, on the latent scale for a generalized one."""
    return latent_shares(fit) if fit.generalized else fit.shares
