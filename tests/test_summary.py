"""MixedFit.summary() prints what lme4 + lmerTest print, character for character (R's output in tests/reference)."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from lme4ref import LME4, REFERENCE, fit_cached, load_reference, printout_from_reference, r_summary, reference_files
from test_formula_reference import SPECS as FORMULA_SPECS
from test_formula_reference import fitted as formula_fit

from mixwidget.model.summary import OPTIMIZER, lme4_text, printout

FORMULA_DIR = REFERENCE / "formula"

MIXED = [p for p in reference_files() if load_reference(p).get("REML") is not None]
NUMBER = re.compile(r"-?\d+\.?\d*(?:e[-+]\d+)?")


def _r_text(ref: dict, folder: Path = LME4) -> str:
    # The one deliberate difference: lme4 names its optimizer, we name the engine that fitted.
    return r_summary(ref, folder).replace("optimizer (nloptwrap)", f"optimizer ({OPTIMIZER})")


@pytest.mark.parametrize("path", MIXED, ids=[p.stem for p in MIXED])
def test_layout_is_r_on_r_numbers(path):
    """Given R's numbers, the text is R's printout exactly: format(), printCoefmat, abbreviate, formatVC."""
    ref = load_reference(path)
    assert lme4_text(printout_from_reference(ref)) == _r_text(ref)


def _same_but_last_digits(ours: list[str], theirs: list[str]) -> None:
    """Line for line R's text; numbers agree to the engine's accuracy (a shown digit may differ by a unit)."""
    assert len(ours) >= len(theirs)
    for mine, r in zip(ours, theirs):
        assert NUMBER.sub("#", mine) == NUMBER.sub("#", r), (mine, r)
        assert len(mine) == len(r), (mine, r)
        for a, b in zip(NUMBER.findall(mine), NUMBER.findall(r)):
            unit = 10.0 ** -len(b.split("e")[0].split(".")[1]) if "." in b else 1.0
            assert float(a) == pytest.approx(float(b), rel=2e-4, abs=unit * (10 if "e" in b else 1)), (mine, r)


@pytest.mark.parametrize("path", MIXED, ids=[p.stem for p in MIXED])
def test_our_fit_prints_as_r(path):
    ref = load_reference(path)
    fit = fit_cached(ref["formula"], ref["data"], reml=bool(ref["REML"]))
    ours, theirs = fit.summary().split("\n"), _r_text(ref).split("\n")
    _same_but_last_digits(ours, theirs)
    # What follows R's text is only our notes.
    rest = ours[len(theirs):]
    assert all(line.startswith("Note: ") for line in rest if line), rest


FORMULA_IDS = [s["id"] for s in FORMULA_SPECS if (FORMULA_DIR / f"{s['id']}.summary.txt").exists()]


def _formula_case(spec_id: str) -> tuple[dict, dict]:
    spec = next(s for s in FORMULA_SPECS if s["id"] == spec_id)
    return spec, json.loads((FORMULA_DIR / f"{spec_id}.json").read_text())


@pytest.mark.parametrize("spec_id", FORMULA_IDS)
def test_layout_is_r_for_every_formula_construct(spec_id):
    """poly(), ordered factors (18 terms: no correlation block), weights= and offset= lines, on R's numbers."""
    spec, ref = _formula_case(spec_id)
    ref = {**ref, "weights": spec.get("weights"), "offset": spec.get("offset")}
    assert lme4_text(printout_from_reference(ref)) == _r_text(ref, FORMULA_DIR)


@pytest.mark.parametrize("spec_id", FORMULA_IDS)
def test_our_fit_prints_as_r_for_every_formula_construct(spec_id):
    spec, ref = _formula_case(spec_id)
    _, fit = formula_fit(spec_id)
    # These fits use data built in the test, which has no data set name: R's Data line names it.
    text = lme4_text(replace(printout(fit), data_name=spec["data"]))
    _same_but_last_digits(text.split("\n"), _r_text(ref, FORMULA_DIR).split("\n"))
    if len(fit.fixed) > 12:
        assert "Correlation of fixed effects not shown, as p = " in fit.summary()


def test_chickweight_acceptance_lines():
    """The ChickWeight printout: common decimals per column, printCoefmat's df and p, abbreviated headers."""
    text = fit_cached("sqrt(weight) ~ Time + (Time - 1 | Chick) + Diet:Time", "ChickWeight").summary()
    for line in [
        "Scaled residuals: ",
        "    Min      1Q  Median      3Q     Max ",
        "-3.6807 -0.6051  0.0519  0.5413  3.5720 ",
        " Groups   Name Variance Std.Dev.",
        " Chick    Time 0.01043  0.1021  ",
        " Residual      0.23868  0.4886  ",
        "             Estimate Std. Error        df t value Pr(>|t|)    ",
        "           (Intr) Time   Tm:Dt2 Tm:Dt3",
        "Time       -0.120                     ",
    ]:
        assert line in text.split("\n"), line
    assert re.search(r"^\(Intercept\)   6\.33795    0\.03833 527\.6958\d 165\.354  < 2e-16 \*\*\*$", text, re.M)
    assert re.search(r"^Time:Diet2    0\.08167    0\.04010  44\.084\d\d   2\.037 0\.047733 \*  $", text, re.M)


def test_exact_on_most_reference_models():
    """Where the engine agrees with lme4 to the printed digits, the whole printout is R's."""
    exact = []
    for path in MIXED:
        ref = load_reference(path)
        fit = fit_cached(ref["formula"], ref["data"], reml=bool(ref["REML"]))
        r = _r_text(ref)
        if fit.summary()[: len(r)] == r:
            exact.append(path.stem)
    assert {"pastes_nested", "science_class", "science_school", "science_school_class_ml", "sleep_uncorr"} <= set(exact)


def test_singular_fit_ends_with_lme4s_boundary_message():
    text = fit_cached("like ~ sex + PrivPub + (1 | school) + (1 | school:class)", "science").summary()
    assert "\nboundary (singular) fit: see help('isSingular')\n" in text
    assert " school       (Intercept) 0.0000   0.0000  " in text.split("\n")


def test_ols_summary_uses_r_coefficient_table():
    fit = fit_cached("like ~ sex + PrivPub", "science")
    ref = load_reference(next(p for p in reference_files() if p.stem == "science_ols"))
    text = fit.summary()
    assert "Coefficients:" in text and "Signif. codes:" in text
    t = [float(line.split()[3]) for line in text.split("\n") if line.startswith(("sexm", "PrivPubpublic"))]
    np.testing.assert_allclose(t, ref["fixef"]["t"][1:], atol=1e-3)


def test_html_repr_has_both_tables():
    html = fit_cached("like ~ sex + PrivPub + (1 | school:class)", "science")._repr_html_()
    assert "PrivPubpublic" in html and "2.217" in html and "9.5%" in html
