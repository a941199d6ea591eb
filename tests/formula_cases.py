"""The formula contract shared with the browser: the formulas in tests/formula_cases.json, and
what Python makes of them.

The formulas (``INPUTS``) are chosen and reviewed by hand; everything else in the file is what
:func:`mixwidget.formula.parse.parse_formula` says about them: R's printing, the fixed and random
terms after expansion, the offsets, or the error's message and position. Write the file with

    python tests/formula_cases.py

after changing the formula language; ``tests/test_formula_contract.py`` fails when the file and
Python disagree, and the browser's tests (``js/test/formulaContract.test.ts``) check the page
against the same file, messages included.
"""

from __future__ import annotations

import json
from pathlib import Path

from mixwidget.errors import FormulaError
from mixwidget.formula.parse import parse_formula

PATH = Path(__file__).resolve().parent / "formula_cases.json"

INPUTS = [
    "like ~ sex + PrivPub + (1|school) + (1|school:class)",
    "sqrt(weight) ~ Time + (Time - 1 | Chick) + Diet:Time",
    "Reaction ~ Days + (Days || Subject)",
    "strength ~ 1 + (1 | batch/cask)",
    "y ~ a*b",
    "y ~ b:a + a",
    "y ~ a*b - a",
    "y ~ 0 + x",
    "y ~ -1 + x",
    "y ~ x - 1",
    "y ~ (a + b + c)^2",
    "y ~ x %in% g",
    "y ~ a/b",
    "y ~ Days^2",
    "y ~ I(Days^2)",
    "y ~ I(Days**2)",
    "y ~ poly(x, 2)",
    "y ~ poly(x, 2, raw = TRUE)",
    "y ~ factor(x)",
    "y ~ x + offset(log(w0))",
    "y ~ I(Time - mean(Time))",
    "y ~ I(x > 80)",
    "log(y, 2) ~ log(x, 2)",
    "y ~ scale(x) + center(z)",
    "y ~ größe",
    "y ~ `a b` + log(`a b`)",
    "y ~ `if`",
    "y ~ `log(x)` + log(x)",
    "y ~ x*x*x*x",
    "y ~ I(-x) + I(!x) + I(x %% 2) + I(x/2 * 3)",
    "y ~ I(1e5 + 0.5)",
    "y ~ (0 + x | g) + (1 | h)",
    "y ~ x + (x + z || g)",
    "y ~ x + (1 | a:b/c)",
    "sqrt(w) ~ t + log(x + 1) + I(t^2)",
    "y ~ (a + b):c",
    "y ~ a + + b",
    "y ~ ordered(x) + as.factor(z)",
    "y ~ x + (1 | g) + (x || h)",
    "y ~ poly(x, degree = 3) + log(x, base = 10)",
    "y ~ sin(pi * x)",
    "y ~ exp(-x) + abs(x)",
    "like sex + PrivPub",
    "like ~ sex + (1 | school",
    "like ~ sex + (| school)",
    "like ~ sex +",
    "like ~ sex + (1 | )",
    "like ~ sex)",
    "like ~ foo(sex)",
    "like ~ sex $ PrivPub",
    "y ~ x + (1|g) + (1|g)",
    "y ~ log(x, 2, 3)",
    "y ~ poly(x, degree = 2, deg = 3)",
    "y ~ poly()",
    "y ~ log(poly(x, 2))",
    "y ~ I(offset(x))",
    "y ~ I(if^2)",
    "1 ~ Days",
    "y ~ Days:1",
    "y ~ 2",
    "y ~ x + 1 | g",
    "y ~ x > 3",
    "y ~ x ~ z",
    "~ x",
    "y ~ (x | g | h)",
    "y ~ x + (1 | log(g))",
    "y ~ x + (1 | g + h)",
    "y ~ x^1.5",
    "y ~ (1|g):x",
    "y ~ x - (1|g)",
    "y ~ TRUE",
    "TRUE ~ x",
    "y ~ `a`(x)",
    "y ~ x %o% z",
    "y ~ x + ((1 | g))",
    "y ~ ((1 | g) | h)",
    "y ~ (0 | g)",
    "y ~ x + (0 + x - x | g)",
    "y ~ ``",
    "y ~ \"x\"",
    "",
    "y ~ (x)(z)",
    "y ~ x + ()",
    "y ~ log(x,)",
    "y ~ log(base = 2, x)",
    "y ~ x:z^2",
    "y ~ .",
    "y ~ x + (1 | factor(g))",
    "y ~ ns(x, 3)",
    "y ~ factor(x, levels = 2)",
    "y ~ x0*x1*x2*x3*x4*x5*x6*x7*x8*x9*x10*x11",
    "y ~ (((((((((((((((((((((((((((((((((((((((((x)))))))))))))))))))))))))))))))))))))))))",
    "y ~ " + " + ".join(f"x{i}" for i in range(1001)),  # 1,001 terms: over the limit
    "yield ~ relevel(Variety, \"Victory\") + nitro + (1 | Block)",
    "yield ~ relevel(Variety, ref = 'Marvellous') * nitro + (1 | Block)",
    "yield ~ C(Variety, contr.sum) + nitro + (1 | Block)",
    "yield ~ C(Variety, sum) * nitro + (1 | Block)",
    "yield ~ C(Variety, contr.treatment, base = 2) + (1 | Block)",
    "Reaction ~ ns(Days, df = 3) + (Days | Subject)",
    "Reaction ~ bs(Days, degree = 2, knots = c(3, 6)) + (1 | Subject)",
    "Reaction ~ ns(Days, knots = c(2, 5), Boundary.knots = c(0, 10)) + (1 | Subject)",
    "base::log(Reaction) ~ splines::ns(Days, df = 3) + stats::poly(Days, 2) + (1 | Subject)",
    "y ~ stats::ns(x, 3)",
    "y ~ splines:: ns(x)",
    "y ~ splines::x",
    "y ~ \"a\" + x",
    "y ~ I(x + \"a\")",
    "y ~ relevel(g, \"a",
    "y ~ c(1, 2)",
    "y ~ bs(x, knots = c(2, 5), degree = c(1))",
    "y ~ C(g, \"contr.sum\")",
    "y ~ C(g, contr.sum(3))",
    "y ~ log(c(x))",
    "y ~ x + (1 | g/g)",
    "y ~ x + (1 | g:g)",
    "y ~ x + (1 | a/b/a)",
    "y ~ x + (1 | g) + (1 | g)",
    "y ~ x + (1 | a:b) + (1 | b:a)",
    "y ~ y + x + (1 | g)",
    "`2` ~ `1` + (1 | g)",
    "y ~ T + F",
    "y ~ x + (1 | g",
    "y ~ (x + z))",
    'yield ~ I(Variety == "Victory") + I(nitro != "0") + (1 | Block)',
    'y ~ I(x < "a")',
    'y ~ I("a")',
]


def expected(text: str) -> dict[str, object]:
    """What Python makes of one formula, as the cases file holds it."""
    try:
        m = parse_formula(text)
    except FormulaError as exc:
        return {"text": text, "ok": False, "error": "FormulaError", "message": exc.short_message,
                "position": exc.position}
    return {"text": text, "ok": True, "canonical": m.canonical, "fixed": m.fixed_labels, "intercept": m.intercept,
            "random": [r.text for r in m.random], "offsets": list(m.offsets)}


def cases_text() -> str:
    """The cases file's text."""
    return json.dumps([expected(t) for t in INPUTS], indent=1, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    PATH.write_text(cases_text(), encoding="utf-8")
    print(f"wrote {len(INPUTS)} cases to {PATH}")
