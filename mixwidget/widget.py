"""The explorer widget: a formula builder and live model summaries for one DataFrame."""

from __future__ import annotations

import dataclasses
import logging
import math
import sys
import threading
import time
import weakref
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import altair as alt
import anywidget
import numpy as np
import pandas as pd
import traitlets

from . import fitjobs
from .chartboard import ChartBoard
from .charts import CHARTS, altair_chart
from .code import model_code
from .comparison_view import comparison_payload
from .engine import warm_up
from .errors import MixWidgetError
from .fit import MixedFit, own_copy
from .formula import ModelFormula
from .intake import as_frame
from .keynumbers import key_numbers
from .limits import DEFAULT_LIMITS, Limits
from .naming import structure_name, unique_name
from .simactions import IDLE, SimulationActions
from .worker import ProcessWorker, Stopped, can_use_processes

__all__ = ["MixWidget", "explore"]

log = logging.getLogger(__name__)

_BUNDLE = Path(__file__).parent / "static" / "widget.js"
_CAN_THREAD = sys.platform != "emscripten"
SELECTION_CHARTS = ["prediction"]  # charts whose data depend on the selected group, not only on the fit
_GRACE_S = 0.3
"""A running fit younger than this finishes (its result is dropped) when a newer one arrives;
an older one is stopped at once. Restarting the worker costs more than a short fit."""
_SHOWN_CHARS = 120  # formulas quoted in status messages are cut to this length


def _short(text: str) -> str:
    return text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 1] + "…"




