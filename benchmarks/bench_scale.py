"""Scale: fit time and peak memory on synthetic data up to 10^6 rows and 10^4 groups, mixwidget vs lme4.

    python benchmarks/bench_scale.py [--sizes 10000 100000 1000000] [--per-group 100] [--no-r]

Each size has ``rows / per_group`` groups (10^6 rows: 10^4 groups) and a random intercept and
slope: ``y ~ x + (x | g)``. The data are written once to CSV; each tool then runs in a fresh
process that reads the CSV, notes its peak memory so far, fits, and notes its peak memory
again (``VmHWM`` of ``/proc/self/status``), so the figures are the fit's own.

- mixwidget: ``mixwidget.fit`` (design, mixedlm's fit, Satterthwaite df, summaries);
- lme4 (the peer, when ``Rscript`` with lme4 is installed): ``lmer(..., REML = TRUE)``, which
  computes no denominator df (lmerTest would add them).

Prints a table and the growth of time and memory from the smallest to the largest size.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

FORMULA = "y ~ x + (x | g)"

PYTHON_CHILD = r"""
import json, sys, time
import pandas as pd
import mixwidget

def hwm():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024

data = pd.read_csv(sys.argv[1], dtype={"g": str})
mixwidget.fit("y ~ x + (1 | g)", data.head(2000))  # loads the engine; not measured
before = hwm()
t0 = time.perf_counter()
fit = mixwidget.fit(sys.argv[2], data)
seconds = time.perf_counter() - t0
print(json.dumps({"seconds": seconds, "before_mb": before, "peak_mb": hwm(),
                  "loglik": fit.loglik, "slope": float(fit.fixed.loc["x", "estimate"])}))
"""

R_CHILD = r"""
suppressMessages(library(lme4))
args <- commandArgs(trailingOnly = TRUE)
hwm <- function() {
  s <- readLines("/proc/self/status")
  as.numeric(strsplit(trimws(sub("VmHWM:", "", s[grepl("^VmHWM:", s)])), " +")[[1]][1]) / 1024
}
d <- read.csv(args[1], colClasses = c(g = "character"))
d$g <- factor(d$g)
invisible(lmer(y ~ x + (1 | g), d[1:2000, ]))
before <- hwm()
t <- system.time(m <- lmer(as.formula(args[2]), d, REML = TRUE))[["elapsed"]]
cat(sprintf('{"seconds": %.6f, "before_mb": %.1f, "peak_mb": %.1f, "loglik": %.6f, "slope": %.8f}\n',
            t, before, hwm(), as.numeric(logLik(m)), fixef(m)[["x"]]))
"""


def make_data(rows: int, per_group: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    groups = max(rows // per_group, 2)
    g = rng.integers(0, groups, rows)
    x = rng.uniform(0, 10, rows)
    u0 = rng.normal(0, 1.0, groups)
    u1 = rng.normal(0, 0.3, groups)
    y = 2.0 + u0[g] + (0.5 + u1[g]) * x + rng.normal(0, 1.0, rows)
    return pd.DataFrame({"y": y, "x": x, "g": [f"g{i}" for i in g]})


def run(command: list[str]) -> dict[str, float] | None:
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 - fixed commands
    if done.returncode != 0:
        print(f"  failed: {done.stderr.strip()[-400:]}", file=sys.stderr)
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--per-group", type=int, default=100)
    parser.add_argument("--no-r", action="store_true", help="skip lme4")
    args = parser.parse_args()
    rscript = None if args.no_r else shutil.which("Rscript")
    print(f"model: {FORMULA}, REML; {args.per_group} rows per group")
    print(f"{'rows':>9} {'groups':>7}  {'tool':9} {'fit s':>8} {'peak MB':>8} {'fit +MB':>8}  {'logLik':>14}")
    results: dict[str, dict[int, dict[str, float]]] = {"mixwidget": {}, "lme4": {}}
    with tempfile.TemporaryDirectory() as tmp:
        for rows in args.sizes:
            path = Path(tmp) / f"data_{rows}.csv"
            data = make_data(rows, args.per_group)
            data.to_csv(path, index=False)
            groups = data["g"].nunique()
            del data
            tools = {"mixwidget": [sys.executable, "-c", PYTHON_CHILD, str(path), FORMULA]}
            if rscript:
                tools["lme4"] = [rscript, "-e", R_CHILD, str(path), FORMULA]
            for tool, command in tools.items():
                res = run(command)
                if res is None:
                    continue
                results[tool][rows] = res
                print(f"{rows:>9} {groups:>7}  {tool:9} {res['seconds']:8.2f} {res['peak_mb']:8.0f} "
                      f"{res['peak_mb'] - res['before_mb']:8.0f}  {res['loglik']:14.3f}", flush=True)
            if "lme4" in results and rows in results["lme4"] and rows in results["mixwidget"]:
                m, r = results["mixwidget"][rows], results["lme4"][rows]
                print(f"{'':>18} lme4 / mixwidget: time {r['seconds'] / m['seconds']:.2f}x, "
                      f"peak memory {r['peak_mb'] / m['peak_mb']:.2f}x; logLik differs by {abs(r['loglik'] - m['loglik']):.2g}")
    lo, hi = min(args.sizes), max(args.sizes)
    for tool, by_size in results.items():
        if lo in by_size and hi in by_size:
            a, b = by_size[lo], by_size[hi]
            print(f"{tool}: {lo} -> {hi} rows ({hi // lo}x): time {b['seconds'] / a['seconds']:.1f}x, "
                  f"peak memory {b['peak_mb'] / a['peak_mb']:.1f}x, fit's own memory "
                  f"{(b['peak_mb'] - b['before_mb']):.0f} MB vs {(a['peak_mb'] - a['before_mb']):.0f} MB")


if __name__ == "__main__":
    main()
