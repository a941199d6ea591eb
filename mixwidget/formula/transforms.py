"""The functions a formula may use, in one registry, and the evaluation of expressions.

Each :class:`Transform` knows its R arguments (so calls are checked when the formula is read),
how it is evaluated, and what it must remember from the data it was fitted to, so that new data
goes through the same transform: ``scale(x)`` keeps its centre and scale, ``poly(x, 2)`` its
recurrence coefficients (R's ``alpha`` and ``norm2``), ``mean(x)`` its mean. The name of a
transformed variable is R's printing of the call (``poly(x, 2)``, ``I(Days^2)``), which lme4 uses
for its coefficients (``poly(x, 2)1``, ``I(Days^2)``).

Arithmetic is done on floating-point arrays only (constants too), so ``9^9^9^9`` is ``inf``
rather than a very long computation, and overflow or ``1/0`` become non-finite values that the
design reports.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from ..errors import DataError, FormulaError
from .expression import Call, Expr, Name, Num, Op, Paren, Str, Unary
from .language import CONSTANTS, MAX_DEPTH, MAX_LENGTH, MAX_TERMS, RESERVED
from .splines import bs_basis, ns_basis, spline_knots

__all__ = ["Transform", "TRANSFORMS", "Evaluator", "Factor", "Columns", "Logical", "check_calls", "registry_json",
           "find_transform", "column_names", "CONTRASTS"]


@dataclass
class Factor:
    """A categorical value: level text per row (None where missing) and the levels' order."""

    labels: np.ndarray
    levels: list[str] | None = None  # given order (pandas categorical); None: R's sorting
    ordered: bool = False
    sort: str = "text"  # how R sorts the levels when no order is given: "text", "number" or "logical"
    first: str | None = None  # a level put first (R's relevel), the rest in their order
    contrasts: str | None = None  # contrasts given by C(): "treatment", "sum", "helmert", "poly" or "SAS"
    base: int | None = None  # the base level (1-based) of treatment contrasts given by C(..., base = k)


@dataclass
class Columns:
    """Several numeric columns made by one call (``poly(x, 2)`` makes ``poly(x, 2)1``, ``...2``)."""

    values: np.ndarray  # (n, k)
    suffixes: list[str]


@dataclass
class Logical:
    """TRUE/FALSE values (1.0/0.0, NaN where missing), e.g. from ``x > 80``."""

    values: np.ndarray | np.floating


@dataclass(frozen=True)
class Transform:
    """One function of the formula language.

    Attributes
    ----------
    name : str
        As written in a formula.
    params : tuple of str
        R's argument names, in order; the first ``required`` must be given.
    where : {"anywhere", "term", "formula"}
        "term": only as a whole model variable (``poly``, ``factor``), since it makes several
        columns or a factor; "formula": only at the top of the formula (``offset``).
        "argument": only as another function's argument (``c(2, 5)`` for knots).
    evaluate : callable
        ``evaluate(evaluator, call, args)`` with ``args`` the call's arguments by name.
    remembers : str
        What it keeps from the data it was fitted to, for new data ("" if nothing).
    package : str
        R's package of the function, so ``splines::ns`` and ``stats::poly`` are read as R reads them.
    symbols : tuple of str
        Parameters that take a name that is not a column (``C(x, contr.sum)``).
    """

    name: str
    params: tuple[str, ...]
    required: int
    where: str
    evaluate: Callable[[Evaluator, Call, dict[str, Expr]], object]
    summary: str
    remembers: str = ""
    package: str = "base"
    symbols: tuple[str, ...] = ()

    def bind(self, call: Call) -> dict[str, Expr]:
        """The call's arguments by parameter name; FormulaError if they do not fit."""
        if self.params == ("...",):
            if call.keywords:
                raise FormulaError(f"{self.name}() takes numbers only, e.g. {self.name}(2, 5)")
            return {str(k): a for k, a in enumerate(call.args)}
        if len(call.args) > len(self.params):
            raise FormulaError(f"{self.name}() takes at most {len(self.params)} argument"
                               f"{'s' if len(self.params) > 1 else ''} ({', '.join(self.params)}); "
                               f"{call.text()} gives {len(call.args)}")
        args = dict(zip(self.params, call.args))
        for key, value in call.keywords:
            if key not in self.params:
                raise FormulaError(f"{self.name}() has no argument '{key}'; its arguments are {', '.join(self.params)}")
            if key in args:
                raise FormulaError(f"{self.name}(): argument '{key}' is given twice in {call.text()}")
            args[key] = value
        missing = [p for p in self.params[: self.required] if p not in args]
        if missing:
            raise FormulaError(f"{self.name}() needs {' and '.join(missing)}, e.g. {self.name}(x"
                               f"{', 2' if self.required > 1 else ''})")
        return args


