"""Each group's own maximum-likelihood coefficients in a binomial or Poisson model (no pooling).

For one grouping factor, every group gets the coefficients of its random-effect columns ``Z``
fitted to its rows alone, with the rest of the linear predictor as an offset: what R's
``glm(y ~ 0 + Z, offset = eta, family = family, weights = weights)`` gives on the group's rows.
All groups are fitted at once (a ``q x q`` solve per group per step, batched), and a group
whose own fit does not exist gets NaN.
"""

from __future__ import annotations

import numpy as np

from ..design.build import Design
from ..design.response import inverse_link

__all__ = ["own_glm_estimates", "separated"]

_EPS = np.finfo(float).eps
_STEP_LIMIT = 5.0
"""No step moves a group's linear predictor by more than this in any of its rows (link scale)."""


def own_glm_estimates(
    design: Design, eta: np.ndarray, Z: np.ndarray, codes: np.ndarray, k: int, steps: int = 50
) -> np.ndarray:
    """Each group's maximum-likelihood coefficients of its rows of ``Z``, with ``eta`` as an offset.

    Newton steps for the logit and log links (their Fisher scoring), Fisher scoring, i.e. IRLS,
    for the others; every group is stepped together until all steps are below 1e-10 (or
    ``steps`` steps). A step moves no row's linear predictor by more than 5 (the step is scaled
    down; an intercept's is clipped to +-5); on the Poisson family's sqrt and identity links a
    step leaving the valid means is halved. With slopes, as in R's binomial links, the mean is
    kept within eps of 0 and 1 and dmu/deta at least eps.

    A group's own fit does not exist when its rows cannot identify ``q`` coefficients, or when
    its likelihood keeps rising toward infinity. For an intercept alone that is read from the
    outcomes (all 0, or binomial all 1). With slopes, a group whose coefficients still move
    while its deviance still falls (R's ``glm.fit`` test, 1e-8) has diverged; one that has
    stopped with fitted means at the edge, or whose coefficients creep on a flat deviance, is
    tested exactly for separation (:func:`separated`).

    Parameters
    ----------
    design : Design
        The model's design: response ``y`` (a proportion for binomial counts), prior ``weights``
        (trials), ``family``.
    eta : ndarray
        ``(n,)`` the linear predictor without this grouping factor's random effects (fixed part,
        other random terms' modes, offset).
    Z : ndarray
        ``(n, q)`` the grouping factor's random-effect columns.
    codes : ndarray
        ``(n,)`` each row's group, ``0 .. k - 1``.
    k : int
        Number of groups.
    steps : int
        Most steps taken.

    Returns
    -------
    ndarray
        ``(k, q)`` each group's coefficients (shifts from ``eta``). NaN for a group whose own fit
        does not exist: too few rows or collinear columns for ``q`` coefficients, outcomes that
        send a coefficient to infinity (all 0, binomial all 1, or separated by the columns), or a
        fit that does not converge.
    """
    y = np.asarray(design.y, dtype=float)
    Z = np.asarray(Z, dtype=float)
    q = Z.shape[1]
    w = design.weights if isinstance(design.weights, np.ndarray) else np.ones_like(y)
    family, link = design.family.name, design.family.link
    canonical = link == ("logit" if family == "binomial" else "log")
    intercept = q == 1 and bool(np.all(Z == 1.0))
    # R's bounds on the binomial mean and dmu/deta (an intercept alone is fitted without them, as
    # before; its groups at the edge are found from their outcomes).
    clamp = not intercept
    pairs = [(a, b) for a in range(q) for b in range(a, q)]
    observed = np.column_stack([np.bincount(codes, Z[:, a] * w * y, k) for a in range(q)])
    # Each group's largest |Z| per column: a bound of how far a step moves its rows' linear predictor.
    reach = np.zeros((k, q))
    for a in range(q):
        np.maximum.at(reach[:, a], codes, np.abs(Z[:, a]))
    delta = np.zeros((k, q))
    failed = np.zeros(k, bool)
    last = np.zeros((k, q))
    deviance = np.full(k, np.inf)
    moved = np.full(k, np.inf)  # each group's last change of deviance, relative (R's glm.fit test)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        for _ in range(steps):
            lin = eta + _rowwise(Z, delta[codes])
            mu = inverse_link(link, lin)
            if clamp and family == "binomial":  # R's binomial links keep the mean within eps of 0 and 1
                mu = np.clip(mu, _EPS, 1 - _EPS)
            variance = mu * (1 - mu) if family == "binomial" else mu
            if not intercept:
                now = np.bincount(codes, _unit_deviance(family, y, mu) * w, k)
                moved = np.abs(now - deviance) / (np.abs(now) + 0.1)
                deviance = now
            if canonical:  # dmu/deta is the variance: score and information in their simplest form
                score = observed - np.column_stack([np.bincount(codes, Z[:, a] * w * mu, k) for a in range(q)])
                weight = w * variance
            else:
                dmu = _mean_derivative(link, lin, mu)
                if clamp and link in ("probit", "cloglog", "cauchit"):  # and dmu/deta at least eps
                    dmu = np.maximum(dmu, _EPS)
                ratio = w * dmu / np.maximum(variance, np.finfo(float).tiny)
                score = np.column_stack([np.bincount(codes, Z[:, a] * ratio * (y - mu), k) for a in range(q)])
                weight = ratio * dmu
            info = np.zeros((k, q, q))
            for a, b in pairs:
                info[:, a, b] = info[:, b, a] = np.bincount(codes, Z[:, a] * Z[:, b] * weight, k)
            step = _newton_step(score, info, failed, None if intercept else reach)
            if not canonical and family == "poisson" and link != "log":
                step = _halve_to_valid(link, eta, Z, codes, delta, step)
            failed |= ~np.isfinite(step).all(axis=1)
            step[failed] = 0.0
            delta = delta + step
            last = step
            if np.all(np.abs(step) < 1e-10):
                break
    bad = failed | ~np.isfinite(delta).all(axis=1)
    if intercept:  # at the edge (all 0, or binomial all 1) the intercept is infinite on any link
        total = np.bincount(codes, w, k)
        seen = observed[:, 0]
        bad |= seen <= 0 if family == "poisson" else (seen <= 0) | (seen >= total)
    else:
        bad |= ~_identified(Z, codes, k, w > 0)
        unsettled = ~(np.abs(last).max(axis=1) <= 1e-8 * (1 + np.abs(delta).max(axis=1)))
        # Still moving with the deviance still falling (R's glm.fit would not have converged either).
        bad |= unsettled & ~(moved < 1e-8)
        # A fit that has stopped with its means at the edge, or whose coefficients still creep while its
        # deviance has stopped, may be drifting to infinity slowly: ask exactly.
        for g in np.flatnonzero(~bad & (unsettled | _at_edge(family, mu, codes, k, w))):
            rows = (codes == g) & (w > 0)
            bad[g] = separated(Z[rows], y[rows], family)
    delta[bad] = np.nan
    return delta


