"""New rows through a fitted model's design: the fixed-effect rows and each random term's rows.

Factors keep the levels and coding the fit learned, and a level the fit did not see is an error
for a fixed-effect factor and a new group (code -1) for a grouping factor.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import DataError
from .fit import MixedFit

__all__ = ["NewRows", "new_rows"]


@dataclass
class NewRows:
    """Model rows for new data.

    Attributes
    ----------
    X : ndarray
        (n, p) fixed-effect rows, columns as ``fit.fixed``.
    Z : list of ndarray
        Per random term (design order), its (n, q) rows.
    codes : list of ndarray
        Per random term, each row's level index in the fit, or -1 for a level the fit did not see.
    labels : list of list of str
        Per random term, each row's level as lme4 names it (``"16:3"`` for ``school:class``).
    index : Index
        ``newdata``'s index.
    offset : ndarray
        (n,) the known part of the linear predictor: for the model's own rows every offset of the
        fit; for new data the formula's ``offset(...)`` terms only (as lme4's ``predict``, which
        does not apply an ``offset=`` argument to new data).
    """

    X: np.ndarray
    Z: list[np.ndarray]
    codes: list[np.ndarray]
    labels: list[list[str]]
    index: pd.Index
    offset: np.ndarray


def new_rows(fit: MixedFit, newdata: pd.DataFrame | None) -> NewRows:
    """The fit's design applied to ``newdata`` (the model's own rows when None).

    Built by the design's schema (:meth:`mixwidget.design.build.Design.new_data`): the fit's factor
    levels, contrasts and transform state.
    """
    d = fit.design
    if newdata is None:
        labels = [[b.levels[c] for c in b.codes] for b in d.random]
        offset = np.zeros(d.nobs) if d.offset is None else np.asarray(d.offset, dtype=float)
        return NewRows(d.X, [b.Z for b in d.random], [b.codes for b in d.random], labels, d.rows, offset)
    if not isinstance(newdata, pd.DataFrame):
        raise DataError(f"newdata must be a pandas DataFrame, not {type(newdata).__name__}")
    new = d.new_data(newdata)
    bad = np.isnan(new.X).any(axis=1)
    for block in new.random:
        bad |= np.isnan(block.Z).any(axis=1) | np.array([v is None for v in block.labels], dtype=bool)
    if bad.any():
        needed = [c for c in d.formula.columns() if c in newdata.columns and c != d.formula.response]
        missing = [c for c in needed if newdata[c].isna().any()]
        cols = ", ".join(f"'{c}'" for c in missing) or "the model's variables"
        raise DataError(f"newdata has missing values in {cols}; fill them in or drop those rows before predicting")
    return NewRows(
        new.X,
        [b.Z for b in new.random],
        [b.codes for b in new.random],
        [list(b.labels) for b in new.random],
        newdata.index,
        np.asarray(new.offset, dtype=float),
    )
