"""The explorer's fit flow: a formula request, its fit off the comm thread, and showing the result.

:class:`FitFlow` is mixed into :class:`mixwidget.MixWidget`. The newest request wins: a newer
formula supersedes a pending one and stops a running one (see ``_GRACE_S``); stale results are
dropped. The widget provides the traits (``formula``, ``reml``, ``status``, ``current``, ...), the
locks and state made in its ``__init__``, ``_board`` and ``_refresh_charts``.
"""

from __future__ import annotations

import logging
import threading
import time
from functools import lru_cache
from typing import Any

import traitlets

from ..errors import MixWidgetError
from ..jobs.worker import Stopped, failure_text
from ..model.fit import MixedFit
from ..views.code import model_code
from ..views.columns import grouping_columns, with_groups
from ..views.family import family_hint, link_of
from ..views.keynumbers import key_numbers
from ..views.payloads import fit_summary, short, status, variants
from . import fitjobs

__all__ = ["FitFlow"]

log = logging.getLogger(__name__)

_GRACE_S = 0.3
"""A running fit younger than this finishes (its result is dropped) when a newer one arrives;
an older one is stopped at once. Restarting the worker costs more than a short fit."""


class FitFlow(traitlets.HasTraits):
    """Requests, fits and their display: ``wait``, ``stop`` and the formula observer."""

    def wait(self, timeout: float | None = None) -> MixedFit | None:
        """Block until the newest request has been handled (numbers and charts); return the current fit.

        If that request failed, the previous fit stays current and ``error`` says why.
        Pins and unpins sent from the page are finished too.
        Raises TimeoutError if it takes longer than ``timeout`` seconds.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            if not self._lock.wait_for(lambda: self._done_id >= self._request_id, timeout=timeout):
                raise TimeoutError(f"the fit of {short(self.formula)!r} did not finish within {timeout} s")
        for chore in list(self._chores_due):
            chore.result(None if deadline is None else max(deadline - time.monotonic(), 0.001))
        return self._fit

    def stop(self) -> None:
        """Stop the running fit (the previous fit stays shown); the page's Stop button calls this."""
        with self._lock:
            running = self._running
            self._pending = None
            if running is None:
                return
            self._cancelled_id = running[0]
            if self._process is None:  # a thread cannot be stopped: its result will be dropped
                self._request_id += 1
                self._done_id = self._request_id
                self.status = status("stopped", message=f"Left the fit of {short(running[1])} to finish "
                                      "unseen (this explorer fits in a thread, which cannot be stopped).")
                self._show_request_of_fit()
                self._lock.notify_all()
                return
        self._process.stop()


    # -- requests ---------------------------------------------------------------------
    def _show_request_of_fit(self) -> None:
        """Put ``formula``, ``family``, ``link`` and ``reml`` (the formula box and the builder) back to the fit on screen,
        without fitting it again: after Stop they would otherwise show a model that was not fitted."""
        fit = self._fit
        if fit is None:
            return
        self._quiet_request = True
        try:
            with self.hold_sync():
                self.formula = fit.formula
                self.family = fit.family
                self.link = fit.link
                if fit.kind != "ols" and not fit.generalized:  # glmer fits are ML whatever REML says
                    self.reml = fit.reml
        finally:
            self._quiet_request = False

    @traitlets.observe("formula", "reml", "family", "link")
    def _on_request(self, change: dict[str, Any]) -> None:
        """Queue the request; parsing, checks and the fit happen off this (the comm) thread.

        A family whose links do not include ``link`` takes its default link (``link`` is set to "").
        A request equal to the one waiting or running (the page sets family and link together, undo
        sets several traits) is not queued again."""
        if getattr(self, "_quiet_request", False):
            return
        if change["name"] == "family" and change["new"] != getattr(self, "_family_chosen", ""):
            self._family_chosen = ""  # a family chosen by hand: the note on the one chosen for the data goes
        family = str(self.family)
        link = link_of(family, self.link)
        if self.link and self.link != link:
            self._quiet_request = True
            try:
                self.link = ""
            finally:
                self._quiet_request = False
        text = self.formula.strip()
        if not text:
            return
        with self._lock:
            key = (text, bool(self.reml), family, link)
            same = [r for r in (self._pending, self._running) if r is not None and r[1:] == key]
            if same and same[0][0] == self._request_id and self._cancelled_id != self._request_id:
                return
            self._request_id += 1
            self._pending = (self._request_id, *key)
            self.status = status("fitting", message=f"Fitting {short(text)}", stoppable=self._process is not None)
            start = self._threads and (self._fitter is None or not self._fitter.is_alive())
            if start:
                self._fitter = threading.Thread(target=self._run_pending, daemon=True, name="mixwidget-fit")
        self._intervals_superseded()  # the shown fit's profile would only slow this fit down
        if not self._threads:
            self._run_pending()
        elif start:
            self._fitter.start()

    def _fit_request(self, text: str, reml: bool, family: str, link: str, started: float) -> MixedFit:
        """Fit one request: in the worker process (stoppable) or in this thread."""
        if self._process is None:
            return fitjobs.attach(fitjobs.fit_job(self._data, text, reml, self.limits, family, link, self._arguments),
                                  self._data)

        def superseded() -> bool:
            return self._pending is not None and time.perf_counter() - started > _GRACE_S

        result = self._process.run(fitjobs.fit_job, text, reml, self.limits, family, link, self._arguments,
                                   should_stop=superseded)
        return fitjobs.attach(result, self._data)

    def _run_pending(self) -> None:
        """Fit the newest pending request until none is left; never lets an exception escape."""
        while True:
            with self._lock:
                request = self._pending
                self._pending = None
                self._running = request
                if request is None:
                    self._fitter = None
                    return
            request_id, text, reml, family, link = request
            started = time.perf_counter()
            result: MixedFit | Exception | None
            try:
                result = self._fit_request(text, reml, family, link, started)
            except Stopped:
                result = None
            except Exception as exc:  # noqa: BLE001 - any failure becomes a message, never a dead widget
                if not isinstance(exc, MixWidgetError):
                    log.exception("fit of %r failed", short(text))
                result = exc
            elapsed = (time.perf_counter() - started) * 1000
            try:
                shown = None
                with self._lock:  # checking for staleness and showing are one step
                    self._running = None
                    if result is None:
                        self._show_stopped(request_id, text, elapsed)
                    elif request_id == self._request_id and request_id != self._cancelled_id:
                        self.family_hint = family_hint(self._data, text, family,
                                                       fitted=not isinstance(result, Exception),
                                                       chosen=self._family_chosen == family)
                        if isinstance(result, Exception):
                            self._show_error(result, elapsed)
                        else:
                            self._show_fit(result, elapsed)
                            shown = result
                if shown is not None and not self._newer_fit_due():
                    self._refresh_charts(shown)  # the numbers are on screen; the charts follow
            except Exception as exc:  # noqa: BLE001 - a display failure must not stop the worker
                log.exception("showing the fit of %r failed", short(text))
                with self._lock:
                    self._show_error(exc)
            finally:
                with self._lock:
                    self._done_id = max(self._done_id, request_id)
                    self._lock.notify_all()

    def _show_stopped(self, request_id: int, text: str, elapsed_ms: float) -> None:
        """A stopped fit: by the Stop button (say so) or by a newer request (say so when that one shows)."""
        note = f"Stopped the fit of {short(text)} after {elapsed_ms / 1000:.1f} s"
        if request_id == self._cancelled_id:
            self.status = status("stopped", elapsed_ms=round(elapsed_ms, 1),
                                  message=f"{note}. The previous fit is still shown.", stopped=note)
            self._show_request_of_fit()
        else:
            self._stopped_note = f"{note}: a newer formula came."
            self.status = status("fitting", message=self.status.get("message", ""), stopped=self._stopped_note,
                                  stoppable=True)

    def _show_fit(self, result: MixedFit, elapsed_ms: float) -> None:
        fit_id = (self._shown[-1]["id"] if self._shown else 0) + 1
        self._fit_ids[result] = fit_id
        summary = fit_summary(result, fit_id)
        self._summaries[result] = summary
        before = self._fit
        if before is not None and self._undo_target != (result.formula, result.reml, result.family, result.link):
            self._back.append((before.formula, before.reml, before.family, before.link))
            del self._back[:-50]
        self._undo_target = None
        numbers = self._key_numbers(result, before)
        with self.hold_sync():
            self.key_numbers = numbers
            self.code_text = dict(_code_text(result.formula, result.reml, self._dataset, self._source, self._factors,
                                             (result.family, result.link, result.nagq),
                                             tuple(sorted(result.arguments.items()))))
            self.undo_formula = self._back[-1][0] if self._back else ""
            self.previous = self.current
            self._fit = result
            self.current = summary
            self.variants = variants(result.model)
            self.columns = with_groups(self._columns, grouping_columns(result.model))
            self.error = ""
            self.status = status("idle", elapsed_ms=round(elapsed_ms, 1), stopped=self._stopped_note)
        self._stopped_note = ""
        self._remember(result, summary)

    def _remember(self, result: MixedFit, summary: dict[str, Any]) -> None:
        """Add to the history: every fit's key numbers, and the most recent fits whole."""
        self._shown.append({
            "id": summary["id"], "formula": result.formula, "reml": result.reml, "family": result.family,
            "link": result.link, "nobs": result.nobs,
            "loglik": result.loglik, "aic": result.aic, "bic": result.bic, "singular": result.singular,
        })
        self.history.append(result)
        if len(self.history) > self.max_history:
            del self.history[: len(self.history) - self.max_history]  # pinned fits live on in pinned_fits

    def _show_error(self, exc: Exception, elapsed_ms: float | None = None) -> None:
        if isinstance(exc, MixWidgetError):
            message = getattr(exc, "short_message", None) or str(exc)
        else:
            message = f"The fit failed ({failure_text(exc)}). The previous fit is still shown."
        with self.hold_sync():
            self.error = message
            self.status = status("error", elapsed_ms=elapsed_ms, message=message, stopped=self._stopped_note)
        self._stopped_note = ""

    def _key_numbers(self, current: MixedFit, previous: MixedFit | None) -> dict[str, Any]:
        try:
            baseline = self._board.baseline(current)
        except Exception:  # noqa: BLE001 - without the baseline the strip only lacks the OLS numbers
            log.exception("least-squares baseline of %r failed", current.formula)
            baseline = None
        return key_numbers(current, previous, baseline, focus=self.focus)

    @traitlets.observe("focus")
    def _on_focus(self, change: dict[str, Any]) -> None:
        """The strip follows the chosen term at once (no refit)."""
        current = self._fit
        if current is None:
            return
        previous = self.history[-2] if len(self.history) >= 2 and self.history[-1] is current else None
        self.key_numbers = self._key_numbers(current, previous)

    # -- charts -----------------------------------------------------------------------
    def _newer_fit_due(self) -> bool:
        with self._lock:
            return self._pending is not None


@lru_cache(maxsize=64)
def _code_text(formula: str, reml: bool, dataset: str | None, source: str | None,
               factors: tuple[tuple[str, tuple[str, ...], bool], ...],
               family: tuple[str, str, int] = ("gaussian", "identity", 1),
               arguments: tuple[tuple[str, str], ...] = ()) -> tuple[tuple[str, str], ...]:
    """The ``code_text`` trait's items: the model as R and as Python code (a formula seen again costs nothing);
    ``family`` is the fit's family, link and quadrature points, ``arguments`` its weights= and offset= columns."""
    name, link, nagq = family
    given = dict(arguments)
    return tuple((lang, model_code(formula, lang, reml, dataset, source, factors=factors, family=name, link=link,
                                   nagq=nagq, weights=given.get("weights"), offset=given.get("offset")))
                 for lang in ("R", "python"))
