"""The explorer widget: a formula builder and live model summaries for one DataFrame.

The widget's traits and its public face are here; the work is split by concern into mixins:
:mod:`~mixwidget.fitflow` (a formula request, its fit and its display), :mod:`~mixwidget.pinactions`
(pins and their comparison), :mod:`~mixwidget.chartactions` (the chart board) and
:mod:`~mixwidget.simactions` (the check by simulation). What is sent to the page is made in
:mod:`~mixwidget.payloads`.
"""

from __future__ import annotations

import html
import logging
import os
import sys
import threading
import time
import weakref
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import anywidget
import pandas as pd
import traitlets

from ..design.intake import as_frame
from ..design.limits import DEFAULT_LIMITS, Limits
from ..engine.adapter import warm_up
from ..errors import DataError, FormulaError, MixWidgetError
from ..jobs.worker import ProcessWorker, can_use_processes
from ..model.fit import MixedFit, check_flag, own_copy
from ..views.chartboard import ChartBoard
from ..views.charts import CHARTS, Look
from ..views.charts import warm_up as warm_up_charts
from ..views.code import dataset_of, model_code, r_factors
from ..views.columns import column_info
from ..views.family import EXPLORER_FAMILIES, EXPLORER_LINKS
from ..views.payloads import json_text, status
from . import fitjobs
from .chartactions import ChartActions
from .fitflow import FitFlow
from .intervalactions import IntervalActions
from .pinactions import PinActions
from .simactions import IDLE, SimulationActions

__all__ = ["MixWidget", "explore"]

log = logging.getLogger(__name__)

_BUNDLE = Path(__file__).parent.parent / "static" / "widget.js"
_CAN_THREAD = sys.platform != "emscripten"


#: The traits the page writes (what the front end sets with ``model.set``). Writes from the page to
#: any other trait (``current``, ``error``, ``_esm``, ...) are ignored: only Python sets those.
PAGE_WRITABLE = frozenset({
    "formula", "reml", "family", "link", "theme", "chart_names", "charts_collapsed", "selected", "chart_group",
    "large_text", "focus", "prediction_interval",
})


class _FormulaText(traitlets.Unicode):
    """A formula trait: anything but text (bytes, a number) is a FormulaError saying so."""

    def validate(self, obj: Any, value: Any) -> str:
        if not isinstance(value, str):
            hint = "; decode it first, e.g. formula.decode()" if isinstance(value, bytes) else ""
            raise FormulaError(f"the formula must be text (a str), not {type(value).__name__}{hint}")
        return super().validate(obj, value)


class _FamilyName(traitlets.Unicode):
    """A family trait: R's name of a family the explorer fits ("gaussian", "binomial", "poisson");
    anything else is a DataError listing them."""

    def validate(self, obj: Any, value: Any) -> str:
        if not isinstance(value, str) or value.lower() not in EXPLORER_FAMILIES:
            raise DataError(f"family must be one of {', '.join(map(repr, EXPLORER_FAMILIES))}, not {value!r}")
        return value.lower()


class _LinkName(traitlets.Unicode):
    """A link trait: "" (the family's default link) or R's name of a link of a family the explorer fits
    (:data:`~mixwidget.views.family.EXPLORER_LINKS`); anything else is a DataError listing them."""

    def validate(self, obj: Any, value: Any) -> str:
        links = sorted({k for links in EXPLORER_LINKS.values() for k in links})
        if not isinstance(value, str) or (value and value.lower() not in links):
            raise DataError(f"link must be '' (the family's default) or one of {', '.join(map(repr, links))}, "
                            f"not {value!r}")
        return value.lower()


class _Flag(traitlets.Bool):
    """A True/False trait: anything else (``"no"``, 0) is a DataError naming the trait."""

    def validate(self, obj: Any, value: Any) -> bool:
        return check_flag(value, self.name)


#: Seconds the chart warm-up leaves the first fit alone: a quick first fit is not slowed by it, a
#: slow one (big data) finds the templates built when it ends.
FIRST_FIT_GRACE_S = 2.0


