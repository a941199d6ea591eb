"""``python -m mixwidget``: the science lesson's four fits and the chick-weight fit, printed."""

from __future__ import annotations

from .data import load_dataset
from .model.compare import compare
from .model.fit import fit

SCIENCE = {
    "school + class": "like ~ sex + PrivPub + (1 | school) + (1 | school:class)",
    "class only": "like ~ sex + PrivPub + (1 | school:class)",
    "school only": "like ~ sex + PrivPub + (1 | school)",
    "no groups (OLS)": "like ~ sex + PrivPub",
}
CHICKS = "sqrt(weight) ~ Time + (Time - 1 | Chick) + Diet:Time"


def main() -> None:
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
