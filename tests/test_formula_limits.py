"""Hostile and odd formulas: each ends quickly with our own error (or a fit), never a hang.

Each case runs in a subprocess with a time limit, so a regression fails instead of hanging the suite.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest

import mixwidget
from mixwidget import DataError, FormulaError

TIME_LIMIT = 120  # seconds for all cases together, including starting Python and importing mixwidget

SCRIPT = textwrap.dedent(
    """
    import json, sys, numpy as np, pandas as pd
    import mixwidget
    rng = np.random.default_rng(0)
    g = np.repeat(np.arange(10), 6)
    data = pd.DataFrame({"y": rng.normal(size=60) + g, "x": rng.uniform(1, 3, size=60), "g": g})
    out = []
    for formula in json.load(sys.stdin):
        try:
            mixwidget.fit(formula, data)
            out.append(["FIT", ""])
        except mixwidget.MixWidgetError as exc:
            out.append([type(exc).__name__, str(exc)])
    print(json.dumps(out))
    """
)


def run_all(formulas: list[str]) -> list[tuple[str, str]]:
    """(outcome, message) of fitting each formula in a fresh process; fails after TIME_LIMIT."""
    done = subprocess.run([sys.executable, "-c", SCRIPT], input=json.dumps(formulas), capture_output=True,
                          text=True, timeout=TIME_LIMIT)
    assert done.returncode == 0, done.stderr[-2000:]
    return [tuple(r) for r in json.loads(done.stdout)]


CHAIN = "*".join(["x"] * 28)
DISTINCT = "*".join(f"x{i}" for i in range(28))
MANY_TERMS = " + ".join(f"x{i}" for i in range(1500))


HOSTILE = [
        ("y ~ I(9^9^9^9) + (1 | g)", "DataError", "'I(9^9^9^9)' is not a finite number"),
        ("y ~ I(x^9^9^9) + (1 | g)", "DataError", "'I(x^9^9^9)' is not a finite number in 60 rows (e.g. where x ="),
        ("y ~ I(1/0) + (1 | g)", "DataError", "'I(1/0)' is not a finite number"),
        ("y ~ I(10^400) + (1 | g)", "DataError", "'I(10^400)' is not a finite number"),
        ("y ~ I((-8)^0.5) + (1 | g)", "DataError", "'I((-8)^0.5)' is not a finite number"),
        (f"y ~ {CHAIN} + (1 | g)", "FIT", ""),
        (f"y ~ {DISTINCT} + (1 | g)", "FormulaError", "more than 1000 terms; the limit is 1000"),
        (f"y ~ {MANY_TERMS}", "FormulaError", "more than 1000 terms; the limit is 1000"),
        ("y ~ " + " + ".join(f"x{i}" for i in range(16000)), "FormulaError", "the limit is 20,000 characters"),
        ("y ~ I(" + "+".join(["x"] * 8000) + ") + (1 | g)", "FIT", ""),
        ("y ~ " + "-" * 100_000 + "x", "FormulaError", "the limit is 20,000 characters"),
        ("y ~ " + "-" * 500 + "x", "FormulaError", "nests more than 40 levels deep"),
        ("y ~ " + "(" * 5000 + "x" + ")" * 5000, "FormulaError", "nests more than 40 levels deep"),
        ("y ~ " + "log(" * 3000 + "x" + ")" * 3000, "FormulaError", "nests more than 40 levels deep"),
        ("y ~ I(" + "(" * 45 + "x" + ")" * 45 + ")", "FormulaError", "nests more than 40 levels deep"),
        ("y ~ I(if^2) + (1 | g)", "FormulaError", "'if' is a reserved word in R; write `if` (in backticks)"),
        ("y ~ x + " + " + ".join(f"(1 | g{i})" for i in range(1500)), "DataError", "column 'g0' not in data"),
    ]
IDS = ["9^9^9^9", "x^9^9^9", "1/0", "10^400", "(-8)^0.5", "x*x*...", "2^28 terms", "1500 terms", "16000 terms",
       "8000 names in I()", "100k signs", "500 signs", "deep parentheses", "deep calls", "deep I()", "if^2",
       "1500 random terms"]


@pytest.fixture(scope="module")
def outcomes() -> list[tuple[str, str]]:
    return run_all([formula for formula, _, _ in HOSTILE])


@pytest.mark.parametrize("case", range(len(HOSTILE)), ids=IDS)
def test_hostile_formula_ends_quickly_with_our_error(outcomes, case):
    _, outcome, says = HOSTILE[case]
    got, message = outcomes[case]
    assert got == outcome, message
    assert says in message
    assert "**" not in message


def test_reserved_word_message_shows_what_was_typed():
    with pytest.raises(FormulaError) as info:
        mixwidget.fit("y ~ I(if^2)", pd.DataFrame({"y": [1.0, 2.0]}))
    assert "I(if^2)" in str(info.value)


def _data():
    rng = np.random.default_rng(1)
    x = rng.uniform(1, 5, size=40)
    return pd.DataFrame({"y": rng.normal(size=40) + x, "x": x, "g": np.repeat(np.arange(8), 5)})


def test_a_column_named_like_a_call_does_not_shadow_the_transform():
    data = _data()
    data["log(x)"] = 100.0 + np.arange(40)  # not the log of x
    call = mixwidget.fit("y ~ log(x) + (1 | g)", data)
    plain = mixwidget.fit("y ~ lx + (1 | g)", data.assign(lx=np.log(data["x"])))
    np.testing.assert_allclose(call.fixed["estimate"], plain.fixed["estimate"])
    column = mixwidget.fit("y ~ `log(x)` + (1 | g)", data)
    assert list(column.fixed.index) == ["(Intercept)", "log(x)"]
    assert column.model.fixed_text() == "y ~ `log(x)`"
    assert column.fixed.loc["log(x)", "estimate"] != pytest.approx(call.fixed.loc["log(x)", "estimate"])


def test_a_column_named_log_can_be_logged():
    data = _data().rename(columns={"x": "log"})
    fit = mixwidget.fit("y ~ log(log + 10) + (1 | g)", data)
    assert list(fit.fixed.index) == ["(Intercept)", "log(log + 10)"]


def test_non_ascii_names_typed_and_built():
    data = _data().rename(columns={"x": "größe"})
    fit = mixwidget.fit("y ~ größe + log(größe) + (1 | g)", data)
    assert list(fit.fixed.index) == ["(Intercept)", "größe", "log(größe)"]
    assert fit.model.fixed_text() == "y ~ größe + log(größe)"
    assert mixwidget.fit(fit.model.fixed_text(), data).fixed.index.tolist() == ["(Intercept)", "größe", "log(größe)"]


def test_constants_are_floats_so_powers_cannot_run_long():
    with pytest.raises(DataError, match=r"'I\(2\^2000\)' is not a finite number .*it is inf in every row"):
        mixwidget.fit("y ~ I(2^2000) + (1 | g)", _data())


@pytest.mark.parametrize(
    ("column", "says"),
    [
        (np.arange(40) + 1j, "column 'x' holds complex numbers"),
        (pd.date_range("2020-01-01", periods=40), "column 'x' holds dates or times"),
        (np.r_[np.inf, np.arange(39.0)], r"column 'x' holds an infinite value \(e.g. in row 0\)"),
    ],
    ids=["complex", "dates", "inf"],
)
def test_columns_that_are_not_plain_numbers_get_our_error(column, says):
    with pytest.raises(DataError, match=says):
        mixwidget.fit("y ~ x + (1 | g)", _data().assign(x=column))
