"""Refit simulated responses with several models, in this process or in worker processes.

A simulation study is many refits of fixed designs to new response vectors. Each model's
design is prepared once (per worker process) and then only the response changes. Work is
reported as it completes and can be cancelled: every refit checks first whether the run
was cancelled, so a cancel takes effect within one fit.

Worker processes are started with ``spawn`` (never a bare ``fork`` from a kernel that runs
threads), each with one BLAS/rayon thread so that ``n`` workers use ``n`` cores. Whether
they pay off depends on the machine and the problem: with ``n_jobs=None`` the first
simulation is timed here and workers are started only when the rest would take long
enough to repay their start-up, one per core up to what the work can use.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from ..design.build import Design
from ..engine.adapter import Refit, Refitter
from ..jobs.worker import can_use_processes

__all__ = ["Cancel", "RefitJob", "RefitOutcome", "available_cores", "refit_all"]

# Cost of starting a worker process (importing the package and the engine) before it has
# done anything useful; measured on each run with workers, and the largest seen is used.
# On an idle machine it is about 2 s; on a busy one it can be many times that.
_start_up_s = [5.0]
_THREAD_LIMITS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "RAYON_NUM_THREADS")
_env_lock = threading.Lock()


class Cancel(Protocol):
    """Anything with ``is_set()``, e.g. a :class:`threading.Event`."""

    def is_set(self) -> bool: ...


Progress = Callable[[int, int], Any]


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
    """

    designs: list[Design]
    reml: list[bool]
    positions: list[np.ndarray]


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


def available_cores() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _prepare(job: RefitJob) -> list[Refitter | str]:
    out: list[Refitter | str] = []
    for design, reml in zip(job.designs, job.reml):
        try:
            out.append(Refitter(design, reml))
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
_worker_state: dict[str, Any] = {}


def _worker_init(job: RefitJob, cancel: Any) -> None:
    _worker_state["job"] = job
    _worker_state["cancel"] = cancel
    _worker_state["refitters"] = _prepare(job)


def _worker_task(indices: list[int], Y: np.ndarray) -> list[tuple[int, list]]:
    job, cancel, refitters = _worker_state["job"], _worker_state["cancel"], _worker_state["refitters"]
    out = []
    for s, y in zip(indices, Y.T):
        row = _refit_one(refitters, job, y, cancel)
        if row is None:
            break
        out.append((s, row))
    return out


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
            out.notes.append(f"worker processes failed ({type(exc).__name__}: {exc}); continued in this process")
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
    never worth it (it would only move the same work elsewhere, after its start-up).
    """
    cores = available_cores()
    rest = per_sim * remaining
    cost = 2 * (max(_start_up_s) + prepare_s)
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
    ctx = multiprocessing.get_context("spawn")
    flag = ctx.Event()
    workers = max(1, min(workers, len(todo)))
    out.workers = workers
    # small tasks keep progress fine-grained; a few per worker at least, at most ~1 s each
    chunk = max(1, min(len(todo) // (workers * 4) or 1, 8))
    chunks = [todo[i : i + chunk] for i in range(0, len(todo), chunk)]
    with _env_lock, _main_not_rerun():
        added = [name for name in _THREAD_LIMITS if name not in os.environ]
        for name in added:
            os.environ[name] = "1"
        try:
            pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_worker_init, initargs=(job, flag))
            pending: set[Future] = {pool.submit(_worker_task, c, Y[:, c]) for c in chunks}
        finally:
            for name in added:
                os.environ.pop(name, None)
    stopped = False
    started = time.perf_counter()
    first_result = True
    try:
        while pending:
            finished, pending = wait(pending, timeout=0.05, return_when=FIRST_COMPLETED)
            if finished and first_result:
                first_result = False
                _start_up_s.append(time.perf_counter() - started)  # start-up plus one small task
            for fut in finished:
                for s, row in fut.result():
                    record(s, row)
            if cancelled():
                stopped = True
                break
    finally:
        if stopped or pending:
            # Workers see the flag before their next refit and exit; nobody waits for them.
            flag.set()
            pool.shutdown(wait=False, cancel_futures=True)
        else:
            pool.shutdown(wait=True)


@contextlib.contextmanager
def _main_not_rerun() -> Iterator[None]:
    """Start workers without re-running the caller's script in them.

    ``spawn`` children normally re-import the main script, so a script without an
    ``if __name__ == "__main__":`` guard would run again in every worker. The workers need
    nothing from it (jobs hold only mixwidget objects), so it is hidden while they start.
    """
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if main is None or path is None or getattr(main, "__spec__", None) is not None:
        yield
        return
    del main.__file__
    try:
        yield
    finally:
        main.__file__ = path


def worker_count_note(out: RefitOutcome) -> str:
    """A sentence on where the refits ran."""
    where = f"{out.workers} worker processes" if out.workers else "this process"
    return f"{int(out.done.sum())} simulations refitted in {out.seconds:.1f} s in {where}"

