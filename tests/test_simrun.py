"""How many worker processes a run starts when left to decide (n_jobs=None), and the runs in them."""

from __future__ import annotations

import os

import numpy as np
import pytest

from mixwidget.jobs import worker
from mixwidget.simulation import simrun


@pytest.fixture
def cores(monkeypatch):
    def set_cores(n):
        monkeypatch.setattr(simrun, "available_cores", lambda: n)
        monkeypatch.setattr(simrun, "idle_cores", lambda: float(n))  # an otherwise idle machine
        monkeypatch.setattr(simrun, "start_cost", lambda: 2.0)

    return set_cores


def test_short_runs_stay_in_this_process(cores):
    cores(64)
    assert simrun._choose_workers(per_sim=0.01, prepare_s=0.1, remaining=199) == 0  # 2 s of work


def test_one_worker_is_never_worth_starting(cores):
    cores(64)
    # Enough work for one start-up but not two workers' worth: stay here rather than move it.
    assert simrun._choose_workers(per_sim=0.03, prepare_s=0.1, remaining=199) == 0


def test_cores_busy_with_other_work_do_not_count(cores, monkeypatch):
    cores(8)
    assert simrun._choose_workers(per_sim=1.0, prepare_s=0.1, remaining=4999) == 8
    monkeypatch.setattr(simrun, "idle_cores", lambda: 3.2)  # load 5.8 on 8 cores
    assert simrun._choose_workers(per_sim=1.0, prepare_s=0.1, remaining=4999) == 3
    monkeypatch.setattr(simrun, "idle_cores", lambda: 0.0)  # load 14 on 2 cores, as on a shared machine
    assert simrun._choose_workers(per_sim=1.0, prepare_s=0.1, remaining=4999) == 0


def test_idle_cores_are_the_cores_less_the_other_work(monkeypatch):
    monkeypatch.setattr(worker, "available_cores", lambda: 4)
    monkeypatch.setattr(worker.os, "getloadavg", lambda: (2.0, 0.0, 0.0))
    assert worker.idle_cores() == 3.0  # the caller's own thread is one of the two running
    monkeypatch.setattr(worker.os, "getloadavg", lambda: (9.0, 0.0, 0.0))
    assert worker.idle_cores() == 0.0


def test_long_runs_use_the_cores_the_work_can_keep_busy(cores):
    cores(64)
    assert simrun._choose_workers(per_sim=0.03, prepare_s=0.1, remaining=4999) == 35  # 150 s / 4.2 s each
    assert simrun._choose_workers(per_sim=1.0, prepare_s=0.1, remaining=4999) == 64
    cores(2)
    assert simrun._choose_workers(per_sim=1.0, prepare_s=0.1, remaining=4999) == 2
    cores(1)
    assert simrun._choose_workers(per_sim=1.0, prepare_s=0.1, remaining=4999) == 0


def test_slow_recent_start_ups_make_workers_less_attractive_and_are_forgotten(cores, monkeypatch):
    cores(2)
    assert simrun._choose_workers(per_sim=0.1, prepare_s=0.1, remaining=199) == 2  # 20 s of work
    monkeypatch.setattr(worker, "_RECENT_STARTS", type(worker._RECENT_STARTS)(maxlen=5))
    monkeypatch.setattr(simrun, "start_cost", worker.start_cost)
    for seconds in (30.0, 30.0, 2.0):  # workers took 30 s to start on a busy machine
        worker.record_start(seconds)
    assert simrun._choose_workers(per_sim=0.1, prepare_s=0.1, remaining=199) == 0
    for _ in range(4):  # and 2 s since
        worker.record_start(2.0)
    assert simrun._choose_workers(per_sim=0.1, prepare_s=0.1, remaining=199) == 2


def _job(truth_formula: str = "like ~ sex + PrivPub + (1 | school)"):
    import mixwidget
    from mixwidget.design.build import build_design
    from mixwidget.formula.parse import parse_formula

    science = mixwidget.load_dataset("science")
    designs = [build_design(parse_formula(f), science) for f in (truth_formula, "like ~ sex + PrivPub")]
    positions = [science.index.get_indexer(d.rows) for d in designs]  # rows with missing values are left out
    return simrun.RefitJob(designs, [True, True], positions), science


def test_refits_in_worker_processes_are_those_made_here():
    job, science = _job()
    Y = np.random.default_rng(1).normal(size=(len(science), 6)) + science["like"].to_numpy()[:, None]
    here = simrun.refit_all(job, Y, n_jobs=0)
    there = simrun.refit_all(job, Y, n_jobs=2)
    assert there.workers == 2 and there.done.all() and not there.notes
    for m in range(2):
        np.testing.assert_allclose([r.beta for r in there.refits[m]], [r.beta for r in here.refits[m]], rtol=1e-6)


def test_the_run_leaves_the_environment_of_this_process_alone(monkeypatch):
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    seen = []
    job, science = _job()
    Y = np.tile(science["like"].to_numpy()[:, None], (1, 4))
    simrun.refit_all(job, Y, n_jobs=2, progress=lambda d, t: seen.append(os.environ.get("OPENBLAS_NUM_THREADS")))
    assert seen and set(seen) == {None} and "OPENBLAS_NUM_THREADS" not in os.environ


def test_a_fit_failing_in_a_worker_counts_as_failed_as_it_does_here():
    job, science = _job()
    job.positions = [job.positions[0], np.arange(len(science) + 5)]  # out of range: fails in every process
    Y = np.tile(science["like"].to_numpy()[:, None], (1, 3))
    out = simrun.refit_all(job, Y, n_jobs=2)
    assert all(e is not None and "IndexError" in e for e in out.errors[1])  # counted as failed fits, as here
