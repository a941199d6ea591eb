"""Prediction depends on the population of interest: one row, predicted for each population.

For a student in class 3 of school 12, "another student in this class", "a student in a new class
of school 12" and "a student in a new school" share the fixed effects but not their uncertainty:
each grouping factor whose level is new adds its whole variance component instead of the
(smaller) conditional variance of a known level. The populations come from the model's grouping
structure, from the narrowest (every level known) to the widest (every level new).
"""

from __future__ import annotations

import itertools
import weakref
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special

from ..errors import DataError
from .fit import MixedFit
from .newrows import NewRows, new_rows
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
        at = fit.data.index.get_loc(row)
        # A unique label's row as a slice (what .loc[[row]] gives, without its reindexing)
        if isinstance(at, (int, np.integer)):
            return fit.data.iloc[at:at + 1]
        count = int(at.sum()) if isinstance(at, np.ndarray) else len(range(*at.indices(len(fit.data))))
        first = int(np.flatnonzero(at)[0]) if isinstance(at, np.ndarray) else at.start or 0
        raise DataError(
            f"row label {row!r} names {count} rows of the model's data (its index repeats labels); pass the row "
            f"itself, e.g. data.iloc[{first}] for the first of them, or give the data a fresh index "
            "(data.reset_index(drop=True))"
        )
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
    lines = population_lines(fit, new, interval, level, known)
    records = [{"population": p, "fit": f, "se": se, "lower": lo, "upper": up, "pieces": w}
               for p, f, se, lo, up, w in zip(lines.population, lines.fit, lines.se, lines.lower, lines.upper,
                                              lines.pieces)]
    table = pd.DataFrame(records, columns=["population", "fit", "se", "lower", "upper", "pieces"])
    table.attrs["levels"] = lines.levels
    table.attrs["known"] = lines.known
    if not fit.design.random:
        table.attrs["note"] = OLS_NOTE
    return table


@dataclass
class PopulationLines:
    """The columns of :func:`prediction_table` as lists, and its ``levels`` and ``known``."""

    population: list[str]
    fit: list[float]
    se: list[float]
    lower: list[float]
    upper: list[float]
    pieces: list[str]
    levels: dict[str, str]
    known: list[frozenset[str]]


def population_lines(
    fit: MixedFit, new: pd.DataFrame, interval: str = "prediction", level: float = 0.95,
    known: list[frozenset[str]] | None = None, key: tuple | None = None,
) -> PopulationLines:
    """:func:`prediction_table` of the one-row frame ``new`` (see :func:`population_row`), as lists.

    ``key`` is ``row_key(new)`` when already known."""
    blocks = fit.design.random
    rows = row_rows(fit, new, key)
    levels = {b.group: rows.labels[k][0] for k, b in enumerate(blocks)}
    if known is None:
        pops = populations(fit, levels)
    else:
        pops = [Population("", frozenset(k), i) for i, k in enumerate(known)]
    z = special.ndtri(0.5 + level / 2)  # stats.norm.ppf's value, without its argument checks
    out = PopulationLines([], [], [], [], [], [], levels, [pop.known for pop in pops])
    done: dict[frozenset[str], tuple[float, float, str]] = {}  # populations alike for this model: once
    for pop in pops:
        if pop.known not in done:
            done[pop.known] = _line(fit, new, rows, pop.known, interval, levels)
        point, se, words = done[pop.known]
        out.population.append(pop.label)
        out.fit.append(point)
        out.se.append(se)
        out.lower.append(point - z * se)
        out.upper.append(point + z * se)
        out.pieces.append(words)
    return out


def _line(fit: MixedFit, new: pd.DataFrame, rows: NewRows, known: frozenset[str], interval: str,
          levels: dict[str, str]) -> tuple[float, float, str]:
    """The prediction, its SE and the variance pieces in words, for the population knowing ``known``."""
    p = prediction_pieces(fit, new, allow_new_levels=True, known_groups=set(known), rows=rows,
                          averaged_groups=_averaged(fit, known))
    var = float(p.variance(interval)[0])
    words = ["x'Vx"]
    for b, name in zip(fit.design.random, p.random):
        seen = bool(p.known[name][0])
        part = f"condVar({b.group} {levels[b.group]})" if seen else f"var({b.group})"
        if (interval == "prediction" or name in p.kept) and part not in words:
            words.append(part)
    if interval == "prediction" and not fit.generalized:  # binomial and Poisson: no residual on the link scale
        words.append("sigma^2")
    return float(p.fit[0]), float(np.sqrt(var)), " + ".join(words)


def row_key(new: pd.DataFrame) -> tuple | None:
    """What a one-row frame holds (label, columns, dtypes, values), as a hashable key; None if it has none."""
    try:
        values = tuple(new.to_numpy(dtype=object)[0].tolist())
        # Values with their types (1, 1.0 and True are equal in Python but not as data) and the
        # columns' kinds (a number in a categorical column is a factor level).
        key = (new.index[0], tuple(new.columns), tuple(map(str, new.dtypes.tolist())), values,
               tuple(map(type, values)))
        hash(key)
    except TypeError:
        return None
    return key


_signatures: weakref.WeakKeyDictionary[MixedFit, int | None] = weakref.WeakKeyDictionary()
_signature_ids: dict[tuple, int] = {}
_next_id = itertools.count()
# One-row model rows by (what the design learned, the row's contents): refits of a model to the
# same data learn the same, so the row a chart predicts for is built once, not once per refit.
_rows: dict[tuple, NewRows] = {}


def _signature(fit: MixedFit) -> int | None:
    """A number naming everything :func:`mixwidget.newrows.new_rows` reads from a fit's design for
    new data: fits with equal schemas, grouping terms and levels get the same number (None: no schema)."""
    if fit not in _signatures:
        d, s = fit.design, fit.design.schema
        if s is None:
            _signatures[fit] = None
        else:
            signature = (
                repr(s.formula), tuple((k, repr(e)) for k, e in s.formula.expressions.items()),
                tuple(sorted((k, repr(v)) for k, v in s.state.items())),
                tuple((v, tuple(c.levels), c.contrasts, tuple(c.suffixes)) for v, c in s.codings.items()),
                tuple((g, tuple(lv)) for g, lv in s.group_levels.items()), tuple(s.fixed_columns),
                tuple(s.fixed_names), tuple((repr(b.term), tuple(b.levels)) for b in d.random),
            )
            if len(_signature_ids) >= 64:
                _signature_ids.clear()  # numbers are never reused: fits holding old ones stay right
            _signatures[fit] = _signature_ids.setdefault(signature, next(_next_id))
    return _signatures[fit]


def row_rows(fit: MixedFit, new: pd.DataFrame, key: tuple | None = None) -> NewRows:
    """``new_rows(fit, new)`` for a one-row frame, computed once per design schema and row contents.

    The result is shared: do not modify its arrays. ``key`` is ``row_key(new)`` when already known.
    """
    signature = _signature(fit)
    key = row_key(new) if key is None else key
    if signature is None or key is None:
        return new_rows(fit, new)
    full = (signature, key)
    if full not in _rows:
        if len(_rows) >= 64:
            _rows.clear()
        _rows[full] = new_rows(fit, new)
    return _rows[full]
