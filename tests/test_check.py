"""check_by_simulation(): false-positive rates, coverage and SEs of candidate error structures."""

from __future__ import annotations

import threading

import numpy as np
import pandas as pd
import pytest
from lme4ref import fit_cached
from simref import SCIENCE_MODEL, reference

import mixwidget
from mixwidget.engine.adapter import Refitter

CANDIDATES = [SCIENCE_MODEL, "like ~ sex + PrivPub + (1 | school)", "like ~ sex + PrivPub"]
NSIM = 200


@pytest.fixture(scope="module")
def study():
    truth = fit_cached(SCIENCE_MODEL, "science")
    seen = []
    table = mixwidget.check_by_simulation(
        truth, CANDIDATES, nsim=NSIM, null_terms=["PrivPubpublic"], seed=2026, progress=lambda d, t: seen.append((d, t))
    )
    return table, seen


def _row(table, formula, term="PrivPubpublic"):
    return table[(table["candidate"] == formula) & (table["term"] == term)].iloc[0]


def test_table_is_tidy_with_every_count(study):
    table, _ = study
    assert len(table) == 3 * 3  # three candidates, three fixed effects each
    for col in ["candidate", "term", "rejection_rate", "rejection_low", "rejection_high", "coverage",
                "mean_se", "sd_estimate", "n_ok", "n_failed", "n_singular"]:
        assert col in table.columns
    assert (table["n_ok"] + table["n_failed"] == NSIM).all()
    assert table.attrs["nsim_done"] == NSIM and not table.attrs["cancelled"]
    assert list(dict.fromkeys(table["label"])) == ["school + class", "school", "least squares"]
    assert _row(table, CANDIDATES[2])["n_singular"] == 0
    # The truth's school variance is 0, so many refits of school + class land on the boundary.
    assert _row(table, CANDIDATES[0])["n_singular"] > NSIM / 4


def test_least_squares_rejects_a_true_null_far_too_often(study):
    table, _ = study
    ls = _row(table, CANDIDATES[2])
    assert ls["null"] and ls["true_value"] == 0
    assert ls["rejection_low"] > 0.10  # the nominal rate is 0.05
    assert ls["coverage_high"] < 0.90  # the nominal coverage is 0.95
    # Its reported SE is much smaller than the estimates' actual spread.
    assert ls["mean_se"] < 0.75 * ls["sd_estimate"]


def test_the_true_structure_is_close_to_nominal(study):
    table, _ = study
    right = _row(table, CANDIDATES[0])
    assert right["rejection_low"] <= 0.05 <= right["rejection_high"]
    assert right["rejection_high"] < 0.11
    assert right["coverage_low"] <= 0.95 <= right["coverage_high"]
    assert right["mean_se"] == pytest.approx(right["sd_estimate"], rel=0.2)


def test_rates_agree_with_the_same_study_in_r(study):
    """R (lme4 + lmerTest, 500 simulations of its own) agrees within both studies' Monte Carlo error."""
    table, _ = study
    r = reference()["study"]
    for key, formula in zip(["school_class", "school", "least_squares"], CANDIDATES):
        ours, theirs = _row(table, formula), r[key]
        assert theirs["formula"] == formula
        for ours_rate, r_rate in [(ours["rejection_rate"], theirs["rejection_rate"]), (ours["coverage"], theirs["coverage"])]:
            # Two independent binomial estimates: their difference has this standard error.
            se = np.sqrt(ours_rate * (1 - ours_rate) / ours["n_ok"] + r_rate * (1 - r_rate) / theirs["nsim"])
            assert abs(ours_rate - r_rate) <= 3 * max(se, 0.01), (key, ours_rate, r_rate)
        assert ours["mean_se"] == pytest.approx(theirs["mean_se"], rel=0.05), key
        assert ours["sd_estimate"] == pytest.approx(theirs["sd_estimate"], rel=0.15), key


