"""Time a check by simulation of a binary outcome (geepack's ohio, ``resp ~ age + smoke + (1 | id)``,
binomial; smoke set to 0) against lme4 doing the same study in R, in the same run.

    python benchmarks/bench_simulation_glmm.py [--nsim 100] [--repeats 1] [--no-r]

Ours: ``check_by_simulation`` with the truth's GLMM and the plain GLM as candidates, in this process
(``n_jobs=0``) and with the automatic worker choice. lme4 (when ``Rscript`` with lme4 is installed):
``simulate()`` from the same fit with smoke's coefficient 0, then ``refit()`` of the glmer fit and
``glm()`` on each response, timed by ``system.time`` (R's start and the first fit not counted). Both
print the false-positive rate of smoke's Wald z test at 5% with its 95% interval: different random
draws, so the rates agree within their Monte-Carlo uncertainty, not digit for digit.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from _timing import median_seconds

import mixwidget
from mixwidget.simulation.check import binomial_interval

FORMULA = "resp ~ age + smoke + (1 | id)"

R_CHILD = r"""
suppressMessages(library(lme4))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1]); d$id <- factor(d$id); nsim <- as.integer(args[2])
m <- glmer(resp ~ age + smoke + (1 | id), d, family = binomial)
beta <- fixef(m); beta[["smoke"]] <- 0
set.seed(1)
ys <- simulate(m, nsim = nsim, newparams = list(beta = beta, theta = getME(m, "theta")))
p <- function(fit) coef(summary(fit))["smoke", "Pr(>|z|)"]
t <- system.time(rej <- sapply(ys, function(y) {
  r <- suppressWarnings(suppressMessages(refit(m, y)))
  g <- glm(y ~ age + smoke, family = binomial, data = d)
  c(p(r) < 0.05, p(g) < 0.05)
}))[["elapsed"]]
cat(sprintf('{"seconds": %.3f, "glmm": %d, "glm": %d, "nsim": %d}\n', t, sum(rej[1, ]), sum(rej[2, ]), nsim))
"""


def _rate(k: int, n: int) -> str:
    low, high = binomial_interval(k, n)
    return f"{100 * k / n:5.1f}% [{100 * low:4.1f}, {100 * high:4.1f}]"


def _lme4(nsim: int, data) -> dict | None:
    rscript = shutil.which("Rscript")
    if rscript is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ohio.csv"
        data.to_csv(path, index=False)
        done = subprocess.run([rscript, "-e", R_CHILD, str(path), str(nsim)],  # noqa: S603 - fixed command
                              capture_output=True, text=True, check=False)
    if done.returncode != 0:
        print(f"lme4 failed: {done.stderr.strip()[-400:]}", file=sys.stderr)
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nsim", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--no-r", action="store_true", help="skip lme4")
    args = parser.parse_args()

    ohio = mixwidget.load_dataset("ohio")
    truth = mixwidget.fit(FORMULA, ohio, family="binomial")
    mixwidget.check_by_simulation(truth, None, nsim=2, n_jobs=0)  # warm-up: first-call costs

    def run(n_jobs):
        return lambda: mixwidget.check_by_simulation(truth, None, nsim=args.nsim, null_terms=["smoke"], seed=1,
                                                     n_jobs=n_jobs)

    print(f"{FORMULA}, binomial; {args.nsim} simulations with smoke = 0; GLMM and plain GLM refitted to each")
    print(f"{'tool':28}{'seconds':>9}{'per sim':>9}   {'GLMM false positives':24}{'GLM false positives':24}")
    results = {}
    for name, n_jobs in [("mixwidget, this process", 0), ("mixwidget, automatic", None)]:
        seconds, table = median_seconds(run(n_jobs), args.repeats, warm_up=False)
        smoke = table[table["term"] == "smoke"].set_index("label")
        n = int(smoke["n_ok"].iloc[0])
        k = [int(round(smoke.loc[lab, "rejection_rate"] * smoke.loc[lab, "n_ok"])) for lab in ["id", "plain GLM"]]
        results[name] = seconds
        print(f"{name:28}{seconds:9.2f}{seconds / args.nsim:9.3f}   {_rate(k[0], n):24}{_rate(k[1], n):24}"
              f"  workers {table.attrs['workers']}, failed GLMM fits {int(smoke.loc['id', 'n_failed'])}")
    peer = None if args.no_r else _lme4(args.nsim, ohio)
    if peer is not None:
        n = peer["nsim"]
        print(f"{'lme4 refit + glm':28}{peer['seconds']:9.2f}{peer['seconds'] / n:9.3f}   "
              f"{_rate(peer['glmm'], n):24}{_rate(peer['glm'], n):24}")
        for name, seconds in results.items():
            print(f"ratio {name} / lme4: {seconds / peer['seconds']:.2f}")


if __name__ == "__main__":
    main()
