"""The lme4 reference fits, and our fits of the same models cached per session."""

from __future__ import annotations

import json
from pathlib import Path

import mixwidget

# R's output for every reference model, made by tests/reference/make.sh (see its README).
REFERENCE = Path(__file__).resolve().parent / "reference"
LME4 = REFERENCE / "lme4"


def reference_files() -> list[Path]:
    files = sorted(LME4.glob("*.json"))
    if not files:
        raise RuntimeError(f"no reference fits found in {LME4}; remake them with tests/reference/make.sh")
    return files


def load_reference(path: Path) -> dict:
    return json.loads(path.read_text())


_fits: dict[tuple[str, str, bool], mixwidget.MixedFit] = {}


def fit_cached(formula: str, data_name: str, reml: bool = True) -> mixwidget.MixedFit:
    """Fit once per session (as MixedModels.jl's test/modelcache.jl does)."""
    key = (formula, data_name, reml)
    if key not in _fits:
        _fits[key] = mixwidget.fit(formula, mixwidget.load_dataset(data_name), reml=reml)
    return _fits[key]
