"""Time mixwidget.fit on the science model against statsmodels MixedLM, in the same run.

    python benchmarks/bench_fit.py [--repeats 15]

Prints the median wall time of each, their ratio, and both answers' PrivPub t-value next to
lme4's (2.217), so speed is never bought with a different answer.
"""

from __future__ import annotations

import argparse
import warnings

import statsmodels.formula.api as smf
from _timing import median_seconds

import mixwidget

FORMULA = "like ~ sex + PrivPub + (1 | school) + (1 | school:class)"
LME4_T = 2.217


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()

    science = mixwidget.load_dataset("science").dropna(subset=["sex"])
    ours, ours_fit = median_seconds(lambda: mixwidget.fit(FORMULA, science), args.repeats)

    sm_data = science.assign(sc=science["school"].astype(str) + ":" + science["class"].astype(str))

    def statsmodels_fit():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = smf.mixedlm(
                "like ~ sex + PrivPub", sm_data, groups="school", re_formula="1", vc_formula={"sc": "0 + C(sc)"}
            )
            return model.fit(reml=True)

    peer, peer_fit = median_seconds(statsmodels_fit, max(3, args.repeats // 3))

    t_ours = ours_fit.fixed.loc["PrivPubpublic", "t_value"]
    t_peer = peer_fit.tvalues["PrivPub[T.public]"]
    print(f"science model: {FORMULA}")
    print(f"{'':28}{'median':>10}{'PrivPub t':>12}{'logLik':>14}")
    print(f"{'mixwidget.fit (mixedlm)':28}{ours * 1e3:>8.1f}ms{t_ours:>12.3f}{ours_fit.loglik:>14.4f}")
    print(f"{'statsmodels MixedLM':28}{peer * 1e3:>8.1f}ms{t_peer:>12.3f}{peer_fit.llf:>14.4f}")
    print(f"{'lme4 (reference)':28}{'':>10}{LME4_T:>12.3f}{-2773.2741:>14.4f}")
    print(f"ratio statsmodels / mixwidget: {peer / ours:.1f}x")


if __name__ == "__main__":
    main()
