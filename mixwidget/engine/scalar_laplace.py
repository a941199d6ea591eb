"""The deviance of a generalized model with one scalar random term, evaluated group by group.

With one random term of one column (``(1 | g)``, ``(0 + x | g)``) each observation has one random effect,
so the penalized least-squares problem for the conditional modes splits into one Newton problem per group
and lme4's Laplace deviance is a sum over groups:

    sum_i dev_i(y_i, mu_i) + sum_g u_g^2 + sum_g log(1 + theta^2 sum_{i in g} W_i z_i^2),

with ``b_g = theta u_g`` the random effect and ``W`` the working weights at the mode. The engine's inner
(PIRLS) solver can fail to converge when theta is large (geepack's ``ohio``: every evaluation with
theta above 2.05 failed, so its optimum stopped at theta 2.03, logLik -796.63, where glmer's is at theta
2.34, logLik -794.94). :func:`polish` re-optimizes such a fit from the engine's optimum with this
deviance, whose per-group Newton steps are guarded by step halving and always converge.

With ``nagq > 1`` the deviance is lme4's adaptive Gauss-Hermite quadrature (its ``glmerAQ``/``GQdk``:
C++ ``glmerAGQ``), per group at the conditional mode ``u_g`` with the scale ``s_g = 1 / L_g`` from the
Laplace curvature ``L_g^2 = 1 + theta^2 sum W_i z_i^2``, on the nodes ``z_k`` and weights ``w_k`` of
``GHrule(nagq)`` (Gauss-Hermite for the standard normal density, weights summing to 1):

    sum_g [ devc_g(u_g) + log L_g^2 - 2 log sum_k w_k exp(z_k^2 / 2 - (devc_g(u_g + z_k s_g) - devc_g(u_g)) / 2) ],

with ``devc_g(u) = sum_{i in g} dev_i + u^2``. Like lme4's, it is built from deviance residuals, so it lacks
the response density's constants (lme4 reports ``-deviance / 2`` as such a fit's logLik). The engine's
quadrature is the same but evaluated after the same failing mode solve (ohio with nagq = 9: the engine
stopped at variance 4.16, glmer's optimum is at 4.79).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from scipy import optimize, special

__all__ = ["FamilyFormulas", "ScalarLaplace", "polish", "scalar_term"]


def scalar_term(matrices: Any) -> bool:
    """True when the model has one random term of one column (the case this module evaluates)."""
    structures = matrices.random_structures
    return len(structures) == 1 and structures[0].n_terms == 1 and matrices.n_random > 0


class FamilyFormulas:
    """The engine family's clamp of the means and deviance residuals for fixed responses ``y`` and prior
    weights, written out for its Binomial and Poisson classes (others: the family's own methods).

    The engine's formulas term for term, without their per-call look-ups; a binary response's (0/1)
    deviance residuals with one ``xlogy`` term instead of two, the same values to the last bit:
    ``xlogy(1, 1 / mu) + xlogy(0, 0 / (1 - mu)) = xlogy(1, 1 / mu) + 0``, and ``xlogy(1, 1 / (1 - mu))``
    where ``y = 0``.
    """

    def __init__(self, family: Any, y: np.ndarray, prior: np.ndarray) -> None:
        self.family, self.y, self.prior = family, y, prior
        self._kind = _engine_family_kind(family)
        self._binary = self._kind == "Binomial" and bool(np.all((y == 0) | (y == 1)))
        self._twice_prior, self._ones, self._one_minus_y = 2 * prior, y == 1, 1 - y
        self._mean_bounds = family._mean_bounds() if self._kind else (None, None)
        self._bounds = self._limits(1e-10)

    def _limits(self, eps: float) -> tuple[float | None, float | None]:
        """The family's bounds for the means, ``eps`` inside (as its ``clamp_mu``)."""
        lower, upper = self._mean_bounds
        return None if lower is None else lower + eps, None if upper is None else upper - eps

    def clamp(self, mu: np.ndarray, eps: float = 1e-10) -> np.ndarray:
        """``family.clamp_mu(mu, eps)`` (a new array)."""
        if not self._kind:
            return self.family.clamp_mu(mu.copy(), eps=eps)
        lower, upper = self._bounds if eps == 1e-10 else self._limits(eps)
        mu = mu if lower is None else np.maximum(mu, lower)
        return mu if upper is None else np.minimum(mu, upper)

    def deviance_resids(self, mu: np.ndarray) -> np.ndarray:
        """``family.deviance_resids(y, mu, prior)`` at ``mu`` already clamped (:meth:`clamp`: the
        family's own clamp leaves it as it is), observations in the last axis."""
        y = self.y
        if self._binary:
            return self._twice_prior * special.xlogy(1.0, 1.0 / np.where(self._ones, mu, 1 - mu))
        if self._kind == "Binomial":
            omy = self._one_minus_y
            return self._twice_prior * (special.xlogy(y, y / mu) + special.xlogy(omy, omy / (1 - mu)))
        if self._kind == "Poisson":
            return self._twice_prior * (special.xlogy(y, y / mu) - (y - mu))
        return self.family.deviance_resids(y, mu, self.prior)


@dataclass
class ScalarLaplace:
    """The deviance of ``matrices`` (the engine's) as a function of ``(theta, beta)``: Laplace's
    (``nagq = 1``) or lme4's adaptive Gauss-Hermite quadrature on ``nagq`` nodes."""

    matrices: Any
    family: Any
    nagq: int = 1

    def __post_init__(self) -> None:
        Z = self.matrices.Z.tocsr()
        counts = np.diff(Z.indptr)
        if np.any(counts > 1):
            raise ValueError("more than one random effect per observation")
        self.codes = np.zeros(Z.shape[0], dtype=np.int64)
        self.z = np.zeros(Z.shape[0])
        rows = np.repeat(np.arange(Z.shape[0]), counts)
        self.codes[rows], self.z[rows] = Z.indices, Z.data
        self.ngroups = Z.shape[1]
        self.y = np.asarray(self.matrices.y, dtype=float)
        self.prior = np.asarray(self.matrices.weights, dtype=float)
        self.base = np.asarray(self.matrices.offset, dtype=float)
        self.X = np.asarray(self.matrices.X, dtype=float)
        self._warm: np.ndarray | None = None
        nodes, weights = np.polynomial.hermite_e.hermegauss(max(int(self.nagq), 1))  # lme4's GHrule(nagq)
        self.nodes = nodes
        self.log_weights = np.log(weights / np.sqrt(2 * np.pi)) + nodes**2 / 2  # log w_k - log dnorm(z_k) - log sqrt(2 pi)
        # bin of observation i at node k in the quadrature's one bincount: k * ngroups + its group
        self._node_codes = (self.codes + self.ngroups * np.arange(len(nodes))[:, None]).ravel()
        self._node_codes_size = len(nodes) * self.ngroups
        self._at: tuple[np.ndarray, np.ndarray] | None = None  # (devc, info) at the last modes' u
        formulas = FamilyFormulas(self.family, self.y, self.prior)
        self._clamp, self._deviance_resids = formulas.clamp, formulas.deviance_resids

    def _sum(self, values: np.ndarray) -> np.ndarray:
        return np.bincount(self.codes, weights=values, minlength=self.ngroups)

    def _state(self, eta0: np.ndarray, zt: np.ndarray, u: np.ndarray) -> tuple[np.ndarray, ...]:
        """Mean, per-group penalized deviance, score and information at ``u``."""
        fam, link = self.family, self.family.link
        mu = self._clamp(link.inverse(eta0 + zt * u[self.codes]))
        dev = self._deviance_resids(mu)
        dmu = 1.0 / link.deriv(mu)
        var = fam.variance(mu)
        score = self._sum(self.prior * (self.y - mu) * dmu / var * zt)
        info = self._sum(self.prior * dmu**2 / var * zt**2)
        return mu, self._sum(dev) + u**2, score, info

    def modes(self, theta: float, beta: np.ndarray, u: np.ndarray | None = None,
              tol: float = 1e-10, maxiter: int = 100) -> tuple[np.ndarray, float, bool]:
        """Spherical conditional modes ``u`` at ``(theta, beta)``, the Laplace deviance there, and
        whether every group's Newton iteration converged."""
        eta0 = self.base + self.X @ beta
        zt = self.z * theta
        u = np.zeros(self.ngroups) if u is None else u.copy()
        _, obj, score, info = self._state(eta0, zt, u)
        converged = False
        for _ in range(maxiter):
            step = (score - u) / (info + 1.0)
            if np.max(np.abs(step)) < tol:
                # one more (full) Newton step: the modes to machine precision from any start, so the
                # deviance is a function of (theta, beta) alone, smooth enough for second differences
                u = u + step
                _, obj, score, info = self._state(eta0, zt, u)
                converged = True
                break
            scale = np.ones(self.ngroups)
            for _halving in range(40):  # each group halves its own step until its objective does not grow
                trial = u + scale * step
                _, trial_obj, trial_score, trial_info = self._state(eta0, zt, trial)
                worse = trial_obj > obj + 1e-12 * (1.0 + np.abs(obj))  # more than rounding
                if not worse.any():
                    break
                scale[worse] /= 2
            u, obj, score, info = trial, trial_obj, trial_score, trial_info
        deviance = float(obj.sum() + np.log1p(info).sum())
        self._at = (obj, info)
        return u, deviance, converged

    def quadrature(self, theta: float, beta: np.ndarray, u: np.ndarray,
                   state: tuple[np.ndarray, np.ndarray] | None = None) -> float:
        """lme4's adaptive Gauss-Hermite deviance at ``(theta, beta)``, ``u`` the spherical modes there
        (``state``: the per-group penalized deviance and information at ``u``, as :meth:`modes` left them).

        All nodes at once: the linear predictor is an (observations x nodes) array, summed per group by
        one ``bincount`` over (node, group) bins, each bin's terms in the observations' order as before."""
        eta0 = self.base + self.X @ beta
        zt = self.z * theta
        devc0, info = self._state(eta0, zt, u)[1::2] if state is None else state
        scale = 1.0 / np.sqrt(1.0 + info)  # lme4: the inverse of L's diagonal
        shifted = u + self.nodes[:, None] * scale  # (nodes, groups)
        mu = self._clamp(self.family.link.inverse(eta0 + zt * shifted[:, self.codes]))
        dev = self._deviance_resids(mu)
        sums = np.bincount(self._node_codes, weights=dev.ravel(), minlength=self._node_codes_size)
        devc = sums.reshape(len(self.nodes), self.ngroups) + shifted**2
        terms = self.log_weights[:, None] - 0.5 * (devc - devc0)
        return float(np.sum(devc0 + np.log1p(info) - 2 * special.logsumexp(terms, axis=0)))

    def deviance(self, parameters: np.ndarray) -> float:
        """The deviance at ``parameters = (theta, *beta)`` (theta's sign does not matter)."""
        parameters = np.asarray(parameters, dtype=float)
        theta, beta = abs(parameters[0]), parameters[1:]
        u, dev, converged = self.modes(theta, beta, self._warm)
        if converged and np.isfinite(dev):
            self._warm = u  # the next evaluation's start: nearby in an optimizer's or a difference's steps
        if converged and self.nagq > 1:
            dev = self.quadrature(theta, beta, u, self._at)  # the modes' own state at u, not recomputed
        return dev if converged and np.isfinite(dev) else np.inf


def _engine_family_kind(family: Any) -> str:
    """``"Binomial"`` or ``"Poisson"`` for the engine's own family classes (whose deviance residuals
    :meth:`ScalarLaplace._deviance_resids` writes out), else ``""``."""
    from mixedlm.families import Binomial, Poisson

    return type(family).__name__ if type(family) in (Binomial, Poisson) else ""


def polish(res: Any, nagq: int = 1) -> tuple[Any, Any] | None:
    """A better optimum than the engine's ``res`` (a glmer result with one scalar random term), or None.

    The exact per-group deviance (Laplace, or quadrature on ``nagq`` nodes) minimized from the engine's
    ``(theta, beta)``; the result is kept only when its deviance is lower than that of the engine's
    optimum, evaluated the same way, by more than 1e-6. Returns the updated result (theta, beta, modes,
    deviance) and the deviance function (for the Hessian of the fixed effects' covariance).
    """
    laplace = ScalarLaplace(res.matrices, res.family, nagq)
    start = np.r_[np.asarray(res.theta, dtype=float), np.asarray(res.beta, dtype=float)]
    before = laplace.deviance(start)
    # quasi-Newton on central differences (smooth: the modes are solved to machine precision), Nelder-Mead
    # where it stops short (e.g. on an evaluation whose mode solve failed): ohio, ~230 evaluations against ~400
    found = optimize.minimize(laplace.deviance, start, method="L-BFGS-B", jac="3-point",
                              options={"ftol": 1e-13, "gtol": 1e-6, "maxiter": 1000})
    if not (found.success and np.isfinite(found.fun)):
        found = optimize.minimize(laplace.deviance, start, method="Nelder-Mead",
                                  options={"xatol": 1e-7, "fatol": 1e-9, "maxfev": 4000, "adaptive": len(start) > 4})
    if not np.isfinite(found.fun) or not found.fun < before - 1e-6:
        return None
    theta, beta = abs(float(found.x[0])), np.asarray(found.x[1:], dtype=float)
    u, dev, _ = laplace.modes(theta, beta)
    if nagq > 1:
        dev = laplace.quadrature(theta, beta, u, laplace._at)
    polished = replace(res, theta=np.array([theta]), beta=beta, u=theta * u, deviance=dev,
                       converged=bool(found.success), joint_fit=True,
                       message=f"{res.message}; re-optimized by the per-group deviance")
    return polished, laplace.deviance
