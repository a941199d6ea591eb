"""The response of a model as its family reads it, as R's ``family$initialize`` does.

A Gaussian response is numbers. A binomial response may be 0/1 numbers, TRUE/FALSE, a two-level
factor or text column (the first level is failure, as in R), ``cbind(successes, failures)``, or
proportions with the numbers of trials as ``weights=``; in every form the model sees the proportion
of successes with the trials folded into the prior weights (R's ``binomial()$initialize``). A
Poisson response is counts. Values a family cannot have are refused with a :class:`DataError`
that says what to do, where R would only warn ("non-integer #successes in a binomial glm!").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import DataError
from ..formula.parse import ModelFormula
from ..formula.transforms import Columns, Factor
from .contrasts import coding_for
from .frame import ModelFrame

__all__ = ["FAMILIES", "Family", "Response", "family_of", "inverse_link", "model_response", "response_vector",
           "working_weights"]

# family -> its links, the default (R's canonical link) first
FAMILIES: dict[str, tuple[str, ...]] = {
    "gaussian": ("identity",),
    "binomial": ("logit", "probit", "cloglog", "cauchit"),
    "poisson": ("log", "sqrt", "identity"),
}

# R's tolerance for whole numbers in binomial()$initialize and dpois
_WHOLE = 1e-7


@dataclass(frozen=True)
class Family:
    """A response distribution and its link, named as R names them (``binomial``, ``logit``)."""

    name: str = "gaussian"
    link: str = "identity"

    @property
    def generalized(self) -> bool:
        """True for the families fitted as R's ``glmer`` / ``glm`` (every one but Gaussian)."""
        return self.name != "gaussian"

    def __str__(self) -> str:
        return f"{self.name}({self.link})"


def inverse_link(link: str, eta: np.ndarray) -> np.ndarray:
    """The mean for linear predictor ``eta`` under R's ``link`` (``binomial()$linkinv`` and the like)."""
    from scipy import special, stats

    eta = np.asarray(eta, dtype=float)
    if link == "logit":
        return special.expit(eta)
    if link == "probit":
        return special.ndtr(eta)
    if link == "cloglog":
        return -np.expm1(-np.exp(eta))
    if link == "cauchit":
        return stats.cauchy.cdf(eta)
    if link == "log":
        return np.exp(eta)
    if link == "sqrt":
        return eta**2
    if link == "identity":
        return eta
    raise ValueError(f"unknown link {link!r}")


def working_weights(family: Family, eta: np.ndarray, prior: np.ndarray | None) -> np.ndarray:
    """IRLS weights ``prior * (dmu/deta)^2 / V(mu)`` at linear predictor ``eta`` (R's ``glm.fit`` weights)."""
    from scipy import stats

    eta = np.asarray(eta, dtype=float)
    mu = inverse_link(family.link, eta)
    derivative = {
        "logit": lambda: mu * (1 - mu), "probit": lambda: stats.norm.pdf(eta),
        "cloglog": lambda: np.exp(eta - np.exp(eta)), "cauchit": lambda: stats.cauchy.pdf(eta),
        "log": lambda: mu, "sqrt": lambda: 2 * eta, "identity": lambda: np.ones_like(eta),
    }[family.link]()
    variance = {"binomial": mu * (1 - mu), "poisson": mu, "gaussian": np.ones_like(mu)}[family.name]
    w = derivative**2 / np.maximum(variance, np.finfo(float).tiny)
    return w if prior is None else w * prior


def family_of(family: object = "gaussian", link: object = None) -> Family:
    """The :class:`Family` for ``fit()``'s ``family=`` and ``link=`` arguments (R's names).

    Raises
    ------
    ValueError
        An unknown family, or a link the family does not have (the message lists the choices).
    """
    if isinstance(family, Family):
        return family if link is None else family_of(family.name, link)
    if not isinstance(family, str) or family.lower() not in FAMILIES:
        hint = ""
        if isinstance(family, str) and "negative" in family.lower():
            hint = ("; mixwidget fits no negative binomial model: for overdispersed counts use family='poisson' "
                    "with an observation-level random effect (1 | obs)")
        raise ValueError(f"family must be one of {', '.join(repr(f) for f in FAMILIES)}, not {family!r}{hint}")
    name = family.lower()
    links = FAMILIES[name]
    if link is None:
        return Family(name, links[0])
    if not isinstance(link, str) or link not in links:
        raise ValueError(f"the {name} family's links are {', '.join(repr(k) for k in links)}; not {link!r}")
    return Family(name, link)


@dataclass
class Response:
    """The response as the model uses it: ``y`` and the prior weights (None: all 1)."""

    y: np.ndarray
    weights: np.ndarray | None


