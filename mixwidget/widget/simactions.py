"""The explorer's side of "Check by simulation": its traits, its Python methods and messages.

:class:`SimulationActions` is mixed into :class:`mixwidget.MixWidget`; the work itself is done
by a :class:`mixwidget.simpanel.SimulationPanel` (``self._sim``), in its own thread.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import traitlets

from .simpanel import SimulationPanel

__all__ = ["IDLE", "SimulationActions"]

IDLE = {"state": "idle", "done": 0, "total": 0, "message": "", "title": ""}


class SimulationActions(traitlets.HasTraits):
    """Traits and methods of the widget's check by simulation.

    The widget provides ``_board`` (a chart board with ``look``), ``_board_lock``, ``_lock``
    and the chart traits, and calls :meth:`_simulation_setup` in its ``__init__``.
    """

    simulation_options = traitlets.Dict().tag(sync=True)
    """Choices for a check by simulation: truths, candidates, terms, the default term and nsim."""

    simulation_status = traitlets.Dict().tag(sync=True)
    """The check by simulation: state (idle, running, done, cancelled, error), done, total, message, title."""

    def _simulation_setup(self) -> None:
        self._sim = SimulationPanel(self._publish_simulation_status, self._publish_simulation)

    @property
    def simulation(self) -> pd.DataFrame | None:
        """The last check by simulation (see :func:`mixwidget.check_by_simulation`), or None."""
        return self._sim.result

    def check_by_simulation(self, truth: str = "current", candidates: list[str] | None = None,
                            term: str | None = None, null: bool = True, nsim: int | None = None) -> None:
        """Start a check by simulation in the background, as the page's button does.

        ``truth`` and ``candidates`` are ids from ``simulation_options`` ("current", "pin:<name>",
        "ols"); by default the current fit is the truth and every offered candidate is fitted.
        ``term`` defaults to the one whose t-value changes most; ``null`` sets it to zero in the
        truth. ``nsim`` defaults to 200 simulations, or 100 for a binomial or Poisson truth (each
        refit is a Laplace fit: 8-60 s in all on the lessons' data). Progress is in
        ``simulation_status``; ``wait_simulation()`` blocks until done.
        """
        if term is None:
            term = self.simulation_options.get("term") or None
        self._sim.start(truth=truth, candidates=candidates, term=term, null=null, nsim=nsim)

    def cancel_simulation(self) -> None:
        """Stop a running check by simulation (within one fit); what was done is kept."""
        self._sim.cancel()

    def wait_simulation(self, timeout: float | None = None) -> pd.DataFrame | None:
        """Block until the running check by simulation ends; return ``simulation``."""
        return self._sim.wait(timeout)

    def _simulation_message(self, kind: str | None, content: dict[str, Any]) -> bool:
        """Handle a page message about simulation; False if it is not one."""
        if kind == "simulate":
            try:
                self._sim.start(
                    truth=content.get("truth", "current"), candidates=content.get("candidates"),
                    term=content.get("term") or None, null=bool(content.get("null", True)), nsim=content.get("nsim"),
                )
            except ValueError as exc:  # a choice the page was never offered
                self._publish_simulation_status({**IDLE, "state": "error", "message": str(exc)})
            return True
        if kind == "cancel_simulation":
            self._sim.cancel()
            return True
        return False

    def _update_simulation_options(self, current: Any, pinned: dict[str, Any]) -> None:
        self.simulation_options = self._sim.options(current, pinned, self._board.baseline(current))

    def _publish_simulation_status(self, status: dict[str, Any]) -> None:
        self.simulation_status = status

    def _publish_simulation(self, _table: pd.DataFrame | None) -> None:
        with self._board_lock, self._lock, self.hold_sync():
            self._merge_simulation_chart()

    def _merge_simulation_chart(self) -> None:
        """Put the simulation chart into the chart traits (the fits' charts leave it alone)."""
        spec, data, caption, note = self._sim.board_entry(self._board.look)
        specs, datas = dict(self.chart_specs), dict(self.chart_data)
        captions, notes = dict(self.chart_captions), dict(self.chart_notes)
        for d in (specs, datas, captions, notes):
            d.pop("simulation", None)
        if spec is None:
            notes["simulation"] = note or ""
        else:
            specs["simulation"], datas["simulation"], captions["simulation"] = spec, data, caption
        self.chart_specs, self.chart_data, self.chart_captions, self.chart_notes = specs, datas, captions, notes
