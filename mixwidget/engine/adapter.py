"""The one module that talks to the fitting engines.

Mixed models are fitted by ``mixedlm`` (lme4's penalized least squares); linear models by
least squares (a QR, as R's ``lm``; statsmodels' OLS in the cases a QR leaves open). Both
receive numeric model matrices built by :mod:`mixwidget.design`, so names, coding and
missing-value handling are ours and the engines can be swapped here alone.
Everything returned is plain numpy.
"""

from __future__ import annotations

import re
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import scipy.linalg

from ..design.build import Design

__all__ = [
    "EngineResult", "Refit", "Refitter", "TermResult", "blas_limit", "blas_threads", "fit_mixed", "fit_ols", "limit_blas",
    "profile_intervals", "warm_up",
]

# Below this many multiply-adds for the dense cross-products (rows x columns^2), BLAS threads
# cost more than they gain: they wait on each other, and on a busy machine on other programs.
# Measured (benchmarks/bench_threads.py): the science model (3.5e4) fits about 3x faster with
# one thread under load; InstEval (73k rows, 1.2e6 with y ~ service) is faster with the threads.
BLAS_THREADED_WORK = 2e5


@dataclass
class TermResult:
    """Estimates for one random-effect term, in the design's column order."""

    cov: np.ndarray  # (q, q) covariance of the random effects
    modes: np.ndarray  # (levels, q) conditional modes
    cond_var: np.ndarray  # (levels, q) conditional variances


@dataclass
class EngineResult:
    beta: np.ndarray
    vcov: np.ndarray
    df: np.ndarray  # Satterthwaite (mixed) or residual (OLS) degrees of freedom per coefficient
    sigma: float
    loglik: float
    objective: float  # REML criterion (REML fits) or deviance (ML fits)
    npar: int
    fitted: np.ndarray
    terms: list[TermResult] = field(default_factory=list)
    converged: bool = True
    iterations: int | None = None
    engine_messages: list[str] = field(default_factory=list)


def _engine_frame(design: Design) -> tuple[pd.DataFrame, str]:
    """A frame of safe, numeric column names and the engine's formula for it."""
    cols: dict[str, np.ndarray] = {"y": design.y}
    fixed = []
    for j in range(design.X.shape[1]):
        cols[f"x{j}"] = design.X[:, j]
        fixed.append(f"x{j}")
    random = []
    for k, block in enumerate(design.random):
        cols[f"g{k}"] = pd.Categorical.from_codes(block.codes, categories=[f"L{i}" for i in range(len(block.levels))])
        lhs = []
        for j, name in enumerate(block.names):
            if name == "(Intercept)":
                lhs.append("1")
            else:
                cols[f"z{k}_{j}"] = block.Z[:, j]
                lhs.append(f"z{k}_{j}")
        if "1" not in lhs:
            lhs.insert(0, "0")
        random.append(f"({' + '.join(lhs)} | g{k})")
    rhs = " + ".join(["0", *fixed, *random])
    return pd.DataFrame(cols), f"y ~ {rhs}"


def fit_mixed(design: Design, reml: bool = True) -> EngineResult:
    """Fit a linear mixed model with mixedlm."""
    import mixedlm  # imported here: the first import takes a while, see warm_up()

    frame, formula = _engine_frame(design)
    # Everything that touches the engine's result runs under the limit: the conditional variances
    # (ranef) alone are dense solves that took 55 ms instead of 1 ms with the library's threads on a
    # busy 2-core machine.
    with warnings.catch_warnings(record=True) as caught, limit_blas(design):
        warnings.simplefilter("always")
        res = mixedlm.lmer(formula, frame, REML=reml, weights=design.weights, offset=design.offset)
        ddf = mixedlm.satterthwaite_df(res)
        out = _engine_result(res, ddf, design, reml)
    out.engine_messages = [_our_names(str(w.message), design) for w in caught]
    return out


