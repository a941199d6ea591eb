"""New rows through a fitted model's design: the fixed-effect rows and each random term's rows.

Factors keep the levels and coding the fit learned, and a level the fit did not see is an error
for a fixed-effect factor and a new group (code -1) for a grouping factor.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import design as _design
from .errors import DataError
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
    """

    X: np.ndarray
    Z: list[np.ndarray]
    codes: list[np.ndarray]
    labels: list[list[str]]
    index: pd.Index


def new_rows(fit: MixedFit, newdata: pd.DataFrame | None) -> NewRows:
    """The fit's design applied to ``newdata`` (the model's own rows when None)."""
    d = fit.design
    if newdata is None:
        labels = [[b.levels[c] for c in b.codes] for b in d.random]
        return NewRows(d.X, [b.Z for b in d.random], [b.codes for b in d.random], labels, d.rows)
    if not isinstance(newdata, pd.DataFrame):
        raise DataError(f"newdata must be a pandas DataFrame, not {type(newdata).__name__}")
    model = d.formula
    needed = [v for v in model.variables() if v != model.response and not _design.is_number(v)]
    columns = [str(c) for c in newdata.columns]
    for var in needed:
        for col in _design._columns_of(var):
            if col not in newdata.columns:
                raise DataError(
                    f"column '{col}' is missing from newdata; the model needs it to predict "
                    f"({_design._suggest(col, columns)})"
                )
    frame = pd.DataFrame({v: _value(fit, v, newdata) for v in needed}, index=newdata.index)
    missing = frame.isna().any()
    if missing.any():
        cols = ", ".join(f"'{c}'" for c in missing[missing].index)
        raise DataError(f"newdata has missing values in {cols}; fill them in or drop those rows before predicting")
    coded = {v for term in model.fixed for v in term}
    coded |= {v for r in model.random for s in r.slopes for v in s.split(":")}
    factors = {}
    for var in frame.columns:
        if var in coded and var in d.frame.columns and _design._is_factor(d.frame[var]):
            levels = _design.level_names(d.frame[var])[1]
            codes = _codes(frame[var], levels)
            if (codes < 0).any():
                bad = frame[var].iloc[int(np.argmax(codes < 0))]
                raise DataError(
                    f"'{var}' has the level {_design._level_text(bad)!r} in newdata, which the fit did not see; "
                    f"its levels are {', '.join(levels)}"
                )
            factors[var] = _design._Factor(codes, levels)
    X, names = _design._model_matrix(list(model.fixed), model.intercept, frame, factors)
    X = X[:, [names.index(n) for n in d.fixed_names]]
    Z, codes, labels = [], [], []
    for block in d.random:
        slope_terms = [tuple(s.split(":")) for s in block.term.slopes]
        z, znames = _design._model_matrix(slope_terms, block.term.intercept, frame, factors)
        Z.append(z[:, [znames.index(n) for n in block.names]])
        text = [":".join(_design._level_text(v) for v in row) for row in
                zip(*(frame[g].tolist() for g in block.term.group_variables))]
        lookup = {lv: i for i, lv in enumerate(block.levels)}
        codes.append(np.array([lookup.get(t, -1) for t in text], dtype=np.int64))
        labels.append(text)
    return NewRows(X, Z, codes, labels, newdata.index)


def _value(fit: MixedFit, var: str, newdata: pd.DataFrame) -> pd.Series:
    if var in newdata.columns:
        return newdata[var]
    return _design._evaluate(var, newdata)


def _codes(values: pd.Series, levels: list[str]) -> np.ndarray:
    lookup = {lv: i for i, lv in enumerate(levels)}
    return np.array([lookup.get(_design._level_text(v), -1) for v in values], dtype=np.int64)
