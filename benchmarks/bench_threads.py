"""Fits on a busy machine: the library's default BLAS threads against ours (one thread for small fits).

    python benchmarks/bench_threads.py [--repeats 8] [--big-repeats 2] [--load N]

Starts ``N`` busy processes (default: one per core) as the concurrent CPU load, then times
``mixwidget.fit`` on the science model and on a 73k-row model (InstEval, crossed students and
lecturers), alternating two settings in the same run:

- default: BLAS keeps its own thread count (one per core) for every fit (the peer);
- ours: :func:`mixwidget.engine.adapter.blas_threads` limits small fits to one BLAS thread.

Prints medians and the ratio default / ours; then the same without the load.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import time

import mixwidget
from mixwidget.engine import adapter as engine

SCIENCE = "like ~ sex + PrivPub + (1 | school) + (1 | school:class)"
INSTEVAL = "y ~ service + (1 | s) + (1 | d)"


def spin(stop) -> None:  # noqa: ANN001 - a multiprocessing Event
    x = 0
    while not stop.is_set():
        for _ in range(100_000):
            x += 1


def timed(formula: str, data, repeats: int, ours: bool) -> list[float]:  # noqa: ANN001
    shipped = engine.BLAS_THREADED_WORK
    engine.BLAS_THREADED_WORK = shipped if ours else 0.0  # 0: every fit counts as large, threads kept
    try:
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            mixwidget.fit(formula, data)
            times.append(time.perf_counter() - t0)
        return times
    finally:
        engine.BLAS_THREADED_WORK = shipped


def compare(label: str, formula: str, data, repeats: int) -> None:  # noqa: ANN001
    default: list[float] = []
    ours: list[float] = []
    for _ in range(repeats):  # alternate, so both settings see the same load
        default += timed(formula, data, 1, ours=False)
        ours += timed(formula, data, 1, ours=True)
    d, o = statistics.median(default) * 1e3, statistics.median(ours) * 1e3
    print(f"  {label:34s} default {d:9.1f} ms   ours {o:9.1f} ms   default/ours {d / o:5.2f}x   ({repeats} each)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=8)
    parser.add_argument("--big-repeats", type=int, default=2)
    parser.add_argument("--load", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()

    from mixedlm.datasets import load_insteval

    science = mixwidget.load_dataset("science")
    insteval = load_insteval()
    mixwidget.fit(SCIENCE, science)  # loads the engine; not measured
    print(f"{os.cpu_count()} cores; science model: {SCIENCE!r}; 73k-row model (InstEval): {INSTEVAL!r}")

    stop = multiprocessing.Event()
    load = [multiprocessing.Process(target=spin, args=(stop,), daemon=True) for _ in range(args.load)]
    for p in load:
        p.start()
    try:
        print(f"with {args.load} busy processes:")
        compare(f"science ({len(science)} rows)", SCIENCE, science, args.repeats)
        compare(f"InstEval ({len(insteval)} rows)", INSTEVAL, insteval, args.big_repeats)
    finally:
        stop.set()
        for p in load:
            p.join()
    print("without load:")
    compare(f"science ({len(science)} rows)", SCIENCE, science, args.repeats)
    compare(f"InstEval ({len(insteval)} rows)", INSTEVAL, insteval, args.big_repeats)


if __name__ == "__main__":
    main()
