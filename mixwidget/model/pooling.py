"""No pooling, complete pooling and partial pooling of a grouping factor's coefficients."""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import DataError
from .fit import MixedFit
from .own_glm import own_glm_estimates
from .terms import lme4_term_order

__all__ = ["Pooled", "pooled", "pooling"]


@dataclass(frozen=True, eq=False)
class Pooled:
    """The pooling estimates of one grouping factor as arrays (what :func:`pooling` tabulates).

    Attributes
    ----------
    levels : ndarray
        The group's levels (object array, lme4's order), ``k`` of them.
    names : list of str
        The coefficients (``q``), named as in lme4's ``coef()``.
    n : ndarray
        Rows per level, ``(k,)``.
    complete : ndarray
        Complete pooling, one value per coefficient, ``(q,)``.
    no_pooling, partial : ndarray
        ``(k, q)``: each level's own estimate (NaN where not identified) and the mixed model's.
    """

    levels: np.ndarray
    names: list[str]
    n: np.ndarray
    complete: np.ndarray
    no_pooling: np.ndarray
    partial: np.ndarray

    def frame(self) -> pd.DataFrame:
        """The long table of :func:`pooling` (one row per level and coefficient)."""
        k, q = len(self.levels), len(self.names)
        return pd.DataFrame({
            "level": np.repeat(self.levels, q),
            "n": np.repeat(self.n, q),
            "term": np.tile(np.asarray(self.names, dtype=object), k),
            "complete": np.tile(self.complete, k),
            "no_pooling": self.no_pooling.ravel(),
            "partial": self.partial.ravel(),
        })

    @classmethod
    def from_frame(cls, pool: pd.DataFrame) -> Pooled:
        """The arrays of a table :func:`pooling` returned (levels and terms in their order of appearance)."""
        level, term = pool["level"].to_numpy(dtype=object), pool["term"].to_numpy(dtype=object)
        lcodes, levels = pd.factorize(level)
        tcodes, names = pd.factorize(term)
        k, q = len(levels), len(names)
        n = np.zeros(k, dtype=pool["n"].to_numpy().dtype)
        n[lcodes] = pool["n"].to_numpy()
        complete = np.zeros(q)
        complete[tcodes] = pool["complete"].to_numpy(dtype=float)
        wide = {}
        for column in ("no_pooling", "partial"):
            out = np.full((k, q), np.nan)
            out[lcodes, tcodes] = pool[column].to_numpy(dtype=float)
            wide[column] = out
        return cls(np.asarray(levels, dtype=object), [str(v) for v in names], n, complete, wide["no_pooling"],
                   wide["partial"])


def pooling(model: MixedFit, group: str) -> pd.DataFrame:
    """Per level of ``group``: each coefficient under complete, no and partial pooling.

    For a random term ``(1 + x | group)`` the coefficients are the intercept and the slope
    for ``x``, named as in lme4's ``coef()``:

    - complete pooling: the coefficient of a linear model fitted to the model's rows together,
      ignoring the groups (the formula's fixed part, by least squares);
    - no pooling: the group's own least-squares estimate from its rows alone, with the other
      terms of the model held at their estimates (the fixed effects and any other random
      terms are subtracted first);
    - partial pooling: the mixed model's fixed effect plus the group's conditional mode,
      which is the no-pooling estimate shrunk toward the population value, more so for
      small groups.

    In a binomial or Poisson model the coefficients are on the link scale; complete pooling is
    the GLM of the fixed part, and a group's own estimate is the maximum-likelihood fit of its
    rows alone (R's ``glm(y ~ 0 + Z, offset = ...)`` with the rest of the linear predictor as
    the offset), plus the fixed effect.

    Returns
    -------
    DataFrame
        Columns ``level, n, term, complete, no_pooling, partial``, one row per level and
        coefficient. ``no_pooling`` is NaN where a group's rows cannot identify it (e.g. a
        slope for a group observed at one x value) or, in a binomial or Poisson model, where
        its own fit does not exist (outcomes all 0, or all 1, or separated by x).
    """
    return pooled(model, group).frame()


# A fit does not change: its pooling estimates are computed once per grouping factor.
_pooled: weakref.WeakKeyDictionary[MixedFit, dict[str, Pooled]] = weakref.WeakKeyDictionary()


def pooled(model: MixedFit, group: str) -> Pooled:
    """:func:`pooling`'s estimates as arrays, computed once per fit and group (do not modify them)."""
    cached = _pooled.setdefault(model, {})
    if group not in cached:
        cached[group] = _compute(model, group)
    return cached[group]


