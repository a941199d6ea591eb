"""Predictions from a fitted model, with lme4's ``predict.merMod`` arguments, and their intervals.

A prediction conditions on some random terms (``re_form``) and on whether each row's group
levels were seen in the fit. Its variance is built from named pieces, so a table can say which
went in:

- ``x' V x``: the fixed-effect estimates' uncertainty (``V = vcov(fit)``);
- for each random term, ``z' C z`` for a level seen in the fit (``C`` its conditional covariance,
  lme4's ``condVar``) or ``z' Sigma z`` for a new level or a term left out (``Sigma`` the term's
  variance component);
- ``sigma^2`` for a new observation's residual (prediction intervals only).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy import stats
from scipy.sparse.linalg import splu

from ..design.response import inverse_link, working_weights
from ..errors import DataError, FormulaError
from ..formula.parse import RandomTerm, parse_formula
from .fit import MixedFit
from .newrows import NewRows, new_rows
from .terms import lme4_term_order

__all__ = ["PredictionPieces", "predict", "prediction_pieces", "random_terms_of", "term_covariances"]


def random_terms_of(fit: MixedFit, re_form: str | None) -> list[int]:
    """Indices (design order) of the random terms a ``re_form`` keeps.

    ``None`` keeps every term, ``"~0"`` (or ``"NA"``, lme4's ``re.form = NA``) none, and a formula
    such as ``"~(1 | school)"`` the terms it names, which must be terms of the model.
    """
    terms = [b.term for b in fit.design.random]
    if re_form is None:
        return list(range(len(terms)))
    text = str(re_form).strip()
    if text in ("NA", "~0", "~ 0", "~-1", "~ -1", "0", ""):
        return []
    if not text.startswith("~"):
        raise FormulaError(f"re_form must start with '~' (e.g. '~(1 | school)' or '~0'), not {re_form!r}")
    try:
        wanted: tuple[RandomTerm, ...] = parse_formula("y_ " + text).random
    except FormulaError as exc:
        raise FormulaError(f"re_form {re_form!r} cannot be read: {exc.short_message}") from None
    keep = []
    for term in wanted:
        matches = [k for k, t in enumerate(terms) if t == term]
        if not matches:
            known = ", ".join(t.text for t in terms) or "none"
            raise FormulaError(
                f"re_form names {term.text}, which is not a random term of this model; its random terms: {known}"
            )
        keep.extend(m for m in matches if m not in keep)
    return sorted(keep)


_per_fit: weakref.WeakKeyDictionary[MixedFit, dict[str, object]] = weakref.WeakKeyDictionary()


def _cached(fit: MixedFit, name: str, make):  # noqa: ANN001, ANN202 - a small memo per fit
    store = _per_fit.setdefault(fit, {})
    if name not in store:
        store[name] = make(fit)
    return store[name]


def term_covariances(fit: MixedFit) -> list[np.ndarray]:
    """Each random term's covariance matrix (variance component), in the design's term order."""
    return _cached(fit, "covariances", _term_covariances)


def _term_covariances(fit: MixedFit) -> list[np.ndarray]:
    variance = fit.variance["variance"].to_numpy(dtype=float)
    out: list[np.ndarray] = []
    start = 0
    blocks = fit.design.random
    by_term: dict[int, np.ndarray] = {}
    for k in lme4_term_order(fit.design):
        q = len(blocks[k].names)
        rows = variance[start:start + q * (q + 1) // 2]
        start += q * (q + 1) // 2
        cov = np.diag(rows[:q])
        pos = q
        for a in range(q):
            for b in range(a + 1, q):
                cov[a, b] = cov[b, a] = rows[pos]
                pos += 1
        by_term[k] = cov
    for k in range(len(blocks)):
        out.append(by_term[k])
    return out


class _Posterior:
    """Conditional covariances of the random effects given the data and the estimates.

    ``C = sigma^2 Lambda (Lambda' Z' Z Lambda + I)^-1 Lambda'``, as lme4's ``condVar`` (binomial and
    Poisson models: ``Z' W Z`` with W the IRLS weights at the fit, and sigma = 1); blocks are
    solved for on demand from one sparse factorization per fit. Only terms with several
    coefficients need it (for the covariances between them); a one-coefficient term's block is
    the engine's conditional variance, so large intercept-only models skip the factorization.
    """

    def __init__(self, fit: MixedFit) -> None:
        design = fit.design
        self.sigma2 = fit.sigma**2
        self.lambdas: list[np.ndarray] = []
        self.offsets: list[int] = []
        cols, rows, vals = [], [], []
        offset = 0
        n = design.nobs
        sqrt_w = None
        if fit.generalized and fit.linear_predictor is not None:
            sqrt_w = np.sqrt(working_weights(design.family, fit.linear_predictor, design.weights))
        for block, cov in zip(design.random, term_covariances(fit)):
            q = len(block.names)
            w, u = np.linalg.eigh(cov / self.sigma2 if self.sigma2 > 0 else cov)
            lam = u * np.sqrt(np.clip(w, 0, None))  # any factor with lam lam' = cov / sigma^2 will do
            self.lambdas.append(lam)
            self.offsets.append(offset)
            zl = block.Z @ lam
            if sqrt_w is not None:
                zl = zl * sqrt_w[:, None]
            for j in range(q):
                rows.append(np.arange(n))
                cols.append(offset + block.codes * q + j)
                vals.append(zl[:, j])
            offset += q * len(block.levels)
        zlam = sp.csc_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n, offset))
        self.solver = splu((zlam.T @ zlam + sp.identity(offset, format="csc")).tocsc())
        self.size = offset
        self._cache: dict[tuple[int, int], np.ndarray] = {}

    def block(self, term: int, level: int) -> np.ndarray:
        """The conditional covariance of one level's random effects (q x q)."""
        key = (term, level)
        if key not in self._cache:
            self.blocks(term, [level])
        return self._cache[key]

    def blocks(self, term: int, levels: list[int]) -> None:
        lam = self.lambdas[term]
        q = lam.shape[0]
        todo = [lv for lv in dict.fromkeys(levels) if (term, lv) not in self._cache]
        for start in range(0, len(todo), 256):
            chunk = todo[start:start + 256]
            idx = np.concatenate([self.offsets[term] + lv * q + np.arange(q) for lv in chunk])
            rhs = np.zeros((self.size, len(idx)))
            rhs[idx, np.arange(len(idx))] = 1.0
            sol = self.solver.solve(rhs)[idx]
            for i, lv in enumerate(chunk):
                s = sol[i * q:(i + 1) * q, i * q:(i + 1) * q]
                self._cache[(term, lv)] = self.sigma2 * lam @ s @ lam.T


def _posterior(fit: MixedFit) -> _Posterior:
    return _cached(fit, "posterior", _Posterior)


@dataclass
class PredictionPieces:
    """A prediction's point and variance pieces for each row of new data.

    Attributes
    ----------
    fit : ndarray
        Point predictions: ``x' beta`` plus ``z' b`` of every kept term at a level seen in the fit.
    fixed : ndarray
        ``x' V x``.
    random : dict of str to ndarray
        Per random term (its text, e.g. ``(1 | school)``): ``z' C z`` for a kept term at a known
        level, else ``z' Sigma z``.
    known : dict of str to ndarray
        Per random term: whether the row's level was seen in the fit.
    kept : list of str
        The random terms ``re_form`` keeps.
    levels : dict of str to list of str
        Per random term: the row's level of its grouping factor.
    index : Index
        The rows' labels (``newdata``'s index).
    residual : float
        ``sigma^2``.
    """

    fit: np.ndarray
    fixed: np.ndarray
    random: dict[str, np.ndarray]
    known: dict[str, np.ndarray]
    kept: list[str]
    levels: dict[str, list[str]]
    residual: float
    index: pd.Index

    def variance(self, interval: str) -> np.ndarray:
        """The variance of the prediction error for ``interval`` "confidence" or "prediction".

        A kept term adds its piece to both (the level's conditional covariance, or for a new level
        the whole variance component, since that group's mean is unknown); a term left out adds its
        variance component to prediction intervals only (a confidence interval is then for the
        mean over the term's groups); the residual variance goes into prediction intervals.
        """
        total = self.fixed.copy()
        for name, piece in self.random.items():
            if name in self.kept or interval == "prediction":
                total = total + piece
        if interval == "prediction":
            total = total + self.residual
        return total


def prediction_pieces(
    fit: MixedFit,
    newdata: pd.DataFrame | None = None,
    re_form: str | None = None,
    allow_new_levels: bool = False,
    known_groups: set[str] | None = None,
    rows: NewRows | None = None,
    averaged_groups: set[str] | None = None,
) -> PredictionPieces:
    """Points and variance pieces of predictions for ``newdata`` (see :func:`predict`).

    ``known_groups``, if given, names the grouping factors whose levels count as seen; the levels
    of every other grouping factor are taken as new (as for "a new class in school 12"). ``rows``
    is ``new_rows(fit, newdata)`` when already computed. ``averaged_groups`` are left out of
    ``re_form`` (the mean of a new school averages over its classes).
    """
    keep = random_terms_of(fit, re_form)
    if averaged_groups:
        keep = [k for k in keep if fit.design.random[k].group not in averaged_groups]
    rows = new_rows(fit, newdata) if rows is None else replace(rows, codes=list(rows.codes))
    if known_groups is not None:
        for k, block in enumerate(fit.design.random):
            if block.group not in known_groups:
                rows.codes[k] = np.full(len(rows.index), -1, dtype=np.int64)
    beta = _cached(fit, "beta", lambda f: f.fixed["estimate"].to_numpy(dtype=float))
    V = _cached(fit, "vcov", lambda f: f.vcov.to_numpy(dtype=float))
    point = rows.X @ beta + rows.offset
    fixed = np.einsum("ij,jk,ik->i", rows.X, V, rows.X)
    names = _term_names(fit)
    random, known, levels = {}, {}, {}
    covs = term_covariances(fit) if fit.design.random else []
    modes = _modes(fit)
    posterior = None
    for k, block in enumerate(fit.design.random):
        z, codes = rows.Z[k], rows.codes[k]
        seen = codes >= 0
        if k in keep and not allow_new_levels and not seen.all():
            bad = rows.labels[k][int(np.argmin(seen))]
            raise DataError(
                f"level '{bad}' of '{block.group}' was not in the data the model was fitted to; "
                "use allow_new_levels=True to predict for a new group (its random effect is then 0), "
                f"or a re_form without {block.term.text}"
            )
        zsz = np.einsum("ij,jk,ik->i", z, covs[k], z)
        piece = zsz.copy()
        if k in keep and seen.any():
            point[seen] += np.einsum("ij,ij->i", z[seen], modes[k][codes[seen]])
            if z.shape[1] == 1:  # one coefficient: the engine's conditional variance is the whole block
                piece[seen] = z[seen, 0] ** 2 * _cond_vars(fit)[k][codes[seen], 0]
            else:  # the off-diagonal of the block needs the sparse solve
                posterior = posterior or _posterior(fit)
                posterior.blocks(k, sorted(set(codes[seen].tolist())))
                for i in np.flatnonzero(seen):
                    piece[i] = z[i] @ posterior.block(k, int(codes[i])) @ z[i]
        random[names[k]] = piece
        known[names[k]] = seen
        levels[names[k]] = rows.labels[k]
    return PredictionPieces(
        fit=point, fixed=fixed, random=random, known=known, kept=[names[k] for k in keep], levels=levels,
        residual=0.0 if fit.generalized else fit.sigma**2, index=rows.index,
    )


def _term_names(fit: MixedFit) -> list[str]:
    """Each random term's text, made unique when two terms read the same."""
    out: list[str] = []
    for block in fit.design.random:
        name = block.term.text
        while name in out:
            name += "'"
        out.append(name)
    return out


def _modes(fit: MixedFit) -> list[np.ndarray]:
    """Conditional modes per term as (levels, q) arrays in the design's level order."""
    return _cached(fit, "modes", _modes_of)


def _cond_vars(fit: MixedFit) -> list[np.ndarray]:
    """Conditional variances per term as (levels, q) arrays (the diagonal of lme4's condVar)."""
    return _cached(fit, "cond_vars", lambda f: _ranef_column(f, "cond_sd", square=True))


def _modes_of(fit: MixedFit) -> list[np.ndarray]:
    return _ranef_column(fit, "estimate")


def _ranef_column(fit: MixedFit, column: str, square: bool = False) -> list[np.ndarray]:
    out = []
    column_values = fit.ranef[column].to_numpy(dtype=float)
    order = lme4_term_order(fit.design)
    # ranef rows are grouped by term in lme4's order, then by coefficient, then by level.
    start = 0
    by_term: dict[int, np.ndarray] = {}
    for k in order:
        block = fit.design.random[k]
        q, nl = len(block.names), len(block.levels)
        values = column_values[start:start + q * nl]
        if square:
            values = values**2
        by_term[k] = values.reshape(q, nl).T
        start += q * nl
    for k in range(len(fit.design.random)):
        out.append(by_term[k])
    return out


def predict(
    fit: MixedFit,
    newdata: pd.DataFrame | None = None,
    re_form: str | None = None,
    allow_new_levels: bool = False,
    interval: str | None = None,
    level: float = 0.95,
    type: str = "link",
) -> pd.Series | pd.DataFrame:
    """Predictions from a fitted model, as lme4's ``predict(m, newdata, re.form, allow.new.levels, type)``.

    Parameters
    ----------
    fit : MixedFit
    newdata : DataFrame, optional
        Rows to predict for, with every column the model's right-hand side uses; ``None`` predicts
        for the model's own rows. Factors keep the fit's levels and coding, and transforms are
        re-applied as fitted (``scale(x)`` with the fit's centre and scale, as R does).
    re_form : str, optional
        Which random terms the prediction conditions on: ``None`` all of them, ``"~0"`` none (the
        population level, lme4's ``re.form = NA``), ``"~(1 | school)"`` only the terms named.
    allow_new_levels : bool, default False
        A group level not seen in the fit raises a :class:`DataError` unless this is True; its
        random effect is then 0 (as in lme4) and its variance component enters the intervals.
    interval : {None, "confidence", "prediction"}
        None returns the points as a Series aligned with ``newdata``'s index. Otherwise a DataFrame
        with ``fit, se, lower, upper``: "confidence" for the mean of the rows' population,
        "prediction" for a new observation (adding the residual variance).
    level : float, default 0.95
        Coverage of the intervals (normal quantiles: ``fit ± z · se``).
    type : {"link", "response"}, default "link"
        For binomial and Poisson models: the linear predictor (log-odds, log-rate), or the mean
        (probability, rate) through the inverse link. Intervals are computed on the link scale and
        their ends transformed, so they stay within the mean's range. Linear models: the same.

    Returns
    -------
    Series or DataFrame

    Notes
    -----
    The interval variance is ``x' V x`` plus, for each random term kept by ``re_form``, ``z' C z``
    with ``C`` the conditional covariance of the row's level (lme4's ``condVar``) or, for a level
    not seen in the fit, ``z' Sigma z`` with ``Sigma`` the term's variance component. Terms left
    out by ``re_form`` add ``z' Sigma z`` to prediction intervals; prediction intervals add
    ``sigma^2``. So with ``re_form="~0"``, a prediction interval's ``se**2`` is exactly
    ``x' V x + sum z' Sigma z + sigma^2``.

    Offsets: the model's own rows keep every offset of the fit; for new data the formula's
    ``offset(...)`` terms are evaluated, and an ``offset=`` given to :func:`mixwidget.fit` is not
    applied (as lme4's ``predict``). Prediction intervals use ``sigma^2`` for the new observation,
    that is, a prior weight of 1.

    Approximations, as in merTools' ``predictInterval``: the covariance between the fixed-effect
    estimates and the conditional modes is ignored, as are the covariances between conditional
    modes of different terms (each term adds its own ``z' C z``); the variance parameters are
    taken as known (their uncertainty is not propagated); intervals use normal quantiles.

    Raises
    ------
    DataError
        A column the model uses is missing from ``newdata``, a fixed-effect factor has a level
        the fit did not see, or a group level is new and ``allow_new_levels`` is False.
    FormulaError
        ``re_form`` names a term the model does not have.
    """
    if interval not in (None, "confidence", "prediction"):
        raise ValueError(f"interval must be None, 'confidence' or 'prediction', not {interval!r}")
    if type not in ("link", "response"):
        raise ValueError(f"type must be 'link' or 'response', not {type!r}")
    if fit.generalized and interval == "prediction":
        raise ValueError(
            f"a {fit.family} model's new observation is a whole number, so it has no normal prediction "
            "interval; use interval='confidence' (for the mean, on the link scale and transformed), "
            "or mixwidget.simulate for the spread of new observations"
        )
    back = (lambda x: inverse_link(fit.link, x)) if type == "response" else (lambda x: x)
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1 (e.g. 0.95), not {level!r}")
    pieces = prediction_pieces(fit, newdata, re_form, allow_new_levels)
    index = pieces.index
    if interval is None:
        return pd.Series(back(pieces.fit), index=index, name="fit")
    se = np.sqrt(pieces.variance(interval))
    half = stats.norm.ppf(0.5 + level / 2) * se
    # se is on the link scale (for a linear model, the response's)
    return pd.DataFrame({"fit": back(pieces.fit), "se": se, "lower": back(pieces.fit - half),
                         "upper": back(pieces.fit + half)}, index=index)
