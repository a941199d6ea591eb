"""``fit()``: a formula and a DataFrame in, a :class:`MixedFit` with tidy results out."""

from __future__ import annotations

import hashlib
import weakref
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from ..design.build import Design, build_design, fixed_part
from ..design.intake import as_frame
from ..design.limits import DEFAULT_LIMITS, Limits
from ..design.response import Family, family_of
from ..engine import adapter as engine
from ..errors import DataError
from ..formula.parse import ModelFormula, parse_formula
from .family_notes import gaussian_misfit_note
from .messages import fit_messages, relative_cholesky_diagonal
from .separation import Separation, design_separation, separation_error
from .terms import group_labels, lme4_term_order

__all__ = ["MixedFit", "fit", "fit_owned", "own_copy", "SINGULAR_TOL"]

SINGULAR_TOL = 1e-4  # lme4's isSingular() tolerance on the relative Cholesky factor's diagonal


@dataclass(eq=False)
class MixedFit:
    """A fitted mixed model (or, without random terms, a linear or generalized linear model).

    Tables are tidy DataFrames named as lme4 names things; scalars mirror lme4's accessors.

    Attributes
    ----------
    formula : str
        The formula as given.
    reml : bool
        True for a REML fit, False for maximum likelihood.
    kind : {"mixed", "ols", "glm"}
        "ols" when a Gaussian formula has no random term (ordinary least squares); "glm" for another
        family without random terms (R's ``glm``).
    family, link : str
        R's names: "gaussian" / "identity" (linear models), "binomial" / "logit", "probit", "cloglog",
        "poisson" / "log".
    nagq : int
        Generalized mixed models: 1 for Laplace's approximation, more for adaptive Gauss-Hermite points.
    fixed : DataFrame
        Indexed by term (``(Intercept)``, ``sexm``...): ``estimate, std_error, t_value, df, p_value``.
        Degrees of freedom are Satterthwaite's for mixed models, residual df for OLS. Generalized
        models have Wald z tests, as glmer: ``estimate, std_error, z_value, p_value``.
    variance : DataFrame
        ``group, term, variance, std_dev, corr`` in lme4's VarCorr order; correlation rows have
        ``term`` "a~b", the covariance in ``variance`` and ``corr`` set. The last row is ``Residual``
        (linear models only: binomial and Poisson models have no residual variance).
    ranef : DataFrame
        ``group, level, term, estimate, cond_sd``: conditional modes and conditional SDs.
    nobs, n_dropped : int
        Rows used, and rows dropped for missing values (``dropped_by`` says which columns).
    ngroups : dict
        Grouping factor -> number of levels.
    loglik, aic, bic, sigma : float
    reml_criterion, deviance : float or None
        REML criterion for REML fits, deviance (-2 log-likelihood) for ML, OLS and generalized fits.
    df_resid : int
        Residual degrees of freedom as lme4's ``df.residual``: observations minus parameters.
    singular, converged : bool
    messages : list of str
        Plain-language notes on the fit (dropped rows, boundary fits, convergence, separation).
    separation : Separation or None
        Binomial models whose outcomes some fixed effects tell exactly (quasi-complete separation):
        the rows concerned and the coefficients that run off to infinity
        (:mod:`mixwidget.model.separation`); None otherwise. Complete separation is a DataError.
    shares : Series
        Variance shares by group (latent scale for binomial and Poisson models); see the property.
    """

    formula: str
    reml: bool
    kind: str
    fixed: pd.DataFrame
    variance: pd.DataFrame
    ranef: pd.DataFrame
    nobs: int
    n_dropped: int
    dropped_by: dict[str, int]
    ngroups: dict[str, int]
    loglik: float
    aic: float
    bic: float
    reml_criterion: float | None
    deviance: float | None
    sigma: float
    singular: bool
    converged: bool
    npar: int
    messages: list[str]
    vcov: pd.DataFrame = field(repr=False)
    fitted: np.ndarray = field(repr=False)
    design: Design = field(repr=False)
    data: pd.DataFrame = field(repr=False)
    arguments: dict[str, str] = field(default_factory=dict, repr=False)  # weights=/offset= given as column names
    # weights=/offset= as summary() prints them (R's "Weights: n"): column names, or a Series' name
    argument_labels: dict[str, str] = field(default_factory=dict, repr=False)
    family: str = "gaussian"
    link: str = "identity"
    nagq: int = 1
    linear_predictor: np.ndarray | None = field(default=None, repr=False)  # generalized models: eta, offset in
    pearson_residuals: np.ndarray | None = field(default=None, repr=False)  # generalized models
    separation: Separation | None = field(default=None, repr=False)  # binomial models whose estimates run off
    # Caches: a fit does not change, so what is derived from it is computed once (see refit, without_groups, shares).
    _refits: dict[bool, MixedFit] = field(default_factory=dict, init=False, repr=False)
    _without_groups: MixedFit | None = field(default=None, init=False, repr=False)
    _baseline_of: pd.DataFrame | None = field(default=None, init=False, repr=False)  # data a baseline was fitted from
    _shares: pd.Series | None = field(default=None, init=False, repr=False)
    _test_table: pd.DataFrame | None = field(default=None, init=False, repr=False)

    @property
    def generalized(self) -> bool:
        """True for binomial and Poisson models (glmer, glm), False for linear ones."""
        return self.family != "gaussian"

    @property
    def test_table(self) -> pd.DataFrame:
        """``fixed`` in the linear models' layout, ``estimate, std_error, t_value, df, p_value``, for views
        that show either kind: a generalized model's Wald z in ``t_value``, with ``df`` infinite."""
        if not self.generalized:
            return self.fixed
        if self._test_table is None:
            f = self.fixed
            self._test_table = pd.DataFrame(
                {"estimate": f["estimate"], "std_error": f["std_error"], "t_value": f["z_value"], "df": np.inf,
                 "p_value": f["p_value"]}, index=f.index)
        return self._test_table

    @property
    def df_resid(self) -> int:
        """Observations minus estimated parameters, as lme4's ``df.residual``."""
        return int(self.nobs - self.npar)

    @property
    def model(self) -> ModelFormula:
        """The parsed formula."""
        return self.design.formula

    @property
    def residuals(self) -> np.ndarray:
        """Response residuals: observed minus fitted (for binomial models, proportions)."""
        return self.design.y - self.fitted

    @property
    def shares(self) -> pd.Series:
        """Each variance component's share of the total variance, indexed by group.

        Only defined for models whose random terms are all intercepts (slope variances are on
        other scales); otherwise empty. Linear models: shares of the response's variance, the last
        ``Residual``. Binomial and Poisson models have no residual variance on the response's
        scale: their shares are on the latent (link) scale, each group variance over their sum plus
        the variance of one observation there, shown as ``Residual``: pi^2/3 for logit, 1 for
        probit, pi^2/6 for cloglog, ln(1 + 1/mean count) for Poisson with the log link (Nakagawa,
        Johnson & Schielzeth 2017; see :mod:`mixwidget.model.latent`). Other links, and models
        without random terms, give an empty Series. A copy: changing it does not change the fit.
        """
        if self._shares is None:
            self._shares = self._compute_shares()
        return self._shares.copy(deep=not _COPY_ON_WRITE)

    def _compute_shares(self) -> pd.Series:
        v = self.variance
        if self.generalized:  # no residual variance on the response's scale: the latent scale's shares
            from .latent import latent_shares

            return latent_shares(self)
        corr, terms = v["corr"].to_numpy(dtype=float), v["term"].tolist()
        if not np.isnan(corr).all() or any(t != "(Intercept)" for t in terms[:-1]):
            return pd.Series(dtype=float)
        variances = v["variance"].to_numpy(dtype=float)
        return pd.Series(variances / np.nansum(variances), index=v["group"].to_numpy(), name="share")

    def refit(self, reml: bool) -> MixedFit:
        """The same model and rows fitted by REML (True) or maximum likelihood (False)."""
        reml = check_flag(reml, "reml")
        if reml == self.reml or self.generalized:  # generalized models are fitted by ML only, as glmer
            return self
        if reml not in self._refits:  # a fit does not change: refit once per method
            refitted = _assemble(self.formula, self.design, reml, self.data, nagq=self.nagq)
            refitted.arguments = dict(self.arguments)
            refitted.argument_labels = dict(self.argument_labels)
            if self.messages and self.messages[0] == gaussian_misfit_note(self):
                _note_family(refitted)
            self._refits[reml] = refitted
        return self._refits[reml]

    def without_groups(self) -> MixedFit:
        """The fixed part fitted by least squares to the same rows, ignoring every grouping.

        This is "complete pooling": what the model says if the groups are not there. A generalized
        model's baseline is the generalized linear model of the same family (R's ``glm``). Fitted to
        the model's own fixed-effect matrix, response, weights and offsets (the same fit as
        ``fit(model.fixed_text(), rows used)``), once: fits of the same data whose fixed parts,
        rows, weights and offsets are the same (REML and ML, other random terms) share it.
        """
        if not self.design.random:
            return self
        if self._without_groups is None:  # a fit does not change: fitted once
            text = self.model.fixed_text()
            key = (text, _rows_digest(self.design), self.design.family)
            shared = _baselines.get(key)
            if shared is None or shared._baseline_of is not self.data:
                design = fixed_part(self.design, parse_formula(text))
                shared = _assemble(text, design, False, self.data.iloc[self.design.positions])
                shared._baseline_of = self.data
                _baselines[key] = shared
            self._without_groups = shared
        return self._without_groups

    def predict(
        self,
        newdata: pd.DataFrame | None = None,
        re_form: str | None = None,
        allow_new_levels: bool = False,
        interval: str | None = None,
        level: float = 0.95,
        type: str = "link",
    ) -> pd.Series | pd.DataFrame:
        """Predictions as lme4's ``predict.merMod``, optionally with intervals.

        See :func:`mixwidget.model.predict.predict` for the arguments and the variance used.
        """
        from .predict import predict

        return predict(self, newdata, re_form=re_form, allow_new_levels=allow_new_levels, interval=interval,
                       level=level, type=type)

    def confint(self, method: str = "Wald", level: float = 0.95, nsim: int = 500, seed: int | None = None, **kwargs):
        """Confidence intervals as lme4's ``confint()``: ``"Wald"``, ``"boot"`` or ``"profile"``.

        See :func:`mixwidget.model.confint.confint` for the parameters and the table returned.
        """
        if method == "boot":  # simulating and refitting: the simulation stage's work
            from ..simulation.bootstrap import bootstrap_confint

            return bootstrap_confint(self, level=level, nsim=nsim, seed=seed, **kwargs)
        from .confint import confint

        return confint(self, method=method, level=level, nsim=nsim, seed=seed, **kwargs)

    def summary(self) -> str:
        """The fit printed in lme4's layout."""
        from .summary import summary_text

        return summary_text(self)

    def _repr_html_(self) -> str:
        from .summary import summary_html

        return summary_html(self)

    def __repr__(self) -> str:
        method = "OLS" if self.kind == "ols" else ("REML" if self.reml else "ML")
        groups = "".join(f", {n} {g}" for g, n in self.ngroups.items())
        flags = "".join(note for note, on in ((", singular", self.singular), (", not converged", not self.converged)) if on)
        return f"<MixedFit {self.formula!r}: {method}, {self.nobs} obs{groups}; logLik {self.loglik:.2f}{flags}>"

    __str__ = summary


