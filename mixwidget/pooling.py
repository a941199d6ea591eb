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
    complete = model.without_groups()
    beta = model.fixed["estimate"]

    # Remove the fixed part and every other random term: what is left is this group's signal.
    other = np.zeros(design.nobs)
    re = model.ranef
    for k, b in enumerate(design.random):
        if k in ks:
            continue
        modes = re[(re["group"] == b.group)].pivot(index="level", columns="term", values="estimate")
        coef = modes.loc[b.levels, b.names].to_numpy()[b.codes]
        other += (b.Z * coef).sum(axis=1)
    resid = design.y - design.X @ beta.to_numpy() - other

    Z = np.column_stack([design.random[k].Z for k in ks])
    names = [n for k in ks for n in design.random[k].names]
    if len(set(names)) < len(names):
        repeated = sorted({n for n in names if names.count(n) > 1})
        raise DataError(
            f"'{group}' has {', '.join(repeated)} in more than one random term, so each group has two such "
            "coefficients and pooling cannot name them; merge the terms, e.g. (1 + x | g)"
        )
    block = design.random[ks[0]]
    mine = re[re["group"] == group].pivot(index="level", columns="term", values="estimate").loc[block.levels, names]
    rows = []
    counts = np.bincount(block.codes, minlength=len(block.levels))
    for i, level in enumerate(block.levels):
        idx = block.codes == i
        zi, ri = Z[idx], resid[idx]
        if np.linalg.matrix_rank(zi) == zi.shape[1]:
            own = np.linalg.lstsq(zi, ri, rcond=None)[0]
        else:
            own = np.full(len(names), np.nan)
        for j, name in enumerate(names):
            base = float(beta.get(name, 0.0))
            rows.append({
                "level": level,
                "n": int(counts[i]),
                "term": name,
                "complete": float(complete.fixed["estimate"].get(name, 0.0)),
                "no_pooling": base + own[j],
                "partial": base + float(mine.iloc[i, j]),
            })
    return pd.DataFrame(rows, columns=["level", "n", "term", "complete", "no_pooling", "partial"])
