"""MixWidget's Python side: traits to fits, stale results dropped, errors as messages."""

from __future__ import annotations

import threading

import pytest

import mixwidget
from mixwidget.views.charts.base import rows as sent_rows
from mixwidget.widget import explorer as widget_module
from mixwidget.widget import fitflow, fitjobs

BOTH = "like ~ sex + PrivPub + (1 | school) + (1 | school:class)"


@pytest.fixture
def w(science):
    return mixwidget.MixWidget(science, formula="like ~ sex + PrivPub")


def _t(summary, term="PrivPubpublic"):
    return next(r["t_value"] for r in summary["fixed"] if r["term"] == term)


def test_formula_trait_refits(w):
    w.wait(30)
    assert round(_t(w.current), 3) == 3.759 and w.current["kind"] == "ols"
    w.formula = BOTH
    fit = w.wait(30)
    assert fit is w.fit and fit.formula == BOTH
    assert round(_t(w.current), 3) == 2.217
    assert round(_t(w.previous), 3) == 3.759  # the change is shown against the previous fit
    share = {r["group"]: r["share"] for r in w.current["variance"]}
    assert round(share["school:class"], 3) == 0.095
    assert w.status["state"] == "idle" and w.status["elapsed_ms"] > 0
    assert [f.formula for f in w.history] == ["like ~ sex + PrivPub", BOTH]


def test_reml_toggle_refits(w):
    w.formula = BOTH
    w.wait(30)
    w.reml = False
    fit = w.wait(30)
    assert not fit.reml and w.current["deviance"] is not None and w.current["reml_criterion"] is None


def test_newest_request_wins_and_stale_results_are_dropped(science, monkeypatch):
    # In a thread (no worker process) a running fit cannot be stopped: it finishes unseen.
    gate = threading.Event()
    real_fit = fitjobs.fit_job

    def slow_first(data, formula, *args):
        if formula == "like ~ sex":
            gate.wait(10)  # the first fit is still running while newer requests arrive
        return real_fit(data, formula, *args)

    monkeypatch.setattr(fitjobs, "fit_job", slow_first)
    w = mixwidget.MixWidget(science, formula="like ~ sex", isolate=False)
    for f in ["like ~ PrivPub", "like ~ sex + (1 | school)", BOTH]:
        w.formula = f
    gate.set()
    w.wait(30)
    assert w.fit.formula == BOTH
    shown = [f.formula for f in w.history]
    assert shown == [BOTH], shown  # the older requests finished stale or never ran: none was shown


def test_bad_formula_becomes_a_message_and_keeps_the_last_fit(w):
    good = w.wait(30)
    w.formula = "like ~ sex + (1 | shcool)"
    assert w.wait(30) is good
    assert w.error == "column 'shcool' not in data; did you mean 'school'?"
    assert w.status["state"] == "error"
    w.formula = "like ~ sex + (1 | school"
    w.wait(30)
    assert "never closed" in w.error
    w.formula = BOTH
    w.wait(30)
    assert w.error == "" and w.fit.formula == BOTH


def test_failure_inside_the_fit_is_a_message(science, monkeypatch):
    def boom(data, formula, *args):
        raise RuntimeError("engine exploded")

    w = mixwidget.MixWidget(science, formula="like ~ sex", isolate=False)
    w.wait(30)
    monkeypatch.setattr(fitjobs, "fit_job", boom)
    w.formula = BOTH
    w.wait(30)
    assert "engine exploded" in w.error and w.fit.formula == "like ~ sex"


def _explode_in_the_worker(data, formula, *args):
    raise RuntimeError("engine exploded")


def test_failure_inside_the_worker_says_where_it_happened(science, monkeypatch):
    w = mixwidget.MixWidget(science, formula="like ~ sex")
    try:
        w.wait(60)
        monkeypatch.setattr(fitjobs, "fit_job", _explode_in_the_worker)  # sent by reference: runs in the child
        w.formula = BOTH
        w.wait(60)
        assert "RuntimeError: engine exploded (in the worker process, File " in w.error
        assert "in _explode_in_the_worker" in w.error and w.fit.formula == "like ~ sex"
    finally:
        w.close()