class _HandedOutCopy:
    """A fit's table read as a copy: changing what ``fit.fixed`` returns cannot change the fit.

    The fit keeps the table in its declared field (``vars(fit)["fixed"]``); this data descriptor
    comes first on reading it. Under pandas 3's copy-on-write a shallow copy is enough (and costs
    nothing until written); pandas 2 needs a deep one, else writing into the copy would write into
    the fit's own arrays.
    """

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, obj: object, owner: type | None = None) -> object:
        if obj is None:
            return self
        return vars(obj)[self.name].copy(deep=not _COPY_ON_WRITE)

    def __set__(self, obj: object, value: object) -> None:
        vars(obj)[self.name] = value


_COPY_ON_WRITE = int(pd.__version__.split(".")[0]) >= 3
for _name in ("fixed", "variance", "ranef", "vcov"):  # set after @dataclass: its __init__ assigns through them
    setattr(MixedFit, _name, _HandedOutCopy(_name))


# Least-squares baselines by fixed part and rows, while some fit holds them (see without_groups).
_baselines: weakref.WeakValueDictionary[tuple[str, bytes], MixedFit] = weakref.WeakValueDictionary()


def _rows_digest(design: Design) -> bytes:
    """A digest of the rows a design uses and its weights and given offset (not of 73,000 labels one by one)."""
    h = hashlib.blake2b(digest_size=16)
    h.update(np.ascontiguousarray(design.positions, dtype=np.int64).tobytes())
    for part in (design.weights, design.offset_given):
        h.update(b"-" if part is None else np.ascontiguousarray(part, dtype=float).tobytes())
    return h.digest()


