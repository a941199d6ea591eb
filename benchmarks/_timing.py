"""The timer the benchmarks share: the median wall time of repeated calls.

Run a benchmark as a script (``python benchmarks/bench_fit.py``); its folder is then on the
import path, so ``from _timing import median_seconds`` finds this file.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import TypeVar

__all__ = ["median_seconds", "print_median_ratio"]

T = TypeVar("T")


def median_seconds(fn: Callable[[], T], repeats: int, *, warm_up: bool = True) -> tuple[float, T]:
    """The median wall time of ``repeats`` calls of ``fn``, in seconds, and the last call's result.

    Parameters
    ----------
    fn : callable
        What to time, called without arguments.
    repeats : int
        How many timed calls (at least one).
    warm_up : bool, default True
        Call ``fn`` once first, untimed: module loading and first-call costs are not what we measure.
    """
    if repeats < 1:
        raise ValueError(f"repeats must be at least 1, not {repeats}")
    if warm_up:
        fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def print_median_ratio(ratios: list[float], versus: str) -> None:
    """Print the median of the ratios ours / ``versus`` over the models, with their range."""
    if ratios:
        print(f"median ratio ours / {versus}: {statistics.median(ratios):.2f}x "
              f"(range {min(ratios):.2f}x to {max(ratios):.2f}x over {len(ratios)} models)")
