"""Confidence intervals for a fit's parameters, as lme4's ``confint()`` gives them.

Rows are named as lme4 names them with ``oldNames = FALSE``: ``sd_(Intercept)|school``,
``cor_Days.(Intercept)|Subject``, ``sigma``, then the fixed effects.

- ``"Wald"``: estimate +/- normal quantile x SE for fixed effects (variance rows empty), as
  lme4; for least-squares fits t quantiles on the residual df, as R's ``confint.lm``.
- ``"boot"``: parametric bootstrap percentiles: new responses drawn from the fit, the same
  design refitted to each, for every parameter. Simulating and refitting belong to the next stage
  (:mod:`mixwidget.simulation.bootstrap`), which ``fit.confint(method="boot")`` calls; this module
  gives it the parameters' names, order and table.
- ``"profile"``: likelihood-profile intervals for every parameter: the variance parameters
  profiled on lme4's ``devfun2`` deviance (:mod:`mixwidget.engine.profile`), the fixed effects
  by the engine; a binomial or Poisson model's every parameter on its Laplace (or quadrature)
  deviance (:mod:`mixwidget.engine.glmm_profile`). Profiles take a while: ``progress`` and
  ``cancel`` follow and stop them (:mod:`mixwidget.jobs.control`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from ..engine import adapter as engine
from ..engine.glmm_profile import glmm_profile_ends
from ..engine.profile import variance_profile_intervals
from ..errors import DataError
from ..jobs.control import Cancel, Progress, check_cancel
from .fit import MixedFit
from .terms import group_labels, lme4_term_order

__all__ = ["confint", "interval_table", "parameter_vector", "parameters", "variance_profile", "variance_rows"]

METHODS = ("Wald", "boot", "profile")


def confint(
    fit: MixedFit,
    method: str = "Wald",
    level: float = 0.95,
    nsim: int = 500,
    seed: int | None = None,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
    **bootstrap: object,
) -> pd.DataFrame:
    """Confidence intervals for the variance components and fixed effects.

    Parameters
    ----------
    fit : MixedFit
    method : {"Wald", "boot", "profile"}
    level : float, default 0.95
    nsim : int, default 500
        Bootstrap samples (``method="boot"``), lme4's default.
    seed : int, optional
        Seed for the bootstrap.
    progress : callable, optional
        Called as ``progress(done, total)``: simulations for the bootstrap, as for
        :func:`mixwidget.check_by_simulation`; interval ends (two per parameter) for the profile,
        a linear model's fixed effects counted together when their profile is done.
    cancel : object with ``is_set()``, optional
        Set (e.g. a :class:`threading.Event`) to stop: the bootstrap keeps the simulations done; the
        profile raises :class:`~mixwidget.jobs.control.Cancelled` within one deviance evaluation.
    **bootstrap
        ``n_jobs``, as for :func:`mixwidget.check_by_simulation` (bootstrap only; see
        :func:`mixwidget.simulation.bootstrap.bootstrap_confint`).

    Returns
    -------
    DataFrame
        Indexed by ``parameter``; columns ``estimate``, ``lower``, ``upper``. ``attrs`` holds
        ``method``, ``level`` and, for the bootstrap, ``n_ok`` and ``n_failed``.
    """
    if method not in METHODS:
        raise DataError(f"method must be one of {', '.join(repr(m) for m in METHODS)}, not {method!r}")
    if not 0 < level < 1:
        raise DataError(f"level must be between 0 and 1, e.g. 0.95, not {level!r}")
    if method == "boot":  # simulating and refitting are the simulation stage's work
        return fit.confint(method="boot", level=level, nsim=nsim, seed=seed, progress=progress, cancel=cancel,
                           **bootstrap)
    names, estimate = parameters(fit)
    lower = np.full(len(names), np.nan)
    upper = np.full(len(names), np.nan)
    p = len(fit.fixed)
    fixed = slice(len(names) - p, len(names))
    attrs: dict = {"method": method, "level": float(level)}
    if method == "Wald":
        est, se = fit.fixed["estimate"].to_numpy(), fit.fixed["std_error"].to_numpy()
        q = (stats.norm.ppf(0.5 + level / 2) if fit.kind == "mixed" or fit.generalized
             else stats.t.ppf(0.5 + level / 2, fit.fixed["df"].to_numpy()))
        lower[fixed], upper[fixed] = est - q * se, est + q * se
    elif method == "profile":
        if fit.kind != "mixed":
            raise DataError("profile intervals need a mixed model; use method='Wald' (exact t intervals) for least squares")
        variance = slice(0, len(names) - p)
        if fit.generalized:  # every parameter on one deviance, as lme4's profile() of a glmer fit
            ends = glmm_profile_ends(fit.design, _covs(fit), fit.fixed["estimate"].to_numpy(), fit.vcov.to_numpy(),
                                     level, fit.nagq, fixed=True, progress=progress, cancel=cancel)
            lower[variance], upper[variance] = _lme4_order(fit, *(e[: len(names) - p] for e in ends))
            lower[fixed], upper[fixed] = ends[0][len(names) - p:], ends[1][len(names) - p:]
        else:  # the variance parameters' ends, then the fixed effects' (the engine's profile) all at once
            total = 2 * len(names)

            def variance_progress(done: int, _total: int) -> object:
                return None if progress is None else progress(done, total)

            lower[variance], upper[variance] = variance_profile(fit, level, variance_progress, cancel)
            check_cancel(cancel)
            lower[fixed], upper[fixed] = engine.profile_intervals(fit.design, fit.reml, level)
            check_cancel(cancel)
            if progress is not None:
                progress(total, total)
    return interval_table(names, estimate, lower, upper, attrs)


def interval_table(
    names: list[str], estimate: np.ndarray, lower: np.ndarray, upper: np.ndarray, attrs: dict
) -> pd.DataFrame:
    """The intervals as :func:`confint` returns them: indexed by ``parameter``, ``attrs`` kept."""
    table = pd.DataFrame(
        {"estimate": estimate, "lower": lower, "upper": upper}, index=pd.Index(names, name="parameter")
    )
    table.attrs.update(attrs)
    return table


def variance_profile(
    fit: MixedFit, level: float = 0.95, progress: Progress | None = None, cancel: Cancel | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Profile intervals (lower, upper) of a mixed model's SDs, correlations and sigma (a linear
    model's), in the order of :func:`confint`'s rows (and of :func:`variance_rows`).

    ``progress(done, total)`` is called with the interval ends found (two per parameter); a set
    ``cancel`` raises :class:`~mixwidget.jobs.control.Cancelled` within one deviance evaluation.
    """
    if fit.generalized:  # profiled on the Laplace (or quadrature) deviance, the fixed effects re-optimized
        beta, vcov = fit.fixed["estimate"].to_numpy(), fit.vcov.to_numpy()
        return _lme4_order(fit, *glmm_profile_ends(fit.design, _covs(fit), beta, vcov, level, fit.nagq,
                                                   progress=progress, cancel=cancel))
    return _lme4_order(fit, *variance_profile_intervals(fit.design, level, progress, cancel))


