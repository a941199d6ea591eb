"""Plain-language notes about a fit: what a boundary fit means, dropped rows, convergence."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .glmm_notes import generalized_notes

if TYPE_CHECKING:
    from .fit import MixedFit

__all__ = ["fit_messages", "relative_cholesky_diagonal"]


def relative_cholesky_diagonal(cov: np.ndarray, sigma: float) -> np.ndarray:
    """Diagonal of the Cholesky factor of cov / sigma^2 (lme4's theta on the diagonal).

    Works for singular matrices: a pivot that is not positive counts as zero.
    """
    a = np.asarray(cov, dtype=float) / sigma**2
    q = a.shape[0]
    L = np.zeros_like(a)
    for j in range(q):
        d = a[j, j] - L[j, :j] @ L[j, :j]
        L[j, j] = np.sqrt(d) if d > 0 else 0.0
        for i in range(j + 1, q):
            L[i, j] = (a[i, j] - L[i, :j] @ L[j, :j]) / L[j, j] if L[j, j] > 0 else 0.0
    return np.diag(L)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def fit_messages(fit: MixedFit, covs: list[np.ndarray], engine_messages: list[str], tol: float) -> list[str]:
    """Notes for the user, most important first; ``covs`` are the random terms' covariance matrices."""
    notes: list[str] = list(fit.design.notes)
    design = fit.design
    if fit.kind == "ols":
        notes.append(
            f"No random effects: fitted by ordinary least squares, as if all {fit.nobs} observations "
            "were independent. If observations come in groups, the standard errors are too small."
        )
    separated = fit.separation is not None
    for block, cov in zip(design.random, covs):
        for j, d in enumerate(relative_cholesky_diagonal(cov, fit.sigma)):
            name = block.names[j]
            what = "intercept" if name == "(Intercept)" else f"slope for {name}"
            if d < tol and np.isclose(cov[j, j], 0, atol=tol**2 * fit.sigma**2) and separated:
                notes.append(
                    f"The variance of the {block.group} random {what} is estimated as zero, but with separated "
                    "outcomes (see the note on separation) this fit is not at a maximum of the likelihood, so "
                    "neither the zero nor the other estimates can be taken as they are."
                )
            elif d < tol and np.isclose(cov[j, j], 0, atol=tol**2 * fit.sigma**2):
                others = "the fixed effects and the other random terms" if len(design.random) > 1 else "the fixed effects"
                notes.append(
                    f"Singular (boundary) fit: the variance of the {block.group} random {what} is estimated as "
                    f"zero. Beyond {others}, the {_plural(len(block.levels), block.group + ' group')} add no "
                    f"variation the data can detect; the fit is valid and equals the model without this part of "
                    f"{block.term.text}."
                )
            elif d < tol:
                other = ", ".join(n for n in block.names if n != name)
                notes.append(
                    f"Singular (boundary) fit: in {block.term.text} the {what} is (almost) perfectly correlated "
                    f"with {other}, so the data cannot separate them. Consider independent effects, written with "
                    "'||', or fewer random slopes."
                )
            elif d < 10 * tol:
                notes.append(
                    f"Close to the boundary: the {block.group} random {what} is nearly degenerate (relative "
                    f"scale {d:.1e}). Whether such a fit counts as singular can differ between programs."
                )
    for group, n in fit.ngroups.items():
        if n < 5:
            notes.append(
                f"Only {_plural(n, group + ' group')}: a variance is hard to estimate from fewer than 5 or 6 groups, "
                f"so treat the {group} variance as rough, or model {group} as a fixed effect instead."
            )
    notes.extend(_integer_code_notes(fit))
    notes.extend(generalized_notes(fit))
    if not fit.converged and not separated:  # separation's note says why it cannot converge
        notes.append(
            "The optimizer did not report convergence, so the estimates may not be at the optimum. "
            "Try fewer random slopes, or centre and scale the predictors."
        )
    numeric_trouble = False
    for m in engine_messages:
        if any(word in m.lower() for word in ("singular", "boundary", "has only")):
            continue  # explained above in plain words
        if separated and "converge" in m.lower():
            continue  # separation's note says why
        if any(words in m.lower() for words in _NUMERIC_WARNINGS):
            numeric_trouble = True  # NumPy's arithmetic warnings: said once, in plain words, below
            continue
        notes.append(f"Note from the fitting engine: {m}")
    if numeric_trouble and not separated:  # separation's note says why the numbers ran off
        notes.append(
            "While fitting, the engine met numbers too large or undefined (a division by zero, an overflow), "
            "so the estimates may not be reliable. This happens when predictors tell the outcome almost "
            "exactly, or have very large values: look for such predictors, or centre and scale them."
        )
    return list(dict.fromkeys(notes))  # the same note once, in first-seen order


_NUMERIC_WARNINGS = ("divide by zero", "invalid value encountered", "overflow encountered",
                     "underflow encountered", "perfect separation", "fitted probabilities")
"""Parts of the arithmetic warnings (NumPy's, statsmodels' separation warnings) that the engines pass on."""


def _integer_code_notes(fit: MixedFit) -> list[str]:
    """Warn when a fixed effect looks like integer group codes (e.g. subject IDs 308, 309, 330...)."""
    notes = []
    frame = fit.design.frame
    grouping = set(fit.model.grouping_variables())
    # A variable in several terms (Time + Time:Diet) gets one note.
    variables = dict.fromkeys(var for term in fit.model.fixed for var in term)
    for var in variables:
        if var in grouping or var not in frame or not pd.api.types.is_integer_dtype(frame[var]):
            continue
        values = frame[var]
        distinct = values.nunique()
        span = int(values.max()) - int(values.min()) + 1
        if distinct > 2 and span > 2 * distinct:
            notes.append(
                f"'{var}' holds integer codes ({distinct} distinct values from {values.min()} to {values.max()}) "
                f"and is treated as a number, with one slope. If the codes name groups, make it a category "
                f"first: data['{var}'] = data['{var}'].astype('category')."
            )
    return notes
