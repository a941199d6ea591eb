"""Random terms as lme4 lists them: their order and the names its tables give their grouping factors.

The fit result builds its tables with these, and so do the modules computed from a fit (predictions,
intervals, pooling): they sit below all of them, so that none needs to import the result's module for them.
"""

from __future__ import annotations

from ..design.build import Design

__all__ = ["lme4_term_order", "group_labels"]


def lme4_term_order(design: Design) -> list[int]:
    """The design's random terms in lme4's order (indices into ``design.random``).

    lme4 sorts random terms by decreasing number of levels, if any term has more levels than
    the one before it; otherwise they stay in the formula's order.
    """
    nl = [len(b.levels) for b in design.random]
    if any(b > a for a, b in zip(nl, nl[1:])):
        asc = sorted(range(len(nl)), key=lambda i: nl[i])  # R's order() is stable
        return asc[::-1]
    return list(range(len(nl)))


def group_labels(design: Design, order: list[int]) -> dict[int, str]:
    """VarCorr's name of each random term's grouping factor: repeated ones get .1, .2 (R's make.unique)."""
    seen: dict[str, int] = {}
    labels = {}
    for k in order:
        g = design.random[k].group
        labels[k] = g if g not in seen else f"{g}.{seen[g]}"
        seen[g] = seen.get(g, 0) + 1
    return labels
