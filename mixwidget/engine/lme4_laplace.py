"""lme4's Laplace deviance function of a glmer fit, as its finite-difference Hessian sees it.

``vcov(glmerfit)`` differentiates glmer's stage-2 deviance function (``mkdevfun`` with ``nAGQ = 1``)
by ``deriv12``. That function is not the Laplace approximation evaluated at the conditional modes:
each call restarts lme4's PIRLS (``pwrssUpdate``, ``tolPwrss = 1e-7``) from one fixed linear
predictor ``lp0`` (the nAGQ = 0 stage's), stops when the penalized deviance changes by less than
1e-7 relative (usually after two steps), and takes ``log det(L)`` from the last factorization, made
with the working weights one step before the modes. Away from ``lp0`` the first step's error grows
quadratically, so the function bends more than the exact Laplace deviance: on cbpp its Hessian is
0.7-2.6% larger on the diagonal and the standard errors 0.5-1.3% smaller than the exact ones
(docs/notes/glmm-standard-errors.md). :class:`Lme4Laplace` repeats those steps (the nAGQ = 0
stage for ``lp0``, then PIRLS from it) so that the Hessian, and the standard errors, are glmer's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import linalg, optimize, sparse

__all__ = ["Lme4Laplace"]

_TOL = 1e-7  # glmerControl()$tolPwrss
_MAXIT = 100  # glmer's PIRLS iterations
_HALVINGS = 20  # pwrssUpdate's step halvings


@dataclass
class _Pirls:
    """The end of one PIRLS run: lme4's Laplace deviance and the linear predictor (without offset)."""

    deviance: float
    linpred: np.ndarray


