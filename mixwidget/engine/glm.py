"""Generalized linear models without groups (R's ``glm``), fitted by statsmodels' ``GLM``.

The no-groups baseline of a generalized mixed model, as least squares is of a linear one: the same
fixed-effect matrix, response, prior weights (binomial trials included) and offset. statsmodels
reads binomial trials as ``var_weights``; the log-likelihood is R's (``family$aic``: binomial
probabilities of the whole numbers of successes, Poisson probabilities times prior weights), which
statsmodels' ``llf`` with ``var_weights`` is not.
"""

from __future__ import annotations

import warnings

import numpy as np

from ..design.build import Design
from .adapter import Refit, limit_blas
from .glmm import GlmmResult

__all__ = ["GlmRefitter", "fit_glm", "r_loglik"]


def _sm_family(name: str, link: str):
    import statsmodels.api as sm

    links = sm.families.links
    link_obj = {"logit": links.Logit, "probit": links.Probit, "cloglog": links.CLogLog, "cauchit": links.Cauchy,
                "log": links.Log, "sqrt": links.Sqrt, "identity": links.Identity}[link]()
    return {"binomial": sm.families.Binomial, "poisson": sm.families.Poisson}[name](link=link_obj)


def fit_glm(design: Design) -> GlmmResult:
    """Fit ``design``'s fixed part as a generalized linear model (family in ``design.family``)."""
    import statsmodels.api as sm

    family = design.family
    with warnings.catch_warnings(record=True) as caught, limit_blas(design):
        warnings.simplefilter("always")
        model = sm.GLM(design.y, design.X, family=_sm_family(family.name, family.link),
                       offset=design.offset, var_weights=design.weights)
        res = model.fit(method="IRLS", tol=1e-10)
        vcov = np.asarray(res.cov_params(), dtype=float)
        # statsmodels computes these lazily: their arithmetic warnings are the fit's too
        fitted = np.asarray(res.fittedvalues, dtype=float)
        pearson = np.asarray(res.resid_pearson, dtype=float)
        deviance_resid = np.asarray(res.resid_deviance, dtype=float)
        loglik = r_loglik(design, fitted)
    p = design.X.shape[1]
    return GlmmResult(
        beta=np.asarray(res.params, dtype=float),
        vcov=vcov,
        df=np.full(p, np.inf),
        sigma=1.0,
        loglik=loglik,
        objective=-2 * loglik,
        npar=p,
        fitted=fitted,
        converged=bool(res.converged),
        iterations=int(getattr(res, "fit_history", {}).get("iteration", 0)) or None,
        engine_messages=[str(w.message) for w in caught],
        eta=design.X @ np.asarray(res.params, dtype=float) + (0.0 if design.offset is None else design.offset),
        pearson=pearson,
        deviance_resid=deviance_resid,
    )


def r_loglik(design: Design, mu: np.ndarray) -> float:
    """The log-likelihood as R's ``logLik.glm`` computes it from ``family$aic``."""
    from scipy import stats

    y = design.y
    w = np.ones_like(y) if design.weights is None else design.weights
    if design.family.name == "binomial":
        trials = np.round(w)
        return float(np.sum(stats.binom.logpmf(np.round(w * y), trials, mu)[w > 0]))
    return float(np.sum(stats.poisson.logpmf(y, mu) * w))


class GlmRefitter:
    """A generalized linear model (no random terms) refitted to new responses, as
    :class:`~mixwidget.engine.glmm.GlmmRefitter` refits a mixed one."""

    def __init__(self, design: Design, reml: bool = False) -> None:
        self.design = design
        self.reml = False
        self.mixed = False

    def refit(self, y: np.ndarray) -> Refit:
        """Estimates for the same design with response ``y`` (on the design's scale)."""
        from dataclasses import replace

        res = fit_glm(replace(self.design, y=np.ascontiguousarray(y, dtype=float)))
        return Refit(beta=res.beta, se=np.sqrt(np.diag(res.vcov)), df=res.df, sigma=1.0, covs=[],
                     converged=res.converged)
