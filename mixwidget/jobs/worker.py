"""A child process that holds some state and runs one job at a time, and can always be stopped.

Work that may take long (a model fit, a simulation) runs in the child, so the caller's
process stays responsive and a running job can be ended at once by ending the process.
The state (e.g. the data) is sent once, when the process starts, not with every job.
Nothing here knows about widgets or models: a job is any module-level function
``job(state, *args)``, and the state is whatever ``setup(payload)`` returns in the child.

Children are started with ``forkserver`` where available (else ``spawn``), never a bare
``fork``: the calling process (a Jupyter kernel) runs threads, and forking a threaded
process can deadlock the child. A child may be told to use one native thread (BLAS, OpenMP,
rayon); it sets that in its own environment, never in the caller's. An error in a job comes
back with the child's traceback (see :func:`child_traceback`).

This is the package's one process machinery: the explorer's fit worker is one
:class:`ProcessWorker`, and a simulation's refits run in several (:mod:`mixwidget.jobs.pool`).

Example
-------
>>> w = ProcessWorker(setup=dict, payload={"a": 1})     # doctest: +SKIP
>>> w.run(operator.getitem, "a")                         # doctest: +SKIP
1
"""

from __future__ import annotations

import atexit
import contextlib
import multiprocessing
import multiprocessing.connection
import os
import statistics
import sys
import threading
import time
import traceback
import types
import weakref
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from typing import Any

__all__ = [
    "ProcessWorker", "Stopped", "WorkerDied", "available_cores", "can_use_processes", "child_traceback", "failure_text",
    "idle_cores", "start_cost", "start_method",
]

_POLL_S = 0.05  # how often a waiting caller checks whether it should stop the job
_PRELOAD: set[str] = set()  # modules the forkserver imports once, so children start with them loaded
_LIVE: weakref.WeakSet[ProcessWorker] = weakref.WeakSet()  # workers to end before the interpreter shuts down


_exiting = threading.Event()  # set at exit: no worker starts a child after it
_START_LOCK = threading.Lock()  # one child starts at a time: hiding ``__main__`` must not interleave

THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "RAYON_NUM_THREADS")
"""Variables a child sets in its own environment when told how many native threads to use."""

_RECENT_STARTS: deque[float] = deque(maxlen=5)  # seconds from start() to a child able to run jobs (before setup)


def _end_all() -> None:
    """End every worker's child while the interpreter can still import and join (run at exit)."""
    _exiting.set()
    for worker in list(_LIVE):
        worker.close()


atexit.register(_end_all)


class Stopped(Exception):  # noqa: N818 - reads as what happened: the job was stopped
    """The job was stopped before it finished (its process was ended)."""


class WorkerDied(RuntimeError):
    """The child process ended without answering (crashed, killed or out of memory)."""


class ChildTraceback(Exception):  # noqa: N818 - not raised: the cause attached to an error from a child
    """The traceback of an exception raised in a child process, as text (set as that exception's cause)."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text

    def __str__(self) -> str:
        return f"\n\nIn the worker process:\n{self.text}"


def child_traceback(exc: BaseException) -> str | None:
    """The child's traceback of an exception a job raised there, or None for one raised here."""
    cause = exc.__cause__
    return cause.text if isinstance(cause, ChildTraceback) else None


def failure_text(exc: BaseException) -> str:
    """``Type: message``, and for an exception from a child where it was raised (its innermost frame)."""
    text = f"{type(exc).__name__}: {exc}"
    detail = child_traceback(exc)
    if detail:
        frames = [line.strip() for line in detail.splitlines() if line.strip().startswith('File "')]
        if frames:
            text += f" (in the worker process, {frames[-1]})"
    return text


def start_cost(default: float = 5.0) -> float:
    """Seconds a new child recently took to start (median of the last few starts), before its ``setup``.

    Measured on every start in this session; ``default`` until one was. One slow start (a busy
    machine) moves the median only while it is among the last few.
    """
    return statistics.median(_RECENT_STARTS) if _RECENT_STARTS else default


def record_start(seconds: float) -> None:
    """Count one child's start time in :func:`start_cost`."""
    _RECENT_STARTS.append(seconds)


def can_use_processes() -> bool:
    """False where child processes cannot be started (Pyodide/JupyterLite, WASM)."""
    if sys.platform == "emscripten" or sys.platform == "wasi":
        return False
    try:
        multiprocessing.get_context(start_method())
    except (ValueError, ImportError, OSError):
        return False
    return True


