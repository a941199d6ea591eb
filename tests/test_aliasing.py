"""Silent wrong answers: the rank check is scale-invariant, group codes are R's levels, combined
groups do not overflow, collinear random slopes are reported."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

import mixwidget
from mixwidget.design.aliasing import aliased_columns


@pytest.fixture(scope="module")
def seconds():
    """Unix seconds over a year (about 1.7e9, varying by 3.15e7) with a real effect, in 10 groups."""
    rng = np.random.default_rng(0)
    n = 300
    g = rng.integers(0, 10, n)
    x = 1.7e9 + rng.uniform(0, 3.15e7, n)
    y = 1e-7 * (x - 1.7e9) + 0.5 * g + rng.normal(size=n)
    return pd.DataFrame({"y": y, "x": x, "g": g})


def test_a_large_magnitude_predictor_is_kept_and_matches_statsmodels(seconds):
    ols = mixwidget.fit("y ~ x", seconds)
    peer = sm.OLS(seconds["y"], sm.add_constant(seconds["x"])).fit()
    assert ols.fixed.loc["x", "t_value"] == pytest.approx(peer.tvalues["x"], rel=1e-6)
    mixed = mixwidget.fit("y ~ x + (1 | g)", seconds)
    centred = mixwidget.fit("y ~ I(x - 1.7e9) + (1 | g)", seconds)
    assert "x" in mixed.fixed.index
    assert mixed.fixed.loc["x", "t_value"] == pytest.approx(centred.fixed.iloc[1]["t_value"], rel=1e-4)
    assert any("nearly combinations" in m and "centre them" in m for m in mixed.messages)
    assert not any("nearly combinations" in m for m in centred.messages)


def test_real_linear_combinations_are_still_dropped(seconds):
    d = seconds.assign(x2=lambda t: 2 * t["x"] + 1e9, z=np.arange(len(seconds)) % 3)
    f = mixwidget.fit("y ~ x + x2 + z + (1 | g)", d)
    assert list(f.fixed.index) == ["(Intercept)", "x", "z"]
    assert any(m.startswith("The fixed-effect columns x2 are linear combinations") for m in f.messages)


def test_the_check_ignores_column_units():
    rng = np.random.default_rng(1)
    X = np.column_stack([np.ones(50), rng.normal(size=50), rng.normal(size=50)])
    for scale in (1e-12, 1.0, 1e12):
        Xs = X * np.array([1.0, scale, 1.0])
        assert aliased_columns(Xs) == []
        assert aliased_columns(np.column_stack([Xs, Xs[:, 1] * 3 - Xs[:, 2]])) == [3]


def test_group_codes_mixing_numbers_and_text_are_one_level(science):
    codes = pd.Series([1, "1", 2, "2", 3, "3"] * (len(science) // 6) + [4] * (len(science) % 6), dtype=object)
    f = mixwidget.fit("like ~ 1 + (1 | g)", science.assign(g=codes))
    assert f.ngroups == {"g": 4}
    assert sorted(f.ranef["level"]) == ["1", "2", "3", "4"]


def test_combined_groups_of_many_factors_do_not_overflow():
    rng = np.random.default_rng(2)
    n = 1500  # each combination of seven 1000-level factors appears twice
    base = pd.DataFrame({c: rng.integers(0, 1000, n) for c in "abcdefh"})
    d = pd.concat([base, base], ignore_index=True)
    d["y"] = rng.normal(size=len(d)) + np.tile(rng.normal(size=n), 2)
    f = mixwidget.fit("y ~ 1 + (1 | a:b:c:d:e:f:h)", d)
    assert f.ngroups == {"a:b:c:d:e:f:h": n}
    real = set(base.astype(str).agg(":".join, axis=1))
    assert set(f.ranef["level"]) == real  # every label is a combination that exists


def test_collinear_random_slopes_are_reported_as_singular(science):
    d = science.assign(x=np.arange(len(science)) % 7 * 1.0)
    d["x2"] = 2 * d["x"]
    f = mixwidget.fit("like ~ x + (x + x2 | school)", d)
    assert f.singular
    assert any("In (x + x2 | school), x2 is a linear combination" in m for m in f.messages)
