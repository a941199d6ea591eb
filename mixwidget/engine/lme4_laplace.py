"""lme4's Laplace deviance function of a glmer fit, as its finite-difference Hessian sees it.

``vcov(glmerfit)`` differentiates glmer's stage-2 deviance function (``mkdevfun`` with ``nAGQ = 1``)
by ``deriv12``. That function is not the Laplace approximation evaluated at the conditional modes:
each call restarts lme4's PIRLS (``pwrssUpdate``, ``tolPwrss = 1e-7``) from one fixed linear
predictor ``lp0`` (the nAGQ = 0 stage's), stops when the penalized deviance changes by less than
1e-7 relative (usually after two steps), and takes ``log det(L)`` from the last factorization, made
with the working weights one step before the modes. Away from ``lp0`` the first step's error grows
quadratically, so the function bends more than the exact Laplace deviance: on cbpp its Hessian is
0.7-2.6% larger on the diagonal and the standard errors 0.5-1.3% smaller than the exact ones
(docs/notes/glmm-standard-errors.md). :class:`Lme4Laplace` repeats those steps (PIRLS from ``lp0``,
the fit's own nAGQ = 0 stage's where it is given, else found by that stage's search here) so that
the Hessian, and the standard errors, are glmer's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import linalg, optimize, sparse

from .scalar_laplace import FamilyFormulas

__all__ = ["GramMap", "Lme4Laplace"]

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
        from mixedlm.estimation.reml import _build_lambda

        self._lambda = lambda theta: _build_lambda(theta, matrices.random_structures)
        self.family = family
        self.X = np.asarray(matrices.X, dtype=float)
        self.Z = sparse.csc_matrix(matrices.Z)
        self.y = np.asarray(matrices.y, dtype=float)
        self.wt = np.asarray(matrices.weights, dtype=float)
        self.offset = np.asarray(matrices.offset, dtype=float)
        self._formulas = FamilyFormulas(family, self.y, self.wt)
        structures = matrices.random_structures
        if any(getattr(s, "cov_type", "us") != "us" for s in structures):
            raise ValueError("lme4's covariance factors only (unstructured or diagonal)")
        self.n_theta = sum(s.n_terms * (s.n_terms + 1) // 2 if s.correlated else s.n_terms for s in structures)
        self.lower = self._theta_lower(structures)
        # each factor's place in theta and, for a correlated one, its lower triangle (the engine's order)
        self._layout = [(s.n_terms, np.tril_indices(s.n_terms) if s.correlated else None) for s in structures]
        self._split(structures)
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
        self._eye1 = np.eye(k)
        self.rest = np.setdiff1d(np.arange(self.Z.shape[1]), first)
        self._rest_terms = [s for i, s in enumerate(structures) if i != j]
        Zr = sparse.csr_matrix(self.Z[:, self.rest])
        self._plans = {False: _Plan(Zr, self.code1, self.z1, self.levels1),
                       True: _Plan(sparse.hstack([Zr, sparse.csr_matrix(self.X)], format="csr"),
                                   self.code1, self.z1, self.levels1)}

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

    def _blocks(self, theta: np.ndarray) -> list[np.ndarray]:
        """Each term's relative covariance factor at ``theta`` (the engine's ``_build_lambda_blocks``)."""
        blocks, start = [], 0
        for k, tril in self._layout:
            if tril is None:
                blocks.append(np.diag(theta[start:start + k]))
                start += k
            else:
                block = np.zeros((k, k))
                block[tril] = theta[start:start + len(tril[0])]
                blocks.append(block)
                start += len(tril[0])
        return blocks

    def _mean(self, eta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Mean, d mu / d eta and variance at ``eta``."""
        mu = self.family.link.inverse(eta)
        return mu, 1.0 / self.family.link.deriv(mu), self.family.variance(mu)

    def _pdev(self, mu: np.ndarray, u: np.ndarray) -> float:
        with np.errstate(all="ignore"):
            return float(np.sum(self._formulas.deviance_resids(self._formulas.clamp(mu))) + u @ u)

    def _lambda_rest(self, theta: np.ndarray, factors: list[np.ndarray], p: int) -> np.ndarray | sparse.csc_matrix:
        """``Lambda`` on the other terms' columns (and ``p`` unit columns for the fixed effects): its
        diagonal where every factor is diagonal, else the sparse matrix."""
        blocks = [b for i, b in enumerate(factors) if i != self.term1]
        if all(np.count_nonzero(b - np.diag(np.diag(b))) == 0 for b in blocks):
            return np.concatenate([np.tile(np.diag(b), s.n_levels) for b, s in zip(blocks, self._rest_terms)]
                                  + [np.ones(p)])
        rest = sparse.csc_matrix(self._lambda(theta)[self.rest][:, self.rest])
        return sparse.block_diag([rest, sparse.identity(p)], format="csc") if p else rest

    def pirls(self, theta: np.ndarray, beta: np.ndarray | None, start: np.ndarray) -> _Pirls:
        """lme4's ``pwrssUpdate`` then ``Laplace``: modes ``u`` (``beta`` given) or ``(u, beta)`` jointly
        (``beta=None``, its nAGQ = 0 stage), from the linear predictor ``start`` (without offset)."""
        theta = np.asarray(theta, dtype=float)
        factors = self._blocks(theta)
        factor1 = factors[self.term1]
        val1 = self.z1 @ factor1  # rows of Z Lambda in the eliminated term
        plan = self._plans[beta is None]
        q2 = len(self.rest)
        lam = self._lambda_rest(theta, factors, plan.m - q2)
        fixed = self.offset if beta is None else self.offset + self.X @ beta
        eta = self.offset + start  # lme4: resp$updateMu(lp0) with the base offset, then the fixed part
        mu, mueta, var = self._mean(eta)
        penalty = np.concatenate([np.ones(q2), np.zeros(plan.m - q2)])
        old, oldpdev = np.zeros(self.q1 + plan.m), np.inf
        for _ in range(_MAXIT):
            sw = mueta * np.sqrt(self.wt / var)
            wz = sw * ((eta - fixed) + (self.y - mu) / mueta)
            step, ldl2 = self._solve(sw, wz, val1, factor1, lam, plan, penalty)
            pdev, eta, mu, mueta, var = self._update(val1, lam, plan, fixed, step, q2)
            if abs(oldpdev - pdev) < _TOL * abs(pdev):
                return _Pirls(ldl2 + pdev, eta - self.offset)
            for _h in range(_HALVINGS):  # lme4's step halving towards the previous step
                if not (np.isnan(pdev) or pdev > oldpdev):
                    break
                step = (old + step) / 2
                pdev, eta, mu, mueta, var = self._update(val1, lam, plan, fixed, step, q2)
            if not np.isfinite(pdev) or pdev - oldpdev > _TOL:
                return _Pirls(np.inf, eta - self.offset)
            old, oldpdev = step, pdev
        return _Pirls(np.inf, eta - self.offset)

    def _solve(self, sw: np.ndarray, wz: np.ndarray, val1: np.ndarray, factor1: np.ndarray,
               lam: np.ndarray | sparse.csc_matrix, plan: _Plan, penalty: np.ndarray) -> tuple[np.ndarray, float]:
        """One penalized weighted least-squares step: the new ``(u1, u2[, beta])`` and ``log det(L)^2``
        of ``Lambda' Z' W Z Lambda + I`` at these weights (the eliminated term's blocks first).

        The other columns' blocks come from ``plan``'s products of ``Z`` with the weights (no ``theta``
        in them), ``Lambda`` applied to the small dense results: with ``B0 = (Z1' W Z2)`` level by level
        and ``T1`` the eliminated term's factor, ``M = Lambda2' (Z2' W Z2 - B0' diag(T1 A1^-1 T1') B0)
        Lambda2 + I``, ``A1`` the eliminated term's blocks of ``L L'``."""
        k, levels = self.k1, self.levels1
        swv = sw[:, None] * val1
        A1 = np.empty((levels, k, k))
        for a in range(k):
            for b in range(a + 1):
                A1[:, a, b] = A1[:, b, a] = np.bincount(self.code1, swv[:, a] * swv[:, b], minlength=levels)
        A1 += self._eye1
        if k == 1:  # 1 x 1 blocks: their Cholesky factors the square roots, their inverses the reciprocals
            ldl2 = 2.0 * float(np.sum(np.log(np.sqrt(A1))))
            inverse = 1.0 / A1
        else:
            chol1 = np.linalg.cholesky(A1)
            ldl2 = 2.0 * float(np.sum(np.log(np.diagonal(chol1, axis1=1, axis2=2))))
            inverse = np.linalg.inv(A1)
        r1 = np.column_stack([np.bincount(self.code1, swv[:, a] * wz, minlength=levels) for a in range(k)])
        u1 = (inverse @ r1[:, :, None])[:, :, 0]
        if not plan.m:
            return u1.ravel(), ldl2
        w = sw * sw
        b0 = plan.cross(w)
        M = plan.gram(w)
        M -= plan.eliminated(b0, factor1 @ inverse @ factor1.T)
        M = _sandwich(M, lam)
        M.flat[:: plan.m + 1] += penalty
        chol = linalg.cholesky(M, lower=True, check_finite=False)
        ldl2 += 2.0 * float(np.sum(np.log(np.diag(chol)[: len(self.rest)])))
        rhs = plan.ZT @ (sw * wz) - plan.cross_t(b0, (u1 @ factor1.T).ravel())
        rest = linalg.cho_solve((chol, True), _apply_t(lam, rhs), check_finite=False)
        moved = (plan.cross_times(b0, _apply(lam, rest)).reshape(levels, k) @ factor1)[:, :, None]
        return np.concatenate([(u1 - (inverse @ moved)[:, :, 0]).ravel(), rest]), ldl2

    def _update(self, val1: np.ndarray, lam: np.ndarray | sparse.csc_matrix, plan: _Plan, fixed: np.ndarray,
                step: np.ndarray, q2: int) -> tuple[Any, ...]:
        """Penalized deviance and the new linear predictor, mean, d mu / d eta, variance for ``step``
        (``u`` its first ``q1 + q2`` entries)."""
        u1 = step[: self.q1].reshape(self.levels1, self.k1)
        eta = fixed + np.einsum("ik,ik->i", val1, u1[self.code1])
        if plan.m:
            eta = eta + plan.Z @ _apply(lam, step[self.q1:])
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


