"""From a parsed formula and a DataFrame to model matrices, as R's ``model.matrix`` builds them.

The fixed-effect matrix uses treatment coding with R's column names (``sexm``,
``Time:Diet2``); a factor in an interaction is coded by contrasts when the rest of the term
is in the model, and by one column per level otherwise, as R does. Rows with a missing value
in any model column are dropped and counted by column.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .errors import DataError
from .formula import ModelFormula, RandomTerm, expression_columns, is_number, python_expression

__all__ = ["Design", "RandomBlock", "build_design", "level_names", "check_columns"]


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


@dataclass
class Design:
    """Model matrices for one formula on one data set (rows with missing values removed)."""

    formula: ModelFormula
    y: np.ndarray
    X: np.ndarray
    fixed_names: list[str]
    random: list[RandomBlock]
    rows: pd.Index  # index labels of the rows used
    n_dropped: int
    dropped_by: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    frame: pd.DataFrame = field(default_factory=pd.DataFrame)  # the model's variables, rows used

    @property
    def nobs(self) -> int:
        return len(self.y)


def _suggest(name: str, columns: list[str]) -> str:
    close = difflib.get_close_matches(name, columns, n=1, cutoff=0.5)
    if not close:
        lowered = {c.lower(): c for c in columns}
        if name.lower() in lowered:
            close = [lowered[name.lower()]]
    if close:
        return f"did you mean '{close[0]}'?"
    shown = ", ".join(columns[:12]) + (", ..." if len(columns) > 12 else "")
    return f"the columns are: {shown}"


def check_columns(formula: ModelFormula, data: pd.DataFrame) -> None:
    """Raise a DataError naming the first column the formula uses that the data lacks."""
    columns = [str(c) for c in data.columns]
    for var in formula.variables():
        for col in _columns_of(var):
            if col not in data.columns:
                raise DataError(f"column '{col}' not in data; {_suggest(col, columns)}")


def _columns_of(var: str) -> list[str]:
    if is_number(var):
        return []
    if var.isidentifier() or "(" not in var:
        return [var]
    return expression_columns(var)


def _scale(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    return (x - np.nanmean(x)) / np.nanstd(x, ddof=1)


def _center(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    return x - np.nanmean(x)


_NAMESPACE = {  # one entry per name in formula.FUNCTIONS
    "log": np.log, "log2": np.log2, "log10": np.log10, "log1p": np.log1p, "exp": np.exp,
    "sqrt": np.sqrt, "abs": np.abs, "sin": np.sin, "cos": np.cos, "tan": np.tan,
    "I": lambda x: x, "scale": _scale, "center": _center,
}


def _evaluate(var: str, data: pd.DataFrame) -> pd.Series:
    """The values of a variable: a column, or an expression of numeric columns."""
    if var in data.columns:
        return data[var]
    cols = expression_columns(var)
    code, renamed = python_expression(var)
    inputs: dict[str, np.ndarray] = {}
    for c in cols:
        s = data[c]
        if not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
            raise DataError(f"'{var}' needs '{c}' to be numeric, but it holds {_describe(s)}")
        inputs[c] = s.to_numpy(dtype=float, na_value=np.nan)
    env = {key: inputs[col] for key, col in renamed.items()} | {c: inputs[c] for c in cols if c.isidentifier()}
    with np.errstate(all="ignore"):
        value = eval(compile(code, "<formula>", "eval"), {"__builtins__": {}, **_NAMESPACE}, env)  # noqa: S307 - expression checked by expression_columns
    value = np.broadcast_to(np.asarray(value, dtype=float), (len(data),))
    inputs_ok = np.all([np.isfinite(inputs[c]) for c in cols], axis=0) if cols else np.ones(len(data), bool)
    bad = inputs_ok & ~np.isfinite(value)
    if bad.any():
        example = data.loc[bad, cols].iloc[0].to_dict() if cols else {}
        shown = ", ".join(f"{k} = {v:g}" for k, v in example.items())
        raise DataError(
            f"'{var}' is not a finite number in {int(bad.sum())} rows (e.g. where {shown}); "
            "change the expression (e.g. log(x + 1)) or remove those rows first"
        )
    return pd.Series(value, index=data.index, name=var)


def _describe(s: pd.Series) -> str:
    values = pd.unique(s.dropna())[:3]
    shown = ", ".join(repr(v) for v in values)
    return f"values such as {shown}" if shown else "no values"


def level_names(values: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Codes and level names for a column used as a factor, in R's level order.

    Categorical columns keep their category order; numbers sort numerically and print
    without a trailing ``.0``; text sorts alphabetically. Unused levels are dropped.
    """
    if isinstance(values.dtype, pd.CategoricalDtype):
        cat = values.cat.remove_unused_categories()
        cats = list(cat.cat.categories)
        return cat.cat.codes.to_numpy(), [_level_text(c) for c in cats]
    uniques = pd.unique(values)
    try:
        ordered = sorted(uniques)
    except TypeError:
        ordered = sorted(uniques, key=str)
    index = {v: i for i, v in enumerate(ordered)}
    codes = np.fromiter((index[v] for v in values), dtype=np.int64, count=len(values))
    return codes, [_level_text(v) for v in ordered]


