"""The worker process: state sent once, jobs run there, a running job stopped at once."""

from __future__ import annotations

import operator
import threading
import time

import pytest

from mixwidget.errors import DataError, FormulaError
from mixwidget.jobs.worker import ProcessWorker, Stopped, WorkerDied
from mixwidget.widget import fitjobs


@pytest.fixture
def sleeper():
    worker = ProcessWorker(setup=float, payload=60.0)  # state: 60.0; job time.sleep(state) sleeps a minute
    yield worker
    worker.close()


def test_state_is_sent_once_and_jobs_use_it():
    worker = ProcessWorker(setup=dict, payload={"a": 1, "b": 2})
    try:
        assert worker.run(operator.getitem, "a") == 1
        pid = worker.pid
        assert worker.run(operator.getitem, "b") == 2
        assert worker.pid == pid  # the same process answered both
    finally:
        worker.close()


def test_a_job_error_is_raised_in_the_caller_and_the_worker_carries_on():
    worker = ProcessWorker(setup=dict, payload={"a": 1})
    try:
        with pytest.raises(KeyError):
            worker.run(operator.getitem, "missing")
        assert worker.run(operator.getitem, "a") == 1
    finally:
        worker.close()


def test_stop_from_another_thread_ends_a_running_job_within_a_second(sleeper):
    sleeper.run(operator.add, 1.0)  # started and ready
    old_pid = sleeper.pid
    threading.Timer(0.5, sleeper.stop).start()
    t0 = time.perf_counter()
    with pytest.raises(Stopped):
        sleeper.run(time.sleep)
    assert time.perf_counter() - t0 < 1.5
    assert sleeper.run(operator.add, 2.0) == 62.0  # a fresh worker holds the state again
    assert sleeper.pid != old_pid


def test_should_stop_and_timeout_stop_a_job(sleeper):
    t0 = time.perf_counter()
    with pytest.raises(Stopped):
        sleeper.run(time.sleep, should_stop=lambda: time.perf_counter() - t0 > 0.3)
    t0 = time.perf_counter()
    with pytest.raises(Stopped):
        sleeper.run(time.sleep, timeout=0.3)
    assert time.perf_counter() - t0 < 5  # includes the restart's start-up


def test_a_crashed_worker_is_reported_and_replaced():
    worker = ProcessWorker(setup=int, payload=0)
    try:
        with pytest.raises(WorkerDied, match="ended without answering"):
            worker.run(_exit_hard)
        assert worker.run(operator.add, 5) == 5
    finally:
        worker.close()


def _exit_hard(state: int) -> None:
    import os

    os._exit(3)


def test_fits_in_the_worker_are_real_fits_with_the_callers_data(science):
    worker = ProcessWorker(fitjobs.setup, science, preload=fitjobs.PRELOAD)
    try:
        f = fitjobs.attach(worker.run(fitjobs.fit_job, "like ~ sex + PrivPub + (1 | school:class)", True), science)
        assert f.data is science and round(f.fixed.loc["PrivPubpublic", "t_value"], 3) == 2.217
        assert f.without_groups().kind == "ols"  # works on the re-attached data
        with pytest.raises(FormulaError, match="never closed"):
            worker.run(fitjobs.fit_job, "like ~ sex + (1 | school", True)
        with pytest.raises(DataError, match="did you mean 'school'"):
            worker.run(fitjobs.fit_job, "like ~ sex + (1 | shcool)", True)
    finally:
        worker.close()


def _address_space_limit(state) -> int:
    import resource

    return resource.getrlimit(resource.RLIMIT_AS)[0]


def _allocate(state, gigabytes: float) -> int:
    import numpy as np

    return np.ones(int(gigabytes * 1e9 / 8)).nbytes


def test_the_fit_worker_cannot_take_the_machines_memory(science):
    import os
    import resource

    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    worker = ProcessWorker(fitjobs.setup, science, preload=fitjobs.PRELOAD)
    try:
        limit = worker.run(_address_space_limit)
        assert limit != resource.RLIM_INFINITY and limit <= total * fitjobs.MEMORY_SHARE
        with pytest.raises(MemoryError):
            worker.run(_allocate, total * fitjobs.MEMORY_SHARE / 1e9)
        assert round(fitjobs.fit_job(science, "like ~ sex + (1 | school)", True).sigma, 3) == round(
            worker.run(fitjobs.fit_job, "like ~ sex + (1 | school)", True).sigma, 3)
    finally:
        worker.close()


def _fail_deep(state, text: str) -> None:
    raise ValueError(text)


def test_an_error_in_the_child_brings_its_traceback_to_the_message():
    from mixwidget.jobs.worker import child_traceback, failure_text

    worker = ProcessWorker(setup=dict, payload={})
    try:
        with pytest.raises(ValueError, match="bad value") as caught:
            worker.run(_fail_deep, "bad value")
    finally:
        worker.close()
    detail = child_traceback(caught.value)
    assert detail is not None and "_fail_deep" in detail and "raise ValueError(text)" in detail
    assert failure_text(caught.value).startswith("ValueError: bad value (in the worker process, File ")
    assert "test_worker.py" in failure_text(caught.value) and "in _fail_deep" in failure_text(caught.value)
    assert child_traceback(ValueError("raised here")) is None
    assert failure_text(ValueError("raised here")) == "ValueError: raised here"


def _threads_seen(state) -> tuple[str | None, int]:
    import os

    from threadpoolctl import threadpool_info

    blas = [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]
    return os.environ.get("OPENBLAS_NUM_THREADS"), max(blas, default=1)


def test_a_child_limits_its_own_threads_and_leaves_the_callers_environment(monkeypatch):
    import os

    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    worker = ProcessWorker(setup=dict, payload={}, threads=1)
    try:
        assert worker.run(_threads_seen) == ("1", 1)
    finally:
        worker.close()
    assert "OPENBLAS_NUM_THREADS" not in os.environ


def test_a_worker_that_does_not_respawn_stays_closed_after_a_stop():
    worker = ProcessWorker(setup=float, payload=60.0, respawn=False)
    try:
        worker.run(operator.add, 1.0)
        with pytest.raises(Stopped):
            worker.run(time.sleep, timeout=0.2)
        assert worker.pid is None
        assert worker.run(operator.add, 1.0) == 61.0  # the next job starts one
    finally:
        worker.close()


def test_children_started_side_by_side_leave_main_as_it_was():
    import sys

    main = sys.modules["__main__"]
    workers = [ProcessWorker(setup=dict, payload={}) for _ in range(4)]
    threads = [threading.Thread(target=w.start) for w in workers]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sys.modules["__main__"] is main
    finally:
        for w in workers:
            w.close()


def test_start_cost_is_the_median_of_recent_starts(monkeypatch):
    from collections import deque

    from mixwidget.jobs import worker as worker_module

    monkeypatch.setattr(worker_module, "_RECENT_STARTS", deque(maxlen=5))
    assert worker_module.start_cost(default=5.0) == 5.0  # none measured yet
    worker = ProcessWorker(setup=dict, payload={})
    try:
        worker.start()
        worker.run(dict.get, "x")
    finally:
        worker.close()
    (measured,) = worker_module._RECENT_STARTS
    assert 0 < measured <= worker.start_seconds and worker.setup_seconds is not None
    for seconds in (40.0, 1.0, 1.0, 1.0, 1.0):
        worker_module.record_start(seconds)
    assert worker_module.start_cost() == 1.0  # a slow start among recent ones counts as one of five
