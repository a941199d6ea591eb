"""The explorer's "Check by simulation" action: choices, a background run, progress and cancel.

A run simulates from the model taken as the truth and refits the candidates
(:func:`mixwidget.check_by_simulation`) in its own thread, apart from the formula's fits: a new
formula does not stop it, only a cancel (or a new run) does. Everything the page sends is
checked against the choices offered, since anything typed into a page is untrusted.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..model.fit import MixedFit
from ..model.naming import structure_name
from ..simulation.check import check_by_simulation
from ..views.charts import ChartRequest, Look, NotApplicable, chart_spec
from ..views.charts.simulation import SIMULATION, simulation, simulation_title

__all__ = ["NSIM_DEFAULT", "NSIM_DEFAULT_GENERALIZED", "NSIM_MAX", "NSIM_MIN", "SimulationPanel", "default_term"]

log = logging.getLogger(__name__)

NSIM_DEFAULT = 200
NSIM_DEFAULT_GENERALIZED = 100
"""Binomial and Poisson models: each refit is a Laplace fit with its Hessian, so 100 simulations of ohio
(2,148 rows, 537 children) took 60 s on a busy 2-core machine (load 7; lme4's refit 100 s in the same run)
and of 40 schools of 20 students 8 s; their 95% interval for a 5% rate runs from about 2% to 11%, narrow
enough to tell 5% from the plain GLM's 20-40%."""
NSIM_MIN = 10
NSIM_MAX = 5000
_PROGRESS_EVERY_S = 0.15  # progress reaches the page at most this often


def default_term(fits: list[MixedFit]) -> str | None:
    """The fixed effect (not the intercept) whose t-value differs most across the fits."""
    spread: dict[str, float] = {}
    for term in dict.fromkeys(t for f in fits for t in f.fixed.index):
        if term == "(Intercept)":
            continue
        t = [float(f.test_table.loc[term, "t_value"]) for f in fits if term in f.fixed.index]
        t = [v for v in t if np.isfinite(v)]
        if t:
            spread[term] = max(t) - min(t)
    if not spread:
        return None
    return max(spread, key=lambda k: spread[k])


@dataclass
class _Choice:
    id: str
    label: str
    formula: str
    fit: MixedFit | None  # None: a formula refitted on the truth's rows
    name: str = ""  # the model's one name: its pin's name, else its structure; in the run's table and chart


def _model_name(fit: MixedFit, pinned: dict[str, MixedFit]) -> str:
    """The name the page uses for ``fit`` everywhere: its pin's name when pinned, else its structure."""
    for name, f in pinned.items():
        if f.formula == fit.formula and f.reml == fit.reml:
            return name
    return structure_name(fit)


def _test_words(fit: MixedFit | None) -> str:
    """How the current model's coefficients are tested: "t tests" or "Wald z tests (binomial, logit link)"."""
    if fit is None or not fit.generalized:
        return "t tests"
    return f"Wald z tests ({fit.family}, {fit.link} link)"


def _pin_label(name: str, fit: MixedFit) -> str:
    """A pin's name, with its structure when the name does not say it ("full model (school + class)")."""
    structure = structure_name(fit)
    return name if name == structure else f"{name} ({structure})"


class SimulationPanel:
    """Runs checks by simulation for a widget and reports through two callbacks.

    Parameters
    ----------
    publish_status : callable
        Receives the status dict (state, done, total, message, title) as it changes.
    publish_result : callable
        Receives the result table (or None) when a run ends with results.
    """

    def __init__(self, publish_status: Callable[[dict[str, Any]], None],
                 publish_result: Callable[[pd.DataFrame | None], None]) -> None:
        self._publish_status = publish_status
        self._publish_result = publish_result
        self._truths: dict[str, _Choice] = {}
        self._candidates: dict[str, _Choice] = {}
        self._terms: list[str] = []
        self._thread: threading.Thread | None = None
        self._cancel = threading.Event()
        self._done = threading.Event()
        self._done.set()
        self._lock = threading.Lock()
        self.result: pd.DataFrame | None = None
        self.n_jobs: int | None = None
        """Worker processes for runs (None: decided by timing, as check_by_simulation does)."""

    # -- choices --------------------------------------------------------------------------
    def options(self, current: MixedFit | None, pinned: dict[str, MixedFit], baseline: MixedFit | None) -> dict[str, Any]:
        """What the page offers: truths, candidates (with defaults ticked), terms, the default term."""
        truths: dict[str, _Choice] = {}
        cands: dict[str, _Choice] = {}
        if current is not None:
            name = _model_name(current, pinned)
            truths["current"] = _Choice("current", f"Current model: {name}", current.formula, current, name)
            cands["current"] = _Choice("current", name, current.formula, current, name)
        for name, f in pinned.items():
            choice = _Choice(f"pin:{name}", _pin_label(name, f), f.formula, f, name)
            truths[choice.id] = choice
            if current is None or f.formula != current.formula:
                cands[choice.id] = choice
        generalized = current is not None and current.generalized
        if current is not None and current.kind == "mixed":
            formula = current.model.fixed_text()
            if not any(c.formula == formula for c in cands.values()):
                name = "plain GLM" if generalized else "least squares"  # R's glm of the same family, or lm
                cands["ols"] = _Choice("ols", f"{name} (no groups)", formula, baseline, name)
        fits = [c.fit for c in cands.values() if c.fit is not None]
        terms = list(dict.fromkeys(t for f in fits for t in f.fixed.index if t != "(Intercept)"))
        with self._lock:
            self._truths, self._candidates, self._terms = truths, cands, terms
        return {
            "truths": [{"id": c.id, "label": c.label, "formula": c.formula} for c in truths.values()],
            "candidates": [{"id": c.id, "label": c.label, "formula": c.formula, "checked": True} for c in cands.values()],
            "terms": terms,
            "term": default_term(fits) or (terms[0] if terms else ""),
            "nsim": NSIM_DEFAULT_GENERALIZED if generalized else NSIM_DEFAULT,
            "test": _test_words(current),
            "nsim_min": NSIM_MIN,
            "nsim_max": NSIM_MAX,
        }

    # -- runs -----------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return not self._done.is_set()

    def start(self, truth: str = "current", candidates: list[str] | None = None, term: str | None = None,
              null: bool = True, nsim: int | None = None) -> None:
        """Start a run in the background (a running one is cancelled first).

        ``nsim`` None: 200, or 100 for a binomial or Poisson truth (:data:`NSIM_DEFAULT_GENERALIZED`).
        Raises ValueError for a choice that was not offered (the page's input is untrusted).
        """
        with self._lock:
            if truth not in self._truths:
                raise ValueError(f"unknown truth {truth!r}; the choices are {', '.join(self._truths) or 'none yet'}")
            if nsim is None:
                fit = self._truths[truth].fit
                nsim = NSIM_DEFAULT_GENERALIZED if fit is not None and fit.generalized else NSIM_DEFAULT
            ids = list(self._candidates) if candidates is None else list(dict.fromkeys(candidates))
            unknown = [c for c in ids if c not in self._candidates]
            if unknown or not ids:
                raise ValueError(f"choose candidates among {', '.join(self._candidates)}")
            if term is not None and term not in self._terms:
                raise ValueError(f"unknown term {term!r}; the terms are {', '.join(self._terms)}")
            if isinstance(nsim, bool) or not isinstance(nsim, (int, np.integer)) or not NSIM_MIN <= nsim <= NSIM_MAX:
                raise ValueError(f"nsim must be a whole number from {NSIM_MIN} to {NSIM_MAX}")
            truth_choice = self._truths[truth]
            chosen = [self._candidates[c] for c in ids]
        self.cancel(wait=True)
        truth_fit = truth_choice.fit
        assert truth_fit is not None
        null_terms = [term] if null and term and term in truth_fit.fixed.index else []
        cands: list[str | MixedFit] = [c.fit if c.fit is not None else c.formula for c in chosen]
        names = {c.formula: c.name for c in chosen if c.name}
        if len(set(names.values())) < len(names):
            names = {}  # two models of one name: the run's own labels tell them apart
        self._cancel = threading.Event()
        self._done.clear()
        self._thread = threading.Thread(
            target=self._run, args=(truth_fit, cands, int(nsim), null_terms, term, self._cancel, names),
            daemon=True, name="mixwidget-simulation",
        )
        self._status("running", 0, int(nsim), f"Simulating {nsim} data sets from {truth_choice.formula}")
        self._thread.start()

    def cancel(self, wait: bool = False, timeout: float | None = 30) -> None:
        """Cancel a running simulation (it stops within one fit); keep what was done."""
        self._cancel.set()
        if wait:
            self._done.wait(timeout)

    def wait(self, timeout: float | None = None) -> pd.DataFrame | None:
        """Block until the running simulation ends; return the result."""
        if not self._done.wait(timeout):
            raise TimeoutError(f"the simulation did not finish within {timeout} s")
        return self.result

    def _run(self, truth: MixedFit, cands: list, nsim: int, null_terms: list[str], term: str | None,
             cancel: threading.Event, names: dict[str, str] | None = None) -> None:
        last = [0.0]

        def progress(done: int, total: int) -> None:
            now = time.perf_counter()
            if done == total or now - last[0] >= _PROGRESS_EVERY_S:
                last[0] = now
                self._status("running", done, total, f"{done} of {total} simulations")

        try:
            table = check_by_simulation(truth, cands, nsim=nsim, null_terms=null_terms, seed=None,
                                        progress=progress, cancel=cancel, n_jobs=self.n_jobs)
            table.attrs["chart_term"] = term
            if names:  # the models' names on the page (pins' names), in the table and the chart
                table["label"] = [names.get(f, lab) for f, lab in zip(table["candidate"], table["label"])]
            done = table.attrs["nsim_done"]
            if table.attrs["cancelled"] and done == 0:
                self._status("cancelled", 0, nsim, "Cancelled before the first simulation finished")
            else:
                self.result = table
                self._publish_result(table)
                state = "cancelled" if table.attrs["cancelled"] else "done"
                title = _title(table, term)
                message = (f"Cancelled after {done} of {nsim} simulations" if state == "cancelled"
                           else f"{done} simulations in {table.attrs['seconds']:.1f} s")
                self._status(state, done, nsim, message, title)
        except Exception as exc:  # noqa: BLE001 - a failed run is reported, never a dead widget
            log.exception("check by simulation failed")
            self._status("error", 0, nsim, f"The simulation failed ({type(exc).__name__}: {exc})")
        finally:
            self._done.set()

    def _status(self, state: str, done: int, total: int, message: str, title: str = "") -> None:
        try:
            self._publish_status({"state": state, "done": done, "total": total, "message": message, "title": title})
        except Exception:  # noqa: BLE001 - a closed page must not stop the run
            log.exception("publishing the simulation status failed")

    # -- chart ----------------------------------------------------------------------------
    def chart(self, look: Look | None = None):
        """The last result's chart as an Altair chart."""
        if self.result is None:
            raise NotApplicable("no simulation yet: run a check by simulation first")
        return simulation(self.result, self.result.attrs.get("chart_term"), look=look)

    def board_entry(self, look: Look) -> tuple[dict | None, dict | None, dict | None, str | None]:
        """(spec, data, caption, note) of the simulation chart for the widget's chart traits."""
        request = ChartRequest({}, "", look=look, options={
            "simulation": self.result, "term": None if self.result is None else self.result.attrs.get("chart_term"),
        })
        try:
            data = SIMULATION.data(request)
            return chart_spec(SIMULATION, data.key, look), data.columns(), data.caption(), None
        except NotApplicable as exc:
            return None, None, None, str(exc)


def _title(table: pd.DataFrame, term: str | None) -> str:
    try:
        return simulation_title(table, term)
    except NotApplicable:
        return ""