def _number(x: Any) -> float | None:
    """A JSON-safe float: NaN and infinities become None."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def fit_summary(f: MixedFit, fit_id: int) -> dict[str, Any]:
    """The fit as plain JSON for the front end."""
    shares = f.shares
    variance = []
    for i, r in f.variance.iterrows():
        variance.append({
            "group": r["group"],
            "term": r["term"],
            "variance": _number(r["variance"]),
            "std_dev": _number(r["std_dev"]),
            "corr": _number(r["corr"]),
            "share": _number(shares.iloc[i]) if len(shares) and not np.isfinite(r["corr"]) else None,
        })
    fixed = [
        {"term": str(term), **{k: _number(r[k]) for k in ("estimate", "std_error", "t_value", "df", "p_value")}}
        for term, r in f.fixed.iterrows()
    ]
    return {
        "id": fit_id,
        "formula": f.formula,
        "reml": f.reml,
        "kind": f.kind,
        "nobs": f.nobs,
        "n_dropped": f.n_dropped,
        "ngroups": dict(f.ngroups),
        "fixed": fixed,
        "variance": variance,
        "messages": list(f.messages),
        "loglik": _number(f.loglik),
        "aic": _number(f.aic),
        "bic": _number(f.bic),
        "deviance": _number(f.deviance),
        "reml_criterion": _number(f.reml_criterion),
        "sigma": _number(f.sigma),
        "singular": f.singular,
        "converged": f.converged,
    }


def column_info(data: pd.DataFrame) -> list[dict[str, Any]]:
    """What the formula builder needs to know about each column."""
    out = []
    for name in data.columns:
        s = data[name]
        numeric = pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)
        out.append({
            "name": str(name),
            "kind": "numeric" if numeric else "categorical",
            "levels": int(s.nunique()),
            "integer_codes": bool(pd.api.types.is_integer_dtype(s)),
        })
    return out


def variants(model: ModelFormula) -> list[dict[str, str]]:
    """One-click alternatives: drop each random term in turn, and drop them all (OLS)."""
    if not model.random_text:
        return []
    fixed = model.fixed_text()
    out = []
    for i, term in enumerate(model.random_text):
        rest = [t for j, t in enumerate(model.random_text) if j != i]
        out.append({"label": f"Drop {term}", "formula": " + ".join([fixed, *rest])})
    if len(model.random_text) > 1 or out[0]["formula"] != fixed:
        out.append({"label": "No random effects (OLS)", "formula": fixed})
    return out


class MixWidget(SimulationActions, anywidget.AnyWidget):
    """Explore mixed models of one DataFrame: type or build a formula, see the fit at once.

    Parameters
    ----------
    data : DataFrame
        The data to model.
    formula : str, optional
        The first model to fit.
    reml : bool, default True
        REML or maximum likelihood.
    isolate : bool, optional
        Fit in a worker process (default where processes can be started): the data are sent to
        it once, a newer formula or :meth:`stop` ends a running fit at once, and the kernel
        stays responsive whatever a formula costs. False fits in a thread of this process
        (a running fit then cannot be stopped, only superseded); without threads (Pyodide)
        fits run synchronously.
    max_history : int, default 20
        How many recent fits ``history`` keeps whole; ``fits_shown`` lists every fit.
    limits : Limits or None
        Largest model fitted: a formula asking for more is refused with its size (see
        :class:`~mixwidget.limits.Limits`); None fits whatever is asked.

    A newer formula supersedes an older one and stale results are dropped, so the notebook
    stays responsive. ``wait()`` blocks until the newest request is done (for scripts and
    tests). Formulas are parsed and checked in the worker too, never on the kernel's
    message thread.
    """

    _esm = _BUNDLE

    formula = traitlets.Unicode("").tag(sync=True)
    """The model's formula in lme4 syntax; setting it (from Python or the page) refits."""

    reml = traitlets.Bool(True).tag(sync=True)
    """REML (True) or maximum likelihood (False); changing it refits."""

    columns = traitlets.List(traitlets.Dict()).tag(sync=True)
    """The data's columns: name, kind (numeric or categorical), number of levels, integer codes."""

    status = traitlets.Dict().tag(sync=True)
    """Fit status: state (idle, fitting, error, stopped), elapsed_ms of the last fit, message,
    stopped (what a newer request stopped on its way, else empty) and stoppable (a running fit
    can be stopped)."""

    error = traitlets.Unicode("").tag(sync=True)
    """What is wrong with the last request (empty when it fitted); the last good fit stays."""

    current = traitlets.Dict(allow_none=True, default_value=None).tag(sync=True)
    """The current fit, summarised for display."""

    previous = traitlets.Dict(allow_none=True, default_value=None).tag(sync=True)
    """The fit before the current one, so changes can be shown."""

    variants = traitlets.List(traitlets.Dict()).tag(sync=True)
    """One-click variants of the current model (label, formula)."""

    pinned = traitlets.List(traitlets.Dict()).tag(sync=True)
    """Summaries of the pinned fits, in the order they were pinned."""

    comparison = traitlets.Dict().tag(sync=True)
    """Pinned fits side by side, with likelihood-ratio tests of nested ones."""

    chart_names = traitlets.List(traitlets.Unicode()).tag(sync=True)
    """The charts, in display order."""

    chart_specs = traitlets.Dict().tag(sync=True)
    """Chart name -> Vega-Lite spec without data; changes only when a chart's structure does."""

    chart_data = traitlets.Dict().tag(sync=True)
    """Chart name -> {dataset name -> {column name -> values}}; new on every refit, drawn in place.

    Sent as columns (one list per column, see :func:`mixwidget.charts.base.rows`), not rows.
    """

    chart_notes = traitlets.Dict().tag(sync=True)
    """Chart name -> why the chart does not apply to the current model."""

    chart_captions = traitlets.Dict().tag(sync=True)
    """Chart name -> title and subtitle lines, which state the current fit's numbers."""

    chart_group = traitlets.Unicode("").tag(sync=True)
    """The grouping factor the per-group charts show (shrinkage, caterpillar, lines, slopes)."""

    chart_groups = traitlets.List(traitlets.Unicode()).tag(sync=True)
    """The current model's grouping factors, the choices for ``chart_group``."""

    selected = traitlets.Unicode(None, allow_none=True).tag(sync=True)
    """The selected group level (e.g. a class), highlighted in every chart; click a mark to select."""

    group_levels = traitlets.List(traitlets.Unicode()).tag(sync=True)
    """The levels of ``chart_group`` in the current fit, the choices for ``selected``."""

    key_numbers = traitlets.Dict().tag(sync=True)
    """The key numbers strip: the term whose t-value moved most (now, previous, least squares),
    the least-squares over mixed standard-error ratio and the variance shares (see
    :func:`mixwidget.keynumbers.key_numbers`)."""

    code_text = traitlets.Dict().tag(sync=True)
    """The current model as code: ``{"R": "...", "python": "..."}`` (see :meth:`code`)."""

    undo_formula = traitlets.Unicode("").tag(sync=True)
    """The formula :meth:`undo` goes back to ("" when there is none)."""

    chart_choices = traitlets.List(traitlets.Unicode()).tag(sync=True)
    """Every chart there is, the choices for ``chart_names`` (``w.charts``)."""

    charts_collapsed = traitlets.List(traitlets.Unicode()).tag(sync=True)
    """Charts shown folded (heading only); the page remembers them with the widget."""

    large_text = traitlets.Bool(False).tag(sync=True)
    """Projector mode: the whole widget, charts included, drawn larger."""

    theme = traitlets.Unicode("light").tag(sync=True)
    """"light" or "dark": the notebook's theme as the page sees it; ``chart()`` follows it."""

    def __init__(self, data: pd.DataFrame, formula: str | None = None, reml: bool = True, *,
                 isolate: bool | None = None, max_history: int = 20, limits: Limits | None = DEFAULT_LIMITS,
                 **kwargs: Any) -> None:
        data = as_frame(data, "the data for the explorer")
        self._data = own_copy(data)
        self._fit: MixedFit | None = None
        self.history: list[MixedFit] = []
        """The most recent fits shown, whole (at most ``max_history``); ``fits_shown`` lists all."""
        self.max_history = int(max_history)
        self.limits = limits
        """Largest model fitted (formulas typed in the page may ask for fits that take hours)."""
        self._shown: list[dict[str, Any]] = []
        self._fit_ids: weakref.WeakKeyDictionary[MixedFit, int] = weakref.WeakKeyDictionary()
        self._summaries: weakref.WeakKeyDictionary[MixedFit, dict[str, Any]] = weakref.WeakKeyDictionary()
        self.pinned_fits: list[MixedFit] = []
        """The pinned fits (``pinned`` holds their summaries)."""
        self._pin_names: list[str] = []
        self._back: list[tuple[str, bool]] = []
        self._undo_target: tuple[str, bool] | None = None
        name = data.attrs.get("name")
        self._dataset = name if isinstance(name, str) else None
        self._lock = threading.Condition()
        self._request_id = 0
        self._done_id = 0
        self._pending: tuple[int, str, bool] | None = None
        self._running: tuple[int, str, bool] | None = None
        self._cancelled_id = 0
        self._stopped_note = ""
        self._fitter: threading.Thread | None = None
        self._chores = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mixwidget-chores") if _CAN_THREAD else None
        self._chores_due: list[Future[Any]] = []
        self._board = ChartBoard()
        self._board_lock = threading.RLock()
        self._pins_lock = threading.RLock()  # pinned_fits and their names change together
        self._pins_version = 0  # bumped on every pin change; stale comparisons are dropped
        self._simulation_setup()
        self._group_chosen = False
        if isolate is None:
            isolate = _CAN_THREAD and can_use_processes()
        self._process: ProcessWorker | None = None
        if isolate:
            self._process = ProcessWorker(fitjobs.setup, self._data, name="mixwidget-fit", preload=fitjobs.PRELOAD)
            self._process.start()  # the child warms the engine up while the page loads
            weakref.finalize(self, self._process.close)
        super().__init__(columns=column_info(self._data), status=_status("idle"),
                         reml=bool(reml), chart_names=[*CHARTS, "simulation"], chart_choices=[*CHARTS, "simulation"],
                         simulation_status=dict(IDLE),
                         **kwargs)
        self.on_msg(self._on_message)
        if formula:
            self.formula = formula  # observer starts the first fit
        if _CAN_THREAD:  # the kernel refits pinned fits by ML for the comparison: warm its engine too
            threading.Thread(target=warm_up, daemon=True, name="mixwidget-warm-up").start()

    # -- public ------------------------------------------------------------------------
    @property
    def fit(self) -> MixedFit | None:
        """The current fit (None before the first one succeeds)."""
        return self._fit

    @property
    def data(self) -> pd.DataFrame:
        """The explorer's own copy of the data (changing the original does not change it)."""
        return self._data

    @property
    def fits_shown(self) -> pd.DataFrame:
        """Every fit shown, one row each: ``id, formula, reml, nobs, loglik, aic, bic, singular, kept``.

        ``kept`` says whether the whole fit is still in ``history`` (or pinned).
        """
        kept = {self._fit_ids.get(f) for f in [*self.history, *self.pinned_fits]}
        rows = [{**r, "kept": r["id"] in kept} for r in self._shown]
        columns = ["id", "formula", "reml", "nobs", "loglik", "aic", "bic", "singular", "kept"]
        return pd.DataFrame(rows, columns=columns)

    def wait(self, timeout: float | None = None) -> MixedFit | None:
        """Block until the newest request has been handled (numbers and charts); return the current fit.

        If that request failed, the previous fit stays current and ``error`` says why.
        Pins and unpins sent from the page are finished too.
        Raises TimeoutError if it takes longer than ``timeout`` seconds.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            if not self._lock.wait_for(lambda: self._done_id >= self._request_id, timeout=timeout):
                raise TimeoutError(f"the fit of {_short(self.formula)!r} did not finish within {timeout} s")
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
                self.status = _status("stopped", message=f"Left the fit of {_short(running[1])} to finish "
                                      "unseen (this explorer fits in a thread, which cannot be stopped).")
                self._lock.notify_all()
                return
        self._process.stop()

    def close(self) -> None:
        """Close the widget and end its worker process."""
        process, chores = getattr(self, "_process", None), getattr(self, "_chores", None)
        if process is not None:
            process.close()
        if chores is not None:
            chores.shutdown(wait=False, cancel_futures=True)
        super().close()


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

    def code(self, language: str = "R", csv: str | None = None) -> str:
        """The current model as code: ``"R"`` (an ``lmer()`` call) or ``"python"`` (``mixwidget.fit``).

        The data come from their R package for the teaching data sets, else from ``csv``
        (default ``"data.csv"``; write it with ``w.data.to_csv("data.csv", index=False)``).
        """
        if self._fit is None:
            raise RuntimeError("there is no fit yet: set a formula first (w.formula = ...)")
        return model_code(self._fit.formula, language, self._fit.reml, self._dataset, csv)

    def pin(self, name: str | None = None) -> None:
        """Pin the current fit for comparison, named by its random part ("school + class") or ``name``."""
        if self._change_pins("pin", name=name):
            self._compare_pins(self._pins_version)

    def rename_pin(self, index: int, name: str) -> None:
        """Give the pinned fit at ``index`` a new name (shown in tables, tests and charts)."""
        if not 0 <= index < len(self.pinned_fits):
            raise IndexError(f"there is no pinned fit {index}; {len(self.pinned_fits)} are pinned")
        label = self._check_pin_name(name, index)
        old = self._pin_names[index]
        if label == old:
            return
        with self._pins_lock:
            self._pin_names[index] = label
        with self._lock, self.hold_sync():  # the same tests under the new name: nothing is refitted
            self.comparison = _renamed(self.comparison, old, label)
        self._refresh_charts()

    def restore_pin(self, index: int) -> None:
        """Make the pinned fit at ``index`` the current model again (its formula and REML setting)."""
        if 0 <= index < len(self.pinned_fits):
            f = self.pinned_fits[index]
            with self.hold_trait_notifications():
                self.reml = f.reml
                self.formula = f.formula

    def undo(self) -> None:
        """Go back to the model shown before the current one (again to step further back)."""
        if not self._back:
            return
        formula, reml = self._back.pop()
        self._undo_target = (formula, reml)
        with self.hold_trait_notifications():
            self.reml = reml
            self.formula = formula

    def _check_pin_name(self, name: Any, index: int | None = None) -> str:
        label = " ".join(str(name).split())[:60] if isinstance(name, str) else ""
        if not label:
            raise ValueError("a pinned fit needs a name with some text in it")
        if label in ("Current", "OLS (no groups)", "Previous fit"):
            raise ValueError(f"{label!r} is what the charts call another model; choose another name")
        if any(n == label for i, n in enumerate(self._pin_names) if i != index):
            raise ValueError(f"another pinned fit is called {label!r}; choose another name")
        return label

    def unpin(self, index: int) -> None:
        """Remove the pinned fit at ``index`` (an int, not a bool)."""
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
            raise TypeError(f"index must be an integer position, not {index!r}")
        if self._change_pins("unpin", int(index)):
            self._compare_pins(self._pins_version)

    def clear_pins(self) -> None:
        """Remove every pinned fit."""
        if self._change_pins("clear"):
            self._compare_pins(self._pins_version)

    # -- requests ---------------------------------------------------------------------
    @traitlets.observe("formula", "reml")
    def _on_request(self, change: dict[str, Any]) -> None:
        """Queue the request; parsing, checks and the fit happen off this (the comm) thread."""
        text = self.formula.strip()
        if not text:
            return
        with self._lock:
            self._request_id += 1
            self._pending = (self._request_id, text, bool(self.reml))
            self.status = _status("fitting", message=f"Fitting {_short(text)}", stoppable=self._process is not None)
            start = _CAN_THREAD and (self._fitter is None or not self._fitter.is_alive())
            if start:
                self._fitter = threading.Thread(target=self._run_pending, daemon=True, name="mixwidget-fit")
        if not _CAN_THREAD:
            self._run_pending()
        elif start:
            self._fitter.start()

    def _fit_request(self, text: str, reml: bool, started: float) -> MixedFit:
        """Fit one request: in the worker process (stoppable) or in this thread."""
        if self._process is None:
            return fitjobs.attach(fitjobs.fit_job(self._data, text, reml, self.limits), self._data)

        def superseded() -> bool:
            return self._pending is not None and time.perf_counter() - started > _GRACE_S

        result = self._process.run(fitjobs.fit_job, text, reml, self.limits, should_stop=superseded)
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
            request_id, text, reml = request
            started = time.perf_counter()
            result: MixedFit | Exception | None
            try:
                result = self._fit_request(text, reml, started)
            except Stopped:
                result = None
            except Exception as exc:  # noqa: BLE001 - any failure becomes a message, never a dead widget
                if not isinstance(exc, MixWidgetError):
                    log.exception("fit of %r failed", _short(text))
                result = exc
            elapsed = (time.perf_counter() - started) * 1000
            try:
                shown = None
                with self._lock:  # checking for staleness and showing are one step
                    self._running = None
                    if result is None:
                        self._show_stopped(request_id, text, elapsed)
                    elif request_id == self._request_id and request_id != self._cancelled_id:
                        if isinstance(result, Exception):
                            self._show_error(result, elapsed)
                        else:
                            self._show_fit(result, elapsed)
                            shown = result
                if shown is not None and not self._newer_fit_due():
                    self._refresh_charts(shown)  # the numbers are on screen; the charts follow
            except Exception as exc:  # noqa: BLE001 - a display failure must not stop the worker
                log.exception("showing the fit of %r failed", _short(text))
                with self._lock:
                    self._show_error(exc)
            finally:
                with self._lock:
                    self._done_id = max(self._done_id, request_id)
                    self._lock.notify_all()

    def _show_stopped(self, request_id: int, text: str, elapsed_ms: float) -> None:
        """A stopped fit: by the Stop button (say so) or by a newer request (say so when that one shows)."""
        note = f"Stopped the fit of {_short(text)} after {elapsed_ms / 1000:.1f} s"
        if request_id == self._cancelled_id:
            self.status = _status("stopped", elapsed_ms=round(elapsed_ms, 1),
                                  message=f"{note}. The previous fit is still shown.", stopped=note)
        else:
            self._stopped_note = f"{note}: a newer formula came."
            self.status = _status("fitting", message=self.status.get("message", ""), stopped=self._stopped_note,
                                  stoppable=True)

    def _show_fit(self, result: MixedFit, elapsed_ms: float) -> None:
        fit_id = (self._shown[-1]["id"] if self._shown else 0) + 1
        self._fit_ids[result] = fit_id
        summary = fit_summary(result, fit_id)
        self._summaries[result] = summary
        before = self._fit
        if before is not None and self._undo_target != (result.formula, result.reml):
            self._back.append((before.formula, before.reml))
            del self._back[:-50]
        self._undo_target = None
        numbers = self._key_numbers(result, before)
        with self.hold_sync():
            self.key_numbers = numbers
            self.code_text = {lang: model_code(result.formula, lang, result.reml, self._dataset) for lang in ("R", "python")}
            self.undo_formula = self._back[-1][0] if self._back else ""
            self.previous = self.current
            self._fit = result
            self.current = summary
            self.variants = variants(result.model)
            self.error = ""
            self.status = _status("idle", elapsed_ms=round(elapsed_ms, 1), stopped=self._stopped_note)
        self._stopped_note = ""
        self._remember(result, summary)

    def _remember(self, result: MixedFit, summary: dict[str, Any]) -> None:
        """Add to the history: every fit's key numbers, and the most recent fits whole."""
        self._shown.append({
            "id": summary["id"], "formula": result.formula, "reml": result.reml, "nobs": result.nobs,
            "loglik": result.loglik, "aic": result.aic, "bic": result.bic, "singular": result.singular,
        })
        self.history.append(result)
        if len(self.history) > self.max_history:
            del self.history[: len(self.history) - self.max_history]  # pinned fits live on in pinned_fits

    def _show_error(self, exc: Exception, elapsed_ms: float | None = None) -> None:
        if isinstance(exc, MixWidgetError):
            message = getattr(exc, "short_message", None) or str(exc)
        else:
            message = f"The fit failed ({type(exc).__name__}: {exc}). The previous fit is still shown."
        with self.hold_sync():
            self.error = message
            self.status = _status("error", elapsed_ms=elapsed_ms, message=message, stopped=self._stopped_note)
        self._stopped_note = ""

    def _key_numbers(self, current: MixedFit, previous: MixedFit | None) -> dict[str, Any]:
        try:
            baseline = self._board.baseline(current)
        except Exception:  # noqa: BLE001 - without the baseline the strip only lacks the OLS numbers
            log.exception("least-squares baseline of %r failed", current.formula)
            baseline = None
        return key_numbers(current, previous, baseline)

    # -- charts -----------------------------------------------------------------------
    def _newer_fit_due(self) -> bool:
        with self._lock:
            return self._pending is not None

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

    @traitlets.observe("selected")
    def _on_selected(self, change: dict[str, Any]) -> None:
        """A group chosen in any chart: the prediction chart shows that group's first row, in place."""
        current = self._fit
        if current is None or getattr(self, "_refreshing", False):
            return
        try:
            with self._board_lock:
                group = self.chart_group or None
                board = self._board.build(current, self._pinned_by_name(), group, selected=change["new"],
                                          names=SELECTION_CHARTS)
                if board is None or current is not self._fit:
                    return
                with self._lock, self.hold_sync():
                    self.chart_specs = {**self.chart_specs, **board.specs}
                    self.chart_data = {**self.chart_data, **board.data}
                    self.chart_captions = {**self.chart_captions, **board.captions}
                    notes = {k: v for k, v in self.chart_notes.items() if k not in SELECTION_CHARTS}
                    self.chart_notes = {**notes, **board.notes}
        except Exception:  # noqa: BLE001 - a failed chart must not break the selection
            log.exception("updating the charts for selection %r failed", change["new"])

    @traitlets.observe("chart_group")
    def _on_chart_group(self, change: dict[str, Any]) -> None:
        if getattr(self, "_setting_group", False):
            return
        self._group_chosen = bool(change["new"])  # a person's choice sticks while the group exists
        if self._fit is not None:
            self._refresh_charts()

    # -- pins -------------------------------------------------------------------------
    def _on_message(self, _widget: Any, content: dict[str, Any], _buffers: Any) -> None:
        """Messages from the page; comparisons of pins are made off the comm thread."""
        kind = content.get("kind") if isinstance(content, dict) else None
        index = content.get("index") if isinstance(content, dict) else None
        is_index = isinstance(index, int) and not isinstance(index, bool)
        if kind == "cancel":
            self.stop()
        elif kind in ("pin", "clear_pins") or kind == "unpin" and is_index:
            # The pin list changes at once (cheap); comparison and charts follow on the chores thread.
            if self._change_pins({"pin": "pin", "unpin": "unpin", "clear_pins": "clear"}[kind], index):
                self._chore(self._compare_pins, self._pins_version)
        elif kind == "rename_pin" and is_index and isinstance(content.get("name"), str):
            try:
                self.rename_pin(content["index"], content["name"])
            except (ValueError, IndexError) as exc:
                self.error = str(exc)
        elif kind == "restore_pin" and is_index:
            self.restore_pin(content["index"])
        elif kind == "undo":
            self.undo()
        else:
            self._simulation_message(kind, content)

    def _chore(self, fn: Any, *args: Any) -> None:
        """Run ``fn`` on the chores thread (in order), or here without threads."""
        if self._chores is None:
            fn(*args)
            return
        self._chores_due = [f for f in self._chores_due if not f.done()]
        future = self._chores.submit(self._logged, fn, *args)
        self._chores_due.append(future)

    @staticmethod
    def _logged(fn: Any, *args: Any) -> None:
        try:
            fn(*args)
        except Exception:  # noqa: BLE001 - a failed chore is logged, the widget carries on
            log.exception("%s failed", getattr(fn, "__name__", fn))

    def _summary(self, f: MixedFit) -> dict[str, Any]:
        """The fit's display summary, made once per fit."""
        summary = self._summaries.get(f)
        if summary is None:
            summary = self._summaries[f] = fit_summary(f, self._fit_ids.get(f, 0))
        return summary

    def _change_pins(self, action: str, index: int | None = None, name: str | None = None) -> bool:
        """Change the pin list and show it (summaries are made once per fit); False if nothing changed."""
        with self._pins_lock:
            if action == "pin":
                if self._fit is None or any(f is self._fit for f in self.pinned_fits):
                    return False
                label = self._check_pin_name(name) if name is not None else structure_name(self._fit)
                self.pinned_fits.append(self._fit)
                self._pin_names.append(unique_name(label, self._pin_names))
            elif action == "unpin":
                if index is None or not 0 <= index < len(self.pinned_fits):
                    return False
                del self.pinned_fits[index]
                del self._pin_names[index]
            else:
                self.pinned_fits.clear()
                self._pin_names.clear()
            self._pins_version += 1
            summaries = [self._summary(f) for f in self.pinned_fits]
            with self._lock, self.hold_sync():
                self.pinned = summaries
        return True

    def _compare_pins(self, version: int) -> None:
        """The pins' comparison (LRT refits are remembered per fit), then the charts.

        Skipped when the pins have changed again meanwhile: the newer change's turn does it.
        """
        with self._pins_lock:
            if version != self._pins_version:
                return
            fits, names = list(self.pinned_fits), list(self._pin_names)
        comparison = comparison_payload(fits, names)
        with self._pins_lock:
            if version != self._pins_version:
                return
            for old, new in zip(names, self._pin_names):  # renamed meanwhile: same fits, new names
                if old != new:
                    comparison = _renamed(comparison, old, new)
            with self._lock, self.hold_sync():
                self.comparison = comparison
        self._refresh_charts(stale=lambda: version != self._pins_version)  # a newer pin change redraws


