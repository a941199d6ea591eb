"""Generalized linear mixed models (binomial, Poisson), fitted by mixedlm's ``glmer``.

The same stages as the linear model (lme4's ``glFormula`` -> ``mkGlmerDevfun`` -> ``optimizeGlmer``):
the design's matrices go to the engine through :func:`~mixwidget.engine.adapter.engine_model`, as
for lmer (the engine's formula parser never sees ``cbind``, ``I()`` or ``offset()``), the family and
link by R's names, the binomial trials folded into the prior weights as R's ``binomial()$initialize``
does. Laplace's approximation by default;
adaptive Gauss-Hermite quadrature with ``nagq > 1`` where lme4 allows it (one scalar random effect).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from ..design.build import Design
from ..design.response import Family
from .adapter import (
    EngineModel,
    EngineResult,
    Refit,
    _our_names,
    blas_limit,
    engine_model,
    limit_blas,
    term_covariances,
    term_results,
)
from .lme4_laplace import Lme4Laplace
from .scalar_laplace import ScalarLaplace, polish, scalar_term

__all__ = ["GlmmRefitter", "GlmmResult", "check_nagq", "engine_family", "fit_glmm"]

# Up to this many random effects and observations the standard errors come from glmer's own deviance
# function (:class:`.Lme4Laplace`: ~100 PIRLS runs for its nAGQ = 0 stage, then one or two passes of
# deriv12, 50-130 runs each); above, from the engine's deviance, whose Hessian is the exact Laplace one.
GLMER_HESSIAN_MAX_Q = 600
# The engine's optimizer for glmer: NLopt's BOBYQA (lme4's nloptwrap, in C) reaches the same optima as the
# engine's default COBYQA (log-likelihoods equal to 1e-6 on the reference models) in 1/4 (cbpp) to 1/2
# (ohio, Contraception) of the time, COBYQA's per-iteration work in Python dominating small models.
GLMER_OPTIMIZER = "nloptwrap_BOBYQA"
GLMER_HESSIAN_MAX_N = 50_000


@dataclass
class GlmmResult(EngineResult):
    """An :class:`EngineResult` of a generalized model, with its linear predictor and Pearson residuals."""

    eta: np.ndarray = field(default_factory=lambda: np.empty(0))  # linear predictor incl. offset
    pearson: np.ndarray = field(default_factory=lambda: np.empty(0))  # Pearson residuals (prior weights in)
    deviance_resid: np.ndarray = field(default_factory=lambda: np.empty(0))


def engine_family(family: Family) -> Any:
    """The engine's family object for ``family`` (R's names: ``binomial``, ``logit``)."""
    from mixedlm.families import Binomial, Poisson

    kinds = {"binomial": Binomial, "poisson": Poisson}
    if family.name not in kinds:
        raise ValueError(f"no generalized mixed model for the {family.name} family")
    if family.link == "probit":  # the same function as the engine's, a fifth faster per fit
        from .links import Probit

        return kinds[family.name](link=Probit())
    return kinds[family.name](link=family.link)


def check_nagq(design: Design, nagq: object) -> int:
    """``nagq`` as an int lme4 accepts for ``design``: 1 (Laplace), or more for one scalar random effect.

    Raises
    ------
    ValueError
        ``nagq`` is not a whole number from 1 to 100, or it is above 1 for a model with more than one
        random effect per observation (lme4: "nAGQ > 1 is only available for models with a single,
        scalar random-effects term").
    """
    if isinstance(nagq, bool) or not isinstance(nagq, (int, np.integer)) or not 1 <= nagq <= 100:
        raise ValueError(f"nagq must be a whole number from 1 (Laplace) to 100, not {nagq!r}")
    scalar = len(design.random) == 1 and design.random[0].Z.shape[1] == 1
    if nagq > 1 and not scalar:
        raise ValueError("nagq > 1 (adaptive Gauss-Hermite quadrature) needs a model with one random term of "
                         "one column, e.g. (1 | g), as in lme4; use nagq=1 (Laplace) for this model")
    return int(nagq)


def fit_glmm(design: Design, nagq: int = 1) -> GlmmResult:
    """Fit a generalized linear mixed model to ``design`` (its family in ``design.family``)."""
    model = engine_model(design)
    with warnings.catch_warnings(record=True) as caught, limit_blas(design):
        warnings.simplefilter("always")
        res, lp0 = _glmer(model, engine_family(design.family), int(nagq))
        res, deviance = _checked_optimum(res, int(nagq))
        out = _glmm_result(res, model, design, deviance, lp0)
    out.engine_messages = [_our_names(str(w.message), design) for w in caught]
    return out


def _glmer(model: EngineModel, family: Any, nagq: int) -> tuple[Any, np.ndarray | None]:
    """Fit the engine's model as ``glmer`` does (its controls, with :data:`GLMER_OPTIMIZER`), on our matrices:
    the engine's own model checks (which would drop columns we kept) are not run, as for lmer. Returns the
    result and glmer's ``lp0``, the linear predictor (without offset) of the fit's nAGQ = 0 stage, where
    that stage ran and converged (:class:`.GlmerOptimizer`), else None."""
    from mixedlm.models.control import GlmerControl
    from mixedlm.models.glmer import GlmerResult

    from .glmer_optimizer import GlmerOptimizer

    ctrl = GlmerControl(optimizer=GLMER_OPTIMIZER)
    optimizer = GlmerOptimizer(model.matrices, family, verbose=0, nAGQ=nagq, pirls_maxiter=ctrl.pirls_maxiter,
                              pirls_tol=ctrl.tolPwrss, nAGQ0initStep=ctrl.nAGQ0initStep)
    opt = optimizer.optimize(start=None, method=ctrl.optimizer, maxiter=ctrl.maxiter,
                             options=ctrl.get_scipy_options(optimizer=ctrl.optimizer, maxiter=ctrl.maxiter),
                             restart_edge=ctrl.restart_edge)
    res = GlmerResult(
        formula=model.formula, matrices=model.matrices, family=family, theta=opt.theta, beta=opt.beta, u=opt.u,
        deviance=opt.deviance, converged=opt.converged, n_iter=opt.n_iter, nAGQ=nagq,
        pirls_converged=opt.pirls_converged, pirls_maxiter=optimizer.pirls_maxiter, pirls_tol=optimizer.pirls_tol,
        joint_fit=opt.joint_fit, message=opt.message, optimizer=ctrl.optimizer,
    )
    if not res.converged:
        warnings.warn("Model failed to converge." if res.pirls_converged else
                      "Model failed to converge: the inner PIRLS solver did not converge.", UserWarning, stacklevel=2)
    return res, _stage0_lp0(optimizer.stage0, model.matrices)


def _checked_optimum(res: Any, nagq: int) -> tuple[Any, Any]:
    """The engine's optimum, or a better one where its inner solver failed (one scalar random term).

    With one random term of one column the deviance (Laplace's, or adaptive quadrature's with
    ``nagq > 1``) is evaluated group by group (:mod:`.scalar_laplace`); where its gradient at the
    engine's optimum is not ~0 (the engine's mode solve failed on part of the parameter space), the fit
    is re-optimized from there. Returns the result and the deviance function of ``(theta, beta)`` for
    the Hessian (None: the engine's).
    """
    if not scalar_term(res.matrices) or len(res.beta) == 0:
        return res, None
    exact = ScalarLaplace(res.matrices, res.family, nagq)
    x = _parameters(res)
    steps = np.eye(len(x)) * 1e-5
    gradient = [(exact.deviance(x + h) - exact.deviance(x - h)) / 2e-5 for h in steps]
    if _stationary(np.asarray(gradient)):
        return res, None
    polished = polish(res, nagq)
    return (res, None) if polished is None else polished


def _stationary(gradient: np.ndarray) -> bool:
    """Whether a deviance gradient in ``(theta, beta)`` is ~0: an optimum (every component below 0.01)."""
    return bool(np.all(np.isfinite(gradient)) and np.max(np.abs(gradient)) < 0.01)


def _glmm_result(res: Any, model: EngineModel, design: Design, deviance: Any = None,
                 lp0: np.ndarray | None = None) -> GlmmResult:
    """The engine's fit in the design's order and names (``deviance``: the function for the Hessian,
    ``lp0``: glmer's nAGQ = 0 linear predictor, see :func:`_glmer`)."""
    p = design.X.shape[1]
    vcov = _hessian_vcov(res, deviance, lp0)
    if vcov is None:
        vcov = np.asarray(res.vcov(), dtype=float)
    beta, vcov = model.coefficients(np.asarray(res.beta, dtype=float), vcov)
    terms = term_results(res, design)
    loglik = float(res.logLik().value)
    if res.nAGQ > 1:
        # lme4 reports an adaptive-quadrature fit's log-likelihood without the response density's
        # constants (the saturated model's log-likelihood): -deviance / 2, as glmer's devfun returns it.
        loglik -= float(res._saturated_log_likelihood)
    n_theta = sum(b.Z.shape[1] * (b.Z.shape[1] + 1) // 2 for b in design.random)
    return GlmmResult(
        beta=beta,
        vcov=vcov,
        df=np.full(p, np.inf),
        sigma=1.0,
        loglik=loglik,
        objective=-2 * loglik,
        npar=p + n_theta,
        fitted=np.asarray(res.fitted(type="response"), dtype=float),
        terms=terms,
        converged=bool(res.converged),
        iterations=getattr(res, "n_iter", None),
        eta=np.asarray(res.fitted(type="link"), dtype=float),
        pearson=np.asarray(res.residuals(type="pearson"), dtype=float),
        deviance_resid=np.asarray(res.residuals(type="deviance"), dtype=float),
    )


def _hessian_vcov(res: Any, deviance: Any = None, lp0: np.ndarray | None = None) -> np.ndarray | None:
    """The fixed effects' covariance as lme4's ``vcov(glmerfit)``: from the deviance's Hessian.

    lme4 differentiates its deviance function in (theta, beta) by finite differences at its optimum
    (``deriv12``, steps of 1e-4) and takes twice the inverse Hessian's fixed-effect block, so the
    standard errors include the uncertainty of the variance parameters. With Laplace's approximation
    that function is glmer's own (:class:`.Lme4Laplace`, whose PIRLS stops short of the exact modes:
    on cbpp its curvature is up to 2.6% above the exact Laplace deviance's), differentiated at its
    minimum, as glmer's optimizer leaves it; otherwise, or where that fails, the engine's deviance (or
    ``deviance``) at the engine's optimum. None where the Hessian is not positive definite (lme4 then
    falls back to the conditional covariance, as we do). ``lp0``: glmer's nAGQ = 0 linear predictor
    (None: found by :class:`.Lme4Laplace`).
    """
    if not getattr(res, "joint_fit", False) or len(res.beta) == 0:
        return None
    if getattr(res, "nAGQ", 1) == 1:
        hessian = _glmer_hessian(res, _parameters(res), lp0)
        vcov = None if hessian is None else _fixed_vcov(hessian, len(res.theta))
        if vcov is not None:
            return vcov
    deviance = res.as_function("deviance") if deviance is None else deviance
    hessian = deriv12(deviance, _parameters(res))[1]
    return _fixed_vcov(hessian, len(res.theta))


def _glmer_hessian(res: Any, x: np.ndarray, lp0: np.ndarray | None = None) -> np.ndarray | None:
    """The Hessian of glmer's Laplace deviance function at its minimum, reached by Newton steps from
    ``x`` (the engine's optimum) with the finite-difference gradient and Hessian; parameters on a
    bound (a variance parameter at 0) stay there. None for more than :data:`GLMER_HESSIAN_MAX_Q`
    random effects or :data:`GLMER_HESSIAN_MAX_N` observations, or where that function fails near ``x``.
    """
    if res.matrices.n_random > GLMER_HESSIAN_MAX_Q or len(res.matrices.y) > GLMER_HESSIAN_MAX_N:
        return None
    with blas_limit(1):  # dense factors of at most a few hundred columns: one thread is fastest
        try:
            laplace = Lme4Laplace(res.matrices, res.family, np.asarray(res.theta, dtype=float), lp0)
        except (ValueError, ArithmeticError, np.linalg.LinAlgError):
            return None
        free = np.r_[laplace.lower, np.full(len(x) - len(laplace.lower), -np.inf)] != x
        gradient, hessian = deriv12(laplace.deviance, x)
        for _ in range(2):  # the engine's optimum is the exact Laplace deviance's, ~1e-3 SD away
            if not (np.isfinite(hessian).all() and np.isfinite(gradient).all()):
                return None
            try:
                inverse = np.linalg.inv(hessian[np.ix_(free, free)])
            except np.linalg.LinAlgError:
                return None
            step, sd = inverse @ gradient[free], np.sqrt(np.abs(np.diag(inverse)))
            if np.max(np.abs(step) / sd) < 1e-4:  # at the minimum, to 1e-4 of each parameter's SD
                break
            if np.max(np.abs(step) / sd) > 0.5:  # not a small correction: that function is not glmer's here
                return None
            x = x.copy()
            x[free] -= step
            gradient, hessian = deriv12(laplace.deviance, x)
    return hessian


def _stage0_lp0(stage0: Any, matrices: Any) -> np.ndarray | None:
    """glmer's ``lp0`` (the nAGQ = 0 stage's linear predictor, without offset) from the fit's own nAGQ = 0
    stage (``stage0``, as glmer's optimizer starts; None where it did not run or converge). Without it,
    :class:`.Lme4Laplace` searches for that stage itself (grouseticks: 11 s, for the same ``lp0`` to 3e-4;
    1e-3 in ``lp0`` moves the standard errors by ~1e-6)."""
    if stage0 is None or not stage0.pirls_converged:
        return None
    lp0 = matrices.X @ np.asarray(stage0.beta, dtype=float) + matrices.Z @ np.asarray(stage0.u, dtype=float)
    return lp0 if np.all(np.isfinite(lp0)) else None  # u: b, not spherical


def _parameters(res: Any) -> np.ndarray:
    """The engine result's ``(theta, beta)``, the deviance function's argument."""
    return np.r_[np.asarray(res.theta, dtype=float), np.asarray(res.beta, dtype=float)]


def _fixed_vcov(hessian: np.ndarray, k: int) -> np.ndarray | None:
    """The fixed effects' covariance from the deviance's Hessian in ``(theta, beta)`` (``k`` thetas), as
    lme4: twice the inverse Hessian's fixed-effect block; None where it is not positive definite."""
    if not np.isfinite(hessian).all():
        return None
    try:
        inverse = np.linalg.inv(hessian)
    except np.linalg.LinAlgError:
        return None
    vcov = inverse[k:, k:]
    vcov = vcov + vcov.T  # lme4: forceSymmetric(h + t(h)), i.e. 2 * h
    if not np.isfinite(vcov).all() or np.linalg.eigvalsh(vcov).min() <= 0:
        return None
    return vcov


def deriv12(fun: Any, x: np.ndarray, delta: float = 1e-4) -> tuple[np.ndarray, np.ndarray]:
    """The gradient and Hessian of ``fun`` at ``x`` by central differences, as lme4's ``deriv12`` (no bounds)."""
    n = len(x)
    fx = fun(x)
    gradient, hessian = np.empty(n), np.empty((n, n))
    steps = np.eye(n) * delta
    for j in range(n):
        up, down = fun(x + steps[j]), fun(x - steps[j])
        gradient[j] = (up - down) / (2 * delta)
        hessian[j, j] = (up - 2 * fx + down) / delta**2
        for i in range(j):
            a, b = steps[i], steps[j]
            hessian[i, j] = hessian[j, i] = (
                fun(x + a + b) - fun(x + a - b) - fun(x - a + b) + fun(x - a - b)
            ) / (4 * delta**2)
    return gradient, hessian


class GlmmRefitter:
    """A binomial or Poisson model fitted once, then refitted to new responses (simulation, bootstrap).

    The same interface as :class:`~mixwidget.engine.adapter.Refitter`: each :meth:`refit` swaps the
    response (proportions of the same trials, or counts) and optimizes again.

    With one scalar random term each refit is checked as the first fit is (:func:`_checked_optimum`:
    the gradient of the per-group deviance, 2 (1 + p) evaluations, and a re-optimization only where it
    is not ~0; a refit the engine's optimizer gives up on is re-optimized from the first fit's optimum),
    and its standard errors come from the finite-difference Hessian of that deviance, as lme4's do
    (ohio: 33 evaluations, ~50 ms). Other models' refits take theirs from the conditional information
    matrix at the optimum (the engine's ``vcov``): the Hessian of the engine's deviance costs 50-100
    evaluations of its sparse solve per refit, and on the reference models with more than one random
    effect per observation the two differ by at most 2%. (The conditional one is no stand-in with one
    large variance: on ohio's responses drawn from its fit, intercept SEs 0.25 and 0.49 where the
    Hessian and glmer give 0.45 and 0.58.) A model without random terms:
    :class:`~mixwidget.engine.glm.GlmRefitter`.
    """

    def __init__(self, design: Design, reml: bool = False, nagq: int = 1) -> None:
        self.design = design
        self.reml = False
        self.mixed = True
        self.nagq = int(nagq)
        self._p = design.X.shape[1]
        self._model = engine_model(design)
        with warnings.catch_warnings(), limit_blas(design):
            warnings.simplefilter("ignore")
            self._base = _glmer(self._model, engine_family(design.family), self.nagq)[0]
        self._scalar = scalar_term(self._model.matrices) and self._p > 0

    def refit(self, y: np.ndarray) -> Refit:
        """Estimates for the same design with response ``y`` (on the design's scale)."""
        y = np.ascontiguousarray(y, dtype=float)
        with warnings.catch_warnings(), limit_blas(self.design):
            warnings.simplefilter("ignore")
            res, vcov = self._checked_refit(y) if self._scalar else (self._base.refit(y), None)
            vcov = np.asarray(res.vcov(), dtype=float) if vcov is None else vcov
            beta, vcov = self._model.coefficients(np.asarray(res.beta, dtype=float), vcov)
            covs = term_covariances(res, self.design)
        return Refit(beta=beta, se=np.sqrt(np.diag(vcov)),
                     df=np.full(self._p, np.inf), sigma=1.0, covs=covs, converged=bool(res.converged))

    def _checked_refit(self, y: np.ndarray) -> tuple[Any, np.ndarray | None]:
        """The engine's refit to ``y`` (one scalar random term), checked and if need be re-optimized, and
        the fixed effects' covariance from the per-group deviance's Hessian (None: not positive definite).

        The gradient comes from the Hessian's own differences, so a refit at an optimum costs the
        Hessian's 2 p^2 + 1 evaluations and no more. Where the engine's optimizer stops on an error
        (ohio's responses drawn at large variances: "joint parameters must contain finite real values"),
        the deviance is optimized from the first fit's optimum instead; the result is flagged not
        converged if that finds no better point.
        """
        try:
            res = self._base.refit(y)
        except (ValueError, ArithmeticError, np.linalg.LinAlgError):
            res = replace(self._base, matrices=replace(self._base.matrices, y=y), converged=False)
        exact = ScalarLaplace(res.matrices, res.family, self.nagq)
        gradient, hessian = deriv12(exact.deviance, _parameters(res))
        if not _stationary(gradient):
            polished = polish(res, self.nagq)
            if polished is not None:
                res = polished[0]
                hessian = deriv12(exact.deviance, _parameters(res))[1]
        return res, _fixed_vcov(hessian, len(res.theta))
