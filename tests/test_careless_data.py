"""Careless data and arguments: row labels that repeat, arguments of the wrong kind, a page that
writes what only Python may write. Each hostile case either fits exactly as a clean one does or
gets our own error naming what to fix; none gets a foreign error or a silent wrong answer.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest
from lme4ref import LME4, load_reference

import mixwidget
from mixwidget import DataError, FormulaError
from mixwidget.views import charts

BOTH = "like ~ sex + PrivPub + (1 | school) + (1 | school:class)"


def _halves(d: pd.DataFrame) -> pd.DataFrame:
    """What pd.concat of two parts without ignore_index gives: labels 0.. twice."""
    a, b = d.iloc[: len(d) // 2], d.iloc[len(d) // 2 :]
    return pd.concat([a.reset_index(drop=True), b.reset_index(drop=True)])


# name -> how the index of the science data is spoiled (the rows stay in their order)
HOSTILE_INDEX = {
    "pd.concat without ignore_index": _halves,
    "every label the same": lambda d: d.set_axis(np.zeros(len(d), dtype=int)),
    "labels in reverse": lambda d: d.set_axis(np.arange(len(d))[::-1]),
    "text labels, repeated": lambda d: d.set_axis([f"r{i % 7}" for i in range(len(d))]),
    "NaN labels": lambda d: d.set_axis(np.where(np.arange(len(d)) % 3 == 0, np.nan, np.arange(len(d), dtype=float))),
    "repeated dates": lambda d: d.set_axis(pd.to_datetime(["2020-01-01", "2020-01-02"] * (len(d) // 2) + ["2020-01-01"])),
    "a MultiIndex with repeats": lambda d: d.set_axis(pd.MultiIndex.from_arrays([np.arange(len(d)) % 2, np.zeros(len(d))])),
    "labels of mixed types": lambda d: d.set_axis([i if i % 2 else str(i % 5) for i in range(len(d))]),
}


@pytest.fixture(scope="module")
def clean(science):
    return mixwidget.fit(BOTH, science)


@pytest.mark.parametrize("name", list(HOSTILE_INDEX))
def test_a_spoiled_index_fits_as_a_fresh_one(science, clean, name):
    data = HOSTILE_INDEX[name](science.copy())
    f = mixwidget.fit(BOTH, data)
    assert f.nobs == clean.nobs == 1383
    pd.testing.assert_frame_equal(f.fixed, clean.fixed, rtol=1e-10, atol=1e-12)
    pd.testing.assert_frame_equal(f.variance, clean.variance, rtol=1e-10, atol=1e-12)
    assert f.loglik == pytest.approx(clean.loglik, abs=1e-10)
    # ... and as R: lme4 and lmerTest on the same rows
    ref = load_reference(LME4 / "science_school_class.json")
    assert f.loglik == pytest.approx(ref["logLik"], abs=1e-4)
    assert list(f.fixed["t_value"].round(3)) == [round(t, 3) for t in ref["fixef"]["t"]]
    # Everything after the fit reads rows by position too.
    np.testing.assert_allclose(f.predict().to_numpy(), clean.predict().to_numpy(), rtol=1e-10)
    assert f.predict().index.equals(data.index[f.design.positions])
    np.testing.assert_allclose(mixwidget.simulate(f, 2, seed=3).to_numpy(), mixwidget.simulate(clean, 2, seed=3).to_numpy())
    pd.testing.assert_frame_equal(f.without_groups().fixed, clean.without_groups().fixed)
    sim = next(mixwidget.simulated_data(f, seed=1))
    assert len(sim) == 1383 and sim.index.equals(data.index[f.design.positions])


@pytest.mark.parametrize("name", ["pd.concat without ignore_index", "every label the same"])
def test_charts_and_comparisons_of_a_spoiled_index(science, clean, name):
    data = HOSTILE_INDEX[name](science.copy())
    f = mixwidget.fit(BOTH, data)
    ols = mixwidget.fit("like ~ sex + PrivPub", data)
    tests, notes = mixwidget.compare([f, ols], ["both", "ols"]).nested_tests()
    assert len(tests) == 1 and notes == []
    spoiled, fresh = {"both": f, "OLS": ols}, {"both": clean, "OLS": mixwidget.fit("like ~ sex + PrivPub", science)}
    for chart in ("effects", "variance", "shrinkage", "caterpillar", "residuals", "prediction"):
        request = {"current": "both", "group": "school:class", "options": {"selected": "16:3"}}
        mine = charts.chart_data(chart, charts.ChartRequest(spoiled, **request))
        theirs = charts.chart_data(chart, charts.ChartRequest(fresh, **request))
        assert mine.title == theirs.title and mine.subtitle[1:] == theirs.subtitle[1:], chart
        for key, table in theirs.datasets.items():
            pd.testing.assert_frame_equal(mine.datasets[key], table, obj=f"{chart}: {key}")


@pytest.mark.parametrize("name", ["pd.concat without ignore_index", "every label the same"])
def test_group_lines_in_panels_of_a_column_from_the_data(name):
    chicks = mixwidget.load_dataset("ChickWeight")
    spoiled = HOSTILE_INDEX[name](chicks.copy())
    formula = "weight ~ Time + (Time | Chick)"  # Diet is not in the model: the panels read it from the data
    mine = charts.chart_data("lines", charts.ChartRequest({"m": mixwidget.fit(formula, spoiled)}, "m", facet="Diet"))
    theirs = charts.chart_data("lines", charts.ChartRequest({"m": mixwidget.fit(formula, chicks)}, "m", facet="Diet"))
    assert mine.title == theirs.title
    for key, table in theirs.datasets.items():
        pd.testing.assert_frame_equal(mine.datasets[key], table, obj=key)


def test_a_label_that_names_several_rows_is_refused_with_what_to_pass(science):
    data = _halves(science.copy())
    f = mixwidget.fit(BOTH, data)
    with pytest.raises(DataError, match=r"row label 5 names 2 rows .*data\.iloc\[5\].*reset_index"):
        mixwidget.prediction_table(f, 5)
    assert len(mixwidget.prediction_table(f, data.iloc[700])) == 3  # the row itself is fine


def test_check_by_simulation_with_repeated_labels(science):
    data = _halves(science.copy())
    f = mixwidget.fit("like ~ sex + PrivPub + (1 | school:class)", data)
    g = mixwidget.fit("like ~ sex + PrivPub + (1 | school:class)", science)
    a = mixwidget.check_by_simulation(f, [f, "like ~ PrivPub"], nsim=4, seed=2, n_jobs=1)
    b = mixwidget.check_by_simulation(g, [g, "like ~ PrivPub"], nsim=4, seed=2, n_jobs=1)
    cols = ["candidate", "term", "mean_estimate", "mean_se", "n_ok"]
    pd.testing.assert_frame_equal(a[cols], b[cols])


# The case that took 7 GB and 28 s before failing: 10,000 rows, every label 0. In a child process
# with its address space capped, so a regression fails with MemoryError instead of swapping.
BIG = """
import json, resource, time
import numpy as np, pandas as pd
resource.setrlimit(resource.RLIMIT_AS, (3 * 1024**3, 3 * 1024**3))
import mixwidget
rng = np.random.default_rng(1)
n = 10_000
g = rng.integers(0, 100, n)
x = rng.normal(size=n)
y = 1 + 0.5 * x + rng.normal(size=100)[g] + rng.normal(size=n)
df = pd.DataFrame({"y": y, "x": x, "g": g}, index=np.zeros(n, dtype=int))
t0 = time.perf_counter()
f = mixwidget.fit("y ~ x + (x | g)", df)
seconds = time.perf_counter() - t0
fresh = mixwidget.fit("y ~ x + (x | g)", df.reset_index(drop=True))
print("RESULT" + json.dumps({"seconds": seconds, "beta": f.fixed["estimate"].tolist(),
      "fresh": fresh.fixed["estimate"].tolist(), "loglik": [f.loglik, fresh.loglik]}))
