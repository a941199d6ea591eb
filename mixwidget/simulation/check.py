"""Check by simulation which error structure gives honest tests and intervals.

Draw many data sets from the model taken as the truth (same design and group sizes, its
variance components, chosen fixed effects set to zero), fit every candidate model to every
data set, and count: how often each candidate's nominal test rejects (a false positive when
the true effect is zero), how often its nominal interval covers the true value, and whether
the standard error it reports matches the actual spread of its estimates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from ..design.build import Design, build_design
from ..errors import DataError
from ..formula.parse import ModelFormula, parse_formula
from ..model.fit import SINGULAR_TOL, MixedFit
from ..model.messages import relative_cholesky_diagonal
from .simrun import Cancel, Progress, RefitJob, refit_all
from .simulate import simulate_responses

__all__ = ["check_by_simulation", "describe_model", "binomial_interval"]

COLUMNS = [
    "candidate", "label", "term", "null", "true_value", "rejection_rate", "rejection_low", "rejection_high",
    "coverage", "coverage_low", "coverage_high", "mean_estimate", "mean_se", "sd_estimate",
    "n_ok", "n_failed", "n_singular", "statistic",
]


@dataclass
class _Candidate:
    formula: str
    model: ModelFormula
    design: Design
    reml: bool
    within: np.ndarray  # positions of the design's rows among the truth's rows
    nagq: int = 1  # quadrature points of a binomial or Poisson mixed model (1: Laplace)


def check_by_simulation(
    truth: MixedFit,
    candidates: Sequence[str | MixedFit] | None,
    nsim: int = 200,
    null_terms: Sequence[str] | None = None,
    level: float = 0.95,
    seed: int | None = 0,
    progress: Progress | None = None,
    *,
    cancel: Cancel | None = None,
    n_jobs: int | None = None,
) -> pd.DataFrame:
    """Simulate from ``truth``, fit every candidate to every simulation, and count.

    Parameters
    ----------
    truth : MixedFit
        The model believed to be right; its estimates (and variance components) generate
        the data, on its rows.
    candidates : list of str or MixedFit, or None
        Models to compare, as formulas or fits (fits are refitted by their own REML/ML
        choice, formulas by the truth's). None: the truth's own formula and least squares
        on its fixed part (for a binomial or Poisson truth: the plain GLM of its family, as
        R's ``glm``). Formulas are fitted with the truth's family, link and binomial trials.
    nsim : int, default 200
        Simulated data sets. The intervals narrow as ``1 / sqrt(nsim)``.
    null_terms : list of str, optional
        Fixed effects (``["PrivPubpublic"]``) whose true value is set to zero, so that a
        rejection of them is a false positive.
    level : float, default 0.95
        Tests reject at ``1 - level``; intervals are nominal ``level`` intervals (t with the
        model's degrees of freedom: Satterthwaite's for mixed models, residual for least
        squares, as in the summary table). Binomial and Poisson models (mixed, or a plain GLM
        without groups) use Wald z tests and intervals, as glmer's and glm's summaries do.
    seed : int, optional
        The same seed gives the same simulations and the same table.
    progress : callable, optional
        ``progress(done, total)`` after each simulation; returning ``False`` cancels.
    cancel : object with ``is_set()``, optional
        E.g. a :class:`threading.Event`; setting it stops the work within one fit.
    n_jobs : int or None
        0: fit in this process; ``k``: in ``k`` worker processes; None: decide by timing.

    Returns
    -------
    DataFrame
        One row per candidate and fixed-effect term: ``candidate`` (formula), ``label`` (in
        words), ``term``, ``null``, ``true_value``, ``rejection_rate`` with its 95%
        Clopper-Pearson interval ``rejection_low``/``rejection_high``, ``coverage`` (with
        ``coverage_low``/``coverage_high``), ``mean_estimate``, ``mean_se`` (the SE the model
        reports, averaged), ``sd_estimate`` (the SD of the estimates across simulations),
        ``n_ok``, ``n_failed``, ``n_singular``, ``statistic`` ("t", or "z" for a binomial or
        Poisson candidate). Failed fits are counted, never dropped
        silently. ``attrs`` holds the settings, the truth's ``family`` and ``link``, the test
        ``statistic`` ("t", or "z" for binomial and Poisson models), ``nsim_done``,
        ``cancelled``, ``seconds``, ``workers`` and the first failure messages.

    Raises
    ------
    DataError
        A null term the truth lacks, a candidate with another response, or bad settings.
    """
    if not isinstance(truth, MixedFit):
        raise DataError("truth must be a fitted model (mixwidget.fit(...))")
    if not 0 < level < 1:
        raise DataError(f"level must be between 0 and 1, e.g. 0.95, not {level!r}")
    if candidates is None:
        candidates = [truth, truth.model.fixed_text()]
    if len(candidates) == 0:
        raise DataError("give at least one candidate model (a formula or a fit)")
    cands = [_resolve(c, truth) for c in candidates]
    Y, true_beta = simulate_responses(truth, nsim=nsim, seed=seed, null_terms=null_terms)
    job = RefitJob(
        designs=[c.design for c in cands],
        reml=[c.reml for c in cands],
        positions=[c.within for c in cands],
        nagq=[c.nagq for c in cands],
    )
    out = refit_all(job, Y, progress=progress, cancel=cancel, n_jobs=n_jobs)
    labels = _unique_labels(cands)
    rows = []
    for k, cand in enumerate(cands):
        rows.extend(_summarise(cand, labels[k], out.refits[k], out.done, true_beta, set(null_terms or []), level))
    table = pd.DataFrame(rows, columns=COLUMNS)
    failures = [e for errs in out.errors for e in errs if e]
    family = truth.design.family
    table.attrs.update(
        truth=truth.formula,
        family=family.name,
        link=family.link,
        statistic="z" if family.generalized else "t",
        null_terms=list(null_terms or []),
        nsim=int(nsim),
        nsim_done=int(out.done.sum()),
        cancelled=bool(out.cancelled),
        level=float(level),
        seed=seed,
        seconds=float(out.seconds),
        workers=int(out.workers),
        failures=list(dict.fromkeys(failures))[:5],
    )
    return table


def _resolve(c: str | MixedFit, truth: MixedFit) -> _Candidate:
    rows = truth.design.positions  # rows by position in the data: their labels may repeat
    nagq = 1
    if isinstance(c, MixedFit):
        formula, model = c.formula, c.model
        nagq = c.nagq if c.design.random else 1
        reml = c.reml if c.kind == "mixed" else truth.reml
        design = c.design if c.data is truth.data and np.isin(c.design.positions, rows).all() else None
    elif isinstance(c, str):
        formula, model, reml, design = c, parse_formula(c), truth.reml, None
    else:
        raise DataError(f"a candidate must be a formula or a fit, not {type(c).__name__}")
    if model.response != truth.model.response:
        raise DataError(
            f"candidate {formula!r} models '{model.response}', but the truth models "
            f"'{truth.model.response}'; every candidate needs the same response"
        )
    if design is None:
        family = truth.design.family  # binomial and Poisson candidates: the truth's family and trials
        weights = truth.arguments.get("weights") if family.generalized else None
        design = build_design(model, truth.data.iloc[rows], weights=weights, offset=truth.arguments.get("offset"),
                              family=family)
        within = design.positions  # built from the truth's rows: its positions are among them
    else:
        within = np.searchsorted(rows, design.positions)  # both ascending
    return _Candidate(formula=formula, model=model, design=design, reml=reml, within=within, nagq=nagq)


def describe_model(model: ModelFormula, family: str = "gaussian") -> str:
    """The error structure in words: "least squares", "school + class", "Subject (Days slopes)"; a
    binomial or Poisson model without groups is a "plain GLM" (R's ``glm``)."""
    if not model.random:
        return "least squares" if family == "gaussian" else "plain GLM"
    groups = {r.group for r in model.random}
    parts = []
    for r in model.random:
        head, _, tail = r.group.rpartition(":")
        name = tail if head and head in groups else r.group
        if r.slopes:
            name += f" ({', '.join(r.slopes)} slopes)"
        if name not in parts:
            parts.append(name)
    return " + ".join(parts)


def _unique_labels(cands: list[_Candidate]) -> list[str]:
    labels = [describe_model(c.model, c.design.family.name) for c in cands]
    return [c.formula if labels.count(lab) > 1 else lab for c, lab in zip(cands, labels)]


def binomial_interval(successes: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Clopper-Pearson (exact) interval for a proportion; (nan, nan) when ``n`` is 0."""
    if n == 0:
        return float("nan"), float("nan")
    a = 1 - level
    low = stats.beta.ppf(a / 2, successes, n - successes + 1) if successes > 0 else 0.0
    high = stats.beta.ppf(1 - a / 2, successes + 1, n - successes) if successes < n else 1.0
    return float(low), float(high)


def _summarise(
    cand: _Candidate,
    label: str,
    refits: list,
    done: np.ndarray,
    true_beta: pd.Series,
    nulls: set[str],
    level: float,
) -> list[tuple]:
    ok = [r for r, d in zip(refits, done) if d and r is not None]
    n_done = int(done.sum())
    n_ok = len(ok)
    singular = sum(
        any((relative_cholesky_diagonal(c, r.sigma) < SINGULAR_TOL).any() for c in r.covs) for r in ok
    )
    names = cand.design.fixed_names
    statistic = "z" if cand.design.family.generalized else "t"  # Wald z: the refits' df are infinite
    if n_ok:
        est = np.array([r.beta for r in ok])
        se = np.array([r.se for r in ok])
        df = np.array([r.df for r in ok])
    rows = []
    for j, term in enumerate(names):
        true = float(true_beta.get(term, 0.0))
        if n_ok:
            t = est[:, j] / se[:, j]
            p = 2 * stats.t.sf(np.abs(t), df[:, j])
            n_reject = int((p < 1 - level).sum())
            half = stats.t.ppf(0.5 + level / 2, df[:, j]) * se[:, j]
            n_cover = int((np.abs(est[:, j] - true) <= half).sum())
            mean_est, mean_se = float(est[:, j].mean()), float(se[:, j].mean())
            sd_est = float(est[:, j].std(ddof=1)) if n_ok > 1 else float("nan")
        else:
            n_reject = n_cover = 0
            mean_est = mean_se = sd_est = float("nan")
        rej_lo, rej_hi = binomial_interval(n_reject, n_ok)
        cov_lo, cov_hi = binomial_interval(n_cover, n_ok)
        rows.append((
            cand.formula, label, term, term in nulls, true,
            n_reject / n_ok if n_ok else float("nan"), rej_lo, rej_hi,
            n_cover / n_ok if n_ok else float("nan"), cov_lo, cov_hi,
            mean_est, mean_se, sd_est, n_ok, n_done - n_ok, int(singular), statistic,
        ))
    return rows
