"""No pooling, complete pooling and partial pooling of a grouping factor's coefficients."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .errors import DataError
from .fit import MixedFit

__all__ = ["pooling"]


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

    Returns
    -------
    DataFrame
        Columns ``level, n, term, complete, no_pooling, partial``, one row per level and
        coefficient. ``no_pooling`` is NaN where a group's rows cannot identify it (e.g. a
        slope for a group observed at one x value).
    """
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
    re = model.ranef
    for k, b in enumerate(design.random):
        if k in ks:
            continue
        modes = _modes(re, b.group, b.levels, b.names)
        other += (b.Z * modes[b.codes]).sum(axis=1)
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
    k, q = len(block.levels), len(names)
    mine = _modes(re, group, block.levels, names)
    counts = np.bincount(block.codes, minlength=k)
    own = _own_estimates(Z, resid, block.codes, k)
    base = np.array([float(beta.get(name, 0.0)) for name in names])
    return pd.DataFrame({
        "level": np.repeat(np.asarray(block.levels, dtype=object), q),
        "n": np.repeat(counts, q),
        "term": np.tile(np.asarray(names, dtype=object), k),
        "complete": np.tile([float(complete.get(name, 0.0)) for name in names], k),
        "no_pooling": (base + own).ravel(),
        "partial": (base + mine).ravel(),
    })


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
