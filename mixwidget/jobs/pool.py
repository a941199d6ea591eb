"""Many jobs on several :class:`~mixwidget.jobs.worker.ProcessWorker` children that hold the same state.

A simulation study refits the same models to hundreds of responses: each child receives the
models once (``setup``), then takes the next task whenever it is free. Results are handed to
the caller's thread as they arrive; a cancel ends every child at once (a running task is not
waited for); a failing task ends the run and its error, with the child's traceback, is raised.

Example
-------
>>> run_in_workers(dict, {"a": 1}, operator.getitem, [("a",)] * 4, 2, print, lambda: False)  # doctest: +SKIP
1
1
1
1
"""

from __future__ import annotations

import queue
import threading
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from .worker import ProcessWorker, Stopped

__all__ = ["PoolRun", "run_in_workers"]

_POLL_S = 0.05  # how often the caller's thread checks whether to cancel


@dataclass
class PoolRun:
    """How a run went: children used, and whether it was cancelled before every task was done."""

    workers: int
    cancelled: bool


def run_in_workers(
    setup: Callable[[Any], Any],
    payload: Any,
    job: Callable[..., Any],
    tasks: Sequence[tuple],
    workers: int,
    on_result: Callable[[Any], object],
    cancelled: Callable[[], bool],
    *,
    name: str = "mixwidget-pool",
    preload: Sequence[str] = (),
    threads: int | None = 1,
) -> PoolRun:
    """Run ``job(state, *task)`` for every task in ``workers`` children, each holding ``setup(payload)``.

    Parameters
    ----------
    setup, payload
        As for :class:`~mixwidget.jobs.worker.ProcessWorker`: module-level ``setup`` runs once in each child.
    job : callable
        A module-level function; its results must pickle.
    tasks : sequence of tuple
        The arguments of each job after the state.
    workers : int
        Children to start (at most one per task).
    on_result : callable
        Called in this thread with each result, in the order they complete.
    cancelled : callable
        Polled in this thread; once it returns True every child is ended and the run returns.
    name, preload
        Children's process names and fork-server preloads (see ``ProcessWorker``).
    threads : int or None, default 1
        Native threads per child: one each, so that ``n`` children use ``n`` cores.

    Raises
    ------
    Exception
        The first error of a task (its cause holds the child's traceback), after every child has ended.
    """
    todo, total, completed = deque(tasks), len(tasks), 0
    workers = max(1, min(workers, len(todo)))
    pool = [ProcessWorker(setup, payload, name=f"{name}-{i}", preload=preload, threads=threads, respawn=False)
            for i in range(workers)]
    results: queue.Queue[tuple[str, Any]] = queue.Queue()
    ending = threading.Event()
    taking = threading.Lock()
    for worker in pool:
        worker.start()  # all children start at once, in the background
    servers = [threading.Thread(target=_serve, args=(w, job, todo, taking, results, ending), daemon=True,
                                name=f"{name}-{i}") for i, w in enumerate(pool)]
    for server in servers:
        server.start()
    stopped, error, live = False, None, len(servers)
    try:
        while live:
            try:
                kind, value = results.get(timeout=_POLL_S)
            except queue.Empty:
                kind, value = "", None
            if kind == "done":
                live -= 1
            elif kind == "ok":
                completed += 1
                on_result(value)
            elif kind == "error" and error is None:
                error = value
                ending.set()
            if not ending.is_set() and cancelled():
                stopped = True
                ending.set()
    finally:
        ending.set()
        for worker in pool:
            worker.close()
        for server in servers:
            server.join(timeout=5)
    if error is not None:
        raise error
    return PoolRun(workers=workers, cancelled=stopped and completed < total)


def _serve(worker: ProcessWorker, job: Callable[..., Any], todo: deque, taking: threading.Lock,
           results: queue.Queue, ending: threading.Event) -> None:
    """One child's feeder (a thread of this process): the next task until none is left or the run ends."""
    try:
        while not ending.is_set():
            with taking:
                if not todo:
                    return
                task = todo.popleft()
            try:
                value = worker.run(job, *task, should_stop=ending.is_set)
            except Stopped:
                return
            except Exception as exc:  # noqa: BLE001 - handed to the caller's thread, which raises it
                results.put(("error", exc))
                return
            results.put(("ok", value))
    finally:
        results.put(("done", None))
