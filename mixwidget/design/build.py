"""From a parsed formula and a DataFrame to model matrices, as R's ``model.frame`` and
``model.matrix`` build them.

The fixed-effect matrix uses treatment contrasts for unordered factors and polynomial contrasts
for ordered ones, with R's column names (``sexm``, ``Time:Diet2``, ``temperature.L``); a factor in
an interaction is coded by contrasts when the rest of the term is in the model, and by one column
per level otherwise, as R does. Rows with a missing value in any model variable (or weight) are
dropped and counted by variable.

The :class:`Design` keeps what it learned from the data (its :class:`Schema`: factor levels and
contrasts, what transforms remember, the fixed columns kept, grouping levels), so
:meth:`Design.new_data` builds the same matrices for new rows, as R's ``terms``/``xlevels`` do
for ``predict``.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import DataError, FormulaError
from ..formula.expression import Expr, Name
from ..formula.parse import ModelFormula, RandomTerm, is_number
from ..formula.transforms import Columns, Evaluator, Factor, column_factor, level_text
from .aliasing import aliased_columns, poorly_scaled_columns
from .contrasts import Coding, coding_for
from .intake import as_frame, check_model_frame, check_used_columns
from .limits import Limits, check_size, model_size
from .modelmatrix import Variable, model_matrix

__all__ = ["Design", "RandomBlock", "Schema", "build_design", "fixed_part", "level_names", "check_columns"]


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
class Schema:
    """What a design learned from its data, to build the same columns for new data.

    Attributes
    ----------
    formula : ModelFormula
    state : dict
        What transforms remembered, keyed by call and item (``"scale(x)#center"``,
        ``"poly(Days, 2)#coefs"``, ``"mean(Time)#mean"``).
    codings : dict
        Factor variable -> its :class:`~mixwidget.contrasts.Coding` (levels and contrasts).
    group_levels : dict
        Grouping variable -> its levels, in lme4's order.
    fixed_columns : list of int
        Which columns of the full fixed matrix were kept (aliased columns are left out).
    fixed_names : list of str
        The names of the kept fixed columns.
    """

    formula: ModelFormula
    state: dict[str, object]
    codings: dict[str, Coding]
    group_levels: dict[str, list[str]]
    fixed_columns: list[int]
    fixed_names: list[str]

    @property
    def contrasts(self) -> dict[str, str]:
        """Factor variable -> "treatment" or "poly" (as R's ``attr(X, "contrasts")``)."""
        return {v: c.contrasts for v, c in self.codings.items()}


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
    offset: np.ndarray | None = None  # (n,) known part of the linear predictor, or None
    weights: np.ndarray | None = None  # (n,) prior weights, or None
    schema: Schema | None = None
    offset_given: np.ndarray | None = None  # (n,) the offset= given to fit (part of ``offset``)
    collinear: list[str] = field(default_factory=list)  # random terms whose columns are linearly dependent
    fixed_notes: list[str] = field(default_factory=list)  # notes on the fixed columns (part of ``notes``)

    @property
    def nobs(self) -> int:
        return len(self.y)

    def new_data(self, data: pd.DataFrame):
        """The model matrices for new rows, built as for the fit data.

        See :func:`mixwidget.newdata.new_design` for what is returned and raised.
        """
        from .newdata import new_design

        return new_design(self, data)


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


def check_columns(formula: ModelFormula, data: pd.DataFrame, skip: tuple[str, ...] = ()) -> None:
    """Raise a DataError naming the first column the formula uses that the data lacks."""
    columns = [str(c) for c in data.columns]
    for col in formula.columns():
        if col in skip or col == "pi" and col not in data.columns:
            continue
        if col not in data.columns:
            raise DataError(f"column '{col}' not in data; {_suggest(col, columns)}")


def expression_of(formula: ModelFormula, var: str) -> Expr:
    return formula.expressions.get(var) or Name(var)


def _describe(s: pd.Series) -> str:
    values = pd.unique(s.dropna())[:3]
    shown = ", ".join(repr(v) for v in values)
    return f"values such as {shown}" if shown else "no values"


def level_names(values: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Codes and level names for a column used as a factor, in R's level order.

    Categorical columns keep their category order; numbers sort numerically and print
    without a trailing ``.0``; text sorts as R's collation does. Unused levels are dropped.
    """
    coding = coding_for(column_factor(values))
    return coding.codes(column_factor(values).labels), coding.levels


def evaluate(formula: ModelFormula, data: pd.DataFrame, state: dict | None) -> tuple[dict[str, object], dict]:
    """Every model variable evaluated on the data, and what the transforms remembered."""
    ev = Evaluator(data, state)
    values: dict[str, object] = {}
    with np.errstate(all="ignore"):
        for var in formula.variables():
            if is_number(var):
                continue
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
    from ..formula.expression import walk

    return any(isinstance(n, Name) and n.name == column for n in walk(expr))


def _missing(value: object) -> np.ndarray:
    if isinstance(value, Factor):
        return np.array([v is None for v in value.labels], dtype=bool)
    if isinstance(value, Columns):
        return np.isnan(value.values).any(axis=1)
    return np.isnan(np.asarray(value, dtype=float))


def _subset(value: object, keep: np.ndarray) -> object:
    if isinstance(value, Factor):
        return Factor(value.labels[keep], value.levels, value.ordered, value.sort)
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
            raise DataError(f"{name}: column '{given}' not in data; {_suggest(given, [str(c) for c in data.columns])}")
        given = data[given]
    try:
        arr = np.asarray(given, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        raise DataError(f"{name} must be numbers (one per row) or a column name") from None
    if len(arr) != len(data):
        raise DataError(f"{name} has {len(arr)} values but the data has {len(data)} rows; give one per row")
    return arr


def build_design(formula: ModelFormula, data: pd.DataFrame, weights: object = None, offset: object = None,
                 limits: Limits | None = None) -> Design:
    """Build the model matrices, dropping (and counting) rows with missing values.

    ``weights`` (lme4's prior weights) and ``offset`` are column names or one number per row.
    With ``limits``, a model bigger than they allow is refused (:class:`~mixwidget.limits.ModelTooBig`)
    before its matrices are built.
    """
    data = as_frame(data)
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
    dropped_by = {v: int(m.sum()) for v, m in missing.items() if m.any()}
    keep = ~np.any(np.column_stack(list(missing.values())), axis=1) if missing else np.ones(len(data), bool)
    n_dropped = int((~keep).sum())
    if not keep.any():
        detail = ", ".join(f"'{v}' ({n} rows)" for v, n in dropped_by.items())
        raise DataError(
            f"no rows left after dropping rows with missing values (missing in {detail}); "
            "fill in or remove the missing values, or model other columns"
        )
    notes: list[str] = list(formula.notes)
    if n_dropped:
        detail = ", ".join(f"'{v}' ({n})" for v, n in dropped_by.items())
        notes.append(f"{n_dropped} of {len(data)} rows were dropped because of missing values in {detail}.")
    values = {var: _subset(v, keep) for var, v in values.items()}
    rows = data.index[keep]
    n = int(keep.sum())

    response = values[formula.response]
    if isinstance(response, (Factor, Columns)):
        shown = _describe(data.loc[rows, formula.response]) if formula.response in data.columns else "categories"
        raise DataError(
            f"the response '{formula.response}' is not numeric (it holds {shown}); "
            "model a numeric column, or code the outcome as numbers"
        )
    numeric = {v: np.asarray(x, dtype=float) for v, x in values.items() if not isinstance(x, (Factor, Columns))}
    check_model_frame(pd.DataFrame(numeric, index=rows), formula.response, list(numeric))
    y = np.asarray(response, dtype=float)

    # Predictors are factors when their values are; grouping variables always are, but only as
    # groups: a numeric column that also groups (e.g. Days) stays numeric in the fixed part.
    predictors = predictor_variables(formula)
    codings = {var: coding_for(v) for var, v in values.items() if isinstance(v, Factor) and var in predictors}
    ordered = [v for v, c in codings.items() if c.contrasts == "poly"]
    if ordered:
        notes.append(_ordered_note(ordered))
    group_codings, group_factors = {}, {}
    for g in formula.grouping_variables():
        group_factors[g] = values[g] if g in codings else column_factor(data.loc[rows, g])
        group_codings[g] = codings.get(g) or coding_for(group_factors[g])
    variables = variables_for({v: values[v] for v in predictors}, codings, None)
    if limits is not None:
        levels = {v: len(c.levels) for v, c in codings.items()}
        levels.update({v: x.values.shape[1] for v, x in values.items() if isinstance(x, Columns)})
        group_levels = {t.group: min(int(np.prod([len(group_codings[g].levels) for g in t.group_variables])), n)
                        for t in formula.random}
        check_size(model_size(formula, levels, group_levels), limits)

    X_full, names_full = model_matrix(list(formula.fixed), formula.intercept, variables, n)
    kept = _independent_columns(X_full)
    aliased = [names_full[j] for j in range(len(names_full)) if j not in set(kept)]
    # Notes on the fixed columns alone, for the least-squares fit of the fixed part (fixed_part()).
    in_fixed = {v for term in formula.fixed for v in term}
    fixed_ordered = [v for v in ordered if v in in_fixed]
    fixed_notes = [_ordered_note(fixed_ordered)] if fixed_ordered else []
    if aliased:
        fixed_notes.append(
            f"The fixed-effect columns {', '.join(aliased)} are linear combinations of other columns "
            "and were left out (as lme4 does)."
        )
    X = X_full[:, kept]
    names = [names_full[j] for j in kept]
    poorly = poorly_scaled_columns(X, names)
    if poorly:
        fixed_notes.append(
            f"The fixed-effect columns {', '.join(poorly)} are nearly combinations of other columns (for example "
            "big numbers that vary little, such as years or timestamps, next to the intercept), so the fit "
            "loses accuracy; centre them, e.g. I(x - 2000) or scale(x)."
        )
    notes.extend(fixed_notes[1:] if fixed_ordered else fixed_notes)
    if n <= X.shape[1]:
        raise DataError(
            f"the model has {X.shape[1]} fixed-effect coefficients ({', '.join(names[:5])}"
            f"{', ...' if len(names) > 5 else ''}) but only {n} rows to estimate them and the residual "
            "variance; use more rows or fewer predictors (R's lm leaves the standard errors undefined here)"
        )

    group_values = {g: c.codes(group_factors[g].labels) for g, c in group_codings.items()}
    random = [_random_block(term, variables, group_values, group_codings, n) for term in formula.random]
    _check_random(random, n)
    collinear = _collinear_terms(random, notes)
    offset_total = _offsets(formula, values, off[keep] if off is not None else None, n)
    schema = Schema(formula, state, codings, {g: c.levels for g, c in group_codings.items()}, kept, names)
    frame = _frame(formula, data.loc[rows], values)
    return Design(formula, y, X, names, random, rows, n_dropped, dropped_by, notes, frame,
                  offset_total, None if w is None else w[keep], schema, None if off is None else off[keep],
                  collinear=collinear, fixed_notes=fixed_notes)


def _ordered_note(ordered: list[str]) -> str:
    return (f"{', '.join(ordered)} {'is an ordered factor' if len(ordered) == 1 else 'are ordered factors'}, "
            "coded by polynomial contrasts (.L linear, .Q quadratic, ...) as R's contr.poly does.")


def fixed_part(design: Design, formula: ModelFormula) -> Design:
    """The design of the fixed part alone (``formula``, parsed from ``design.formula.fixed_text()``)
    on the same rows, as :func:`build_design` builds it, from the matrices already built.

    Same response, fixed columns, weights and offsets; no random terms and no rows dropped (the
    rows are the design's). The least-squares baseline of a mixed model is fitted to it.
    """
    predictors = set(predictor_variables(formula))
    schema = design.schema
    if schema is not None:
        schema = Schema(formula, schema.state, {v: c for v, c in schema.codings.items() if v in predictors}, {},
                        schema.fixed_columns, schema.fixed_names)
    frame = design.frame[[v for v in formula.variables() if v in design.frame.columns]]
    return Design(formula, design.y, design.X, design.fixed_names, [], design.rows, 0, {},
                  [*formula.notes, *design.fixed_notes], frame, design.offset, design.weights, schema,
                  design.offset_given, fixed_notes=list(design.fixed_notes))


def predictor_variables(formula: ModelFormula) -> list[str]:
    """Variables in fixed terms and random slopes (those coded as model matrix columns)."""
    seen: dict[str, None] = {}
    for term in formula.fixed:
        seen.update(dict.fromkeys(term))
    for r in formula.random:
        for s in r.slopes:
            seen.update(dict.fromkeys(s.split(":")))
    return list(seen)


def _offsets(formula: ModelFormula, values: dict[str, object], given: np.ndarray | None, n: int) -> np.ndarray | None:
    if not formula.offsets and given is None:
        return None
    total = np.zeros(n) if given is None else given.astype(float)
    for o in formula.offsets:
        total = total + np.asarray(values[o], dtype=float)
    return total


def _frame(formula: ModelFormula, data: pd.DataFrame, values: dict[str, object]) -> pd.DataFrame:
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


def _independent_columns(X: np.ndarray) -> list[int]:
    """Columns that are not linear combinations of earlier ones (as R's lm and lme4 drop them).

    Scale-invariant: each column is compared with its own length (see :mod:`mixwidget.aliasing`).
    """
    dropped = set(aliased_columns(X))
    return [j for j in range(X.shape[1]) if j not in dropped]


def _collinear_terms(blocks: list[RandomBlock], notes: list[str]) -> list[str]:
    """Random terms whose columns are linearly dependent (their variances cannot be told apart)."""
    collinear = []
    for b in blocks:
        dependent = [b.names[j] for j in aliased_columns(b.Z)] if b.Z.shape[1] > 1 else []
        if dependent:
            collinear.append(b.term.text)
            verb = "is a linear combination" if len(dependent) == 1 else "are linear combinations"
            notes.append(
                f"In {b.term.text}, {', '.join(dependent)} {verb} of the term's other columns, so their "
                f"variances cannot be told apart: the fit is singular. Remove {', '.join(dependent)} from the term."
            )
    return collinear


def group_labels(term: RandomTerm, group_values: dict[str, np.ndarray], levels: dict[str, list[str]]) -> np.ndarray:
    """Each row's level of a (possibly interaction) grouping factor as text, None where missing."""
    parts = term.group_variables
    codes = np.column_stack([group_values[g] for g in parts])
    used, inverse = np.unique(codes, axis=0, return_inverse=True)
    texts = np.array([None if min(row) < 0 else ":".join(levels[g][c] for g, c in zip(parts, row)) for row in used],
                     dtype=object)
    return texts[np.asarray(inverse).reshape(-1)]


def _random_block(
    term: RandomTerm, variables: dict[str, Variable], group_values: dict[str, np.ndarray],
    group_codings: dict[str, Coding], n: int,
) -> RandomBlock:
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


__all__ += ["level_text", "group_labels"]