def available_cores() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def idle_cores() -> float:
    """Cores free for more work now: the cores this process may use less the other work running.

    The other work is the 1-minute load average less one (the caller's own running thread);
    where the load is unknown (not Unix), every core counts as free.
    """
    cores = available_cores()
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):
        return float(cores)
    return max(0.0, min(float(cores), cores - load + 1))


def start_method() -> str:
    """``forkserver`` where the platform has it, else ``spawn`` (``MIXWIDGET_START_METHOD`` overrides)."""
    chosen = os.environ.get("MIXWIDGET_START_METHOD")
    if chosen:
        return chosen
    return "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"


@contextlib.contextmanager
def _main_module_hidden() -> Iterator[None]:
    """Start children without re-running the caller's ``__main__`` in them.

    ``spawn`` and ``forkserver`` children normally import the parent's main script, which
    starts it again when the script is not guarded by ``if __name__ == "__main__"``. Jobs
    here are functions of importable modules, so the child never needs ``__main__``.
    """
    main = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        if main is not None:
            sys.modules["__main__"] = main


def _limit_threads(threads: int) -> None:
    """In the child only: use at most ``threads`` native threads (libraries loaded now and later)."""
    for name in THREAD_VARIABLES:
        os.environ[name] = str(threads)  # read by libraries that start their pools later (rayon)
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return
    threadpool_limits(limits=threads)  # those already loaded (e.g. by the fork server's preload)


def _child_main(conn: multiprocessing.connection.Connection, setup: Callable[[Any], Any],
                threads: int | None = None) -> None:
    """The child's loop: receive the payload once, then run jobs until the pipe closes."""
    try:
        if threads is not None:
            _limit_threads(threads)
        running = time.time()  # wall time: compared with the parent's clock
        payload = conn.recv()
        setup_began = time.perf_counter()
        state = setup(payload)
        conn.send(("ready", (running, time.perf_counter() - setup_began)))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which decides
        _send_error(conn, exc)
        return
    while True:
        try:
            job, args = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        try:
            result = job(state, *args)
        except BaseException as exc:  # noqa: BLE001 - every failure goes back to the caller
            _send_error(conn, exc)
            continue
        try:
            conn.send(("ok", result))
        except Exception as exc:  # noqa: BLE001 - e.g. a result that cannot be pickled
            _send_error(conn, exc)


def _send_error(conn: multiprocessing.connection.Connection, exc: BaseException) -> None:
    detail = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    try:
        conn.send(("error", (exc, detail)))
    except Exception:  # noqa: BLE001 - the exception itself does not pickle: send its text
        conn.send(("error", (RuntimeError(f"{type(exc).__name__}: {exc}"), detail)))


