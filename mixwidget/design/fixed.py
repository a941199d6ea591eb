"""The fixed-effect model matrix, as R's ``model.matrix`` and lme4 make it.

Columns that are linear combinations of earlier ones are left out (as lme4 does), with a note;
nearly dependent columns (big numbers that vary little next to the intercept) get a note on
centring them; a model with no more rows than coefficients is refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import DataError
from ..formula.parse import ModelFormula
from .aliasing import aliased_columns, poorly_scaled_columns
from .modelmatrix import Variable, model_matrix

__all__ = ["FixedMatrix", "fixed_matrix", "ordered_note"]


@dataclass
class FixedMatrix:
    """The fixed-effect columns kept, their names, and what was said about them.

    Attributes
    ----------
    X : ndarray
        (n, p) the columns kept.
    names : list of str
        lme4's names of the kept columns.
    kept : list of int
        Which columns of the full matrix were kept.
    notes : list of str
        Notes on the fixed columns alone (ordered factors, aliased and poorly scaled columns).
    """

    X: np.ndarray
    names: list[str]
    kept: list[int]
    notes: list[str] = field(default_factory=list)


def ordered_note(ordered: list[str]) -> str:
    """The note that ordered factors are coded by polynomial contrasts."""
    return (f"{', '.join(ordered)} {'is an ordered factor' if len(ordered) == 1 else 'are ordered factors'}, "
            "coded by polynomial contrasts (.L linear, .Q quadratic, ...) as R's contr.poly does.")


def independent_columns(X: np.ndarray) -> list[int]:
    """Columns that are not linear combinations of earlier ones (as R's lm and lme4 drop them).

    Scale-invariant: each column is compared with its own length (see :mod:`mixwidget.design.aliasing`).
    """
    dropped = set(aliased_columns(X))
    return [j for j in range(X.shape[1]) if j not in dropped]


def fixed_matrix(formula: ModelFormula, variables: dict[str, Variable], n: int, ordered: list[str]) -> FixedMatrix:
    """The fixed-effect matrix of ``formula`` on ``n`` rows, without aliased columns.

    ``ordered``: the model's ordered factors (noted when they are in the fixed part).

    Raises
    ------
    DataError
        When there are no more rows than fixed coefficients.
    """
    X_full, names_full = model_matrix(list(formula.fixed), formula.intercept, variables, n)
    kept = independent_columns(X_full)
    aliased = [names_full[j] for j in range(len(names_full)) if j not in set(kept)]
    in_fixed = {v for term in formula.fixed for v in term}
    fixed_ordered = [v for v in ordered if v in in_fixed]
    notes = [ordered_note(fixed_ordered)] if fixed_ordered else []
    if aliased:
        notes.append(
            f"The fixed-effect columns {', '.join(aliased)} are linear combinations of other columns "
            "and were left out (as lme4 does)."
        )
    X = X_full[:, kept]
    names = [names_full[j] for j in kept]
    poorly = poorly_scaled_columns(X, names)
    if poorly:
        notes.append(
            f"The fixed-effect columns {', '.join(poorly)} are nearly combinations of other columns (for example "
            "big numbers that vary little, such as years or timestamps, next to the intercept). The fit centres "
            "them itself, but the intercept is the value at x = 0; centre them, e.g. I(x - 2000) or scale(x)."
        )
    if n <= X.shape[1]:
        raise DataError(
            f"the model has {X.shape[1]} fixed-effect coefficients ({', '.join(names[:5])}"
            f"{', ...' if len(names) > 5 else ''}) but only {n} rows to estimate them and the residual "
            "variance; use more rows or fewer predictors (R's lm leaves the standard errors undefined here)"
        )
    return FixedMatrix(X, names, kept, notes)
