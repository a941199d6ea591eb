"""Likelihood-profile intervals for the parameters of a binomial or Poisson mixed model.

As lme4's ``profile()`` of a ``glmerMod`` (its ``devfun2``): the parameters are each random term's
standard deviations and correlations (no residual scale) and the fixed effects; the deviance is the
Laplace (or adaptive-quadrature) deviance at those values, the random effects at their conditional
modes. For each parameter the deviance is minimized over all the others (the variance parameters and
every fixed effect) at a sequence of fixed values; an interval end is where the signed root of the
deviance's rise, ``zeta``, crosses the normal quantile of ``level``. An end that the profile never
reaches before a bound (an SD of 0, a correlation of +-1) is that bound, as lme4 reports it. lme4
interpolates a spline through its profile points; here each end is found by root finding on ``zeta``
itself (nearly linear in the parameter, so a few secant steps and Brent's method).

The deviance is the engine's (``JointGLMMObjective``, the deviance of ``(theta, beta)`` with the
random effects' modes solved for); where its inner solver fails on a model with one scalar random
term, the per-group evaluation of :mod:`.scalar_laplace` stands in.

As the linear model's profile (:mod:`.profile`), the work reports ``progress(done, total)`` as each
interval end is found and stops at the next deviance evaluation when ``cancel`` is set, raising
:class:`~mixwidget.jobs.control.Cancelled`.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
import scipy.optimize
from scipy import stats

from ..design.build import Design
from ..jobs.control import Cancel, Progress, check_cancel
from .adapter import engine_model, limit_blas
from .glmm import engine_family
from .profile import _block_order, _counter

__all__ = ["glmm_profile_ends"]


class _GlmmDeviance:
    """The deviance as a function of (SDs and correlations block by block, then the engine's fixed
    effects): lme4's ``devfun2`` for a generalized model. Each evaluation first checks ``cancel``."""

    def __init__(self, design: Design, nagq: int, cancel: Cancel | None = None) -> None:
        from mixedlm.estimation.joint_glmm import JointGLMMObjective
        from mixedlm.models.control import GlmerControl

        model = engine_model(design, centre=False)  # each engine coefficient a multiple of the model's
        self.transform = model.transform
        family = engine_family(design.family)
        ctrl = GlmerControl()
        self.objective = JointGLMMObjective(model.matrices, family, nagq, pirls_maxiter=ctrl.pirls_maxiter,
                                            pirls_tol=ctrl.tolPwrss)
        self.sizes = [b.Z.shape[1] for b in design.random]
        self.kinds = [("cor" if i != j else "sd") for q in self.sizes for i, j in _block_order(q)]
        self.n_var = len(self.kinds)
        self.cancel = cancel
        self.fallback = None
        if self.sizes == [1]:  # one scalar term: the per-group deviance as a stand-in (the same values)
            from .scalar_laplace import ScalarLaplace

            self.fallback = ScalarLaplace(model.matrices, family, nagq)

    def theta(self, pars: np.ndarray) -> np.ndarray:
        """The engine's relative Cholesky factors (row by row in each block) for the SDs and correlations."""
        out, at = [], 0
        for q in self.sizes:
            corr, sd = np.eye(q), np.zeros(q)
            for i, j in _block_order(q):
                if i == j:
                    sd[i] = pars[at]
                else:
                    corr[i, j] = corr[j, i] = pars[at]
                at += 1
            chol = _semidefinite_cholesky(corr) * sd[:, None]
            out.extend(chol[np.tril_indices(q)])
        return np.array(out, dtype=float)

    def __call__(self, pars: np.ndarray) -> float:
        check_cancel(self.cancel)
        theta = self.theta(pars)
        if not np.isfinite(theta).all():
            return np.inf
        x = np.r_[theta, pars[self.n_var:]]
        value = self.objective(x)
        if not np.isfinite(value) and self.fallback is not None:
            value = self.fallback.deviance(x)
        return float(value)

    def bounds(self) -> list[tuple[float | None, float | None]]:
        """SDs non-negative, correlations within [-1, 1], fixed effects free."""
        kinds = {"sd": (0.0, None), "cor": (-1.0, 1.0)}
        return [kinds[k] for k in self.kinds] + [(None, None)] * self.objective.matrices.n_fixed


