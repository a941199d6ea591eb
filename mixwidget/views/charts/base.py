"""What every chart is made of: a spec built once per structure, and data built per fit.

A chart type pairs two functions with one signature each:

- ``data(request) -> ChartData``: this fit's tables (pandas/numpy, no Altair), its title, and
  the *structure key*, a hashable value naming everything the spec depends on (terms, models,
  panels). Raises :class:`NotApplicable` when the chart does not apply.
- ``spec(key, look) -> alt.TopLevelMixin``: the chart's marks, encodings and looks for that
  structure, without data or title. Called once per (key, look); its ``to_dict()`` is cached
  as a plain dict, so refits of the same structure touch no Altair object.

The widget sends the cached spec when the key changes and the datasets on every refit; an
Altair chart (:func:`altair_chart`) is the spec built afresh plus the same data and title.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from ...model.fit import MixedFit

__all__ = [
    "ChartData",
    "ChartRequest",
    "ChartType",
    "Look",
    "NotApplicable",
    "altair_chart",
    "chart_spec",
    "columns",
    "fill",
    "placeholder",
    "placeholders",
    "records",
    "rows",
    "title_spec",
]


class NotApplicable(Exception):
    """The chart does not apply to this model; the message says why and what would make it apply."""


@dataclass(frozen=True)
class Look:
    """How a chart looks apart from its data: part of every spec's cache key.

    Attributes
    ----------
    theme : str
        ``"light"`` (the default).
    width : int or None
        Width in pixels the chart should fit, or None for each chart's own width.
    """

    theme: str = "light"
    width: int | None = None


@dataclass(frozen=True)
class ChartRequest:
    """Everything a chart's data function may use.

    Attributes
    ----------
    fits : mapping of str to MixedFit
        Models by name, the current one included (charts that compare models show them all,
        in this order; the others show only ``fits[current]``).
    current : str
        Name of the current model in ``fits``.
    group : str or None
        The grouping factor per-group charts show (None: each chart's default).
    facet : str or None
        The factor splitting ``lines`` into panels (None: found automatically, "": no panels).
    look : Look
        Theme and size.
    options : mapping
        Chart-specific options (``include_intercept`` for effects, ``pool`` for a precomputed
        pooling table).
    """

    fits: Mapping[str, MixedFit]
    current: str
    group: str | None = None
    facet: str | None = None
    look: Look = field(default_factory=Look)
    options: Mapping[str, Any] = field(default_factory=dict)

    @property
    def fit(self) -> MixedFit:
        """The current model."""
        return self.fits[self.current]


@dataclass
class ChartData:
    """One fit's part of a chart: named tables, title lines and the structure key of the spec."""

    key: Hashable
    datasets: dict[str, pd.DataFrame]
    title: str
    subtitle: list[str] = field(default_factory=list)

    def records(self) -> dict[str, list[dict[str, Any]]]:
        """The datasets as JSON-ready rows, as Altair's ``datasets`` holds them."""
        return {name: records(df) for name, df in self.datasets.items()}

    def columns(self) -> dict[str, dict[str, list[Any]]]:
        """The datasets as JSON-ready columns (column name -> values), as the widget sends them.

        One list per column instead of one dict per row: cheaper to build and to send; the
        browser turns each dataset back into rows (:func:`rows` does the same in Python).
        """
        return {name: columns(df) for name, df in self.datasets.items()}

    def caption(self) -> dict[str, Any]:
        """Title and subtitle lines, as the widget sends them beside the spec."""
        return {"title": self.title, "subtitle": [line for line in self.subtitle if line]}


@dataclass(frozen=True)
class ChartType:
    """A chart: its name, its data function and its spec function (see the module docstring)."""

    name: str
    data: Callable[[ChartRequest], ChartData]
    spec: Callable[[Hashable, Look], alt.TopLevelMixin]
    #: Optional: the spec as a plain dict built faster than ``spec(...).to_dict()`` (e.g. one
    #: panel built in Altair and repeated as dicts); it must equal that dict (tests check).
    spec_dict: Callable[[Hashable, Look], dict[str, Any]] | None = None


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-ready rows: NaN becomes None, numpy scalars Python numbers, floats rounded to 10 decimals."""
    return rows(columns(df))


def columns(df: pd.DataFrame) -> dict[str, list[Any]]:
    """JSON-ready columns, column name -> values, with the values of :func:`records`."""
    return {str(name): _json_values(values) for name, values in df.items()}


def rows(table: Mapping[str, list[Any]]) -> list[dict[str, Any]]:
    """The rows of a table sent as columns (:func:`columns`): ``rows(columns(df)) == records(df)``."""
    names = list(table)
    return [dict(zip(names, row)) for row in zip(*table.values())]


def _json_values(column: pd.Series) -> list[Any]:
    values = column.to_numpy()
    kind = values.dtype.kind
    if kind == "f":
        rounded = np.round(values, 10)
        out = rounded.tolist()
        if np.isnan(rounded).any() or np.isinf(rounded).any():
            out = [v if math.isfinite(v) else None for v in out]
        return out
    if kind in "iubU" or (kind == "O" and pd.api.types.infer_dtype(values, skipna=False) == "string"):
        return values.tolist()
    if kind in "mM":
        return json.loads(column.to_json(orient="values", date_format="iso"))
    return [_json_value(v) for v in values]


def _json_value(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float):
        return None if not math.isfinite(value) else round(value, 10)
    if isinstance(value, np.generic):
        return _json_value(value.item())
    return value


def title_spec(data: ChartData) -> dict[str, Any]:
    """The Vega-Lite title of a chart (the same as in :func:`altair_chart`)."""
    return {
        "text": data.title, "anchor": "start", "fontSize": 18, "subtitle": data.subtitle or "",
        "subtitleColor": "#444", "subtitleFontSize": 14,
    }


@lru_cache(maxsize=256)
def _cached_spec(chart: ChartType, key: Hashable, look: Look) -> dict[str, Any]:
    # Specs are checked against the Vega-Lite schema by the tests, not on every new structure:
    # validating a spec with many panels takes seconds.
    spec = chart.spec_dict(key, look) if chart.spec_dict else chart.spec(key, look).to_dict(validate=False)
    spec.pop("datasets", None)
    return spec


#: Every placeholder starts so; a name containing it is built by Altair instead (see :func:`fill`).
_MARK = "__mixwidget_"


def placeholder(what: str) -> str:
    """A string standing for a name in a spec template: ``fill`` puts the name in its place."""
    return f"{_MARK}{what}__"


def placeholders(what: str, n: int) -> tuple[str, ...]:
    """``n`` placeholders, one per name of a list (e.g. the models)."""
    return tuple(placeholder(f"{what}{i}") for i in range(n))


def can_fill(names: Mapping[str, Any]) -> bool:
    """Whether :func:`fill` can put these names in a template: plain strings with no placeholder in them."""
    return all(type(name) is str and _MARK not in name for name in names.values())


def _quoted(value: str) -> str:
    """``value`` as Altair writes it inside a Vega expression (``alt.datum.x == value``)."""
    return str(alt.datum.x == value)[len("(datum.x === "):-1]


def fill(node: Any, names: Mapping[str, str], replace: Mapping[str, str] | None = None) -> Any:
    """A copy of a spec template with each placeholder (a key of ``names``) replaced by its name.

    A string equal to a placeholder becomes the name; a placeholder inside a string becomes the
    name, quoted as Altair quotes a string in a Vega expression where the template has it quoted
    so (``datum.panel === 'name'``). ``replace`` first replaces other strings (plain, e.g. numbers
    written in an expression). Names must pass :func:`can_fill`.
    """
    pairs = [(_quoted(ph), _quoted(name), ph, name) for ph, name in names.items()]
    plain = list((replace or {}).items())

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        if isinstance(node, str):
            for old, new in plain:
                if old in node:
                    node = node.replace(old, new)
            if _MARK in node:
                for quoted_ph, quoted_name, ph, name in pairs:
                    if node == ph:
                        return name
                    if ph in node:
                        node = node.replace(quoted_ph, quoted_name).replace(ph, name)
        return node

    return walk(node)


def chart_spec(chart: ChartType, key: Hashable, look: Look | None = None) -> dict[str, Any]:
    """The plain Vega-Lite spec of ``chart`` for a structure key, built once and cached.

    The same dict is returned on every call: do not modify it.
    """
    return _cached_spec(chart, key, look or Look())


def altair_chart(chart: ChartType, request: ChartRequest) -> alt.TopLevelMixin:
    """The chart as an Altair object: its spec built afresh, with this fit's data and title."""
    data = chart.data(request)
    out = chart.spec(data.key, request.look)
    out.title = alt.Title(**title_spec(data))
    out.datasets = data.records()
    return out
