"""The explorer's profile intervals of the variance components: asked for, computed in the background,
matched to the random-effects table's rows, followed as they run, stopped when asked, and dropped (and
stopped) when the fit changes."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from simref import r_interval

import mixwidget
from mixwidget.jobs.control import Cancelled
from mixwidget.widget import intervalactions

SLEEP = "Reaction ~ Days + (Days | Subject)"


@pytest.fixture
def w():
    widget = mixwidget.MixWidget(mixwidget.load_dataset("sleepstudy"), SLEEP)
    widget.wait(120)
    yield widget
    widget.close()


def test_intervals_fill_the_rows_of_the_random_effects_table(w):
    assert w.intervals["state"] == "idle"
    out = w.variance_intervals_now(timeout=300)
    assert out["state"] == "done" and out["fit_id"] == w.current["id"]
    rows = {(r["group"], r["term"]): (r["lower"], r["upper"]) for r in out["rows"]}
    assert set(rows) == {(r["group"], r["term"]) for r in w.current["variance"]}
    r = r_interval("sleep_profile")  # lme4's confint(fit)
    expected = {
        ("Subject", "(Intercept)"): "sd_(Intercept)|Subject",
        ("Subject", "(Intercept)~Days"): "cor_Days.(Intercept)|Subject",
        ("Subject", "Days"): "sd_Days|Subject",
        ("Residual", ""): "sigma",
    }
    for row, name in expected.items():
        np.testing.assert_allclose(rows[row], r.loc[name], atol=1e-2)


def test_the_page_asks_and_the_comm_thread_is_not_held(w):
    started = threading.Event()
    w.observe(lambda change: started.set() if change["new"]["state"] == "running" else None, names="intervals")
    w._on_message(w, {"kind": "variance_intervals"}, [])
    assert started.is_set()  # the message returned at once, the profile runs in the background
    assert w.intervals["state"] in ("running", "done")
    w.variance_intervals_now(timeout=300)
    assert w.intervals["state"] == "done"


def test_a_new_fit_clears_them(w):
    w.variance_intervals_now(timeout=300)
    w.formula = "Reaction ~ Days + (1 | Subject)"
    w.wait(120)
    assert w.intervals["state"] == "idle" and w.intervals["fit_id"] == w.current["id"]
    out = w.variance_intervals_now(timeout=300)
    assert [(r["group"], r["term"]) for r in out["rows"]] == [("Subject", "(Intercept)"), ("Residual", "")]


def test_least_squares_fits_have_none(w):
    w.formula = "Reaction ~ Days"
    w.wait(120)
    assert w.variance_intervals_now(timeout=10)["state"] == "idle"


class _Held:
    """The widget's profile, held after its ``at``-th interval end until released (to act while it runs)."""

    def __init__(self, monkeypatch, at: int = 2) -> None:
        self.at, self.reached, self.release = at, threading.Event(), threading.Event()
        self.cancels: list[threading.Event] = []
        self.outcomes: list[str] = []
        self.calls_after_cancel = 0
        real = intervalactions.variance_profile

        def held(fit, level, progress, cancel):
            self.cancels.append(cancel)
            first = len(self.cancels) == 1  # only the first profile is held

            def report(done: int, total: int) -> None:
                if cancel.is_set():
                    self.calls_after_cancel += 1
                progress(done, total)
                if first and done == self.at:
                    self.reached.set()
                    assert self.release.wait(60)

            try:
                out = real(fit, level, report, cancel)
            except Cancelled:
                self.outcomes.append("cancelled")
                raise
            self.outcomes.append("done")
            return out

        monkeypatch.setattr(intervalactions, "variance_profile", held)


def _sleep_rows(out: dict) -> dict:
    return {(r["group"], r["term"]): (r["lower"], r["upper"]) for r in out["rows"]}


def test_stop_ends_the_profile_and_asking_again_computes_it(w, monkeypatch):
    held = _Held(monkeypatch)
    w._on_message(w, {"kind": "variance_intervals"}, [])
    assert held.reached.wait(120)
    assert w.intervals["state"] == "running" and w.intervals["total"] == 8
    w._on_message(w, {"kind": "cancel_intervals"}, [])  # the page's Stop button
    assert held.cancels[0].is_set()
    held.release.set()
    assert w._intervals_done.wait(30)
    out = dict(w.intervals)
    assert out["state"] == "stopped" and out["rows"] == [] and out["fit_id"] == w.current["id"]
    assert (out["done"], out["total"]) == (2, 8)
    assert out["message"] == "Stopped after 2 of 8 interval ends."
    assert held.outcomes == ["cancelled"] and held.calls_after_cancel == 0  # stopped before another end
    again = w.variance_intervals_now(timeout=300)  # the button again, or Python
    assert again["state"] == "done" and (again["done"], again["total"]) == (8, 8)
    r = r_interval("sleep_profile")
    np.testing.assert_allclose(_sleep_rows(again)[("Subject", "Days")], r.loc["sd_Days|Subject"], atol=1e-2)


