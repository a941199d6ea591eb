"""Every chart for the current fit, split into Vega-Lite specs and their data.

The widget sends a chart's spec only when its structure changes and its data on every refit,
so views update in place. Chart builders live in :mod:`mixwidget.charts`; this module only
decides which fits each chart sees (current, pinned, and the least-squares baseline).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..engine.adapter import limit_blas
from ..errors import DataError
from ..model.fit import MixedFit
from .charts import CHARTS, ChartRequest, Look, NotApplicable, altair_chart, chart_spec
from .charts.variance import component_colours, components

__all__ = ["Board", "ChartBoard"]

log = logging.getLogger(__name__)

OLS_NAME = "OLS (no groups)"
GLM_NAME = "GLM (no groups)"
"""The baseline's name for a binomial or Poisson model: the plain GLM of the same family (R's glm)."""


@dataclass
class Board:
    """What the widget shows for one fit: specs, data and notes per chart."""

    specs: dict[str, dict[str, Any]] = field(default_factory=dict)
    data: dict[str, dict[str, dict[str, list[Any]]]] = field(default_factory=dict)  # chart -> dataset -> column -> values
    notes: dict[str, str] = field(default_factory=dict)
    captions: dict[str, dict[str, Any]] = field(default_factory=dict)


class ChartBoard:
    """Builds the charts of a widget's fits (the least-squares baseline is kept with the fits)."""

    def __init__(self, look: Look | None = None) -> None:
        self.look = look or Look()
        self.interval = "prediction"
        """The prediction chart's intervals: "prediction" (a new observation) or "confidence" (a mean)."""
        # Every variance component's colour so far: a component keeps it while terms come and go.
        self._colours: dict[str, str] = {}

    def baseline(self, current: MixedFit) -> MixedFit | None:
        """The fixed part of the model fitted by least squares, ignoring all groups.

        Fitted once and shared by fits with the same fixed part and rows (see
        :meth:`MixedFit.without_groups`), so refits keep the same baseline object.
        """
        if current.kind == "ols":
            return None
        try:
            return current.without_groups()
        except Exception:  # noqa: BLE001 - a missing baseline only hides one bar
            log.exception("baseline fit of %r failed", current.model.fixed_text())
            return None

    def fits(self, current: MixedFit, pinned: dict[str, MixedFit]) -> dict[str, MixedFit]:
        """Current model first, then the pinned ones, then the least-squares baseline."""
        out = {"Current": current}
        out.update({name: f for name, f in pinned.items() if f is not current})
        base = self.baseline(current)
        if base is not None and not any(f.formula == base.formula for f in out.values()):
            out[GLM_NAME if base.generalized else OLS_NAME] = base
        return out

    def request(
        self, current: MixedFit, pinned: dict[str, MixedFit], group: str | None, selected: str | None = None,
        previous: MixedFit | None = None,
    ) -> ChartRequest:
        """What every chart of this board sees: the fits, the current one's name, the group and its
        selected level (the prediction chart's row), the prediction chart's kind of interval, the fit
        shown before (the effects chart's ghost row), and every variance component's colour so far
        (kept from fit to fit)."""
        options: dict = {"selected": selected} if selected is not None else {}
        options["interval"] = self.interval
        if previous is not None and previous is not current:
            options["previous"] = previous
        fits = self.fits(current, pinned)
        self._colours.update(component_colours(components(fits.values()), self._colours))
        options["component_colours"] = dict(self._colours)
        return ChartRequest(fits, "Current", group=group, look=self.look, options=options)

    def chart(
        self, name: str, current: MixedFit, pinned: dict[str, MixedFit], group: str | None, selected: str | None = None
    ):
        """One chart as an Altair object (raises NotApplicable with a note)."""
        if name not in CHARTS:
            known = ", ".join(CHARTS)
            raise KeyError(f"no chart named {name!r}; the charts are {known}")
        return altair_chart(CHARTS[name], self.request(current, pinned, group, selected))

    def build(
        self,
        current: MixedFit,
        pinned: dict[str, MixedFit],
        group: str | None,
        should_stop: Callable[[], bool] = lambda: False,
        selected: str | None = None,
        names: list[str] | None = None,
        previous: MixedFit | None = None,
    ) -> Board | None:
        """Every chart's spec and data, or a note where a chart does not apply.

        A chart that does not apply (``NotApplicable``) or cannot be drawn with these data
        (``DataError``) gets a note only; any other exception also logs its traceback.

        Specs are plain dicts cached per structure; only the data and captions are new per fit.
        Returns None if ``should_stop()`` turns true between charts (a newer fit is due).
        ``selected`` is the selected level of ``group``; ``names`` limits the charts built.
        """
        # Small models' chart tables run with one BLAS thread, as their fits do (see limit_blas).
        with limit_blas(current.design):
            return self._build(current, pinned, group, should_stop, selected, names, previous)

    def _build(
        self, current: MixedFit, pinned: dict[str, MixedFit], group: str | None, should_stop: Callable[[], bool],
        selected: str | None, names: list[str] | None, previous: MixedFit | None,
    ) -> Board | None:
        board = Board()
        request = self.request(current, pinned, group, selected, previous)
        for name, chart in CHARTS.items():
            if names is not None and name not in names:
                continue
            if should_stop():
                return None
            try:
                data = chart.data(request)
                spec = chart_spec(chart, data.key, request.look)
            except NotApplicable as exc:
                board.notes[name] = str(exc)
                continue
            except DataError as exc:  # a limit of the chart with these data, said on the card: no traceback
                log.debug("chart %r not drawn: %s", name, exc)
                board.notes[name] = f"This chart could not be drawn: {exc}"
                continue
            except Exception as exc:  # noqa: BLE001 - one broken chart must not take the others down
                log.exception("chart %r failed", name)
                board.notes[name] = f"This chart could not be drawn ({type(exc).__name__}: {exc})."
                continue
            board.specs[name] = spec
            board.data[name] = data.columns()  # columns, not rows: the browser rebuilds the rows
            # Titles state this fit's numbers; sent apart from the spec, they do not force a redraw.
            board.captions[name] = data.caption()
        return board