# -- evaluation -------------------------------------------------------------------------------

@dataclass
class Evaluator:
    """Evaluates expressions on a DataFrame.

    With ``state=None`` it learns (computes and records what transforms remember); with a
    state from an earlier evaluation it reuses it, so new data is transformed as the fit data was.
    """

    data: pd.DataFrame
    state: dict[str, object] | None = None
    learned: dict[str, object] = field(default_factory=dict)

    def remember(self, call: Call, key: str, compute: Callable[[], object]) -> object:
        name = f"{call.text()}#{key}"
        if self.state is not None and name in self.state:
            value = self.state[name]
        else:
            value = compute()
        self.learned[name] = value
        return value

    # values ------------------------------------------------------------------------------
    def variable(self, expr: Expr) -> np.ndarray | Factor | Columns:
        """A whole model variable: numbers, several columns, or a factor (logicals become factors)."""
        value = self.value(expr, top=True)
        if isinstance(value, Logical):
            v = np.broadcast_to(np.asarray(value.values, dtype=float), (len(self.data),))
            labels = np.array([None if np.isnan(x) else ("TRUE" if x else "FALSE") for x in v], dtype=object)
            return Factor(labels, sort="logical")
        if isinstance(value, (Factor, Columns)):
            return value
        return np.broadcast_to(np.asarray(value, dtype=float), (len(self.data),)).copy()

    def value(self, expr: Expr, top: bool = False) -> object:
        if isinstance(expr, Num):
            return np.float64(expr.value)
        if isinstance(expr, Name):
            if expr.literal:
                return Logical(np.float64(CONSTANTS[expr.name]))
            return self.column(expr.name)
        if isinstance(expr, Paren):
            return self.value(expr.inner)
        if isinstance(expr, Str):
            raise FormulaError(f"text in quotes ({expr.text()}) can only be a function's argument, "
                               'e.g. relevel(Variety, "Victory"), or compared in I(Variety == "Victory")')
        if isinstance(expr, Unary):
            if expr.op == "!":
                x = self.number(expr.operand)
                return Logical(np.where(np.isnan(x), np.nan, (x == 0).astype(float)))
            x = self.number(expr.operand)
            return -x if expr.op == "-" else x
        if isinstance(expr, Op):
            return self.operation(expr)
        if isinstance(expr, Call):
            transform = find_transform(expr.func)
            if transform is None:
                raise FormulaError(f"unknown function '{expr.func}'")
            if transform.where == "argument":
                raise FormulaError(f"{expr.func}() makes a list of numbers for another function's argument, "
                                   "e.g. bs(x, knots = c(2, 5)); it is not a variable")
            if transform.where == "term" and not top:
                raise FormulaError(f"{expr.func}() makes a model variable of its own; use {expr.text()} as a term, "
                                   "not inside another expression")
            return transform.evaluate(self, expr, transform.bind(expr))
        raise FormulaError(f"cannot evaluate {expr.text()}")

    def column(self, name: str) -> object:
        if name not in self.data.columns:
            if name in CONSTANTS:
                c = CONSTANTS[name]
                return Logical(np.float64(c)) if name in ("TRUE", "FALSE") else np.float64(c)
            raise DataError(f"column '{name}' not in data")
        s = self.data[name]
        if isinstance(s, pd.DataFrame):
            raise DataError(f"the data has more than one column named '{name}'; rename them apart")
        if pd.api.types.is_complex_dtype(s):
            raise DataError(f"column '{name}' holds complex numbers; model its real part or its modulus "
                            f"(np.real or np.abs) as a column of its own")
        if pd.api.types.is_datetime64_any_dtype(s) or pd.api.types.is_timedelta64_dtype(s):
            raise DataError(f"column '{name}' holds dates or times; make them numbers first, e.g. days since "
                            f"the start: (data['{name}'] - data['{name}'].min()).dt.days")
        if pd.api.types.is_bool_dtype(s):
            return Logical(s.to_numpy(dtype=float, na_value=np.nan))
        if is_categorical(s):
            return column_factor(s)
        return s.to_numpy(dtype=float, na_value=np.nan)

    def number(self, expr: Expr) -> np.ndarray | np.floating:
        value = self.value(expr)
        if isinstance(value, Logical):
            return value.values
        if isinstance(value, Factor):
            raise DataError(f"'{expr.text()}' is not numeric (it holds categories); arithmetic needs numbers")
        if isinstance(value, Columns):
            raise DataError(f"'{expr.text()}' makes several columns; it cannot be used in arithmetic")
        return value

    def constant(self, expr: Expr, what: str) -> float:
        """A number written in the formula (e.g. poly's degree), not a column."""
        try:
            value = Evaluator(pd.DataFrame(index=range(1))).number(expr)
        except (DataError, FormulaError):
            raise FormulaError(f"{what} must be a number, not {expr.text()}") from None
        if np.ndim(value) != 0 or not np.isfinite(value):
            raise FormulaError(f"{what} must be a number, not {expr.text()}")
        return float(value)

    def constants(self, expr: Expr, what: str) -> np.ndarray:
        """Numbers written in the formula: one, or several in ``c(...)`` (e.g. knots = c(2, 5))."""
        transform = find_transform(expr.func) if isinstance(expr, Call) else None
        if transform is not None and transform.name == "c":
            return np.array([self.constant(a, what) for a in expr.args], dtype=float)
        return np.array([self.constant(expr, what)])

    def operation(self, expr: Op) -> object:
        ops, operands = expr.ops, expr.operands
        with np.errstate(all="ignore"):
            if ops[0] == "^":  # right-associative: a^b^c == a^(b^c)
                result = self.number(operands[-1])
                for operand in reversed(operands[:-1]):
                    result = np.power(np.float64(1.0) * self.number(operand), result)
                return result
            result = self.operand(operands[0])
            for op, operand in zip(ops, operands[1:]):
                right = self.operand(operand)
                if isinstance(result, str) or isinstance(right, str):
                    result = _compare_text(op, result, right, expr)
                else:
                    result = _binary(op, result, right, expr)
            return result

    def operand(self, expr: Expr) -> object:
        """An operand's value; text in quotes as a str (compared with a factor: ``Variety == "Victory"``)."""
        return expr.value if isinstance(expr, Str) else self.value(expr)


