"""Parametric bootstrap intervals, as lme4's ``confint(fit, method = "boot")``.

New responses are drawn from the fit (:mod:`mixwidget.simulation.simulate`), the same design is
refitted to each (:mod:`mixwidget.simulation.simrun`), and each parameter's interval is the
percentiles of its refitted values. ``fit.confint(method="boot")`` calls this; the parameters'
names, order and table are the model stage's (:mod:`mixwidget.model.confint`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import DataError
from ..model.confint import interval_table, parameter_vector, parameters
from ..model.fit import MixedFit
from .simrun import Cancel, Progress, RefitJob, refit_all
from .simulate import simulate_responses

__all__ = ["bootstrap_confint"]


def bootstrap_confint(
    fit: MixedFit,
    level: float = 0.95,
    nsim: int = 500,
    seed: int | None = None,
    progress: Progress | None = None,
    *,
    cancel: Cancel | None = None,
    n_jobs: int | None = None,
) -> pd.DataFrame:
    """Bootstrap percentile intervals for every parameter of ``fit``.

    Parameters
    ----------
    fit : MixedFit
    level : float, default 0.95
    nsim : int, default 500
        Bootstrap samples, lme4's default.
    seed : int, optional
        Seed for the simulated responses.
    progress, cancel, n_jobs
        As for :func:`mixwidget.check_by_simulation`.

    Returns
    -------
    DataFrame
        As :func:`mixwidget.model.confint.confint`; ``attrs`` holds ``method``, ``level``,
        ``n_ok``, ``n_failed`` and ``cancelled``.
    """
    if not 0 < level < 1:
        raise DataError(f"level must be between 0 and 1, e.g. 0.95, not {level!r}")
    names, estimate = parameters(fit)
    Y, _ = simulate_responses(fit, nsim=nsim, seed=seed)
    job = RefitJob([fit.design], [fit.reml], [np.arange(fit.nobs)], nagq=[fit.nagq])
    out = refit_all(job, Y, progress=progress, cancel=cancel, n_jobs=n_jobs)
    samples = np.array(
        [parameter_vector(fit, r.covs, r.sigma, r.beta) for r, d in zip(out.refits[0], out.done) if d and r is not None]
    )
    if len(samples) < 2:
        raise DataError(f"only {len(samples)} bootstrap refits succeeded; intervals need at least 2")
    a = (1 - level) / 2
    lower, upper = np.nanquantile(samples, a, axis=0), np.nanquantile(samples, 1 - a, axis=0)
    attrs = {
        "method": "boot", "level": float(level), "n_ok": len(samples),
        "n_failed": int(out.done.sum()) - len(samples), "cancelled": bool(out.cancelled),
    }
    return interval_table(names, estimate, lower, upper, attrs)