def _compute(model: MixedFit, group: str) -> Pooled:
    design = model.design
    ks = [k for k, b in enumerate(design.random) if b.group == group]
    if not ks:
        groups = ", ".join(f"'{g}'" for g in dict.fromkeys(b.group for b in design.random)) or "none"
        raise DataError(f"'{group}' is not a grouping factor of {model.formula!r}; its grouping factors: {groups}")
    beta = model.fixed["estimate"]
    offset = design.offset
    # Complete pooling: the fixed part by least squares on the same rows (fitted once per fit).
    complete = model.without_groups().fixed["estimate"].to_dict()

    # Remove the fixed part and every other random term: what is left is this group's signal.
    other = np.zeros(design.nobs)
    modes = block_modes(model)
    for k, b in enumerate(design.random):
        if k in ks:
            continue
        other += (b.Z * modes[k][b.codes]).sum(axis=1)
    resid = design.y - design.X @ beta.to_numpy() - other - (0.0 if offset is None else offset)

    Z = np.column_stack([design.random[k].Z for k in ks])
    names = [n for k in ks for n in design.random[k].names]
    if len(set(names)) < len(names):
        repeated = sorted({n for n in names if names.count(n) > 1})
        raise DataError(
            f"'{group}' has {', '.join(repeated)} in more than one random term, so each group has two such "
            "coefficients and pooling cannot name them; merge the terms, e.g. (1 + x | g)"
        )
    block = design.random[ks[0]]
    k = len(block.levels)
    mine = np.column_stack([modes[j] for j in ks]) if len(ks) > 1 else modes[ks[0]]
    counts = np.bincount(block.codes, minlength=k)
    if design.family.generalized:
        # Each group's own maximum-likelihood coefficients, the rest of the linear predictor held fixed.
        eta = design.X @ beta.to_numpy() + other + (0.0 if offset is None else offset)
        own = own_glm_estimates(design, eta, Z, block.codes, k)
    else:
        own = _own_estimates(Z, resid, block.codes, k)
    base = np.array([float(beta.get(name, 0.0)) for name in names])
    return Pooled(
        np.asarray(block.levels, dtype=object), names, counts,
        np.array([float(complete.get(name, 0.0)) for name in names]), base + own, base + mine,
    )


_modes_cache: weakref.WeakKeyDictionary[MixedFit, list[np.ndarray]] = weakref.WeakKeyDictionary()


def block_modes(model: MixedFit) -> list[np.ndarray]:
    """Conditional modes of each random term of the design (``design.random[k]``) as a
    (levels, terms) array, read from ``model.ranef`` once per fit (NaN where missing)."""
    if model not in _modes_cache:
        _modes_cache[model] = _read_modes(model)
    return _modes_cache[model]


def _read_modes(model: MixedFit) -> list[np.ndarray]:
    design, re = model.design, model.ranef
    estimate = re["estimate"].to_numpy(dtype=float)
    # The fit lays ranef out term by term in lme4's order, levels in the design's order.
    order = lme4_term_order(design)
    total = sum(len(design.random[k].levels) * len(design.random[k].names) for k in order)
    if len(re) == total and total:
        group, level, term = (re[c].to_numpy(dtype=object) for c in ("group", "level", "term"))
        out: dict[int, np.ndarray] = {}
        start = 0
        for k in order:
            b = design.random[k]
            nlev = len(b.levels)
            levels = np.asarray(b.levels, dtype=object)
            parts = []
            for name in b.names:
                rows = slice(start, start + nlev)
                if not ((group[rows] == b.group).all() and (term[rows] == name).all()
                        and (level[rows] == levels).all()):
                    break
                parts.append(estimate[rows])
                start += nlev
            else:
                out[k] = np.column_stack(parts)
                continue
            break
        else:
            return [out[k] for k in range(len(design.random))]
    return [_modes(re, b.group, b.levels, b.names) for b in design.random]


def _modes(re: pd.DataFrame, group: str, levels: list, names: list[str]) -> np.ndarray:
    """Conditional modes of ``group`` as a (levels, terms) array in the given orders (NaN if missing)."""
    mine = re["group"].to_numpy() == group
    rows = pd.Index([str(v) for v in levels]).get_indexer([str(v) for v in re["level"].to_numpy()[mine]])
    cols = pd.Index(names).get_indexer(re["term"].to_numpy()[mine])
    found = (rows >= 0) & (cols >= 0)
    out = np.full((len(levels), len(names)), np.nan)
    out[rows[found], cols[found]] = re["estimate"].to_numpy()[mine][found]
    return out


def _own_estimates(Z: np.ndarray, r: np.ndarray, codes: np.ndarray, k: int) -> np.ndarray:
    """Each group's least-squares coefficients of ``r`` on its rows of ``Z`` (NaN where not identified).

    Solved from each group's normal equations at once; groups whose columns are (nearly)
    collinear are checked one by one with the rank test of ``np.linalg.matrix_rank``.
    """
    q = Z.shape[1]
    ztz = np.zeros((k, q, q))
    ztr = np.zeros((k, q))
    for a in range(q):
        ztr[:, a] = np.bincount(codes, Z[:, a] * r, k)
        for b in range(a, q):
            ztz[:, a, b] = ztz[:, b, a] = np.bincount(codes, Z[:, a] * Z[:, b], k)
    eig = np.linalg.eigvalsh(ztz)
    clear = eig[:, 0] > 1e-8 * np.maximum(eig[:, -1], np.finfo(float).tiny)
    out = np.full((k, q), np.nan)
    if clear.any():
        out[clear] = np.linalg.solve(ztz[clear], ztr[clear][..., None])[..., 0]
    for i in np.flatnonzero(~clear):  # borderline or singular: decide as matrix_rank does
        idx = codes == i
        zi = Z[idx]
        if len(zi) and np.linalg.matrix_rank(zi) == q:
            out[i] = np.linalg.lstsq(zi, r[idx], rcond=None)[0]
    return out
