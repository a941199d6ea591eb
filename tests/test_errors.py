"""Bad input gets our own exception, naming the problem and the fix."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import mixwidget
from mixwidget import DataError, FormulaError


@pytest.mark.parametrize(
    ("formula", "says", "position"),
    [
        ("like sex + PrivPub", "missing '~'", None),
        ("like ~ sex + (1 | school", "'(' at character 14 is never closed", 13),
        ("like ~ sex + (| school)", "empty random term", None),
        ("like ~ sex +", "expected a term after '+'", 12),
        ("like ~ sex + (1 | )", "missing grouping factor", None),
        ("like ~ sex)", "')' at character 11 has no matching '('", 10),
        ("like ~ foo(sex)", "unknown function 'foo'", 7),
        ("like ~ sex $ PrivPub", "unexpected character '$'", 11),
    ],
)
def test_unparseable_formula_says_where(science, formula, says, position):
    with pytest.raises(FormulaError) as info:
        mixwidget.fit(formula, science)
    assert says in str(info.value)
    if position is not None:
        assert info.value.position == position


def test_unknown_column_suggests_closest(science):
    with pytest.raises(DataError, match="column 'shcool' not in data; did you mean 'school'?"):
        mixwidget.fit("like ~ sex + (1 | shcool)", science)


def test_response_must_be_numeric(science):
    with pytest.raises(DataError, match="the response 'sex' is not numeric"):
        mixwidget.fit("sex ~ like + (1 | school)", science)


def test_grouping_factor_with_one_level(science):
    one = science[science["school"] == 1]
    with pytest.raises(DataError, match="'school' has only 1 level"):
        mixwidget.fit("like ~ sex + (1 | school)", one)


def test_no_rows_left():
    data = pd.DataFrame({"y": [1.0, 2.0, 3.0], "x": [np.nan] * 3, "g": [1, 1, 2]})
    with pytest.raises(DataError, match="no rows left after dropping rows with missing values"):
        mixwidget.fit("y ~ x + (1 | g)", data)


def test_more_random_effects_than_observations():
    rng = np.random.default_rng(1)
    data = pd.DataFrame({"y": rng.normal(size=12), "x": rng.normal(size=12), "g": np.repeat(np.arange(4), 3)})
    with pytest.raises(DataError, match="random effects"):
        mixwidget.fit("y ~ x + (1 + x + I(x^2) | g)", data)


def test_one_group_per_observation_is_refused(science):
    data = science.assign(student=np.arange(len(science)))
    with pytest.raises(DataError, match="cannot be told apart from the residual"):
        mixwidget.fit("like ~ sex + (1 | student)", data)


def test_transform_of_non_positive_values_is_explained():
    data = pd.DataFrame({"y": [0.0, 1.0, 2.0, 3.0], "x": [1.0, 2.0, 3.0, 4.0]})
    with pytest.raises(DataError, match=r"'log\(y\)' is not a finite number in 1 rows .*log\(x \+ 1\)"):
        mixwidget.fit("log(y) ~ x", data)


def test_missing_values_are_counted_not_silently_dropped(science):
    fit = mixwidget.fit("like ~ sex + PrivPub + (1 | school)", science)
    assert fit.n_dropped == 2 and fit.nobs == len(science) - 2
    assert fit.dropped_by == {"sex": 2}
    assert any("2 of 1385 rows were dropped" in m and "'sex'" in m for m in fit.messages)


def test_singular_fit_is_not_an_error_and_is_explained(science):
    fit = mixwidget.fit("like ~ sex + PrivPub + (1 | school) + (1 | school:class)", science)
    assert fit.singular
    note = next(m for m in fit.messages if m.startswith("Singular"))
    assert "school random intercept is estimated as zero" in note


def test_unknown_dataset_lists_names():
    with pytest.raises(DataError, match="'science', 'ChickWeight', 'sleepstudy'"):
        mixwidget.load_dataset("sciense")


def test_integer_codes_used_as_a_number_get_a_note():
    sleep = mixwidget.load_dataset("sleepstudy")
    fit = mixwidget.fit("Reaction ~ Days + Subject", sleep.assign(Subject=sleep["Subject"].astype(int)))
    assert any("'Subject' holds integer codes (18 distinct values from 308 to 372)" in m for m in fit.messages)
    plain = mixwidget.fit("Reaction ~ Days + (1 | Subject)", sleep)
    assert not any("integer codes" in m for m in plain.messages)  # Days 0..9 is a real number


def test_few_groups_are_flagged_in_our_words():
    fit = mixwidget.fit("strength ~ 1 + (1 | cask)", mixwidget.load_dataset("Pastes"))
    assert any(m.startswith("Only 3 cask groups") for m in fit.messages)
    assert not any("g0" in m for m in fit.messages)  # no engine-internal names leak out
