"""Charts of fitted mixed models, each a spec built once per structure plus data built per fit.

Every chart names its data (``alt.NamedData``) and its values travel apart from the spec, so
new values replace old ones without a new spec. Marks of a group level carry ``level`` in
their datum, and every chart has a variable param ``selected`` that highlights
``datum.level == selected``.

How a chart is made
-------------------
A chart is a :class:`ChartType`: a name, a data function and a spec function.

- ``data(request: ChartRequest) -> ChartData``: pandas/numpy only, no Altair. It reads
  ``request.fit`` (the current model), or ``request.fits`` (every model, in order) for charts
  comparing models, ``request.group``, ``request.facet`` and ``request.options``; it returns
  the named tables, the title and subtitle lines, and a hashable *structure key*: everything
  the spec depends on (terms, models, panels, axis titles), nothing that changes with the
  numbers. Raise :class:`NotApplicable` with a plain-language reason when the chart does not
  apply to the model.
- ``spec(key, look: Look) -> alt.TopLevelMixin``: the marks for that structure and look,
  reading data only through ``alt.NamedData(name="<chart>_<table>")``, ending with
  ``template(chart, look)`` (from ``._common``: adds the ``selected`` param and the looks).
  Its ``to_dict()`` is cached per (key, look) by :func:`chart_spec`; refits of the same
  structure reuse that plain dict. A chart may add ``spec_dict(key, look) -> dict`` building
  the same dict faster: build a panel (or the whole spec) once per *shape* with placeholder
  names (``base.placeholder``), cache it, and put the real names in with ``base.fill``, which
  quotes them as Altair does inside filter expressions; fall back to the Altair build when
  ``base.can_fill`` says no. A new model then costs no Altair build, and :func:`warm_up` builds
  the templates in the background when the widget is created. ``tests/test_chart_specs.py``
  checks each ``spec_dict`` equals the Altair spec, for hostile names too.
- Charts drawing one mark per group level or per row keep at most ``MAX_LEVELS`` levels per
  panel or ``MAX_POINTS`` points (``._common``: ``spread_ranks``, ``sample_levels``,
  ``sample_rows``) and say so in a subtitle line, so a refit of a big model sends well under
  1 MB.

To add a chart ``prediction``:

1. write ``mixwidget/charts/prediction.py`` with ``prediction_data``, ``prediction_spec``,
   ``PREDICTION = ChartType("prediction", prediction_data, prediction_spec)`` and a
   convenience ``prediction(fit, ...)`` returning ``altair_chart(PREDICTION, ChartRequest(...))``;
2. add ``PREDICTION`` to :data:`CHARTS` below (the widget shows charts in this order);
3. test its tables against the fit, and that ``chart_spec`` + data equals the Altair chart
   (``tests/test_charts.py`` runs that check for every chart in :data:`CHARTS`).

The widget (``mixwidget.chartboard``) calls :func:`chart_data` and :func:`chart_spec` only;
``w.chart(name)`` and the functions below return Altair charts drawing the same thing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import altair as alt

from ...model.fit import MixedFit
from . import caterpillar as _caterpillar
from . import effects as _effects
from . import lines as _lines
from . import prediction as _prediction
from . import residuals as _residuals
from . import shrinkage as _shrinkage
from . import slopes2d as _slopes2d
from . import variance as _variance
from ._common import POOLING_COLORS, POOLING_KINDS, template_parts
from .base import ChartData, ChartRequest, ChartType, Look, NotApplicable, altair_chart, chart_spec, title_spec
from .caterpillar import CATERPILLAR, caterpillar
from .effects import EFFECTS, effects
from .lines import LINES, lines
from .prediction import PREDICTION, prediction
from .residuals import RESIDUALS, residuals
from .shrinkage import SHRINKAGE, shrinkage
from .simulation import simulation
from .slopes2d import SLOPES2D, slopes2d
from .variance import VARIANCE, variance

__all__ = [
    "CHARTS",
    "ChartData",
    "ChartRequest",
    "ChartType",
    "Look",
    "NotApplicable",
    "POOLING_COLORS",
    "POOLING_KINDS",
    "altair_chart",
    "build_chart",
    "caterpillar",
    "chart_data",
    "chart_spec",
    "effects",
    "lines",
    "prediction",
    "residuals",
    "shrinkage",
    "simulation",
    "slopes2d",
    "title_spec",
    "variance",
    "warm_up",
]

log = logging.getLogger(__name__)

CHARTS: dict[str, ChartType] = {
    chart.name: chart for chart in (EFFECTS, VARIANCE, SHRINKAGE, CATERPILLAR, LINES, SLOPES2D, RESIDUALS, PREDICTION)
}


def _chart_type(name: str) -> ChartType:
    if name not in CHARTS:
        raise KeyError(f"unknown chart {name!r}; the charts are {', '.join(CHARTS)}")
    return CHARTS[name]


def chart_data(name: str, request: ChartRequest) -> ChartData:
    """This fit's data of the chart ``name`` (raises NotApplicable, or KeyError for an unknown name)."""
    return _chart_type(name).data(request)


def build_chart(
    name: str,
    fit: MixedFit | None = None,
    *,
    fits: dict[str, MixedFit] | None = None,
    current: str | None = None,
    group: str | None = None,
    facet: str | None = None,
    look: Look | None = None,
    selected: str | None = None,
) -> alt.TopLevelMixin:
    """The chart ``name`` (a key of :data:`CHARTS`) as an Altair chart.

    Charts comparing models (effects, variance) show every model of ``fits`` (with only
    ``fit`` given, that one model); the others show ``fit`` (or ``fits[current]``). ``group``
    picks the grouping factor and ``facet`` the panels of ``lines``; ``prediction`` predicts for the
    first row of level ``selected`` of ``group``.

    Raises
    ------
    NotApplicable
        The chart does not apply to this model (the message says why).
    KeyError
        ``name`` is not a chart.
    """
    chart = _chart_type(name)
    if fits is None:
        if fit is None:
            raise NotApplicable("no model to show yet")
        fits, current = {"model": fit}, "model"
    if current is None:
        current = next(iter(fits), None)
    if current not in fits:
        if fit is None:
            raise NotApplicable("no model to show yet")
        fits, current = {**fits, "model": fit}, "model"
    options = {"selected": selected} if selected is not None else {}
    request = ChartRequest(fits, current, group=group, facet=facet, look=look or Look(), options=options)
    return altair_chart(chart, request)


def warm_up(look: Look | None = None, busy: Callable[[], bool] = lambda: False) -> None:
    """Build in advance what the specs of a new model are assembled from (panel templates, the look's
    parts), so the first new formula finds them built. For a background thread: each step (tens of
    milliseconds) waits while ``busy()`` (e.g. charts being built); a failing step is logged and skipped.
    """
    look = look or Look()
    steps = [
        lambda: template_parts(look), *_caterpillar.warm_up_steps(look), *_residuals.warm_up_steps(look),
        *_effects.warm_up_steps(look), *_variance.warm_up_steps(look), *_shrinkage.warm_up_steps(look),
        *_prediction.warm_up_steps(look), *_lines.warm_up_steps(look), *_slopes2d.warm_up_steps(look),
    ]
    for step in steps:
        while busy():
            time.sleep(0.02)
        try:
            step()
        except Exception:  # noqa: BLE001 - the spec is built when needed instead
            log.exception("building a chart template in advance failed")
