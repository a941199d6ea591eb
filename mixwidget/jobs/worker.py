"""A child process that holds some state and runs one job at a time, and can always be stopped.

Work that may take long (a model fit, a simulation) runs in the child, so the caller's
process stays responsive and a running job can be ended at once by ending the process.
The state (e.g. the data) is sent once, when the process starts, not with every job.
Nothing here knows about widgets or models: a job is any module-level function
``job(state, *args)``, and the state is whatever ``setup(payload)`` returns in the child.

Children are started with ``forkserver`` where available (else ``spawn``), never a bare
``fork``: the calling process (a Jupyter kernel) runs threads, and forking a threaded
process can deadlock the child.

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
import sys
import threading
import time
import traceback
import types
import weakref
from collections.abc import Callable, Iterator, Sequence
from typing import Any

__all__ = ["ProcessWorker", "Stopped", "WorkerDied", "can_use_processes", "start_method"]

_POLL_S = 0.05  # how often a waiting caller checks whether it should stop the job
_PRELOAD: set[str] = set()  # modules the forkserver imports once, so children start with them loaded
_LIVE: weakref.WeakSet[ProcessWorker] = weakref.WeakSet()  # workers to end before the interpreter shuts down


_exiting = threading.Event()  # set at exit: no worker starts a child after it


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


def can_use_processes() -> bool:
    """False where child processes cannot be started (Pyodide/JupyterLite, WASM)."""
    if sys.platform == "emscripten" or sys.platform == "wasi":
        return False
    try:
        multiprocessing.get_context(start_method())
    except (ValueError, ImportError, OSError):
        return False
    return True


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


def _child_main(conn: multiprocessing.connection.Connection, setup: Callable[[Any], Any]) -> None:
    """The child's loop: receive the payload once, then run jobs until the pipe closes."""
    try:
        payload = conn.recv()
        state = setup(payload)
        conn.send(("ready", None))
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

    Notes
    -----
    ``run`` blocks the calling thread (call it from a background thread); ``stop`` may be
    called from any other thread and ends the running job within about ``0.05`` s.
    A stopped or crashed child is replaced by a fresh one, started at once in the
    background, so the next job does not pay the start-up cost if there was time in between.
    """

    def __init__(self, setup: Callable[[Any], Any], payload: Any, name: str = "mixwidget-worker",
                 preload: Sequence[str] = ()) -> None:
        self._setup = setup
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

    # -- life cycle -----------------------------------------------------------------------
    def start(self) -> None:
        """Start the child now (no-op if it is running). Returns without waiting for ``setup``."""
        if _exiting.is_set() or sys.is_finalizing():  # the interpreter is shutting down: start nothing new
            return
        with self._lock:
            if self._process is not None and self._process.is_alive():
                return
            parent, child = self._ctx.Pipe(duplex=True)
            process = self._ctx.Process(target=_child_main, args=(child, self._setup), name=self._name, daemon=True)
            self._started_at = time.perf_counter()
            with _main_module_hidden():
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
                self._await_reply(conn, began, should_stop, timeout)  # setup's answer
                self._ready = True
                self.start_seconds = time.perf_counter() - self._started_at
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
                self.restart()
                raise WorkerDied(f"the worker process ended without answering (exit code {code})") from exc
            elapsed = time.perf_counter() - began
            if self._stop.is_set() or (should_stop is not None and should_stop()) or (
                    timeout is not None and elapsed > timeout):
                self.restart()
                raise Stopped(f"stopped after {elapsed:.1f} s")
        if kind in ("ok", "ready"):
            return value
        exc, _detail = value
        raise exc
