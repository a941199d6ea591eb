"""Checks on the table a user hands in, before any formula meets it.

Every problem becomes a :class:`~mixwidget.errors.DataError` that says what is wrong and
what to do: a table that is not a pandas DataFrame (polars frames are converted), column
names that formulas cannot refer to one way only (duplicates, several header rows,
non-text names), and column types no model can use (complex numbers).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError

__all__ = ["as_frame", "check_frame", "check_model_frame", "check_used_columns", "read_csv_file"]


def as_frame(data: Any, what: str = "the data") -> pd.DataFrame:
    """``data`` as a pandas DataFrame with usable column names, or a DataError saying why not.

    A polars DataFrame (or LazyFrame) is converted with ``to_pandas()``; the path of a CSV file
    is read with ``pandas.read_csv``; anything else that is not a pandas DataFrame is refused
    with a hint how to make one.
    """
    if isinstance(data, pd.DataFrame):
        check_frame(data)
        return data
    if isinstance(data, (str, os.PathLike)):
        frame = read_csv_file(data, what)
        check_frame(frame)
        return frame
    module = type(data).__module__.split(".", 1)[0]
    name = type(data).__name__
    if module == "polars":
        if name == "LazyFrame":
            data = data.collect()
        try:
            converted = data.to_pandas()
        except Exception as exc:  # noqa: BLE001 - missing pyarrow and the like: say what to do
            raise DataError(
                f"{what} is a polars {name}, and converting it to pandas failed ({exc}); "
                "convert it yourself with df.to_pandas() (it needs pyarrow)"
            ) from exc
        check_frame(converted)
        return converted
    if isinstance(data, pd.Series):
        raise DataError(f"{what} is a pandas Series (one column); pass a DataFrame, e.g. series.to_frame()")
    if isinstance(data, dict):
        raise DataError(
            f"{what} is a dict; make a table of it first: pandas.DataFrame(your_dict) "
            "(one list of values per column name)"
        )
    raise DataError(
        f"{what} must be a pandas DataFrame (or a polars DataFrame), not {module}.{name}; "
        "load it with pandas, e.g. pandas.read_csv(...)"
    )


def read_csv_file(path: str | os.PathLike, what: str = "the data") -> pd.DataFrame:
    """The CSV file at ``path`` as a DataFrame (``pandas.read_csv``), or a DataError saying why not."""
    try:
        found = Path(path).is_file()
    except (OSError, ValueError):  # a name too long for the file system, a NUL byte
        found = False
    if not found:
        text = str(os.fspath(path))
        swapped = " (is it a formula? the data come second: fit(formula, data))" if "~" in text else ""
        shown = repr(text) if len(text) <= 80 else f"{text[:60]!r}... ({len(text):,} characters)"
        raise DataError(
            f"{what} is the text {shown}, which is not a file here{swapped}; pass a DataFrame, or the path "
            f"of a CSV file (relative paths start in {os.getcwd()!r})"
        )
    try:
        return pd.read_csv(path)
    except (ValueError, OSError) as exc:  # parser errors, empty files, bad encodings, no permission
        raise DataError(
            f"reading {os.fspath(path)!r} as a CSV file failed ({type(exc).__name__}: {exc}); read it with "
            "pandas.read_csv and the options it needs (sep=..., encoding=...), and pass the DataFrame"
        ) from exc


def check_frame(data: pd.DataFrame) -> None:
    """Refuse column names and types that would make formulas ambiguous or models wrong."""
    columns = data.columns
    if isinstance(columns, pd.MultiIndex):
        example = " / ".join(str(p) for p in columns[0])
        raise DataError(
            f"the data has {columns.nlevels} header rows (a MultiIndex, e.g. {example!r}); formulas need one "
            "name per column: flatten them first, e.g. df.columns = ['_'.join(map(str, c)) for c in df.columns]"
        )
    not_text = [c for c in columns if not isinstance(c, str)]
    if not_text:
        shown = ", ".join(repr(c) for c in not_text[:5])
        raise DataError(
            f"column names must be text, but {len(not_text)} are not ({shown}); name the columns, "
            "e.g. df.columns = [f'x{i}' for i in df.columns], or df.columns = df.columns.astype(str) and write a "
            "name that is a number in backticks in the formula: `1` ~ `2` + ..."
        )
    duplicated = columns[columns.duplicated()].unique()
    if len(duplicated):
        shown = ", ".join(repr(c) for c in duplicated[:5])
        raise DataError(
            f"the column names {shown} appear more than once, so a formula cannot say which is meant; "
            "rename the duplicates first"
        )


_HUGE = 1e150  # squares of bigger numbers overflow: no model matrix arithmetic survives them
_TINY = 1e-150  # a response this small has a variance that underflows to zero


def check_used_columns(data: pd.DataFrame, columns: list[str]) -> None:
    """Refuse column types that no model can use, before they are converted to numbers.

    Complex numbers would lose their imaginary part; dates and durations would become
    factors with one level per day (or nanosecond counts).
    """
    for name in columns:
        dtype = data[name].dtype
        if pd.api.types.is_complex_dtype(dtype):
            raise DataError(
                f"column '{name}' holds complex numbers, which a linear model cannot use; "
                f"model its real part (df['{name}'].real) or its size (abs) in a new column"
            )
        if pd.api.types.is_datetime64_any_dtype(dtype) or isinstance(dtype, pd.PeriodDtype):
            raise DataError(
                f"column '{name}' holds dates or times; make a number of it first, e.g. days since the start: "
                f"df['days'] = (df['{name}'] - df['{name}'].min()).dt.days, or the year: df['{name}'].dt.year"
            )
        if pd.api.types.is_timedelta64_dtype(dtype):
            raise DataError(
                f"column '{name}' holds durations; make a number of it first, e.g. in hours: "
                f"df['hours'] = df['{name}'].dt.total_seconds() / 3600"
            )


def check_model_frame(frame: pd.DataFrame, response: str, numeric: list[str]) -> None:
    """Refuse infinite, overflowing and vanishing values in the model's numeric variables (rows used).

    R's model frames refuse ``Inf`` ("NA/NaN/Inf in 'x'"); here the message names the
    variable and a row, and says what to do.
    """
    for var in numeric:
        values = frame[var].to_numpy(dtype=float)
        bad = ~np.isfinite(values)
        if bad.any():
            row = _label(frame.index[np.flatnonzero(bad)[0]])
            more = f" (and {int(bad.sum()) - 1} more rows)" if bad.sum() > 1 else ""
            raise DataError(
                f"'{var}' is {values[bad][0]:g} in row {row}{more}; a model needs finite numbers: remove "
                "those rows or put finite numbers in their place (R refuses Inf in a model frame too)"
            )
        big = np.abs(values) > _HUGE
        if big.any():
            row = _label(frame.index[np.flatnonzero(big)[0]])
            raise DataError(
                f"'{var}' is {values[big][0]:g} in row {row}, too large to compute with (squares overflow); "
                f"rescale it, e.g. I({var} / 1e{int(np.log10(np.abs(values[big][0])))})"
            )
    y = frame[response].to_numpy(dtype=float)
    top = np.abs(y).max() if len(y) else 0.0
    if 0 < top < _TINY:
        raise DataError(
            f"the response '{response}' is at most {top:g}, too small to compute with (its variance underflows "
            f"to zero); rescale it, e.g. I({response} * 1e{-int(np.floor(np.log10(top)))})"
        )
    if len(y) and (y == y[0]).all():
        raise DataError(
            f"the response '{response}' is {y[0]:g} in every row used, so there is nothing to model "
            "(R's lm reports an 'essentially perfect fit', lmer fails); model a column that varies"
        )


def _label(row: object) -> str:
    """A row label as a person writes it (5, 'a'), not numpy's repr (np.int64(5))."""
    value = row.item() if isinstance(row, np.generic) else row
    return repr(value)