def _status(state: str, elapsed_ms: float | None = None, message: str = "", stopped: str = "",
            stoppable: bool = False) -> dict[str, Any]:
    """The ``status`` trait's value."""
    return {"state": state, "elapsed_ms": elapsed_ms, "message": message, "stopped": stopped,
            "stoppable": stoppable}


def _renamed(comparison: dict[str, Any], old: str, new: str) -> dict[str, Any]:
    """``comparison`` with the model ``old`` called ``new`` everywhere."""
    def swap(value: Any) -> Any:
        return new if value == old else value

    out = dict(comparison)
    out["models"] = [swap(m) for m in comparison.get("models", [])]
    for key in ("fixed", "variance", "stats", "lrt"):
        out[key] = [{k: swap(v) if k in ("model", "vs") else v for k, v in rec.items()}
                    for rec in comparison.get(key, [])]
    notes = comparison.get("lrt_note", "")
    out["lrt_note"] = notes.replace(f"{old} is not nested", f"{new} is not nested") if notes else notes
    return out


def _level_key(level: str) -> tuple:
    """Sort "1:10" after "1:9": numbers by value, text as text."""
    return tuple((0, float(p), "") if p.replace(".", "", 1).lstrip("-").isdigit() else (1, 0.0, p)
                 for p in level.split(":"))


def _default_group(f: MixedFit) -> str | None:
    """The grouping factor with the most levels (classes rather than schools)."""
    if not f.ngroups:
        return None
    return max(f.ngroups, key=lambda g: f.ngroups[g])


def explore(data: pd.DataFrame, formula: str | None = None, reml: bool = True, **kwargs: Any) -> MixWidget:
    """Open the explorer on a DataFrame (same arguments as :class:`MixWidget`)."""
    return MixWidget(data, formula=formula, reml=reml, **kwargs)
