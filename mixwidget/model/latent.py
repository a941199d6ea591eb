"""Variance shares of a binomial or Poisson mixed model on the latent (link) scale.

A generalized model has no residual variance on the response's scale, so "how much of the
variation lies between groups" is stated on the scale of the linear predictor, where the
observation-level variance of the distribution is known for each link (Nakagawa, Johnson &
Schielzeth 2017, J. R. Soc. Interface 14:20170213):

- logit: pi^2 / 3 (the standard logistic distribution), probit: 1, cloglog: pi^2 / 6;
- Poisson with the log link: ln(1 + 1/lambda), lambda the mean count with the random effects
  integrated out, ``mean(exp(X beta + offset)) * exp(sum sigma^2 / 2)``.

Shares are given for models whose random terms are all intercepts (slope variances are on other
scales), as for linear models.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .fit import MixedFit

__all__ = ["LATENT_LINKS", "latent_residual_variance", "latent_scale_note", "latent_shares"]

LATENT_LINKS = {"logit": math.pi**2 / 3, "probit": 1.0, "cloglog": math.pi**2 / 6}
"""Observation-level variance on the latent scale of each binomial link."""


def latent_residual_variance(fit: MixedFit) -> float | None:
    """The distribution's variance on the link scale (see the module's notes); None where there is
    none defined (Gaussian models, other links)."""
    if fit.family == "binomial":
        return LATENT_LINKS.get(fit.link)
    if fit.family == "poisson" and fit.link == "log":
        beta = fit.fixed["estimate"].to_numpy(dtype=float)
        eta = fit.design.X @ beta
        if isinstance(fit.design.offset, np.ndarray):
            eta = eta + fit.design.offset
        total = float(np.nansum(fit.variance["variance"].to_numpy(dtype=float)))
        mean = float(np.mean(np.exp(eta))) * math.exp(total / 2)
        return math.log1p(1 / mean) if mean > 0 else None
    return None


def latent_shares(fit: MixedFit) -> pd.Series:
    """Each grouping factor's share of the latent-scale variance, indexed by group, with the
    distribution's part as ``"Residual"``; empty for Gaussian models, random slopes, or links
    without a latent variance."""
    if not fit.generalized or not fit.design.random:
        return pd.Series(dtype=float)
    residual = latent_residual_variance(fit)
    v = fit.variance
    if residual is None or any(t != "(Intercept)" for t in v["term"]) or not v["corr"].isna().all():
        return pd.Series(dtype=float)
    variances = np.append(v["variance"].to_numpy(dtype=float), residual)
    groups = [*v["group"].tolist(), "Residual"]
    return pd.Series(variances / np.nansum(variances), index=groups, name="share")


def latent_scale_note(fit: MixedFit) -> str:
    """One sentence on the scale the shares are on ("" for Gaussian models)."""
    if not fit.generalized:
        return ""
    if fit.family == "binomial" and fit.link in LATENT_LINKS:
        parts = {"logit": "pi^2/3 = 3.29 (logit)", "probit": "1 (probit)", "cloglog": "pi^2/6 = 1.64 (cloglog)"}
        return (f"Shares on the latent {fit.link} scale: each group variance over their sum plus "
                f"{parts[fit.link]}, the variance of a single observation's latent value.")
    if fit.family == "poisson" and fit.link == "log":
        return ("Shares on the log scale: each group variance over their sum plus ln(1 + 1/mean count), "
                "the Poisson variance there (Nakagawa et al. 2017).")
    return f"No variance shares for the {fit.link} link: its latent scale has no fixed variance."
