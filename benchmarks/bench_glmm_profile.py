"""Time profile-likelihood intervals of the glmer reference models against lme4's ``profile()``.

    python benchmarks/bench_glmm_profile.py [--repeats 1] [--only cbpp_cbind contra_slope]

For each model marked ``profile_variance`` in tests/reference/glmm/specs.json: the median wall time of
``fit.confint(method="profile")`` (every parameter: the random effects' SDs and correlations, then the
fixed effects) and of the variance parameters alone (what the explorer's "95% CI" column asks for),
against lme4's ``profile(m)`` of every parameter, timed by make_glmm_profile.R when the references were
made (``lme4_profile_seconds``). The largest difference of our variance ends from lme4's (relative, at
level 0.95, against the ends on lme4's exact profile) is printed beside, so speed is never bought with a
different answer. Both are wall times on whatever else the machine was doing.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from _timing import median_seconds, print_median_ratio

import mixwidget
from mixwidget.model.confint import variance_profile

GLMM = Path(__file__).resolve().parent.parent / "tests" / "reference" / "glmm"
sys.path.insert(0, str(GLMM))
import data as glmm_data  # noqa: E402  (the reference data sets, as the R script reads them)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--only", nargs="*", default=None, help="model ids (default: every profiled one)")
    args = parser.parse_args()

    specs = [s for s in json.loads((GLMM / "specs.json").read_text()) if s.get("profile_variance")]
    print(f"{'model':16}{'all ours':>10}{'lme4':>10}{'ratio':>8}{'SDs/cors':>10}{'ratio':>8}{'max rel diff':>14}")
    ratios = []
    for s in specs:
        if args.only and s["id"] not in args.only:
            continue
        ref = json.loads((GLMM / f"{s['id']}.profile.json").read_text())
        fit = mixwidget.fit(s["formula"], glmm_data.frame(s["data"]), family=s["family"], link=s.get("link"),
                            weights=s.get("weights"), nagq=s.get("nAGQ", 1))
        every, _ = median_seconds(lambda fit=fit: fit.confint(method="profile"), args.repeats, warm_up=False)
        variance, (lower, upper) = median_seconds(lambda fit=fit: variance_profile(fit), args.repeats, warm_up=False)
        exact = np.r_[np.atleast_1d(ref["check"]["lower_exact"]), np.atleast_1d(ref["check"]["upper_exact"])]
        ours = np.r_[lower, upper]
        inside = exact != 0
        diff = float(np.max(np.abs(ours[inside] - exact[inside]) / np.abs(exact[inside])))
        theirs = ref["lme4_profile_seconds"]
        ratios.append(every / theirs)
        print(f"{s['id']:16}{every:>9.2f}s{theirs:>9.2f}s{every / theirs:>7.2f}x{variance:>9.2f}s"
              f"{variance / theirs:>7.2f}x{diff:>14.1e}")
    print_median_ratio(ratios, "lme4 (every parameter)")


if __name__ == "__main__":
    main()