def _labels(value: object, n: int) -> np.ndarray:
    """Values as R's text: a factor's labels, numbers as R prints them (None where missing)."""
    if isinstance(value, Factor):
        return value.labels
    if isinstance(value, (Columns, Logical)):
        values = value.values if isinstance(value, Columns) else np.broadcast_to(value.values, (n,))
        if isinstance(value, Columns):
            raise DataError("text can be compared with one column, not several")
        return np.array([None if np.isnan(v) else ("TRUE" if v else "FALSE") for v in values], dtype=object)
    values = np.broadcast_to(np.asarray(value, dtype=float), (n,))
    return np.array([None if np.isnan(v) else level_text(v) for v in values], dtype=object)


def _compare_text(op: str, a: object, b: object, expr: Op) -> Logical:
    """``x == "a"`` and ``x != "a"``: R compares the values as text."""
    if op not in ("==", "!="):
        raise DataError(f"'{expr.text()}': text in quotes can only be compared with == or !=")
    if isinstance(a, str) and isinstance(b, str):
        return Logical(np.float64((a == b) == (op == "==")))
    text, other = (a, b) if isinstance(a, str) else (b, a)
    n = len(other.labels) if isinstance(other, Factor) else np.size(getattr(other, "values", other))
    labels = _labels(other, n)
    equal = np.array([np.nan if v is None else float(v == text) for v in labels])
    return Logical(equal if op == "==" else np.where(np.isnan(equal), np.nan, 1.0 - equal))


def _as_number(value: object, expr: Op) -> np.ndarray | np.floating:
    if isinstance(value, Logical):
        return value.values
    if isinstance(value, (Factor, Columns)):
        raise DataError(f"'{expr.text()}' does arithmetic on a categorical or multi-column value; use numbers")
    return np.float64(1.0) * value


def _binary(op: str, a: object, b: object, expr: Op) -> object:
    x, y = _as_number(a, expr), _as_number(b, expr)
    if op == "+":
        return x + y
    if op == "-":
        return x - y
    if op == "*":
        return x * y
    if op == "/":
        return x / y
    if op == "%%":
        return np.mod(x, y)
    missing = np.isnan(x) | np.isnan(y)
    if op in ("&", "&&"):
        out = (x != 0) & (y != 0)
    elif op in ("|", "||"):
        out = (x != 0) | (y != 0)
    else:
        out = {"==": np.equal, "!=": np.not_equal, "<": np.less, ">": np.greater,
               "<=": np.less_equal, ">=": np.greater_equal}[op](x, y)
    if op in ("%in%", ":", "~"):
        raise FormulaError(f"'{op}' has no meaning inside {expr.text()}")
    return Logical(np.where(missing, np.nan, np.asarray(out, dtype=float)))


def is_categorical(s: pd.Series) -> bool:
    return not pd.api.types.is_numeric_dtype(s) or isinstance(s.dtype, pd.CategoricalDtype)


def level_text(value: object) -> str:
    """A value as R prints it as a factor level (``1`` not ``1.0``, ``TRUE``)."""
    if isinstance(value, (bool, np.bool_)):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)