def test_variants_drop_each_random_term_and_all(w):
    w.formula = BOTH
    w.wait(30)
    assert [v["formula"] for v in w.variants] == [
        "like ~ sex + PrivPub + (1 | school:class)",
        "like ~ sex + PrivPub + (1 | school)",
        "like ~ sex + PrivPub",
    ]


def test_pins_compare_and_test_nested_models(w):
    w.formula = BOTH
    w.wait(30)
    w._on_message(w, {"kind": "pin"}, None)
    w.wait(30)  # pins from the page are made off the comm thread; wait() waits for them too
    w.formula = "like ~ sex + PrivPub + (1 | school:class)"
    w.wait(30)
    w._on_message(w, {"kind": "pin"}, None)
    w.wait(30)
    assert len(w.pinned) == 2 and len(w.pinned_fits) == 2
    lrt = w.comparison["lrt"]
    assert len(lrt) == 1 and lrt[0]["df"] == 1 and lrt[0]["chisq"] == pytest.approx(0, abs=1e-4)
    w.formula = "like ~ sex + PrivPub + (1 | school)"
    w.wait(30)
    w.pin()
    # Schools-only and classes-only are not nested in each other, but each is in the model with both.
    assert {(r["model"], r["vs"]) for r in w.comparison["lrt"]} == {("school + class", "class only"),
                                                                   ("school + class", "school only")}
    assert w.comparison["lrt_note"] == ""
    w._on_message(w, {"kind": "unpin", "index": 0}, None)
    w.wait(30)
    assert w.comparison["lrt"] == [] and "No model here is nested" in w.comparison["lrt_note"]
    w._on_message(w, {"kind": "unpin", "index": "0"}, None)  # malformed messages: ignored
    w._on_message(w, {"kind": "unpin", "index": True}, None)  # a bool is not a position
    w.wait(30)
    assert len(w.pinned) == 2
    w._on_message(w, {"kind": "clear_pins"}, None)
    w.wait(30)
    assert w.pinned == [] and w.comparison == {}


def test_columns_describe_the_data(w):
    kinds = {c["name"]: (c["kind"], c["integer_codes"]) for c in w.columns}
    assert kinds["like"] == ("numeric", True) and kinds["sex"] == ("categorical", False)


def test_bundle_is_built():
    assert widget_module._BUNDLE.exists(), "run `npm run build` in js/ (scripts/setup.sh does)"


def test_charts_follow_the_fit_and_say_when_they_do_not_apply(w):
    w.formula = BOTH
    w.wait(60)
    assert w.chart_names == [
        "effects", "variance", "shrinkage", "caterpillar", "lines", "slopes2d", "residuals", "prediction", "simulation"
    ]
    assert "no simulation yet" in w.chart_notes["simulation"]  # until a check by simulation has run
    assert set(w.chart_specs) == {"effects", "variance", "shrinkage", "caterpillar", "residuals", "prediction"}
    assert "random slope" in w.chart_notes["lines"] and "slopes2d" in w.chart_notes
    assert w.chart_group == "school:class" and w.chart_groups == ["school:class", "school"]
    assert "datasets" not in w.chart_specs["shrinkage"]  # data travel separately, so views update in place
    arrows = sent_rows(w.chart_data["shrinkage"]["shrinkage_arrows"])
    pool = mixwidget.pooling(w.fit, "school:class").set_index("level")
    assert len(arrows) == 66
    for row in arrows[:5]:
        assert row["partial"] == pytest.approx(pool.loc[row["level"], "partial"])
    spec_before = w.chart_specs["shrinkage"]
    w.formula = "like ~ sex + PrivPub + (1 | school:class)"
    w.wait(60)
    assert w.chart_specs["shrinkage"] == spec_before  # same structure: only the data changed
    w.formula = "like ~ sex + PrivPub"
    w.wait(60)
    assert "shrinkage" in w.chart_notes and "shrinkage" not in w.chart_specs


