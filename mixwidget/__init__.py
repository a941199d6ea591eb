"""mixwidget: see linear mixed-effects models at work, in a notebook."""

from .data import DATASETS, load_dataset
from .design.limits import Limits, ModelTooBig
from .errors import DataError, FormulaError, MixWidgetError, ModelError
from .model.compare import Comparison, compare
from .model.fit import MixedFit, fit
from .model.pooling import pooling
from .model.populations import prediction_table
from .simulation.check import check_by_simulation
from .simulation.simulate import simulate, simulated_data

__version__ = "0.1.0"  # the package's version (pyproject.toml reads it from here)

_WIDGET_NAMES = ("MixWidget", "explore")


def __getattr__(name: str) -> object:
    """The widget is imported on first use: fitting alone (e.g. in a worker process) never loads it."""
    if name in _WIDGET_NAMES:
        from .widget import explorer

        return getattr(explorer, name)
    if name == "charts":  # the chart builders (Altair), also loaded on first use
        from .views import charts

        return charts
    raise AttributeError(f"module 'mixwidget' has no attribute {name!r}")


def __dir__() -> list[str]:
    """The module's names with the ones loaded on first use, so Tab completion finds ``explore``."""
    return sorted({*globals(), *_WIDGET_NAMES, "charts"})


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