def _semidefinite_cholesky(corr: np.ndarray) -> np.ndarray:
    """The lower Cholesky factor of a correlation matrix, also at the boundary (a correlation of
    +-1 makes it only semi-definite: a zero pivot leaves its column below zero). NaN where the
    matrix is not a correlation matrix."""
    q = len(corr)
    chol = np.zeros((q, q))
    for j in range(q):
        pivot = corr[j, j] - chol[j, :j] @ chol[j, :j]
        if pivot < -1e-10:
            return np.full((q, q), np.nan)
        chol[j, j] = np.sqrt(max(pivot, 0.0))
        for i in range(j + 1, q):
            rest = corr[i, j] - chol[i, :j] @ chol[j, :j]
            chol[i, j] = rest / chol[j, j] if chol[j, j] > 1e-12 else 0.0
    return chol


def _minimize(dev: _GlmmDeviance, start: np.ndarray, scale: np.ndarray, fixed: int | None,
              value: float = 0.0) -> tuple[float, np.ndarray]:
    """Minimize the deviance over every parameter but ``fixed`` (held at ``value``), from ``start``."""
    pars = start.copy()
    free = np.ones(len(pars), dtype=bool)
    if fixed is not None:
        pars[fixed], free[fixed] = value, False
    bounds = [b for b, keep in zip(dev.bounds(), free) if keep]
    s = scale[free]

    def f(z: np.ndarray) -> float:
        p = pars.copy()
        p[free] = z * s
        return dev(p)

    scaled_bounds = [(None if lo is None else lo / k, None if hi is None else hi / k) for (lo, hi), k in zip(bounds, s)]
    lows = np.array([-np.inf if lo is None else lo for lo, _ in scaled_bounds])
    highs = np.array([np.inf if hi is None else hi for _, hi in scaled_bounds])
    # An SD at 0 is a stationary point of the deviance (it depends on the SD through its square): start
    # such SDs a little inside, or the optimizer never leaves the boundary when the other values move.
    z0 = np.clip(pars[free] / s, np.where(lows == 0, 0.5, lows), highs)
    best = scipy.optimize.minimize(f, z0, method="L-BFGS-B", bounds=scaled_bounds,
                                   options={"ftol": 1e-10, "gtol": 1e-4, "maxls": 40})
    out = pars.copy()
    out[free] = best.x * s
    return float(best.fun), out


def glmm_profile_ends(
    design: Design, covs: list[np.ndarray], beta: np.ndarray, vcov: np.ndarray, level: float, nagq: int = 1,
    fixed: bool = False, progress: Progress | None = None, cancel: Cancel | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Profile intervals (lower, upper) of every random-effect SD and correlation of a generalized
    mixed model, in the design's block order (lme4's order within a block), then, with ``fixed``,
    of every fixed effect.

    Parameters
    ----------
    design : Design
        The fitted model's design (its family binomial or Poisson).
    covs : list of ndarray
        The fit's covariance matrix of each random block, the profile's starting point.
    beta, vcov : ndarray
        The fit's fixed effects and their covariance (the scale of the fixed-effect steps).
    level : float
        Confidence level.
    nagq : int, default 1
        Quadrature points of the fit (1: Laplace), as the deviance profiled.
    fixed : bool, default False
        Profile the fixed effects too.
    progress : callable, optional
        Called as ``progress(done, total)`` with the interval ends found (two per parameter), from 0
        to ``total``.
    cancel : object with ``is_set()``, optional
        When set, the profile stops within one deviance evaluation and raises
        :class:`~mixwidget.jobs.control.Cancelled`.
    """
    check_cancel(cancel)
    with warnings.catch_warnings(), limit_blas(design):
        warnings.simplefilter("ignore")
        dev = _GlmmDeviance(design, nagq, cancel)
        kinds = dev.kinds + (["fixed"] * len(beta) if fixed else [])
        ended = _counter(2 * len(kinds), progress)
        unit = np.ones(len(beta)) if dev.transform is None else np.diag(dev.transform)  # positive
        est = np.r_[_variance_values(covs), beta / unit]
        sds = est[: dev.n_var][np.array(dev.kinds) == "sd"]
        sd_scale = max(float(sds.max(initial=0.0)), 0.1)
        scale = np.r_[[1.0 if k == "cor" else max(abs(v), 0.1 * sd_scale) for k, v in zip(dev.kinds, est)],
                      np.sqrt(np.clip(np.diag(vcov), 1e-24, None)) / unit]
        base, est = _minimize(dev, est, scale, None)
        z = float(stats.norm.ppf(0.5 + level / 2))
        lower, upper = np.full(len(kinds), np.nan), np.full(len(kinds), np.nan)
        for i, kind in enumerate(kinds):
            lower[i], upper[i] = _one_parameter(dev, est, scale, base, i, kind, z, ended)
    if fixed:
        lower[dev.n_var:], upper[dev.n_var:] = lower[dev.n_var:] * unit, upper[dev.n_var:] * unit
    return lower, upper


def _variance_values(covs: list[np.ndarray]) -> np.ndarray:
    """SDs and correlations of each block, in lme4's order within a block."""
    values: list[float] = []
    for cov in covs:
        sd = np.sqrt(np.clip(np.diag(cov), 0, None))
        for i, j in _block_order(len(sd)):
            values.append(sd[i] if i == j else (cov[i, j] / (sd[i] * sd[j]) if sd[i] * sd[j] > 0 else 0.0))
    return np.array(values, dtype=float)