def variance_rows(fit: MixedFit) -> list[tuple[str, str]]:
    """The (group, term) of ``fit.variance`` that each variance parameter of :func:`confint` is
    about, in its order: an SD's row, a correlation's row (``"(Intercept)~Days"``), the residual's."""
    rows: list[tuple[str, str]] = []
    if fit.kind == "mixed":
        labels = group_labels(fit.design, lme4_term_order(fit.design))
        for k in lme4_term_order(fit.design):
            terms = fit.design.random[k].names
            for i, j in _block_order(len(terms)):
                rows.append((labels[k], terms[i] if i == j else f"{terms[j]}~{terms[i]}"))
        if not fit.generalized:  # binomial and Poisson models have no residual scale
            rows.append(("Residual", ""))
    return rows


def _lme4_order(fit: MixedFit, *columns: np.ndarray) -> list[np.ndarray]:
    """Variance parameters (each block's SDs and correlations, then a linear model's sigma) from
    the design's block order into lme4's term order."""
    starts = np.cumsum([0] + [len(_block_order(b.Z.shape[1])) for b in fit.design.random])
    index = [i for k in lme4_term_order(fit.design) for i in range(starts[k], starts[k + 1])]
    if not fit.generalized:
        index.append(starts[-1])
    return [np.asarray(c)[index] for c in columns]


def _block_order(q: int) -> list[tuple[int, int]]:
    """lme4's order of one term's SDs and correlations: the lower triangle, column by column."""
    return [(i, j) for j in range(q) for i in range(j, q)]


def parameters(fit: MixedFit) -> tuple[list[str], np.ndarray]:
    """lme4's parameter names (``oldNames = FALSE``) and the fit's estimates, in its order."""
    names: list[str] = []
    if fit.kind == "mixed":
        labels = group_labels(fit.design, lme4_term_order(fit.design))
        for k in lme4_term_order(fit.design):
            terms = fit.design.random[k].names
            for i, j in _block_order(len(terms)):
                if i == j:
                    names.append(f"sd_{terms[i]}|{labels[k]}")
                else:
                    names.append(f"cor_{terms[i]}.{terms[j]}|{labels[k]}")
        if not fit.generalized:  # binomial and Poisson models have no residual scale
            names.append("sigma")
    names.extend(fit.fixed.index)
    return names, _vector(fit, _covs(fit), fit.sigma, fit.fixed["estimate"].to_numpy())


def _covs(fit: MixedFit) -> list[np.ndarray]:
    """The fit's covariance matrix per random block, in the design's order."""
    out = []
    v = fit.variance
    labels = group_labels(fit.design, lme4_term_order(fit.design))
    for k, block in enumerate(fit.design.random):
        rows = v[v["group"] == labels[k]]
        q = len(block.names)
        cov = np.zeros((q, q))
        for a, name in enumerate(block.names):
            cov[a, a] = float(rows.loc[rows["term"] == name, "variance"].iloc[0])
            for b in range(a + 1, q):
                c = float(rows.loc[rows["term"] == f"{name}~{block.names[b]}", "variance"].iloc[0])
                cov[a, b] = cov[b, a] = c
        out.append(cov)
    return out


def _vector(fit: MixedFit, covs: list[np.ndarray], sigma: float, beta: np.ndarray) -> np.ndarray:
    """SDs and correlations in lme4's order, sigma, then fixed effects."""
    values: list[float] = []
    if fit.kind == "mixed":
        for k in lme4_term_order(fit.design):
            cov = covs[k]
            sd = np.sqrt(np.clip(np.diag(cov), 0, None))
            for i, j in _block_order(len(sd)):
                if i == j:
                    values.append(sd[i])
                else:
                    values.append(cov[i, j] / (sd[i] * sd[j]) if sd[i] * sd[j] > 0 else np.nan)
        if not fit.generalized:
            values.append(sigma)
    return np.array([*values, *beta], dtype=float)


def parameter_vector(fit: MixedFit, covs: list[np.ndarray], sigma: float, beta: np.ndarray) -> np.ndarray:
    """A refit's parameters (its covariance blocks, sigma and fixed effects) in the order of :func:`parameters`."""
    return _vector(fit, covs, sigma, beta)