def _warm_charts(look: Look, widget: weakref.ref) -> None:
    """Build the charts' templates in the background, pausing while the widget works for the user."""
    first_fit_since: list[float] = []

    def busy() -> bool:
        w = widget()
        if w is None:
            return False
        if w._working():
            return True
        if w._fit is None and (w._pending is not None or w._running is not None):  # the first fit is on its way
            if not first_fit_since:
                first_fit_since.append(time.perf_counter())
            return time.perf_counter() - first_fit_since[0] < FIRST_FIT_GRACE_S
        return False

    try:
        warm_up_charts(look, busy)
    except Exception:  # noqa: BLE001 - specs are then built when first needed
        log.exception("building the chart templates in advance failed")


class MixWidget(FitFlow, PinActions, ChartActions, SimulationActions, IntervalActions, anywidget.AnyWidget):
    """Explore mixed models of one DataFrame: type or build a formula, see the fit at once.

    A newer formula supersedes an older one and stale results are dropped, so the notebook
    stays responsive. ``wait()`` blocks until the newest request is done (for scripts and
    tests). Formulas are parsed and checked in the worker too, never on the kernel's
    message thread.

    Parameters
    ----------
    data : DataFrame
        The data to model.
    formula : str, optional
        The first model to fit.
    reml : bool, default True
        REML or maximum likelihood.
    family : {"gaussian", "binomial", "poisson"}
        The response's distribution (R's ``family``): a linear model (lmer), or a logistic or
        Poisson mixed model (glmer). The page suggests one from the response (0/1, two values or
        ``cbind`` -> binomial; counts from 0 -> Poisson) and says when the model's does not fit it.
        Not given (None): Gaussian, or Binomial when the first formula's response can only be binomial
        (two-level text, TRUE/FALSE, ``cbind``), which a note beside the family selector says.
    link : str, default ""
        R's link of the family (binomial: "logit", "probit", "cloglog", "cauchit"; Poisson: "log",
        "sqrt", "identity"); "" is the family's default (logit, log).
    weights, offset : str, optional
        Columns of the data given to every fit as :func:`mixwidget.fit`'s ``weights=`` (e.g. the
        number of trials of a proportion) and ``offset=``; the model's code passes them too.
    nagq : int, default 1
        Points of adaptive Gauss-Hermite quadrature for binomial and Poisson mixed models (as
        :func:`mixwidget.fit`); linear models ignore it.
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
        :class:`~mixwidget.design.limits.Limits`); None fits whatever is asked.
    source : str or path, optional
        The CSV file the data came from, for the model's code (``code()`` and the page's Copy):
        the R and Python code read it. When ``data`` is a path, mixwidget reads that file and it is
        the source. Without one (and for data not from ``load_dataset``) the code reads
        ``"data.csv"`` and says in a comment how to write it.
    """

    _esm = _BUNDLE

    formula = _FormulaText("").tag(sync=True)
    """The model's formula in lme4 syntax; setting it (from Python or the page) refits."""

    reml = _Flag(True).tag(sync=True)
    """REML (True) or maximum likelihood (False); changing it refits. Binomial and Poisson models are
    fitted by maximum likelihood whatever it says (as glmer)."""

    family = _FamilyName("gaussian").tag(sync=True)
    """The response's distribution, R's name: "gaussian" (lmer), "binomial" or "poisson" (glmer, with
    ``link``); changing it refits."""

    link = _LinkName("").tag(sync=True)
    """R's link of ``family`` ("probit", "cloglog", ...; "" is the family's default: logit, log); changing
    it refits. A family set without its link (the link is not one of the new family's) takes its
    default link. The page's selector sets both at once."""

    family_hint = traitlets.Dict().tag(sync=True)
    """The family the response suggests and why, and a note when the model's family does not fit the
    response (see :func:`mixwidget.views.family.family_hint`)."""

    columns = traitlets.List(traitlets.Dict()).tag(sync=True)
    """The data's columns: name, kind (numeric or categorical), number of levels, integer codes, and
    ``id_hint`` (with ``looks_like_id``): why the column looks like an identifier, from the data and
    from the current model's grouping factors (see :mod:`mixwidget.columns`)."""

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

    chart_specs = traitlets.Dict().tag(sync=True, to_json=json_text)
    """Chart name -> Vega-Lite spec without data; changes only when a chart's structure does."""

    chart_data = traitlets.Dict().tag(sync=True, to_json=json_text)
    """Chart name -> {dataset name -> {column name -> values}}; new on every refit, drawn in place.

    Sent as columns (one list per column, see :func:`mixwidget.views.charts.base.rows`), not rows, and
    as JSON text (see :func:`mixwidget.payloads.json_text`).
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

    prediction_interval = traitlets.Enum(["prediction", "confidence"], "prediction").tag(sync=True)
    """The prediction chart's intervals: "prediction" (a new observation of each population) or
    "confidence" (the mean of each population); the switch in the chart's card sets it, and
    ``chart("prediction")`` follows it."""

    focus = traitlets.Unicode(None, allow_none=True).tag(sync=True)
    """The fixed effect the key-numbers strip follows, as lme4 names it (e.g. ``"Time:Diet3"``);
    None: the term whose t-value moved most. Set by ``explore(..., focus=...)``, ``w.focus = ...``
    or a click on a row of the page's fixed-effects table (a second click lets go)."""

    key_numbers = traitlets.Dict().tag(sync=True)
    """The key numbers strip: ``focus``, else the term whose t-value moved most (now, previous, least squares),
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

    def __init__(self, data: pd.DataFrame | str | os.PathLike, formula: str | None = None, reml: bool = True, *,
                 family: str | None = None, link: str = "", weights: str | None = None, offset: str | None = None,
                 nagq: int = 1, isolate: bool | None = None, max_history: int = 20,
                 limits: Limits | None = DEFAULT_LIMITS, source: str | os.PathLike | None = None, **kwargs: Any) -> None:
        reml, isolate = _check_arguments(formula, reml, isolate, max_history, limits, source)
        if source is None and isinstance(data, (str, os.PathLike)):
            source = data  # read by mixwidget from this file
        frame = as_frame(data, "the data for the explorer")
        self._data = own_copy(frame)
        self._arguments = _fit_arguments(self._data, weights, offset, nagq)
        family_chosen = ""  # the family the response asks for, when none was given
        if family is None:
            family, family_chosen = "gaussian", _only_family(self._data, formula)
        self._source = None if source is None else os.fspath(source)
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
        self._back: list[tuple[str, bool, str, str]] = []  # formula, REML, family, link
        self._undo_target: tuple[str, bool, str, str] | None = None
        self._dataset = dataset_of(frame)
        self._factors = r_factors(self._data)
        self._lock = threading.Condition()
        self._request_id = 0
        self._done_id = 0
        self._pending: tuple[int, str, bool, str, str] | None = None  # id, formula, REML, family, link
        self._running: tuple[int, str, bool, str, str] | None = None
        self._cancelled_id = 0
        self._stopped_note = ""
        self._fitter: threading.Thread | None = None
        self._threads = _CAN_THREAD
        self._chores = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mixwidget-chores") if _CAN_THREAD else None
        self._chores_due: list[Future[Any]] = []
        self._board = ChartBoard()
        self._board_lock = threading.RLock()
        self._pins_lock = threading.RLock()  # pinned_fits and their names change together
        self._pins_version = 0  # bumped on every pin change; stale comparisons are dropped
        self._simulation_setup()
        self._intervals_setup()
        self._group_chosen = False
        if isolate is None:
            isolate = _CAN_THREAD and can_use_processes()
        self._process: ProcessWorker | None = None
        if isolate:
            self._process = ProcessWorker(fitjobs.setup, self._data, name="mixwidget-fit", preload=fitjobs.PRELOAD)
            self._process.start()  # the child warms the engine up while the page loads
            weakref.finalize(self, self._process.close)
            _end_with_marimo_session(self._process)
        self._columns = column_info(self._data)
        super().__init__(columns=self._columns, status=status("idle"),
                         reml=reml, family=family_chosen or family, link=link,
                         chart_names=[*CHARTS, "simulation"], chart_choices=[*CHARTS, "simulation"],
                         simulation_status=dict(IDLE),
                         **kwargs)
        self._family_chosen = family_chosen  # said in the family note until another family is chosen
        self.on_msg(self._on_message)
        if formula:
            self.formula = formula  # observer starts the first fit
        if _CAN_THREAD:  # the kernel refits pinned fits by ML for the comparison: warm its engine too
            threading.Thread(target=warm_up, daemon=True, name="mixwidget-warm-up").start()
            # The charts' panel templates, so a new formula's specs are filled in, not built in Altair.
            threading.Thread(target=_warm_charts, args=(self._board.look, weakref.ref(self)), daemon=True,
                             name="mixwidget-chart-warm-up").start()

    def _working(self) -> bool:
        """Whether this process is working for the user: fitting here (not in the worker process),
        showing a fit or building charts. Background work waits meanwhile."""
        if self._running is not None and self._process is None:
            return True
        for lock in (self._lock, self._board_lock):
            if not lock.acquire(blocking=False):
                return True
            lock.release()
        return False

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
        """Every fit shown, one row each: ``id, formula, reml, family, link, nobs, loglik, aic, bic, singular, kept``.

        ``kept`` says whether the whole fit is still in ``history`` (or pinned).
        """
        kept = {self._fit_ids.get(f) for f in [*self.history, *self.pinned_fits]}
        rows = [{**r, "kept": r["id"] in kept} for r in self._shown]
        columns = ["id", "formula", "reml", "family", "link", "nobs", "loglik", "aic", "bic", "singular", "kept"]
        return pd.DataFrame(rows, columns=columns)

    def __repr__(self) -> str:
        """Text where the widget itself cannot show (a terminal, a static page): the formula and the fit."""
        current = getattr(self, "_fit", None)
        fit_line = "no fit yet" if current is None else repr(current)
        return (f"<MixWidget {self.formula!r}: {fit_line}>\n(an interactive explorer: it shows in JupyterLab, "
                "Jupyter Notebook, VS Code, Voila and marimo; w.fit.summary() prints the current fit)")

    def _repr_html_(self) -> str:
        """HTML for pages that show no widgets: the formula and the current fit's tables."""
        from ..model.summary import summary_html

        current = getattr(self, "_fit", None)
        body = "<p>No fit yet.</p>" if current is None else summary_html(current)
        return (f"<div class='mixwidget-static'><p>mixwidget explorer (interactive where widgets show): "
                f"<code>{html.escape(self.formula or '')}</code></p>{body}</div>")

    def close(self) -> None:
        """Close the widget, end its worker process and stop a running profile."""
        if getattr(self, "_intervals_run", None) is not None:
            self.cancel_variance_intervals()
        process, chores = getattr(self, "_process", None), getattr(self, "_chores", None)
        if process is not None:
            process.close()
        if chores is not None:
            chores.shutdown(wait=False, cancel_futures=True)
        super().close()

    def code(self, language: str = "R", csv: str | None = None) -> str:
        """The current model as code: ``"R"`` (an ``lmer()`` call) or ``"python"`` (``mixwidget.fit``).

        The data come from their R package for the teaching data sets, else from ``csv``, else
        from the explorer's ``source``; without either the code reads ``"data.csv"`` and a comment
        says how to write it (``w.data.to_csv("data.csv", index=False)``). Factors that a CSV file
        would not bring back as such (integer codes, an order of levels of their own) are made
        factors with their levels in the code.
        """
        if self._fit is None:
            raise RuntimeError("there is no fit yet: set a formula first (w.formula = ...)")
        f = self._fit
        return model_code(f.formula, language, f.reml, self._dataset, csv or self._source, factors=self._factors,
                          family=f.family, link=f.link, nagq=f.nagq, weights=f.arguments.get("weights"),
                          offset=f.arguments.get("offset"))

    def undo(self) -> None:
        """Go back to the model shown before the current one (again to step further back)."""
        if not self._back:
            return
        formula, reml, family, link = self._back.pop()
        self._undo_target = (formula, reml, family, link)
        with self.hold_trait_notifications():
            if family == "gaussian":  # binomial and Poisson fits are ML whatever REML says: leave it
                self.reml = reml
            self.family = family
            self.link = link
            self.formula = formula

    def set_state(self, sync_data: dict[str, Any]) -> None:
        """Take the page's writes to the traits it may write (:data:`PAGE_WRITABLE`), with valid values.

        Writes to any other trait, and values a trait refuses, are ignored and logged, and the
        page is sent Python's values of those traits again, so both sides agree.
        """
        if not isinstance(sync_data, dict):
            return
        accepted, refused = {}, []
        for name, value in sync_data.items():
            trait = self.traits().get(name) if isinstance(name, str) and name in PAGE_WRITABLE else None
            try:
                if trait is None:
                    raise DataError("not a trait the page may write")
                trait._validate(self, value)  # noqa: SLF001 - the trait's checks, None allowed where it is
                accepted[name] = value
            except (traitlets.TraitError, MixWidgetError) as exc:
                log.warning("ignored the page's write to %r: %s", name, exc)
                refused.append(name)
        if accepted:
            super().set_state(accepted)
        resend = [name for name in refused if name in self.keys]
        if resend:
            self.send_state(resend)

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
        elif not self._intervals_message(kind):
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


