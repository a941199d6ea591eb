"""Factor levels in R's order, and R's contrasts.

Level order follows R's ``factor()``:

- pandas categoricals keep their categories' order (as an R factor keeps its levels);
- numbers sort numerically (``2`` before ``10``), ``FALSE`` before ``TRUE``;
- text sorts as R sorts it in its default collation (ICU's, as in an ``en_US.UTF-8`` or
  ``C.UTF-8`` R session on Debian): letters compare without regard to case or accents first
  ("control" before "Treated"), then accents, then lower case before upper case ("b" before
  "B"); punctuation and spaces sort before digits, and digits before letters.

Unordered factors get treatment contrasts (``contr.treatment``: one column per level after the
first); ordered categoricals (``pd.Categorical(..., ordered=True)``, R's ``ordered()``) get
orthogonal polynomial contrasts (``contr.poly``), named ``.L``, ``.Q``, ``.C``, ``^4``, ... as lme4
names them.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..formula.transforms import Factor

__all__ = ["Coding", "collation_key", "sort_levels", "contr_poly", "coding_for"]


def _char_key(ch: str) -> tuple[int, str]:
    if ch.isalpha():
        return (3, ch.casefold())
    if ch.isdigit():
        return (2, ch)
    if ch.isspace():
        return (0, ch)
    return (1, ch)


def collation_key(text: str) -> tuple:
    """A sort key that orders text as R's default (ICU) collation does."""
    decomposed = unicodedata.normalize("NFD", text)
    base = [c for c in decomposed if not unicodedata.combining(c)]
    primary = tuple(_char_key(c) for c in base)
    secondary = tuple(c for c in decomposed if unicodedata.combining(c))
    tertiary = tuple(0 if not c.isupper() else 1 for c in base)
    return (primary, secondary, tertiary, text)


def sort_levels(factor: Factor) -> list[str]:
    """The levels of a factor in R's order (only levels present, unless the order is given)."""
    present = {v for v in factor.labels if v is not None}
    if factor.levels is not None:
        return [lev for lev in factor.levels if lev in present]
    if factor.sort == "number":
        return sorted(present, key=float)
    if factor.sort == "logical":
        return [v for v in ("FALSE", "TRUE") if v in present]
    return sorted(present, key=collation_key)


def contr_poly(n: int) -> np.ndarray:
    """R's ``contr.poly(n)``: orthonormal polynomial contrasts on 1..n, (n, n - 1)."""
    x = np.arange(1, n + 1, dtype=float) - (n + 1) / 2
    X = np.vander(x, n, increasing=True)
    Q, R = np.linalg.qr(X)
    Z = Q * np.sign(np.diag(R))
    return Z[:, 1:]


def poly_names(n: int) -> list[str]:
    """R's names for ``contr.poly`` columns: .L, .Q, .C, ^4, ^5, ..."""
    named = [".L", ".Q", ".C"]
    return [named[k] if k < 3 else f"^{k + 1}" for k in range(n - 1)]


@dataclass
class Coding:
    """How a factor becomes columns: its levels, its contrasts and their column suffixes."""

    levels: list[str]
    contrasts: str  # "treatment" or "poly"
    suffixes: list[str]

    @property
    def matrix(self) -> np.ndarray:
        """The contrast matrix, (levels, levels - 1)."""
        n = len(self.levels)
        return contr_poly(n) if self.contrasts == "poly" else np.eye(n)[:, 1:]

    def columns(self, codes: np.ndarray, contrasts: bool) -> tuple[np.ndarray, list[str]]:
        """Rows of the contrast (or, without contrasts, indicator) columns; NaN where ``codes`` is -1."""
        if contrasts and self.contrasts == "poly":
            out = self.matrix[np.maximum(codes, 0)]
            suffixes = self.suffixes
        else:
            first = 1 if contrasts else 0
            suffixes = self.suffixes if contrasts else list(self.levels)
            out = np.zeros((len(codes), len(self.levels) - first))
            rows = np.flatnonzero(codes >= first)
            out[rows, codes[rows] - first] = 1.0
        return np.where((codes < 0)[:, None], np.nan, out), suffixes

    def codes(self, labels: np.ndarray) -> np.ndarray:
        """Level index of each label (-1 where missing); KeyError for an unknown level."""
        index = {lev: i for i, lev in enumerate(self.levels)}
        codes, uniques = pd.factorize(pd.Series(labels, dtype=object), use_na_sentinel=True)
        lookup = np.array([index[v] for v in uniques] + [-1], dtype=np.int64)
        return lookup[codes]


def coding_for(factor: Factor) -> Coding:
    """The levels and contrasts R would use for this factor."""
    levels = sort_levels(factor)
    n = len(levels)
    if factor.ordered and n > 1:
        return Coding(levels, "poly", poly_names(n))
    return Coding(levels, "treatment", levels[1:])
