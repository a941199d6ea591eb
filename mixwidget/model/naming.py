"""Names for models that say what their random part is: "school + class", "no groups (OLS)"."""

from __future__ import annotations

from collections.abc import Iterable

from ..formula.parse import ModelFormula
from .fit import MixedFit

__all__ = ["structure_name", "unique_name"]

OLS_LABEL = "no groups (OLS)"
GLM_LABEL = "no groups (GLM)"  # a binomial or Poisson fit without random terms (R's glm)


def _group_label(group: str, groups: list[str]) -> str:
    """``school:class`` reads as ``class`` when no other term is grouped by a plain ``class``."""
    if ":" not in group:
        return group
    last = group.split(":")[-1]
    return group if last in groups else last


def structure_name(model: ModelFormula | MixedFit) -> str:
    """A short name for a model's random-effects structure.

    Parameters
    ----------
    model : ModelFormula or MixedFit
        The model (a fit also says whether it was fitted by ML).

    Returns
    -------
    str
        ``"school + class"`` for ``(1 | school) + (1 | school:class)``, ``"school only"`` for one
        grouping factor, ``"Chick (Time slope)"`` for ``(Time | Chick)``, ``"no groups (OLS)"``
        without random terms (``"no groups (GLM)"`` for a binomial or Poisson fit). Fits by maximum
        likelihood get `` (ML)``.
    """
    fit = model if isinstance(model, MixedFit) else None
    formula = fit.model if fit is not None else model
    if not formula.random:
        return GLM_LABEL if fit is not None and fit.generalized else OLS_LABEL
    groups: dict[str, list] = {}
    for term in formula.random:
        groups.setdefault(term.group, []).append(term)
    plain = [g for g in groups if ":" not in g]
    parts = []
    for group, terms in groups.items():
        label = _group_label(group, plain)
        slopes = list(dict.fromkeys(s for t in terms for s in t.slopes))
        if slopes:
            extra = [f"{', '.join(slopes)} slope{'s' if len(slopes) > 1 else ''}"]
            if not any(t.intercept for t in terms):
                extra.append("no intercept")
            elif len(terms) > 1:
                extra.append("uncorrelated")
            label = f"{label} ({', '.join(extra)})"
        parts.append(label)
    if len(parts) > 1:
        name = " + ".join(parts)
    else:
        name = parts[0] if parts[0].endswith(")") else parts[0] + " only"
    if fit is not None and not fit.reml:
        name += " (ML)"
    return name


def unique_name(name: str, taken: Iterable[str]) -> str:
    """``name``, or ``name (2)``, ``name (3)``... if it is already taken."""
    taken = set(taken)
    if name not in taken:
        return name
    n = 2
    while f"{name} ({n})" in taken:
        n += 1
    return f"{name} ({n})"
