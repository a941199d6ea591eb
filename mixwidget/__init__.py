"""mixwidget: see linear mixed-effects models at work, in a notebook."""

from .compare import Comparison, compare
from .data import DATASETS, load_dataset
from .errors import DataError, FormulaError, MixWidgetError, ModelError
from .fit import MixedFit, fit
from .pooling import pooling
from .populations import prediction_table
from .widget import MixWidget, explore

__all__ = [
    "Comparison",
    "DATASETS",
    "DataError",
    "FormulaError",
    "MixWidgetError",
    "MixWidget",
    "MixedFit",
    "ModelError",
    "compare",
    "explore",
    "fit",
    "load_dataset",
    "pooling",
    "prediction_table",
]