def test_progress_is_reported_per_simulation(study):
    _, seen = study
    assert seen[-1] == (NSIM, NSIM)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_same_seed_same_table_in_this_process_and_in_workers():
    truth = fit_cached(SCIENCE_MODEL, "science")
    args = dict(nsim=6, null_terms=["PrivPubpublic"], seed=7)
    here = mixwidget.check_by_simulation(truth, CANDIDATES, n_jobs=0, **args)
    again = mixwidget.check_by_simulation(truth, CANDIDATES, n_jobs=0, **args)
    workers = mixwidget.check_by_simulation(truth, CANDIDATES, n_jobs=2, **args)
    cols = ["rejection_rate", "coverage", "mean_estimate", "mean_se", "sd_estimate", "n_ok"]
    assert here[cols].equals(again[cols])
    np.testing.assert_allclose(here[cols].to_numpy(float), workers[cols].to_numpy(float), rtol=1e-6)
    assert workers.attrs["workers"] == 2
    other = mixwidget.check_by_simulation(truth, CANDIDATES, n_jobs=0, **{**args, "seed": 8})
    assert not here["mean_estimate"].equals(other["mean_estimate"])


def test_cancel_stops_within_one_fit(monkeypatch):
    truth = fit_cached(SCIENCE_MODEL, "science")
    fits = []
    original = Refitter.refit
    monkeypatch.setattr(Refitter, "refit", lambda self, y: fits.append(1) or original(self, y))

    class CancelDuringFourthFit:  # as if the user pressed cancel while the 4th refit ran
        def is_set(self):
            return len(fits) >= 4

    table = mixwidget.check_by_simulation(
        truth, CANDIDATES, nsim=50, null_terms=["PrivPubpublic"], cancel=CancelDuringFourthFit(), n_jobs=0
    )
    assert len(fits) == 4  # not one more refit started after the cancel
    # Simulation 1 (refits 1-3) counts; simulation 2 was cut short and is left out whole.
    assert table.attrs["cancelled"] and table.attrs["nsim_done"] == 1
    assert (table["n_ok"] + table["n_failed"] == 1).all()


def test_cancel_stops_worker_processes_and_keeps_what_was_done():
    truth = fit_cached(SCIENCE_MODEL, "science")
    cancel = threading.Event()

    def progress(done, total):
        if done >= 2:
            cancel.set()

    table = mixwidget.check_by_simulation(
        truth, CANDIDATES, nsim=400, seed=1, progress=progress, cancel=cancel, n_jobs=2
    )
    assert table.attrs["cancelled"]
    assert 2 <= table.attrs["nsim_done"] < 400
    assert (table["n_ok"] + table["n_failed"] == table.attrs["nsim_done"]).all()


def test_progress_returning_false_cancels():
    truth = fit_cached(SCIENCE_MODEL, "science")
    table = mixwidget.check_by_simulation(truth, CANDIDATES, nsim=30, progress=lambda d, t: d < 3, n_jobs=0)
    assert table.attrs["cancelled"] and table.attrs["nsim_done"] == 3


def test_failed_fits_are_counted_not_dropped(monkeypatch):
    truth = fit_cached(SCIENCE_MODEL, "science")
    original = Refitter.refit
    calls = {"n": 0}

    def flaky(self, y):
        if self.mixed:
            calls["n"] += 1
            if calls["n"] % 3 == 0:
                raise np.linalg.LinAlgError("matrix is not positive definite")
        return original(self, y)

    monkeypatch.setattr(Refitter, "refit", flaky)
    table = mixwidget.check_by_simulation(truth, [SCIENCE_MODEL, "like ~ sex + PrivPub"], nsim=12, seed=3, n_jobs=0)
    mixed = table[table["candidate"] == SCIENCE_MODEL]
    assert (mixed["n_failed"] == 4).all() and (mixed["n_ok"] == 8).all()
    assert (table[table["candidate"] != SCIENCE_MODEL]["n_failed"] == 0).all()
    assert any("not positive definite" in f for f in table.attrs["failures"])


def test_default_candidates_are_the_truth_and_least_squares():
    truth = fit_cached(SCIENCE_MODEL, "science")
    table = mixwidget.check_by_simulation(truth, None, nsim=3, n_jobs=0)
    assert list(dict.fromkeys(table["candidate"])) == [SCIENCE_MODEL, "like ~ sex + PrivPub"]