def fit(
    formula: str, data: pd.DataFrame, reml: bool | None = None, weights: object = None, offset: object = None,
    limits: Limits | None = DEFAULT_LIMITS, contrasts: dict[str, str] | None = None, family: str = "gaussian",
    link: str | None = None, nagq: int = 1,
) -> MixedFit:
    """Fit a mixed model written as an lme4 formula: linear (lmer), or binomial and Poisson (glmer).

    Parameters
    ----------
    formula : str
        lme4 syntax, e.g. ``"like ~ sex + PrivPub + (1 | school) + (1 | school:class)"``.
        Without a random term the model is fitted by ordinary least squares.
    data : DataFrame
        Columns named in the formula. Grouping factors may hold integer codes.
    reml : bool, optional
        REML or maximum likelihood for a linear model; by default REML, as lme4's ``lmer``.
        Binomial and Poisson models are fitted by maximum likelihood only (glmer has no REML):
        leave ``reml`` out or give False; ``reml=True`` with such a family is a DataError.
    weights : str or array-like, optional
        Prior weights, as lme4's ``weights``: a column name or one positive number per row; the
        residual variance of row i is sigma^2 / weights[i].
    offset : str or array-like, optional
        A known part of the linear predictor (coefficient fixed at 1), as lme4's ``offset``: a
        column name or one number per row. ``offset(...)`` terms in the formula add to it.
    limits : Limits or None
        Largest model fitted (covariance parameters, random effects, fixed columns); a bigger one
        raises :class:`~mixwidget.design.limits.ModelTooBig` with its size before any work. None: no limits.
    contrasts : dict, optional
        Contrasts for factor variables, as lme4's ``contrasts=``: ``{"Variety": "contr.sum"}``
        (``contr.sum``, ``contr.helmert``, ``contr.treatment``, ``contr.SAS``, ``contr.poly``).
    family : {"gaussian", "binomial", "poisson"}
        The response's distribution, as R's ``family``. "gaussian" is lmer (or lm); the others are
        fitted by maximum likelihood as glmer (or glm without random terms).
        A binomial response is 0/1, TRUE/FALSE, a two-level factor or text (the first level is failure),
        ``cbind(successes, failures)``, or proportions with the trials as ``weights``; a Poisson
        response is counts.
    link : str, optional
        R's link names: binomial "logit" (default), "probit", "cloglog", "cauchit"; Poisson "log"
        (default), "sqrt", "identity".
    nagq : int, default 1
        Points of adaptive Gauss-Hermite quadrature for a generalized mixed model: 1 is Laplace's
        approximation (glmer's default); more needs one random term of one column, e.g. ``(1 | g)``.

    Raises
    ------
    FormulaError
        The formula cannot be read (the message says where).
    DataError
        The data cannot support the model (unknown column, non-numeric response, ...).

    Notes
    -----
    The fit keeps its own copy of ``data``: changing ``data`` afterwards does not change
    what the fit computes (``refit``, ``without_groups``, charts).
    """
    return fit_owned(formula, own_copy(data), reml, weights=weights, offset=offset, limits=limits,
                     contrasts=contrasts, family=family, link=link, nagq=nagq)


