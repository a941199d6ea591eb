"""Prediction depends on the population of interest: one row, predicted for each population.

For a student in class 3 of school 12, "another student in this class", "a student in a new class
of school 12" and "a student in a new school" share the fixed effects but not their uncertainty:
each grouping factor whose level is new adds its whole variance component instead of the
(smaller) conditional variance of a known level. The populations come from the model's grouping
structure, from the narrowest (every level known) to the widest (every level new).
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special

from .errors import DataError
from .fit import MixedFit
from .newrows import new_rows
from .predict import prediction_pieces

__all__ = ["Population", "populations", "prediction_table", "population_row"]

OLS_NOTE = (
    "This model has no grouping factor, so it gives every population the same interval: it cannot tell "
    "a known group from a new one."
)


@dataclass(frozen=True)
class Population:
    """A population of interest: which grouping factors' levels are known, in words."""

    label: str
    known: frozenset[str]
    order: int  # 0 for the narrowest


def population_row(fit: MixedFit, row: pd.Series | Mapping | pd.DataFrame | int | str) -> pd.DataFrame:
    """``row`` as a one-row DataFrame: a Series or dict of values, a one-row frame, or a label of ``fit.data``."""
    if isinstance(row, pd.DataFrame):
        if len(row) != 1:
            raise DataError(f"prediction_table needs one row; this frame has {len(row)}. Pick one, e.g. df.iloc[[0]]")
        return row
    if isinstance(row, pd.Series):
        return row.to_frame().T.infer_objects()
    if isinstance(row, Mapping):
        return pd.DataFrame({k: [v] for k, v in row.items()})
    if row in fit.data.index:
        return fit.data.loc[[row]]
    raise DataError(
        f"row {row!r} is not a row label of the model's data; pass a label, a Series (e.g. data.loc[5]) or a dict"
    )


_nesting: weakref.WeakKeyDictionary[MixedFit, dict[tuple[str, str], bool]] = weakref.WeakKeyDictionary()


def _nested_in(fit: MixedFit, fine: str, coarse: str) -> bool:
    """True when each level of ``fine`` lies in one level of ``coarse`` (classes within schools)."""
    known = _nesting.setdefault(fit, {})
    if (fine, coarse) not in known:
        blocks = {b.group: b for b in fit.design.random}
        a, b = blocks[fine].codes, blocks[coarse].codes
        coarse_of = np.empty(len(blocks[fine].levels), dtype=b.dtype)
        coarse_of[a] = b  # one coarse level per fine level (any of its rows'): nested if every row agrees
        known[(fine, coarse)] = bool((coarse_of[a] == b).all())
    return known[(fine, coarse)]


def _noun(group: str) -> str:
    return group.split(":")[-1].lower()


def populations(fit: MixedFit, levels: Mapping[str, str]) -> list[Population]:
    """The populations of interest for a row whose level of each grouping factor is ``levels``.

    Grouping factors are taken from the finest (most levels) to the coarsest; line ``i`` makes the
    ``i`` finest ones new. Levels the fit did not see are new in every line.
    """
    groups = sorted(fit.ngroups, key=lambda g: -fit.ngroups[g])
    if not groups:
        return [Population("any new observation", frozenset(), 0)]
    seen = {g for g in groups if levels.get(g) in set(fit.design.random[_block_of(fit, g)].levels)}
    nested = all(_nested_in(fit, f, c) for f, c in zip(groups, groups[1:]))
    out: list[Population] = []
    for i in range(len(groups) + 1):
        new, known = groups[:i], groups[i:]
        if any(g not in seen for g in known):
            continue
        if not new:
            if nested or len(groups) == 1:
                label = f"this {_noun(groups[0])} ({groups[0]} {levels[groups[0]]})"
            else:
                label = "these groups (" + ", ".join(f"{g} {levels[g]}" for g in groups) + ")"
        elif not known:
            label = f"a new {_noun(groups[-1])}" if nested else " and ".join(f"a new {_noun(g)}" for g in groups)
        elif nested:
            label = f"a new {_noun(new[-1])} in {_noun(known[0])} {levels[known[0]]}"
        else:
            label = ", ".join([*(f"a new {_noun(g)}" for g in new), *(f"{g} {levels[g]}" for g in known)])
        out.append(Population(label, frozenset(known), len(out)))
    return out


