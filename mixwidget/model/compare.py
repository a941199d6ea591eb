"""Side-by-side comparison of fits and likelihood-ratio tests of nested models."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import ModelError
from .fit import MixedFit

__all__ = ["Comparison", "compare"]


@dataclass
class Comparison:
    """Several fits of the same data, side by side.

    Attributes
    ----------
    names : list of str
    fits : list of MixedFit
    """

    names: list[str]
    fits: list[MixedFit]
    _ml_fits: dict[int, MixedFit] = field(default_factory=dict, repr=False)
    _ml_errors: dict[int, str] = field(default_factory=dict, repr=False)

    @property
    def fixed(self) -> pd.DataFrame:
        """Long form: ``model, term, estimate, std_error, t_value`` for every model's fixed effects
        (``t_value`` holds the Wald z of binomial and Poisson models)."""
        frames = [
            f.test_table[["estimate", "std_error", "t_value"]].reset_index().assign(model=name)
            for name, f in zip(self.names, self.fits)
        ]
        return pd.concat(frames, ignore_index=True)[["model", "term", "estimate", "std_error", "t_value"]]

    @property
    def variance(self) -> pd.DataFrame:
        """Long form: ``model, group, term, variance, std_dev, corr`` for every model."""
        frames = [f.variance.assign(model=name) for name, f in zip(self.names, self.fits)]
        return pd.concat(frames, ignore_index=True)[["model", "group", "term", "variance", "std_dev", "corr"]]

    @property
    def stats(self) -> pd.DataFrame:
        """One row per model: formula, method, nobs, npar, logLik, AIC, BIC."""
        return pd.DataFrame(
            {
                "formula": [f.formula for f in self.fits],
                "method": ["OLS" if f.kind == "ols" else "REML" if f.reml else "ML" for f in self.fits],
                "nobs": [f.nobs for f in self.fits],
                "npar": [f.npar for f in self.fits],
                "loglik": [f.loglik for f in self.fits],
                "aic": [f.aic for f in self.fits],
                "bic": [f.bic for f in self.fits],
            },
            index=pd.Index(self.names, name="model"),
        )

    def lrt(self) -> pd.DataFrame:
        """Likelihood-ratio tests of nested models, as lme4's ``anova()``.

        REML fits are refitted by maximum likelihood first; models are ordered by their
        number of parameters and each is tested against the one before it.

        Raises
        ------
        ModelError
            If the models were fitted to different rows, have different responses, or are
            not nested.
        """
        if len(self.fits) < 2:
            raise ModelError("a likelihood-ratio test needs at least two models")
        _check_same_rows(self.names, self.fits)
        order = sorted(range(len(self.fits)), key=lambda i: self.fits[i].npar)
        for a, b in zip(order, order[1:]):
            _check_nested(self.names[a], self.fits[a], self.names[b], self.fits[b])
        ml = {i: self._ml(i) for i in order}
        rows = []
        prev, prev_name = None, ""
        for i in order:
            f = ml[i]
            row = {
                "model": self.names[i], "npar": f.npar, "aic": f.aic, "bic": f.bic, "loglik": f.loglik,
                "deviance": -2 * f.loglik, "chisq": np.nan, "df": np.nan, "p_value": np.nan,
            }
            if prev is not None:
                row.update(_lr_test(prev_name, prev, self.names[i], f))
            rows.append(row)
            prev, prev_name = f, self.names[i]
        return pd.DataFrame(rows).set_index("model")


    def nested_tests(self) -> tuple[pd.DataFrame, list[str]]:
        """Each model tested against the smallest larger model that contains it.

        Unlike :meth:`lrt`, models that are not nested in a chain are allowed: pairs that nest
        are tested, the others are listed in plain words. Returns the tests and the notes.

        Each test has ``model`` (the larger), ``vs``, their maximum-likelihood log-likelihoods
        ``loglik`` and ``loglik_vs`` (REML fits are refitted by ML, as R's ``anova()`` does),
        ``chisq``, ``df``, ``p_value``, and ``p_boundary``: when the larger model adds one
        random effect to the smaller (its variance, and its covariances with the others), the
        null value of that variance is on the boundary and the reference distribution is the
        50:50 mixture of chi-squared with ``df - 1`` and ``df`` degrees of freedom (Stram and
        Lee, 1994; half the p-value when ``df`` is 1); otherwise NaN, and the chi-squared
        p-value is conservative when variances are tested.

        The notes say why a pair that could have been tested was not: the models were fitted to
        different rows or responses, a maximum-likelihood refit failed (with the error), or the
        larger model's fit is worse than the smaller one's. Models that simply nest in no larger
        one are named; when no pair nests and nothing went wrong, one note says so.
        """
        order = sorted(range(len(self.fits)), key=lambda i: self.fits[i].npar)
        rows: list[dict] = []
        problems: list[str] = []
        unnested: list[str] = []
        for pos, i in enumerate(order):
            larger = order[pos + 1 :]
            found = troubled = False
            for j in larger:
                row, problem = self._pair_test(i, j)
                if problem:
                    troubled = True
                    if problem not in problems:
                        problems.append(problem)
                if row is not None:
                    rows.append(row)
                    found = True
                    break
            if larger and not found and not troubled:
                unnested.append(self.names[i])
        columns = ["model", "vs", "loglik", "loglik_vs", "chisq", "df", "p_value", "p_boundary"]
        if not rows and not problems and len(self.fits) > 1:
            notes = ["No model here is nested in another, so there is no likelihood-ratio test; "
                     "compare AIC and BIC instead."]
        else:
            notes = problems + [f"{name} is not nested in any larger model here." for name in unnested]
        return pd.DataFrame(rows, columns=columns), notes

    def _pair_test(self, i: int, j: int) -> tuple[dict | None, str | None]:
        """The test of model ``i`` nested in the larger ``j``, or why there is none.

        Returns ``(row, None)`` for a test, ``(None, None)`` when the models simply do not nest,
        and ``(None, reason)`` when they could not be tested for another reason.
        """
        small, big = self.names[i], self.names[j]
        try:
            _check_same_rows([small, big], [self.fits[i], self.fits[j]])
        except ModelError as e:
            return None, f"No test of '{small}' against '{big}': {e}."
        try:
            _check_nested(small, self.fits[i], big, self.fits[j])
        except ModelError:
            return None, None  # not nested: what the notes on unnested models say
        for k in (i, j):
            failure = self._ml_failure(k)
            if failure:
                return None, failure
        try:
            test = _lr_test(small, self._ml(i), big, self._ml(j))
        except ModelError as e:
            return None, f"No test of '{small}' against '{big}': {e}."
        boundary = np.nan
        if _one_random_effect_added(self.fits[i], self.fits[j]) and test["df"] >= 1:
            boundary = _mixture_p(test["chisq"], int(test["df"]))
        row = {"model": big, "vs": small, "loglik": self._ml(j).loglik, "loglik_vs": self._ml(i).loglik,
               **test, "p_boundary": boundary}
        return row, None

    def _ml(self, i: int) -> MixedFit:
        """Model i refitted by maximum likelihood, once."""
        if i not in self._ml_fits:
            self._ml_fits[i] = self.fits[i].refit(reml=False)
        return self._ml_fits[i]

    def _ml_failure(self, i: int) -> str:
        """Why model i could not be refitted by maximum likelihood ("" when it was)."""
        if i not in self._ml_errors:
            try:
                self._ml(i)
                self._ml_errors[i] = ""
            except Exception as e:  # any failure of the refit is reported in the notes, with its reason
                self._ml_errors[i] = (f"'{self.names[i]}' could not be refitted by maximum likelihood for the "
                                      f"tests ({type(e).__name__}: {e}), so it is in no test.")
        return self._ml_errors[i]


def _one_random_effect_added(small: MixedFit, big: MixedFit) -> bool:
    """True when ``big`` is ``small`` with one more random effect (same fixed effects)."""
    if list(small.fixed.index) != list(big.fixed.index):
        return False
    return _random_dims(big) == _random_dims(small) + 1


def _random_dims(f: MixedFit) -> int:
    return sum(len(b.names) for b in f.design.random)


def _mixture_p(chisq: float, df: int) -> float:
    """P-value of the 50:50 mixture of chi-squared(df - 1) and chi-squared(df)."""
    lower = float(stats.chi2.sf(chisq, df - 1)) if df > 1 else float(chisq <= 0)
    return 0.5 * lower + 0.5 * float(stats.chi2.sf(chisq, df))


def _lr_test(small_name: str, small: MixedFit, big_name: str, big: MixedFit) -> dict[str, float]:
    """Chi-square, df and p of the likelihood ratio of two ML fits, ``small`` nested in ``big``."""
    chisq = 2 * (big.loglik - small.loglik)
    if chisq < -1e-6:
        raise ModelError(
            f"'{big_name}' fits worse than the simpler '{small_name}' (maximum-likelihood log-likelihood "
            f"{big.loglik:.3f} < {small.loglik:.3f}), which a larger model containing it cannot do: either the "
            f"models are not nested, or the fit of '{big_name}' stopped short of its optimum (see its messages)"
        )
    chisq = max(chisq, 0.0)
    df = big.npar - small.npar
    return {"chisq": chisq, "df": df, "p_value": float(stats.chi2.sf(chisq, df)) if df > 0 else np.nan}


def compare(fits: Sequence[MixedFit], names: Sequence[str] | None = None) -> Comparison:
    """Compare fits side by side.

    ``names`` default to the formulas; fits of the same formula are told apart by their family
    and link ("y ~ x + (1 | g) [binomial]"), then by their method (REML or ML), then numbered.
    """
    fits = list(fits)
    if not fits:
        raise ModelError("compare() needs at least one fit")
    names = list(names) if names is not None else default_names(fits)
    if len(names) != len(fits):
        raise ModelError(f"got {len(names)} names for {len(fits)} fits; give one name per fit")
    if len(set(names)) != len(names):
        raise ModelError("model names must be different from each other")
    return Comparison(names, fits)


def default_names(fits: Sequence[MixedFit]) -> list[str]:
    """Each fit's formula, with what tells fits of the same formula apart: family (and link) where
    they differ, else method where it differs, else a number."""
    names = [f.formula for f in fits]
    for label in (_family_label, _method_label):
        groups: dict[str, list[int]] = {}
        for i, n in enumerate(names):
            groups.setdefault(n, []).append(i)
        for members in groups.values():
            if len(members) > 1 and len({label(fits[i]) for i in members}) > 1:
                for i in members:
                    names[i] = f"{names[i]} [{label(fits[i])}]"
    seen: dict[str, int] = {}
    out = []
    for n in names:
        if names.count(n) > 1:
            seen[n] = seen.get(n, 0) + 1
            n = f"{n} #{seen[n]}"
        out.append(n)
    return out


def _family_label(f: MixedFit) -> str:
    default = {"gaussian": "identity", "binomial": "logit", "poisson": "log"}.get(f.family)
    return f.family if f.link == default else f"{f.family}, {f.link}"


def _method_label(f: MixedFit) -> str:
    return "OLS" if f.kind == "ols" else ("REML" if f.reml else "ML")


def _check_same_rows(names: list[str], fits: list[MixedFit]) -> None:
    first = fits[0]
    for name, f in zip(names[1:], fits[1:]):
        if (f.family, f.link) != (first.family, first.link):
            raise ModelError(
                f"'{names[0]}' is a {_family_label(first)} model and '{name}' a {_family_label(f)} model: their "
                "likelihoods are of different distributions of the data (a density of continuous values, "
                "probabilities of counts or of 0/1 outcomes), so their difference is no likelihood-ratio test "
                "and their AIC and BIC cannot be compared either. A likelihood-ratio test compares models of "
                "the same family and link; choose the family from what the response is"
            )
    for name, f in zip(names[1:], fits[1:]):
        if f.model.response != first.model.response:
            raise ModelError(
                f"'{names[0]}' models {first.model.response} but '{name}' models {f.model.response}; "
                "a likelihood-ratio test needs the same response"
            )
        same_data = f.data is first.data or f.data.equals(first.data)
        if not same_data or not np.array_equal(f.design.positions, first.design.positions):
            raise ModelError(
                f"'{names[0]}' was fitted to {first.nobs} rows and '{name}' to {f.nobs} rows of "
                f"{'the same' if f.data is first.data else 'different'} data; fit both models on the same rows "
                "(drop rows with missing values in any of their columns first)"
            )


def _uncovered_random_terms(small: MixedFit, big: MixedFit) -> list[str]:
    """Random terms of ``small`` that no single term of ``big`` contains.

    A term nests in another with the same grouping factor and at least its columns (a
    correlated term of the big model can contain several independent ones, not vice versa).
    """
    missing = []
    for b in small.design.random:
        if not any(o.group == b.group and set(b.names) <= set(o.names) for o in big.design.random):
            missing.append(b.term.text)
    return missing


def _check_nested(small_name: str, small: MixedFit, big_name: str, big: MixedFit) -> None:
    missing_fixed = set(small.fixed.index) - set(big.fixed.index)
    missing_random = _uncovered_random_terms(small, big)
    if missing_fixed or missing_random or small.npar == big.npar:
        what = [*sorted(missing_fixed), *missing_random]
        detail = f": '{small_name}' has {', '.join(what)}, which '{big_name}' lacks" if what else " (same number of parameters)"
        raise ModelError(
            f"'{small_name}' is not nested in '{big_name}'{detail}. A likelihood-ratio test compares a model with "
            "a simpler one made by removing terms; compare AIC or BIC instead"
        )
