"""Which family a response suggests, and the note when a model's family does not fit it.

The explorer's family selector (Gaussian / Binomial / Poisson) marks the family the response
looks like, as a person reading the column would: two values (0/1, TRUE/FALSE, yes/no) or
``cbind(successes, failures)`` are binomial; whole numbers from 0 up with more than two values are
counts (Poisson). A rating scale that starts at 1 is not taken for counts. Only a suggestion: the
model's family is the one chosen.
"""

from __future__ import annotations

import pandas as pd

from ..design.response import FAMILIES
from ..errors import MixWidgetError
from ..formula.parse import parse_formula
from ..model.family_notes import MISFIT_NOTES, is_cbind, response_values, suggest_family

__all__ = ["EXPLORER_FAMILIES", "EXPLORER_LINKS", "FamilyHint", "family_hint", "link_of", "only_family",
           "suggest_family"]

EXPLORER_FAMILIES: tuple[str, ...] = ("gaussian", "binomial", "poisson")
"""The families the explorer's selector offers."""

EXPLORER_LINKS: dict[str, tuple[str, ...]] = {name: FAMILIES[name] for name in EXPLORER_FAMILIES}
"""Each family's links the selector offers, R's (and ``mixwidget.fit``'s), the default first: binomial
logit, probit, cloglog, cauchit; Poisson log, sqrt, identity."""

FamilyHint = dict[str, str]


def link_of(family: str, link: str) -> str:
    """The link a model of ``family`` is fitted with when the explorer's link is ``link``: ``link`` if the
    family has it, else the family's default ("" or another family's link, left from before)."""
    links = EXPLORER_LINKS.get(family, ("identity",))
    return link if link in links else links[0]


def _only_binomial(data: pd.DataFrame, response: str) -> str:
    """What makes ``response`` binomial only (a linear model cannot fit it), in words; "" when it could be Gaussian."""
    if is_cbind(response):
        return "cbind(successes, failures)"
    values = response_values(data, response)
    if values is None:
        return ""
    if pd.api.types.is_bool_dtype(values):
        return "TRUE/FALSE values"
    if not pd.api.types.is_numeric_dtype(values) and len(pd.unique(values)) == 2:
        return "two-level text"
    return ""


def only_family(data: pd.DataFrame, formula: str) -> str:
    """"binomial" when the response of ``formula`` can only be binomial on ``data`` (two-level text,
    TRUE/FALSE, ``cbind``), else "" (a linear model can be fitted, or the formula cannot be read)."""
    try:
        response = parse_formula(formula).response
    except MixWidgetError:
        return ""
    return "binomial" if _only_binomial(data, response) else ""


def family_hint(data: pd.DataFrame, formula: str, family: str, fitted: bool = True, chosen: bool = False) -> FamilyHint:
    """The explorer's ``family_hint``: ``suggested`` family, its ``reason`` and a ``note`` ("" when none).

    The note says, when the model's ``family`` is Gaussian but the response is binary or counts, what the
    linear model misses (only when that model was ``fitted``); when a linear model cannot fit the response
    at all (two-level text, ``cbind``), to choose the suggested family in the selector; and when the
    explorer ``chosen`` the family itself from the response (none was given), that it did.
    A formula that cannot be read suggests nothing (its error is shown elsewhere).
    """
    try:
        response = parse_formula(formula).response
    except MixWidgetError:
        return {"suggested": "gaussian", "reason": "", "note": ""}
    suggested, reason = suggest_family(data, response)
    only = _only_binomial(data, response)
    if only and only != reason:
        only = f"{only} ({reason})"
    note = ""
    if chosen and family == suggested and only:
        label = suggested.capitalize()
        note = f"Fitted as {label}: the response {response} is {only}; change the family above."
    elif family == "gaussian" and only:
        note = (f"The response {response} is {only}: a linear (Gaussian) model cannot fit it. "
                f"Choose {suggested.capitalize()}, marked (suggested), in the family selector above.")
    elif family == "gaussian" and suggested in MISFIT_NOTES and fitted:
        problem, remedy = MISFIT_NOTES[suggested]
        note = f"The response {response} holds {reason}. {problem} {remedy.format(name=suggested.capitalize())}"
    return {"suggested": suggested, "reason": reason, "note": note}
