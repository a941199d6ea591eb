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
from ..model.family_notes import MISFIT_NOTES, suggest_family

__all__ = ["EXPLORER_FAMILIES", "EXPLORER_LINKS", "FamilyHint", "family_hint", "link_of", "suggest_family"]

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
    if family == "gaussian" and suggested in MISFIT_NOTES:
        problem, remedy = MISFIT_NOTES[suggested]
        note = f"The response {response} holds {reason}. {problem} {remedy.format(name=suggested.capitalize())}"
    return {"suggested": suggested, "reason": reason, "note": note}