"""


@pytest.mark.skipif(sys.platform == "win32", reason="resource limits are POSIX")
def test_ten_thousand_rows_with_one_label_fit_in_bounded_memory():
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(BIG)], capture_output=True, text=True,
                          timeout=300, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    out = json.loads(done.stdout.split("RESULT", 1)[1])
    assert out["beta"] == pytest.approx(out["fresh"], rel=1e-10)
    assert out["loglik"][0] == pytest.approx(out["loglik"][1], abs=1e-8)


# -- arguments of the wrong kind ---------------------------------------------------------------

BAD_ARGUMENTS = [
    ("formula as bytes", {"formula": b"like ~ sex"}, FormulaError, r"must be text \(a str\), not bytes; decode it"),
    ("formula as a number", {"formula": 123}, FormulaError, r"must be text \(a str\), not int"),
    ("formula as a list", {"formula": ["like ~ sex"]}, FormulaError, r"not list"),
    ("reml as text", {"reml": "no"}, DataError, r"reml must be True or False, not 'no'"),
    ("reml as 0", {"reml": 0}, DataError, r"reml must be True or False, not 0"),
    ("reml as None", {"reml": None}, DataError, r"reml must be True or False, not None"),
    ("isolate as text", {"isolate": "yes"}, DataError, r"isolate must be True or False"),
    ("no history", {"max_history": 0}, DataError, r"max_history must be a whole number of fits, at least 1, not 0"),
    ("history as text", {"max_history": "5"}, DataError, r"max_history .* not '5'"),
    ("history as True", {"max_history": True}, DataError, r"max_history .* not True"),
    ("limits as a number", {"limits": 5}, DataError, r"limits must be a mixwidget\.Limits or None, not int"),
    ("source as a number", {"source": 3}, DataError, r"source must be the path of the data's CSV file"),
]


@pytest.mark.parametrize(("label", "kwargs", "error", "message"), BAD_ARGUMENTS, ids=[c[0] for c in BAD_ARGUMENTS])
def test_explore_refuses_arguments_of_the_wrong_kind(science, label, kwargs, error, message):
    with pytest.raises(error, match=message):
        mixwidget.explore(science, **{"isolate": False, **kwargs})


@pytest.mark.parametrize("reml", ["no", "False", 0, 1, None, 1.0])
def test_fit_refuses_a_reml_that_is_not_a_flag(science, reml):
    if reml is None:  # fit's default: REML for a linear model (maximum likelihood for binomial and Poisson)
        assert mixwidget.fit("like ~ sex + (1 | school)", science, reml=None).reml is True
    else:
        with pytest.raises(DataError, match="reml must be True or False"):
            mixwidget.fit("like ~ sex", science, reml=reml)
    with pytest.raises(ValueError, match="reml must be True or False"):  # our DataError is a ValueError
        mixwidget.fit("like ~ sex + (1 | school)", science).refit(reml)


@pytest.mark.parametrize("formula", [b"like ~ sex", 123, 1.5, ["like ~ sex"], {"f": 1}])
def test_setting_a_formula_that_is_not_text_says_so_and_keeps_the_fit(science, formula):
    w = mixwidget.explore(science, "like ~ sex", isolate=False)
    good = w.wait(60)
    with pytest.raises(FormulaError, match="the formula must be text"):
        w.formula = formula
    assert w.formula == "like ~ sex" and w.fit is good
    with pytest.raises(DataError, match="reml must be True or False"):
        w.reml = "no"
    assert w.reml is True


DATA_TEXT = [
    ("a formula where the data go", "like ~ sex", r"is the text 'like ~ sex', which is not a file here \(is it a formula"),
    ("a file that is not there", "no/such/scores.csv", r"'no/such/scores.csv', which is not a file here"),
    ("a path too long for the file system", "x" * 5000, r"\(5,000 characters\), which is not a file here"),
    ("a NUL byte", "a\0b.csv", r"which is not a file here"),
]


@pytest.mark.parametrize(("label", "text", "message"), DATA_TEXT, ids=[c[0] for c in DATA_TEXT])
def test_text_as_data_that_is_no_file_is_explained(label, text, message):
    with pytest.raises(DataError, match=message):
        mixwidget.fit("like ~ sex", text)
    with pytest.raises(DataError, match=message):
        mixwidget.explore(text, isolate=False)


def test_a_file_pandas_cannot_read_is_explained(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(DataError, match=r"reading '.*empty\.csv' as a CSV file failed \(EmptyDataError"):
        mixwidget.fit("like ~ sex", empty)


def test_a_csv_path_is_read_and_fits_as_its_frame(science, tmp_path):
    path = tmp_path / "science.csv"
    science.to_csv(path, index=False)
    by_path = mixwidget.fit("like ~ sex + PrivPub + (1 | school)", str(path))
    by_frame = mixwidget.fit("like ~ sex + PrivPub + (1 | school)", pd.read_csv(path))
    pd.testing.assert_frame_equal(by_path.fixed, by_frame.fixed)


# -- what the page may write ------------------------------------------------------------------

def _page_update(w: mixwidget.MixWidget, state: dict) -> None:
    """A state update from the page, through the widget's comm message handler (as ipywidgets does)."""
    w._handle_msg({"content": {"data": {"method": "update", "state": state, "buffer_paths": []}}, "buffers": []})


