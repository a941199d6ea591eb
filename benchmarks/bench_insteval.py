"""InstEval in the widget: the fit, then the numbers, every chart, and how much chart data goes to the browser.

    python benchmarks/bench_insteval.py [--formula "y ~ service + dept + (1 | s) + (1 | d)"]
                                        [--other "y ~ service + (1 | s) + (1 | d) + (1 | dept)"] [--no-warm-up]

InstEval (lme4; 73,421 ratings of 1,128 lecturers by 2,972 students) from mixedlm's
``load_insteval``. Three changes of the widget are timed: the first formula (every chart's spec
is new, as is the least-squares baseline), the same model by ML (same structure: only data and
titles change) and another formula by ML (new specs, new baseline). For each:

- the fit alone (the peer): ``mixwidget.fit`` of the same model in this process;
- the widget's fit (its status, fitted in the worker process);
- set formula -> numbers on show, and -> every chart's data set; "after the fit" subtracts the
  widget's fit, and the ratio is against the fit alone;
- the least-squares baseline and each chart's ``data()`` and spec time inside that refit;
- the chart data's size as JSON (MB).

Run on a busy machine, the seconds vary from run to run; the load average is printed.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import time
from collections import defaultdict

import mixwidget
from mixwidget.model.fit import MixedFit
from mixwidget.views import chartboard
from mixwidget.views.charts import CHARTS
from mixwidget.widget import explorer as widget

FORMULA = "y ~ service + dept + (1 | s) + (1 | d)"
OTHER = "y ~ service + (1 | s) + (1 | d) + (1 | dept)"

timings: dict[str, float] = defaultdict(float)


def _timed(name: str, fn):  # noqa: ANN001, ANN202 - a wrapper that adds its time to timings[name]
    def wrapper(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        t0 = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            timings[name] += time.perf_counter() - t0

    return wrapper


def _instrument() -> None:
    """Time every chart's data() and spec, and the least-squares baseline, inside the widget's refits."""
    for name, chart in list(CHARTS.items()):
        CHARTS[name] = dataclasses.replace(chart, data=_timed(f"{name} data", chart.data))
    spec = chartboard.chart_spec

    def timed_spec(chart, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        t0 = time.perf_counter()
        try:
            return spec(chart, *args, **kwargs)
        finally:
            timings["specs"] += time.perf_counter() - t0
            timings[f"{chart.name} spec"] += time.perf_counter() - t0

    chartboard.chart_spec = timed_spec
    MixedFit.without_groups = _timed("baseline", MixedFit.without_groups)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--formula", default=FORMULA)
    parser.add_argument("--other", default=OTHER)
    parser.add_argument("--no-warm-up", action="store_true",
                        help="skip the widget's background build of the chart templates (to compare)")
    args = parser.parse_args()
    if args.no_warm_up:
        widget._warm_charts = lambda *args: None
    from mixedlm.datasets import load_insteval

    data = load_insteval()
    _instrument()
    w = mixwidget.MixWidget(data)
    moments: dict[str, float] = {}
    w.observe(lambda change: moments.__setitem__("numbers", time.perf_counter()), names="current")
    w.observe(lambda change: moments.__setitem__("charts", time.perf_counter()), names="chart_data")
    print(f"InstEval: {len(data)} rows; load average {os.getloadavg()[0]:.1f} at the start; chart templates "
          f"{'not ' if args.no_warm_up else ''}built in advance")
    steps = (  # one trait changes per step
        ("first formula (new specs, new baseline)", {"formula": args.formula}),
        ("same model by ML (same structure)", {"reml": False}),
        ("another formula, ML (new specs, new baseline)", {"formula": args.other}),
    )
    for label, change in steps:
        formula, reml = change.get("formula", w.formula), change.get("reml", w.reml)
        t0 = time.perf_counter()
        mixwidget.fit(formula, data, reml=reml)
        alone = time.perf_counter() - t0
        moments.clear()
        timings.clear()
        t0 = time.perf_counter()
        for name, value in change.items():
            setattr(w, name, value)
        w.wait(3600)
        total = time.perf_counter() - t0
        fit_s = (w.status.get("elapsed_ms") or float("nan")) / 1e3
        numbers = moments["numbers"] - t0
        charts = moments["charts"] - t0
        sizes = {name: len(json.dumps(rows)) for name, rows in w.chart_data.items()}
        print(f"{label}: {formula!r}, {'REML' if reml else 'ML'}; load average {os.getloadavg()[0]:.1f}")
        print(f"  fit alone (peer)              {alone:8.2f} s")
        print(f"  widget's fit (status)         {fit_s:8.2f} s")
        print(f"  set formula -> numbers        {numbers:8.2f} s   ({numbers - fit_s:.2f} s after the fit)")
        print(f"  set formula -> every chart    {charts:8.2f} s   ({charts - fit_s:.2f} s after the fit: "
              f"{(charts - fit_s) / alone:.3f}x the fit alone)")
        print(f"  (whole change, until idle     {total:8.2f} s)")
        parts = [f"baseline {timings.get('baseline', 0) * 1e3:.0f}"]
        parts += [f"{name} {timings[f'{name} data'] * 1e3:.0f}" for name in CHARTS if f"{name} data" in timings]
        spec_parts = [f"{name} {timings[f'{name} spec'] * 1e3:.0f}" for name in CHARTS if f"{name} spec" in timings]
        parts.append(f"specs {timings.get('specs', 0) * 1e3:.0f} ({', '.join(spec_parts)})")
        print("  inside (ms): " + ", ".join(parts))
        print(f"  chart data {sum(sizes.values()) / 1e6:.2f} MB: "
              + ", ".join(f"{k} {v / 1e3:.0f} kB" for k, v in sizes.items()))
    notes = [line for c in w.chart_captions.values() for line in c.get("subtitle", []) if "showing" in line
             or "ranks" in line]
    for line in notes:
        print(f"    note on chart: {line}")
    w.close()


if __name__ == "__main__":
    main()
