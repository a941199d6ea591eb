"""How big a model may be before it is fitted: counted from the formula and the factors' levels.

A short formula can ask for a fit that takes hours: ``(0 + Class | State)`` on a 66-level
factor has 2,211 covariance parameters; a fixed factor with 4,000 levels makes a 4,000-column
model matrix. The sizes are counted before any matrix is built, and a model over a limit is
refused with the count, the limit and what to change, instead of being started blindly.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import DataError
from ..formula.parse import ModelFormula

__all__ = ["DEFAULT_LIMITS", "Limits", "ModelSize", "ModelTooBig", "check_size", "model_size"]


class ModelTooBig(DataError):
    """The model would be too big to fit in reasonable time; the message gives the size and the limit."""


@dataclass(frozen=True)
class Limits:
    """Largest model fitted without asking.

    Attributes
    ----------
    covariance_parameters : int
        Variance and correlation parameters of the random terms, all together
        (a term with ``q`` columns has ``q (q + 1) / 2``). lme4's optimizer works on these; each
        one more makes every step slower.
    random_effects : int
        Random effects (levels x columns, summed over terms).
    fixed_columns : int
        Columns of the fixed-effect model matrix (a factor with k levels gives up to k).
    """

    covariance_parameters: int = 120
    random_effects: int = 50_000
    fixed_columns: int = 500


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class ModelSize:
    """A model's size, counted before fitting (upper bounds: aliased columns are not removed yet)."""

    fixed_columns: int
    covariance_parameters: int
    random_effects: int
    largest_term: str  # the random term with the most covariance parameters ("" without random terms)
    largest_term_parameters: int


def _columns(term: tuple[str, ...], levels: dict[str, int]) -> int:
    """Columns a term adds at most: the product of its factors' levels (numeric variables count 1)."""
    n = 1
    for var in term:
        n *= max(levels.get(var, 1), 1)
    return n


def model_size(formula: ModelFormula, levels: dict[str, int], group_levels: dict[str, int]) -> ModelSize:
    """Count the model's parameters.

    Parameters
    ----------
    formula : ModelFormula
    levels : dict
        Number of levels of every variable used as a factor in the fixed part or in random slopes.
    group_levels : dict
        Number of levels of each random term's grouping factor (by the term's group text).
    """
    fixed = int(formula.intercept) + sum(_columns(t, levels) for t in formula.fixed)
    theta = 0
    effects = 0
    largest, largest_n = "", 0
    for term in formula.random:
        q = int(term.intercept) + sum(_columns(tuple(s.split(":")), levels) for s in term.slopes)
        n_theta = q * (q + 1) // 2
        theta += n_theta
        effects += q * group_levels.get(term.group, 1)
        if n_theta > largest_n:
            largest, largest_n = term.text, n_theta
    return ModelSize(fixed, theta, effects, largest, largest_n)


def check_size(size: ModelSize, limits: Limits | None) -> None:
    """Raise :class:`ModelTooBig` when ``size`` exceeds ``limits`` (None: no limits)."""
    if limits is None:
        return
    how = "Pass limits=None to fit() (or a larger mixwidget.Limits) to fit it anyway."
    if size.covariance_parameters > limits.covariance_parameters:
        raise ModelTooBig(
            f"this model has {size.covariance_parameters:,} covariance parameters "
            f"({size.largest_term} alone has {size.largest_term_parameters:,}), more than the limit of "
            f"{limits.covariance_parameters:,}: a fit of this size takes minutes to hours. Use fewer random "
            f"slopes, uncorrelated terms (x || g), or a factor with fewer levels in the slopes. {how}"
        )
    if size.random_effects > limits.random_effects:
        raise ModelTooBig(
            f"this model has {size.random_effects:,} random effects (levels x columns of its random terms), more "
            f"than the limit of {limits.random_effects:,}: the fit would take very long. Group by a factor with "
            f"fewer levels or use fewer random slopes. {how}"
        )
    if size.fixed_columns > limits.fixed_columns:
        raise ModelTooBig(
            f"this model's fixed part has up to {size.fixed_columns:,} columns (factors with many levels or their "
            f"interactions), more than the limit of {limits.fixed_columns:,}. A factor with that many levels is "
            f"usually better as a grouping factor: (1 | factor). {how}"
        )
