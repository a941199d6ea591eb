"""mixwidget: see linear mixed-effects models at work, in a notebook."""

from .check import check_by_simulation
from .compare import Comparison, compare
from .data import DATASETS, load_dataset
from .errors import DataError, FormulaError, MixWidgetError, ModelError
from .fit import MixedFit, fit
from .limits import Limits, ModelTooBig
from .pooling import pooling
from .populations import prediction_table
from .simulate import simulate, simulated_data

_WIDGET_NAMES = ("MixWidget", "explore")


def __getattr__(name: str) -> object:
    """The widget is imported on first use: fitting alone (e.g. in a worker process) never loads it."""
    if name in _WIDGET_NAMES:
        from . import widget

        return getattr(widget, name)
    raise AttributeError(f"module 'mixwidget' has no attribute {name!r}")


__all__ = [
    "Comparison",
    "check_by_simulation",
    "DATASETS",
    "DataError",
    "FormulaError",
    "Limits",
    "MixWidgetError",
    "MixWidget",
    "MixedFit",
    "ModelError",
    "ModelTooBig",
    "compare",
    "explore",
    "fit",
    "load_dataset",
    "pooling",
    "prediction_table",
    "simulate",
    "simulated_data",
]