def column_factor(s: pd.Series) -> Factor:
    """A column as a factor: pandas categoricals keep their categories and ordering."""
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    texts = np.array([level_text(v) for v in uniques] + [None], dtype=object)
    labels = texts[codes]  # code -1 (missing) picks the trailing None
    if isinstance(s.dtype, pd.CategoricalDtype):
        return Factor(labels, [level_text(c) for c in s.cat.categories], bool(s.cat.ordered))
    if pd.api.types.is_bool_dtype(s):
        return Factor(labels, sort="logical")
    numbers = all(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))
                  for v in uniques)
    return Factor(labels, sort="number" if numbers else "text")


# -- the functions ------------------------------------------------------------------------------

def _unary(fn: Callable[[np.ndarray], np.ndarray]) -> Callable[[Evaluator, Call, dict[str, Expr]], object]:
    def evaluate(ev: Evaluator, call: Call, args: dict[str, Expr]) -> object:
        with np.errstate(all="ignore"):
            return fn(np.float64(1.0) * ev.number(args["x"]))

    return evaluate


def _log(ev: Evaluator, call: Call, args: dict[str, Expr]) -> object:
    with np.errstate(all="ignore"):
        x = np.log(np.float64(1.0) * ev.number(args["x"]))
        if "base" in args:
            x = x / np.log(ev.constant(args["base"], "log()'s base"))
    return x


def _identity(ev: Evaluator, call: Call, args: dict[str, Expr]) -> object:
    return ev.value(args["x"])


def _flag(ev: Evaluator, args: dict[str, Expr], key: str, default: bool) -> bool:
    if key not in args:
        return default
    return bool(ev.constant(args[key], f"'{key}'"))


def _mean(ev: Evaluator, call: Call, args: dict[str, Expr]) -> object:
    x = ev.number(args["x"])
    return np.float64(ev.remember(call, "mean", lambda: float(np.nanmean(x)) if np.ndim(x) else float(x)))


def _sd(ev: Evaluator, call: Call, args: dict[str, Expr]) -> object:
    x = ev.number(args["x"])
    return np.float64(ev.remember(call, "sd", lambda: float(np.nanstd(x, ddof=1)) if np.ndim(x) else np.nan))


def _scale(ev: Evaluator, call: Call, args: dict[str, Expr]) -> object:
    x = np.broadcast_to(np.float64(1.0) * ev.number(args["x"]), (len(ev.data),))
    center = _flag(ev, args, "center", True)
    scale = _flag(ev, args, "scale", True)
    c = ev.remember(call, "center", lambda: float(np.nanmean(x)) if center else 0.0)
    # R's scale(): the root mean square of the centred values (the SD when centred).
    s = ev.remember(call, "scale",
                    lambda: float(np.sqrt(np.nansum((x - c) ** 2) / max(np.sum(~np.isnan(x)) - 1, 1))) if scale else 1.0)
    with np.errstate(all="ignore"):
        return (x - c) / s


def _center(ev: Evaluator, call: Call, args: dict[str, Expr]) -> object:
    x = np.float64(1.0) * ev.number(args["x"])
    return x - ev.remember(call, "center", lambda: float(np.nanmean(x)))


def _poly(ev: Evaluator, call: Call, args: dict[str, Expr]) -> Columns:
    """R's poly(): orthogonal polynomials by the three-term recurrence R uses to predict."""
    x = np.broadcast_to(np.float64(1.0) * ev.number(args["x"]), (len(ev.data),))
    degree = ev.constant(args["degree"], "poly()'s degree") if "degree" in args else 1.0
    if degree < 1 or not degree.is_integer():
        raise FormulaError(f"poly()'s degree must be a whole number of at least 1, not {args['degree'].text()}")
    d = int(degree)
    suffixes = [str(k) for k in range(1, d + 1)]
    if _flag(ev, args, "raw", False):
        return Columns(np.column_stack([x**k for k in range(1, d + 1)]), suffixes)

    def learn() -> tuple[list[float], list[float]]:
        ok = x[~np.isnan(x)]
        if d >= len(np.unique(ok)):
            raise DataError(f"{call.text()}: the degree must be less than the number of distinct values of "
                            f"{args['x'].text()} ({len(np.unique(ok))})")
        alpha, norm2 = [], [1.0, float(len(ok))]
        z_prev, z = np.zeros_like(ok), np.ones_like(ok)
        for k in range(d):
            a = float(np.sum(ok * z**2) / norm2[k + 1])
            alpha.append(a)
            z_prev, z = z, (ok - a) * z - (norm2[k + 1] / norm2[k]) * z_prev
            norm2.append(float(np.sum(z**2)))
        return alpha, norm2

    alpha, norm2 = ev.remember(call, "coefs", learn)
    cols = [np.ones_like(x), x - alpha[0]]
    for k in range(1, d):
        cols.append((x - alpha[k]) * cols[k] - (norm2[k + 1] / norm2[k]) * cols[k - 1])
    Z = np.column_stack([cols[k] / np.sqrt(norm2[k + 1]) for k in range(1, d + 1)])
    return Columns(Z, suffixes)