def _apply(lam: np.ndarray | sparse.csc_matrix, x: np.ndarray) -> np.ndarray:
    """``Lambda x`` for a diagonal (a vector) or sparse ``Lambda``."""
    return lam * x if isinstance(lam, np.ndarray) else lam @ x


def _apply_t(lam: np.ndarray | sparse.csc_matrix, x: np.ndarray) -> np.ndarray:
    """``Lambda' x`` for a diagonal (a vector) or sparse ``Lambda``."""
    return lam * x if isinstance(lam, np.ndarray) else lam.T @ x


def _sandwich(S: np.ndarray, lam: np.ndarray | sparse.csc_matrix) -> np.ndarray:
    """``Lambda' S Lambda`` for a dense symmetric ``S`` (overwritten where ``Lambda`` is diagonal)."""
    if isinstance(lam, np.ndarray):
        S *= lam[:, None]
        S *= lam[None, :]
        return S
    left = np.asarray(lam.T @ S)  # Lambda' S
    return np.asarray((lam.T @ left.T).T)  # (Lambda' S) Lambda


class GramMap:
    """``Z' W Z`` (dense) for any diagonal ``W``, as one sparse product of a fixed map with the weights.

    Parameters
    ----------
    Z
        ``n x m`` sparse matrix (CSR).
    """

    def __init__(self, Z: sparse.csr_matrix) -> None:
        n, self.m = Z.shape
        rows = np.repeat(np.arange(n), np.diff(Z.indptr))
        cols = Z.indices.astype(np.int64)
        first, second = _pairs(np.diff(Z.indptr), Z.indptr)  # every pair of nonzeros in a row
        self._map = sparse.csr_matrix((Z.data[first] * Z.data[second], (cols[first] * self.m + cols[second],
                                                                        rows[first])), shape=(self.m * self.m, n))

    def __call__(self, w: np.ndarray) -> np.ndarray:
        """``Z' diag(w) Z``."""
        return (self._map @ w).reshape(self.m, self.m)


