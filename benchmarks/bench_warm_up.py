"""The charts' templates built in the background: widget creation -> first fit shown, with and without.

    python benchmarks/bench_warm_up.py [--repeats 5] [--data science|insteval]

Each run is a fresh Python process (the templates are cached per process): it loads the data and
mixwidget, then times ``MixWidget(data, formula=...)`` until the first fit's charts are set
(the widget starts building its chart templates in a background thread, and its engine in a
worker process), waits 3 s as a user would before typing, and times a new formula until its
charts are set. Runs with the warm-up (the widget as shipped) and without it (the peer:
``mixwidget.widget.explorer._warm_charts`` replaced by a no-op) alternate; medians and ratios are printed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

FORMULAS = {
    "science": ("like ~ sex + PrivPub + (1 | school) + (1 | school:class)", "like ~ sex + (1 | school:class)"),
    "insteval": ("y ~ service + dept + (1 | s) + (1 | d)", "y ~ service + (1 | s) + (1 | d) + (1 | dept)"),
}


def child(data_name: str, warm: bool) -> None:
    import mixwidget
    from mixwidget.widget import explorer as widget

    if data_name == "insteval":
        from mixedlm.datasets import load_insteval

        data = load_insteval()
    else:
        data = mixwidget.load_dataset(data_name)
    if not warm:
        widget._warm_charts = lambda *args: None
    first, other = FORMULAS[data_name]
    shown: dict[str, float] = {}
    t0 = time.perf_counter()
    w = widget.MixWidget(data, formula=first)
    w.observe(lambda change: shown.__setitem__("first", time.perf_counter()), names="chart_data")
    w.wait(600)
    created = shown.get("first", time.perf_counter()) - t0
    fit_first = (w.status.get("elapsed_ms") or float("nan")) / 1e3
    time.sleep(3)
    w.observe(lambda change: shown.__setitem__("other", time.perf_counter()), names="chart_data")
    t1 = time.perf_counter()
    w.formula = other
    w.wait(600)
    fit_other = (w.status.get("elapsed_ms") or float("nan")) / 1e3
    new = shown["other"] - t1
    print(json.dumps({"first": created, "first_fit": fit_first, "other": new, "other_fit": fit_other}))
    w.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--data", choices=list(FORMULAS), default="science")
    parser.add_argument("--child", choices=["on", "off"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.data, args.child == "on")
        return
    results: dict[str, list[dict[str, float]]] = {"on": [], "off": []}
    loads = []
    for i in range(args.repeats):
        for mode in (("on", "off") if i % 2 == 0 else ("off", "on")):
            out = subprocess.run([sys.executable, __file__, "--data", args.data, "--child", mode],  # noqa: S603
                                 capture_output=True, text=True, check=True)
            results[mode].append(json.loads(out.stdout.strip().splitlines()[-1]))
            loads.append(os.getloadavg()[0])
    first, other = FORMULAS[args.data]
    print(f"{args.data}: {args.repeats} fresh processes each, with and without the chart warm-up; "
          f"load average {min(loads):.1f}-{max(loads):.1f}")
    for label, what, fit in (("creation -> first fit's charts", "first", "first_fit"),
                             ("new formula -> its charts", "other", "other_fit")):
        on = statistics.median(r[what] for r in results["on"])
        off = statistics.median(r[what] for r in results["off"])
        on_after = statistics.median(r[what] - r[fit] for r in results["on"])
        off_after = statistics.median(r[what] - r[fit] for r in results["off"])
        formula = first if what == "first" else other
        print(f"  {label} ({formula!r}):")
        print(f"    with warm-up {on * 1e3:7.0f} ms ({on_after * 1e3:.0f} ms after the fit)   "
              f"without (peer) {off * 1e3:7.0f} ms ({off_after * 1e3:.0f} ms after the fit)   ratio {on / off:.2f}")
        for mode in ("on", "off"):
            runs = ", ".join(f"{r[what] * 1e3:.0f}" for r in results[mode])
            print(f"      {'with' if mode == 'on' else 'without'}, each run (ms): {runs}")


if __name__ == "__main__":
    main()
