"""mixwidget: see linear mixed-effects models at work, in a notebook."""

from .check import check_by_simulation
from .compare import Comparison, compare
from .data import DATASETS, load_dataset
from .errors import DataError, FormulaError, MixWidgetError, ModelError
from .fit import MixedFit, fit
from .pooling import pooling
from .populations import prediction_table
from .simulate import simulate, simulated_data
from .widget import MixWidget, explore

__all__ = [
    "Comparison",
    "check_by_simulation",
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
    "simulate",
    "simulated_data",
]
