"""mixwidget: see linear mixed-effects models at work, in a notebook."""

from .data import DATASETS, load_dataset
from .compare import Comparison, compare
from .errors import DataError, FormulaError, MixWidgetError, ModelError
from .fit import MixedFit, fit
from .pooling import pooling

__all__ = [
    "Comparison",
    "DATASETS",
    "DataError",
    "FormulaError",
    "MixWidgetError",
    "MixedFit",
    "ModelError",
    "compare",
    "fit",
    "load_dataset",
    "pooling",
]