def test_cancel_from_python_waits_for_the_stop(w, monkeypatch):
    held = _Held(monkeypatch, at=0)
    w.variance_intervals_now(wait=False)
    assert held.reached.wait(120)
    threading.Timer(0.1, held.release.set).start()
    out = w.cancel_variance_intervals(wait=True, timeout=30)
    assert out["state"] == "stopped" and out["message"] == "Stopped after 0 of 8 interval ends."
    assert w.cancel_variance_intervals()["state"] == "stopped"  # nothing running: nothing changes


def test_a_new_fit_stops_the_running_profile(w, monkeypatch):
    held = _Held(monkeypatch)
    w.variance_intervals_now(wait=False)
    assert held.reached.wait(120)
    old_id = w.current["id"]
    w.formula = "Reaction ~ Days + (1 | Subject)"
    assert held.cancels[0].is_set()  # at the request, before the new fit is made: it would slow it down
    assert w.intervals["fit_id"] == old_id
    held.release.set()
    w.wait(120)
    assert w._intervals_done.wait(30)
    assert held.outcomes == ["cancelled"]
    assert w.intervals["state"] == "idle" and w.intervals["fit_id"] == w.current["id"] != old_id
    out = w.variance_intervals_now(timeout=300)
    assert out["state"] == "done" and [(r["group"], r["term"]) for r in out["rows"]] == [
        ("Subject", "(Intercept)"), ("Residual", "")]


def test_progress_reaches_the_page_at_most_five_times_a_second(w):
    seen: list[tuple[float, dict]] = []
    w.observe(lambda change: seen.append((time.monotonic(), dict(change["new"]))), names="intervals")
    out = w.variance_intervals_now(timeout=300)
    assert (out["state"], out["done"], out["total"]) == ("done", 8, 8)
    running = [(t, v) for t, v in seen if v["state"] == "running"]
    assert running[0][1]["message"] == "Profiling the likelihood…" and running[0][1]["total"] == 0
    counts = [v["done"] for _, v in running[1:]]
    assert counts == sorted(counts) and all(v["total"] == 8 for _, v in running[1:])
    assert all(v["message"] == f"Profiling the likelihood: {v['done']} of 8 interval ends" for _, v in running[1:])
    gaps = np.diff([t for t, _ in running[1:]])
    assert (gaps >= intervalactions._PROGRESS_EVERY_S * 0.9).all()


def test_the_throttle_sends_the_newest_count_late_rather_never():
    published: list[tuple[int, int]] = []
    run = intervalactions._Run(1, lambda r: published.append((r.done, r.total)), timers=True)
    for done in range(6):  # six ends found at once (ends at their bounds take no time)
        run.progress(done, 8)
    assert published == [(0, 8)]
    deadline = time.monotonic() + 10
    while len(published) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert published == [(0, 8), (5, 8)]  # once, with the newest count
    run.progress(6, 8)
    run.close()


def test_a_binomial_models_profile_stops_quickly():
    """contra_slope (Contraception, a correlated random slope): its profile takes seconds; Stop ends it in
    well under a second (one deviance evaluation: about a millisecond here)."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent / "reference" / "glmm"))
    import data as glmm_data

    widget = mixwidget.MixWidget(glmm_data.frame("Contraception"), "use ~ age + urban + (urban | district)",
                                 family="binomial")
    try:
        widget.wait(120)
        widget.variance_intervals_now(wait=False)
        deadline = time.monotonic() + 120
        while widget.intervals["total"] == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert widget.intervals["state"] == "running" and widget.intervals["total"] == 6
        started = time.monotonic()
        widget._on_message(widget, {"kind": "cancel_intervals"}, [])
        assert widget._intervals_done.wait(30)
        assert time.monotonic() - started < 0.5
        assert widget.intervals["state"] == "stopped" and widget.intervals["rows"] == []
    finally:
        widget.close()