def test_selection_survives_a_refit_only_while_the_group_exists(w):
    w.formula = BOTH
    w.wait(60)
    w.selected = "1:2"
    w.formula = "like ~ sex + PrivPub + (1 | school:class)"
    w.wait(60)
    assert w.selected == "1:2"
    w.formula = "like ~ sex + PrivPub + (1 | school)"
    w.wait(60)
    assert w.selected is None


def test_choosing_the_chart_group_redraws_per_group_charts(w):
    w.formula = BOTH
    w.wait(60)
    w.chart_group = "school"
    assert len(sent_rows(w.chart_data["shrinkage"]["shrinkage_arrows"])) == 41


def test_chart_export(w, tmp_path):
    w.formula = BOTH
    w.wait(60)
    png, svg = tmp_path / "shrinkage.png", tmp_path / "effects.svg"
    w.chart("shrinkage").save(png)
    w.chart("effects").save(svg)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<svg" in svg.read_text()[:500]


def test_default_chart_group_returns_unless_a_group_was_chosen(w):
    w.formula = BOTH
    w.wait(60)
    w.formula = "like ~ sex + PrivPub + (1 | school)"
    w.wait(60)
    assert w.chart_group == "school"
    w.formula = BOTH
    w.wait(60)
    assert w.chart_group == "school:class"  # nobody chose schools: back to the largest grouping
    w.chart_group = "school"
    w.formula = "like ~ sex + PrivPub + (1 | school:class) + (1 | school)"
    w.wait(60)
    assert w.chart_group == "school"  # a choice sticks while that group exists


def test_chart_titles_travel_apart_from_specs(w):
    w.formula = BOTH
    w.wait(60)
    assert "title" not in w.chart_specs["effects"]
    caption = w.chart_captions["effects"]
    assert "3.76" in caption["title"] and "2.22" in caption["title"]
    w.reml = False  # from here on the effects chart also has the previous fit's faint row
    w.wait(60)
    spec = w.chart_specs["effects"]
    w.reml = True
    w.wait(60)
    assert w.chart_specs["effects"] == spec  # numbers changed, the spec did not: drawn in place


def test_a_failure_while_showing_a_fit_is_a_message_and_the_worker_carries_on(science, monkeypatch):
    w = mixwidget.MixWidget(science, formula="like ~ sex")
    w.wait(30)
    real = fitflow.fit_summary

    def broken(*args, **kwargs):
        raise ValueError("cannot summarise")

    monkeypatch.setattr(fitflow, "fit_summary", broken)
    w.formula = BOTH
    w.wait(30)  # returns: the worker survived
    assert "cannot summarise" in w.error and w.fit.formula == "like ~ sex"
    assert [f.formula for f in w.history] == ["like ~ sex"]
    monkeypatch.setattr(fitflow, "fit_summary", real)
    w.formula = "like ~ sex + PrivPub"
    assert w.wait(30).formula == "like ~ sex + PrivPub" and w.error == ""


def _slow_data(science):
    """The science data with eight noise columns: eight random slopes per class take minutes to fit."""
    import numpy as np

    rng = np.random.default_rng(1)
    extra = {f"x{i}": rng.normal(size=len(science)) for i in range(1, 9)}
    return science.assign(**extra)


SLOW = "like ~ sex + (x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 | Class)"


def test_a_newer_formula_stops_a_long_fit_and_the_status_says_so(science):
    import time

    w = mixwidget.MixWidget(_slow_data(science), formula="like ~ sex")
    w.wait(60)
    w.formula = SLOW
    time.sleep(1.5)  # the long fit is running
    assert w.status["state"] == "fitting" and w.status["stoppable"]
    t0 = time.perf_counter()
    w.formula = BOTH
    fit = w.wait(30)
    assert time.perf_counter() - t0 < 10  # under load; about a second on an idle machine
    assert fit.formula == BOTH and round(_t(w.current), 3) == 2.217
    assert w.status["state"] == "idle"
    assert w.status["stopped"].startswith(f"Stopped the fit of {SLOW} after ")
    assert [f.formula for f in w.history] == ["like ~ sex", BOTH]
    w.formula = "like ~ sex + PrivPub"
    w.wait(30)
    assert w.status["stopped"] == ""  # said once, with the fit that followed
    w.close()


