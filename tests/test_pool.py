"""Several worker processes holding the same state: every task done once, errors and cancels."""

from __future__ import annotations

import operator
import time

import pytest

from mixwidget.jobs.pool import run_in_workers
from mixwidget.jobs.worker import child_traceback


def _scaled(state: dict, x: float) -> tuple[float, int]:
    import os

    return state["k"] * x, os.getpid()


def _fails_on_three(state: dict, x: int) -> int:
    if x == 3:
        raise ZeroDivisionError(f"task {x} failed")
    return x


def test_every_task_runs_once_across_the_workers():
    got = []
    run = run_in_workers(dict, {"k": 10}, _scaled, [(float(i),) for i in range(12)], 2, got.append, lambda: False)
    assert run.workers == 2 and not run.cancelled
    assert sorted(v for v, _ in got) == [10.0 * i for i in range(12)]
    assert len({pid for _, pid in got}) == 2  # both children took tasks


def test_a_task_error_ends_the_run_with_the_childs_traceback():
    with pytest.raises(ZeroDivisionError, match="task 3 failed") as caught:
        run_in_workers(dict, {}, _fails_on_three, [(i,) for i in range(6)], 2, lambda v: None, lambda: False)
    assert "_fails_on_three" in child_traceback(caught.value)


def test_a_cancel_ends_running_tasks_at_once():
    got = []
    t0 = time.perf_counter()
    run = run_in_workers(float, 30.0, _sleep_then, [(i,) for i in range(4)], 2, got.append,
                         lambda: time.perf_counter() - t0 > 1.0)
    assert run.cancelled and got == []
    assert time.perf_counter() - t0 < 10  # not the 30 s a task takes


def _sleep_then(state: float, i: int) -> int:
    time.sleep(state)
    return i


def test_more_workers_than_tasks_start_only_what_is_needed():
    got = []
    run = run_in_workers(dict, {"a": 1}, operator.getitem, [("a",)], 4, got.append, lambda: False)
    assert run.workers == 1 and got == [1]