def _factor(ev: Evaluator, call: Call, args: dict[str, Expr]) -> Factor:
    value = ev.value(args["x"])
    if isinstance(value, Factor):
        return value
    if isinstance(value, Logical):
        v = np.broadcast_to(np.asarray(value.values, dtype=float), (len(ev.data),))
        return Factor(np.array([None if np.isnan(t) else ("TRUE" if t else "FALSE") for t in v], dtype=object),
                      sort="logical")
    if isinstance(value, Columns):
        raise DataError(f"{call.text()}: a factor needs one column")
    v = np.broadcast_to(np.asarray(value, dtype=float), (len(ev.data),))
    if isinstance(args["x"], Name) and args["x"].name in ev.data.columns:
        return column_factor(ev.data[args["x"].name].astype(object).where(~np.isnan(v), None))
    return Factor(np.array([None if np.isnan(t) else level_text(t) for t in v], dtype=object), sort="number")


def _ordered(ev: Evaluator, call: Call, args: dict[str, Expr]) -> Factor:
    f = _factor(ev, call, args)
    return replace(f, ordered=True)


def _relevel(ev: Evaluator, call: Call, args: dict[str, Expr]) -> Factor:
    """R's relevel(): the level ``ref`` first, the others in their order (treatment contrasts against it)."""
    f = _factor(ev, call, args)
    if f.ordered:
        raise DataError(f"{call.text()}: relevel() is for unordered factors (R refuses it too); "
                        f"give the levels' order instead, or use factor({args['x'].text()})")
    ref = args["ref"]
    if not isinstance(ref, Str):
        raise FormulaError(f'{call.text()}: write the reference level in quotes, e.g. relevel(x, "{ref.text()}")')
    present = {v for v in f.labels if v is not None}
    if ref.value not in present:
        shown = ", ".join(sorted(present)[:8]) + (", ..." if len(present) > 8 else "")
        raise DataError(f"{call.text()}: '{ref.value}' is not a level of {args['x'].text()} (its levels are "
                        f"{shown}); R says: 'ref' must be an existing level")
    return replace(f, first=ref.value)


CONTRASTS = {"treatment": "treatment", "sum": "sum", "helmert": "helmert", "poly": "poly", "SAS": "SAS"}
CONTRASTS.update({f"contr.{k}": v for k, v in list(CONTRASTS.items())})


def _contrasts(ev: Evaluator, call: Call, args: dict[str, Expr]) -> Factor:
    """R's C(): a factor with the contrasts given (``contr.sum``, ``sum``, ``helmert``, ``SAS``, ...)."""
    if "how.many" in args:
        raise FormulaError(f"{call.text()}: how.many is not supported; C() here takes the factor, the contrasts "
                           "and, for contr.treatment, base =")
    f = _factor(ev, call, {"x": args["object"]})
    contr = args["contr"]
    name = contr.value if isinstance(contr, Str) else contr.name if isinstance(contr, Name) else None
    if name not in CONTRASTS:
        known = ", ".join(k for k in CONTRASTS if k.startswith("contr."))
        raise FormulaError(f"{call.text()}: unknown contrasts {contr.text()}; use one of {known} "
                           "(or their short names: treatment, sum, helmert, poly, SAS)")
    base = None
    if "base" in args:
        if CONTRASTS[name] != "treatment":
            raise FormulaError(f"{call.text()}: base = is an argument of contr.treatment only")
        b = ev.constant(args["base"], "C()'s base")
        if b < 1 or not b.is_integer():
            raise FormulaError(f"{call.text()}: base must be a level's number (1, 2, ...), not {args['base'].text()}")
        base = int(b)
    return replace(f, contrasts=CONTRASTS[name], base=base)


def _spline_input(ev: Evaluator, call: Call, args: dict[str, Expr]) -> tuple[np.ndarray, tuple[float, float]]:
    x = np.broadcast_to(np.float64(1.0) * ev.number(args["x"]), (len(ev.data),)).astype(float)
    if "Boundary.knots" in args:
        given = ev.constants(args["Boundary.knots"], f"{call.func}()'s Boundary.knots")
        if len(given) != 2 or not given[0] < given[1]:
            raise FormulaError(f"{call.text()}: Boundary.knots must be two increasing numbers, e.g. c(0, 10)")
        return x, (float(given[0]), float(given[1]))
    ok = x[~np.isnan(x)]
    if len(ok) == 0 or ok.min() == ok.max():
        raise DataError(f"{call.text()}: {args['x'].text()} must take more than one value")
    return x, (float(ok.min()), float(ok.max()))


