"""The formula contract shared with the browser: tests/formula_cases.json, run here and by js/test.

Each case is a formula with what parse_formula makes of it (R's printing of it, the fixed and random
terms after expansion, offsets) or the error it raises (and where). The browser's checker
(js/src/formulaCheck.ts) runs the same file, so both accept and reject the same formulas.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from formula_cases import cases_text

from mixwidget import FormulaError
from mixwidget.formula.parse import parse_formula
from mixwidget.formula.transforms import registry_json, registry_text

ROOT = Path(__file__).resolve().parents[1]
CASES = json.loads((ROOT / "tests" / "formula_cases.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES, ids=[c["text"][:60] for c in CASES])
def test_formula_case(case):
    if not case["ok"]:
        with pytest.raises(FormulaError) as info:
            parse_formula(case["text"])
        assert info.value.position == case["position"]
        assert info.value.short_message == case["message"]
        return
    m = parse_formula(case["text"])
    assert m.canonical == case["canonical"]
    assert m.fixed_labels == case["fixed"]
    assert m.intercept == case["intercept"]
    assert [r.text for r in m.random] == case["random"]
    assert list(m.offsets) == case["offsets"]


def test_the_cases_file_is_what_python_says():
    """tests/formula_cases.json is written by `python tests/formula_cases.py`; it must not drift."""
    assert (ROOT / "tests" / "formula_cases.json").read_text(encoding="utf-8") == cases_text()


def test_the_browser_gets_the_registry_from_python():
    """js/src/formulaRegistry.json is written by `python -m mixwidget.formula.transforms`; it must not
    drift, and it is written as the front end's formatter writes it (so the linter passes)."""
    path = ROOT / "js" / "src" / "formulaRegistry.json"
    assert json.loads(path.read_text(encoding="utf-8")) == registry_json()
    assert path.read_text(encoding="utf-8") == registry_text()