def own_copy(data: pd.DataFrame) -> pd.DataFrame:
    """A private pandas copy of the caller's data that fits can hold (names and ``attrs`` kept).

    A polars frame is converted; anything else that is not a table gets a DataError saying what to do.
    """
    return as_frame(data).copy(deep=True)


def fit_owned(
    formula: str, data: pd.DataFrame, reml: bool | None = None, weights: object = None, offset: object = None,
    limits: Limits | None = None, contrasts: dict[str, str] | None = None, family: str | Family = "gaussian",
    link: str | None = None, nagq: int = 1,
) -> MixedFit:
    """As :func:`fit`, for data that nobody else changes (kept by reference, not copied)."""
    fam = family_of(family, link)
    reml = _reml_for(reml, fam)
    model = parse_formula(formula).with_contrasts(contrasts)
    design = build_design(model, data, weights=weights, offset=offset, limits=limits, family=fam)
    fitted = _assemble(formula, design, reml, data, nagq=nagq)
    _note_family(fitted)
    fitted.arguments = {k: v for k, v in (("weights", weights), ("offset", offset)) if isinstance(v, str)}
    fitted.argument_labels = {k: _label(v) for k, v in (("weights", weights), ("offset", offset)) if v is not None}
    return fitted


def _note_family(fitted: MixedFit) -> None:
    """Put first in ``fitted.messages`` the note on a linear model of a binary or count response, if it
    is one. Only for fits made by ``fit()``: the explorer shows the same words with its family selector."""
    note = gaussian_misfit_note(fitted)
    if note:
        fitted.messages = [note, *fitted.messages]


