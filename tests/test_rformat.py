"""R's formatting rules against R's own answers (tests/reference/rformat_cases.json, made by make_rformat_cases.R)."""

from __future__ import annotations

import json
import math

import pytest
from lme4ref import REFERENCE

from mixwidget.model.rformat import (
    abbreviate,
    cat_fill,
    coef_matrix,
    deparse_lines,
    format_num,
    format_pval,
    print_matrix,
    r_round,
    zapsmall,
)
from mixwidget.model.summary import format_p
from mixwidget.views.payloads import fit_summary

CASES = json.loads((REFERENCE / "rformat_cases.json").read_text(encoding="utf-8"))


def _num(values: list) -> list[float]:
    return [math.nan if v is None else float(v) for v in values]


@pytest.mark.parametrize("case", CASES["format"], ids=lambda c: f"{c['x'][:3]}-d{c['digits'][0]}-n{c['nsmall'][0]}")
def test_format(case):
    assert format_num(_num(case["x"]), case["digits"][0], case["nsmall"][0]) == case["out"]


@pytest.mark.parametrize("case", CASES["round"], ids=lambda c: f"{c['x'][0]}-{c['digits'][0]}")
def test_round(case):
    assert r_round(case["x"][0], case["digits"][0]) == case["out"][0]


@pytest.mark.parametrize("case", CASES["zapsmall"], ids=lambda c: str(c["x"][:2]))
def test_zapsmall(case):
    assert zapsmall(case["x"], case["digits"][0]) == pytest.approx(case["out"], rel=1e-15, abs=0)


@pytest.mark.parametrize("case", CASES["format_pval"], ids=lambda c: str(c["p"][:3]))
def test_format_pval(case):
    assert format_pval(_num(case["p"]), 3) == case["out"]


@pytest.mark.parametrize("case", CASES["format_pval_single"], ids=lambda c: str(c["p"][0]))
def test_one_p_value_as_r_prints_it(case):
    # The page shows these texts (and js/test/format.test.ts checks its own formatP on the same cases).
    assert format_p(case["p"][0]) == case["out"][0]


def test_the_page_gets_each_p_value_as_text_by_that_rule():
    from lme4ref import fit_cached

    f = fit_cached("like ~ sex + PrivPub + (1 | school) + (1 | school:class)", "science")
    rows = fit_summary(f, 1)["fixed"]
    assert [r["p_text"] for r in rows] == ["<2e-16", "0.0636", "0.0304"]  # R: 2.37e-41, 0.063554, 0.030415
    assert [r["p_text"] for r in rows] == [format_p(p) for p in f.fixed["p_value"]]


@pytest.mark.parametrize("case", CASES["abbreviate"], ids=lambda c: f"{c['names'][0]}-{c['minlength'][0]}")
def test_abbreviate(case):
    assert abbreviate(case["names"], case["minlength"][0]) == case["out"]


@pytest.mark.parametrize("case", CASES["coefmat"], ids=lambda c: f"p{len(c['rownames'])}")
def test_coef_matrix(case):
    assert coef_matrix(case["table"], case["rownames"], case["colnames"]) == case["out"]


@pytest.mark.parametrize("case", CASES["matrix"], ids=lambda c: f"p{len(c['rownames'])}-right{c['right'][0]}")
def test_print_matrix_wraps_columns_as_r(case):
    cells = case["cells"]
    assert print_matrix(cells, case["rownames"], case["colnames"], right=case["right"][0]) == case["out"]


@pytest.mark.parametrize("case", CASES["deparse"], ids=lambda c: c["formula"][0][:30])
def test_long_formulas_break_as_r_deparses_and_lme4_prints_them(case):
    assert deparse_lines(case["formula"][0]) == case["deparse"]
    assert cat_fill(["Formula:", *deparse_lines(case["formula"][0])]) == case["printed"]
