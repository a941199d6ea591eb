"""How many worker processes a run starts when left to decide (n_jobs=None)."""

from __future__ import annotations

import pytest

from mixwidget.simulation import simrun


@pytest.fixture
def cores(monkeypatch):
    def set_cores(n):
        monkeypatch.setattr(simrun, "available_cores", lambda: n)
        monkeypatch.setattr(simrun, "_start_up_s", [2.0])

    return set_cores


def test_short_runs_stay_in_this_process(cores):
    cores(64)
    assert simrun._choose_workers(per_sim=0.01, prepare_s=0.1, remaining=199) == 0  # 2 s of work


def test_one_worker_is_never_worth_starting(cores):
    cores(64)
    # Enough work for one start-up but not two workers' worth: stay here rather than move it.
    assert simrun._choose_workers(per_sim=0.03, prepare_s=0.1, remaining=199) == 0


def test_long_runs_use_the_cores_the_work_can_keep_busy(cores):
    cores(64)
    assert simrun._choose_workers(per_sim=0.03, prepare_s=0.1, remaining=4999) == 35  # 150 s / 4.2 s each
    assert simrun._choose_workers(per_sim=1.0, prepare_s=0.1, remaining=4999) == 64
    cores(2)
    assert simrun._choose_workers(per_sim=1.0, prepare_s=0.1, remaining=4999) == 2
    cores(1)
    assert simrun._choose_workers(per_sim=1.0, prepare_s=0.1, remaining=4999) == 0


def test_a_slow_start_up_seen_before_makes_workers_less_attractive(cores, monkeypatch):
    cores(2)
    assert simrun._choose_workers(per_sim=0.1, prepare_s=0.1, remaining=199) == 2  # 20 s of work
    monkeypatch.setattr(simrun, "_start_up_s", [2.0, 30.0])  # a worker once took 30 s to start
    assert simrun._choose_workers(per_sim=0.1, prepare_s=0.1, remaining=199) == 0
