"""InstEval in the widget: the fit, then every chart, and how much chart data goes to the browser.

    python benchmarks/bench_insteval.py [--formula "y ~ service + dept + (1 | s) + (1 | d)"]

InstEval (lme4; 73,421 ratings of 1,128 lecturers by 2,972 students) from mixedlm's
``load_insteval``. Two refits of the widget are timed: the first formula (its chart specs are
new, the least-squares baseline is fitted) and the same model by ML (same structure: only data
and titles change). For each: the fit alone (the status's time, the peer), the time from the
numbers on show to every chart's data set, and the size of the chart data as JSON.
"""

from __future__ import annotations

import argparse
import json
import time

import mixwidget

FORMULA = "y ~ service + dept + (1 | s) + (1 | d)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--formula", default=FORMULA)
    args = parser.parse_args()
    from mixedlm.datasets import load_insteval

    data = load_insteval()
    w = mixwidget.MixWidget(data)
    moments: dict[str, float] = {}
    w.observe(lambda change: moments.__setitem__("numbers", time.perf_counter()), names="current")
    w.observe(lambda change: moments.__setitem__("charts", time.perf_counter()), names="chart_data")
    print(f"InstEval: {len(data)} rows; {args.formula!r}")
    for label, change in (("first fit (new specs, baseline)", {"formula": args.formula}),
                          ("refit by ML (same structure)", {"reml": False})):
        moments.clear()
        t0 = time.perf_counter()
        for name, value in change.items():
            setattr(w, name, value)
        w.wait(3600)
        total = time.perf_counter() - t0
        fit_ms = w.status.get("elapsed_ms") or float("nan")
        charts = (moments["charts"] - moments["numbers"]) * 1e3
        sizes = {name: len(json.dumps(rows)) for name, rows in w.chart_data.items()}
        print(f"{label}:")
        print(f"  fit (status, peer)          {fit_ms / 1e3:8.2f} s")
        print(f"  numbers on show -> charts   {charts / 1e3:8.2f} s   ({charts / fit_ms:.3f}x the fit)")
        print(f"  set formula -> every chart  {total:8.2f} s")
        print(f"  chart data {sum(sizes.values()) / 1e6:.2f} MB: "
              + ", ".join(f"{k} {v / 1e3:.0f} kB" for k, v in sizes.items()))
        notes = [line for c in w.chart_captions.values() for line in c.get("subtitle", []) if "showing" in line
                 or "ranks" in line]
        for line in notes:
            print(f"    note on chart: {line}")


if __name__ == "__main__":
    main()
