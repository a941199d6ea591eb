"""Likelihood-profile intervals for the variance parameters of a linear mixed model.

As lme4's ``profile()`` (its ``devfun2``): the parameters are each random term's standard
deviations and correlations and the residual SD ``sigma``; the deviance is the ML deviance
at those values with the fixed effects and random effects profiled out,

    dev = log|L|^2 - sum(log w) + pwrss / sigma^2 + n log(2 pi sigma^2),

and a parameter's interval holds the values where the deviance, minimized over the other
parameters, exceeds its minimum by at most ``qchisq(level, 1)``. REML fits are profiled on
the ML deviance, as lme4 does (it refits by ML first). The ends are found by root finding on
the profiled deviance itself, where lme4 interpolates a spline through profile points.

The work can be followed and stopped: ``progress(done, total)`` is called as each interval end is
found (two per parameter), and a set ``cancel`` stops it at the next deviance evaluation by raising
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
from .adapter import _lmer, engine_model, limit_blas

__all__ = ["variance_profile_intervals", "variance_parameters"]


def _block_order(q: int) -> list[tuple[int, int]]:
    """lme4's order of one term's SDs and correlations: the lower triangle, column by column."""
    return [(i, j) for j in range(q) for i in range(j, q)]


def variance_parameters(covs: list[np.ndarray], sigma: float) -> np.ndarray:
    """SDs and correlations of each block (in the design's order, lme4's order within a block), then sigma."""
    values: list[float] = []
    for cov in covs:
        sd = np.sqrt(np.clip(np.diag(cov), 0, None))
        for i, j in _block_order(len(sd)):
            values.append(sd[i] if i == j else (cov[i, j] / (sd[i] * sd[j]) if sd[i] * sd[j] > 0 else 0.0))
    values.append(sigma)
    return np.array(values, dtype=float)


class _Deviance:
    """The ML deviance as a function of (SDs, correlations, sigma), lme4's ``devfun2``; each
    evaluation first checks ``cancel``."""

    def __init__(self, design: Design, cancel: Cancel | None = None) -> None:
        from mixedlm.estimation.reml import LMMOptimizer

        model = engine_model(design)
        self.matrices = model.matrices
        self.sizes = [b.Z.shape[1] for b in design.random]
        self.optimizer = LMMOptimizer(self.matrices, REML=False)
        self.n = self.matrices.n_obs
        self.log_w = float(np.sum(np.log(self.matrices.weights)))
        self.kinds = [("cor" if i != j else "sd") for q in self.sizes for i, j in _block_order(q)] + ["sigma"]
        self.cancel = cancel

    def theta(self, pars: np.ndarray) -> np.ndarray:
        """The engine's relative Cholesky factors for the parameters (row by row in each block)."""
        sigma, out, at = pars[-1], [], 0
        for q in self.sizes:
            cov = np.zeros((q, q))
            for i, j in _block_order(q):
                cov[i, j] = pars[at]
                at += 1
            sd = np.diag(cov).copy()
            corr = np.tril(cov, -1)
            corr = corr + corr.T + np.eye(q)
            full = corr * np.outer(sd, sd) / sigma**2
            try:
                chol = np.linalg.cholesky(full + 1e-300 * np.eye(q)) if q > 1 else np.sqrt(full)
            except np.linalg.LinAlgError:
                return np.full(sum(k * (k + 1) // 2 for k in self.sizes), np.nan)
            out.extend(chol[np.tril_indices(q)])
        return np.array(out, dtype=float)

    def __call__(self, pars: np.ndarray) -> float:
        check_cancel(self.cancel)
        sigma = pars[-1]
        theta = self.theta(pars)
        if not np.isfinite(theta).all() or sigma <= 0:
            return np.inf
        core = self.optimizer._evaluate_core(theta)  # the engine's penalized least squares at theta
        if core is None:
            return np.inf
        return core.ldL2 - self.log_w + core.pwrss / sigma**2 + self.n * np.log(2 * np.pi * sigma**2)

    def bounds(self, estimate: np.ndarray) -> list[tuple[float | None, float | None]]:
        return [(-1.0, 1.0) if k == "cor" else (0.0, None) if k == "sd" else (1e-8 * estimate[-1], None)
                for k in self.kinds]


def _minimize(dev: _Deviance, start: np.ndarray, free: np.ndarray, fixed: dict[int, float],
              bounds: list) -> tuple[float, np.ndarray]:
    """Minimize the deviance over the ``free`` parameters, the others held at ``fixed``."""
    pars = start.copy()
    for i, v in fixed.items():
        pars[i] = v
    cor = np.array([k == "cor" for k in dev.kinds])
    scale = np.where(cor, 1.0, np.maximum(np.abs(start), 1e-3 * abs(start[-1])))[free]
    if not free.any():
        return dev(pars), pars

    def f(z: np.ndarray) -> float:
        p = pars.copy()
        p[free] = z * scale
        return dev(p)

    b = [(None if lo is None else lo / s, None if hi is None else hi / s)
         for (lo, hi), s in zip([bd for bd, keep in zip(bounds, free) if keep], scale)]
    z0 = np.clip(pars[free] / scale, [lo if lo is not None else -np.inf for lo, _ in b],
                 [hi if hi is not None else np.inf for _, hi in b])
    best = scipy.optimize.minimize(f, z0, method="L-BFGS-B", bounds=b, options={"ftol": 1e-14, "gtol": 1e-8})
    out = pars.copy()
    out[free] = best.x * scale
    return float(best.fun), out


def _bracket(g: Callable[[float], float], est: float, step: float, limit: float | None, sign: int) -> float | None:
    """A value beyond ``est`` on side ``sign`` where ``g`` is positive (None: the limit is reached first)."""
    x = est
    for _ in range(60):
        nxt = est + sign * step
        if limit is not None and (nxt - limit) * sign >= 0:
            return None if g(limit) < 0 else limit
        if nxt <= 0 and limit is None:  # sigma: halve the way to 0 instead
            nxt = x / 2
        if g(nxt) > 0:
            return nxt
        x, step = nxt, step * 2
    return None if limit is None else x


def variance_profile_intervals(
    design: Design, level: float, progress: Progress | None = None, cancel: Cancel | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Profile intervals (lower, upper) of every SD, correlation and sigma, in the order of
    :func:`variance_parameters` (the design's blocks). An end that the profile never reaches
    before a bound (an SD of 0, a correlation of +-1) is that bound, as lme4 reports it.

    ``progress(done, total)`` is called with the interval ends found (``total`` twice the number of
    parameters), from 0 to ``total``; a set ``cancel`` raises
    :class:`~mixwidget.jobs.control.Cancelled` within one deviance evaluation.
    """
    check_cancel(cancel)
    with warnings.catch_warnings(), limit_blas(design):
        warnings.simplefilter("ignore")
        ml = _lmer(engine_model(design), reml=False)
        groups = ml.VarCorr().groups
        covs = [np.asarray(groups[f"g{k}"].cov, dtype=float) for k in range(len(design.random))]
        dev = _Deviance(design, cancel)
        check_cancel(cancel)
        ended = _counter(2 * len(dev.kinds), progress)
        est = variance_parameters(covs, float(ml.sigma))
        bounds = dev.bounds(est)
        everything = np.ones(len(est), dtype=bool)
        base, est = _minimize(dev, est, everything, {}, bounds)
        cutoff = stats.chi2.ppf(level, 1)
        lower, upper = np.full(len(est), np.nan), np.full(len(est), np.nan)
        for i, kind in enumerate(dev.kinds):
            lower[i], upper[i] = _one_parameter(dev, est, i, kind, base + cutoff, bounds, ended)
    return lower, upper


def _counter(total: int, progress: Progress | None) -> Callable[[], None]:
    """Reports ``progress(0, total)`` now and, at each call, one more unit done."""
    done = [0]
    if progress is not None:
        progress(0, total)

    def ended() -> None:
        done[0] += 1
        if progress is not None:
            progress(done[0], total)

    return ended


def _one_parameter(dev: _Deviance, est: np.ndarray, i: int, kind: str, target: float,
                   bounds: list, ended: Callable[[], None] = lambda: None) -> tuple[float, float]:
    free = np.ones(len(est), dtype=bool)
    free[i] = False
    start = {"pars": est}

    def g(v: float) -> float:
        value, pars = _minimize(dev, start["pars"], free, {i: v}, bounds)
        start["pars"] = pars  # warm start for the next value nearby
        return min(value - target, 1e10)  # finite where the deviance is not (sigma at 0)

    step = 0.25 if kind == "cor" else 0.25 * (est[i] if est[i] > 0 else est[-1])
    low_limit = {"cor": -1.0, "sd": 0.0, "sigma": None}[kind]

    def end(sign: int, limit: float | None) -> float:
        start["pars"] = est
        if limit is not None and abs(est[i] - limit) < 1e-10:
            return limit
        far = _bracket(g, est[i], step, limit, sign)
        if far is None:
            return limit if limit is not None else np.nan
        start["pars"] = est
        a, b = sorted((est[i], far))
        return scipy.optimize.brentq(g, a, b, xtol=1e-10 * max(1.0, abs(est[i])), rtol=1e-12)

    ends = []
    for sign, limit in ((-1, low_limit), (1, 1.0 if kind == "cor" else None)):
        ends.append(end(sign, limit))
        ended()
    return ends[0], ends[1]
