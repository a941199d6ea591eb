"""The explorer's charts: building the board for the current fit and following the page's choices.

:class:`ChartActions` is mixed into :class:`mixwidget.MixWidget`, which provides the chart
traits, ``_board`` (a :class:`~mixwidget.chartboard.ChartBoard`), the locks and the pins.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from typing import Any

import altair as alt
import traitlets

from ..model.fit import MixedFit
from ..views.charts import CHARTS, altair_chart

__all__ = ["SELECTION_CHARTS", "ChartActions"]

log = logging.getLogger(__name__)

SELECTION_CHARTS = ["prediction", "lines"]  # charts whose data depend on the selected group, not only on the fit


class ChartActions(traitlets.HasTraits):
    """``chart()``, ``charts`` and the chart traits kept in step with the current fit."""

    def chart(self, name: str) -> alt.TopLevelMixin:
        """The chart ``name`` for the current fit, as an Altair chart (``.save("x.png")`` works).

        Names: effects, variance, shrinkage, caterpillar, lines, slopes2d, residuals, prediction
        (for the selected group's first row), and simulation (the last check by simulation).
        """
        if name == "simulation":
            return self._sim.chart(self._board.look)
        if self._fit is None:
            raise RuntimeError("there is no fit yet: set a formula first (w.formula = ...)")
        if name not in CHARTS:
            raise KeyError(f"no chart named {name!r}; the charts are {', '.join(CHARTS)}")
        request = self._board.request(self._fit, self._pinned_by_name(), self.chart_group or None, self.selected)
        # In a dark notebook (as the page reports it), the chart is drawn for a dark background.
        look = dataclasses.replace(request.look, theme="dark" if self.theme == "dark" else request.look.theme)
        return altair_chart(CHARTS[name], dataclasses.replace(request, look=look))

    @property
    def charts(self) -> list[str]:
        """The charts on show, in order; set a list of names to choose and reorder them."""
        return list(self.chart_names)

    @charts.setter
    def charts(self, names: list[str]) -> None:
        if isinstance(names, str):
            names = [names]
        unknown = [n for n in names if n not in self.chart_choices]
        if unknown:
            known = ", ".join(self.chart_choices)
            raise ValueError(f"no chart named {', '.join(map(repr, unknown))}; the charts are {known}")
        self.chart_names = list(dict.fromkeys(names))

    def _pinned_by_name(self) -> dict[str, MixedFit]:
        return dict(zip(self._pin_names, self.pinned_fits))

    def _refresh_charts(self, current: MixedFit | None = None, stale: Callable[[], bool] | None = None) -> None:
        """Rebuild every chart for the current fit; skipped when a newer fit is on its way (or ``stale()``)."""
        current = current or self._fit
        if current is None:
            return
        with self._board_lock:
            groups = list(current.ngroups)
            chosen = self._group_chosen and self.chart_group in groups
            group = self.chart_group if chosen else _default_group(current)
            levels = set(current.ranef.loc[current.ranef["group"] == group, "level"]) if group else set()
            selected = self.selected if self.selected in levels else None
            due = self._newer_fit_due if stale is None else (lambda: self._newer_fit_due() or stale())
            previous = self.history[-2] if len(self.history) > 1 and self.history[-1] is current else None
            board = self._board.build(current, self._pinned_by_name(), group or None, due, selected, previous=previous)
            if board is None or current is not self._fit:
                return  # a newer fit is due or has been shown meanwhile: its charts will follow
            with self._lock, self.hold_sync():
                self.chart_groups = groups
                self._setting_group = True
                try:
                    self.chart_group = group or ""
                finally:
                    self._setting_group = False
                self.chart_specs = board.specs
                self.chart_data = board.data
                self.chart_notes = board.notes
                self.chart_captions = board.captions
                self.group_levels = sorted(map(str, levels), key=_level_key)
                self._merge_simulation_chart()
                if self.selected is not None and self.selected not in levels:
                    self._refreshing = True
                    try:
                        self.selected = None
                    finally:
                        self._refreshing = False
            self._update_simulation_options(current, self._pinned_by_name())

    @traitlets.observe("prediction_interval")
    def _on_prediction_interval(self, change: dict[str, Any]) -> None:
        """Prediction or confidence intervals: the prediction chart is built again, in place."""
        with self._board_lock:
            self._board.interval = change["new"]
        if self._fit is not None and "prediction" in self.chart_names:
            self._update_charts(self.selected, ["prediction"])

    @traitlets.observe("selected")
    def _on_selected(self, change: dict[str, Any]) -> None:
        """A group chosen in any chart: the prediction chart shows that group's first row and the lines
        chart draws its lines (when it shows a subset of groups), in place."""
        if getattr(self, "_refreshing", False):
            return
        self._update_charts(change["new"], SELECTION_CHARTS)

    def _update_charts(self, selected: str | None, names: list[str]) -> None:
        """Build the charts ``names`` again for the current fit and ``selected``, in place."""
        current = self._fit
        if current is None:
            return
        try:
            with self._board_lock:
                group = self.chart_group or None
                board = self._board.build(current, self._pinned_by_name(), group, selected=selected, names=names)
                if board is None or current is not self._fit:
                    return
                with self._lock, self.hold_sync():
                    self.chart_specs = {**self.chart_specs, **board.specs}
                    self.chart_data = {**self.chart_data, **board.data}
                    self.chart_captions = {**self.chart_captions, **board.captions}
                    notes = {k: v for k, v in self.chart_notes.items() if k not in names}
                    self.chart_notes = {**notes, **board.notes}
        except Exception:  # noqa: BLE001 - a failed chart must not break the selection
            log.exception("updating the charts %s for selection %r failed", names, selected)

    @traitlets.observe("chart_group")
    def _on_chart_group(self, change: dict[str, Any]) -> None:
        if getattr(self, "_setting_group", False):
            return
        self._group_chosen = bool(change["new"])  # a person's choice sticks while the group exists
        if self._fit is not None:
            self._refresh_charts()


def _level_key(level: str) -> tuple:
    """Sort "1:10" after "1:9": numbers by value, text as text."""
    return tuple((0, float(p), "") if p.replace(".", "", 1).lstrip("-").isdigit() else (1, 0.0, p)
                 for p in level.split(":"))


def _default_group(f: MixedFit) -> str | None:
    """The grouping factor with the most levels (classes rather than schools)."""
    if not f.ngroups:
        return None
    return max(f.ngroups, key=lambda g: f.ngroups[g])