def _interior_knots(ev: Evaluator, call: Call, args: dict[str, Expr], x: np.ndarray,
                    boundary: tuple[float, float], n_from_df: int) -> np.ndarray:
    """The knots given, or ``n_from_df`` at quantiles of the data (R's choice from df)."""
    if "knots" in args:
        knots = np.sort(ev.constants(args["knots"], f"{call.func}()'s knots"))
    elif "df" in args:
        knots = spline_knots(x[~np.isnan(x)], n_from_df, boundary)
    else:
        knots = np.empty(0)
    return knots


def _bs(ev: Evaluator, call: Call, args: dict[str, Expr]) -> Columns:
    """R's splines::bs(): a B-spline basis; new data go through the fit's knots (R's makepredictcall)."""
    x, boundary = _spline_input(ev, call, args)
    degree = ev.constant(args["degree"], "bs()'s degree") if "degree" in args else 3.0
    if degree < 1 or not degree.is_integer():
        raise FormulaError(f"{call.text()}: the degree must be a whole number of at least 1")
    intercept = _flag(ev, args, "intercept", False)
    df = ev.constant(args["df"], "bs()'s df") if "df" in args else 0.0
    n_interior = int(df) - (int(degree) + 1) + (0 if intercept else 1)
    if "df" in args and "knots" not in args and n_interior < 0:
        raise FormulaError(f"{call.text()}: df must be at least the degree ({int(degree)})")
    boundary = ev.remember(call, "Boundary.knots", lambda: boundary)
    knots = ev.remember(call, "knots", lambda: _interior_knots(ev, call, args, x, boundary, n_interior))
    basis = bs_basis(x, np.asarray(knots, dtype=float), boundary, int(degree), intercept)
    return Columns(basis, [str(k) for k in range(1, basis.shape[1] + 1)])


def _ns(ev: Evaluator, call: Call, args: dict[str, Expr]) -> Columns:
    """R's splines::ns(): a natural cubic spline basis; new data go through the fit's knots."""
    x, boundary = _spline_input(ev, call, args)
    intercept = _flag(ev, args, "intercept", False)
    df = ev.constant(args["df"], "ns()'s df") if "df" in args else 0.0
    n_interior = int(df) - 1 - int(intercept)
    if "df" in args and "knots" not in args and n_interior < 0:
        raise FormulaError(f"{call.text()}: df must be at least {1 + int(intercept)}")
    boundary = ev.remember(call, "Boundary.knots", lambda: boundary)
    knots = ev.remember(call, "knots", lambda: _interior_knots(ev, call, args, x, boundary, n_interior))
    basis = ns_basis(x, np.asarray(knots, dtype=float), boundary, intercept)
    return Columns(basis, [str(k) for k in range(1, basis.shape[1] + 1)])


def _numbers(ev: Evaluator, call: Call, args: dict[str, Expr]) -> object:
    raise FormulaError(f"{call.text()} is a list of numbers for another function's argument, e.g. knots = c(2, 5)")


def _offset(ev: Evaluator, call: Call, args: dict[str, Expr]) -> object:
    return ev.number(args["x"])


def _numeric(ev: Evaluator, call: Call, args: dict[str, Expr]) -> object:
    return ev.number(args["x"])


def _cbind(ev: Evaluator, call: Call, args: dict[str, Expr]) -> Columns:
    """Two columns side by side, named by their expressions as R's ``cbind`` names them."""
    n = len(ev.data)
    columns = [np.broadcast_to(np.float64(1.0) * ev.number(args[k]), (n,)) for k in ("a", "b")]
    return Columns(np.column_stack(columns), [args["a"].text(), args["b"].text()])


_MATH = {
    "log2": (np.log2, "logarithm to base 2"), "log10": (np.log10, "logarithm to base 10"),
    "log1p": (np.log1p, "log(1 + x)"), "exp": (np.exp, "exponential"), "expm1": (np.expm1, "exp(x) - 1"),
    "sqrt": (np.sqrt, "square root"), "abs": (np.abs, "absolute value"), "sin": (np.sin, "sine"),
    "cos": (np.cos, "cosine"), "tan": (np.tan, "tangent"),
}