CRAFTED = [
    ("current", {"formula": "made up", "fixed": []}),
    ("error", "made up"),
    ("_esm", "alert('made up')"),
    ("status", {"state": "idle", "message": "made up"}),
    ("comparison", {"models": ["made up"]}),
    ("code_text", {"R": "system('made up')"}),
    ("chart_data", {"effects": {}}),
    ("pinned", [{"formula": "made up"}]),
    ("columns", []),
    ("not_a_trait", 1),
    ("formula", 123),
    ("reml", "no"),
    ("chart_names", ["effects", 3]),
]


@pytest.fixture(scope="module")
def page_widget():
    w = mixwidget.explore(mixwidget.load_dataset("science"), "like ~ sex + (1 | school)", isolate=False)
    w.wait(60)
    yield w
    w.close()


@pytest.mark.parametrize(("name", "value"), CRAFTED, ids=[c[0] for c in CRAFTED])
def test_the_page_cannot_write_what_only_python_sets(page_widget, name, value):
    w = page_widget
    before = {n: getattr(w, n) for n in w.keys if not n.startswith("_")}
    esm = w._esm
    _page_update(w, {name: value})
    w.wait(60)
    after = {n: getattr(w, n) for n in w.keys if not n.startswith("_")}
    assert after == before and w._esm == esm


def test_the_page_still_writes_its_own_traits_alongside_refused_ones(page_widget):
    w = page_widget
    current = w.current
    _page_update(w, {"large_text": True, "current": {"formula": "made up"}, "chart_group": "school"})
    assert w.large_text is True and w.current is current
    _page_update(w, {"formula": "like ~ PrivPub + (1 | school)", "error": "made up"})
    assert w.wait(60).formula == "like ~ PrivPub + (1 | school)" and w.error == ""
    assert w.current["formula"] == "like ~ PrivPub + (1 | school)"
    _page_update(w, {"reml": False})
    assert w.wait(60).reml is False
    _page_update(w, {"large_text": False, "reml": True})


def test_the_traits_the_page_may_write_are_those_its_code_sets():
    import re
    from pathlib import Path

    from mixwidget.widget.explorer import PAGE_WRITABLE

    src = Path(__file__).resolve().parents[1] / "js" / "src"
    written = {m for f in src.rglob("*.ts") for m in re.findall(r"model\.set\(\s*\"(\w+)\"", f.read_text())}
    assert written == set(PAGE_WRITABLE)
