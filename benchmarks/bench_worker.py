"""What fitting in a worker process costs: per refit, and to start (or restart) the worker.

    python benchmarks/bench_worker.py [--repeats 30]

Per refit: the science model fitted by a :class:`~mixwidget.jobs.worker.ProcessWorker` holding the
data (the formula goes over, the fit comes back pickled, the data re-attached) against the
same fit in this thread (the peer), alternating REML and ML so every step fits. Prints the
medians, their ratio and the difference, and the size of one pickled fit.

Start: from ``start()`` to the first answer (child start-up, the data sent once, engine
warm-up), with ``forkserver`` and with ``spawn``; and how long a stop takes until the next
fit is shown (the worker is restarted in the background meanwhile).
"""

from __future__ import annotations

import argparse
import os
import pickle
import statistics
import time

import mixwidget
from mixwidget.jobs.worker import ProcessWorker
from mixwidget.widget import fitjobs

FORMULA = "like ~ sex + PrivPub + (1 | school) + (1 | school:class)"


def refit_costs(science, repeats: int) -> None:
    worker = ProcessWorker(fitjobs.setup, science, preload=fitjobs.PRELOAD)
    worker.run(fitjobs.fit_job, FORMULA, True)  # start-up and warm-up: not measured here
    remote, local = [], []
    for i in range(repeats):
        reml = i % 2 == 0
        t0 = time.perf_counter()
        fitjobs.attach(worker.run(fitjobs.fit_job, FORMULA, reml), science)
        remote.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        fitjobs.attach(fitjobs.fit_job(science, FORMULA, reml), science)
        local.append(time.perf_counter() - t0)
    size = len(pickle.dumps(fitjobs.fit_job(science, FORMULA, True), protocol=pickle.HIGHEST_PROTOCOL))
    worker.close()
    rm, lm = statistics.median(remote) * 1e3, statistics.median(local) * 1e3
    print(f"{repeats} refits of {FORMULA!r} (REML and ML alternating), {len(science)} rows")
    print(f"worker process: median {rm:6.1f} ms")
    print(f"in this thread: median {lm:6.1f} ms   (peer)")
    print(f"ratio worker / thread: {rm / lm:.2f}x   difference {rm - lm:+.1f} ms   one fit pickled: {size / 1e3:.0f} kB")


def start_costs(science, method: str, repeats: int) -> None:
    os.environ["MIXWIDGET_START_METHOD"] = method
    times = []
    for _ in range(repeats):
        worker = ProcessWorker(fitjobs.setup, science, preload=fitjobs.PRELOAD)
        t0 = time.perf_counter()
        worker.start()
        worker.run(fitjobs.fit_job, "like ~ sex", True)
        times.append(time.perf_counter() - t0)
        worker.close()
    print(f"start with {method:10s} (start-up + data + warm-up + one small fit): median {statistics.median(times):5.2f} s")


def stop_costs(science, repeats: int) -> None:
    worker = ProcessWorker(fitjobs.setup, science, preload=fitjobs.PRELOAD)
    worker.run(fitjobs.fit_job, "like ~ sex", True)
    times = []
    for _ in range(repeats):
        worker.stop()  # nothing runs: no effect
        t0 = time.perf_counter()
        worker.restart()
        worker.run(fitjobs.fit_job, FORMULA, True)
        times.append(time.perf_counter() - t0)
    worker.close()
    print(f"stop (restart) -> next fit back:                               median {statistics.median(times):5.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    science = mixwidget.load_dataset("science")
    refit_costs(science, args.repeats)
    for method in ("forkserver", "spawn"):
        start_costs(science, method, 3)
    os.environ.pop("MIXWIDGET_START_METHOD")
    stop_costs(science, 3)


if __name__ == "__main__":
    main()