def _label(value: object) -> str:
    """How summary() names a weights= or offset= argument, as R prints its expression: a column's
    name, a Series' name (``data["n"]`` prints as ``n``), else "(array)"."""
    if isinstance(value, str):
        return value
    name = getattr(value, "name", None)
    return str(name) if isinstance(value, pd.Series) and name is not None else "(array)"


def fit_design(formula: str, design: Design, reml: bool, data: pd.DataFrame, nagq: int = 1,
               arguments: dict[str, str] | None = None) -> MixedFit:
    """Fit a design already built from ``formula`` and ``data``, as :func:`fit_owned` would after
    building it; ``arguments`` are the weights= and offset= column names it was built with."""
    fitted = _assemble(formula, design, check_flag(reml, "reml"), data, nagq=nagq)
    fitted.arguments = dict(arguments or {})
    return fitted


def _reml_for(reml: bool | None, family: Family) -> bool:
    """``fit``'s ``reml``: None is REML for a linear model and maximum likelihood otherwise; True
    with a binomial or Poisson family is a DataError (glmer has no REML)."""
    if reml is None:
        return not family.generalized
    reml = check_flag(reml, "reml")
    if reml and family.generalized:
        raise DataError(
            f"reml=True does not apply to a {family.name} model: binomial and Poisson models are fitted by "
            "maximum likelihood (R's glmer has no REML, and disregards a REML argument). Leave reml out, or "
            "give reml=False."
        )
    return reml


def check_flag(value: object, name: str) -> bool:
    """``value`` as a bool, if it is one (True/False, numpy's too); a DataError naming ``name`` otherwise.

    Strings such as ``"no"`` are truthy, so accepting them would silently do the opposite.
    """
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise DataError(f"{name} must be True or False, not {value!r}; e.g. {name}=False")


def _engine_fit(design: Design, reml: bool, nagq: int) -> engine.EngineResult:
    """The engine's fit of ``design``: lmer, least squares, glmer or glm by family and random terms."""
    mixed = design.formula.is_mixed
    if not design.family.generalized:
        return engine.fit_mixed(design, reml=reml) if mixed else engine.fit_ols(design)
    if mixed:
        from ..engine.glmm import check_nagq, fit_glmm

        return fit_glmm(design, nagq=check_nagq(design, nagq))
    from ..engine.glm import fit_glm

    return fit_glm(design)


def _fixed_table(design: Design, res: engine.EngineResult) -> pd.DataFrame:
    """Estimates with t tests (linear models, Satterthwaite or residual df) or Wald z tests (generalized)."""
    se = np.sqrt(np.diag(res.vcov))
    stat = res.beta / se
    index = pd.Index(design.fixed_names, name="term")
    if design.family.generalized:
        p = 2 * stats.norm.sf(np.abs(stat))
        return pd.DataFrame({"estimate": res.beta, "std_error": se, "z_value": stat, "p_value": p}, index=index)
    p = 2 * stats.t.sf(np.abs(stat), res.df)
    return pd.DataFrame({"estimate": res.beta, "std_error": se, "t_value": stat, "df": res.df, "p_value": p},
                        index=index)


