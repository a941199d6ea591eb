"""Which fixed-effect columns are linear combinations of earlier ones, as R's ``lm`` and lme4 decide.

R's QR (LINPACK ``dqrdc2``, ``tol = 1e-7``) takes the columns in order and sets a column aside
when what is left of it, after removing its projection on the columns kept before it, is
shorter than ``tol`` times its own length. Comparing each column with its own length makes
the decision independent of the columns' units: a predictor in Unix seconds (about 1.7e9,
varying by 3e7) is kept next to the intercept, and it is dropped only when it really is a
combination of other columns.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg

__all__ = ["ALIAS_TOL", "ILL_CONDITIONED", "aliased_columns", "poorly_scaled_columns"]

ALIAS_TOL = 1e-7
"""R's ``lm`` and lme4 tolerance: a column is aliased when less than this share of its length is new."""

ILL_CONDITIONED = 1e-2
"""A kept column with less than this share of its length new is almost a combination of the
others (typically a big number that varies by less than 1% of its size, e.g. years or Unix
seconds next to the intercept): the engine's matrices are ill-conditioned, and centring helps."""


def _new_shares(X: np.ndarray) -> np.ndarray:
    """For each column, the length of its part orthogonal to the columns before it, over its length."""
    norms = np.linalg.norm(X, axis=0)
    if X.shape[1] == 0:
        return norms
    r = scipy.linalg.qr(X, mode="r", check_finite=False)[0]
    diag = np.zeros(X.shape[1])
    k = min(r.shape)
    diag[:k] = np.abs(np.diag(r)[:k])  # more columns than rows: the last ones have nothing new
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(norms > 0, diag / norms, 0.0)


def aliased_columns(X: np.ndarray, tol: float = ALIAS_TOL) -> list[int]:
    """Indices of the columns of ``X`` that are linear combinations of earlier kept columns.

    Parameters
    ----------
    X : ndarray of shape (n, p)
        A model matrix with finite values.
    tol : float
        Relative tolerance, as R's ``lm(tol = 1e-7)``.

    Notes
    -----
    One Householder QR gives each column's new share given all earlier columns; an aliased
    column lies in the span of the earlier ones, so the span is unchanged by setting it aside.
    The QR is then repeated on the kept columns (an aliased column's numerical remainder could
    have steered later ones) until they all pass: usually two factorizations in all.
    """
    keep = list(range(X.shape[1]))
    dropped: list[int] = []
    while True:
        shares = _new_shares(X[:, keep])
        bad = [j for j, s in zip(keep, shares) if not s >= tol]
        if not bad:
            return sorted(dropped)
        dropped.extend(bad)
        keep = [j for j in keep if j not in set(bad)]


def poorly_scaled_columns(X: np.ndarray, names: list[str], limit: float = ILL_CONDITIONED) -> list[str]:
    """Names of kept columns that are nearly combinations of earlier ones (see ``ILL_CONDITIONED``)."""
    shares = _new_shares(X)
    return [n for n, s in zip(names, shares) if s < limit]
