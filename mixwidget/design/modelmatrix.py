"""Columns of a model matrix from evaluated variables, as R's ``model.matrix`` makes them.

A variable is numeric (one or several columns, e.g. ``poly(x, 2)``) or a factor coded by a
:class:`~mixwidget.contrasts.Coding`. A factor in a term is coded by its contrasts when the rest
of the term is in the model (the margin), and by one column per level otherwise, as R does.
Column names are R's: ``sexm``, ``Time:Diet2``, ``poly(x, 2)1``, ``temperature.L``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .contrasts import Coding

__all__ = ["Variable", "model_matrix"]


@dataclass
class Variable:
    """An evaluated model variable on a set of rows."""

    values: np.ndarray | None = None  # (n, k) numeric columns
    suffixes: list[str] | None = None  # column suffixes ([""] for one column)
    codes: np.ndarray | None = None  # (n,) level index for a factor, -1 where missing
    coding: Coding | None = None

    @property
    def is_factor(self) -> bool:
        return self.coding is not None

    def columns(self, contrasts: bool) -> tuple[np.ndarray, list[str]]:
        """The variable's columns and name suffixes (contrast or full coding for a factor)."""
        if self.coding is None:
            assert self.values is not None and self.suffixes is not None
            return self.values, self.suffixes
        assert self.codes is not None
        return self.coding.columns(self.codes, contrasts)


def _term_columns(
    term: tuple[str, ...], model_terms: set[frozenset[str]], variables: dict[str, Variable], n: int
) -> tuple[list[np.ndarray], list[str]]:
    cols: list[np.ndarray] = [np.ones(n)]
    names: list[str] = [""]
    for var in term:
        v = variables[var]
        rest = frozenset(term) - {var}
        contrasts = (not rest and frozenset() in model_terms) or (bool(rest) and rest in model_terms)
        values, suffixes = v.columns(contrasts if v.is_factor else True)
        # R varies the first variable fastest: loop outermost over this variable's columns.
        new_cols, new_names = [], []
        for j, suffix in enumerate(suffixes):
            label = var + suffix
            for c, name in zip(cols, names):
                new_cols.append(c * values[:, j])
                new_names.append(f"{name}:{label}" if name else label)
        cols, names = new_cols, new_names
    return cols, names


def model_matrix(
    terms: list[tuple[str, ...]], intercept: bool, variables: dict[str, Variable], n: int
) -> tuple[np.ndarray, list[str]]:
    """The model matrix of these terms, and R's column names."""
    model_terms = {frozenset(t) for t in terms}
    if intercept:
        model_terms.add(frozenset())
    columns: list[np.ndarray] = [np.ones(n)] if intercept else []
    names: list[str] = ["(Intercept)"] if intercept else []
    for term in terms:
        c, nm = _term_columns(term, model_terms, variables, n)
        columns.extend(c)
        names.extend(nm)
        if len(term) == 1 and variables[term[0]].is_factor:
            # Without an intercept R codes the first factor fully and the later ones by contrasts.
            model_terms.add(frozenset())
    X = np.column_stack(columns) if columns else np.empty((n, 0))
    return X, names
