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

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import DataError, FormulaError
from .expression import Call, Expr, Name, Num, Op, Paren, Unary
from .language import CONSTANTS, MAX_DEPTH, MAX_LENGTH, MAX_TERMS, RESERVED

__all__ = ["Transform", "TRANSFORMS", "Evaluator", "Factor", "Columns", "Logical", "check_calls", "registry_json"]


@dataclass
class Factor:
    """A categorical value: level text per row (None where missing) and the levels' order."""

    labels: np.ndarray
    levels: list[str] | None = None  # given order (pandas categorical); None: R's sorting
    ordered: bool = False
    sort: str = "text"  # how R sorts the levels when no order is given: "text", "number" or "logical"


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
    evaluate : callable
        ``evaluate(evaluator, call, args)`` with ``args`` the call's arguments by name.
    remembers : str
        What it keeps from the data it was fitted to, for new data ("" if nothing).
    """

    name: str
    params: tuple[str, ...]
    required: int
    where: str
    evaluate: Callable[[Evaluator, Call, dict[str, Expr]], object]
    summary: str
    remembers: str = ""

    def bind(self, call: Call) -> dict[str, Expr]:
        """The call's arguments by parameter name; FormulaError if they do not fit."""
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
        if isinstance(expr, Unary):
            if expr.op == "!":
                x = self.number(expr.operand)
                return Logical(np.where(np.isnan(x), np.nan, (x == 0).astype(float)))
            x = self.number(expr.operand)
            return -x if expr.op == "-" else x
        if isinstance(expr, Op):
            return self.operation(expr)
        if isinstance(expr, Call):
            transform = TRANSFORMS.get(expr.func)
            if transform is None:
                raise FormulaError(f"unknown function '{expr.func}'")
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
        value = Evaluator(pd.DataFrame(index=range(1))).number(expr)
        if np.ndim(value) != 0 or not np.isfinite(value):
            raise FormulaError(f"{what} must be a number, not {expr.text()}")
        return float(value)

    def operation(self, expr: Op) -> object:
        ops, operands = expr.ops, expr.operands
        with np.errstate(all="ignore"):
            if ops[0] == "^":  # right-associative: a^b^c == a^(b^c)
                result = self.number(operands[-1])
                for operand in reversed(operands[:-1]):
                    result = np.power(np.float64(1.0) * self.number(operand), result)
                return result
            result = self.value(operands[0])
            for op, operand in zip(ops, operands[1:]):
                result = _binary(op, result, self.value(operand), expr)
            return result


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
    return Factor(f.labels, f.levels, True, f.sort)


def _offset(ev: Evaluator, call: Call, args: dict[str, Expr]) -> object:
    return ev.number(args["x"])


def _numeric(ev: Evaluator, call: Call, args: dict[str, Expr]) -> object:
    return ev.number(args["x"])


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
        Transform("log", ("x", "base"), 1, "anywhere", _log, "natural logarithm, or to a base: log(x, 2)"),
        *(Transform(name, ("x",), 1, "anywhere", _unary(fn), doc) for name, (fn, doc) in _MATH.items()),
        Transform("as.numeric", ("x",), 1, "anywhere", _numeric, "the values as numbers"),
        Transform("mean", ("x",), 1, "anywhere", _mean, "the mean: I(Time - mean(Time))", "the mean"),
        Transform("sd", ("x",), 1, "anywhere", _sd, "the standard deviation", "the standard deviation"),
        Transform("scale", ("x", "center", "scale"), 1, "anywhere", _scale,
                  "centred and divided by the standard deviation", "the centre and scale"),
        Transform("center", ("x",), 1, "anywhere", _center, "minus its mean", "the mean"),
        Transform("poly", ("x", "degree", "raw"), 1, "term", _poly,
                  "orthogonal polynomials as R's poly(x, 2); raw = TRUE for x, x^2", "the recurrence coefficients"),
        Transform("factor", ("x",), 1, "term", _factor, "the values as categories", "the levels"),
        Transform("as.factor", ("x",), 1, "term", _factor, "the values as categories", "the levels"),
        Transform("ordered", ("x",), 1, "term", _ordered,
                  "the values as ordered categories (polynomial contrasts)", "the levels"),
        Transform("offset", ("x",), 1, "formula", _offset, "a term with its coefficient fixed at 1"),
    ]
}


def check_calls(expr: Expr, top: bool, text: str = "") -> None:
    """Check every call in a variable expression: known function, arguments that fit, right place.

    ``top``: whether ``expr`` is a whole model variable. ``text``: the formula, for the error's pointer.
    """
    stack: list[tuple[Expr, bool]] = [(expr, top)]
    while stack:
        node, at_top = stack.pop()
        if isinstance(node, Call):
            transform = TRANSFORMS.get(node.func)
            where = f" at character {node.pos + 1}" if text else ""
            if transform is None:
                known = ", ".join(sorted(TRANSFORMS))
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
            stack.extend((a, False) for a in node.args)
            stack.extend((v, False) for _, v in node.keywords)
        elif isinstance(node, Op):
            stack.extend((o, False) for o in node.operands)
        elif isinstance(node, Unary):
            stack.append((node.operand, False))
        elif isinstance(node, Paren):
            stack.append((node.inner, False))


def registry_json() -> dict[str, object]:
    """The formula language as plain data, for the browser's parser (``js/src/formulaRegistry.json``).

    The functions with their arguments, R's reserved words and the limits, so that the browser
    rejects exactly what :func:`mixwidget.formula.parse_formula` rejects without a second list.
    """
    return {
        "functions": [
            {"name": t.name, "params": list(t.params), "required": t.required, "where": t.where, "summary": t.summary}
            for t in sorted(TRANSFORMS.values(), key=lambda t: t.name)
        ],
        "reserved": sorted(RESERVED | {"TRUE", "FALSE"}),
        "limits": {"length": MAX_LENGTH, "depth": MAX_DEPTH, "terms": MAX_TERMS},
    }


if __name__ == "__main__":  # python -m mixwidget.transforms > js/src/formulaRegistry.json
    import json

    print(json.dumps(registry_json(), indent=1, ensure_ascii=False))
