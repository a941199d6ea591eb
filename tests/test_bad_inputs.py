"""Bad input, as a careless user or an attacker types it: each gets our own error saying what to do.

Each case is a data frame made from the science data and a formula; the test asserts the
exception class and the words that tell the user what is wrong and what to change.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import mixwidget
from mixwidget import DataError, ModelTooBig


def _with(science, **columns):
    d = science.copy()
    for name, values in columns.items():
        d[name] = values(d) if callable(values) else values
    return d


def _renamed(science, names):
    d = science.copy()
    d.columns = names(list(d.columns))
    return d


def _inf_at(s, row, value=np.inf):
    s = s.astype(float).copy()
    s.iloc[row] = value
    return s


BAD_DATA = [
    ("inf in the response", lambda d: _with(d, like=lambda x: _inf_at(x["like"], 5)), "like ~ sex + (1 | school)",
     DataError, r"column 'like' holds an infinite value \(e\.g\. in row 5\); R refuses Inf"),
    ("-inf in the response", lambda d: _with(d, like=lambda x: _inf_at(x["like"], 0, -np.inf)), "like ~ sex",
     DataError, r"column 'like' holds an infinite value \(e\.g\. in row 0\)"),
    ("constant response, REML", lambda d: _with(d, like=3), "like ~ sex + (1 | school)",
     DataError, r"'like' is 3 in every row used, so there is nothing to model"),
    ("constant response, least squares", lambda d: _with(d, like=3.5), "like ~ sex",
     DataError, r"is 3.5 in every row used"),
    ("1e300 responses", lambda d: _with(d, like=lambda x: x["like"] * 1e300), "like ~ sex + (1 | school)",
     DataError, r"too large to compute with.*rescale it, e\.g\. I\(like / 1e300\)"),
    ("1e-300 responses", lambda d: _with(d, like=lambda x: x["like"] * 1e-300), "like ~ sex + (1 | school)",
     DataError, r"too small to compute with.*I\(like \* 1e300\)"),
    ("inf in a predictor", lambda d: _with(d, x=lambda x: _inf_at(pd.Series(np.linspace(0, 1, len(x))), 7)),
     "like ~ x + (1 | school)", DataError, r"column 'x' holds an infinite value \(e\.g\. in row 7\)"),
    ("1e300 in a predictor", lambda d: _with(d, x=lambda x: _inf_at(pd.Series(np.linspace(0, 1, len(x))), 9, 1e300)),
     "like ~ x + (1 | school)", DataError, r"'x' is 1e\+300 in row 9, too large"),
    ("a datetime predictor", lambda d: _with(d, when=pd.date_range("2020-01-01", periods=len(d))),
     "like ~ when + (1 | school)", DataError, r"column 'when' holds dates or times; make a number of it first"),
    ("a duration predictor", lambda d: _with(d, took=pd.to_timedelta(np.arange(len(d)), unit="h")),
     "like ~ took", DataError, r"column 'took' holds durations.*total_seconds"),
    ("a complex column", lambda d: _with(d, z=lambda x: x["like"] + 1j), "like ~ z + (1 | school)",
     DataError, r"column 'z' holds complex numbers.*real part"),
    ("duplicate column names", lambda d: _renamed(d, lambda c: c[:-1] + ["like"]), "like ~ sex",
     DataError, r"'like' appear more than once.*rename the duplicates"),
    ("a MultiIndex of column names", lambda d: _renamed(d, lambda c: pd.MultiIndex.from_tuples([(n, "a") for n in c])),
     "like ~ sex", DataError, r"2 header rows \(a MultiIndex.*flatten them first"),
    ("a column named 2", lambda d: _with(d, **{"2": 1.0}).rename(columns={"2": 2}), "like ~ sex",
     DataError, r"column names must be text, but 1 are not \(2\).*astype\(str\)"),
    ("integer column names", lambda d: d.set_axis(range(d.shape[1]), axis=1), "like ~ sex",
     DataError, r"column names must be text, but 7 are not \(0, 1, 2, 3, 4\)"),
    ("two rows for two coefficients", lambda d: _with(d, x=lambda x: np.arange(len(x), dtype=float)).head(2),
     "like ~ x", DataError, r"2 fixed-effect coefficients \(\(Intercept\), x\) but only 2 rows"),
    ("a 2,211-parameter covariance", lambda d: d, "like ~ 1 + (0 + Class | State)",
     ModelTooBig, r"2,211 covariance parameters .* limit of 120: a fit of this size takes minutes to hours"),
    ("a fixed factor with 1,000 levels", lambda d: _with(d, id=lambda x: [f"s{i % 1000}" for i in range(len(x))]),
     "like ~ id", ModelTooBig, r"fixed part has up to 1,001 columns .* limit of 500.*\(1 \| factor\)"),
]


@pytest.mark.parametrize(("label", "make", "formula", "error", "message"), BAD_DATA, ids=[c[0] for c in BAD_DATA])
def test_bad_data_gets_our_error(science, label, make, formula, error, message):
    with pytest.raises(error, match=message):
        mixwidget.fit(formula, make(science))


NOT_A_FRAME = [
    ("a dict", {"like": [1, 2, 3]}, r"is a dict; make a table of it first: pandas\.DataFrame\(your_dict\)"),
    ("a list", [[1, 2], [3, 4]], r"must be a pandas DataFrame \(or a polars DataFrame\), not builtins\.list"),
    ("a numpy array", np.zeros((3, 2)), r"not numpy\.ndarray; load it with pandas"),
    ("a Series", pd.Series([1.0, 2.0]), r"is a pandas Series \(one column\).*to_frame\(\)"),
    ("nothing", None, r"not builtins\.NoneType"),
]


@pytest.mark.parametrize(("label", "data", "message"), NOT_A_FRAME, ids=[c[0] for c in NOT_A_FRAME])
def test_a_table_that_is_not_a_data_frame_is_explained(label, data, message):
    with pytest.raises(DataError, match=message):
        mixwidget.fit("like ~ sex", data)
    with pytest.raises(DataError, match=message):
        mixwidget.explore(data)


def test_reml_must_be_a_bool(science):
    with pytest.raises(DataError, match="reml must be True or False, not 'no'; e.g. reml=False"):
        mixwidget.fit("like ~ sex", science, reml="no")
    with pytest.raises(DataError, match="not 0"):
        mixwidget.fit("like ~ sex + (1 | school)", science).refit(0)
    assert not mixwidget.fit("like ~ sex + (1 | school)", science, reml=np.bool_(False)).reml


def test_the_size_check_can_be_lifted(science):
    d = _with(science, id=lambda x: [f"s{i % 600}" for i in range(len(x))])
    with pytest.raises(ModelTooBig):
        mixwidget.fit("like ~ id", d)
    assert mixwidget.fit("like ~ id", d, limits=mixwidget.Limits(fixed_columns=700)).nobs == 1385


class _FakePolarsFrame:
    """Stands in for a polars DataFrame: the same module and class name, and ``to_pandas``."""

    __module__ = "polars.dataframe.frame"

    def __init__(self, frame: pd.DataFrame) -> None:
        self._frame = frame

    def to_pandas(self) -> pd.DataFrame:
        return self._frame.copy()


_FakePolarsFrame.__name__ = "DataFrame"


def test_a_polars_frame_is_converted(science):
    f = mixwidget.fit("like ~ sex + (1 | school)", _FakePolarsFrame(science))
    assert f.nobs == 1383 and isinstance(f.data, pd.DataFrame)