def _assemble(formula: str, design: Design, reml: bool, data: pd.DataFrame, nagq: int = 1) -> MixedFit:
    mixed = design.formula.is_mixed
    generalized = design.family.generalized
    if generalized:
        reml = False
    elif nagq != 1:
        raise ValueError("nagq applies to binomial and Poisson mixed models only; leave it at 1 for a linear model")
    separation = design_separation(design)
    if separation is not None and separation.complete:
        raise separation_error(design, separation)
    res = _engine_fit(design, reml, nagq)
    names = design.fixed_names
    fixed = _fixed_table(design, res)
    order = lme4_term_order(design)
    variance = _variance_table(design, res, order, residual=not generalized)
    ranef = _ranef_table(design, res, order)
    ngroups = {}
    for k in order:
        ngroups.setdefault(design.random[k].group, len(design.random[k].levels))
    rel_diag = [relative_cholesky_diagonal(term.cov, res.sigma) for term in res.terms]
    singular = mixed and (any((d < SINGULAR_TOL).any() for d in rel_diag) or bool(design.collinear))
    n = design.nobs
    loglik = res.loglik
    is_reml = reml and mixed
    fit_ = MixedFit(
        formula=formula,
        reml=is_reml,
        kind="mixed" if mixed else ("glm" if generalized else "ols"),
        fixed=fixed,
        variance=variance,
        ranef=ranef,
        nobs=n,
        n_dropped=design.n_dropped,
        dropped_by=dict(design.dropped_by),
        ngroups=ngroups,
        loglik=loglik,
        aic=-2 * loglik + 2 * res.npar,
        bic=-2 * loglik + np.log(n) * res.npar,
        reml_criterion=res.objective if is_reml else None,
        deviance=None if is_reml else -2 * loglik,
        sigma=res.sigma,
        singular=bool(singular),
        converged=res.converged,
        npar=res.npar,
        messages=[],
        vcov=pd.DataFrame(res.vcov, index=names, columns=names),
        fitted=_read_only(res.fitted),
        design=design,
        data=data,
        family=design.family.name,
        link=design.family.link,
        nagq=int(nagq) if mixed and generalized else 1,
        linear_predictor=getattr(res, "eta", None),
        pearson_residuals=getattr(res, "pearson", None),
        separation=separation,
    )
    fit_.messages = fit_messages(fit_, [term.cov for term in res.terms], res.engine_messages, SINGULAR_TOL)
    return fit_


def _read_only(values: np.ndarray) -> np.ndarray:
    """A read-only copy of ``values``: what a fit hands out as an array cannot be written into."""
    out = np.array(values, dtype=float)
    out.setflags(write=False)
    return out


def _variance_table(design: Design, res: engine.EngineResult, order: list[int], residual: bool = True) -> pd.DataFrame:
    rows = []
    labels = group_labels(design, order)
    for k in order:
        block, term = design.random[k], res.terms[k]
        sd = np.sqrt(np.clip(np.diag(term.cov), 0, None))
        for j, name in enumerate(block.names):
            rows.append((labels[k], name, term.cov[j, j], sd[j], np.nan))
        q = len(block.names)
        for a in range(q):
            for b in range(a + 1, q):
                denom = sd[a] * sd[b]
                corr = term.cov[a, b] / denom if denom > 0 else np.nan
                rows.append((labels[k], f"{block.names[a]}~{block.names[b]}", term.cov[a, b], np.nan, corr))
    if residual:
        rows.append(("Residual", "", res.sigma**2, res.sigma, np.nan))
    return pd.DataFrame(rows, columns=["group", "term", "variance", "std_dev", "corr"])


def _ranef_table(design: Design, res: engine.EngineResult, order: list[int]) -> pd.DataFrame:
    frames = []
    for k in order:
        block, term = design.random[k], res.terms[k]
        for j, name in enumerate(block.names):
            frames.append(
                pd.DataFrame(
                    {
                        "group": block.group,
                        "level": block.levels,
                        "term": name,
                        "estimate": term.modes[:, j],
                        "cond_sd": np.sqrt(np.clip(term.cond_var[:, j], 0, None)),
                    }
                )
            )
    if not frames:
        return pd.DataFrame(columns=["group", "level", "term", "estimate", "cond_sd"])
    return pd.concat(frames, ignore_index=True)