def _unit_deviance(family: str, y: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """Each row's deviance at mean ``mu`` (per unit of prior weight), as R's ``family$dev.resids``."""
    from scipy.special import xlogy

    if family == "binomial":
        return 2 * (xlogy(y, y) - xlogy(y, mu) + xlogy(1 - y, 1 - y) - xlogy(1 - y, 1 - mu))
    return 2 * (xlogy(y, y) - xlogy(y, mu) - (y - mu))


def _rowwise(Z: np.ndarray, coef: np.ndarray) -> np.ndarray:
    """Each row's ``Z[i] @ coef[i]``."""
    if Z.shape[1] == 1:
        return Z[:, 0] * coef[:, 0]
    return np.einsum("ij,ij->i", Z, coef)


def _newton_step(score: np.ndarray, info: np.ndarray, failed: np.ndarray, reach: np.ndarray | None) -> np.ndarray:
    """``info^-1 score`` per group, scaled down so that it moves no row's linear predictor by more
    than 5 (``reach``: each group's largest ``|Z|`` per column; None for an intercept, whose step
    is clipped); NaN for a group whose information is not positive definite (a flat or collinear
    likelihood)."""
    k, q = score.shape
    if reach is None:
        return np.clip(score / np.maximum(info[:, :, 0], 1e-12), -_STEP_LIMIT, _STEP_LIMIT)
    if q == 1:
        step = score / np.maximum(info[:, :, 0], 1e-12)
        return step * _shrink(step, reach)
    step = np.full((k, q), np.nan)
    finite = np.isfinite(info).all(axis=(1, 2)) & np.isfinite(score).all(axis=1) & ~failed
    ok = np.zeros(k, bool)
    if finite.any():
        eig = np.linalg.eigvalsh(info[finite])
        ok[finite] = (eig[:, 0] > 1e-12 * eig[:, -1]) & (eig[:, -1] > 0)
    if ok.any():
        step[ok] = np.linalg.solve(info[ok], score[ok][..., None])[..., 0]
    return step * _shrink(step, reach)


def _shrink(step: np.ndarray, reach: np.ndarray) -> np.ndarray:
    """``(k, 1)`` factors at most 1 that keep each group's step within 5 of its rows' linear predictor."""
    largest = (np.abs(step) * reach).sum(axis=1, keepdims=True)
    return np.minimum(1.0, _STEP_LIMIT / np.where(largest > 0, largest, 1.0))


def _halve_to_valid(
    link: str, eta: np.ndarray, Z: np.ndarray, codes: np.ndarray, delta: np.ndarray, step: np.ndarray
) -> np.ndarray:
    """The steps halved (up to 30 times) until every row of their group has a positive mean, as R's
    ``glm.fit`` halves a step out of the family's valid means (Poisson's sqrt and identity links)."""
    k = len(delta)
    for _ in range(30):
        lin = eta + _rowwise(Z, (delta + np.nan_to_num(step))[codes])
        valid = np.isfinite(lin) & (lin > 0)
        invalid = np.bincount(codes, ~valid, k) > 0
        if not invalid.any():
            break
        step[invalid] /= 2
    else:
        step[invalid] = np.nan
    return step


def _identified(Z: np.ndarray, codes: np.ndarray, k: int, rows: np.ndarray) -> np.ndarray:
    """Whether each group's rows (of those in ``rows``) give ``Z`` full column rank (``np.linalg.matrix_rank``
    decides the borderline cases)."""
    q = Z.shape[1]
    ztz = np.zeros((k, q, q))
    for a in range(q):
        for b in range(a, q):
            ztz[:, a, b] = ztz[:, b, a] = np.bincount(codes, Z[:, a] * Z[:, b] * rows, k)
    eig = np.linalg.eigvalsh(ztz)
    clear = eig[:, 0] > 1e-8 * np.maximum(eig[:, -1], np.finfo(float).tiny)
    for g in np.flatnonzero(~clear):
        zg = Z[(codes == g) & rows]
        clear[g] = len(zg) >= q and np.linalg.matrix_rank(zg) == q
    return clear


def _at_edge(family: str, mu: np.ndarray, codes: np.ndarray, k: int, w: np.ndarray) -> np.ndarray:
    """Groups with a fitted mean within 1e-8 of the family's edge (0, or binomial 1) in some row."""
    edge = (mu < 1e-8) | (mu > 1 - 1e-8) if family == "binomial" else mu < 1e-8
    return np.bincount(codes, (edge | ~np.isfinite(mu)) & (w > 0), k) > 0


def separated(Z: np.ndarray, y: np.ndarray, family: str) -> bool:
    """Whether the likelihood of ``y`` on the columns ``Z`` keeps rising to infinity along some direction
    (its maximum does not exist), decided by a linear programme.

    Binomial (``y`` proportions): a direction ``b`` with ``Z b >= 0`` on rows of all successes,
    ``<= 0`` on rows of none and ``= 0`` on the others, strict somewhere (complete or quasi-complete
    separation). Poisson: ``Z b <= 0`` on rows of 0, ``= 0`` on the others, strict somewhere.

    Parameters
    ----------
    Z : ndarray
        ``(m, q)`` the group's columns, of full column rank.
    y : ndarray
        ``(m,)`` its outcomes.
    family : str
        ``"binomial"`` or ``"poisson"``.
    """
    from scipy.optimize import linprog

    scale = np.abs(Z).max(axis=0)
    Z = Z / np.where(scale > 0, scale, 1.0)
    if family == "binomial":
        sign = np.where(y >= 1, 1.0, np.where(y <= 0, -1.0, 0.0))
    else:
        sign = np.where(y <= 0, -1.0, 0.0)
    free = sign != 0
    if not free.any():
        return False
    signed = sign[free, None] * Z[free]
    fixed = Z[~free]
    res = linprog(
        -signed.sum(axis=0), A_ub=-signed, b_ub=np.zeros(len(signed)),
        A_eq=fixed if len(fixed) else None, b_eq=np.zeros(len(fixed)) if len(fixed) else None,
        bounds=[(-1, 1)] * Z.shape[1], method="highs",
    )
    return bool(res.status == 0 and -res.fun > 1e-7 * max(1, len(signed)) ** 0.5)


def _mean_derivative(link: str, eta: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """dmu/deta of R's ``link`` at ``eta`` (``mu`` its mean), as ``family$mu.eta``."""
    if link == "probit":
        return np.exp(-eta**2 / 2) / np.sqrt(2 * np.pi)
    if link == "cloglog":
        return np.exp(eta - np.exp(eta))
    if link == "cauchit":
        return 1 / (np.pi * (1 + eta**2))
    if link == "sqrt":
        return 2 * eta
    if link == "identity":
        return np.ones_like(eta)
    return mu * (1 - mu) if link == "logit" else mu  # logit, log