def _check_arguments(formula: object, reml: object, isolate: object, max_history: object, limits: object,
                     source: object) -> tuple[bool, bool | None]:
    """Refuse arguments of the wrong kind with our own errors, before anything starts; ``(reml, isolate)``."""
    if formula is not None and not isinstance(formula, str):
        hint = "; decode it first, e.g. formula.decode()" if isinstance(formula, bytes) else ""
        raise FormulaError(f"the formula must be text (a str), not {type(formula).__name__}{hint}")
    flag = check_flag(reml, "reml")
    if isolate is not None:
        isolate = check_flag(isolate, "isolate")
    if isinstance(max_history, bool) or not isinstance(max_history, int) or max_history < 1:
        raise DataError(f"max_history must be a whole number of fits, at least 1, not {max_history!r}")
    if limits is not None and not isinstance(limits, Limits):
        raise DataError(f"limits must be a mixwidget.Limits or None, not {type(limits).__name__}")
    if source is not None and not isinstance(source, (str, os.PathLike)):
        raise DataError(f"source must be the path of the data's CSV file (text), not {type(source).__name__}")
    return flag, isolate


def _fit_arguments(data: pd.DataFrame, weights: object, offset: object, nagq: object) -> tuple[tuple[str, object], ...]:
    """The explorer's ``weights=``, ``offset=`` (columns of ``data``) and ``nagq=``, as items for every fit;
    a DataError when one is not a column's name or nagq is not a whole number from 1."""
    out: list[tuple[str, object]] = []
    for name, value in (("weights", weights), ("offset", offset)):
        if value is None:
            continue
        if not isinstance(value, str):
            raise DataError(f"{name}= of the explorer names a column of the data (e.g. {name}='n'), not "
                            f"{type(value).__name__}: add the values to the data as a column first")
        if value not in data.columns:
            raise DataError(f"{name}={value!r} is not a column of the data")
        out.append((name, value))
    if isinstance(nagq, bool) or not isinstance(nagq, int) or nagq < 1:
        raise DataError(f"nagq must be a whole number of quadrature points, at least 1, not {nagq!r}")
    if nagq != 1:
        out.append(("nagq", nagq))
    return tuple(out)


