"""A fit printed as lme4 prints it (lmer with lmerTest's Satterthwaite columns, or glmer), as text and HTML."""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .rformat import (
    WIDTH,
    abbreviate,
    cat_fill,
    coef_matrix,
    deparse_lines,
    format_num,
    format_pval,
    print_matrix,
    print_named,
    r_round,
    strwrap,
    zapsmall,
)

if TYPE_CHECKING:
    from .fit import MixedFit

__all__ = ["Printout", "format_p", "lme4_text", "printout", "summary_html", "summary_text"]

CLASS = "lmerModLmerTest"  # the class lmerTest names in its title line
GLMER_CLASS = "glmerMod"  # the class glmer's title line names
COR_MAX = 12  # lme4's option lme4.summary.cor.max: larger correlation matrices are not printed
BOUNDARY = 1e-6  # a random-effect SD below this fraction of the residual SD is printed as 0
OPTIMIZER = "mixedlm"  # lme4 names its optimizer here (nloptwrap); we name the engine that fitted


def format_p(p: float) -> str:
    """One p-value as R's ``format.pval(p, digits = 3)`` prints it (``< 2e-16`` for tiny values)."""
    return format_pval([float(p)], 3)[0]


@dataclass
class Printout:
    """The numbers lme4's ``print(summary(m))`` shows (with lmerTest's df and p columns).

    Built from a fit by :func:`printout`, or from R's own output in the tests, so that the layout
    is checked on exactly R's numbers.
    """

    reml: bool
    formula: str  # as R deparses it: y ~ x + (1 | g)
    data_name: str | None
    aic: float
    bic: float
    loglik: float
    criterion: float  # REML criterion (REML fits) or deviance (ML fits)
    df_resid: int
    resid_quantiles: list[float]
    variance: pd.DataFrame  # group, term, variance, std_dev, corr, as MixedFit.variance
    nobs: int
    ngroups: dict[str, int]
    fixed: pd.DataFrame  # estimate, std_error, df, t_value, p_value, indexed by term
    vcov: np.ndarray
    singular: bool
    weights: str | None = None  # the weights= and offset= arguments, as lme4 prints them under Data
    offset: str | None = None
    family: str = "gaussian"  # generalized models (glmer): family, link and quadrature points
    link: str = "identity"
    nagq: int = 1

    @property
    def generalized(self) -> bool:
        return self.family != "gaussian"


def printout(fit: MixedFit) -> Printout:
    """What lme4 prints for `fit`."""
    name = fit.data.attrs.get("name") if hasattr(fit.data, "attrs") else None
    # At the boundary lme4's estimate is exactly 0; the engine's may be 1e-9 off, which would print as 2e-18.
    variance = fit.variance.copy()
    zero = variance["corr"].isna() & (variance["group"] != "Residual") & (variance["std_dev"] < BOUNDARY * fit.sigma)
    variance.loc[zero, ["variance", "std_dev"]] = 0.0
    return Printout(
        reml=fit.reml, formula=getattr(fit.model, "canonical", "") or fit.formula, data_name=name,
        aic=fit.aic, bic=fit.bic, loglik=fit.loglik,
        criterion=float(fit.reml_criterion if fit.reml else fit.deviance), df_resid=fit.nobs - fit.npar,
        resid_quantiles=list(np.quantile(_pearson(fit), [0, 0.25, 0.5, 0.75, 1])),
        variance=variance, nobs=fit.nobs, ngroups=dict(fit.ngroups), fixed=fit.fixed,
        vcov=fit.vcov.to_numpy(), singular=fit.singular,
        weights=fit.argument_labels.get("weights", fit.arguments.get("weights")),
        offset=fit.argument_labels.get("offset", fit.arguments.get("offset")),
        family=fit.family, link=fit.link, nagq=fit.nagq,
    )