class _Plan:
    """Products of the weights with ``Z2`` (the other terms' columns of ``Z``, and the fixed effects'
    in the nAGQ = 0 stage) and ``Z1`` (the eliminated term's), as fixed sparse maps from the weights:
    their patterns do not depend on ``theta``, so they are laid out once per model.

    Parameters
    ----------
    Z2
        ``n x m`` sparse matrix (CSR).
    code1, z1
        Each observation's level of the eliminated term and its ``k`` columns of ``Z`` there.
    levels
        The eliminated term's number of levels.
    """

    def __init__(self, Z2: sparse.csr_matrix, code1: np.ndarray, z1: np.ndarray, levels: int) -> None:
        n, m = Z2.shape
        k = z1.shape[1]
        self.m, self.levels, self.k = m, levels, k
        self.Z, self.ZT = Z2, sparse.csr_matrix(Z2.T)
        rows = np.repeat(np.arange(n), np.diff(Z2.indptr))
        cols, vals = Z2.indices.astype(np.int64), Z2.data
        self.gram = GramMap(Z2)
        # B0 = Z1' W Z2, rows (level, column of Z1) and columns of Z2: one entry per nonzero of Z2 and column of Z1
        keys = ((code1[rows] * k)[:, None] + np.arange(k)) * m + cols[:, None]
        self.keys, position = np.unique(keys.ravel(), return_inverse=True)
        self._cross = sparse.csr_matrix(((z1[rows] * vals[:, None]).ravel(), (position, np.repeat(rows, k))),
                                        shape=(len(self.keys), n))
        self.row, self.col = self.keys // m, self.keys % m
        level = self.row // k
        sizes = np.bincount(level, minlength=levels)
        starts = np.r_[0, np.cumsum(sizes)]
        # B0' D B0 densely (a product of levels k m^2 terms) unless the pairs of entries within a level,
        # each a gathered product and a bin, are fewer than 1/25 of that (grouseticks: 1,612 pairs)
        self.dense = levels * k * m * m <= 25 * int(np.sum(sizes.astype(np.int64) ** 2))
        if not self.dense:  # B0' D B0 by the pairs of B0's entries in the same level
            p1, p2 = _pairs(sizes, starts)
            self._p1, self._p2 = p1, p2
            self._bins = self.col[p1] * m + self.col[p2]
            self._blocks = level[p1] * k * k + (self.row[p1] % k) * k + self.row[p2] % k

    def cross(self, w: np.ndarray) -> np.ndarray:
        """The entries of ``B0 = Z1' W Z2`` (in :attr:`keys` order)."""
        return self._cross @ w

    def eliminated(self, b0: np.ndarray, blocks: np.ndarray) -> np.ndarray:
        """``B0' D B0`` (dense, ``m x m``), ``D`` block-diagonal with the ``levels x k x k`` ``blocks``."""
        if self.dense:
            B = np.zeros(self.levels * self.k * self.m)
            B[self.keys] = b0
            B = B.reshape(self.levels, self.k, self.m)
            return B.reshape(-1, self.m).T @ (blocks @ B).reshape(-1, self.m)
        weights = b0[self._p1] * b0[self._p2] * blocks.ravel()[self._blocks]
        return np.bincount(self._bins, weights, minlength=self.m * self.m).reshape(self.m, self.m)

    def cross_t(self, b0: np.ndarray, v: np.ndarray) -> np.ndarray:
        """``B0' v`` (``v`` by level and column of ``Z1``)."""
        return np.bincount(self.col, b0 * v[self.row], minlength=self.m)

    def cross_times(self, b0: np.ndarray, x: np.ndarray) -> np.ndarray:
        """``B0 x`` (by level and column of ``Z1``)."""
        return np.bincount(self.row, b0 * x[self.col], minlength=self.levels * self.k)


def _pairs(sizes: np.ndarray, starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every ordered pair ``(i, j)`` of positions within the same group, the groups laid out one after
    another (group ``g``: ``sizes[g]`` positions from ``starts[g]``)."""
    sizes = np.asarray(sizes, dtype=np.int64)
    group = np.repeat(np.arange(len(sizes)), sizes * sizes)
    offset = np.arange(len(group)) - np.repeat(np.cumsum(sizes * sizes) - sizes * sizes, sizes * sizes)
    size = sizes[group]
    base = np.asarray(starts, dtype=np.int64)[group]
    return base + offset // np.maximum(size, 1), base + offset % np.maximum(size, 1)
