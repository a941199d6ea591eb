"""The model frame: every model variable evaluated on the data, rows with a missing value dropped.

The first stage of :func:`~mixwidget.design.build.build_design`, as R's ``model.frame`` is the
first of ``lFormula``: the columns the formula names are checked, each variable (a column or an
expression such as ``log(x + 1)``, ``poly(Days, 2)``) is evaluated once, ``weights=`` and
``offset=`` are read, and rows with a missing value in any of them are dropped and counted by
variable. What the transforms learned (``scale``'s centre, ``poly``'s coefficients) comes back
with the frame, for new data.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from ..errors import DataError, FormulaError
from ..formula.expression import Expr, Name
from ..formula.parse import ModelFormula, is_number
from ..formula.transforms import Columns, Evaluator, Factor, column_names
from .contrasts import Coding
from .intake import check_used_columns
from .modelmatrix import Variable

__all__ = ["ModelFrame", "model_frame", "check_columns", "evaluate", "expression_of", "predictor_variables",
           "variables_for", "frame_table", "suggest"]


@dataclass
class ModelFrame:
    """The model's variables on the rows used.

    Attributes
    ----------
    values : dict
        Variable -> its value on the rows used: numbers (ndarray), :class:`Factor` or :class:`Columns`.
    state : dict
        What the transforms remembered from the data (for new data).
    rows : Index
        Index labels of the rows used.
    keep : ndarray of bool
        Which rows of the data are used.
    dropped_by : dict
        Variable (or ``(weights)``, ``(offset)``) -> rows with a missing value in it.
    notes : list of str
        The count of rows dropped, if any.
    weights, offset : ndarray or None
        ``fit()``'s ``weights=`` and ``offset=`` on the rows used.
    """

    values: dict[str, object]
    state: dict[str, object]
    rows: pd.Index
    keep: np.ndarray
    dropped_by: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    weights: np.ndarray | None = None
    offset: np.ndarray | None = None

    @property
    def n(self) -> int:
        return len(self.rows)

    @property
    def n_dropped(self) -> int:
        return int((~self.keep).sum())


def suggest(name: str, columns: list[str]) -> str:
    """A hint for a column name the data lacks: the closest name, or the columns there are."""
    close = difflib.get_close_matches(name, columns, n=1, cutoff=0.5)
    if not close:
        lowered = {c.lower(): c for c in columns}
        if name.lower() in lowered:
            close = [lowered[name.lower()]]
    if close:
        return f"did you mean '{close[0]}'?"
    shown = ", ".join(columns[:12]) + (", ..." if len(columns) > 12 else "")
    return f"the columns are: {shown}"


def check_columns(formula: ModelFormula, data: pd.DataFrame, skip: tuple[str, ...] = ()) -> None:
    """Raise a DataError naming the first column the formula uses that the data lacks."""
    columns = [str(c) for c in data.columns]
    for col in formula.columns():
        if col in skip or col == "pi" and col not in data.columns:
            continue
        if col not in data.columns:
            raise DataError(f"column '{col}' not in data; {suggest(col, columns)}")


def expression_of(formula: ModelFormula, var: str) -> Expr:
    """The expression a model variable stands for (a column name for a plain column)."""
    return formula.expressions.get(var) or Name(var)


def predictor_variables(formula: ModelFormula) -> list[str]:
    """Variables in fixed terms and random slopes (those coded as model matrix columns)."""
    seen: dict[str, None] = {}
    for term in formula.fixed:
        seen.update(dict.fromkeys(term))
    for r in formula.random:
        for s in r.slopes:
            seen.update(dict.fromkeys(s.split(":")))
    return list(seen)


def evaluate(formula: ModelFormula, data: pd.DataFrame, state: dict | None) -> tuple[dict[str, object], dict]:
    """Every model variable evaluated on the data, and what the transforms remembered."""
    ev = Evaluator(data, state)
    values: dict[str, object] = {}
    with np.errstate(all="ignore"):
        for var in formula.variables():
            if is_number(var) and var not in formula.expressions:
                continue  # a bare number; a column named `2` (in backticks) is a variable
            expr = expression_of(formula, var)
            try:
                values[var] = ev.variable(expr)
            except FormulaError as exc:
                raise FormulaError(exc.short_message, formula.text) from None
            if not isinstance(expr, Name):
                _check_finite(var, expr, values[var], data, formula)
            elif isinstance(values[var], np.ndarray) and np.isinf(values[var]).any():
                row = data.index[int(np.argmax(np.isinf(values[var])))]
                raise DataError(f"column '{var}' holds an infinite value (e.g. in row {row!r}); R refuses Inf "
                                "in a model frame too: replace or remove those rows")
    return values, ev.learned


def _check_finite(var: str, expr: Expr, value: object, data: pd.DataFrame, formula: ModelFormula) -> None:
    if isinstance(value, Factor):
        return
    arr = value.values if isinstance(value, Columns) else np.asarray(value, dtype=float)[:, None]
    cols = [c for c in formula.columns() if c in data.columns and _uses(expr, c)]
    inputs_ok = np.ones(len(data), bool)
    for c in cols:
        if not (pd.api.types.is_numeric_dtype(data[c]) and not pd.api.types.is_bool_dtype(data[c])):
            continue
        inputs_ok &= np.isfinite(data[c].to_numpy(dtype=float, na_value=np.nan))
    bad = inputs_ok & ~np.isfinite(arr).all(axis=1)
    if not bad.any():
        return
    if not cols:
        shown = f"it is {arr[np.argmax(bad), 0]:g} in every row"
    else:
        example = data.loc[bad, cols].iloc[0].to_dict()
        shown = "e.g. where " + ", ".join(f"{k} = {v:g}" if isinstance(v, (int, float)) else f"{k} = {v}"
                                          for k, v in example.items())
    raise DataError(
        f"'{var}' is not a finite number in {int(bad.sum())} rows ({shown}); "
        "change the expression (e.g. log(x + 1)) or remove those rows first"
    )


def _uses(expr: Expr, column: str) -> bool:
    return column in column_names(expr)


def _missing(value: object) -> np.ndarray:
    if isinstance(value, Factor):
        return np.array([v is None for v in value.labels], dtype=bool)
    if isinstance(value, Columns):
        return np.isnan(value.values).any(axis=1)
    return np.isnan(np.asarray(value, dtype=float))


def _subset(value: object, keep: np.ndarray) -> object:
    if isinstance(value, Factor):
        return replace(value, labels=value.labels[keep])
    if isinstance(value, Columns):
        return Columns(value.values[keep], value.suffixes)
    return np.asarray(value, dtype=float)[keep]


def variables_for(values: dict[str, object], codings: dict[str, Coding], skip: str | None) -> dict[str, Variable]:
    """Model variables ready for model_matrix (factors coded by their codings)."""
    out: dict[str, Variable] = {}
    for var, value in values.items():
        if var == skip:
            continue
        if isinstance(value, Factor):
            out[var] = Variable(codes=codings[var].codes(value.labels), coding=codings[var])
        elif isinstance(value, Columns):
            out[var] = Variable(values=value.values, suffixes=value.suffixes)
        else:
            out[var] = Variable(values=np.asarray(value, dtype=float)[:, None], suffixes=[""])
    return out


def _extra(name: str, given: object, data: pd.DataFrame) -> np.ndarray | None:
    """fit()'s weights= or offset=: a column name or one number per row."""
    if given is None:
        return None
    if isinstance(given, str):
        if given not in data.columns:
            raise DataError(f"{name}: column '{given}' not in data; {suggest(given, [str(c) for c in data.columns])}")
        given = data[given]
    try:
        arr = np.asarray(given, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        raise DataError(f"{name} must be numbers (one per row) or a column name") from None
    if len(arr) != len(data):
        raise DataError(f"{name} has {len(arr)} values but the data has {len(data)} rows; give one per row")
    return arr


def _rows_kept(missing: dict[str, np.ndarray], n_data: int) -> tuple[np.ndarray, dict[str, int], list[str]]:
    """Rows with no missing value, the count missing per variable, and the note on rows dropped."""
    dropped_by = {v: int(m.sum()) for v, m in missing.items() if m.any()}
    keep = ~np.any(np.column_stack(list(missing.values())), axis=1) if missing else np.ones(n_data, bool)
    n_dropped = int((~keep).sum())
    if not keep.any():
        detail = ", ".join(f"'{v}' ({n} rows)" for v, n in dropped_by.items())
        raise DataError(
            f"no rows left after dropping rows with missing values (missing in {detail}); "
            "fill in or remove the missing values, or model other columns"
        )
    notes = []
    if n_dropped:
        detail = ", ".join(f"'{v}' ({n})" for v, n in dropped_by.items())
        notes.append(f"{n_dropped} of {n_data} rows were dropped because of missing values in {detail}.")
    return keep, dropped_by, notes


def model_frame(formula: ModelFormula, data: pd.DataFrame, weights: object = None,
                offset: object = None) -> ModelFrame:
    """The model's variables, weights and offset on the rows with no missing value.

    Raises
    ------
    DataError
        A column the formula names is missing (with the closest name), a weight is negative or
        not finite, a value is infinite, or no rows are left.
    """
    if len(data) == 0:
        raise DataError("the data has no rows")
    check_columns(formula, data)
    check_used_columns(data, [c for c in formula.columns() if c in data.columns])
    w = _extra("weights", weights, data)
    off = _extra("offset", offset, data)
    values, state = evaluate(formula, data, None)
    missing = {var: _missing(v) for var, v in values.items()}
    if w is not None:
        missing["(weights)"] = np.isnan(w)
        if (w[~np.isnan(w)] < 0).any() or not np.isfinite(w[~np.isnan(w)]).all():
            raise DataError("weights must be finite and not negative")
    if off is not None:
        missing["(offset)"] = np.isnan(off)
    keep, dropped_by, notes = _rows_kept(missing, len(data))
    return ModelFrame(
        {var: _subset(v, keep) for var, v in values.items()}, state, data.index[keep], keep, dropped_by, notes,
        None if w is None else w[keep], None if off is None else off[keep],
    )


def frame_table(formula: ModelFormula, data: pd.DataFrame, values: dict[str, object]) -> pd.DataFrame:
    """The model's one-column variables on the rows used (plain columns keep their dtype)."""
    cols: dict[str, object] = {}
    for var, value in values.items():
        if var in data.columns and isinstance(expression_of(formula, var), Name):
            cols[var] = data[var]
        elif isinstance(value, Factor):
            cols[var] = pd.Series(value.labels, index=data.index)
        elif not isinstance(value, Columns):
            cols[var] = pd.Series(np.asarray(value, dtype=float), index=data.index)
    return pd.DataFrame(cols, index=data.index)