class Lme4Laplace:
    """glmer's Laplace deviance of ``(theta, beta)`` for the engine's ``matrices`` and ``family``.

    Parameters
    ----------
    matrices
        The engine's model matrices (``X``, ``Z``, ``y``, prior ``weights``, ``offset``).
    family
        The engine's family (binomial or Poisson, with its link).
    theta
        Where to start the search for the nAGQ = 0 stage's theta (the fit's theta: the two are close).
    lp0
        The nAGQ = 0 stage's linear predictor (without offset) where it is known; otherwise it is found
        here by that stage's search.
    """

    def __init__(self, matrices: Any, family: Any, theta: np.ndarray, lp0: np.ndarray | None = None) -> None:
        from mixedlm.estimation.reml import _build_lambda, _build_lambda_blocks

        self._lambda = lambda theta: _build_lambda(theta, matrices.random_structures)
        self._blocks = lambda theta: _build_lambda_blocks(theta, matrices.random_structures)
        self.family = family
        self.X = np.asarray(matrices.X, dtype=float)
        self.Z = sparse.csc_matrix(matrices.Z)
        self.y = np.asarray(matrices.y, dtype=float)
        self.wt = np.asarray(matrices.weights, dtype=float)
        self.offset = np.asarray(matrices.offset, dtype=float)
        structures = matrices.random_structures
        if any(getattr(s, "cov_type", "us") != "us" for s in structures):
            raise ValueError("lme4's covariance factors only (unstructured or diagonal)")
        self.n_theta = sum(s.n_terms * (s.n_terms + 1) // 2 if s.correlated else s.n_terms for s in structures)
        self.lower = self._theta_lower(structures)
        self._split(structures)
        self._zl_cache: dict[bytes, sparse.csc_matrix] = {}
        self.lp0 = (self._stage1_lp0(np.maximum(np.asarray(theta, dtype=float), self.lower)) if lp0 is None
                    else np.asarray(lp0, dtype=float))

    def _split(self, structures: list[Any]) -> None:
        """Set apart the term with the most random effects: its block of ``L L'`` is block-diagonal (one
        level per observation, ``k x k`` blocks), so it is eliminated first, level by level, and only the
        other terms and the fixed effects are factored densely."""
        widths = [s.n_levels * s.n_terms for s in structures]
        starts = np.cumsum([0, *widths])
        self.term1 = j = int(np.argmax(widths))
        k, n = structures[j].n_terms, self.Z.shape[0]
        first = np.arange(starts[j], starts[j + 1])
        Z1 = self.Z[:, first].tocoo()
        self.levels1, self.k1 = structures[j].n_levels, k
        self.code1, self.z1 = np.zeros(n, dtype=np.int64), np.zeros((n, k))
        self.code1[Z1.row], self.z1[Z1.row, Z1.col % k] = Z1.col // k, Z1.data  # columns level by level
        self.q1 = len(first)
        self.rest = np.setdiff1d(np.arange(self.Z.shape[1]), first)

    @staticmethod
    def _theta_lower(structures: list[Any]) -> np.ndarray:
        """0 for the diagonal elements of each relative covariance factor, -inf below them (the engine's
        order of theta: each factor's lower triangle row by row)."""
        lower: list[float] = []
        for s in structures:
            if not s.correlated:
                lower += [0.0] * s.n_terms
                continue
            rows, cols = np.tril_indices(s.n_terms)
            lower += [0.0 if r == c else -np.inf for r, c in zip(rows, cols)]
        return np.asarray(lower)

    def _mean(self, eta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Mean, d mu / d eta and variance at ``eta``."""
        mu = self.family.link.inverse(eta)
        return mu, 1.0 / self.family.link.deriv(mu), self.family.variance(mu)

    def _pdev(self, mu: np.ndarray, u: np.ndarray) -> float:
        with np.errstate(all="ignore"):
            return float(np.sum(self.family.deviance_resids(self.y, mu, self.wt)) + u @ u)

    def _zl(self, theta: np.ndarray) -> sparse.csc_matrix:
        """``Z Lambda`` without the eliminated term's columns (kept for the last few ``theta``)."""
        key = np.asarray(theta, dtype=float).tobytes()
        if key not in self._zl_cache:
            if len(self._zl_cache) > 8:
                self._zl_cache.clear()
            self._zl_cache[key] = sparse.csc_matrix((self.Z @ self._lambda(theta))[:, self.rest])
        return self._zl_cache[key]

    def pirls(self, theta: np.ndarray, beta: np.ndarray | None, start: np.ndarray) -> _Pirls:
        """lme4's ``pwrssUpdate`` then ``Laplace``: modes ``u`` (``beta`` given) or ``(u, beta)`` jointly
        (``beta=None``, its nAGQ = 0 stage), from the linear predictor ``start`` (without offset)."""
        theta = np.asarray(theta, dtype=float)
        val1 = self.z1 @ self._blocks(theta)[self.term1]  # rows of Z Lambda in the eliminated term
        R = self._zl(theta)
        q2 = R.shape[1]
        if beta is None:
            R = sparse.hstack([R, self.X], format="csc")
        fixed = self.offset if beta is None else self.offset + self.X @ beta
        eta = self.offset + start  # lme4: resp$updateMu(lp0) with the base offset, then the fixed part
        mu, mueta, var = self._mean(eta)
        penalty = np.r_[np.ones(q2), np.zeros(R.shape[1] - q2)]
        old, oldpdev = np.zeros(self.q1 + R.shape[1]), np.inf
        for _ in range(_MAXIT):
            sw = mueta * np.sqrt(self.wt / var)
            wz = sw * ((eta - fixed) + (self.y - mu) / mueta)
            step, ldl2 = self._solve(sw, wz, val1, R, penalty, q2)
            pdev, eta, mu, mueta, var = self._update(val1, R, fixed, step, q2)
            if abs(oldpdev - pdev) < _TOL * abs(pdev):
                return _Pirls(ldl2 + pdev, eta - self.offset)
            for _h in range(_HALVINGS):  # lme4's step halving towards the previous step
                if not (np.isnan(pdev) or pdev > oldpdev):
                    break
                step = (old + step) / 2
                pdev, eta, mu, mueta, var = self._update(val1, R, fixed, step, q2)
            if not np.isfinite(pdev) or pdev - oldpdev > _TOL:
                return _Pirls(np.inf, eta - self.offset)
            old, oldpdev = step, pdev
        return _Pirls(np.inf, eta - self.offset)

    def _solve(self, sw: np.ndarray, wz: np.ndarray, val1: np.ndarray, R: sparse.csc_matrix,
               penalty: np.ndarray, q2: int) -> tuple[np.ndarray, float]:
        """One penalized weighted least-squares step: the new ``(u1, u2[, beta])`` and ``log det(L)^2``
        of ``Lambda' Z' W Z Lambda + I`` at these weights (the eliminated term's blocks first)."""
        n, k, levels = len(sw), self.k1, self.levels1
        swv = sw[:, None] * val1
        A1 = np.empty((levels, k, k))
        for a in range(k):
            for b in range(a + 1):
                A1[:, a, b] = A1[:, b, a] = np.bincount(self.code1, swv[:, a] * swv[:, b], minlength=levels)
        A1 += np.eye(k)
        chol1 = np.linalg.cholesky(A1)
        ldl2 = 2.0 * float(np.sum(np.log(np.diagonal(chol1, axis1=1, axis2=2))))
        inverse = np.linalg.inv(A1)
        r1 = np.column_stack([np.bincount(self.code1, swv[:, a] * wz, minlength=levels) for a in range(k)])
        u1 = (inverse @ r1[:, :, None])[:, :, 0].ravel()
        if not R.shape[1]:
            return u1, ldl2
        # (Z Lambda)' W restricted to the eliminated term, one row per (level, column of its block)
        P = sparse.csr_matrix((swv.ravel(), ((self.code1[:, None] * k + np.arange(k)).ravel(),
                                             np.repeat(np.arange(n), k))), shape=(levels * k, n))
        blocks = sparse.bsr_matrix((inverse, np.arange(levels), np.arange(levels + 1)), shape=(levels * k,) * 2)
        UR = sparse.csc_matrix(R.multiply(sw[:, None]))
        B = sparse.csr_matrix(P @ UR)  # (levels k) x (columns of R)
        M = (UR.T @ UR - B.T @ (blocks @ B)).toarray() + np.diag(penalty)
        chol = np.linalg.cholesky(M)
        ldl2 += 2.0 * float(np.sum(np.log(np.diag(chol)[:q2])))
        rest = linalg.cho_solve((chol, True), UR.T @ wz - B.T @ u1)
        return np.r_[u1 - blocks @ (B @ rest), rest], ldl2

    def _update(self, val1: np.ndarray, R: sparse.csc_matrix, fixed: np.ndarray, step: np.ndarray,
                q2: int) -> tuple[Any, ...]:
        """Penalized deviance and the new linear predictor, mean, d mu / d eta, variance for ``step``
        (``u`` its first ``q1 + q2`` entries)."""
        u1 = step[: self.q1].reshape(self.levels1, self.k1)
        eta = fixed + R @ step[self.q1:] + np.einsum("ik,ik->i", val1, u1[self.code1])
        mu, mueta, var = self._mean(eta)
        return self._pdev(mu, step[: self.q1 + q2]), eta, mu, mueta, var

    def _stage1_lp0(self, theta: np.ndarray) -> np.ndarray:
        """glmer's ``lp0``: the linear predictor of its nAGQ = 0 fit (theta optimized with the fixed
        effects in PIRLS), each evaluation started where the first one, at lme4's start (1 on the
        factors' diagonals, 0 elsewhere) from ``family$initialize``'s means, ended. The search starts
        at ``theta``; ``lp0`` moves the Hessian little (1e-3 in ``lp0``: 1e-6 in the cbpp SEs)."""
        start = self.family.link.link(self._mustart())  # mkRespMod: updateMu(linkfun(mustart))
        first = self.pirls(np.where(np.isfinite(self.lower), 1.0, 0.0), None, start).linpred
        bounds = [(lo if np.isfinite(lo) else None, None) for lo in self.lower]
        found = optimize.minimize(lambda t: self.pirls(t, None, first).deviance, theta, method="Powell",
                                  bounds=bounds, options={"xtol": 1e-2, "ftol": 1e-8,
                                                          "direc": np.eye(len(theta)) * 0.02})
        return self.pirls(found.x, None, first).linpred

    def _mustart(self) -> np.ndarray:
        """R's ``family$initialize``: ``(w y + 1/2) / (w + 1)`` (binomial), ``y + 0.1`` (Poisson)."""
        if type(self.family).__name__.lower().startswith("binomial"):
            return (self.wt * self.y + 0.5) / (self.wt + 1.0)
        return self.y + 0.1

    def deviance(self, parameters: np.ndarray) -> float:
        """glmer's stage-2 deviance at ``parameters = (theta, *beta)``, from ``lp0`` as lme4 starts it."""
        parameters = np.asarray(parameters, dtype=float)
        theta, beta = parameters[: self.n_theta], parameters[self.n_theta:]
        try:
            return self.pirls(theta, beta, self.lp0).deviance
        except (linalg.LinAlgError, ValueError):
            return np.inf