def _level_text(value: object) -> str:
    if isinstance(value, (bool, np.bool_)):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _is_factor(s: pd.Series) -> bool:
    return not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s) or isinstance(s.dtype, pd.CategoricalDtype)


@dataclass
class _Factor:
    codes: np.ndarray
    levels: list[str]


def _term_columns(
    term: tuple[str, ...], model_terms: set[frozenset[str]], frame: pd.DataFrame, factors: dict[str, _Factor]
) -> tuple[list[np.ndarray], list[str]]:
    """Columns and names for one term, with R's choice of contrasts or full coding."""
    cols: list[np.ndarray] = [np.ones(len(frame))]
    names: list[str] = [""]
    for var in term:
        rest = frozenset(term) - {var}
        if var in factors:
            f = factors[var]
            contrasts = (not rest) and frozenset() in model_terms or bool(rest) and rest in model_terms
            start = 1 if contrasts else 0
            # R varies the first factor fastest: new columns loop outermost over this factor's levels.
            new_cols, new_names = [], []
            for li in range(start, len(f.levels)):
                indicator = (f.codes == li).astype(float)
                for c, n in zip(cols, names):
                    new_cols.append(c * indicator)
                    new_names.append(f"{n}:{var}{f.levels[li]}" if n else f"{var}{f.levels[li]}")
            cols, names = new_cols, new_names
        else:
            x = frame[var].to_numpy(dtype=float)
            cols = [c * x for c in cols]
            names = [f"{n}:{var}" if n else var for n in names]
    return cols, names


def _model_matrix(
    terms: list[tuple[str, ...]], intercept: bool, frame: pd.DataFrame, factors: dict[str, _Factor]
) -> tuple[np.ndarray, list[str]]:
    model_terms = {frozenset(t) for t in terms}
    if intercept:
        model_terms.add(frozenset())
    columns: list[np.ndarray] = [np.ones(len(frame))] if intercept else []
    names: list[str] = ["(Intercept)"] if intercept else []
    for term in terms:
        c, n = _term_columns(term, model_terms, frame, factors)
        columns.extend(c)
        names.extend(n)
        if len(term) == 1 and term[0] in factors:
            # Without an intercept R codes the first factor fully and the later ones by contrasts.
            model_terms.add(frozenset())
    X = np.column_stack(columns) if columns else np.empty((len(frame), 0))
    return X, names


def _drop_aliased(X: np.ndarray, names: list[str]) -> tuple[np.ndarray, list[str], list[str]]:
    """Drop columns that are linear combinations of earlier ones (as R's lm and lme4 do)."""
    keep: list[int] = []
    dropped: list[str] = []
    for j in range(X.shape[1]):
        candidate = keep + [j]
        sub = X[:, candidate]
        if np.linalg.matrix_rank(sub, tol=1e-7 * max(1.0, np.abs(sub).max())) == len(candidate):
            keep.append(j)
        else:
            dropped.append(names[j])
    return X[:, keep], [names[j] for j in keep], dropped


