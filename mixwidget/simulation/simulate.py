"""New data sets drawn from a fitted model, as lme4's ``simulate()`` draws them.

Each simulated response keeps the model's design (the same rows, predictors and group
sizes) and draws new random effects from the fitted covariances and new residuals from the
fitted residual SD. Rows the model dropped for missing values are not simulated, as with
lme4's default ``na.action = na.omit``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import pandas as pd

from ..engine.adapter import Refitter
from ..errors import DataError
from ..model.fit import MixedFit

__all__ = ["simulate", "simulated_data", "simulate_responses"]


def simulate(fit: MixedFit, nsim: int = 1, seed: int | None = None) -> pd.DataFrame:
    """Simulated responses from a fitted model, one column per simulation (lme4's layout).

    Parameters
    ----------
    fit : MixedFit
        The model to draw from (its estimates are taken as the truth).
    nsim : int, default 1
        Number of simulated responses.
    seed : int, optional
        The same seed gives the same draws.

    Returns
    -------
    DataFrame
        Indexed by the rows the model used, columns ``sim_1 ... sim_<nsim>``.

    Examples
    --------
    >>> f = fit("like ~ sex + PrivPub + (1 | school) + (1 | school:class)", science)  # doctest: +SKIP
    >>> simulate(f, nsim=3, seed=1).shape                                              # doctest: +SKIP
    (1383, 3)
    """
    Y, _ = simulate_responses(fit, nsim=nsim, seed=seed)
    return pd.DataFrame(Y, index=fit.design.rows, columns=[f"sim_{i + 1}" for i in range(Y.shape[1])])


def simulated_data(fit: MixedFit, nsim: int = 1, seed: int | None = None) -> Iterator[pd.DataFrame]:
    """Data sets drawn from a fitted model: the model's rows with the response replaced.

    Fitting the same formula to each gives a simulation study. When the response is an
    expression (``log(y)``), a column of that name holds the simulated values.

    Yields
    ------
    DataFrame
        The rows the model used, with simulated responses.
    """
    sims = simulate(fit, nsim=nsim, seed=seed)
    base = fit.data.iloc[fit.design.positions]
    column = fit.model.response
    for name in sims.columns:
        data = base.copy()
        data[column] = sims[name].to_numpy()
        yield data


def simulate_responses(
    fit: MixedFit,
    nsim: int,
    seed: int | None = None,
    null_terms: Sequence[str] | None = None,
) -> tuple[np.ndarray, pd.Series]:
    """Responses drawn from ``fit`` with some fixed effects set to zero.

    Parameters
    ----------
    fit : MixedFit
        The truth.
    nsim : int
        Number of simulations.
    seed : int, optional
        Seed for the draws.
    null_terms : list of str, optional
        Fixed-effect names (``"PrivPubpublic"``) whose true value is set to zero.

    Returns
    -------
    Y : ndarray, shape (nobs, nsim)
    truth : Series
        The true fixed effects, indexed by term.
    """
    if isinstance(nsim, bool) or not isinstance(nsim, (int, np.integer)) or nsim < 1:
        raise DataError(f"nsim must be a whole number of at least 1, not {nsim!r}")
    null_terms = list(null_terms or [])
    names = list(fit.design.fixed_names)
    for term in null_terms:
        if term not in names:
            raise DataError(f"'{term}' is not a fixed effect of {fit.formula!r}; its fixed effects are {', '.join(names)}")
    truth = pd.Series(fit.fixed["estimate"].to_numpy(dtype=float, copy=True), index=names, name="true_value")
    if fit.generalized:  # drawn on the link scale, then from the family: the null set before the draw
        from .glmm_draws import draw_generalized

        beta = truth.to_numpy().copy()
        for term in null_terms:
            beta[names.index(term)] = 0.0
            truth[term] = 0.0
        return draw_generalized(fit, int(nsim), seed, beta), truth
    Y = Refitter(fit.design, fit.reml).simulate(int(nsim), seed)
    for term in null_terms:
        j = names.index(term)
        Y -= fit.design.X[:, [j]] * truth.iloc[j]
        truth.iloc[j] = 0.0
    return Y, truth
