"""mixwidget: see linear mixed-effects models at work, in a notebook."""

from .data import DATASETS, load_dataset
from .errors import DataError, FormulaError, MixWidgetError, ModelError
from .fit import MixedFit, fit

__all__ = [
    "DATASETS",
    "DataError",
    "FormulaError",
    "MixWidgetError",
    "MixedFit",
    "ModelError",
    "fit",
    "load_dataset",
]
