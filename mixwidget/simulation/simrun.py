"""Refit simulated responses with several models, in this process or in worker processes.

A simulation study is many refits of fixed designs to new response vectors. Each model's
design is prepared once (per worker process) and then only the response changes. Work is
reported as it completes and can be cancelled: in this process every refit checks first
whether the run was cancelled, so a cancel takes effect within one fit; worker processes
are ended at once.

Worker processes are :class:`~mixwidget.jobs.worker.ProcessWorker` children (see
:func:`~mixwidget.jobs.pool.run_in_workers`), each holding the prepared models and using one
BLAS/rayon thread so that ``n`` workers use ``n`` cores. Whether they pay off depends on the
machine and the problem: with ``n_jobs=None`` the first simulation is timed here and workers
are started only when the rest would take long enough to repay their start-up (as measured
recently in this session, :func:`~mixwidget.jobs.worker.start_cost`), one per core up to what
the work can use, and no more than are idle (on a machine busy with other work, workers only
queue for the same cores).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..design.build import Design
from ..engine.adapter import Refit, Refitter
from ..engine.refit import refitter_for
from ..jobs.control import Cancel, Progress
from ..jobs.pool import run_in_workers
from ..jobs.worker import available_cores, can_use_processes, failure_text, idle_cores, start_cost

__all__ = ["Cancel", "PRELOAD", "Progress", "RefitJob", "RefitOutcome", "available_cores", "refit_all"]

PRELOAD = ("mixwidget.simulation.simrun", "mixedlm")
"""Modules a fork server imports once for the refit workers (see ``ProcessWorker``)."""


@dataclass
class RefitJob:
    """Models to refit to each simulated response.

    Attributes
    ----------
    designs : list of Design
        One per model; their matrices are reused for every refit.
    reml : list of bool
        REML (True) or ML for each model.
    positions : list of ndarray
        For each model, the positions of its rows within the simulated response vector.
    nagq : list of int, optional
        For each binomial or Poisson mixed model, its quadrature points (1: Laplace, the default), so
        that a fit by adaptive quadrature is refitted by it too.
    """

    designs: list[Design]
    reml: list[bool]
    positions: list[np.ndarray]
    nagq: list[int] | None = None


@dataclass
class RefitOutcome:
    """What came back: ``refits[m][s]`` is model ``m`` on simulation ``s`` (None if not fitted)."""

    refits: list[list[Refit | None]]
    errors: list[list[str | None]]
    done: np.ndarray  # bool per simulation: every model was refitted (or failed) on it
    cancelled: bool = False
    workers: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)


def _prepare(job: RefitJob) -> list[Refitter | str]:
    out: list[Refitter | str] = []
    nagq = job.nagq or [1] * len(job.designs)
    for design, reml, points in zip(job.designs, job.reml, nagq):
        try:
            out.append(refitter_for(design, reml, points))
        except Exception as exc:  # noqa: BLE001 - a model that cannot be fitted fails every simulation
            out.append(f"{type(exc).__name__}: {exc}")
    return out


def _refit_one(
    refitters: list[Refitter | str], job: RefitJob, y: np.ndarray, cancel: Cancel | None
) -> list[tuple[Refit | None, str | None]] | None:
    """All models on one simulated response; None if cancelled before the last refit."""
    row: list[tuple[Refit | None, str | None]] = []
    for refitter, pos in zip(refitters, job.positions):
        if cancel is not None and cancel.is_set():
            return None
        if isinstance(refitter, str):
            row.append((None, refitter))
            continue
        try:
            res = refitter.refit(y[pos])
        except Exception as exc:  # noqa: BLE001 - counted as a failed fit, never dropped
            row.append((None, f"{type(exc).__name__}: {exc}"))
            continue
        if not (res.converged and np.all(np.isfinite(res.beta)) and np.all(np.isfinite(res.se))):
            row.append((None, "did not converge" if not res.converged else "non-finite estimates"))
            continue
        row.append((res, None))
    return row


# -- worker processes ----------------------------------------------------------------------
def _worker_setup(job: RefitJob) -> tuple[RefitJob, list[Refitter | str]]:
    """Run once in each worker: the models' refitters, prepared there."""
    return job, _prepare(job)


def _worker_task(state: tuple[RefitJob, list[Refitter | str]], indices: list[int],
                 Y: np.ndarray) -> list[tuple[int, list]]:
    job, refitters = state
    return [(s, _refit_one(refitters, job, y, None)) for s, y in zip(indices, Y.T)]


