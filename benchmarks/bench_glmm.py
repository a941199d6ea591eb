"""Time mixwidget.fit on the glmer reference models against lme4's glmer on the same models.

    python benchmarks/bench_glmm.py [--repeats 3] [--only cbpp_cbind grouse_crossed]

glmer's time is the median of three fits timed by tests/reference/glmm/make_glmm_reference.R
when the references were made (``lme4_fit_seconds``); ours is the median of ``--repeats`` fits
here. The ratio ours / glmer is printed per model with both log-likelihoods, so speed is never
bought with a different answer. Both are wall times on whatever else the machine was doing: run
on a quiet machine, and remake the references there (tests/reference/glmm/make.sh) to compare.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

from _timing import median_seconds

import mixwidget

GLMM = Path(__file__).resolve().parent.parent / "tests" / "reference" / "glmm"
sys.path.insert(0, str(GLMM))
import data as glmm_data  # noqa: E402  (the reference data sets, as the R script reads them)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--only", nargs="*", default=None, help="model ids (default: all in specs.json)")
    args = parser.parse_args()

    specs = json.loads((GLMM / "specs.json").read_text())
    print(f"{'model':22}{'rows':>7}{'ours':>10}{'glmer':>10}{'ratio':>8}{'logLik ours':>15}{'glmer':>13}")
    ratios = []
    for s in specs:
        if args.only and s["id"] not in args.only:
            continue
        ref = json.loads((GLMM / f"{s['id']}.json").read_text())
        data = glmm_data.frame(s["data"])

        def fit(s=s, data=data):
            return mixwidget.fit(s["formula"], data, family=s["family"], link=s.get("link"),
                                 weights=s.get("weights"), nagq=s.get("nAGQ", 1))

        ours, result = median_seconds(fit, args.repeats)
        theirs = ref["lme4_fit_seconds"]
        ratios.append(ours / theirs)
        print(f"{s['id']:22}{ref['nobs']:>7}{ours:>9.2f}s{theirs:>9.2f}s{ours / theirs:>7.2f}x"
              f"{result.loglik:>15.4f}{ref['logLik']:>13.4f}")
    if ratios:
        print(f"median ratio ours / glmer: {statistics.median(ratios):.2f}x "
              f"(range {min(ratios):.2f}x to {max(ratios):.2f}x over {len(ratios)} models)")


if __name__ == "__main__":
    main()
