"""R's output for the simulation checks and confidence intervals (made by tests/reference/simulation/*.R)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

FOLDER = Path(__file__).resolve().parent / "reference" / "simulation"
SCIENCE_MODEL = "like ~ sex + PrivPub + (1 | school) + (1 | school:class)"


def reference() -> dict:
    return json.loads((FOLDER / "simulation_reference.json").read_text())


def r_interval(name: str) -> pd.DataFrame:
    """One of R's confint() tables, indexed by parameter, columns lower and upper."""
    table = reference()[name]
    ends = {end: pd.to_numeric(pd.Series(table[end]), errors="coerce").to_numpy() for end in ("lower", "upper")}
    return pd.DataFrame(ends, index=table["parameter"])  # R's NA (no interval) becomes NaN
