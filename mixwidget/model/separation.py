"""Separation in binomial models: predictors that tell the outcome exactly.

A binomial model's data are *separated* when some direction ``b != 0`` of the fixed-effect design
``X`` has ``x_i'b >= 0`` on every row whose outcomes are all successes, ``x_i'b <= 0`` on every row
whose outcomes are all failures, and ``x_i'b = 0`` on every row with both (``0 < k < n``), with at
least one inequality strict. Moving the coefficients along ``b`` then raises the likelihood
without end: their estimates run off to infinity and their standard errors and z tests mean
nothing. R's ``glm`` stops with large numbers and a warning ("fitted probabilities numerically 0
or 1 occurred"); R's ``glmer`` fails ("pwrssUpdate did not converge") or reports standard errors in
the millions (tests/reference/glmm/api_checks.json). mixwidget raises a DataError for complete
separation, where no number of the model means anything, and notes quasi-complete separation,
where the coefficients that do not separate keep their meaning.

The check is exact, as Konis's linear program (the "primal" program of R's ``detectseparation``
package, Kosmidis and Schumacher): with ``s_i = +1`` for all-success rows and ``-1`` for
all-failure rows,

    maximize  sum_i s_i x_i'b   subject to  s_i x_i'b >= 0,  x_j'b = 0 (mixed rows),  -1 <= b <= 1,

whose optimum is positive exactly when the data are separated. The rows with ``s_i x_i'b > 0``
are the rows whose outcomes are predicted exactly (the program is repeated on the rows left until
it finds none, so that the set is the largest), and the coefficients with ``b_k != 0`` are those
that run off to infinity. *Complete* separation is every row separated:
then every outcome is predicted exactly, the likelihood has no maximum at all and no estimate of
the model means anything.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..design.build import Design
from ..errors import DataError

__all__ = ["Separation", "design_separation", "separation_error", "separation_note"]

_TOL = 1e-7  # on the LP's scale (columns scaled to largest absolute value 1, b in [-1, 1])


@dataclass(frozen=True)
class Separation:
    """The outcome of the separation check.

    Attributes
    ----------
    rows : ndarray of bool
        Rows (of the design) whose outcome the separating direction predicts exactly.
    complete : bool
        True when every row is separated (no row has both outcomes, and all are predicted).
    direction : ndarray
        The separating direction ``b`` on the model's own columns (largest absolute value 1).
    infinite : list of str
        Names of the coefficients that run off to infinity (``b_k != 0``), largest first.
    """

    rows: np.ndarray
    complete: bool
    direction: np.ndarray
    infinite: list[str]


def find_separation(X: np.ndarray, y: np.ndarray, weights: np.ndarray | None, names: list[str]) -> Separation | None:
    """The separation of a binomial design, or None when its estimates are all finite.

    Parameters
    ----------
    X : ndarray (n, p)
        The fixed-effect model matrix.
    y : ndarray (n,)
        Proportions of successes (0/1 for binary rows), as the design holds them.
    weights : ndarray (n,) or None
        Numbers of trials (None: one per row). Rows of weight 0 take no part.
    names : list of str
        The columns' names.
    """
    X = np.asarray(X, dtype=float)
    n, p = X.shape
    if p == 0 or n == 0:
        return None
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    used = w > 0
    all_success = used & (y >= 1)
    all_failure = used & (y <= 0)
    mixed = used & ~all_success & ~all_failure
    scale = np.abs(X[used]).max(axis=0) if used.any() else np.ones(p)
    scale[scale == 0] = 1.0
    Xs = X / scale
    sign = np.where(all_success, 1.0, -1.0)
    strict = all_success | all_failure
    # One constraint per distinct (sign, row): factor designs have few.
    signed, inverse = np.unique(sign[strict, None] * Xs[strict], axis=0, return_inverse=True)
    m = len(signed)
    if m == 0:
        return None
    # Konis's primal program: maximize the sum of s_i x_i'b over rows not yet found separated, subject
    # to s_i x_i'b >= 0 (every row) and x_j'b = 0 (mixed rows), -1 <= b <= 1: p variables only. Its
    # optimum is positive exactly when some further row can be separated. A vertex of the program
    # can leave rows that another direction separates (by a hair): they are sought again, alone in
    # the objective, until none is found. Directions add (the cone is convex), so their sum
    # separates every row found.
    a_eq = np.unique(Xs[mixed], axis=0) if mixed.any() else None
    b, separated_signed = _separate(signed, a_eq, [(-1.0, 1.0)] * p)
    if not separated_signed.any():
        return None
    rows = np.zeros(n, dtype=bool)
    rows[np.flatnonzero(strict)] = separated_signed[inverse.ravel()]
    size = np.abs(b)
    order = np.argsort(-size, kind="stable")
    single = _single_column(signed, a_eq, separated_signed, names, order)
    if single is not None:  # one predictor (with the intercept) separates what the direction does
        b = single
        size = np.abs(b)
        order = np.argsort(-size, kind="stable")
    infinite = [names[k] for k in order if size[k] > _TOL]
    direction = b / scale
    direction = direction / np.abs(direction).max()
    complete = bool(rows[used].all())
    return Separation(rows=rows, complete=complete, direction=direction, infinite=infinite)


def _separate(signed: np.ndarray, a_eq: np.ndarray | None, bounds: list[tuple[float, float]]
              ) -> tuple[np.ndarray, np.ndarray]:
    """A direction ``b`` (within ``bounds``) with ``signed @ b >= 0`` and ``a_eq @ b = 0`` that is
    positive on as many rows as any, and those rows (see the module's notes on the program)."""
    from scipy.optimize import linprog

    m, p = signed.shape
    b = np.zeros(p)
    separated = np.zeros(m, dtype=bool)
    b_eq = None if a_eq is None else np.zeros(len(a_eq))
    while not separated.all():
        res = linprog(-signed[~separated].sum(axis=0), A_ub=-signed, b_ub=np.zeros(m), A_eq=a_eq, b_eq=b_eq,
                      bounds=bounds, method="highs")
        if res.status != 0 or -res.fun <= _TOL:
            break
        found = signed @ res.x > _TOL
        if not (found & ~separated).any():
            break
        separated |= found
        b = b + res.x / np.abs(res.x).max()
    return b, separated


def _single_column(signed: np.ndarray, a_eq: np.ndarray | None, separated: np.ndarray, names: list[str],
                   order: np.ndarray) -> np.ndarray | None:
    """A direction using one column besides the intercept that separates every row in ``separated``
    (columns tried largest first), or None. The program's vertex can lean a little on other
    columns where the data leave a gap; naming them would mislead."""
    p = signed.shape[1]
    intercept = [k for k, name in enumerate(names) if name == "(Intercept)"]
    for j in order:
        if j in intercept:
            continue
        free = {int(j), *intercept}
        b, found = _separate(signed, a_eq, [(-1.0, 1.0) if k in free else (0.0, 0.0) for k in range(p)])
        if found[separated].all():
            return b
    return None


def design_separation(design: Design) -> Separation | None:
    """The separation of a binomial design's fixed part (None for other families, or none found)."""
    if design.family.name != "binomial":
        return None
    return find_separation(design.X, design.y, design.weights, design.fixed_names)


def _predictors(sep: Separation) -> list[str]:
    return [name for name in sep.infinite if name != "(Intercept)"] or sep.infinite


def _threshold(design: Design, sep: Separation, name: str) -> str:
    """How a single numeric column separates the outcome, e.g. "every row with ses above 0 is 1 and
    every row at 0 or below is 0" ("" when the column is not a plain numeric variable, or some
    rows are not separated)."""
    if name not in design.frame.columns or name not in design.fixed_names or not sep.rows.all():
        return ""
    x = design.X[:, design.fixed_names.index(name)]
    one, zero = x[design.y >= 1], x[design.y <= 0]
    if not len(one) or not len(zero):
        return ""
    if zero.max() <= one.min():
        return (f"every row with {name} above {zero.max():g} is 1 and every row with {name} at "
                f"{zero.max():g} or below is 0")
    if one.max() <= zero.min():
        return (f"every row with {name} above {one.max():g} is 0 and every row with {name} at "
                f"{one.max():g} or below is 1")
    return ""


def _variables(design: Design, columns: list[str]) -> list[str]:
    """The formula's variables behind fixed columns (``sectorpublic`` -> ``sector``), in order, once each."""
    known = sorted({var for term in design.formula.fixed for var in term}, key=len, reverse=True)
    out = []
    for column in columns:
        var = column if column in design.frame.columns or ":" in column else next(
            (v for v in known if column.startswith(v)), column)
        if var not in out:
            out.append(var)
    return out


def _names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def separation_error(design: Design, sep: Separation) -> DataError:
    """The error for complete separation: every outcome is told exactly by the fixed effects."""
    names = _names(_predictors(sep))
    how = _threshold(design, sep, _predictors(sep)[0]) if len(_predictors(sep)) == 1 else ""
    if how:
        detail = f": {how}"
    elif len(_predictors(sep)) == 1:
        detail = " (each of its values goes with one outcome only)"
    else:
        detail = " (a combination of them is higher on every 1 than on every 0)"
    return DataError(
        f"The outcome {design.formula.response} is completely separated by {names}{detail}. The likelihood "
        "then has no maximum: the estimates run off to infinity and no number of the model, nor its z tests, "
        "would mean anything (R's glmer stops with 'pwrssUpdate did not converge' or reports standard errors "
        "in the millions; glm warns 'fitted probabilities numerically 0 or 1 occurred'). "
        f"Drop {_names(_variables(design, _predictors(sep)))} from the formula, or check how the outcome was "
        "made: an outcome defined from a predictor (such as y = x > 0) is told by it exactly."
    )


def separation_note(design: Design, sep: Separation) -> str:
    """The note for quasi-complete separation: some rows' outcomes are told exactly."""
    predictors = _predictors(sep)
    names, several = _names(predictors), len(predictors) > 1
    k, n = int(sep.rows.sum()), len(sep.rows)
    estimates = f"the estimates of {names} run" if several else f"the estimate of {names} runs"
    values = "values are" if several else "value is"
    return (
        f"Separation: {names} predict{'' if several else 's'} the outcome of {k} of {n} rows exactly (in those "
        f"rows every outcome is the one their values point to), so {estimates} off to infinity: the reported "
        f"{values} only where the optimizer stopped (the fit cannot converge), with a huge standard error, and "
        "the z test means nothing (R's glm warns 'fitted probabilities numerically 0 or 1 occurred'; glmer may "
        "stop with 'pwrssUpdate did not converge'). Drop or merge what separates, or collect data where both "
        "outcomes occur on both sides."
    )