def _one_parameter(dev: _GlmmDeviance, est: np.ndarray, scale: np.ndarray, base: float, i: int, kind: str,
                   z: float, ended: Callable[[], None] = lambda: None) -> tuple[float, float]:
    """Both ends of parameter ``i``'s interval: where the profile's zeta reaches ``z`` on each side."""
    warm = {"pars": est}

    def zeta(v: float) -> float:
        value, pars = _minimize(dev, warm["pars"], scale, i, v)
        warm["pars"] = pars  # the next value is near: start from this one's optimum
        return float(np.sqrt(max(value - base, 0.0))) if np.isfinite(value) else np.inf

    ends = []
    bounds = {"sd": (0.0, None), "cor": (-1.0, 1.0), "fixed": (None, None)}[kind]
    for sign, limit in zip((-1, 1), bounds):
        warm["pars"] = est
        ends.append(_end(zeta, float(est[i]), sign, limit, z, float(scale[i])))
        ended()
    return ends[0], ends[1]


def _end(zeta: Callable[[float], float], est: float, sign: int, limit: float | None, z: float,
         step: float) -> float:
    """Where ``zeta`` (0 at ``est``, growing away from it) reaches ``z`` on side ``sign``; ``limit``
    where it does not before that bound (lme4: 0 for an SD, +-1 for a correlation)."""
    if limit is not None and abs(est - limit) < 1e-8:
        return limit
    a, za = est, 0.0
    b = est + sign * 0.5 * step
    for _ in range(60):
        if limit is not None and (b - limit) * sign >= 0:
            b = limit
        zb = zeta(b)
        if zb >= z:
            break
        if b == limit:
            return limit
        # the secant through the last two points, a little beyond where it reaches z (at least as far again)
        slope = (zb - za) / (b - a)
        reach = (z - zb) / slope if slope * sign > 0 else np.inf
        nxt = b + sign * min(max(1.2 * abs(reach), 0.1 * abs(b - est)), 4 * abs(b - est))
        a, za, b = b, zb, nxt
    else:
        return np.nan
    if not np.isfinite(zb):  # past where the deviance can be evaluated
        return _finite_root(zeta, a, b, z)
    return float(scipy.optimize.brentq(lambda v: zeta(v) - z, min(a, b), max(a, b),
                                       xtol=1e-6 * step, rtol=1e-8))


def _finite_root(zeta: Callable[[float], float], a: float, b: float, z: float) -> float:
    """The root of ``zeta - z`` between ``a`` (below z) and ``b`` (not finite): bisection."""
    for _ in range(100):
        mid = 0.5 * (a + b)
        value = zeta(mid)
        if np.isfinite(value) and value < z:
            a = mid
        else:
            b = mid
        if abs(b - a) < 1e-9 * max(1.0, abs(a)):
            break
    return 0.5 * (a + b)