def _describe(s: pd.Series) -> str:
    values = pd.unique(s.dropna())[:3]
    shown = ", ".join(repr(v) for v in values)
    return f"values such as {shown}" if shown else "no values"


def response_vector(formula: ModelFormula, frame: ModelFrame, data: pd.DataFrame,
                    family: Family | None = None) -> Response:
    """The response on the frame's rows as ``family`` reads it (Gaussian by default), with the prior weights."""
    family = family or Family()
    name = formula.response
    value = frame.values[name]
    if not family.generalized and isinstance(value, (Factor, Columns)):
        used = np.flatnonzero(frame.keep)
        shown = _describe(data[name].iloc[used]) if name in data.columns else "categories"
        two = isinstance(value, Factor) and _n_levels(value) == 2
        hint = ("fit it with family='binomial' (the first level is failure, as in R)" if two
                else "model a numeric column, or code the outcome as numbers")
        if isinstance(value, Columns):
            shown, hint = "two columns", "cbind(successes, failures) is a binomial response: use family='binomial'"
        raise DataError(f"the response '{name}' is not numeric (it holds {shown}); {hint}")
    return model_response(value, name, family, frame.weights)


def model_response(value: object, name: str, family: Family, weights: np.ndarray | None) -> Response:
    """The response ``value`` (the evaluated left-hand side ``name``) read by ``family``.

    ``weights`` are the prior weights of the rows used (None if not given).
    """
    if family.name == "binomial":
        return _binomial(value, name, weights)
    if isinstance(value, Columns):
        raise DataError(f"the response '{name}' is cbind(successes, failures), a binomial response: use "
                        f"family='binomial' (a {family.name} response is one numeric column)")
    if isinstance(value, Factor):
        raise DataError(f"the response '{name}' is not numeric (it holds categories); a {family.name} response is "
                        "one numeric column (counts for poisson); two categories are family='binomial'")
    y = np.asarray(value, dtype=float)
    if family.name == "poisson":
        _check_counts(y, name)
    return Response(y, weights)


def _binomial(value: object, name: str, weights: np.ndarray | None) -> Response:
    if isinstance(value, Columns):
        if value.values.shape[1] != 2:
            raise DataError(f"the response '{name}' must be cbind(successes, failures)")
        successes, failures = value.values[:, 0], value.values[:, 1]
        for part, what in ((successes, "successes"), (failures, "failures")):
            _check_counts(part, f"{what} ({value.suffixes[0 if what == 'successes' else 1]})", binomial=True)
        trials = successes + failures
        if (trials == 0).any():
            raise DataError(f"{int((trials == 0).sum())} rows of '{name}' have no trials (successes + failures "
                            "= 0); they carry no information: remove them")
        w = trials if weights is None else weights * trials
        return Response(successes / trials, w)
    if isinstance(value, Factor):
        levels = coding_for(value).levels
        if len(levels) != 2:
            raise DataError(
                f"the response '{name}' has {len(levels)} values ({', '.join(levels[:5])}); a binomial response "
                "has two (the first is failure): make a column with two values, or use cbind(successes, failures)"
            )
        return Response((value.labels != levels[0]).astype(float), weights)
    y = np.asarray(value, dtype=float)
    outside = (y < 0) | (y > 1)
    if outside.any():
        raise DataError(
            f"the binomial response '{name}' must lie between 0 and 1 (0/1 outcomes or proportions); it is "
            f"{y[outside][0]:g} in {int(outside.sum())} rows. For counts of successes use "
            "cbind(successes, failures), e.g. cbind(k, n - k)"
        )
    trials = np.ones_like(y) if weights is None else weights
    successes = y * trials
    fractional = np.abs(successes - np.round(successes)) > _WHOLE
    if fractional.any():
        shown = f"{y[fractional][0]:g}" + ("" if weights is None else f" of {trials[fractional][0]:g} trials")
        raise DataError(
            f"the binomial response '{name}' gives a non-whole number of successes in {int(fractional.sum())} "
            f"rows (e.g. {shown}); proportions need weights= with the number of trials, or give "
            "cbind(successes, failures)"
        )
    return Response(y, weights)


def _check_counts(y: np.ndarray, name: str, binomial: bool = False) -> None:
    what = "counts of successes and failures" if binomial else "a Poisson response is counts"
    bad = y < 0
    if bad.any():
        raise DataError(f"'{name}' is negative ({y[bad][0]:g}) in {int(bad.sum())} rows; {what}, never negative")
    fractional = np.abs(y - np.round(y)) > _WHOLE
    if fractional.any():
        raise DataError(f"'{name}' is not a whole number ({y[fractional][0]:g}) in {int(fractional.sum())} rows; "
                        f"{what}: for rates use the counts with offset(log(exposure))")


def _n_levels(value: Factor) -> int:
    return len(coding_for(value).levels)
