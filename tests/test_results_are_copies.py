"""A fit's results are copies: what a user (or our own code) does to them never changes the fit.

On pandas 2 (no copy-on-write) a Series or array taken from a table can be the table's own memory;
on every pandas, handing out the table object itself lets ``t["estimate"] *= 0`` change the fit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import mixwidget

FORMULA = "like ~ sex + PrivPub + (1 | school) + (1 | school:class)"


@pytest.fixture()
def science_fit(science):
    return mixwidget.fit(FORMULA, science)


def test_check_by_simulation_leaves_the_truth_alone(science_fit):
    before = science_fit.fixed.copy(deep=True)
    summary = science_fit.summary()
    mixwidget.check_by_simulation(science_fit, None, nsim=2, null_terms=["PrivPubpublic"], n_jobs=0)
    pd.testing.assert_frame_equal(science_fit.fixed, before)
    assert science_fit.summary() == summary
    assert science_fit.fixed.loc["PrivPubpublic", "estimate"] != 0


@pytest.mark.parametrize("name", ["fixed", "variance", "ranef", "vcov"])
def test_changing_a_table_handed_out_does_not_change_the_fit(science_fit, name):
    before = getattr(science_fit, name).copy(deep=True)
    table = getattr(science_fit, name)
    numeric = table.select_dtypes("number").columns
    table[numeric[0]] *= 0  # replaces the column in the table handed out
    table.iloc[0, table.columns.get_loc(numeric[-1])] = -1.0  # writes into its memory
    pd.testing.assert_frame_equal(getattr(science_fit, name), before)


def test_predictions_and_summary_survive_a_changed_table(science_fit):
    predicted, summary = science_fit.predict(), science_fit.summary()
    estimates = science_fit.fixed["estimate"]
    estimates.iloc[:] = 0.0  # on pandas 2 a column Series may be a view of the table's memory
    np.testing.assert_array_equal(science_fit.predict(), predicted)
    assert science_fit.summary() == summary


def test_shares_and_fitted_values_are_not_the_fit_s_own(science_fit):
    shares = science_fit.shares
    shares.iloc[:] = 0.0
    assert science_fit.shares.sum() == pytest.approx(1.0)
    with pytest.raises(ValueError, match="read-only"):
        science_fit.fitted[0] = 0.0
