"""Random-effect blocks, as lme4's ``mkReTrms`` makes them: per term, its columns and grouping factor.

Each term ``(lhs | g)`` becomes a :class:`RandomBlock`: the model matrix of its left-hand side
(``Z``, lme4's names), and each row's level of the grouping factor (for an interaction ``a:b``,
levels ordered by ``a``'s level then ``b``'s, unused combinations dropped). Terms that cannot be
estimated (fewer than two groups, a group per observation, more random effects than rows) are
refused; terms whose columns are linearly dependent are noted (the fit is singular).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import DataError
from ..formula.parse import RandomTerm
from .aliasing import aliased_columns
from .contrasts import Coding
from .modelmatrix import Variable, model_matrix

__all__ = ["RandomBlock", "random_blocks", "group_labels", "collinear_terms"]


@dataclass
class RandomBlock:
    """One random-effect term's data: its design columns and grouping factor."""

    term: RandomTerm
    Z: np.ndarray  # (n, q), first column the intercept when the term has one
    names: list[str]  # lme4 names of Z's columns, e.g. ["(Intercept)", "Days"]
    codes: np.ndarray  # (n,) level index of each row
    levels: list[str]  # level names, in lme4's order

    @property
    def group(self) -> str:
        return self.term.group


def group_labels(term: RandomTerm, group_values: dict[str, np.ndarray], levels: dict[str, list[str]]) -> np.ndarray:
    """Each row's level of a (possibly interaction) grouping factor as text, None where missing."""
    parts = term.group_variables
    codes = np.column_stack([group_values[g] for g in parts])
    used, inverse = np.unique(codes, axis=0, return_inverse=True)
    texts = np.array([None if min(row) < 0 else ":".join(levels[g][c] for g, c in zip(parts, row)) for row in used],
                     dtype=object)
    return texts[np.asarray(inverse).reshape(-1)]


def random_block(
    term: RandomTerm, variables: dict[str, Variable], group_values: dict[str, np.ndarray],
    group_codings: dict[str, Coding], n: int,
) -> RandomBlock:
    """One term's block: its columns (``Z``) and each row's level of its grouping factor."""
    parts = term.group_variables
    if len(parts) == 1:
        codes, levels = group_values[parts[0]], group_codings[parts[0]].levels
    else:
        # Levels of an interaction a:b, ordered by a's level then b's, unused combinations dropped.
        keys = np.column_stack([group_values[g] for g in parts])
        used, codes = np.unique(keys, axis=0, return_inverse=True)
        levels = [":".join(group_codings[g].levels[c] for g, c in zip(parts, row)) for row in used]
    slope_terms = [tuple(s.split(":")) for s in term.slopes]
    Z, names = model_matrix(slope_terms, term.intercept, variables, n)
    return RandomBlock(term, Z, names, np.asarray(codes, dtype=np.int64).reshape(-1), levels)


def random_blocks(
    terms: tuple[RandomTerm, ...], variables: dict[str, Variable], group_codings: dict[str, Coding],
    group_values: dict[str, np.ndarray], n: int, per_observation: bool = False,
) -> list[RandomBlock]:
    """Every random term's block, checked (see :func:`check_blocks`)."""
    blocks = [random_block(term, variables, group_values, group_codings, n) for term in terms]
    check_blocks(blocks, n, per_observation)
    return blocks


def check_blocks(blocks: list[RandomBlock], n: int, per_observation: bool = False) -> None:
    """Refuse terms lme4 refuses: one group, a group per observation, more effects than rows.

    ``per_observation``: as many random effects as observations are allowed, as glmer allows them for
    binomial and Poisson models (an observation-level ``(1 | obs)`` models overdispersion).
    """
    for b in blocks:
        nlev = len(b.levels)
        if nlev < 2:
            raise DataError(
                f"the grouping factor '{b.group}' has only {nlev} level in the rows used; a random effect needs "
                f"at least two groups. Remove {b.term.text} or group by a column with more levels"
            )
        if nlev >= n and not per_observation:
            raise DataError(
                f"the grouping factor '{b.group}' has {nlev} levels for {n} observations: each group has one "
                f"observation, so its random effect cannot be told apart from the residual. Remove {b.term.text}"
            )
        n_re = nlev * b.Z.shape[1]
        if n_re >= n and not per_observation:
            raise DataError(
                f"the term {b.term.text} has {n_re} random effects ({nlev} groups x {b.Z.shape[1]} "
                f"coefficients) for only {n} observations; the model cannot be estimated. Use fewer random "
                "slopes or a grouping factor with fewer levels"
            )


def collinear_terms(blocks: list[RandomBlock]) -> tuple[list[str], list[str]]:
    """Random terms whose columns are linearly dependent (their variances cannot be told apart),
    and a note on each."""
    collinear, notes = [], []
    for b in blocks:
        dependent = [b.names[j] for j in aliased_columns(b.Z)] if b.Z.shape[1] > 1 else []
        if dependent:
            collinear.append(b.term.text)
            verb = "is a linear combination" if len(dependent) == 1 else "are linear combinations"
            notes.append(
                f"In {b.term.text}, {', '.join(dependent)} {verb} of the term's other columns, so their "
                f"variances cannot be told apart: the fit is singular. Remove {', '.join(dependent)} from the term."
            )
    return collinear, notes