def _only_family(data: pd.DataFrame, formula: str | None) -> str:
    """The family the response of ``formula`` must have when a linear model cannot fit it (two-level text,
    TRUE/FALSE, ``cbind``): "binomial"; else ""."""
    from ..views.family import only_family

    return only_family(data, formula) if formula else ""


def _end_with_marimo_session(process: ProcessWorker) -> None:
    """End ``process`` when the marimo session that made it ends.

    ``marimo run`` runs each viewer's kernel in a thread of its server; a session's end stops that
    thread but closes no widget, so without this every viewer's fit worker (about 150 MB) would live
    until the server stops. Elsewhere (Jupyter, Voila, marimo's editor, a script) the kernel is a
    process of its own, and its workers end with it.
    """
    marimo = sys.modules.get("marimo")
    owner = threading.current_thread()
    if marimo is None or owner is threading.main_thread() or not getattr(marimo, "running_in_notebook", bool)():
        return

    def watch() -> None:
        owner.join()
        process.close()

    threading.Thread(target=watch, daemon=True, name="mixwidget-session-end").start()


def explore(data: pd.DataFrame | str | os.PathLike, formula: str | None = None, reml: bool = True,
            **kwargs: Any) -> MixWidget:
    """Open the explorer on a DataFrame, or on a CSV file given by its path (same arguments as :class:`MixWidget`).

    ``source="scores.csv"`` names the file the data came from, for the model's R and Python code;
    ``family="binomial"`` (or ``"poisson"``) fits binary or count outcomes as glmer does, with R's
    ``link="probit"`` (``"cloglog"``, ...) or the family's default link.
    """
    return MixWidget(data, formula=formula, reml=reml, **kwargs)
