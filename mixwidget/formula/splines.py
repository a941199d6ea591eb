"""R's regression splines: ``splines::bs`` (B-splines) and ``splines::ns`` (natural cubic splines).

The same bases as R's: interior knots at quantiles of the data (R's ``quantile`` type 7) when only
``df`` is given, boundary knots at the data's range, the first basis column left out unless
``intercept = TRUE``; ``ns`` constrains the second derivative to zero at the boundary knots by
the same Householder QR R uses. Outside the boundary knots, ``bs`` extends by a Taylor expansion
about a point just inside, and ``ns`` linearly, as R does for prediction on new data.
"""

from __future__ import annotations

from math import factorial

import numpy as np
from scipy.interpolate import BSpline

__all__ = ["spline_knots", "bs_basis", "ns_basis"]


def spline_knots(x: np.ndarray, n_interior: int, boundary: tuple[float, float]) -> np.ndarray:
    """Interior knots at equally spaced quantiles of the values inside the boundary (R's choice)."""
    if n_interior <= 0:
        return np.empty(0)
    inside = x[(x >= boundary[0]) & (x <= boundary[1])]
    probs = np.linspace(0.0, 1.0, n_interior + 2)[1:-1]
    return np.quantile(inside, probs)


def _design(all_knots: np.ndarray, x: np.ndarray, order: int, deriv: int = 0) -> np.ndarray:
    """R's ``splineDesign(all_knots, x, order, deriv)`` for ``x`` within the boundary knots."""
    n_basis = len(all_knots) - order
    spline = BSpline(all_knots, np.eye(n_basis), order - 1, extrapolate=False)
    if deriv:
        spline = spline.derivative(deriv)
    out = spline(np.asarray(x, dtype=float))
    # At the right boundary knot R takes the limit from the left (the last basis is 1 there).
    right = np.asarray(x) == all_knots[-1]
    if right.any():
        left = BSpline(all_knots, np.eye(n_basis), order - 1, extrapolate=True)
        if deriv:
            left = left.derivative(deriv)
        out[right] = left(np.asarray(x, dtype=float)[right])
    return np.nan_to_num(out, nan=0.0)


def bs_basis(x: np.ndarray, knots: np.ndarray, boundary: tuple[float, float], degree: int,
             intercept: bool) -> np.ndarray:
    """R's ``bs(x, knots = knots, Boundary.knots = boundary, degree, intercept)``; NaN rows stay NaN."""
    order = degree + 1
    all_knots = np.sort(np.concatenate([np.repeat(boundary, order), knots]))
    n_basis = len(all_knots) - order
    basis = np.full((len(x), n_basis), np.nan)
    ok = ~np.isnan(x)
    below, above = ok & (x < boundary[0]), ok & (x > boundary[1])
    inside = ok & ~below & ~above
    basis[inside] = _design(all_knots, x[inside], order)
    scale = np.array([factorial(k) for k in range(order)], dtype=float)
    e = 0.25  # R >= 3.2.3 expands about a point a quarter of the way to the next knot
    for rows, pivot in ((below, (1 - e) * boundary[0] + e * all_knots[order]),
                        (above, (1 - e) * boundary[1] + e * all_knots[-order - 1])):
        if rows.any():
            powers = np.column_stack([(x[rows] - pivot) ** k for k in range(order)])
            derivs = np.vstack([_design(all_knots, np.array([pivot]), order, k) for k in range(order)])
            basis[rows] = powers @ (derivs / scale[:, None])
    return basis if intercept else basis[:, 1:]


def ns_basis(x: np.ndarray, knots: np.ndarray, boundary: tuple[float, float], intercept: bool) -> np.ndarray:
    """R's ``ns(x, knots = knots, Boundary.knots = boundary, intercept)``; NaN rows stay NaN."""
    all_knots = np.sort(np.concatenate([np.repeat(boundary, 4), knots]))
    n_basis = len(all_knots) - 4
    basis = np.full((len(x), n_basis), np.nan)
    ok = ~np.isnan(x)
    below, above = ok & (x < boundary[0]), ok & (x > boundary[1])
    inside = ok & ~below & ~above
    basis[inside] = _design(all_knots, x[inside], 4)
    for rows, pivot in ((below, boundary[0]), (above, boundary[1])):
        if rows.any():
            tt = np.vstack([_design(all_knots, np.array([pivot]), 4, k) for k in (0, 1)])
            basis[rows] = np.column_stack([np.ones(rows.sum()), x[rows] - pivot]) @ tt
    const = np.vstack([_design(all_knots, np.array([b]), 4, 2) for b in boundary])
    if not intercept:
        const, basis = const[:, 1:], basis[:, 1:]
    # R: t(qr.qty(qr(t(const)), t(basis)))[, -(1:2)]; LAPACK's Householder reflectors are LINPACK's.
    q, _ = np.linalg.qr(const.T, mode="complete")
    return (basis @ q)[:, 2:]
