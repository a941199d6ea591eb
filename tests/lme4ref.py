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


def _as_list(x) -> list:
    return x if isinstance(x, list) else [x]


def r_summary(ref: dict, folder: Path = LME4) -> str:
    """R's printed ``summary(m)`` for a reference model (lines as R wrote them, no final newline)."""
    return (folder / f"{ref['id']}.summary.txt").read_text(encoding="utf-8")[:-1]


def printout_from_reference(ref: dict):
    """The numbers R printed, in the form mixwidget's summary prints them from."""
    import numpy as np
    import pandas as pd

    from mixwidget.model.summary import Printout

    vc = {k: _as_list(v) for k, v in ref["varcorr"].items()}
    rows = []
    for grp, v1, v2, cov, sdcor in zip(vc["grp"], vc["var1"], vc["var2"], vc["vcov"], vc["sdcor"]):
        if v2 is None:
            rows.append({"group": grp, "term": v1 or "", "variance": cov, "std_dev": sdcor, "corr": np.nan})
        else:
            rows.append({"group": grp, "term": f"{v1}~{v2}", "variance": cov, "std_dev": np.nan, "corr": sdcor})
    fe = ref["fixef"]
    fixed = pd.DataFrame(
        {"estimate": _as_list(fe["estimate"]), "std_error": _as_list(fe["se"]), "df": _as_list(fe["df_satterthwaite"]),
         "t_value": _as_list(fe["t"]), "p_value": _as_list(fe["p_satterthwaite"])},
        index=_as_list(fe["names"]),
    )
    reml = bool(ref["REML"])
    return Printout(
        reml=reml, formula=ref["formula"], data_name=ref["data"], aic=ref["AIC"], bic=ref["BIC"], loglik=ref["logLik"],
        criterion=ref["reml_criterion"] if reml else ref["deviance"], df_resid=ref["df_resid"],
        resid_quantiles=ref["scaled_resid_quantiles"], variance=pd.DataFrame(rows), nobs=ref["nobs"],
        ngroups=ref["ngroups"], fixed=fixed, vcov=np.atleast_2d(ref["vcov"]), singular=ref["singular"],
        weights=ref.get("weights"), offset=ref.get("offset"),
    )