def _pearson(fit: MixedFit) -> np.ndarray:
    """lme4's ``residuals(m, type = "pearson", scaled = TRUE)``: with prior weights, times sqrt(weight)."""
    if fit.pearson_residuals is not None:
        return fit.pearson_residuals
    weights = getattr(fit.design, "weights", None)
    resid = fit.residuals if weights is None else fit.residuals * np.sqrt(weights)
    return resid / fit.sigma


def _title(s: Printout) -> list[str]:
    """lme4's ``.prt.methTit``: the method, and the class in brackets (the title wrapped when long)."""
    if s.generalized:
        method = ("Laplace Approximation" if s.nagq == 1
                  else f"Adaptive Gauss-Hermite Quadrature, nAGQ = {s.nagq}")
        title, cls = f"Generalized linear mixed model fit by maximum likelihood ({method})", GLMER_CLASS
    else:
        method = "REML" if s.reml else "maximum likelihood "
        title, cls = f"Linear mixed model fit by {method}. t-tests use Satterthwaite's method", CLASS
    if len(title) + 5 + len(cls) > WIDTH:
        return cat_fill([*strwrap(title, WIDTH - 2, exdent=2), " [", cls, "]"], sep="")
    return [f"{title} ['{cls}']"]


def _random_effects(variance: pd.DataFrame, digits: int = 4) -> list[str]:
    """lme4's ``formatVC``: variances and SDs formatted together, correlations per group."""
    rows = variance[variance["corr"].isna()]
    groups = list(dict.fromkeys(rows["group"]))
    terms = {g: list(rows.loc[rows["group"] == g, "term"]) for g in groups}
    cells = [[g if i == 0 else "", t, "", ""] for g in groups for i, t in enumerate(terms[g])]
    cols = ["Groups", "Name", "Variance", "Std.Dev."]
    for row, v, sd in zip(cells, format_num(rows["std_dev"] ** 2, digits), format_num(rows["std_dev"], digits)):
        row[2], row[3] = v, sd
    maxlen = max(len(t) for g, t in terms.items() if g != "Residual")
    if maxlen > 1:
        corr_rows = variance[variance["corr"].notna()]
        extra = []
        for g in groups:
            k = len(terms[g])
            m = np.eye(k)
            for _, r in corr_rows[corr_rows["group"] == g].iterrows():
                a, b = r["term"].split("~")
                i, j = terms[g].index(a), terms[g].index(b)
                m[i, j] = m[j, i] = r["corr"]
            text = np.array(format_num([r_round(v, 2) for v in m.ravel()], 7, nsmall=2)).reshape(k, k)
            extra += [[text[i, j] if j < i else "" for j in range(maxlen - 1)] for i in range(k)]
        cells = [row + e for row, e in zip(cells, extra)]
        cols += ["Corr"] + [""] * (maxlen - 2)
    return ["Random effects:", *print_matrix(cells, [""] * len(cells), cols)]


def _correlation(names: list[str], vcov: np.ndarray) -> list[str]:
    """lme4's "Correlation of Fixed Effects" block, names abbreviated as R's abbreviate() does."""
    p = len(names)
    sd = np.sqrt(np.diag(vcov))
    corr = vcov / np.outer(sd, sd)
    text = np.array(format_num([r_round(v, 3) for v in corr.ravel(order="F")], 7, nsmall=3)).reshape((p, p), order="F")
    cells = [[text[i, j] if j < i else "" for j in range(p - 1)] for i in range(1, p)]
    rows, cols = abbreviate(names, 11), abbreviate(names, 6)
    return ["", "Correlation of Fixed Effects:", *print_matrix(cells, rows[1:], cols[:-1])]


