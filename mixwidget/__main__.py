"""``python -m mixwidget``: the science lesson's four fits and the chick-weight fit, printed."""

from __future__ import annotations

import argparse

from . import __version__
from .data import DATASETS, load_dataset
from .model.compare import compare
from .model.fit import fit

SCIENCE = {
    "school + class": "like ~ sex + PrivPub + (1 | school) + (1 | school:class)",
    "class only": "like ~ sex + PrivPub + (1 | school:class)",
    "school only": "like ~ sex + PrivPub + (1 | school)",
    "no groups (OLS)": "like ~ sex + PrivPub",
}
CHICKS = "sqrt(weight) ~ Time + (Time - 1 | Chick) + Diet:Time"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m mixwidget",
        description="Fit the science lesson's four models (DAAG's science data: students in classes in schools) "
        "and a chick-weight model, and print them as lme4 does: a quick check that mixwidget works here.",
        epilog="In a notebook: w = mixwidget.explore(mixwidget.load_dataset('science'), formula); w",
    )
    parser.add_argument("--version", action="version", version=f"mixwidget {__version__}")
    parser.add_argument("--datasets", action="store_true", help="list the teaching data sets shipped with mixwidget")
    return parser


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    if args.datasets:
        for name, (package, item, _, about) in DATASETS.items():
            print(f"{name:<12} {about} (R package {package}, {item})")
        return
    science = load_dataset("science")
    fits = [fit(f, science) for f in SCIENCE.values()]
    print(fits[0].summary())
    share = fits[0].shares
    print(f"\nClass share of variance: {share['school:class']:.1%}\n")
    comparison = compare(fits, list(SCIENCE))
    t = comparison.fixed.query("term == 'PrivPubpublic'").set_index("model")["t_value"]
    print("PrivPub t-value under each error structure:")
    for name, value in t.items():
        print(f"  {name:<16} {value:6.3f}")
    print()
    print(fit(CHICKS, load_dataset("ChickWeight")).summary())


if __name__ == "__main__":
    main()