def _engine_result(res: Any, ddf: Any, design: Design, reml: bool) -> EngineResult:
    """The engine's fit ``res`` (and its Satterthwaite ``ddf``) in the model's order and names."""
    p = design.X.shape[1]
    fixef = res.fixef()
    order = [f"x{j}" for j in range(p)]
    beta = np.array([fixef[name] for name in order], dtype=float)
    engine_names = list(fixef.keys())
    perm = [engine_names.index(name) for name in order]
    vcov = np.asarray(res.vcov(), dtype=float)[np.ix_(perm, perm)]
    df = np.asarray(ddf.df, dtype=float)
    df = df[[list(ddf.param_names).index(name) for name in order]]
    if not reml:
        df = _ml_satterthwaite(df, n=len(design.y), p=p)

    vc = res.VarCorr().groups
    ranef = res.ranef(condVar=True)
    structures = {s.grouping_factor: s for s in res.matrices.random_structures}
    terms = []
    for k, block in enumerate(design.random):
        g = f"g{k}"
        engine_terms = [("(Intercept)" if n == "(Intercept)" else f"z{k}_{j}") for j, n in enumerate(block.names)]
        group_vc = vc[g]
        idx = [list(group_vc.term_names).index(t) for t in engine_terms]
        cov = np.asarray(group_vc.cov, dtype=float)[np.ix_(idx, idx)]
        level_index = structures[g].level_map
        rows = [level_index[f"L{i}"] for i in range(len(block.levels))]
        modes = np.column_stack([np.asarray(ranef[g][t], dtype=float)[rows] for t in engine_terms])
        cond_var = np.column_stack([np.asarray(ranef.condVar[g][t], dtype=float)[rows] for t in engine_terms])
        terms.append(TermResult(cov, modes, cond_var))

    ll = res.logLik()
    loglik = float(getattr(ll, "value", ll))
    n_theta = sum(b.Z.shape[1] * (b.Z.shape[1] + 1) // 2 for b in design.random)
    return EngineResult(
        beta=beta,
        vcov=vcov,
        df=df,
        sigma=float(res.sigma),
        loglik=loglik,
        objective=float(res.REMLcrit()) if reml else float(-2 * loglik),
        npar=p + n_theta + 1,
        fitted=np.asarray(res.fitted(), dtype=float),
        terms=terms,
        converged=bool(res.converged),
        iterations=getattr(res, "n_iter", None),
    )


def _our_names(message: str, design: Design) -> str:
    """An engine message with the engine's column names (g0, x1, z0_1) replaced by the model's."""
    names = {f"g{k}": b.group for k, b in enumerate(design.random)}
    names.update({f"x{j}": n for j, n in enumerate(design.fixed_names)})
    names.update({f"z{k}_{j}": n for k, b in enumerate(design.random) for j, n in enumerate(b.names)})
    return re.sub(r"\b[gxz]\d+(?:_\d+)?\b", lambda m: names.get(m.group(0), m.group(0)), message)


def _ml_satterthwaite(df: np.ndarray, n: int, p: int) -> np.ndarray:
    """Satterthwaite df for an ML fit, as lmerTest computes them.

    The engine adds the residual scale's uncertainty as 2 / (n - p), which is right for REML;
    under ML the scale's estimate has variance 2 sigma^4 / n, so the term is 2 / n.
    """
    uncertainty = np.maximum(2.0 / df - 2.0 / (n - p), 0.0)
    return 2.0 / (uncertainty + 2.0 / n)


def fit_ols(design: Design) -> EngineResult:
    """Fit a linear model by (weighted) least squares.

    Solved by a Householder QR of the (weighted) model matrix, as R's ``lm`` does; the estimates,
    standard errors and log-likelihood equal statsmodels' ``OLS``/``WLS`` (which the tests check).
    A model matrix without full column rank, without columns, or with zero weights goes to
    statsmodels (its pseudo-inverse decides those cases).
    """
    n, p = design.X.shape
    offset = np.zeros(n) if design.offset is None else design.offset
    y = design.y - offset
    w = design.weights
    if p == 0 or (w is not None and not (w > 0).all()):
        return _fit_ols_statsmodels(design)
    sw = None if w is None else np.sqrt(w)
    X = design.X if sw is None else design.X * sw[:, None]
    yw = y if sw is None else y * sw
    # R of [X y]: its last column is Q'y. A tall, thin QR: one BLAS thread is as fast, and much
    # faster on a busy machine.
    with blas_limit(1):
        full = scipy.linalg.qr(np.column_stack([X, yw]), mode="r", overwrite_a=True, check_finite=False)[0]
    r, qty = full[:p, :p], full[:p, p]
    d = np.abs(np.diag(r))
    if not d.min() > d.max() * max(n, p) * np.finfo(float).eps:
        return _fit_ols_statsmodels(design)
    beta = scipy.linalg.solve_triangular(r, qty, check_finite=False)
    resid = yw - X @ beta
    ssr = float(resid @ resid)
    df_resid = n - p
    rinv = scipy.linalg.solve_triangular(r, np.eye(p), check_finite=False)
    vcov = (ssr / df_resid) * (rinv @ rinv.T)
    loglik = -n / 2 * (np.log(2 * np.pi * ssr / n) + 1)
    if w is not None:
        loglik += 0.5 * float(np.sum(np.log(w)))
    return EngineResult(
        beta=beta,
        vcov=vcov,
        df=np.full(p, float(df_resid)),
        sigma=float(np.sqrt(ssr / df_resid)),
        loglik=float(loglik),
        objective=float(-2 * loglik),
        npar=p + 1,
        fitted=design.X @ beta + offset,
    )


def _fit_ols_statsmodels(design: Design) -> EngineResult:
    """Least squares by statsmodels (pseudo-inverse): for the cases :func:`fit_ols` leaves to it."""
    import statsmodels.api as sm

    offset = np.zeros(len(design.y)) if design.offset is None else design.offset
    with limit_blas(design):
        if design.weights is None:
            res = sm.OLS(design.y - offset, design.X).fit()
        else:
            res = sm.WLS(design.y - offset, design.X, weights=design.weights).fit()
        cov = res.cov_params()
    n, p = design.X.shape
    df = np.full(p, float(res.df_resid))
    return EngineResult(
        beta=np.asarray(res.params, dtype=float),
        vcov=np.asarray(cov, dtype=float),
        df=df,
        sigma=float(np.sqrt(res.scale)),
        loglik=float(res.llf),
        objective=float(-2 * res.llf),
        npar=p + 1,
        fitted=np.asarray(res.fittedvalues, dtype=float) + offset,
    )


def blas_threads(design: Design) -> int | None:
    """BLAS threads for fitting ``design``: 1 for small problems, None (the library's own) for large.

    The work is the dense cross-product of the fixed and random-effect columns, rows x
    columns^2: the science model's is 3.5e4 (one thread), InstEval's (73k rows) 1.2e6 or more
    (the library's threads); :data:`BLAS_THREADED_WORK` lies between.
    """
    columns = design.X.shape[1] + sum(b.Z.shape[1] for b in design.random)
    return None if len(design.y) * columns**2 >= BLAS_THREADED_WORK else 1


_controller = None
_controller_lock = threading.Lock()


@contextmanager
def limit_blas(design: Design) -> Iterator[None]:
    """Run the block with :func:`blas_threads` BLAS threads (a no-op for large problems).

    The limit applies to the whole process while the block runs, in whichever process fits.
    """
    with blas_limit(blas_threads(design)):
        yield


@contextmanager
def blas_limit(threads: int | None) -> Iterator[None]:
    """Run the block with at most ``threads`` BLAS threads (None: the library's own)."""
    global _controller
    if threads is None:
        yield
        return
    from threadpoolctl import ThreadpoolController

    with _controller_lock:
        if _controller is None:  # made once the engines' libraries are loaded; inspecting them is slow
            _controller = ThreadpoolController()
        controller = _controller
    with controller.limit(limits=threads, user_api="blas"):
        yield


_warm = threading.Event()


def warm_up() -> None:
    """Load the engines' modules and compile their code paths on a tiny problem.

    The first mixed fit in a process is slow while modules load; calling this from a
    background thread keeps that cost off the first user-visible fit.
    """
    if _warm.is_set():
        return
    from ..design.build import build_design
    from ..formula.parse import parse_formula

    rng = np.random.default_rng(0)
    g = np.repeat(np.arange(6), 5)
    data = pd.DataFrame({"y": rng.normal(size=30) + g * 0.3, "x": rng.normal(size=30), "g": g})
    design = build_design(parse_formula("y ~ x + (1 | g)"), data)
    fit_mixed(design, reml=True)
    fit_ols(design)
    _warm.set()


# -- refits to new responses (simulation, parametric bootstrap) ----------------------------


@dataclass
class Refit:
    """Estimates from one refit of a design to a new response vector."""

    beta: np.ndarray
    se: np.ndarray
    df: np.ndarray
    sigma: float
    covs: list[np.ndarray]  # per random block of the design, (q, q)
    converged: bool = True


class Refitter:
    """One design fitted once, then refitted to new response vectors.

    The model matrices (and, for mixed models, the engine's prepared model) are built once;
    each :meth:`refit` only swaps the response and optimizes again from the first fit's
    variance parameters, as lme4's ``refit(newresp)`` does.

    Parameters
    ----------
    design : Design
        The model's matrices; its ``y`` is the response of the first fit.
    reml : bool
        REML or maximum likelihood (mixed models only).
    """

    def __init__(self, design: Design, reml: bool = True) -> None:
        self.design = design
        self.reml = bool(reml)
        self.mixed = bool(design.random)
        n, p = design.X.shape
        self._p = p
        if self.mixed:
            import mixedlm

            frame, formula = _engine_frame(design)
            with warnings.catch_warnings(), limit_blas(design):
                warnings.simplefilter("ignore")
                self._base = mixedlm.lmer(formula, frame, REML=self.reml)
            names = list(self._base.fixef().keys())
            self._perm = [names.index(f"x{j}") for j in range(p)]
        else:
            self._pinv = np.linalg.pinv(design.X)
            self._xtx_inv = self._pinv @ self._pinv.T
            self._df_resid = float(n - np.linalg.matrix_rank(design.X)) if p else float(n)
            self._df = np.full(p, self._df_resid)

    def refit(self, y: np.ndarray) -> Refit:
        """Estimates for the same design with response ``y`` (length ``design.nobs``)."""
        y = np.ascontiguousarray(y, dtype=float)
        if not self.mixed:
            beta = self._pinv @ y
            resid = y - self.design.X @ beta
            sigma = float(np.sqrt(resid @ resid / self._df_resid))
            se = np.sqrt(np.diag(self._xtx_inv)) * sigma
            return Refit(beta=beta, se=se, df=self._df.copy(), sigma=sigma, covs=[])
        import mixedlm

        with warnings.catch_warnings(), limit_blas(self.design):
            warnings.simplefilter("ignore")
            res = self._base.refit(y)
            vcov = np.asarray(res.vcov(), dtype=float)[np.ix_(self._perm, self._perm)]
            ddf = mixedlm.satterthwaite_df(res)
            groups = res.VarCorr().groups
        names = list(ddf.param_names)
        df = np.asarray(ddf.df, dtype=float)[[names.index(f"x{j}") for j in range(self._p)]]
        if not self.reml:
            df = _ml_satterthwaite(df, n=len(y), p=self._p)
        beta = np.asarray(res.beta, dtype=float)[self._perm]
        covs = []
        for k, block in enumerate(self.design.random):
            group_vc = groups[f"g{k}"]
            terms = ["(Intercept)" if n == "(Intercept)" else f"z{k}_{j}" for j, n in enumerate(block.names)]
            idx = [list(group_vc.term_names).index(t) for t in terms]
            covs.append(np.asarray(group_vc.cov, dtype=float)[np.ix_(idx, idx)])
        return Refit(
            beta=beta,
            se=np.sqrt(np.diag(vcov)),
            df=df,
            sigma=float(res.sigma),
            covs=covs,
            converged=bool(res.converged),
        )

    def simulate(self, nsim: int, seed: int | None) -> np.ndarray:
        """Responses drawn from the first fit, shape ``(nobs, nsim)``: new random effects and residuals.

        Mixed models use the engine's ``simulate`` (lme4's method: random effects drawn from
        the fitted covariance, residuals from the fitted scale); linear models draw residuals.
        """
        if not self.mixed:
            rng = np.random.default_rng(seed)
            mean = self.design.X @ self._pinv @ self.design.y
            resid = self.design.y - mean
            sigma = np.sqrt(resid @ resid / self._df_resid)
            return mean[:, None] + sigma * rng.standard_normal((len(mean), nsim))
        y = np.asarray(self._base.simulate(nsim=nsim, seed=seed), dtype=float)
        return y.reshape(len(self.design.y), nsim)


def profile_intervals(design: Design, reml: bool, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Likelihood-profile intervals for the fixed effects of a mixed model (lower, upper).

    The engine profiles each coefficient on the ML deviance, re-optimizing the variance
    parameters at every step, as lme4's ``profile()`` does.
    """
    import mixedlm

    frame, formula = _engine_frame(design)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = mixedlm.lmer(formula, frame, REML=reml)
        names = [f"x{j}" for j in range(design.X.shape[1])]
        ci = res.confint(parm=names, level=level, method="profile")
    lower = np.array([ci[n][0] for n in names], dtype=float)
    upper = np.array([ci[n][1] for n in names], dtype=float)
    return lower, upper
