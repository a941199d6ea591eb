"""Random terms that repeat a grouping factor, the response on the right-hand side, columns named by numbers.

Fuzz-style: grouping chains drawn at random from a few names, with and without repeats, are read
at once; a chain that names a variable twice (``g/g``, ``g:g``, ``a/b/a``) or a term written twice
(``(1|g) + (1|g)``, ``(1|a:b) + (1|b:a)``) is refused with the repeated term named, before any fit.
"""

from __future__ import annotations

import random

import numpy as np
import pandas as pd
import pytest

import mixwidget
from mixwidget.errors import DataError, FormulaError
from mixwidget.formula.parse import parse_formula


def _chain(rng: random.Random, names: str, length: int) -> tuple[str, bool]:
    parts = [rng.choice(names) for _ in range(length)]
    text = parts[0] + "".join(rng.choice("/:") + p for p in parts[1:])
    return text, len(set(parts)) < len(parts)


@pytest.mark.parametrize("seed", range(40))
def test_random_grouping_chains(seed):
    rng = random.Random(seed)  # noqa: S311 - reproducible test cases, not secrets
    chain, repeats = _chain(rng, "abcde", rng.randint(1, 6))
    lhs = rng.choice(["1", "x", "0 + x", "x || "])
    term = f"({lhs}{'' if lhs.endswith('| ') else ' | '}{chain})"
    formula = f"y ~ x + {term}"
    if repeats:
        with pytest.raises(FormulaError, match="names (a|b|c|d|e) twice") as err:
            parse_formula(formula)
        first = next(p for i, p in enumerate(chain.replace("/", ":").split(":"))
                     if p in chain.replace("/", ":").split(":")[:i])
        assert f"{first}:{first} is the same factor as {first}" in str(err.value)
    else:
        model = parse_formula(formula)
        groups = [frozenset(t.group_variables) for t in model.random]
        assert len(model.random) >= 1 and all(len(g) == len(t.group_variables) for g, t in zip(groups, model.random))


@pytest.mark.parametrize("depth", [2, 3, 50, 120])
def test_long_self_nesting_is_refused_before_fitting(science, depth):
    formula = "like ~ sex + (1 | " + "/".join(["school"] * depth) + ")"
    with pytest.raises(FormulaError, match="names school twice.*school:school is the same factor as school"):
        mixwidget.fit(formula, science)


@pytest.mark.parametrize(
    ("formula", "repeated"),
    [
        ("y ~ x + (1 | g) + (1 | g)", r"\(1 \| g\) appears twice"),
        ("y ~ x + (1 | a:b) + (1 | b:a)", r"\(1 \| b:a\) appears twice \(as \(1 \| a:b\)\)"),
        ("y ~ x + (x | g) + (1 + x | g)", r"\(x \| g\) appears twice"),
        ("y ~ x + (1 | a/b) + (1 | a)", r"\(1 \| a\) appears twice"),
        ("y ~ x + (x || g) + (1 | g)", r"\(1 \| g\) appears twice"),
        ("y ~ x + (1 | g:g)", "names g twice"),
        ("y ~ x + (1 | g/g)", "names g twice"),
    ],
)
def test_repeated_terms_are_named(formula, repeated):
    with pytest.raises(FormulaError, match=repeated):
        parse_formula(formula)


def test_distinct_terms_on_one_factor_are_kept():
    model = parse_formula("y ~ x + (1 | g) + (0 + x | g) + (1 | g:h) + (1 | h)")
    assert [t.text for t in model.random] == ["(1 | g)", "(x - 1 | g)", "(1 | g:h)", "(1 | h)"]


def test_response_on_the_right_is_dropped_with_a_note():
    sleep = mixwidget.load_dataset("sleepstudy")
    both = mixwidget.fit("Reaction ~ Reaction + Days + (1 | Subject)", sleep)
    plain = mixwidget.fit("Reaction ~ Days + (1 | Subject)", sleep)
    assert list(both.fixed.index) == ["(Intercept)", "Days"]
    np.testing.assert_allclose(both.fixed["estimate"], plain.fixed["estimate"], rtol=1e-10)
    assert any("appears on the right-hand side; it was dropped" in m for m in both.messages)


def test_response_alone_on_the_right_leaves_the_intercept():
    model = parse_formula("y ~ y + (1 | g)")
    assert model.fixed == () and model.intercept
    assert "dropped" in model.notes[0]


def test_columns_named_by_numbers():
    rng = np.random.default_rng(3)
    g = np.repeat(np.arange(8), 10)
    x = rng.normal(size=80)
    y = 1 + 0.5 * x + rng.normal(size=8)[g] + rng.normal(size=80)
    named = pd.DataFrame({"1": y, "2": x, "g": g})
    plain = mixwidget.fit("y ~ x + (1 | g)", pd.DataFrame({"y": y, "x": x, "g": g}))
    numbered = mixwidget.fit("`1` ~ `2` + (1 | g)", named)
    np.testing.assert_allclose(numbered.fixed["estimate"].to_numpy(), plain.fixed["estimate"].to_numpy(), rtol=1e-8)
    # Integer column names (read_csv(header=None)) get a message saying how to name them.
    headerless = pd.DataFrame(np.column_stack([y, x, g]))
    with pytest.raises(DataError, match=r"astype\(str\).*in backticks"):
        mixwidget.fit("`0` ~ `1` + (1 | `2`)", headerless)
