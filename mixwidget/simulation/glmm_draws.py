"""Responses drawn from a binomial or Poisson mixed model, as lme4's ``simulate()`` draws them.

New random effects from the fitted covariances, the linear predictor through the inverse link,
then binomial counts out of each row's trials (returned as proportions, the scale the model is
fitted on) or Poisson counts. Without random terms (a GLM) only the last step is drawn.
"""

from __future__ import annotations

import numpy as np

from ..design.response import inverse_link
from ..model.fit import MixedFit
from ..model.predict import term_covariances

__all__ = ["draw_generalized"]


def draw_generalized(fit: MixedFit, nsim: int, seed: int | None, beta: np.ndarray) -> np.ndarray:
    """``nsim`` responses from ``fit`` with fixed effects ``beta``, shape ``(nobs, nsim)``."""
    rng = np.random.default_rng(seed)
    design = fit.design
    n = design.nobs
    eta = (design.X @ beta)[:, None] + (0.0 if design.offset is None else design.offset[:, None])
    eta = np.repeat(eta, nsim, axis=1)
    for block, cov in zip(design.random, term_covariances(fit) if design.random else []):
        q = cov.shape[0]
        # b ~ N(0, cov) per level and simulation, through a factor of cov that allows a singular cov
        vals, vecs = np.linalg.eigh(cov)
        factor = vecs * np.sqrt(np.clip(vals, 0, None))
        b = rng.standard_normal((len(block.levels), nsim, q)) @ factor.T
        eta += np.einsum("iq,isq->is", block.Z, b[block.codes])
    mu = inverse_link(design.family.link, eta)
    if design.family.name == "poisson":
        return rng.poisson(mu).astype(float)
    trials = np.ones(n) if design.weights is None else np.round(design.weights)
    trials = np.where(trials > 0, trials, 1)
    counts = rng.binomial(trials[:, None].astype(np.int64), np.clip(mu, 0, 1))
    return counts / trials[:, None]