def refit_all(
    job: RefitJob,
    Y: np.ndarray,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
    n_jobs: int | None = None,
) -> RefitOutcome:
    """Refit every model in ``job`` to every column of ``Y``.

    Parameters
    ----------
    job : RefitJob
        The models.
    Y : ndarray, shape (n, nsim)
        Simulated responses, one per column.
    progress : callable, optional
        Called as ``progress(done, total)`` (simulations) as they complete; returning
        ``False`` cancels the run.
    cancel : object with ``is_set()``, optional
        Checked before every refit; when set, the run stops and returns what is done.
    n_jobs : int or None
        0: refit here, in this process. ``k >= 1``: in ``k`` worker processes.
        None: decide from the first simulation's time and the cores available.

    Returns
    -------
    RefitOutcome
    """
    nsim = Y.shape[1]
    m = len(job.designs)
    out = RefitOutcome(
        refits=[[None] * nsim for _ in range(m)],
        errors=[[None] * nsim for _ in range(m)],
        done=np.zeros(nsim, dtype=bool),
    )
    start = time.perf_counter()
    stop = threading.Event()

    def record(s: int, row: list[tuple[Refit | None, str | None]]) -> None:
        for k, (res, err) in enumerate(row):
            out.refits[k][s], out.errors[k][s] = res, err
        out.done[s] = True
        if progress is not None and progress(int(out.done.sum()), nsim) is False:
            stop.set()

    def cancelled() -> bool:
        return stop.is_set() or (cancel is not None and cancel.is_set())

    class _Either:
        def is_set(self) -> bool:
            return cancelled()

    either = _Either()
    first = 0
    if n_jobs and not can_use_processes():  # e.g. Pyodide: no child processes, refit here
        out.notes.append("worker processes are not available here; refitted in this process")
        n_jobs = 0
    if n_jobs is None or n_jobs == 0:
        t0 = time.perf_counter()
        refitters = _prepare(job)
        t1 = time.perf_counter()
        while first < nsim and not cancelled():
            row = _refit_one(refitters, job, Y[:, first], either)
            if row is None:
                break
            record(first, row)
            first += 1
            if n_jobs is None:
                per_sim = time.perf_counter() - t1
                n_jobs = _choose_workers(per_sim / max(first, 1), t1 - t0, nsim - first) if can_use_processes() else 0
                if n_jobs:
                    break
    if n_jobs and first < nsim and not cancelled():
        try:
            _run_in_workers(job, Y, list(range(first, nsim)), n_jobs, record, cancelled, out)
        except Exception as exc:  # noqa: BLE001 - e.g. processes cannot start here: carry on in this process
            out.notes.append(f"worker processes failed ({failure_text(exc)}); continued in this process")
            refitters = _prepare(job)
            for s in np.flatnonzero(~out.done):
                row = _refit_one(refitters, job, Y[:, s], either)
                if row is None:
                    break
                record(int(s), row)
    out.cancelled = cancelled() and not out.done.all()
    out.seconds = time.perf_counter() - start
    return out


def _choose_workers(per_sim: float, prepare_s: float, remaining: int) -> int:
    """Worker processes worth starting for the remaining simulations (0: stay here).

    Each worker must get at least two start-ups' worth of work, and one worker alone is
    never worth it (it would only move the same work elsewhere, after its start-up). Only
    idle cores count: workers on cores busy with other work only take turns with it.
    """
    cores = min(available_cores(), round(idle_cores()))
    rest = per_sim * remaining
    cost = 2 * (start_cost() + prepare_s)
    useful = int(rest / cost)
    workers = min(cores, useful, remaining)
    return workers if workers >= 2 else 0


def _run_in_workers(
    job: RefitJob,
    Y: np.ndarray,
    todo: list[int],
    workers: int,
    record: Callable[[int, list], None],
    cancelled: Callable[[], bool],
    out: RefitOutcome,
) -> None:
    workers = max(1, min(workers, len(todo)))
    # small tasks keep progress fine-grained; a few per worker at least, at most ~1 s each
    chunk = max(1, min(len(todo) // (workers * 4) or 1, 8))
    chunks = [todo[i : i + chunk] for i in range(0, len(todo), chunk)]

    def take(rows: list[tuple[int, list]]) -> None:
        for s, row in rows:
            record(s, row)

    out.workers = workers
    run_in_workers(_worker_setup, job, _worker_task, [(c, Y[:, c]) for c in chunks], workers, take, cancelled,
                   name="mixwidget-sim", preload=PRELOAD, threads=1)


def worker_count_note(out: RefitOutcome) -> str:
    """A sentence on where the refits ran."""
    where = f"{out.workers} worker processes" if out.workers else "this process"
    return f"{int(out.done.sum())} simulations refitted in {out.seconds:.1f} s in {where}"

