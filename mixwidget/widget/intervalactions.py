"""The explorer's profile intervals of the variance components, computed when asked.

:class:`IntervalActions` is mixed into :class:`mixwidget.MixWidget`. Profiling takes longer
than a fit (a few seconds for sleepstudy's correlated slope, half a minute for a binomial or
Poisson model with crossed terms), so the random-effects table's interval column fills in only
when the page's "95% CI" button (or :meth:`variance_intervals_now`) asks; the profile runs in a
background thread, never on the comm thread. While it runs the ``intervals`` trait says how many
interval ends are found (at most a few times a second); the page's Stop button (or
:meth:`cancel_variance_intervals`) stops it within one deviance evaluation, and so does a new fit
request, since its result would be for a fit no longer shown.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import traitlets

from ..jobs.control import Cancelled
from ..model.confint import variance_profile
from ..model.fit import MixedFit
from ..views.payloads import variance_intervals

__all__ = ["IntervalActions"]

log = logging.getLogger(__name__)

LEVEL = 0.95
_PROGRESS_EVERY_S = 0.2  # progress reaches the page at most this often (5 times a second)
_STOPPED_BY_USER = "user"
_STOPPED_BY_FIT = "fit"


def _idle(fit_id: int) -> dict[str, Any]:
    return {"fit_id": fit_id, "state": "idle", "level": LEVEL, "rows": [], "message": "", "done": 0, "total": 0}


def _running_message(done: int, total: int) -> str:
    return f"Profiling the likelihood: {done} of {total} interval ends" if total else "Profiling the likelihood…"


def _stopped_message(done: int, total: int, why: str) -> str:
    so_far = f"after {done} of {total} interval ends" if total else "before the first interval end"
    if why == _STOPPED_BY_FIT:
        return f"Stopped {so_far}: a new fit was asked for."
    return f"Stopped {so_far}."


class _Run:
    """One profile: its fit, its cancel, how far it is, and the throttle of its progress reports."""

    def __init__(self, fit_id: int, publish: Any, timers: bool) -> None:
        self.fit_id = fit_id
        self.cancel = threading.Event()
        self.why = _STOPPED_BY_USER
        self.done = self.total = 0
        self._publish = publish  # publish(run): show the run's progress, if it is still the current run
        self._timers = timers
        self._lock = threading.Lock()
        self._last = float("-inf")
        self._timer: threading.Timer | None = None

    def stop(self, why: str) -> None:
        if not self.cancel.is_set():
            self.why = why
            self.cancel.set()

    def progress(self, done: int, total: int) -> None:
        """The profile's ``progress``: published at once, or (within the throttle's interval) when it ends."""
        with self._lock:
            self.done, self.total = done, total
            wait = self._last + _PROGRESS_EVERY_S - time.monotonic()
            if wait > 0:
                if self._timer is None and self._timers:  # the newest count follows, at most this late
                    self._timer = threading.Timer(wait, self._flush)
                    self._timer.daemon = True
                    self._timer.start()
                return
            self._last = time.monotonic()
        self._publish(self)

    def _flush(self) -> None:
        with self._lock:
            self._timer = None
            self._last = time.monotonic()
        self._publish(self)

    def close(self) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None


class IntervalActions(traitlets.HasTraits):
    """Traits and methods of the variance components' profile intervals.

    The widget provides ``_fit`` (the current fit), ``_fit_ids``, ``_lock`` and ``_threads``, and
    calls :meth:`_intervals_setup` in its ``__init__``.
    """

    intervals = traitlets.Dict(_idle(0)).tag(sync=True)
    """Profile intervals of the current fit's variance components (see ``VarianceIntervals`` in
    :mod:`mixwidget.views.payload_types`): ``fit_id``, ``state`` (idle, running, done, stopped,
    error), ``level``, ``rows`` (group, term, lower, upper), ``message``, and ``done`` of ``total``
    interval ends found."""

    def _intervals_setup(self) -> None:
        self._intervals_lock = threading.Lock()
        self._intervals_done = threading.Event()
        self._intervals_done.set()
        self._intervals_run: _Run | None = None  # the profile running for the current fit, if any

    def variance_intervals_now(self, wait: bool = True, timeout: float | None = None) -> dict[str, Any]:
        """Compute the current fit's profile intervals, as the page's "intervals" button does.

        Returns the ``intervals`` trait (after they are done or stopped, with ``wait``).
        """
        self._start_intervals()
        if wait and not self._intervals_done.wait(timeout):
            raise TimeoutError(f"the profile intervals did not finish within {timeout} s")
        return dict(self.intervals)

    def cancel_variance_intervals(self, wait: bool = False, timeout: float | None = 30) -> dict[str, Any]:
        """Stop a running profile, as the page's Stop button does: it stops within one deviance
        evaluation and ``intervals`` says so (state "stopped"); asking again starts it anew.

        Returns the ``intervals`` trait (after the profile has stopped, with ``wait``).
        """
        self._stop_intervals(_STOPPED_BY_USER)
        if wait and not self._intervals_done.wait(timeout):
            raise TimeoutError(f"the profile intervals did not stop within {timeout} s")
        return dict(self.intervals)

    def _intervals_message(self, kind: str | None) -> bool:
        """Handle a page message about intervals; False if it is not one."""
        if kind == "variance_intervals":
            self._start_intervals()
        elif kind == "cancel_intervals":
            self._stop_intervals(_STOPPED_BY_USER)
        else:
            return False
        return True

    def _intervals_superseded(self) -> None:
        """A new fit was asked for: the current fit's profile stops (its result would not be shown)."""
        self._stop_intervals(_STOPPED_BY_FIT)

    def _stop_intervals(self, why: str) -> None:
        with self._intervals_lock:
            run = self._intervals_run
        if run is not None:
            run.stop(why)

    def _start_intervals(self) -> None:
        fit = self._fit
        if fit is None or fit.kind != "mixed":
            return
        fit_id = self._fit_ids.get(fit, 0)
        with self._intervals_lock:
            old = self._intervals_run
            if self.intervals.get("fit_id") == fit_id and (
                self.intervals.get("state") == "done" or old is not None and not old.cancel.is_set()
            ):
                return  # asked twice: one profile
            run = self._intervals_run = _Run(fit_id, self._intervals_progress, self._threads)
            self._intervals_done.clear()
            self.intervals = {**_idle(fit_id), "state": "running", "message": _running_message(0, 0)}
        if self._threads:
            threading.Thread(target=self._profile, args=(fit, run), daemon=True, name="mixwidget-intervals").start()
        else:
            self._profile(fit, run)

    def _intervals_progress(self, run: _Run) -> None:
        """Show how far ``run`` is, if it is still the current fit's running profile."""
        with self._intervals_lock:
            if self._intervals_run is run and not run.cancel.is_set():
                self.intervals = {**_idle(run.fit_id), "state": "running", "done": run.done, "total": run.total,
                                  "message": _running_message(run.done, run.total)}

    def _profile(self, fit: MixedFit, run: _Run) -> None:
        fit_id = run.fit_id
        payload: dict[str, Any] = {**_idle(fit_id)}
        try:
            lower, upper = variance_profile(fit, LEVEL, run.progress, run.cancel)
            payload.update(state="done", rows=variance_intervals(fit, lower, upper), done=run.total,
                           total=run.total)
        except Cancelled:
            payload.update(state="stopped", done=run.done, total=run.total,
                           message=_stopped_message(run.done, run.total, run.why))
        except Exception as exc:  # noqa: BLE001 - a failure is shown in the table, the widget carries on
            log.exception("profile intervals of %r failed", fit.formula)
            payload.update(state="error", message=f"The profile failed ({type(exc).__name__}: {exc}).")
        finally:
            run.close()
        with self._intervals_lock:
            if self._intervals_run is run:  # still the current fit's profile
                self._intervals_run = None
                self.intervals = payload
                self._intervals_done.set()

    @traitlets.observe("current")
    def _on_current_intervals(self, change: dict[str, Any]) -> None:
        """A new fit: its intervals are not known yet, and the old fit's profile stops."""
        current = change["new"] or {}
        with self._intervals_lock:
            if self.intervals.get("fit_id") != current.get("id"):
                if self._intervals_run is not None:
                    self._intervals_run.stop(_STOPPED_BY_FIT)
                    self._intervals_run = None
                self.intervals = _idle(current.get("id", 0))
                self._intervals_done.set()
