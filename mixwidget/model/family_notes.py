"""Which family a response suggests, and the note when a linear model is fitted to a binary or count response.

Shared by :func:`mixwidget.fit` (a note in ``fit.messages``) and the explorer's family selector
(:func:`mixwidget.views.family.family_hint`), so both say the same.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from .fit import MixedFit

__all__ = ["MISFIT_NOTES", "gaussian_misfit_note", "is_cbind", "response_values", "suggest_family"]

MISFIT_NOTES: dict[str, tuple[str, str]] = {
    "binomial": ("This is a linear probability model: predictions can leave [0, 1] and the residuals are not normal.",
                 "{name} fits a logistic mixed model (glmer, family = binomial)."),
    "poisson": ("Counts fitted as a linear model: predictions can fall below 0 and the spread is taken to be the "
                "same at every mean.", "{name} fits a log-linear mixed model (glmer, family = poisson)."),
}
"""For a Gaussian fit of a response that suggests another family: what is wrong, and the remedy, whose
``{name}`` is what chooses the family (the explorer's "Binomial", the API's ``family='binomial'``)."""


def is_cbind(response: str) -> bool:
    """Whether a formula's left-hand side is ``cbind(successes, failures)``."""
    text = response.strip()
    return text.startswith("cbind(") and text.endswith(")")


def response_values(data: pd.DataFrame, response: str) -> pd.Series | None:
    """The values (missing ones left out) of the column a formula's left-hand side names, with or
    without backticks; None when it is an expression or no column of ``data``."""
    text = response.strip()
    name = text[1:-1] if text.startswith("`") and text.endswith("`") else text
    return data[name].dropna() if name in data.columns else None


def suggest_family(data: pd.DataFrame, response: str) -> tuple[str, str]:
    """The family ``response`` (a formula's left-hand side) suggests on ``data``, and why.

    Returns
    -------
    (family, reason)
        ``("binomial", "two values: 0 and 1")``, ``("poisson", "counts: whole numbers from 0 to 11")``,
        or ``("gaussian", "")`` when nothing else is suggested (an expression, a measurement).
    """
    if is_cbind(response):
        return "binomial", "cbind(successes, failures)"
    values = response_values(data, response)
    if values is None or values.empty:
        return "gaussian", ""
    distinct = pd.unique(values)
    if pd.api.types.is_bool_dtype(values) or (len(distinct) == 2 and not pd.api.types.is_numeric_dtype(values)):
        shown = " and ".join(str(v) for v in sorted(distinct, key=str))
        return "binomial", f"two values: {shown}"
    if not pd.api.types.is_numeric_dtype(values):
        return "gaussian", ""
    y = values.to_numpy(dtype=float)
    whole = bool(np.all(np.isfinite(y)) and np.all(y == np.round(y)))
    if whole and set(np.unique(y)) <= {0.0, 1.0}:
        return "binomial", "two values: 0 and 1"
    if whole and y.min() == 0 and len(distinct) > 2:
        return "poisson", f"counts: whole numbers from 0 to {y.max():.0f}"
    return "gaussian", ""



def gaussian_misfit_note(fit: MixedFit) -> str:
    """The note for a linear model of a binary (0/1, two values) or count response ("" otherwise)."""
    if fit.generalized:
        return ""
    response = fit.model.response
    suggested, reason = suggest_family(fit.data, response)
    if suggested not in MISFIT_NOTES:
        return ""
    problem, remedy = MISFIT_NOTES[suggested]
    return f"The response {response} holds {reason}. {problem} {remedy.format(name=f'family={suggested!r}')}"
