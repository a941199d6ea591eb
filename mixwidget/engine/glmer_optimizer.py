"""The engine's glmer optimizer, with its nAGQ = 0 stage kept and the Laplace deviance of other links in numpy.

:class:`GlmerOptimizer` is the engine's ``GLMMOptimizer`` (the same stages: the nAGQ = 0 fit, then
theta and beta jointly from there, by the same optimizer) with two changes that leave its answers as
they were:

* the nAGQ = 0 stage's result is kept (:attr:`GlmerOptimizer.stage0`): glmer's deviance function for
  the standard errors starts every evaluation from that stage's linear predictor
  (:class:`.Lme4Laplace`), which had been found by fitting that stage a second time;
* for the links the engine evaluates in Python (probit, cloglog, ...: its native code has logit and
  log), each Laplace deviance is :class:`LaplaceDeviance`: the engine's own penalized IRLS and
  Laplace steps (``_pirls_state`` and ``_laplace_deviance_with_status``: the same starts, clips,
  step halving, convergence test and final evaluation), with ``Z' W Z`` from a fixed map of the
  weights instead of sparse products rebuilt each iteration (Contraception's probit model: 77
  deviances of ~10 iterations, each ~1.5 ms of sparse-matrix construction). The operations are the
  engine's, in its order, so the values are its own: the fits of the reference models' probit and
  cloglog links, and of crossed, correlated, cauchit and Poisson sqrt/identity models, are the
  engine's to the last bit.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
from mixedlm.estimation.joint_glmm import JointGLMMObjective
from mixedlm.estimation.laplace import (
    GLMMOptimizationResult,
    GLMMOptimizer,
    _laplace_deviance_with_status,
    _native_supported,
    _pirls_mean,
)
from mixedlm.estimation.optimizers import run_optimizer
from mixedlm.estimation.validation import validate_finite_real
from mixedlm.families import Binomial, Poisson
from mixedlm.families.base import Family, IdentityLink, InverseLink, InverseSquaredLink, SqrtLink
from mixedlm.families.gaussian import Gaussian
from numpy.typing import NDArray
from scipy import linalg, sparse

from .lme4_laplace import GramMap
from .scalar_laplace import FamilyFormulas

__all__ = ["GlmerOptimizer", "LaplaceDeviance"]

# the engine's clips (mixedlm.estimation.laplace)
_MU_EPS, _MU_EPS_STRICT = 1e-7, 1e-10
_WEIGHT_MIN, _WEIGHT_MAX = 1e-10, 1e10
_DERIV_MAX, _SQRT_WEIGHT_MAX = 1e10, 1e5
_REGULARIZATION = 1e-6

Deviance = tuple[float, NDArray[np.floating], NDArray[np.floating], bool]


class LaplaceDeviance:
    """The engine's Laplace deviance at ``theta`` (its modes by penalized IRLS) for a family and link
    its native code lacks, evaluated with fixed maps of the weights.

    Parameters
    ----------
    matrices
        The engine's model matrices (their ``X``: the fixed effects profiled in the IRLS, as in its
        nAGQ = 0 stage, or none, as in its joint stage, whose ``X beta`` is in the offset).
    family
        The engine's family.
    maxiter, tol
        The engine's IRLS iterations and tolerance (``pirls_maxiter``, ``pirls_tol``).
    """

    def __init__(self, matrices: Any, family: Any, maxiter: int | None, tol: float) -> None:
        self.matrices, self.family = matrices, family
        self.maxiter, self.tol = 25 if maxiter is None else maxiter, tol
        self.X = np.asarray(matrices.X, dtype=np.float64)
        self.y = np.asarray(matrices.y, dtype=np.float64)
        self.prior = np.asarray(matrices.weights, dtype=np.float64)
        self.Z = sparse.csr_matrix(matrices.Z)
        self.Zt = sparse.csr_matrix(self.Z.T)
        self._gram: GramMap | None = None  # Z' W Z's map, laid out where Z' W Z is not diagonal
        self._diagonal = bool(np.all(np.diff(self.Z.indptr) <= 1)) and not any(
            s.correlated and s.n_terms > 1 for s in matrices.random_structures)  # Z' W Z and Lambda diagonal
        # one random effect per observation: Z v and Z' v by index (its nonzero, or 0 and the first effect)
        self._codes, self._zvals = np.zeros(self.Z.shape[0], dtype=np.int64), np.zeros(self.Z.shape[0])
        if self._diagonal:
            rows = np.repeat(np.arange(self.Z.shape[0]), np.diff(self.Z.indptr))
            self._codes[rows], self._zvals[rows] = self.Z.indices, self.Z.data
        self._zsq = self._zvals * self._zvals
        self._formulas = FamilyFormulas(family, self.y, self.prior)
        # the family's working weights are 1 / (g'(mu)^2 V(mu)) (the engine's Family.weights): g' once
        self._base_weights = type(family).weights is Family.weights
        self._started: tuple[bytes, NDArray[np.floating]] | None = None
        self._mean_bounds: tuple[tuple[Any, bool], tuple[Any, bool]] | None = None
        link = family.link
        if (type(family) in (Binomial, Poisson) and not isinstance(link, (InverseLink, InverseSquaredLink, SqrtLink))
                and not hasattr(family, "valideta") and not hasattr(family, "validmu")):
            lower, upper = family._mean_bounds()  # a bound the link reaches is not a failure (the engine's test)
            self._mean_bounds = ((lower, link.mu_lower_bound != lower), (upper, link.mu_upper_bound != upper))

    def _lambda(self, theta: NDArray[np.floating]) -> NDArray[np.floating] | None:
        """``Lambda``'s diagonal (None where a factor has entries below it, or is not lme4's kind: then
        the engine evaluates). The engine's factors (``_build_lambda_blocks``): theta's entries of each
        term in turn, a correlated term's its lower triangle row by row."""
        parts, start = [], 0
        for s in self.matrices.random_structures:
            k = s.n_terms
            if getattr(s, "cov_type", "us") != "us":
                return None
            if not s.correlated or k == 1:
                diagonal, start = theta[start:start + k], start + k
            else:
                rows, cols = np.tril_indices(k)
                block, start = theta[start:start + len(rows)], start + len(rows)
                if np.count_nonzero(block[rows != cols]):
                    return None
                diagonal = block[rows == cols]
            parts.append(np.tile(diagonal, s.n_levels))
        return np.concatenate(parts)

    def __call__(self, theta: NDArray[np.floating], offset: NDArray[np.floating]) -> Deviance:
        """``(deviance, beta, b, converged)`` at ``theta`` with ``offset`` as the engine's
        ``_laplace_deviance_with_status`` returns them (``b`` the random effects, not spherical)."""
        lam = self._lambda(np.asarray(theta, dtype=np.float64))
        if lam is None or not self.matrices.n_random:
            return self._engine(theta, offset)
        state = self._pirls(lam, offset)
        if state is None:  # no feasible start: the engine's search for one
            return self._engine(theta, offset)
        beta, spherical, converged = state
        b = lam * spherical
        eta = self.X @ beta + offset + self._z_times(b)
        mu = self.family.clamp_mu(self.family.link.inverse(eta), eps=_MU_EPS_STRICT)
        deviance = np.sum(self._formulas.deviance_resids(mu)) + spherical @ spherical
        W = np.clip(self.family.weights(mu) * self.prior, _WEIGHT_MIN, _WEIGHT_MAX)
        w_sqrt = np.clip(np.sqrt(W), 0, _SQRT_WEIGHT_MAX)
        if self._diagonal:  # Cholesky's factor of a diagonal matrix: the square roots
            H = _finite(lam * self._zt_times(w_sqrt * w_sqrt, self._zsq) * lam + 1.0)
            deviance += 2.0 * float(np.sum(np.log(np.sqrt(H)))) if H.min() > 0 else _logdet(np.diag(H))
        else:
            deviance += _logdet(self._penalized(lam, w_sqrt * w_sqrt))
        return float(deviance), beta, b, bool(converged)  # the IRLS deviance is finite: every accepted one is

    def _engine(self, theta: NDArray[np.floating], offset: NDArray[np.floating]) -> Deviance:
        return _laplace_deviance_with_status(np.asarray(theta, dtype=np.float64),
                                             replace(self.matrices, offset=offset), self.family,
                                             pirls_maxiter=self.maxiter, pirls_tol=self.tol)

    def _penalized(self, lam: NDArray[np.floating], w: NDArray[np.floating]) -> NDArray[np.floating]:
        """``Lambda' Z' W Z Lambda + I`` (dense), non-finite entries replaced as the engine does."""
        if self._gram is None:
            self._gram = GramMap(self.Z)
        C = lam[:, None] * self._gram(w) * lam[None, :] + np.eye(len(lam))
        if not np.all(np.isfinite(C)):
            C = np.nan_to_num(C, nan=0.0, posinf=_WEIGHT_MAX, neginf=-_WEIGHT_MAX)
        return C

    def _start(self, offset: NDArray[np.floating]) -> NDArray[np.floating]:
        """The engine's starting fixed effects: weighted least squares on the linked initial means (the
        last offset's kept: the nAGQ = 0 stage evaluates every theta with the same)."""
        if not self.X.shape[1]:
            return np.empty(0)
        key = offset.tobytes()
        if self._started is not None and self._started[0] == key:
            return self._started[1].copy()
        eta = self.family.link(self.family.initialize_mu(self.y)) - offset
        sqrt_prior = np.sqrt(np.maximum(self.prior, _WEIGHT_MIN))
        wX, weta = sqrt_prior[:, None] * self.X, sqrt_prior * eta
        try:
            beta = linalg.solve(wX.T @ wX, wX.T @ weta, assume_a="pos")
        except linalg.LinAlgError:
            beta = linalg.lstsq(wX, weta)[0]
        self._started = (key, beta)
        return beta.copy()

    def _z_times(self, v: NDArray[np.floating]) -> NDArray[np.floating]:
        """``Z v`` (as the sparse product: each row's one term, or 0)."""
        return self._zvals * v[self._codes] if self._diagonal else self.Z @ v

    def _zt_times(self, v: NDArray[np.floating], zvals: NDArray[np.floating] | None = None) -> NDArray[np.floating]:
        """``Z' v`` (as the sparse product: each column's terms in the observations' order); with one
        random effect per observation, ``zvals`` (squares: the diagonal of ``Z' diag(v) Z``) for ``Z``'s."""
        if self._diagonal:
            return np.bincount(self._codes, (self._zvals if zvals is None else zvals) * v, minlength=self.Z.shape[1])
        return self.Zt @ v

    def _weights_deriv(self, mu: NDArray[np.floating]) -> tuple[NDArray[np.floating], NDArray[np.floating]]:
        """The family's working weights and the link's derivative at ``mu``."""
        deriv = self.family.link.deriv(mu)
        if self._base_weights:
            return 1.0 / (deriv**2 * self.family.variance(mu)), deriv
        return self.family.weights(mu), deriv

    def _evaluate(self, lam: NDArray[np.floating], offset: NDArray[np.floating], beta: NDArray[np.floating],
                  spherical: NDArray[np.floating]) -> tuple[Any, Any, float] | None:
        """The engine's ``evaluate``: linear predictor, mean and penalized deviance, None where invalid."""
        random = self._z_times(lam * spherical)
        eta = (self.X @ beta + random if len(beta) else random) + offset  # no fixed effects: 0 + v is v
        mu = self._mean(eta)
        if mu is None:
            return None
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            deviance = float(np.sum(self._formulas.deviance_resids(mu)) + spherical @ spherical)
        return (eta, mu, deviance) if np.isfinite(deviance) else None

    def _mean(self, eta: NDArray[np.floating]) -> NDArray[np.floating] | None:
        """The engine's ``_pirls_mean``: the clamped mean at ``eta``, None where it is not valid. Its
        checks written out for the engine's binomial and Poisson classes (no ``valideta``/``validmu``)
        with a link of unrestricted domain."""
        if self._mean_bounds is None:
            return _pirls_mean(self.family, eta)
        if not np.isfinite(eta).all():
            return None
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            mu = np.asarray(self.family.link.inverse(eta), dtype=np.float64)
        if mu.shape != eta.shape or not np.isfinite(mu).all():
            return None
        (lower, lower_open), (upper, upper_open) = self._mean_bounds  # mu is finite: its extremes decide
        if lower is not None and (mu.min() < lower or (lower_open and mu.min() == lower)):
            return None
        if upper is not None and (mu.max() > upper or (upper_open and mu.max() == upper)):
            return None
        return self._formulas.clamp(mu)

    def _pirls(self, lam: NDArray[np.floating], offset: NDArray[np.floating]) -> tuple[Any, Any, bool] | None:
        """The engine's ``_pirls_state`` from its default start: ``(beta, spherical modes, converged)``."""
        y = self.y
        beta, spherical = self._start(offset), np.zeros(len(lam))
        current = self._evaluate(lam, offset, beta, spherical)
        if current is None:
            return None
        converged = False
        for _ in range(self.maxiter):
            eta, mu, old_deviance = current
            mu = self._formulas.clamp(mu, _MU_EPS)  # np.clip(a, lo, hi) as np.minimum(np.maximum(a, lo), hi)
            weights, deriv = self._weights_deriv(mu)
            W = np.minimum(np.maximum(weights * self.prior, _WEIGHT_MIN), _WEIGHT_MAX)
            deriv = np.minimum(np.maximum(deriv, -_DERIV_MAX), _DERIV_MAX)
            z = np.minimum(np.maximum(eta - offset + deriv * (y - mu), -_DERIV_MAX), _DERIV_MAX)
            w_sqrt = np.minimum(np.sqrt(W), _SQRT_WEIGHT_MAX)  # W >= 1e-10 (or NaN): its root needs no floor
            solved = self._solve(lam, w_sqrt, _finite(W * z))
            if solved is None:
                break
            beta_new, spherical_new = solved
            delta_beta = np.max(np.abs(beta_new - beta), initial=0.0) if len(beta) else 0.0
            delta_u = np.max(np.abs(spherical_new - spherical))
            accepted, step = None, 1.0
            for _halving in range(31):  # the engine's step halving: every accepted step lowers the deviance
                candidate_beta = beta + step * (beta_new - beta)
                candidate_spherical = spherical + step * (spherical_new - spherical)
                candidate = self._evaluate(lam, offset, candidate_beta, candidate_spherical)
                if candidate is not None and candidate[2] <= old_deviance + 1e-12 * (1.0 + abs(old_deviance)):
                    accepted = candidate
                    break
                step *= 0.5
            if accepted is None:
                break
            beta, spherical, current = candidate_beta, candidate_spherical, accepted
            if delta_beta < self.tol and delta_u < self.tol:
                converged = True
                break
        return beta, spherical, converged

    def _solve(self, lam: NDArray[np.floating], w_sqrt: NDArray[np.floating],
               Wz: NDArray[np.floating]) -> tuple[NDArray[np.floating], NDArray[np.floating]] | None:
        """One IRLS step's ``(beta, spherical modes)`` (the engine's: the modes' Cholesky factor, the
        fixed effects' Schur complement), None where ``beta`` is not finite. With one random effect
        per observation ``Lambda' Z' W Z Lambda + I`` is diagonal, its factor the square roots
        (Contraception's ``(1 | district)``: a step in 0.15 ms instead of 0.5)."""
        X = self.X
        ZtWz_sph = _finite(lam * self._zt_times(Wz))
        if self._diagonal:
            C = _finite(lam * self._zt_times(w_sqrt * w_sqrt, self._zsq) * lam + 1.0)
            l_C = np.sqrt(C if C.min() > 0 else C + _REGULARIZATION)  # the engine's regularized factor
            if not X.shape[1]:  # no fixed effects in the step (the joint stage's): the modes alone
                return np.empty(0), ZtWz_sph * (1.0 / l_C) * (1.0 / l_C)
        WX = w_sqrt[:, None] * X
        XtWX = _finite(WX.T @ WX)
        ZtWX_sph = _finite(lam[:, None] * (self.Zt @ (w_sqrt[:, None] * WX)))
        if self._diagonal:
            # the triangular solves as the dense factor's (OpenBLAS: a matrix right-hand side of more than
            # one column times the diagonal's reciprocals, a vector divided by it; the result in Fortran
            # order, which the products below see), so the same values
            inverse = 1.0 / l_C
            RZX = np.asfortranarray(ZtWX_sph * inverse[:, None] if X.shape[1] > 1 else ZtWX_sph / l_C[:, None])
            cu = _finite(ZtWz_sph / l_C)
        else:
            C = self._penalized(lam, w_sqrt * w_sqrt)
            try:  # every matrix handed to scipy here is finite (the engine's replacements)
                L_C = linalg.cholesky(C, lower=True, check_finite=False)
            except (linalg.LinAlgError, ValueError):
                L_C = linalg.cholesky(C + _REGULARIZATION * np.eye(len(C)), lower=True, check_finite=False)
            RZX = linalg.solve_triangular(L_C, ZtWX_sph, lower=True, check_finite=False)
            cu = _finite(linalg.solve_triangular(L_C, ZtWz_sph, lower=True, check_finite=False))
        XtVinvX = _finite(XtWX - RZX.T @ RZX)
        XtVinvz = _finite(X.T @ Wz - RZX.T @ cu)
        if not X.shape[1]:
            beta_new = np.empty(0)
        else:
            try:
                beta_new = linalg.solve(XtVinvX, XtVinvz, assume_a="pos", check_finite=False)
            except (linalg.LinAlgError, ValueError):
                beta_new = linalg.lstsq(XtVinvX + _REGULARIZATION * np.eye(len(XtVinvX)), XtVinvz)[0]
            if not np.all(np.isfinite(beta_new)):
                return None
        rhs = _finite(ZtWz_sph - ZtWX_sph @ beta_new)
        if self._diagonal:
            return beta_new, rhs * inverse * inverse
        return beta_new, linalg.cho_solve((L_C, True), rhs, check_finite=False)


