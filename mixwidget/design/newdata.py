"""Model matrices for new data, through the schema a design learned from its fit data.

As R's ``predict`` uses a model's ``terms`` and ``xlevels`` (and MixedModels.jl its
``_prediction_design``): the same transforms with the values they remembered (``scale``'s
centre and scale, ``poly``'s coefficients, ``mean``), the same factor levels and contrasts, the
same fixed columns. The response is not needed.

>>> fit = mixwidget.fit("Reaction ~ poly(Days, 2) + (Days | Subject)", sleep)
>>> new = fit.design.new_data(sleep.head(3))
>>> new.X                     # (3, 3): (Intercept), poly(Days, 2)1, poly(Days, 2)2
>>> new.random[0].labels      # the Subject of each row
>>> new.random[0].unseen      # Subjects the fit has not seen (the caller decides what they mean)
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..errors import DataError
from ..formula.parse import ModelFormula, RandomTerm
from ..formula.transforms import Factor, column_factor, column_names
from .frame import check_columns, evaluate, expression_of, predictor_variables, variables_for
from .modelmatrix import model_matrix
from .random import group_labels

if TYPE_CHECKING:  # the design module builds new designs through this one
    from .build import Design

__all__ = ["NewDesign", "NewRandomBlock", "new_design"]


@dataclass
class NewRandomBlock:
    """One random-effect term on new rows.

    Attributes
    ----------
    term : RandomTerm
    Z : ndarray
        (n, q) columns named as the fit's (``names``).
    names : list of str
    labels : ndarray of object
        Each row's group level as text (``"308"``, ``"1:a"`` for ``a:b`` groups), None where missing.
    codes : ndarray of int
        Index of each row's level in the fit's levels; -1 for a level the fit has not seen (or missing).
    unseen : list of str
        The levels in ``labels`` that the fit has not seen, in order of appearance.
    """

    term: RandomTerm
    Z: np.ndarray
    names: list[str]
    labels: np.ndarray
    codes: np.ndarray
    unseen: list[str]

    @property
    def group(self) -> str:
        return self.term.group


@dataclass
class NewDesign:
    """Model matrices for new rows, one row per row of the new data (same order and index).

    Rows with a missing value in a model variable have NaN in the affected columns.

    Attributes
    ----------
    X : ndarray
        (n, p) fixed-effect columns, named ``fixed_names`` (the fit's).
    fixed_names : list of str
    offset : ndarray
        (n,) the offset terms of the formula (zeros if none; an ``offset=`` given to ``fit`` is
        not part of the formula and is the caller's to add).
    random : list of NewRandomBlock
        One per random term, in the fit's order.
    rows : Index
        The new data's index.
    """

    X: np.ndarray
    fixed_names: list[str]
    offset: np.ndarray
    random: list[NewRandomBlock]
    rows: pd.Index


def new_design(design: Design, data: pd.DataFrame) -> NewDesign:
    """Build a design's fixed and random-effect matrices for new data.

    Parameters
    ----------
    design : Design
        The design of a fit (``fit.design``).
    data : DataFrame
        New rows with the columns the formula's predictors and groups use (the response may be absent).

    Raises
    ------
    DataError
        A column the model needs is missing (named), or a fixed-effect factor has a level the
        fit has not seen (column and level named). Unseen grouping levels are not an error
        here: they are listed in each random block's ``unseen``.
    """
    schema = design.schema
    if schema is None:
        raise DataError("this design was built without a schema; refit the model")
    if not isinstance(data, pd.DataFrame):
        raise DataError(f"new data must be a pandas DataFrame, not {type(data).__name__}")
    formula = schema.formula
    response_columns = set(_columns(formula, formula.response)) - set(_predictor_columns(formula))
    try:
        check_columns(formula, data, skip=tuple(response_columns))
    except DataError as exc:
        raise DataError(str(exc).replace(" not in data;", " is missing from newdata; the model needs it to predict;")) from None
    values, _ = evaluate(_without_response(formula), data, schema.state)
    n = len(data)
    for var, value in values.items():
        if isinstance(value, Factor) and var in schema.codings:
            known = set(schema.codings[var].levels)
            for label in value.labels:
                if label is not None and label not in known:
                    raise DataError(
                        f"'{var}' has the level '{label}', which the fit has not seen (its levels are "
                        f"{', '.join(schema.codings[var].levels)}); predictions need levels the model has estimated"
                    )
        elif isinstance(value, Factor) and var in predictor_variables(formula):
            raise DataError(f"'{var}' holds categories in the new data but numbers in the fit data")
    variables = variables_for({v: values[v] for v in predictor_variables(formula)}, schema.codings, None)
    X_full, _ = model_matrix(list(formula.fixed), formula.intercept, variables, n)
    X = X_full[:, schema.fixed_columns]
    offset = np.zeros(n)
    for o in formula.offsets:
        offset = offset + np.asarray(values[o], dtype=float)
    blocks = _new_random_blocks(design, data, variables)
    return NewDesign(X, list(schema.fixed_names), offset, blocks, data.index)


def _new_random_blocks(design: Design, data: pd.DataFrame, variables: dict) -> list[NewRandomBlock]:
    """The random terms' columns and group levels on new rows (levels the fit has not seen noted)."""
    schema = design.schema
    assert schema is not None
    n = len(data)
    group_values: dict[str, np.ndarray] = {}
    levels: dict[str, list[str]] = {}
    for g, fit_levels in schema.group_levels.items():
        labels = column_factor(data[g]).labels
        extended = list(fit_levels) + sorted({v for v in labels if v is not None} - set(fit_levels))
        index = {lev: i for i, lev in enumerate(extended)}
        group_values[g] = np.fromiter((-1 if v is None else index[v] for v in labels), dtype=np.int64, count=n)
        levels[g] = extended
    blocks = []
    for term, fitted in zip(schema.formula.random, design.random):
        Z, names = model_matrix([tuple(s.split(":")) for s in term.slopes], term.intercept, variables, n)
        labels = group_labels(term, group_values, levels)
        index = {lev: i for i, lev in enumerate(fitted.levels)}
        inverse, uniques = pd.factorize(pd.Series(labels, dtype=object), use_na_sentinel=True)
        lookup = np.array([index.get(v, -1) for v in uniques] + [-1], dtype=np.int64)
        codes = lookup[inverse]
        unseen = [v for v in uniques if v not in index]
        blocks.append(NewRandomBlock(term, Z, names, labels, codes, unseen))
    return blocks


def _columns(formula: ModelFormula, var: str) -> list[str]:
    return column_names(expression_of(formula, var))


def _predictor_columns(formula: ModelFormula) -> list[str]:
    return [c for v in formula.variables()[1:] for c in _columns(formula, v)]


def _without_response(formula: ModelFormula) -> ModelFormula:
    """The formula's predictors only (the response may be absent from new data)."""
    others = formula.variables()[1:]
    if formula.response in others:
        return formula
    # Evaluate the predictors only: give the response's slot to the first predictor.
    first = others[0] if others else None
    if first is None:
        return replace(formula, fixed=(), random=(), offsets=())
    return replace(formula, response=first)