def _averaged(fit: MixedFit, known: frozenset[str]) -> set[str]:
    """New grouping factors nested in another new one: the mean of a new school averages over its
    (new) classes, so their variance does not enter a confidence interval for that mean."""
    new = [g for g in fit.ngroups if g not in known]
    return {g for g in new if any(h != g and _nested_in(fit, g, h) for h in new)}


def _block_of(fit: MixedFit, group: str) -> int:
    return next(k for k, b in enumerate(fit.design.random) if b.group == group)


def prediction_table(
    fit: MixedFit,
    row: pd.Series | Mapping | pd.DataFrame | int | str,
    interval: str = "prediction",
    level: float = 0.95,
    known: list[frozenset[str]] | None = None,
) -> pd.DataFrame:
    """One row of data predicted for each population of interest, from narrowest to widest.

    Parameters
    ----------
    fit : MixedFit
    row : Series, dict, one-row DataFrame or a row label of the model's data
        The values to predict for (e.g. ``science.loc[298]``: a girl in class 1 of school 12).
    interval : {"prediction", "confidence"}, default "prediction"
        Interval for a new observation, or for the population's mean (see :func:`mixwidget.predict`).
        The mean of a population of new groups averages over the new groups nested in them: for
        "a new school", ``x'Vx + var(school)``, without the class variance.
    level : float, default 0.95
    known : list of frozenset of str, optional
        Populations given as the grouping factors whose levels are known (for comparing models over
        another model's populations); by default they come from this model's grouping structure.

    Returns
    -------
    DataFrame
        ``population, fit, se, lower, upper, pieces``: ``pieces`` names the variance pieces that went
        in (``x'Vx``; ``condVar(school 12)`` for a known level, ``var(school)`` for a new one;
        ``sigma^2``). For a model with school and class: "this class (school:class 12:1)",
        "a new class in school 12", "a new school". A model without random terms gives one line,
        and ``attrs["note"]`` says it cannot tell populations apart.
    """
    new = population_row(fit, row)
    blocks = fit.design.random
    rows = new_rows(fit, new)
    levels = {b.group: rows.labels[k][0] for k, b in enumerate(blocks)}
    if known is None:
        pops = populations(fit, levels)
    else:
        pops = [Population("", frozenset(k), i) for i, k in enumerate(known)]
    z = special.ndtri(0.5 + level / 2)  # stats.norm.ppf's value, without its argument checks
    records = []
    for pop in pops:
        p = prediction_pieces(fit, new, allow_new_levels=True, known_groups=set(pop.known), rows=rows,
                              averaged_groups=_averaged(fit, pop.known))
        var = float(p.variance(interval)[0])
        words = ["x'Vx"]
        for b, name in zip(blocks, p.random):
            seen = bool(p.known[name][0])
            part = f"condVar({b.group} {levels[b.group]})" if seen else f"var({b.group})"
            if (interval == "prediction" or name in p.kept) and part not in words:
                words.append(part)
        if interval == "prediction":
            words.append("sigma^2")
        se = float(np.sqrt(var))
        point = float(p.fit[0])
        records.append({"population": pop.label, "fit": point, "se": se, "lower": point - z * se,
                        "upper": point + z * se, "pieces": " + ".join(words)})
    table = pd.DataFrame(records, columns=["population", "fit", "se", "lower", "upper", "pieces"])
    table.attrs["levels"] = levels
    table.attrs["known"] = [pop.known for pop in pops]
    if not blocks:
        table.attrs["note"] = OLS_NOTE
    return table