def _finite(a: NDArray[np.floating]) -> NDArray[np.floating]:
    """``a`` with non-finite entries replaced as the engine does (0, +-1e10)."""
    if np.isfinite(a).all():
        return a
    return np.nan_to_num(a, nan=0.0, posinf=_WEIGHT_MAX, neginf=-_WEIGHT_MAX)


def _logdet(H: NDArray[np.floating]) -> float:
    """``log det H`` as the engine takes it: by Cholesky, regularized, else by eigenvalues."""
    try:
        return 2.0 * float(np.sum(np.log(np.diag(linalg.cholesky(H, lower=True)))))
    except (linalg.LinAlgError, ValueError):
        H = np.nan_to_num(H, nan=0.0, posinf=_WEIGHT_MAX, neginf=-_WEIGHT_MAX) + _REGULARIZATION * np.eye(len(H))
        try:
            return 2.0 * float(np.sum(np.log(np.diag(linalg.cholesky(H, lower=True)))))
        except linalg.LinAlgError:
            return float(np.sum(np.log(np.maximum(linalg.eigvalsh(H), 1e-10))))


class _JointObjective(JointGLMMObjective):
    """The engine's joint ``(theta, beta)`` objective, its Laplace deviance by :class:`LaplaceDeviance`
    where the engine's would be evaluated in Python."""

    def __init__(self, matrices: Any, family: Any, nAGQ: int = 1, *, pirls_maxiter: int | None = None,
                 pirls_tol: float = 1e-6) -> None:
        super().__init__(matrices, family, nAGQ, pirls_maxiter=pirls_maxiter, pirls_tol=pirls_tol)
        self._laplace = (LaplaceDeviance(self.mode_matrices, family, pirls_maxiter, pirls_tol)
                         if self._native_problem is None and matrices.n_random else None)

    def evaluate(self, parameters: NDArray[np.floating]) -> Deviance:
        if self._laplace is None or self.nAGQ > 1:
            return super().evaluate(parameters)
        parameters = np.asarray(parameters)
        validate_finite_real("joint parameters", parameters, (self.n_parameters,))
        theta, beta = parameters[: self.n_theta], parameters[self.n_theta:]
        deviance, _, u, converged = self._laplace(theta, self.matrices.offset + self.matrices.X @ beta)
        return deviance, beta.copy(), u, converged


