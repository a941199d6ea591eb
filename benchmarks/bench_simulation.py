"""Time a check by simulation (200 simulations x 3 candidates on the science model): in this
process, in worker processes, and statsmodels MixedLM doing the same refits, in the same run.

    python benchmarks/bench_simulation.py [--nsim 200] [--repeats 3] [--peer-fits 5]

statsmodels has no refit-to-a-new-response path, so its time is its median per-fit time on
simulated responses (``--peer-fits`` of each mixed candidate) times the number of refits;
least squares is the same numpy solve for both and is counted at our cost.
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings

import statsmodels.formula.api as smf
from _timing import median_seconds

import mixwidget
from mixwidget.simulation.simrun import available_cores

TRUTH = "like ~ sex + PrivPub + (1 | school) + (1 | school:class)"
CANDIDATES = [TRUTH, "like ~ sex + PrivPub + (1 | school)", "like ~ sex + PrivPub"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nsim", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--peer-fits", type=int, default=5)
    args = parser.parse_args()

    science = mixwidget.load_dataset("science")
    truth = mixwidget.fit(TRUTH, science)
    mixwidget.check_by_simulation(truth, CANDIDATES, nsim=2, n_jobs=0)  # warm-up: first-call costs

    def run(n_jobs):
        return lambda: mixwidget.check_by_simulation(
            truth, CANDIDATES, nsim=args.nsim, null_terms=["PrivPubpublic"], seed=1, n_jobs=n_jobs
        )

    cores = available_cores()
    serial, table = median_seconds(run(0), args.repeats, warm_up=False)
    parallel, par_table = median_seconds(run(cores), args.repeats, warm_up=False) if cores > 1 else (float("nan"), None)
    auto, auto_table = median_seconds(run(None), args.repeats, warm_up=False)

    # statsmodels MixedLM on the same simulated responses (school + class: a variance component).
    sims = mixwidget.simulate(truth, nsim=args.peer_fits, seed=1)
    rows = science.loc[sims.index].assign(
        sc=lambda d: d["school"].astype(str) + ":" + d["class"].astype(str)
    )
    peer_times = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for col in sims.columns:
            data = rows.assign(like=sims[col].to_numpy())
            for kwargs in ({"vc_formula": {"sc": "0 + C(sc)"}}, {}):
                t0 = time.perf_counter()
                smf.mixedlm("like ~ sex + PrivPub", data, groups="school", re_formula="1", **kwargs).fit(reml=True)
                peer_times.append(time.perf_counter() - t0)
    ols_share = serial / 3  # generous to the peer: least squares counted at a third of our total
    peer = statistics.median(peer_times) * 2 * args.nsim + ols_share

    n_fits = args.nsim * len(CANDIDATES)
    print(f"check by simulation: {args.nsim} simulations x {len(CANDIDATES)} candidates = {n_fits} refits, "
          f"science model, {cores} cores")
    print(f"{'':44}{'median':>10}{'per refit':>12}{'vs ours':>10}")
    print(f"{'mixwidget, this process (n_jobs=0)':44}{serial:>9.2f}s{serial / n_fits * 1e3:>10.1f}ms{1:>10.2f}")
    if cores > 1:
        label = f"mixwidget, {cores} worker processes"
        print(f"{label:44}{parallel:>9.2f}s{parallel / n_fits * 1e3:>10.1f}ms{parallel / serial:>10.2f}")
    workers = auto_table.attrs["workers"]
    label = f"mixwidget, automatic ({workers or 'no'} workers)"
    print(f"{label:44}{auto:>9.2f}s{auto / n_fits * 1e3:>10.1f}ms{auto / serial:>10.2f}")
    print(f"{'statsmodels MixedLM (per-fit time x count)':44}{peer:>9.2f}s{peer / n_fits * 1e3:>10.1f}ms"
          f"{peer / serial:>10.2f}")
    print(f"statsmodels / mixwidget serial: {peer / serial:.1f}x; parallel speed-up: {serial / parallel:.2f}x"
          if cores > 1 else f"statsmodels / mixwidget: {peer / serial:.1f}x")
    ls = table[(table["label"] == "least squares") & (table["term"] == "PrivPubpublic")].iloc[0]
    right = table[(table["label"] == "school + class") & (table["term"] == "PrivPubpublic")].iloc[0]
    print(f"answer: least squares rejects a true null {ls['rejection_rate']:.1%}, school + class "
          f"{right['rejection_rate']:.1%} (same in every mode: "
          f"{par_table is None or par_table['rejection_rate'].equals(table['rejection_rate'])})")


if __name__ == "__main__":
    main()
