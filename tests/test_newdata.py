"""Model matrices for new data: the fit's schema (levels, contrasts, transform state) applied again."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import mixwidget
from mixwidget import DataError


@pytest.fixture(scope="module")
def sleep():
    return mixwidget.load_dataset("sleepstudy")


@pytest.mark.parametrize(
    "formula",
    [
        "Reaction ~ poly(Days, 2) + (Days | Subject)",
        "Reaction ~ scale(Days) + I(Days - mean(Days)) + (1 | Subject)",
        "Reaction ~ Days * grp + (0 + Days | Subject) + offset(Days / 10)",
        "Reaction ~ factor(Days > 4) + log(Days + 1, 2) + (1 | Subject:grp)",
    ],
)
def test_new_data_equal_to_fit_data_reproduces_the_matrices(sleep, formula):
    data = sleep.assign(grp=np.where(sleep["Subject"].astype(int) % 3 == 0, "control", "Treated"))
    fit = mixwidget.fit(formula, data)
    new = fit.design.new_data(data)
    assert new.fixed_names == list(fit.fixed.index)
    np.testing.assert_array_equal(new.X, fit.design.X)
    for nb, b in zip(new.random, fit.design.random):
        assert nb.names == b.names
        np.testing.assert_array_equal(nb.Z, b.Z)
        np.testing.assert_array_equal(nb.codes, b.codes)
        assert list(nb.labels) == [b.levels[c] for c in b.codes]
        assert nb.unseen == []
    expected_offset = fit.design.offset if fit.design.offset is not None else np.zeros(len(data))
    np.testing.assert_array_equal(new.offset, expected_offset)


def test_transforms_remember_the_fit_data(sleep):
    fit = mixwidget.fit("Reaction ~ poly(Days, 2) + scale(Days) + (1 | Subject)", sleep)
    rows = sleep[sleep["Days"].isin([0, 9])]
    new = fit.design.new_data(rows)
    # The same Days give the same columns whichever rows come along (not re-centred on the new rows).
    full = pd.DataFrame(fit.design.X, index=fit.design.rows, columns=fit.design.fixed_names)
    np.testing.assert_allclose(new.X, full.loc[rows.index].to_numpy())
    assert "scale(Days)#center" in fit.design.schema.state


def test_missing_column_is_named(sleep):
    fit = mixwidget.fit("Reaction ~ Days + (1 | Subject)", sleep)
    with pytest.raises(DataError, match="column 'Days' is missing from newdata"):
        fit.design.new_data(sleep.drop(columns="Days"))
    # The response is not needed.
    assert fit.design.new_data(sleep.drop(columns="Reaction")).X.shape == (len(sleep), 2)


def test_unseen_fixed_level_is_an_error_naming_column_and_level(sleep):
    data = sleep.assign(grp=np.where(sleep["Days"] < 5, "early", "late"))
    fit = mixwidget.fit("Reaction ~ grp + (1 | Subject)", data)
    with pytest.raises(DataError, match="'grp' has the level 'middle'"):
        fit.design.new_data(data.head(2).assign(grp="middle"))


def test_unseen_groups_are_reported_not_refused(sleep):
    fit = mixwidget.fit("Reaction ~ Days + (Days | Subject)", sleep)
    new_rows = pd.DataFrame({"Days": [1.0, 2.0, 3.0], "Subject": ["308", "999", "999"]})
    new = fit.design.new_data(new_rows)
    block = new.random[0]
    assert block.unseen == ["999"]
    assert list(block.codes) == [fit.design.random[0].levels.index("308"), -1, -1]
    assert list(block.labels) == ["308", "999", "999"]
    np.testing.assert_array_equal(block.Z, [[1, 1], [1, 2], [1, 3]])


def test_schema_lists_levels_and_contrasts():
    data = pd.DataFrame({
        "y": np.arange(12.0) % 5,
        "temp": pd.Categorical(["175", "185", "195"] * 4, categories=["175", "185", "195"], ordered=True),
        "h": ["Treated", "control"] * 6,
        "g": np.repeat(["a", "b", "c", "d"], 3),
    })
    fit = mixwidget.fit("y ~ temp + h + (1 | g)", data)
    schema = fit.design.schema
    assert schema.contrasts == {"temp": "poly", "h": "treatment"}
    assert schema.codings["h"].levels == ["control", "Treated"]
    assert schema.group_levels == {"g": ["a", "b", "c", "d"]}
    assert list(fit.fixed.index) == ["(Intercept)", "temp.L", "temp.Q", "hTreated"]


def test_predictions_add_the_formulas_offset_as_lme4_does():
    cw = mixwidget.load_dataset("ChickWeight")
    fit = mixwidget.fit("log(weight) ~ Time + offset(log(Time + 1)) + (1 | Chick)", cw)
    rows = cw.loc[fit.design.rows]
    np.testing.assert_allclose(fit.predict(rows), fit.fitted, rtol=1e-6)
    np.testing.assert_allclose(fit.predict(), fit.fitted, rtol=1e-6)