def lme4_text(s: Printout) -> str:
    """``print(summary(m))`` of lme4 + lmerTest (or of glmer) at R's default width of 80."""
    lines = _title(s)
    if s.generalized:
        lines.append(f" Family: {s.family}  ( {s.link} )")
    lines += cat_fill(["Formula:", *deparse_lines(s.formula)])
    if s.data_name:
        lines.append(f"   Data: {s.data_name}")
    if s.weights:
        lines.append(f"Weights: {s.weights}")
    if s.offset:
        lines.append(f" Offset: {s.offset}")
    lines.append("")
    if s.reml:
        lines.append("REML criterion at convergence: " + format_num([r_round(s.criterion, 1)])[0])
    else:
        stats = format_num([r_round(v, 1) for v in (s.aic, s.bic, s.loglik, s.criterion, s.df_resid)])
        stats[-1] = format_num([s.df_resid])[0]
        lines += print_named(stats, ["AIC", "BIC", "logLik", "deviance", "df.resid"])
    lines += ["", "Scaled residuals: "]
    lines += print_named(format_num(zapsmall(s.resid_quantiles, 5), 4), ["Min", "1Q", "Median", "3Q", "Max"])
    lines += ["", *_random_effects(s.variance)]
    groups = "; ".join(f"{g}, {n}" for g, n in s.ngroups.items())
    lines += cat_fill([f"Number of obs: {s.nobs}, groups: ", groups])
    fe = s.fixed
    if len(fe):
        names = [str(n) for n in fe.index]
        lines += ["", "Fixed effects:"]
        if s.generalized:
            table = fe[["estimate", "std_error", "z_value", "p_value"]].to_numpy(dtype=float)
            lines += coef_matrix(table, names, ["Estimate", "Std. Error", "z value", "Pr(>|z|)"])
        else:
            table = fe[["estimate", "std_error", "df", "t_value", "p_value"]].to_numpy(dtype=float)
            lines += coef_matrix(table, names, ["Estimate", "Std. Error", "df", "t value", "Pr(>|t|)"])
        if 1 < len(fe) <= COR_MAX:  # R says on stderr when it leaves the matrix out; summary_text notes it
            lines += _correlation(names, np.asarray(s.vcov, dtype=float))
    if s.singular:
        lines += [f"optimizer ({OPTIMIZER}) convergence code: 0 (OK)", "boundary (singular) fit: see help('isSingular')", ""]
    return "\n".join(lines)


def _glm_text(fit: MixedFit) -> str:
    """A generalized linear model without random terms (R's ``glm``): family, coefficients with z tests."""
    lines = ["Generalized linear model fit by maximum likelihood (no random effects)",
             f" Family: {fit.family}  ( {fit.link} )", f"Formula: {fit.formula}", ""]
    stats = format_num([r_round(v, 1) for v in (fit.aic, fit.bic, fit.loglik, fit.deviance)]) + [str(fit.df_resid)]
    lines += print_named(stats, ["AIC", "BIC", "logLik", "deviance", "df.resid"])
    lines += ["", f"Number of obs: {fit.nobs}", ""]
    if len(fit.fixed):
        table = fit.fixed[["estimate", "std_error", "z_value", "p_value"]].to_numpy(dtype=float)
        lines += ["Coefficients:", *coef_matrix(table, [str(n) for n in fit.fixed.index],
                                                ["Estimate", "Std. Error", "z value", "Pr(>|z|)"])]
    return "\n".join(lines)


def _ols_text(fit: MixedFit) -> str:
    lines = ["Linear model fit by least squares (no random effects)", f"Formula: {fit.formula}", ""]
    lines += ["Scaled residuals: "]
    q = np.quantile(fit.residuals / fit.sigma, [0, 0.25, 0.5, 0.75, 1])
    lines += print_named(format_num(zapsmall(list(q), 5), 4), ["Min", "1Q", "Median", "3Q", "Max"])
    df = int(fit.fixed["df"].iloc[0]) if len(fit.fixed) else fit.nobs
    lines += ["", f"Residual standard error: {format_num([fit.sigma], 4)[0]} on {df} degrees of freedom",
              f"Number of obs: {fit.nobs}", ""]
    if len(fit.fixed):
        table = fit.fixed[["estimate", "std_error", "t_value", "p_value"]].to_numpy(dtype=float)
        lines += ["Coefficients:", *coef_matrix(table, [str(n) for n in fit.fixed.index],
                                                ["Estimate", "Std. Error", "t value", "Pr(>|t|)"])]
    return "\n".join(lines)


