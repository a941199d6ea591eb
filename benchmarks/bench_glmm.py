"""Time mixwidget.fit on the glmer reference models against lme4's glmer on the same models.

    python benchmarks/bench_glmm.py [--repeats 3] [--only cbpp_cbind grouse_crossed] [--glmer-now]

glmer's time is the median of three fits timed by tests/reference/glmm/make_glmm_reference.R
when the references were made (``lme4_fit_seconds``), or with ``--glmer-now`` the median of
``--repeats`` fits by R in this run (benchmarks/glmer_times.R, after one untimed fit, as ours; needs
Rscript with lme4); ours is the median of ``--repeats`` fits here. The ratio ours / glmer is printed
per model with both log-likelihoods, so speed is never bought with a different answer. Both are
wall times on whatever else the machine was doing: ``--glmer-now`` times both under the same load.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from _timing import median_seconds, print_median_ratio

import mixwidget

GLMM = Path(__file__).resolve().parent.parent / "tests" / "reference" / "glmm"
sys.path.insert(0, str(GLMM))
import data as glmm_data  # noqa: E402  (the reference data sets, as the R script reads them)


def glmer_now(ids: list[str], repeats: int) -> dict[str, float]:
    """glmer's median time per model id, timed by R now (the CSV files written by the references' data.py)."""
    with tempfile.TemporaryDirectory() as work:
        for name in {s["data"] for s in json.loads((GLMM / "specs.json").read_text()) if s["id"] in ids}:
            glmm_data.frame(name, categorical=False).to_csv(Path(work) / f"{name}.csv", index=False)
        script = Path(__file__).resolve().parent / "glmer_times.R"
        command = ["Rscript", str(script), str(GLMM / "specs.json"), str(repeats), *ids]
        out = subprocess.run(command, cwd=work, capture_output=True, text=True,  # noqa: S603, S607 - fixed command
                             check=True).stdout
    return {line.split()[0]: float(line.split()[1]) for line in out.splitlines() if line.strip()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--only", nargs="*", default=None, help="model ids (default: all in specs.json)")
    parser.add_argument("--glmer-now", action="store_true", help="time glmer by R in this run (else: stored times)")
    args = parser.parse_args()

    specs = [s for s in json.loads((GLMM / "specs.json").read_text()) if not args.only or s["id"] in args.only]
    peer = glmer_now([s["id"] for s in specs], args.repeats) if args.glmer_now else {}
    print("glmer: timed in this run" if peer else "glmer: the times stored with the references")
    print(f"{'model':22}{'rows':>7}{'ours':>10}{'glmer':>10}{'ratio':>8}{'logLik ours':>15}{'glmer':>13}")
    ratios = []
    for s in specs:
        ref = json.loads((GLMM / f"{s['id']}.json").read_text())
        data = glmm_data.frame(s["data"])

        def fit(s=s, data=data):
            return mixwidget.fit(s["formula"], data, family=s["family"], link=s.get("link"),
                                 weights=s.get("weights"), nagq=s.get("nAGQ", 1))

        ours, result = median_seconds(fit, args.repeats)
        theirs = peer.get(s["id"], ref["lme4_fit_seconds"])
        ratios.append(ours / theirs)
        print(f"{s['id']:22}{ref['nobs']:>7}{ours:>9.2f}s{theirs:>9.2f}s{ours / theirs:>7.2f}x"
              f"{result.loglik:>15.4f}{ref['logLik']:>13.4f}")
    print_median_ratio(ratios, "glmer")


if __name__ == "__main__":
    main()
