"""What the prediction chart adds to a widget refit, and how fast it follows a group selection.

    python benchmarks/bench_prediction.py [--repeats 20]

Two explorers on the science data refit in turn (interleaved, so machine load hits both alike):
one with every chart, as shipped, and one whose board leaves the prediction chart out (the
peer). Each alternates the school + class model with a pinned school-only model and the OLS
baseline beside it, and times ``w.formula = ...`` until the whole state (numbers and every
chart's data) is updated. Then it times a selection (``w.selected = class``), which rebuilds only
the prediction chart's data, and the chart's data function alone. Wall times on a shared machine depend on the load, so the
CPU time of this process (all its threads) is printed too.
"""

from __future__ import annotations

import argparse
import statistics
import time
from functools import partial

import mixwidget
from mixwidget.views.charts import CHARTS, ChartRequest, chart_data

FORMULAS = ["like ~ sex + PrivPub + (1 | school) + (1 | school:class)", "like ~ sex + PrivPub + (1 | school:class)"]
BUDGET_MS = 100  # the widget's refit target (benchmarks/bench_widget.py), beyond the fit itself


def explorer(science, with_prediction: bool) -> mixwidget.MixWidget:
    w = mixwidget.MixWidget(science, formula="like ~ sex + PrivPub + (1 | school)")
    w.wait(60)
    w.pin()  # a pinned model: the prediction chart compares it with the current one and OLS
    if not with_prediction:
        w._board.build = partial(w._board.build, names=[n for n in CHARTS if n != "prediction"])
    for formula in FORMULAS:  # each chart layout is built once per model structure; not measured
        w.formula = formula
        w.wait(60)
    return w


def refit_ms(w: mixwidget.MixWidget, formula: str) -> tuple[float, float]:
    """Wall time and CPU time of this process (all threads) for one refit, in ms."""
    t0, c0 = time.perf_counter(), time.process_time()
    w.formula = formula
    w.wait(60)
    return (time.perf_counter() - t0) * 1e3, (time.process_time() - c0) * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    science = mixwidget.load_dataset("science")
    full, peer = explorer(science, True), explorer(science, False)
    assert "prediction" in full.chart_data and "prediction" not in peer.chart_data

    with_times, without_times, fit_times = [], [], []
    with_cpu, without_cpu, fit_cpu = [], [], []
    for i in range(args.repeats):
        formula = FORMULAS[i % 2]
        wall, cpu = refit_ms(full, formula)
        with_times.append(wall)
        with_cpu.append(cpu)
        wall, cpu = refit_ms(peer, formula)
        without_times.append(wall)
        without_cpu.append(cpu)
        t0, c0 = time.perf_counter(), time.process_time()
        mixwidget.fit(formula, science)
        fit_times.append((time.perf_counter() - t0) * 1e3)
        fit_cpu.append((time.process_time() - c0) * 1e3)

    full.formula = FORMULAS[0]
    full.wait(60)
    levels = list(full.fit.ranef.loc[full.fit.ranef["group"] == "school:class", "level"])
    select_times, data_times = [], []
    request_fits = full._board.fits(full.fit, full._pinned_by_name())
    for i in range(args.repeats):
        level = levels[(7 * i) % len(levels)]
        t0 = time.perf_counter()
        full.selected = level
        select_times.append((time.perf_counter() - t0) * 1e3)
        assert f"({'school:class'} {level})" in full.chart_captions["prediction"]["title"]
        t0 = time.perf_counter()
        chart_data("prediction", ChartRequest(request_fits, "Current", group="school:class",
                                              options={"selected": level}))
        data_times.append((time.perf_counter() - t0) * 1e3)

    # The charts alone, without the widget's threads and trait sync: one board, every chart or all
    # but prediction, on fresh fits of the two models (so nothing is cached from the fit before).
    board, pinned = full._board, full._pinned_by_name()
    others = [n for n in CHARTS if n != "prediction"]
    fresh = [mixwidget.fit(FORMULAS[i % 2], science) for i in range(2 * args.repeats)]
    board_with, board_without = [], []
    for i in range(args.repeats):
        for current, names, out in ((fresh[2 * i], None, board_with), (fresh[2 * i + 1], others, board_without)):
            c0 = time.process_time()
            board.build(current, pinned, "school:class", names=names)
            out.append((time.process_time() - c0) * 1e3)
    board_both = []
    for i in range(args.repeats):  # the same fits again: with and without on equal terms
        current = fresh[i]
        c0 = time.process_time()
        board.build(current, pinned, "school:class")
        t_with = time.process_time() - c0
        c0 = time.process_time()
        board.build(current, pinned, "school:class", names=others)
        board_both.append((t_with - (time.process_time() - c0)) * 1e3)

    med = statistics.median
    w, wo, f = med(with_times), med(without_times), med(fit_times)
    print(f"{args.repeats} refits alternating {FORMULAS[0]!r} / {FORMULAS[1]!r}, one pinned model + OLS")
    print(f"whole state, every chart (with prediction)  median {w:6.1f} ms   max {max(with_times):6.1f} ms")
    print(f"whole state, without the prediction chart   median {wo:6.1f} ms   max {max(without_times):6.1f} ms")
    print(f"mixwidget.fit alone                         median {f:6.1f} ms")
    print(f"ratio with / without prediction: {w / wo:.2f}x; the chart adds {w - wo:+.1f} ms per refit")
    print(f"whole state beyond the fit: {w - f:.1f} ms with prediction, {wo - f:.1f} ms without "
          f"(budget {BUDGET_MS} ms: {'inside' if w - f <= BUDGET_MS else 'OVER'})")
    cw, cwo, cf = med(with_cpu), med(without_cpu), med(fit_cpu)
    print(f"CPU time of this process (other processes' load does not count): with {cw:.1f} ms, without "
          f"{cwo:.1f} ms, fit alone {cf:.1f} ms; ratio {cw / cwo:.2f}x; beyond the fit {cw - cf:.1f} ms "
          f"with prediction, {cwo - cf:.1f} ms without (budget {BUDGET_MS} ms: "
          f"{'inside' if cw - cf <= BUDGET_MS else 'OVER'})")
    print(f"chart board CPU per refit: every chart {med(board_with):.1f} ms, all but prediction "
          f"{med(board_without):.1f} ms; the prediction chart's own share {med(board_both):.1f} ms")
    print(f"selection -> prediction chart updated       median {med(select_times):6.1f} ms   "
          f"max {max(select_times):6.1f} ms")
    print(f"prediction chart data alone (3 models)      median {med(data_times):6.1f} ms")


if __name__ == "__main__":
    main()
