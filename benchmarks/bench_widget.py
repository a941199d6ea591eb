"""Time a widget refit: from setting ``w.formula`` to the widget's state being updated.

Two moments are measured: the numbers (the ``current`` trait, which the tables show) and the
whole state including every chart's data (what ``w.wait()`` waits for).

    python benchmarks/bench_widget.py [--repeats 20] [--model science | cbpp | ohio]

Alternates the science model with and without its random terms (``cbpp``: a binomial model of
cbpp's herds with and without period; ``ohio``: a logistic model of the wheezing children with and
without smoke), so every step refits, and prints the median against ``mixwidget.fit`` alone on the
same formulas (the peer) in the same run: the difference is what the widget adds (worker hand-off,
summaries, charts, trait sync).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import pandas as pd

import mixwidget

SETTLE_S = 0.3
"""Pause before each timed step, so the widget's fit and the peer both start from an idle process
(timed back to back, each ran while the other's worker process and threads were still winding down,
and the peer came out 1.5-2.5x slower than on its own)."""

MODELS = {  # data, family, the two formulas alternated
    "science": ("science", "gaussian",
                ["like ~ sex + PrivPub + (1 | school) + (1 | school:class)", "like ~ sex + PrivPub"]),
    "cbpp": ("cbpp", "binomial", ["cbind(incidence, size - incidence) ~ period + (1 | herd)",
                                  "cbind(incidence, size - incidence) ~ 1 + (1 | herd)"]),
    "ohio": ("ohio", "binomial", ["resp ~ age + smoke + (1 | id)", "resp ~ age + (1 | id)"]),
}


def _data(name: str) -> pd.DataFrame:
    """A teaching data set, or cbpp as the glmer references read it (tests/reference/glmm/data.py)."""
    if name != "cbpp":
        return mixwidget.load_dataset(name)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "reference" / "glmm"))
    import data as glmm_data

    return glmm_data.frame(name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--model", choices=list(MODELS), default="science")
    args = parser.parse_args()
    name, family, formulas = MODELS[args.model]
    data = _data(name)

    w = mixwidget.MixWidget(data, formula=formulas[1], family=family)
    w.wait(60)  # first fit loads the engine; not measured
    for formula in formulas:  # each chart layout is built once per model structure; not measured
        w.formula = formula
        w.wait(60)
    shown: dict[str, float] = {}
    w.observe(lambda change: shown.__setitem__("t", time.perf_counter()), names="current")
    widget_times, table_times, fit_times = [], [], []
    for i in range(args.repeats):
        formula = formulas[i % 2]
        time.sleep(SETTLE_S)
        t0 = time.perf_counter()
        w.formula = formula
        w.wait(60)
        widget_times.append(time.perf_counter() - t0)
        table_times.append(shown["t"] - t0)
        assert w.current is not None and w.current["formula"] == formula
        time.sleep(SETTLE_S)
        t0 = time.perf_counter()
        mixwidget.fit(formula, data, family=family)
        fit_times.append(time.perf_counter() - t0)

    print(f"{args.repeats} refits alternating ({family}): {formulas[0]!r} / {formulas[1]!r}")
    for k, formula in enumerate(formulas):
        wm, tm, fm = (statistics.median(x[k::2]) * 1e3 for x in (widget_times, table_times, fit_times))
        print(f"{formula}")
        print(f"  widget: set formula -> numbers updated        median {tm:7.1f} ms")
        print(f"  widget: set formula -> every chart's data     median {wm:7.1f} ms")
        print(f"  mixwidget.fit alone (peer)                    median {fm:7.1f} ms")
        print(f"  ratio numbers / fit {tm / fm:.2f}x, charts / fit {wm / fm:.2f}x (goal: charts at most 1.5x the fit)")


if __name__ == "__main__":
    main()