def test_bad_requests_are_our_errors():
    truth = fit_cached(SCIENCE_MODEL, "science")
    with pytest.raises(mixwidget.DataError, match="'PrivPub' is not a fixed effect.*PrivPubpublic"):
        mixwidget.check_by_simulation(truth, CANDIDATES, nsim=2, null_terms=["PrivPub"])
    with pytest.raises(mixwidget.DataError, match="same response"):
        mixwidget.check_by_simulation(truth, ["log(like) ~ sex"], nsim=2)
    with pytest.raises(mixwidget.FormulaError):
        mixwidget.check_by_simulation(truth, ["like ~ sex + (1 | "], nsim=2)


# -- binomial and Poisson models: Wald z against the plain GLM -----------------------------
def _schools(family: str, seed: int = 7) -> mixwidget.MixedFit:
    """A fit to data drawn from a known truth: 40 schools of 20 students, a school-level predictor
    (``sector``, half the schools) with no effect, a student-level ``x``, school SD 1.5 on the link scale."""
    rng = np.random.default_rng(seed)
    school = np.repeat(np.arange(40), 20)
    sector = np.repeat(np.arange(40) % 2, 20)
    x = rng.normal(size=school.size)
    eta = (-0.3 if family == "binomial" else 0.5) + 0.4 * x + rng.normal(0, 1.5, 40)[school]
    mu = 1 / (1 + np.exp(-eta)) if family == "binomial" else np.exp(eta)
    y = rng.binomial(1, mu) if family == "binomial" else rng.poisson(mu)
    data = pd.DataFrame({"y": y, "x": x, "sector": np.where(sector == 1, "public", "private"),
                         "school": school.astype(str)})
    return mixwidget.fit("y ~ x + sector + (1 | school)", data, family=family)


@pytest.fixture(scope="module")
def binomial_study():
    truth = _schools("binomial")
    return mixwidget.check_by_simulation(truth, None, nsim=100, null_terms=["sectorpublic"], seed=11, n_jobs=0)


def test_binomial_glmm_keeps_its_false_positives_near_5_percent_the_plain_glm_does_not(binomial_study):
    """A school-level predictor with a big school variance: the GLM treats 800 students as independent."""
    table = binomial_study
    assert table.attrs["family"] == "binomial" and table.attrs["link"] == "logit" and table.attrs["statistic"] == "z"
    assert list(dict.fromkeys(table["label"])) == ["school", "plain GLM"]
    assert list(dict.fromkeys(table["candidate"])) == ["y ~ x + sector + (1 | school)", "y ~ x + sector"]
    assert (table["statistic"] == "z").all()
    glmm, glm = (table[(table["label"] == lab) & (table["term"] == "sectorpublic")].iloc[0] for lab in ["school", "plain GLM"])
    assert glmm["null"] and glmm["true_value"] == 0 and glmm["n_ok"] + glmm["n_failed"] == 100
    assert glmm["n_failed"] <= 2
    assert glmm["rejection_low"] <= 0.05 <= glmm["rejection_high"] and glmm["rejection_rate"] < 0.12
    assert glm["rejection_low"] > 0.2  # its z-values are several times too big
    assert glm["mean_se"] < 0.5 * glm["sd_estimate"]
    assert glmm["mean_se"] == pytest.approx(glmm["sd_estimate"], rel=0.25)
    # The GLMM's intervals for the student-level x cover its true value as often as they should. (The
    # GLM's x is another parameter: averaged over schools, closer to 0, so its coverage is not compared.)
    x = table[(table["term"] == "x") & (table["label"] == "school")].iloc[0]
    assert x["coverage_low"] <= 0.95 <= x["coverage_high"]


def test_poisson_study_uses_z_and_the_plain_poisson_glm():
    truth = _schools("poisson")
    table = mixwidget.check_by_simulation(truth, None, nsim=30, null_terms=["sectorpublic"], seed=3, n_jobs=0)
    assert (table.attrs["family"], table.attrs["link"], table.attrs["statistic"]) == ("poisson", "log", "z")
    rows = table[table["term"] == "sectorpublic"].set_index("label")
    assert list(rows.index) == ["school", "plain GLM"]
    assert (rows["n_failed"] == 0).all()
    assert rows.loc["plain GLM", "rejection_rate"] > 0.5 > rows.loc["school", "rejection_rate"]