def test_stop_ends_a_running_fit_and_keeps_the_previous_one(science):
    import time

    w = mixwidget.MixWidget(_slow_data(science), formula="like ~ sex")
    good = w.wait(60)
    w.formula = SLOW
    time.sleep(1.0)
    t0 = time.perf_counter()
    w._on_message(w, {"kind": "cancel"}, None)  # the page's Stop button
    assert w.wait(5) is good
    assert time.perf_counter() - t0 < 2
    assert w.status["state"] == "stopped" and "previous fit is still shown" in w.status["message"]
    assert w.fit is good and w.error == ""
    w.formula = BOTH  # the restarted worker fits the next request
    assert w.wait(30).formula == BOTH
    w.close()


def test_the_comm_thread_is_never_busy_with_a_formula(science):
    import time

    w = mixwidget.MixWidget(science)
    t0 = time.perf_counter()
    w.formula = "like ~ " + " * ".join(["sex"] * 30) + " + (1 | school)"  # parsing happens in the worker
    assert time.perf_counter() - t0 < 0.5
    w.stop()
    w.wait(30)
    w.close()


def test_history_keeps_every_summary_but_a_bounded_number_of_fits(science):
    w = mixwidget.MixWidget(science, formula="like ~ sex", max_history=2)
    w.wait(30)
    w.pin()
    for f in ["like ~ PrivPub", "like ~ sex + PrivPub", BOTH]:
        w.formula = f
        w.wait(30)
    assert [f.formula for f in w.history] == ["like ~ sex + PrivPub", BOTH]
    shown = w.fits_shown
    assert list(shown["formula"]) == ["like ~ sex", "like ~ PrivPub", "like ~ sex + PrivPub", BOTH]
    assert list(shown["kept"]) == [True, False, True, True]  # the pinned first fit is kept
    assert w.pinned_fits[0].formula == "like ~ sex"
    w.close()


def test_the_widget_holds_its_own_copy_of_the_data(science):
    df = science.copy()
    w = mixwidget.MixWidget(df, formula="like ~ sex + (1 | school)")
    before = w.wait(30).without_groups().fixed["estimate"].copy()
    df["like"] = df["like"] * 100
    assert w.fit.without_groups().fixed["estimate"].equals(before)
    assert w.fit.data is not df and w.data is w.fit.data
    w.close()


def test_pins_change_at_once_and_unpinning_refits_nothing(w, monkeypatch):
    from mixwidget.engine import adapter as engine

    for f in [BOTH, "like ~ sex + PrivPub + (1 | school:class)", "like ~ sex + PrivPub + (1 | school)"]:
        w.formula = f
        w.wait(60)
        w._on_message(w, {"kind": "pin"}, None)
        assert w.pinned[-1]["formula"] == f  # the pin list is shown before the comparison is made
    w.wait(60)
    assert len(w.comparison["lrt"]) == 2
    calls = []
    real = engine.fit_mixed
    monkeypatch.setattr(engine, "fit_mixed", lambda *a, **k: calls.append(a) or real(*a, **k))
    w._on_message(w, {"kind": "unpin", "index": 2}, None)
    w.wait(60)
    assert calls == []  # the ML refits for the tests were made once, when the fits were pinned
    assert len(w.pinned) == 2 and len(w.comparison["lrt"]) == 1
    w.rename_pin(0, "both")
    assert w.comparison["models"][0] == "both" and w.comparison["lrt"][0]["model"] == "both"


def test_without_threads_fits_run_synchronously(science, monkeypatch):
    monkeypatch.setattr(widget_module, "_CAN_THREAD", False)  # as in Pyodide: no threads, no processes
    w = mixwidget.MixWidget(science, formula="like ~ sex + PrivPub")
    assert w._process is None and w.fit is not None  # fitted before the constructor returned
    w.formula = BOTH
    assert w.fit.formula == BOTH and w.status["state"] == "idle" and not w.status["stoppable"]
