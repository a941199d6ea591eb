"""The explorer's profile intervals of the variance components, computed when asked.

:class:`IntervalActions` is mixed into :class:`mixwidget.MixWidget`. Profiling takes longer
than a fit (a few seconds for sleepstudy's correlated slope), so the random-effects table's
interval column fills in only when the page's "95% CI" button (or :meth:`variance_intervals_now`)
asks; the profile runs in a background thread, never on the comm thread, and a result for a
fit that is no longer current is dropped.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import traitlets

from ..model.confint import variance_profile
from ..model.fit import MixedFit
from ..views.payloads import variance_intervals

__all__ = ["IntervalActions"]

log = logging.getLogger(__name__)

LEVEL = 0.95


class IntervalActions(traitlets.HasTraits):
    """Traits and methods of the variance components' profile intervals.

    The widget provides ``_fit`` (the current fit), ``_fit_ids``, ``_lock`` and ``_threads``, and
    calls :meth:`_intervals_setup` in its ``__init__``.
    """

    intervals = traitlets.Dict({"fit_id": 0, "state": "idle", "level": LEVEL, "rows": [], "message": ""}).tag(sync=True)
    """Profile intervals of the current fit's variance components (see ``VarianceIntervals`` in
    :mod:`mixwidget.views.payload_types`): ``fit_id``, ``state`` (idle, running, done, error),
    ``level``, ``rows`` (group, term, lower, upper) and ``message``."""

    def _intervals_setup(self) -> None:
        self._intervals_lock = threading.Lock()
        self._intervals_done = threading.Event()
        self._intervals_done.set()

    def variance_intervals_now(self, wait: bool = True, timeout: float | None = None) -> dict[str, Any]:
        """Compute the current fit's profile intervals, as the page's "intervals" button does.

        Returns the ``intervals`` trait (after they are done, with ``wait``).
        """
        self._start_intervals()
        if wait and not self._intervals_done.wait(timeout):
            raise TimeoutError(f"the profile intervals did not finish within {timeout} s")
        return dict(self.intervals)

    def _intervals_message(self, kind: str | None) -> bool:
        """Handle a page message about intervals; False if it is not one."""
        if kind != "variance_intervals":
            return False
        self._start_intervals()
        return True

    def _start_intervals(self) -> None:
        fit = self._fit
        if fit is None or fit.kind != "mixed":
            return
        fit_id = self._fit_ids.get(fit, 0)
        with self._intervals_lock:
            if self.intervals.get("fit_id") == fit_id and self.intervals.get("state") in ("running", "done"):
                return  # asked twice: one profile
            self._intervals_done.clear()
            self.intervals = {"fit_id": fit_id, "state": "running", "level": LEVEL, "rows": [],
                              "message": "Profiling the likelihood…"}
        if self._threads:
            threading.Thread(target=self._profile, args=(fit, fit_id), daemon=True,
                             name="mixwidget-intervals").start()
        else:
            self._profile(fit, fit_id)

    def _profile(self, fit: MixedFit, fit_id: int) -> None:
        try:
            lower, upper = variance_profile(fit, LEVEL)
            payload = {"fit_id": fit_id, "state": "done", "level": LEVEL,
                       "rows": variance_intervals(fit, lower, upper), "message": ""}
        except Exception as exc:  # noqa: BLE001 - a failure is shown in the table, the widget carries on
            log.exception("profile intervals of %r failed", fit.formula)
            payload = {"fit_id": fit_id, "state": "error", "level": LEVEL, "rows": [],
                       "message": f"The profile failed ({type(exc).__name__}: {exc})."}
        with self._intervals_lock:
            if self.intervals.get("fit_id") == fit_id:  # still the fit asked about
                self.intervals = payload
            self._intervals_done.set()

    @traitlets.observe("current")
    def _on_current_intervals(self, change: dict[str, Any]) -> None:
        """A new fit: its intervals are not known yet."""
        current = change["new"] or {}
        with self._intervals_lock:
            if self.intervals.get("fit_id") != current.get("id"):
                self.intervals = {"fit_id": current.get("id", 0), "state": "idle", "level": LEVEL,
                                  "rows": [], "message": ""}
                self._intervals_done.set()