class ProcessWorker:
    """One child process with state, running one job at a time; stoppable from any thread.

    Parameters
    ----------
    setup : callable
        Module-level function run once in the child: ``state = setup(payload)``. Put slow
        one-off work here (loading modules, a warm-up run).
    payload : object
        Picklable; sent to the child once each time it (re)starts.
    name : str
        Name of the child process (shown by ``ps``).
    preload : sequence of str
        Modules to import once in the fork server (with ``forkserver``), so that each child
        starts with them loaded instead of importing them again. Import only: code that starts
        threads (e.g. a warm-up fit) belongs in ``setup``.
    threads : int, optional
        Native threads (BLAS, OpenMP, rayon) the child may use; None: the libraries' own choice.
        Several children side by side each use one, so that ``n`` children keep ``n`` cores busy.
    respawn : bool, default True
        After a stop or a crash, start a fresh child at once (a worker kept for later jobs);
        False leaves it closed until the next ``run`` (a worker of a pool that is ending).

    Notes
    -----
    ``run`` blocks the calling thread (call it from a background thread); ``stop`` may be
    called from any other thread and ends the running job within about ``0.05`` s.
    A stopped or crashed child is replaced by a fresh one, started at once in the
    background, so the next job does not pay the start-up cost if there was time in between.
    """

    def __init__(self, setup: Callable[[Any], Any], payload: Any, name: str = "mixwidget-worker",
                 preload: Sequence[str] = (), threads: int | None = None, respawn: bool = True) -> None:
        self._setup = setup
        self._threads = threads
        self._respawn = respawn
        self._payload = payload
        self._name = name
        self._ctx = multiprocessing.get_context(start_method())
        if self._ctx.get_start_method() == "forkserver" and not set(preload) <= _PRELOAD:
            _PRELOAD.update(preload)  # takes effect when the fork server starts (the first child)
            self._ctx.set_forkserver_preload(sorted(_PRELOAD))
        self._lock = threading.Lock()  # guards the process handles
        self._run_lock = threading.Lock()  # one job at a time
        self._process: Any = None
        self._conn: multiprocessing.connection.Connection | None = None
        self._ready = False
        self._stop = threading.Event()
        _LIVE.add(self)
        self.start_seconds: float | None = None
        """How long the last start took until the child was ready (start-up and ``setup``)."""
        self.setup_seconds: float | None = None
        """How long the last start's ``setup`` took, in the child."""

    # -- life cycle -----------------------------------------------------------------------
    def start(self) -> None:
        """Start the child now (no-op if it is running). Returns without waiting for ``setup``."""
        if _exiting.is_set() or sys.is_finalizing():  # the interpreter is shutting down: start nothing new
            return
        with self._lock:
            if self._process is not None and self._process.is_alive():
                return
            parent, child = self._ctx.Pipe(duplex=True)
            process = self._ctx.Process(target=_child_main, args=(child, self._setup, self._threads), name=self._name,
                                        daemon=True)
            self._started_at = time.perf_counter()
            self._started_wall = time.time()  # wall time, as the child reports it (see _child_main)
            with _START_LOCK, _main_module_hidden():
                process.start()
            child.close()
            parent.send(self._payload)
            self._process, self._conn, self._ready = process, parent, False

    def close(self) -> None:
        """End the child process (a later ``run`` starts a new one)."""
        with self._lock:
            process, conn = self._process, self._conn
            self._process, self._conn, self._ready = None, None, False
        if conn is not None:
            conn.close()
        if process is not None:
            process.kill()
            # While the interpreter shuts down, joining may import (and wait on an import lock
            # held by a thread that no longer runs): the killed child is reaped by the OS then.
            if not sys.is_finalizing():
                process.join(timeout=5)

    def restart(self) -> None:
        """End the child and start a fresh one in the background."""
        self.close()
        self.start()

    def stop(self) -> None:
        """Stop the running job, if any (from any thread); its ``run`` raises :class:`Stopped`."""
        self._stop.set()

    @property
    def busy(self) -> bool:
        """True while a job is running."""
        return self._run_lock.locked()

    @property
    def pid(self) -> int | None:
        process = self._process
        return process.pid if process is not None else None

    # -- jobs -----------------------------------------------------------------------------
    def run(self, job: Callable[..., Any], *args: Any, should_stop: Callable[[], bool] | None = None,
            timeout: float | None = None) -> Any:
        """Run ``job(state, *args)`` in the child and return its result.

        Parameters
        ----------
        job : callable
            A module-level function (it is sent by reference).
        should_stop : callable, optional
            Polled while waiting; when it returns True the job is stopped.
        timeout : float, optional
            Stop the job after this many seconds (raises :class:`Stopped`).

        Raises
        ------
        Stopped
            ``stop()`` was called, ``should_stop`` said so, or the timeout passed.
        WorkerDied
            The child ended without answering.
        Exception
            Whatever the job raised, re-raised here.
        """
        with self._run_lock:
            self._stop.clear()
            self.start()
            began = time.perf_counter()
            conn = self._conn
            assert conn is not None
            if not self._ready:
                running, setup_s = self._await_reply(conn, began, should_stop, timeout)  # setup's answer
                self._ready = True
                self.start_seconds = time.perf_counter() - self._started_at
                self.setup_seconds = setup_s
                record_start(max(running - self._started_wall, 0.0))
            conn.send((job, args))
            return self._await_reply(conn, began, should_stop, timeout)

    def _await_reply(self, conn: multiprocessing.connection.Connection, began: float,
                     should_stop: Callable[[], bool] | None, timeout: float | None) -> Any:
        while True:
            try:
                if conn.poll(_POLL_S):
                    kind, value = conn.recv()
                    break
            except (EOFError, OSError) as exc:
                if _exiting.is_set() or self._conn is not conn:  # closed on purpose (exit, close()), not a crash
                    raise Stopped("stopped: the worker was closed") from exc
                code = self._process.exitcode if self._process is not None else None
                self._replace()
                raise WorkerDied(f"the worker process ended without answering (exit code {code})") from exc
            elapsed = time.perf_counter() - began
            if self._stop.is_set() or (should_stop is not None and should_stop()) or (
                    timeout is not None and elapsed > timeout):
                self._replace()
                raise Stopped(f"stopped after {elapsed:.1f} s")
        if kind in ("ok", "ready"):
            return value
        exc, detail = value
        raise exc from ChildTraceback(detail)

    def _replace(self) -> None:
        """After a stop or a crash: a fresh child now (``respawn``), or none until the next job."""
        if self._respawn:
            self.restart()
        else:
            self.close()
