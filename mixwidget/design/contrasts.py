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
names them. Others are given by ``C(x, contr.sum)`` in the formula or ``fit(..., contrasts=)``:
``contr.sum`` and ``contr.helmert`` (columns named 1, 2, ...), ``contr.SAS`` (treatment against the
last level) and treatment against another base (``C(x, contr.treatment, base = 2)``: columns named
by the other levels' numbers, as R names them). ``relevel(x, "b")`` puts a level first.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import DataError
from ..formula.transforms import Factor

__all__ = ["Coding", "collation_key", "sort_levels", "contr_poly", "coding_for", "contrast_matrix"]


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
        levels = [lev for lev in factor.levels if lev in present]
    elif factor.sort == "number":
        levels = sorted(present, key=float)
    elif factor.sort == "logical":
        levels = [v for v in ("FALSE", "TRUE") if v in present]
    else:
        levels = sorted(present, key=collation_key)
    if factor.first is not None and factor.first in present:
        levels = [factor.first, *(lev for lev in levels if lev != factor.first)]
    return levels


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


def contrast_matrix(kind: str, n: int, base: int = 1) -> np.ndarray:
    """R's ``contr.<kind>(n)``, (n, n - 1); ``base`` (1-based) for treatment contrasts."""
    if kind == "poly":
        return contr_poly(n)
    if kind == "sum":
        return np.vstack([np.eye(n - 1), -np.ones((1, n - 1))])
    if kind == "helmert":
        out = np.zeros((n, n - 1))
        for j in range(n - 1):
            out[: j + 1, j] = -1.0
            out[j + 1, j] = j + 1.0
        return out
    if kind == "SAS":
        base = n
    return np.delete(np.eye(n), base - 1, axis=1)


def contrast_suffixes(kind: str, levels: list[str], base: int | None) -> list[str]:
    """R's column names for these contrasts: level names, numbers, or .L, .Q, ..."""
    n = len(levels)
    if kind == "poly":
        return poly_names(n)
    if kind in ("sum", "helmert"):
        return [str(k) for k in range(1, n)]
    if kind == "SAS":
        return levels[:-1]
    if base is not None:  # contr.treatment(n, base = k) names its columns by the levels' numbers
        return [str(k) for k in range(1, n + 1) if k != base]
    return levels[1:]

@dataclass
class Coding:
    """How a factor becomes columns: its levels, its contrasts and their column suffixes."""

    levels: list[str]
    contrasts: str  # "treatment", "poly", "sum", "helmert" or "SAS"
    suffixes: list[str]
    base: int = 1  # the base level (1-based) of treatment contrasts

    @property
    def matrix(self) -> np.ndarray:
        """The contrast matrix, (levels, levels - 1)."""
        return contrast_matrix(self.contrasts, len(self.levels), self.base)

    def columns(self, codes: np.ndarray, contrasts: bool) -> tuple[np.ndarray, list[str]]:
        """Rows of the contrast (or, without contrasts, indicator) columns; NaN where ``codes`` is -1."""
        if contrasts and (self.contrasts != "treatment" or self.base != 1):
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


def coding_for(factor: Factor, contrasts: str | None = None) -> Coding:
    """The levels and contrasts R would use for this factor.

    ``contrasts``: given for the variable (``fit(..., contrasts=)``), as ``"sum"``, ``"helmert"``, ...;
    otherwise those of ``C()``, else treatment (unordered) or polynomial (ordered) contrasts.
    """
    levels = sort_levels(factor)
    n = len(levels)
    kind = contrasts or factor.contrasts or ("poly" if factor.ordered and n > 1 else "treatment")
    base = factor.base if kind == "treatment" and factor.base is not None and not contrasts else None
    if base is not None and base > n:
        raise DataError(f"the base level {base} of the treatment contrasts is beyond the factor's {n} levels")
    if n < 2:
        kind = "treatment"
    return Coding(levels, kind, contrast_suffixes(kind, levels, base), base or 1)
