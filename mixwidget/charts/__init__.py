"""Charts of fitted mixed models: each takes fit results and returns an Altair chart.

Every chart names its data (``alt.NamedData``) and carries the values in the top-level
``datasets``, so new values can replace old ones without a new spec. Marks of a group level
carry ``level`` in their datum, and every chart has a variable param ``selected`` that
highlights ``datum.level == selected``.
"""

from __future__ import annotations

from collections.abc import Callable

import altair as alt

from ..fit import MixedFit
from ._common import POOLING_COLORS, POOLING_KINDS, NotApplicable
from .caterpillar import caterpillar
from .effects import effects
from .lines import lines
from .residuals import residuals
from .shrinkage import shrinkage
from .slopes2d import slopes2d
from .variance import variance

__all__ = [
    "CHARTS",
    "NotApplicable",
    "POOLING_COLORS",
    "POOLING_KINDS",
    "build_chart",
    "caterpillar",
    "effects",
    "lines",
    "residuals",
    "shrinkage",
    "slopes2d",
    "variance",
]

CHARTS: dict[str, Callable[..., alt.TopLevelMixin]] = {
    "effects": effects,
    "variance": variance,
    "shrinkage": shrinkage,
    "caterpillar": caterpillar,
    "lines": lines,
    "slopes2d": slopes2d,
    "residuals": residuals,
}

_MULTI = {"effects", "variance"}
_GROUPED = {"shrinkage", "lines", "slopes2d"}


def build_chart(
    name: str,
    fit: MixedFit | None = None,
    *,
    fits: dict[str, MixedFit] | None = None,
    current: str | None = None,
    group: str | None = None,
    facet: str | None = None,
) -> alt.TopLevelMixin:
    """Build the chart ``name`` (a key of :data:`CHARTS`) with the arguments it uses.

    ``effects`` and ``variance`` compare models: they take ``fits`` and ``current`` (with only
    ``fit`` given, that one model). The others show ``fit`` (or ``fits[current]``); ``group``
    picks the grouping factor and ``facet`` the panels of ``lines``.

    Raises
    ------
    NotApplicable
        The chart does not apply to this model (the message says why).
    KeyError
        ``name`` is not a chart.
    """
    if name not in CHARTS:
        raise KeyError(f"unknown chart {name!r}; the charts are {', '.join(CHARTS)}")
    if name in _MULTI:
        if fits is None:
            if fit is None:
                raise NotApplicable("no model to show yet")
            fits, current = {"model": fit}, "model"
        if current is None:
            current = next(iter(fits))
        return CHARTS[name](fits, current)
    if fit is None:
        if fits is None or current not in fits:
            raise NotApplicable("no model to show yet")
        fit = fits[current]
    if name == "lines":
        return lines(fit, group=group, facet=facet)
    if name in _GROUPED:
        return CHARTS[name](fit, group=group)
    return CHARTS[name](fit)