def summary_text(fit: MixedFit) -> str:
    """lme4's ``summary(lmer(...))`` as lmerTest prints it, then mixwidget's plain-language notes."""
    texts = {"ols": _ols_text, "glm": _glm_text}
    text = texts[fit.kind](fit) if fit.kind in texts else lme4_text(printout(fit))
    notes = list(dict.fromkeys(fit.messages))
    if fit.kind == "mixed" and len(fit.fixed) > COR_MAX:
        notes.append(f"Correlation of fixed effects not shown, as p = {len(fit.fixed)} > {COR_MAX} (as lme4 does): "
                     "see fit.vcov.")
    if notes:
        text = text.rstrip("\n") + "\n\n" + "\n".join(f"Note: {m}" for m in notes)
    return text


def summary_html(fit: MixedFit) -> str:
    """A compact HTML summary for notebooks: the two tables and the notes."""
    esc = html.escape
    v = fit.variance
    shares = fit.shares
    vrows = []
    for i, r in v.iterrows():
        share = f"{shares.iloc[i] * 100:.1f}%" if len(shares) and np.isnan(r["corr"]) else ""
        corr = "" if np.isnan(r["corr"]) else f"{r['corr']:.2f}"
        sd = "" if np.isnan(r["std_dev"]) else f"{r['std_dev']:.4f}"
        vrows.append(
            f"<tr><td>{esc(r['group'])}</td><td>{esc(r['term'])}</td><td>{r['variance']:.4f}</td>"
            f"<td>{sd}</td><td>{corr}</td><td>{share}</td></tr>"
        )
    frows = []
    for term, r in fit.fixed.iterrows():
        stat, df = (r["z_value"], "") if fit.generalized else (r["t_value"], f"{r['df']:.2f}")
        frows.append(
            f"<tr><td>{esc(str(term))}</td><td>{r['estimate']:.4f}</td><td>{r['std_error']:.4f}</td>"
            f"<td>{stat:.3f}</td><td>{df}</td><td>{esc(format_p(r['p_value']))}</td></tr>"
        )
    groups = ", ".join(f"{esc(g)}: {n}" for g, n in fit.ngroups.items())
    method = "OLS" if fit.kind == "ols" else ("REML" if fit.reml else "ML")
    if fit.generalized:
        method = f"{fit.family} ({fit.link}), ML"
    test, df_head = ("z value", "") if fit.generalized else ("t value", "df")
    notes = "".join(f"<li>{esc(m)}</li>" for m in fit.messages)
    return (
        f"<div class='mixwidget-summary'><p><b>{esc(fit.formula)}</b> ({method}); "
        f"{fit.nobs} observations{'; groups: ' + groups if groups else ''}"
        f"{f'; {fit.n_dropped} rows dropped (missing values)' if fit.n_dropped else ''}; "
        f"logLik {fit.loglik:.2f}, AIC {fit.aic:.1f}, BIC {fit.bic:.1f}</p>"
        "<table><thead><tr><th>Group</th><th>Term</th><th>Variance</th><th>Std.Dev.</th><th>Corr</th>"
        f"<th>Share</th></tr></thead><tbody>{''.join(vrows)}</tbody></table>"
        f"<table><thead><tr><th>Term</th><th>Estimate</th><th>Std. Error</th><th>{test}</th><th>{df_head}</th>"
        f"<th>Pr(&gt;|t|)</th></tr></thead><tbody>{''.join(frows)}</tbody></table>"
        f"{f'<ul>{notes}</ul>' if notes else ''}</div>"
    )