class GlmerOptimizer(GLMMOptimizer):
    """The engine's ``GLMMOptimizer``, its nAGQ = 0 stage kept in :attr:`stage0` (None where it is not
    run) and its Laplace deviances for links without native code by :class:`LaplaceDeviance`."""

    def __init__(self, matrices: Any, family: Any, verbose: int = 0, nAGQ: int = 1, *,
                 pirls_maxiter: int | None = None, pirls_tol: float = 1e-6, nAGQ0initStep: bool = True) -> None:
        super().__init__(matrices, family, verbose, nAGQ, pirls_maxiter=pirls_maxiter, pirls_tol=pirls_tol,
                         nAGQ0initStep=nAGQ0initStep)
        self.stage0: GLMMOptimizationResult | None = None
        self._laplace = (LaplaceDeviance(matrices, family, pirls_maxiter, pirls_tol)
                         if not _native_supported(matrices, family) and matrices.n_random else None)

    def objective(self, theta: NDArray[np.floating]) -> float:
        if self._laplace is None or self.nAGQ > 1:
            return super().objective(theta)
        return self._laplace(theta, self.matrices.offset)[0]

    def joint_objective(self) -> JointGLMMObjective:
        return _JointObjective(self.matrices, self.family, self.nAGQ, pirls_maxiter=self.pirls_maxiter,
                               pirls_tol=self.pirls_tol)

    def _final_evaluation_with_status(self, theta: NDArray[np.floating], *, nAGQ: int | None = None,
                                      beta: NDArray[np.floating] | None = None) -> Deviance:
        nAGQ = self.nAGQ if nAGQ is None else nAGQ
        if beta is not None or self._laplace is None or nAGQ > 1:
            return super()._final_evaluation_with_status(theta, nAGQ=nAGQ, beta=beta)
        try:  # the engine's checks of its final evaluation
            validate_finite_real("variance parameters", theta, (self.n_theta,))
            deviance, beta, u, converged = self._laplace(theta, self.matrices.offset)
            validate_finite_real("deviance", deviance, ())
            validate_finite_real("fixed effects", beta, (self.matrices.n_fixed,))
            validate_finite_real("random effects", u, (self.matrices.n_random,))
        except (FloatingPointError, OverflowError, TypeError, ValueError, linalg.LinAlgError) as exc:
            raise RuntimeError("Generalized optimization did not produce a valid fit: "
                               f"{type(exc).__name__}: {exc}") from exc
        return deviance, beta, u, converged

    def optimize(self, start: NDArray[np.floating] | None = None, method: str = "L-BFGS-B", maxiter: int = 1000,
                 options: dict[str, Any] | None = None, *, restart_edge: bool = True) -> GLMMOptimizationResult:
        """The engine's ``optimize``; with its nAGQ = 0 start (the joint fit with fixed effects and
        random effects), that stage is run by this class and kept in :attr:`stage0`."""
        m = self.matrices
        gaussian = type(self.family) is Gaussian and type(self.family.link) is IdentityLink
        exact = m.n_random == 0 or (self.nAGQ == 1 and (m.n_fixed == 0 or gaussian))
        if self.nAGQ == 0 or exact or not self.nAGQ0initStep:
            return super().optimize(start, method, maxiter, options, restart_edge=restart_edge)
        start = self.get_start_theta() if start is None else start
        stage = type(self)(m, self.family, self.verbose, nAGQ=0, pirls_maxiter=self.pirls_maxiter,
                           pirls_tol=self.pirls_tol)
        initial = self.stage0 = stage._optimize_pirls(start, method, maxiter, options, restart_edge=restart_edge)
        theta, beta = initial.theta, initial.beta
        if not initial.pirls_converged:
            deviance, beta, u, _ = self._final_evaluation_with_status(theta)
            return GLMMOptimizationResult(theta=theta, beta=beta, u=u, deviance=deviance, converged=False,
                                          pirls_converged=False, n_iter=initial.n_iter,
                                          message="initial inner PIRLS solver did not converge")
        objective = self.joint_objective()
        scale = objective.parameter_scale(theta)
        bounds = [(None if lower is None else lower / step, None if upper is None else upper / step)
                  for (lower, upper), step in zip(objective.bounds, scale, strict=True)]
        result = run_optimizer(lambda values: objective(values * scale), np.r_[theta, beta] / scale,
                               method=method, bounds=bounds, options={"maxiter": maxiter, **(options or {})},
                               callback=None, restart_edge=restart_edge,
                               jac="3-point" if method in {"L-BFGS-B", "BFGS", "TNC", "SLSQP", "trust-constr"} else None)
        optimum = result.x * scale
        theta, beta = optimum[: self.n_theta], optimum[self.n_theta:]
        deviance, beta, u, pirls_converged = self._final_evaluation_with_status(theta, beta=beta)
        return GLMMOptimizationResult(theta=theta, beta=beta, u=u, deviance=deviance,
                                      converged=bool(result.success and pirls_converged),
                                      pirls_converged=pirls_converged, n_iter=initial.n_iter + result.nit,
                                      joint_fit=True, message=str(getattr(result, "message", "")))