def build_design(formula: ModelFormula, data: pd.DataFrame) -> Design:
    """Build the model matrices, dropping (and counting) rows with missing values."""
    if not isinstance(data, pd.DataFrame):
        raise DataError(f"data must be a pandas DataFrame, not {type(data).__name__}")
    if len(data) == 0:
        raise DataError("the data has no rows")
    check_columns(formula, data)
    variables = [v for v in formula.variables() if not is_number(v)]
    values = {v: _evaluate(v, data) for v in variables}
    frame = pd.DataFrame(values, index=data.index)
    missing = frame.isna()
    dropped_by = {v: int(n) for v, n in missing.sum().items() if n}
    keep = ~missing.any(axis=1)
    n_dropped = int((~keep).sum())
    if not keep.any():
        detail = ", ".join(f"'{v}' ({n} rows)" for v, n in dropped_by.items())
        raise DataError(
            f"no rows left after dropping rows with missing values (missing in {detail}); "
            "fill in or remove the missing values, or model other columns"
        )
    frame = frame.loc[keep]
    notes: list[str] = []
    if n_dropped:
        detail = ", ".join(f"'{v}' ({n})" for v, n in dropped_by.items())
        notes.append(f"{n_dropped} of {len(data)} rows were dropped because of missing values in {detail}.")

    response = frame[formula.response]
    if _is_factor(response):
        raise DataError(
            f"the response '{formula.response}' is not numeric (it holds {_describe(response)}); "
            "model a numeric column, or code the outcome as numbers"
        )
    y = response.to_numpy(dtype=float)

    # Predictors are factors when their column is; grouping variables always are, but only as
    # groups: a numeric column that also groups (e.g. Days) stays numeric in the fixed part.
    factors: dict[str, _Factor] = {}
    for var in frame.columns:
        if var != formula.response and _is_factor(frame[var]):
            factors[var] = _Factor(*level_names(frame[var]))
    groups = {v: factors.get(v) or _Factor(*level_names(frame[v])) for v in formula.grouping_variables()}

    X, names = _model_matrix(list(formula.fixed), formula.intercept, frame, factors)
    X, names, aliased = _drop_aliased(X, names)
    if aliased:
        notes.append(
            f"The fixed-effect columns {', '.join(aliased)} are linear combinations of other columns "
            "and were left out (as lme4 does)."
        )

    random = [_random_block(term, frame, factors, groups) for term in formula.random]
    _check_random(random, len(y))
    return Design(formula, y, X, names, random, frame.index, n_dropped, dropped_by, notes, frame)


def _random_block(
    term: RandomTerm, frame: pd.DataFrame, factors: dict[str, _Factor], groups: dict[str, _Factor]
) -> RandomBlock:
    group_vars = term.group_variables
    if len(group_vars) == 1:
        f = groups[group_vars[0]]
        codes, levels = f.codes, f.levels
    else:
        # Levels of an interaction a:b, ordered by a's level then b's, unused combinations dropped.
        parts = [groups[v] for v in group_vars]
        key = np.zeros(len(frame), dtype=np.int64)
        for f in parts:
            key = key * len(f.levels) + f.codes
        used, codes = np.unique(key, return_inverse=True)
        levels = []
        for k in used:
            idx = []
            for f in reversed(parts):
                k, r = divmod(int(k), len(f.levels))
                idx.append(f.levels[r])
            levels.append(":".join(reversed(idx)))
    slope_terms = [tuple(s.split(":")) for s in term.slopes]
    Z, names = _model_matrix(slope_terms, term.intercept, frame, factors)
    return RandomBlock(term, Z, names, np.asarray(codes, dtype=np.int64), levels)


def _check_random(blocks: list[RandomBlock], n: int) -> None:
    for b in blocks:
        nlev = len(b.levels)
        if nlev < 2:
            raise DataError(
                f"the grouping factor '{b.group}' has only {nlev} level in the rows used; a random effect needs "
                f"at least two groups. Remove {b.term.text} or group by a column with more levels"
            )
        if nlev >= n:
            raise DataError(
                f"the grouping factor '{b.group}' has {nlev} levels for {n} observations: each group has one "
                f"observation, so its random effect cannot be told apart from the residual. Remove {b.term.text}"
            )
        n_re = nlev * b.Z.shape[1]
        if n_re >= n:
            raise DataError(
                f"the term {b.term.text} has {n_re} random effects ({nlev} groups x {b.Z.shape[1]} "
                f"coefficients) for only {n} observations; the model cannot be estimated. Use fewer random "
                "slopes or a grouping factor with fewer levels"
            )
