"""What a pin or an unpin costs with many fits pinned.

    python benchmarks/bench_pins.py [--pins 40]

Pins ``--pins`` fits of the science data (random intercepts for school and class, with one
more fixed predictor each time), then times, from the page's message to the comparison being
updated: one more pin, and unpins. The comm thread's own part (the pin list and its summaries)
is timed apart. The peer is the comparison built from nothing, as every pin did before ML
refits were remembered per fit.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

import mixwidget
from mixwidget.views.comparison_view import comparison_payload


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pins", type=int, default=40)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    science = mixwidget.load_dataset("science")
    rng = np.random.default_rng(0)
    data = science.assign(**{f"x{i}": rng.normal(size=len(science)) for i in range(args.pins + args.repeats)})
    w = mixwidget.MixWidget(data, isolate=False)
    base = "like ~ sex + PrivPub + (1 | school) + (1 | school:class)"
    for i in range(args.pins):
        w.formula = f"{base} + x{i}"
        w.wait(120)
        w.pin()
    comm, pin_times, unpin_times = [], [], []
    for i in range(args.repeats):
        w.formula = f"{base} + x{args.pins + i}"
        w.wait(120)
        t0 = time.perf_counter()
        w._on_message(w, {"kind": "pin"}, None)
        comm.append(time.perf_counter() - t0)
        w.wait(300)
        pin_times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        w._on_message(w, {"kind": "unpin", "index": 0}, None)
        comm.append(time.perf_counter() - t0)
        w.wait(300)
        unpin_times.append(time.perf_counter() - t0)
    fresh = [mixwidget.fit(f.formula, w.data) for f in w.pinned_fits]  # the same fits, nothing remembered
    t0 = time.perf_counter()
    comparison_payload(fresh, list(w._pin_names))
    peer = time.perf_counter() - t0
    pm, um = statistics.median(pin_times), statistics.median(unpin_times)
    print(f"{len(w.pinned_fits)} pinned fits of the science data")
    print(f"comm thread per pin/unpin message:   median {statistics.median(comm) * 1e3:7.1f} ms")
    print(f"pin: message -> comparison + charts: median {pm:7.2f} s")
    print(f"unpin: message -> comparison + charts: median {um:5.2f} s")
    print(f"comparison built from nothing (peer): {peer:7.2f} s   ratio pin / peer {pm / peer:.2f}x, "
          f"unpin / peer {um / peer:.2f}x")
    w.close()


if __name__ == "__main__":
    main()