TRANSFORMS: dict[str, Transform] = {
    t.name: t
    for t in [
        Transform("I", ("x",), 1, "anywhere", _identity, "arithmetic as written: I(Days^2), I(x > 80)"),
        Transform("c", ("...",), 1, "argument", _numbers, "numbers for an argument: bs(x, knots = c(2, 5))"),
        Transform("log", ("x", "base"), 1, "anywhere", _log, "natural logarithm, or to a base: log(x, 2)"),
        *(Transform(name, ("x",), 1, "anywhere", _unary(fn), doc) for name, (fn, doc) in _MATH.items()),
        Transform("as.numeric", ("x",), 1, "anywhere", _numeric, "the values as numbers"),
        Transform("mean", ("x",), 1, "anywhere", _mean, "the mean: I(Time - mean(Time))", "the mean"),
        Transform("sd", ("x",), 1, "anywhere", _sd, "the standard deviation", "the standard deviation", "stats"),
        Transform("scale", ("x", "center", "scale"), 1, "anywhere", _scale,
                  "centred and divided by the standard deviation", "the centre and scale"),
        Transform("center", ("x",), 1, "anywhere", _center, "minus its mean", "the mean"),
        Transform("poly", ("x", "degree", "raw"), 1, "term", _poly,
                  "orthogonal polynomials as R's poly(x, 2); raw = TRUE for x, x^2", "the recurrence coefficients",
                  "stats"),
        Transform("ns", ("x", "df", "knots", "intercept", "Boundary.knots"), 1, "term", _ns,
                  "natural cubic splines as R's splines::ns(x, df = 3)", "the knots", "splines"),
        Transform("bs", ("x", "df", "knots", "degree", "intercept", "Boundary.knots"), 1, "term", _bs,
                  "B-splines as R's splines::bs(x, df = 4), bs(x, degree = 2, knots = c(3, 6))", "the knots",
                  "splines"),
        Transform("relevel", ("x", "ref"), 2, "term", _relevel,
                  'the factor with another first level: relevel(x, "b") (treatment contrasts against it)',
                  "the levels", "stats"),
        Transform("C", ("object", "contr", "how.many", "base"), 2, "term", _contrasts,
                  "the factor with other contrasts: C(x, contr.sum), C(x, helmert), C(x, contr.treatment, base = 2)",
                  "the levels", "stats", ("contr",)),
        Transform("factor", ("x",), 1, "term", _factor, "the values as categories", "the levels"),
        Transform("as.factor", ("x",), 1, "term", _factor, "the values as categories", "the levels"),
        Transform("ordered", ("x",), 1, "term", _ordered,
                  "the values as ordered categories (polynomial contrasts)", "the levels"),
        Transform("offset", ("x",), 1, "formula", _offset, "a term with its coefficient fixed at 1", package="stats"),
        Transform("cbind", ("a", "b"), 2, "term", _cbind,
                  "a binomial response as successes and failures: cbind(k, n - k)", package="base"),
    ]
}


def find_transform(func: str) -> Transform | None:
    """The registry's function for a call's name, also written with its R package (``splines::ns``)."""
    package, _, name = func.rpartition("::")
    transform = TRANSFORMS.get(name)
    if transform is None or not package or package == transform.package:
        return transform
    raise FormulaError(f"{func}: {name}() is in R's package {transform.package}, not {package}; "
                       f"write {transform.package}::{name} or {name}")


def _arguments(node: Call, transform: Transform | None) -> list[tuple[Expr, bool]]:
    """A call's arguments with whether each is a name that is not a column (C()'s contrasts)."""
    symbols = set(transform.symbols) if transform is not None else set()
    positional = [(a, transform is not None and k < len(transform.params) and transform.params[k] in symbols)
                  for k, a in enumerate(node.args)]
    return positional + [(v, k in symbols) for k, v in node.keywords]


def column_names(expr: Expr) -> list[str]:
    """The column names an expression reads, in order (not ``TRUE``, not C()'s ``contr.sum``)."""
    out: list[str] = []
    stack = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, Name) and not node.literal:
            out.append(node.name)
        elif isinstance(node, Call):
            try:
                transform = find_transform(node.func)
            except FormulaError:
                transform = None
            stack.extend(reversed([a for a, symbol in _arguments(node, transform) if not symbol]))
        elif isinstance(node, Op):
            stack.extend(reversed(node.operands))
        elif isinstance(node, Unary):
            stack.append(node.operand)
        elif isinstance(node, Paren):
            stack.append(node.inner)
    return out


