"""The one module that talks to the fitting engines.

Mixed models are fitted by ``mixedlm`` (lme4's penalized least squares); linear models by
least squares (a QR, as R's ``lm``; statsmodels' OLS in the cases a QR leaves open). Both
receive numeric model matrices built by :mod:`mixwidget.design`, so names, coding and
missing-value handling are ours and the engines can be swapped here alone.
Everything returned is plain numpy.
"""

from __future__ import annotations

import functools
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
    "EngineModel", "EngineResult", "Refit", "Refitter", "TermResult", "blas_limit", "blas_threads", "engine_model",
    "fit_mixed", "fit_ols", "limit_blas", "profile_intervals", "term_covariances", "term_results", "warm_up",
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


@dataclass
class EngineModel:
    """A design as the engine takes it: its matrices and how to read its names back.

    Attributes
    ----------
    matrices : mixedlm.matrices.design.ModelMatrices
        Response, fixed matrix X, random matrix Z (one block per random term, columns level by
        level), prior weights and offset. Fixed columns are named ``x0, x1, ...``, grouping
        factors ``g0, g1, ...`` and random slopes ``z<k>_<j>``; levels ``L0, L1, ...`` in the
        design's order.
    formula : mixedlm.formula.terms.Formula
        The same model written in the engine's names (what its printouts show).
    transform : ndarray or None
        ``T`` with the engine's fixed matrix ``X @ T`` (see :func:`fixed_transform`): the model's
        coefficients are ``T @ beta_engine`` and their covariance ``T @ V @ T.T``. None: ``X`` as is.
    """

    matrices: Any
    formula: Any
    transform: np.ndarray | None = None

    def coefficients(self, beta: np.ndarray, vcov: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The engine's fixed-effect estimates and covariance in the model's own columns."""
        if self.transform is None:
            return beta, vcov
        T = self.transform
        return T @ beta, T @ vcov @ T.T


# A column whose values vary by less than 1/POORLY_CENTRED of their size (a year, a timestamp), or
# columns whose sizes differ by more than POORLY_CENTRED squared, make the engine's cross-products
# lose most of their digits.
POORLY_CENTRED = 100.0


def fixed_transform(X: np.ndarray, centre: bool = True) -> np.ndarray | None:
    """``T`` such that ``X @ T`` has its columns centred (on a constant column such as the
    intercept, when there is one and ``centre``) and scaled to SD 1, or None when ``X`` is
    well-conditioned enough as it is.

    The fit is invariant: with ``X @ T`` the engine estimates ``T^-1 beta``, so the model's
    coefficients, their covariance, fitted values and likelihood follow exactly. Designs with
    large, nearly constant predictors (Unix milliseconds, nanoseconds since the epoch, 1e8 plus a
    small spread) are fitted accurately this way, where the raw columns cost every digit.
    """
    p = X.shape[1]
    if p == 0:
        return None
    lo, hi = X.min(axis=0), X.max(axis=0)
    size = np.maximum(np.abs(lo), np.abs(hi))
    varying = hi > lo
    if not varying.any():
        return None
    off_centre = (size[varying] > POORLY_CENTRED * (hi - lo)[varying]).any()
    spread = size[size > 0].max() > POORLY_CENTRED**2 * size[size > 0].min()
    if not (off_centre or spread):
        return None
    mean, sd = X.mean(axis=0), X.std(axis=0)
    constant = np.flatnonzero(~varying)
    varying = np.flatnonzero(varying)
    T = np.eye(p)
    T[varying, varying] = 1.0 / sd[varying]
    base = constant[X[0, constant] != 0] if centre else np.array([], dtype=int)
    if len(base):
        c = base[0]
        T[c, varying] = -mean[varying] / (X[0, c] * sd[varying])
    return T


def engine_model(design: Design, centre: bool = True) -> EngineModel:
    """The one place that turns a :class:`Design` into the engine's model.

    Everything the engine fits, refits, profiles or simulates is built here from the design's
    own matrices, prior weights and offset, so no path can leave one of them out. The engine
    re-derives nothing from a formula, and its own checks (which would drop columns we kept)
    are not run: the design has made ours. Poorly scaled fixed columns are centred and scaled
    for the engine (:func:`fixed_transform`; ``centre=False`` scales only, which keeps each
    engine coefficient a multiple of the model's own, as profiling one coefficient needs).
    """
    from mixedlm.matrices.design import ModelMatrices, RandomEffectStructure

    n, p = design.X.shape
    structures = [
        RandomEffectStructure(
            grouping_factor=f"g{k}", term_names=_engine_terms(k, block.names), n_levels=len(block.levels),
            n_terms=block.Z.shape[1], correlated=True, level_map={f"L{i}": i for i in range(len(block.levels))},
            level_indices=np.asarray(block.codes, dtype=np.int64),
        )
        for k, block in enumerate(design.random)
    ]
    Z = _random_matrix(design, n)
    weights = np.ones(n) if design.weights is None else np.asarray(design.weights, dtype=float)
    offset = np.zeros(n) if design.offset is None else np.asarray(design.offset, dtype=float)
    T = fixed_transform(design.X, centre)
    X = design.X if T is None else design.X @ T
    matrices = ModelMatrices(
        y=np.ascontiguousarray(design.y, dtype=float), X=np.ascontiguousarray(X, dtype=float), Z=Z,
        fixed_names=[f"x{j}" for j in range(p)], random_structures=structures, n_obs=n, n_fixed=p,
        n_random=Z.shape[1], weights=np.ascontiguousarray(weights), offset=np.ascontiguousarray(offset),
    )
    return EngineModel(matrices, _engine_formula(design), T)


def _random_matrix(design: Design, n: int) -> Any:
    """The random-effects matrix Z: per block, for each level its columns in the block's order
    (column ``level * q + j``), built directly in compressed-column form."""
    from scipy import sparse

    data, indices, indptr, at = [], [], [np.zeros(1, dtype=np.int64)], 0
    for block in design.random:
        codes = np.asarray(block.codes, dtype=np.int64)
        q, nlev = block.Z.shape[1], len(block.levels)
        rows = np.argsort(codes, kind="stable")  # each level's rows, in row order
        counts = np.bincount(codes, minlength=nlev)
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        level = codes[rows]
        within = np.arange(n) - starts[level]
        # entry (row i of level L, column j) sits at starts[L] * q + j * counts[L] + its place in L
        pos = (starts[level] * q)[None, :] + np.arange(q)[:, None] * counts[level][None, :] + within[None, :]
        block_data, block_indices = np.empty(n * q), np.empty(n * q, dtype=np.int64)
        block_data[pos.ravel()] = block.Z[rows].T.ravel()
        block_indices[pos.ravel()] = np.tile(rows, q)
        column_starts = (starts[:, None] * q + np.arange(q)[None, :] * counts[:, None]).ravel()
        data.append(block_data)
        indices.append(block_indices)
        indptr.append(at + np.append(column_starts[1:], n * q))
        at += n * q
    if not design.random:
        return sparse.csc_matrix((n, 0))
    ncol = sum(len(b.levels) * b.Z.shape[1] for b in design.random)
    return sparse.csc_matrix((np.concatenate(data), np.concatenate(indices), np.concatenate(indptr)), shape=(n, ncol))


def _engine_terms(k: int, names: list[str]) -> list[str]:
    return ["(Intercept)" if name == "(Intercept)" else f"z{k}_{j}" for j, name in enumerate(names)]


def term_covariances(res: Any, design: Design) -> list[np.ndarray]:
    """The covariance of each random term of ``design`` from the engine's fit ``res``, in the design's
    column order (the engine's grouping factors ``g<k>``, its terms ``(Intercept)`` and ``z<k>_<j>``)."""
    groups = res.VarCorr().groups
    covs = []
    for k, block in enumerate(design.random):
        group = groups[f"g{k}"]
        idx = [list(group.term_names).index(t) for t in _engine_terms(k, block.names)]
        covs.append(np.asarray(group.cov, dtype=float)[np.ix_(idx, idx)])
    return covs


def term_results(res: Any, design: Design) -> list[TermResult]:
    """Each random term's covariance, conditional modes and conditional variances from the engine's fit
    ``res`` (lmer's or glmer's), in the design's column and level order."""
    ranef = res.ranef(condVar=True)
    structures = {s.grouping_factor: s for s in res.matrices.random_structures}
    terms = []
    for k, (block, cov) in enumerate(zip(design.random, term_covariances(res, design))):
        g, names = f"g{k}", _engine_terms(k, block.names)
        rows = [structures[g].level_map[f"L{i}"] for i in range(len(block.levels))]
        modes = np.column_stack([np.asarray(ranef[g][t], dtype=float)[rows] for t in names])
        cond_var = np.column_stack([np.asarray(ranef.condVar[g][t], dtype=float)[rows] for t in names])
        terms.append(TermResult(cov, modes, cond_var))
    return terms


def _engine_formula(design: Design) -> Any:
    """The engine's formula object for the design (parsed once per shape of model)."""
    fixed = [f"x{j}" for j in range(design.X.shape[1])]
    random = []
    for k, block in enumerate(design.random):
        lhs = [("1" if t == "(Intercept)" else t) for t in _engine_terms(k, block.names)]
        if "1" not in lhs:
            lhs.insert(0, "0")
        random.append(f"({' + '.join(lhs)} | g{k})")
    return _parse_engine_formula(f"y ~ {' + '.join(['0', *fixed, *random])}")


@functools.lru_cache(maxsize=64)
def _parse_engine_formula(text: str) -> Any:
    from mixedlm.formula.parser import parse_formula

    return parse_formula(text)


def _lmer(model: EngineModel, reml: bool) -> Any:
    """Fit the engine's model as ``lmer`` does (its default optimizer and controls), without
    re-deriving the matrices; warnings are the engine's (singular or not converged)."""
    from mixedlm.models.control import LmerControl
    from mixedlm.models.modular import LmerParsedFormula, mkLmerDevfun, mkLmerMod, optimizeLmer

    control = LmerControl()
    devfun = mkLmerDevfun(LmerParsedFormula(model.formula, model.matrices, REML=reml), control=control)
    opt = optimizeLmer(devfun, method=control.optimizer)
    res = mkLmerMod(devfun, opt)
    res.control = control
    if not res.converged:
        warnings.warn("Model failed to converge.", UserWarning, stacklevel=2)
    return res


def fit_mixed(design: Design, reml: bool = True) -> EngineResult:
    """Fit a linear mixed model with mixedlm, on the model :func:`engine_model` builds."""
    model = engine_model(design)
    # Everything that touches the engine's result runs under the limit: the conditional variances
    # (ranef) alone are dense solves that took 55 ms instead of 1 ms with the library's threads on a
    # busy 2-core machine.
    with warnings.catch_warnings(record=True) as caught, limit_blas(design):
        warnings.simplefilter("always")
        res = _lmer(model, reml)
        out = _engine_result(res, model, design, reml)
    out.engine_messages = [_our_names(str(w.message), design) for w in caught]
    return out


def _fixed_effects(res: Any, model: EngineModel, reml: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Estimates, covariance and Satterthwaite df of the model's fixed effects from the engine's fit."""
    import mixedlm

    beta, vcov = model.coefficients(np.asarray(res.beta, dtype=float), np.asarray(res.vcov(), dtype=float))
    df = np.asarray(mixedlm.satterthwaite_df(res).df, dtype=float)
    T = model.transform
    if T is not None:
        mixes = np.flatnonzero((T != 0).sum(axis=1) > 1)  # coefficients that are contrasts of the engine's
        df = df.copy()
        for j in mixes:
            df[j] = _contrast_df(res, T[j])
    n, p = res.matrices.n_obs, res.matrices.n_fixed
    if not reml:
        df = _ml_satterthwaite(df, n=n, p=p)
    return beta, vcov, df


def _contrast_df(res: Any, L: np.ndarray) -> float:
    """Satterthwaite df of the contrast ``L @ beta`` of the engine's coefficients, as the engine
    computes them for each coefficient (``mixedlm.satterthwaite_df``) and lmerTest for contrasts."""
    from mixedlm.inference.ddf import _vcov_derivatives

    vcov = np.asarray(res.vcov(), dtype=float)
    var = float(L @ vcov @ L)
    gradients, theta_cov = _vcov_derivatives(res)
    g = np.array([float(L @ G @ L) / var for G in gradients]) if var > 0 else np.zeros(len(gradients))
    residual_df = res.matrices.n_obs - res.matrices.n_fixed
    return float(np.clip(2.0 / (max(float(g @ theta_cov @ g), 0.0) + 2.0 / residual_df), 1.0, residual_df))


def _engine_result(res: Any, model: EngineModel, design: Design, reml: bool) -> EngineResult:
    """The engine's fit ``res`` of ``model`` in the design's order and names."""
    p = design.X.shape[1]
    beta, vcov, df = _fixed_effects(res, model, reml)
    terms = term_results(res, design)
    ll = res.logLik()
    loglik = float(getattr(ll, "value", ll))
    if reml and model.transform is not None:
        # The REML criterion holds log|X'V^-1 X|: that of the engine's columns X T exceeds the
        # model's own by 2 log|det T|. (The ML likelihood does not depend on the columns' basis.)
        loglik += float(np.linalg.slogdet(model.transform)[1])
    n_theta = sum(b.Z.shape[1] * (b.Z.shape[1] + 1) // 2 for b in design.random)
    return EngineResult(
        beta=beta,
        vcov=vcov,
        df=df,
        sigma=float(res.sigma),
        loglik=loglik,
        objective=float(-2 * loglik),
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
    statsmodels (its pseudo-inverse decides those cases). Poorly scaled columns are centred
    and scaled first, and the estimates transformed back (:func:`fixed_transform`).
    """
    n, p = design.X.shape
    offset = np.zeros(n) if design.offset is None else design.offset
    y = design.y - offset
    w = design.weights
    T = fixed_transform(design.X)
    Xe = design.X if T is None else design.X @ T
    if p == 0 or (w is not None and not (w > 0).all()):
        return _fit_ols_statsmodels(design, Xe, T)
    sw = None if w is None else np.sqrt(w)
    X = Xe if sw is None else Xe * sw[:, None]
    yw = y if sw is None else y * sw
    # R of [X y]: its last column is Q'y. A tall, thin QR: one BLAS thread is as fast, and much
    # faster on a busy machine.
    with blas_limit(1):
        full = scipy.linalg.qr(np.column_stack([X, yw]), mode="r", overwrite_a=True, check_finite=False)[0]
    r, qty = full[:p, :p], full[:p, p]
    d = np.abs(np.diag(r))
    if not d.min() > d.max() * max(n, p) * np.finfo(float).eps:
        return _fit_ols_statsmodels(design, Xe, T)
    beta = scipy.linalg.solve_triangular(r, qty, check_finite=False)
    resid = yw - X @ beta
    ssr = float(resid @ resid)
    df_resid = n - p
    rinv = scipy.linalg.solve_triangular(r, np.eye(p), check_finite=False)
    vcov = (ssr / df_resid) * (rinv @ rinv.T)
    fitted = Xe @ beta + offset
    if T is not None:
        beta, vcov = T @ beta, T @ vcov @ T.T
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
        fitted=fitted,
    )


def _fit_ols_statsmodels(design: Design, X: np.ndarray, T: np.ndarray | None) -> EngineResult:
    """Least squares by statsmodels (pseudo-inverse) on ``X`` (``design.X @ T``): for the cases
    :func:`fit_ols` leaves to it."""
    import statsmodels.api as sm

    offset = np.zeros(len(design.y)) if design.offset is None else design.offset
    with limit_blas(design):
        if design.weights is None:
            res = sm.OLS(design.y - offset, X).fit()
        else:
            res = sm.WLS(design.y - offset, X, weights=design.weights).fit()
        cov = res.cov_params()
    n, p = design.X.shape
    df = np.full(p, float(res.df_resid))
    beta, vcov = np.asarray(res.params, dtype=float), np.asarray(cov, dtype=float)
    if T is not None:
        beta, vcov = T @ beta, T @ vcov @ T.T
    return EngineResult(
        beta=beta,
        vcov=vcov,
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
        self._model = engine_model(design)
        if self.mixed:
            with warnings.catch_warnings(), limit_blas(design):
                warnings.simplefilter("ignore")
                self._base = _lmer(self._model, self.reml)
        else:
            n = len(design.y)
            self._offset = np.zeros(n) if design.offset is None else np.asarray(design.offset, dtype=float)
            self._sw = np.ones(n) if design.weights is None else np.sqrt(np.asarray(design.weights, dtype=float))
            T = np.eye(p) if self._model.transform is None else self._model.transform
            # weighted least squares on the engine's (conditioned) columns, in the model's coefficients
            self._pinv = T @ np.linalg.pinv(self._model.matrices.X * self._sw[:, None])
            self._xtx_inv = self._pinv @ self._pinv.T
            self._df_resid = float(n - np.linalg.matrix_rank(design.X)) if p else float(n)
            self._df = np.full(p, self._df_resid)

    def refit(self, y: np.ndarray) -> Refit:
        """Estimates for the same design with response ``y`` (length ``design.nobs``)."""
        y = np.ascontiguousarray(y, dtype=float)
        if not self.mixed:
            yw = (y - self._offset) * self._sw
            beta = self._pinv @ yw
            resid = yw - (self.design.X @ beta) * self._sw
            sigma = float(np.sqrt(resid @ resid / self._df_resid))
            se = np.sqrt(np.diag(self._xtx_inv)) * sigma
            return Refit(beta=beta, se=se, df=self._df.copy(), sigma=sigma, covs=[])
        with warnings.catch_warnings(), limit_blas(self.design):
            warnings.simplefilter("ignore")
            res = self._base.refit(y)
            beta, vcov, df = _fixed_effects(res, self._model, self.reml)
            covs = term_covariances(res, self.design)
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
        Both add the offset, and a residual's variance is ``sigma^2 / w`` for prior weight ``w``.
        """
        if not self.mixed:
            rng = np.random.default_rng(seed)
            fit = self.refit(self.design.y)
            mean = self.design.X @ fit.beta + self._offset
            sd = fit.sigma / self._sw
            return mean[:, None] + sd[:, None] * rng.standard_normal((len(mean), nsim))
        y = np.asarray(self._base.simulate(nsim=nsim, seed=seed), dtype=float)
        return y.reshape(len(self.design.y), nsim)


def profile_intervals(design: Design, reml: bool, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Likelihood-profile intervals for the fixed effects of a mixed model (lower, upper).

    The engine profiles each coefficient on the ML deviance, re-optimizing the variance
    parameters at every step, as lme4's ``profile()`` does.
    """
    model = engine_model(design, centre=False)  # each engine coefficient a multiple of the model's
    with warnings.catch_warnings(), limit_blas(design):
        warnings.simplefilter("ignore")
        res = _lmer(model, reml)
        names = [f"x{j}" for j in range(design.X.shape[1])]
        ci = res.confint(parm=names, level=level, method="profile")
    lower = np.array([ci[n][0] for n in names], dtype=float)
    upper = np.array([ci[n][1] for n in names], dtype=float)
    if model.transform is not None:
        scale = np.diag(model.transform)  # positive
        lower, upper = lower * scale, upper * scale
    return lower, upper
