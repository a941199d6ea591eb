"""The explorer widget: a formula builder and live model summaries for one DataFrame."""

from __future__ import annotations

import logging
import math
import sys
import threading
import time
from pathlib import Path
from typing import Any

import altair as alt
import anywidget
import numpy as np
import pandas as pd
import traitlets

from .chartboard import ChartBoard
from .charts import CHARTS
from .code import model_code
from .compare import compare
from .design import check_columns
from .engine import warm_up
from .errors import MixWidgetError
from .fit import MixedFit, fit
from .formula import ModelFormula, parse_formula
from .keynumbers import key_numbers
from .naming import structure_name, unique_name
from .simpanel import SimulationPanel

__all__ = ["MixWidget", "explore"]

log = logging.getLogger(__name__)

_BUNDLE = Path(__file__).parent / "static" / "widget.js"
_CAN_THREAD = sys.platform != "emscripten"
SELECTION_CHARTS = ["prediction"]  # charts whose data depend on the selected group, not only on the fit


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


class MixWidget(anywidget.AnyWidget):
    """Explore mixed models of one DataFrame: type or build a formula, see the fit at once.

    Parameters
    ----------
    data : DataFrame
        The data to model.
    formula : str, optional
        The first model to fit.
    reml : bool, default True
        REML or maximum likelihood.

    Fits run in a background thread; a newer formula supersedes an older one and stale
    results are dropped, so the notebook stays responsive. ``wait()`` blocks until the
    newest request is done (for scripts and tests).
    """

    _esm = _BUNDLE

    formula = traitlets.Unicode("").tag(sync=True)
    """The model's formula in lme4 syntax; setting it (from Python or the page) refits."""

    reml = traitlets.Bool(True).tag(sync=True)
    """REML (True) or maximum likelihood (False); changing it refits."""

    columns = traitlets.List(traitlets.Dict()).tag(sync=True)
    """The data's columns: name, kind (numeric or categorical), number of levels, integer codes."""

    status = traitlets.Dict().tag(sync=True)
    """Fit status: state (idle, fitting, error), elapsed_ms of the last fit, message."""

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
    """Chart name -> {dataset name -> rows}; new on every refit, drawn in place."""

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

    charts_collapsed = traitlets.List(traitlets.Unicode()).tag(sync=True)
    """Charts shown folded (heading only); the page remembers them with the widget."""

    large_text = traitlets.Bool(False).tag(sync=True)
    """Projector mode: the whole widget, charts included, drawn larger."""

    theme = traitlets.Unicode("light").tag(sync=True)
    """"light" or "dark": the notebook's theme as the page sees it; ``chart()`` follows it."""
    simulation_options = traitlets.Dict().tag(sync=True)
    """Choices for a check by simulation: truths, candidates, terms, the default term and nsim."""

    simulation_status = traitlets.Dict().tag(sync=True)
    """The check by simulation: state (idle, running, done, cancelled, error), done, total, message, title."""

    def __init__(self, data: pd.DataFrame, formula: str | None = None, reml: bool = True, **kwargs: Any) -> None:
        if not isinstance(data, pd.DataFrame):
            raise TypeError(f"MixWidget needs a pandas DataFrame, not {type(data).__name__}")
        self._data = data
        self._fit: MixedFit | None = None
        self.history: list[MixedFit] = []
        """Every fit shown, in order."""
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
        self._worker: threading.Thread | None = None
        self._board = ChartBoard()
        self._board_lock = threading.RLock()
        self._sim = SimulationPanel(self._publish_simulation_status, self._publish_simulation)
        self._group_chosen = False
        super().__init__(columns=column_info(data), status={"state": "idle", "elapsed_ms": None, "message": ""},
                         reml=bool(reml), chart_names=[*CHARTS, "simulation"],
                         simulation_status={"state": "idle", "done": 0, "total": 0, "message": "", "title": ""},
                         **kwargs)
        self.on_msg(self._on_message)
        if formula:
            self.formula = formula  # observer starts the first fit
        elif _CAN_THREAD:
            threading.Thread(target=warm_up, daemon=True, name="mixwidget-warm-up").start()

    # -- public ------------------------------------------------------------------------
    @property
    def fit(self) -> MixedFit | None:
        """The current fit (None before the first one succeeds)."""
        return self._fit

    @property
    def data(self) -> pd.DataFrame:
        return self._data

    def wait(self, timeout: float | None = None) -> MixedFit | None:
        """Block until the newest request has been handled (numbers and charts); return the current fit.

        If that request failed, the previous fit stays current and ``error`` says why.
        Raises TimeoutError if it takes longer than ``timeout`` seconds.
        """
        with self._lock:
            if not self._lock.wait_for(lambda: self._done_id >= self._request_id, timeout=timeout):
                raise TimeoutError(f"the fit of {self.formula!r} did not finish within {timeout} s")
        return self._fit

    def chart(self, name: str) -> alt.TopLevelMixin:
        """The chart ``name`` for the current fit, as an Altair chart (``.save("x.png")`` works).

        Names: effects, variance, shrinkage, caterpillar, lines, slopes2d, residuals, prediction
        (for the selected group's first row), and simulation (the last check by simulation).
        """
        if name == "simulation":
            return self._sim.chart(self._board.look)
        if self._fit is None:
            raise RuntimeError("there is no fit yet: set a formula first (w.formula = ...)")
        return self._board.chart(name, self._fit, self._pinned_by_name(), self.chart_group or None, self.selected)

    @property
    def charts(self) -> list[str]:
        """The charts on show, in order; set a list of names to choose and reorder them."""
        return list(self.chart_names)

    @charts.setter
    def charts(self, names: list[str]) -> None:
        if isinstance(names, str):
            names = [names]
        unknown = [n for n in names if n not in CHARTS]
        if unknown:
            raise ValueError(f"no chart named {', '.join(map(repr, unknown))}; the charts are {', '.join(CHARTS)}")
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
        if self._fit is None or any(f is self._fit for f in self.pinned_fits):
            return
        label = self._check_pin_name(name) if name is not None else structure_name(self._fit)
        self.pinned_fits.append(self._fit)
        self._pin_names.append(unique_name(label, self._pin_names))
        self._update_comparison()

    def rename_pin(self, index: int, name: str) -> None:
        """Give the pinned fit at ``index`` a new name (shown in tables, tests and charts)."""
        if not 0 <= index < len(self.pinned_fits):
            raise IndexError(f"there is no pinned fit {index}; {len(self.pinned_fits)} are pinned")
        label = self._check_pin_name(name, index)
        old = self._pin_names[index]
        if label == old:
            return
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
        if label in ("Current", "OLS (no groups)"):
            raise ValueError(f"{label!r} is what the charts call another model; choose another name")
        if any(n == label for i, n in enumerate(self._pin_names) if i != index):
            raise ValueError(f"another pinned fit is called {label!r}; choose another name")
        return label

    def unpin(self, index: int) -> None:
        """Remove the pinned fit at ``index``."""
        if 0 <= index < len(self.pinned_fits):
            del self.pinned_fits[index]
            del self._pin_names[index]
            self._update_comparison()

    def clear_pins(self) -> None:
        self.pinned_fits.clear()
        self._pin_names.clear()
        self._update_comparison()

    # -- requests ---------------------------------------------------------------------
    @traitlets.observe("formula", "reml")
    def _on_request(self, change: dict[str, Any]) -> None:
        text = self.formula.strip()
        if not text:
            return
        try:
            model = parse_formula(text)
            check_columns(model, self._data)
        except MixWidgetError as exc:
            with self._lock:  # this request supersedes any fit still queued or running
                self._request_id += 1
                self._pending = None
                self._show_error(exc)
                self._done_id = self._request_id
                self._lock.notify_all()
            return
        with self._lock:
            self.status = {"state": "fitting", "elapsed_ms": None, "message": f"Fitting {text}"}
            self._request_id += 1
            self._pending = (self._request_id, text, bool(self.reml))
            if not _CAN_THREAD:
                start_worker = False
            elif self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._run_pending, daemon=True, name="mixwidget-fit")
                start_worker = True
            else:
                start_worker = False
        if not _CAN_THREAD:
            self._run_pending()
        elif start_worker:
            self._worker.start()

    def _run_pending(self) -> None:
        """Fit the newest pending request until none is left; never lets an exception escape."""
        while True:
            with self._lock:
                request = self._pending
                self._pending = None
                if request is None:
                    self._worker = None
                    return
            request_id, text, reml = request
            started = time.perf_counter()
            try:
                result: MixedFit | Exception = fit(text, self._data, reml=reml)
            except Exception as exc:  # noqa: BLE001 - any failure becomes a message, never a dead widget
                if not isinstance(exc, MixWidgetError):
                    log.exception("fit of %r failed", text)
                result = exc
            elapsed = (time.perf_counter() - started) * 1000
            try:
                shown = None
                with self._lock:  # checking for staleness and showing are one step
                    if request_id == self._request_id:
                        if isinstance(result, Exception):
                            self._show_error(result, elapsed)
                        else:
                            self._show_fit(result, elapsed)
                            shown = result
                if shown is not None and not self._newer_fit_due():
                    self._refresh_charts(shown)  # the numbers are on screen; the charts follow
            except Exception as exc:  # noqa: BLE001 - a display failure must not stop the worker
                log.exception("showing the fit of %r failed", text)
                with self._lock:
                    self._show_error(exc)
            finally:
                with self._lock:
                    self._done_id = max(self._done_id, request_id)
                    self._lock.notify_all()

    def _show_fit(self, result: MixedFit, elapsed_ms: float) -> None:
        fit_id = len(self.history) + 1
        summary = fit_summary(result, fit_id)
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
            self.status = {"state": "idle", "elapsed_ms": round(elapsed_ms, 1), "message": ""}
        self.history.append(result)

    def _show_error(self, exc: Exception, elapsed_ms: float | None = None) -> None:
        if isinstance(exc, MixWidgetError):
            message = getattr(exc, "short_message", None) or str(exc)
        else:
            message = f"The fit failed ({type(exc).__name__}: {exc}). The previous fit is still shown."
        with self.hold_sync():
            self.error = message
            self.status = {"state": "error", "elapsed_ms": elapsed_ms, "message": message}

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

    def _refresh_charts(self, current: MixedFit | None = None) -> None:
        """Rebuild every chart for the current fit; skipped when a newer fit is on its way."""
        current = current or self._fit
        if current is None:
            return
        with self._board_lock:
            groups = list(current.ngroups)
            chosen = self._group_chosen and self.chart_group in groups
            group = self.chart_group if chosen else _default_group(current)
            levels = set(current.ranef.loc[current.ranef["group"] == group, "level"]) if group else set()
            selected = self.selected if self.selected in levels else None
            board = self._board.build(current, self._pinned_by_name(), group or None, self._newer_fit_due, selected)
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
            self.simulation_options = self._sim.options(current, self._pinned_by_name(), self._board.baseline(current))

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

    # -- check by simulation ----------------------------------------------------------
    @property
    def simulation(self) -> pd.DataFrame | None:
        """The last check by simulation (see :func:`mixwidget.check_by_simulation`), or None."""
        return self._sim.result

    def check_by_simulation(self, truth: str = "current", candidates: list[str] | None = None,
                            term: str | None = None, null: bool = True, nsim: int = 200) -> None:
        """Start a check by simulation in the background, as the page's button does.

        ``truth`` and ``candidates`` are ids from ``simulation_options`` ("current", "pin:M1",
        "ols"); by default the current fit is the truth and every offered candidate is fitted.
        ``term`` defaults to the one whose t-value changes most; ``null`` sets it to zero in the
        truth. Progress is in ``simulation_status``; ``wait_simulation()`` blocks until done.
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

    # -- pins -------------------------------------------------------------------------
    def _on_message(self, _widget: Any, content: dict[str, Any], _buffers: Any) -> None:
        kind = content.get("kind") if isinstance(content, dict) else None
        if kind == "pin":
            self.pin()
        elif kind == "unpin" and isinstance(content.get("index"), int):
            self.unpin(content["index"])
        elif kind == "clear_pins":
            self.clear_pins()
        elif kind == "rename_pin" and isinstance(content.get("index"), int) and isinstance(content.get("name"), str):
            try:
                self.rename_pin(content["index"], content["name"])
            except (ValueError, IndexError) as exc:
                self.error = str(exc)
        elif kind == "restore_pin" and isinstance(content.get("index"), int):
            self.restore_pin(content["index"])
        elif kind == "undo":
            self.undo()
        elif kind == "simulate":
            try:
                self._sim.start(
                    truth=content.get("truth", "current"), candidates=content.get("candidates"),
                    term=content.get("term") or None, null=bool(content.get("null", True)), nsim=content.get("nsim"),
                )
            except ValueError as exc:
                self._publish_simulation_status({"state": "error", "done": 0, "total": 0, "message": str(exc), "title": ""})
        elif kind == "cancel_simulation":
            self._sim.cancel()

    def _update_comparison(self) -> None:
        fits = self.pinned_fits
        names = list(self._pin_names)
        summaries = [fit_summary(f, self.history.index(f) + 1 if f in self.history else 0) for f in fits]
        comparison: dict[str, Any] = {}
        if fits:
            c = compare(fits, names)
            comparison = {
                "models": names,
                "fixed": _records(c.fixed),
                "variance": _records(c.variance.drop(columns="corr")),
                "stats": _records(c.stats.reset_index()),
                "lrt": [],
                "lrt_note": "",
            }
            if len(fits) > 1:
                tests, notes = c.nested_tests()
                comparison["lrt"] = _records(tests)
                if tests.empty:
                    notes = ["No pinned model is nested in another, so there is no likelihood-ratio test; "
                             "compare AIC and BIC instead."]
                comparison["lrt_note"] = " ".join(notes)
                comparison["lrt_method"] = _lrt_method(fits, tests)
            else:
                comparison["lrt_note"] = "Pin another model to test one against the other."
        with self._lock, self.hold_sync():
            self.pinned = summaries
            self.comparison = comparison
        self._refresh_charts()


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


def _lrt_method(fits: list[MixedFit], tests: pd.DataFrame) -> str:
    """One line on how the tests were made, and what their p-values mean on the boundary."""
    if tests.empty:
        return ""
    refit = any(f.reml and f.kind == "mixed" for f in fits)
    text = ("The tests refit each model by maximum likelihood (ML), as R's anova() does, so their "
            "log-likelihoods differ from the REML ones above. " if refit else
            "The tests use the models' maximum-likelihood log-likelihoods. ")
    if tests["p_boundary"].notna().any():
        text += ("A variance cannot be below 0, so a test that adds one random effect is on the boundary: "
                 "the chi-squared p-value is too large, and the boundary p-value (half of it for one "
                 "variance) is the one to read.")
    else:
        text += ("Where a test adds variances, the chi-squared p-value is conservative (a variance cannot be "
                 "below 0); no boundary correction is given because more than one random effect, or fixed "
                 "effects as well, differ.")
    return text


def _level_key(level: str) -> tuple:
    """Sort "1:10" after "1:9": numbers by value, text as text."""
    return tuple((0, float(p), "") if p.replace(".", "", 1).lstrip("-").isdigit() else (1, 0.0, p)
                 for p in level.split(":"))


def _default_group(f: MixedFit) -> str | None:
    """The grouping factor with the most levels (classes rather than schools)."""
    if not f.ngroups:
        return None
    return max(f.ngroups, key=lambda g: f.ngroups[g])


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for rec in df.to_dict(orient="records"):
        out.append({k: (_number(v) if isinstance(v, (float, np.floating)) else v) for k, v in rec.items()})
    return out


def explore(data: pd.DataFrame, formula: str | None = None, reml: bool = True) -> MixWidget:
    """Open the explorer on a DataFrame (same arguments as :class:`MixWidget`)."""
    return MixWidget(data, formula=formula, reml=reml)