def _check_call(node: Call, at_top: bool, is_arg: bool, text: str) -> Transform:
    where = f" at character {node.pos + 1}" if text else ""
    try:
        transform = find_transform(node.func)
    except FormulaError as exc:
        raise FormulaError(exc.short_message + where, text, node.pos) from None
    if transform is None:
        known = ", ".join(sorted(t for t in TRANSFORMS if TRANSFORMS[t].where != "argument"))
        raise FormulaError(f"unknown function '{node.func}'{where}; use one of {known}", text, node.pos)
    try:
        transform.bind(node)
    except FormulaError as exc:
        raise FormulaError(exc.short_message, text, node.pos) from None
    if transform.where == "formula":
        raise FormulaError(f"{node.func}() can only be a term of the formula itself, e.g. y ~ x + {node.text()}",
                           text, node.pos)
    if transform.where == "term" and not at_top:
        raise FormulaError(f"{node.func}() makes a model variable of its own; use {node.text()} as a term, "
                           "not inside another expression", text, node.pos)
    if transform.where == "argument" and not is_arg:
        raise FormulaError(f"{node.func}() makes a list of numbers for another function's argument, e.g. "
                           f"bs(x, knots = c(2, 5)){where}; it is not a variable", text, node.pos)
    return transform


def check_calls(expr: Expr, top: bool, text: str = "") -> None:
    """Check every call in a variable expression: known function, arguments that fit, right place.

    ``top``: whether ``expr`` is a whole model variable. ``text``: the formula, for the error's pointer.
    Text in quotes may only be a function's argument.
    """
    stack: list[tuple[Expr, bool, bool]] = [(expr, top, False)]
    compared: set[int] = set()  # text compared with == or != (Variety == "Victory") is allowed too
    while stack:
        node, at_top, is_arg = stack.pop()
        if isinstance(node, Call):
            transform = _check_call(node, at_top, is_arg, text)
            for arg, symbol in _arguments(node, transform):
                if symbol and not isinstance(arg, (Name, Str)):
                    raise FormulaError(f"{node.func}(): {arg.text()} must be a name such as contr.sum", text, arg.pos)
                if not symbol:  # text and c(...) may be arguments of the functions that make variables
                    stack.append((arg, False, transform.where == "term"))
        elif isinstance(node, Str) and not is_arg and id(node) not in compared:
            raise FormulaError(f"text in quotes ({node.text()}) can only be a function's argument, e.g. "
                               f'relevel(Variety, "Victory"), or compared in I(Variety == "Victory") '
                               f'(character {node.pos + 1})', text, node.pos)
        elif isinstance(node, Op):
            if set(node.ops) <= {"==", "!="}:
                compared.update(id(o) for o in node.operands)
            stack.extend((o, False, False) for o in node.operands)
        elif isinstance(node, Unary):
            stack.append((node.operand, False, False))
        elif isinstance(node, Paren):
            stack.append((node.inner, False, False))


def registry_json() -> dict[str, object]:
    """The formula language as plain data, for the browser's parser (``js/src/formulaRegistry.json``).

    The functions with their arguments, R's reserved words and the limits, so that the browser
    rejects exactly what :func:`mixwidget.formula.parse_formula` rejects without a second list.
    """
    return {
        "functions": [
            {"name": t.name, "params": list(t.params), "required": t.required, "where": t.where,
             "package": t.package, "symbols": list(t.symbols), "summary": t.summary}
            for t in sorted(TRANSFORMS.values(), key=lambda t: t.name)
        ],
        "reserved": sorted(RESERVED | {"TRUE", "FALSE"}),
        "limits": {"length": MAX_LENGTH, "depth": MAX_DEPTH, "terms": MAX_TERMS},
    }


def _json_text(value: object, indent: int, column: int, tail: int, width: int = 100) -> str:
    """JSON as the front end's formatter (biome) writes it: objects one key a line, lists of plain
    values on one line when the line fits in ``width`` characters, else one item a line.

    ``column``: where the value starts on its line; ``tail``: characters after it (a comma).
    """
    pad, inner = " " * indent, " " * (indent + 2)
    if isinstance(value, dict) and value:
        keys = list(value)
        items = []
        for k in keys:
            head = f"{inner}{json.dumps(k, ensure_ascii=False)}: "
            items.append(head + _json_text(value[k], indent + 2, len(head), int(k != keys[-1]), width))
        return "{\n" + ",\n".join(items) + f"\n{pad}}}"
    if isinstance(value, list) and value:
        flat = "[" + ", ".join(json.dumps(v, ensure_ascii=False) for v in value) + "]"
        if not any(isinstance(v, (dict, list)) for v in value) and column + len(flat) + tail <= width:
            return flat
        last = len(value) - 1
        items = [inner + _json_text(v, indent + 2, len(inner), int(i != last), width) for i, v in enumerate(value)]
        return "[\n" + ",\n".join(items) + f"\n{pad}]"
    return json.dumps(value, ensure_ascii=False)


def registry_text() -> str:
    """``js/src/formulaRegistry.json`` as written: :func:`registry_json`, formatted as the linter wants it."""
    return _json_text(registry_json(), 0, 0, 0) + "\n"


if __name__ == "__main__":  # python -m mixwidget.formula.transforms > js/src/formulaRegistry.json
    print(registry_text(), end="")
