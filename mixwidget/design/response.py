"""The response vector of a model, from the model frame.

One numeric column (or expression of columns, ``sqrt(weight)``) per row; a categorical response
is refused with a message saying how to code it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import DataError
from ..formula.parse import ModelFormula
from ..formula.transforms import Columns, Factor
from .frame import ModelFrame

__all__ = ["response_vector"]


def _describe(s: pd.Series) -> str:
    values = pd.unique(s.dropna())[:3]
    shown = ", ".join(repr(v) for v in values)
    return f"values such as {shown}" if shown else "no values"


def response_vector(formula: ModelFormula, frame: ModelFrame, data: pd.DataFrame) -> np.ndarray:
    """The response on the frame's rows, as floats; DataError if it is not numeric."""
    response = frame.values[formula.response]
    if isinstance(response, (Factor, Columns)):
        used = np.flatnonzero(frame.keep)
        shown = _describe(data[formula.response].iloc[used]) if formula.response in data.columns else "categories"
        raise DataError(
            f"the response '{formula.response}' is not numeric (it holds {shown}); "
            "model a numeric column, or code the outcome as numbers"
        )
    return np.asarray(response, dtype=float)
