"""Every chart's data per refit: what the widget computes for each new fit after the fit itself.

    python benchmarks/bench_chart_data.py [--fits 30]

For each teaching model (science's nested intercepts, sleepstudy's random slope, ChickWeight's
slope-only term with diet panels), ``--fits`` fresh fits are made, as refits make them (all of
them first: right after a fit, its BLAS threads winding down slow whatever runs next). Then the
widget's board builds each fit's charts (``ChartBoard.build``: a new fit has nothing cached) and
each chart's ``data()`` is timed inside it. Prints each chart's median ``data()`` time and their
sum against the median time of ``mixwidget.fit`` of the same model (the peer) in the same run,
with the load average. On a busy machine the figures vary from run to run: repeat the run.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import time
from collections.abc import Callable

import mixwidget
from mixwidget.views.chartboard import ChartBoard
from mixwidget.views.charts import CHARTS

MODELS = [
    ("science", "like ~ sex + PrivPub + (1 | school) + (1 | school:class)"),
    ("sleepstudy", "Reaction ~ Days + (Days | Subject)"),
    ("ChickWeight", "sqrt(weight) ~ Time + (Time - 1 | Chick) + Diet:Time"),
]

times: dict[str, list[float]] = {name: [] for name in CHARTS}


def _timed(name: str, fn: Callable) -> Callable:
    def wrapper(request):  # noqa: ANN001, ANN202 - a chart's data function, timed
        t0 = time.perf_counter()
        try:
            return fn(request)
        finally:
            times[name].append(time.perf_counter() - t0)

    return wrapper


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fits", type=int, default=30)
    args = parser.parse_args()
    for name, chart in list(CHARTS.items()):
        CHARTS[name] = dataclasses.replace(chart, data=_timed(name, chart.data))
    print(f"load average {os.getloadavg()[0]:.1f}; medians over {args.fits} fits (ms)")
    for name, formula in MODELS:
        data = mixwidget.load_dataset(name)
        board = ChartBoard()
        board.build(mixwidget.fit(formula, data), {}, None)  # specs and first-call costs: not measured
        fit_times, fits = [], []
        for _ in range(args.fits):
            t0 = time.perf_counter()
            fits.append(mixwidget.fit(formula, data))
            fit_times.append(time.perf_counter() - t0)
        for chart_times in times.values():
            chart_times.clear()
        for fitted in fits:
            board.build(fitted, {}, None)
        fit_ms = 1000 * statistics.median(fit_times)
        medians = {chart: 1000 * statistics.median(t) for chart, t in times.items()}
        total = sum(medians.values())
        print(f"{name}: {formula}")
        print(f"  fit alone (peer) {fit_ms:.1f}; every chart's data {total:.2f} ({total / fit_ms:.2f}x the fit)")
        print("  " + ", ".join(f"{chart} {ms:.2f}" for chart, ms in medians.items()))


if __name__ == "__main__":
    main()
