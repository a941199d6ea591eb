"""Plain-language notes on binomial and Poisson fits, where R warns cryptically or not at all.

- Overdispersion: counts (or binomial counts of several trials) that vary more than the family
  allows show as a Pearson chi-squared well above its residual degrees of freedom; the standard
  errors are then too small. The remedy lme4 users reach for is an observation-level random
  effect ``(1 | obs)`` (or, in R, a negative binomial model).
- Separation: predictors that tell some outcomes exactly (found exactly by a linear program, see
  :mod:`mixwidget.model.separation`) have no finite estimates; their coefficients and standard
  errors run off towards infinity. A level of a factor whose outcomes are all 0 or all 1 is named
  as such.
- Adaptive quadrature: lme4 reports the log-likelihood of an ``nAGQ > 1`` fit without the
  response density's constants, so it cannot be compared with a Laplace fit's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy import stats

from .separation import separation_note

if TYPE_CHECKING:
    from .fit import MixedFit

__all__ = ["OVERDISPERSION_RATIO", "dispersion", "generalized_notes"]

OVERDISPERSION_RATIO = 1.5  # Pearson chi2 / df.resid above this (and significant) is worth saying


def dispersion(fit: MixedFit) -> tuple[float, int, float]:
    """Pearson's chi-squared, the residual df and the p-value of chi2 > df (overdispersion)."""
    pearson = fit.pearson_residuals
    chi2 = float(np.sum(pearson**2)) if pearson is not None else float("nan")
    df = fit.df_resid
    return chi2, df, float(stats.chi2.sf(chi2, df)) if df > 0 else float("nan")


def generalized_notes(fit: MixedFit) -> list[str]:
    """Notes for a binomial or Poisson fit (empty for linear models)."""
    if not fit.generalized:
        return []
    notes = []
    if fit.kind == "glm":
        notes.append(
            f"No random effects: fitted as a generalized linear model (R's glm), as if all {fit.nobs} "
            "observations were independent. If observations come in groups, the standard errors are too small."
        )
    notes.extend(_overdispersion(fit))
    notes.extend(_separation(fit))
    if fit.nagq > 1:
        notes.append(
            f"Adaptive Gauss-Hermite quadrature with {fit.nagq} points: as in lme4, the log-likelihood, AIC and "
            "BIC leave out the response distribution's constants, so compare them only with fits of the same nagq."
        )
    return notes


def _overdispersion(fit: MixedFit) -> list[str]:
    several_trials = fit.family == "binomial" and fit.design.weights is not None and (fit.design.weights > 1).any()
    if fit.family != "poisson" and not several_trials:
        return []
    chi2, df, p = dispersion(fit)
    ratio = chi2 / df if df > 0 else float("nan")
    if not (ratio > OVERDISPERSION_RATIO and p < 0.01):
        return []
    what = "counts" if fit.family == "poisson" else "numbers of successes"
    # mixwidget fits no negative binomial model, so it is named as R's, not offered as a family here.
    other = (" In R, a negative binomial model (lme4's glmer.nb) is the other usual remedy."
             if fit.family == "poisson" else "")
    return [
        f"Overdispersion: the {what} vary more than the {fit.family} distribution allows (Pearson chi-squared "
        f"{chi2:.1f} on {df} residual df, ratio {ratio:.2f}; a ratio near 1 is expected), so standard errors "
        "and p-values are too small. Add an observation-level random effect: a column obs = 1, 2, ... "
        f"and the term (1 | obs).{other}"
    ]


def _separation(fit: MixedFit) -> list[str]:
    """Separated outcomes (binomial): the levels of fixed-effect factors whose outcomes are all 0 or
    all 1 when that is what separates, else the predictors that do."""
    if fit.separation is None:
        return []
    levels = _separated_levels(fit)
    return levels or [separation_note(fit.design, fit.separation)]


def _separated_levels(fit: MixedFit) -> list[str]:
    """Levels of fixed-effect factors whose outcomes are all 0 or all 1 (binomial)."""
    if fit.family != "binomial" or fit.design.schema is None:
        return []
    y = fit.design.y
    frame = fit.design.frame
    found = []
    for var, coding in fit.design.schema.codings.items():
        if var not in frame.columns or var in fit.model.grouping_variables():
            continue
        labels = frame[var].astype(str).to_numpy()
        for level in coding.levels:
            rows = labels == str(level)
            if rows.any() and ((y[rows] == 0).all() or (y[rows] == 1).all()):
                found.append((var, level, "0" if (y[rows] == 0).all() else "1", int(rows.sum())))
    return [
        f"Complete separation: every outcome where {var} is {level} ({n} rows) is {value}, so its coefficient "
        "has no finite estimate (the fit reports a large value with a huge standard error). Merge that level "
        "with another, leave it out, or collect data where both outcomes occur."
        for var, level, value, n in found
    ]
