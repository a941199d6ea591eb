"""Which family a response suggests, and the note when a model's family does not fit it.

The explorer's family selector (Gaussian / Binomial / Poisson) marks the family the response
looks like, as a person reading the column would: two values (0/1, TRUE/FALSE, yes/no) or
``cbind(successes, failures)`` are binomial; whole numbers from 0 up with more than two values are
counts (Poisson). A rating scale that starts at 1 is not taken for counts. Only a suggestion: the
model's family is the one chosen.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..design.response import FAMILIES
from ..errors import MixWidgetError
from ..formula.parse import parse_formula

__all__ = ["EXPLORER_FAMILIES", "EXPLORER_LINKS", "FamilyHint", "family_hint", "link_of", "suggest_family"]

EXPLORER_FAMILIES: tuple[str, ...] = ("gaussian", "binomial", "poisson")
"""The families the explorer's selector offers."""

EXPLORER_LINKS: dict[str, tuple[str, ...]] = {name: FAMILIES[name] for name in EXPLORER_FAMILIES}
"""Each family's links the selector offers, R's (and ``mixwidget.fit``'s), the default first: binomial
logit, probit, cloglog, cauchit; Poisson log, sqrt, identity."""

FamilyHint = dict[str, str]

_NOTES = {
    "binomial": ("This is a linear probability model: predictions can leave [0, 1] and the residuals are not "
                 "normal. Binomial fits a logistic mixed model (glmer, family = binomial)."),
    "poisson": ("Counts fitted as a linear model: predictions can fall below 0 and the spread is taken to be the "
                "same at every mean. Poisson fits a log-linear mixed model (glmer, family = poisson)."),
}


def link_of(family: str, link: str) -> str:
    """The link a model of ``family`` is fitted with when the explorer's link is ``link``: ``link`` if the
    family has it, else the family's default ("" or another family's link, left from before)."""
    links = EXPLORER_LINKS.get(family, ("identity",))
    return link if link in links else links[0]


def suggest_family(data: pd.DataFrame, response: str) -> tuple[str, str]:
    """The family ``response`` (a formula's left-hand side) suggests on ``data``, and why.

    Returns
    -------
    (family, reason)
        ``("binomial", "two values: 0 and 1")``, ``("poisson", "counts: whole numbers from 0 to 11")``,
        or ``("gaussian", "")`` when nothing else is suggested (an expression, a measurement).
    """
    text = response.strip()
    if text.startswith("cbind(") and text.endswith(")"):
        return "binomial", "cbind(successes, failures)"
    name = text[1:-1] if text.startswith("`") and text.endswith("`") else text
    if name not in data.columns:
        return "gaussian", ""
    values = data[name].dropna()
    if values.empty:
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


def family_hint(data: pd.DataFrame, formula: str, family: str) -> FamilyHint:
    """The explorer's ``family_hint``: ``suggested`` family, its ``reason`` and a ``note`` when the
    model's ``family`` is Gaussian but the response is binary or counts ("" otherwise).

    A formula that cannot be read suggests nothing (its error is shown elsewhere).
    """
    try:
        response = parse_formula(formula).response
    except MixWidgetError:
        return {"suggested": "gaussian", "reason": "", "note": ""}
    suggested, reason = suggest_family(data, response)
    note = ""
    if family == "gaussian" and suggested in _NOTES:
        note = f"The response {response} holds {reason}. {_NOTES[suggested]}"
    return {"suggested": suggested, "reason": reason, "note": note}
