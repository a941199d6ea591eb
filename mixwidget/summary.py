"""A fit printed as lme4 (with lmerTest's Satterthwaite columns) prints it, as text and HTML."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .fit import MixedFit

__all__ = ["format_p", "summary_html", "summary_text"]


def format_p(p: float) -> str:
    """A p-value as R prints it: ``< 2e-16`` for tiny values, else 3 significant digits."""
    if not np.isfinite(p):
        return "NA"
    if p < 2.2e-16:
        return "< 2e-16"
    if p < 1e-4:
        return f"{p:.2e}"
    return f"{p:.3g}" if p < 0.001 else f"{p:.4f}".rstrip("0").rstrip(".") if p < 1 else "1"


def _stars(p: float) -> str:
    return "***" if p < 0.001 else "**" if p < 0.01 else "*" if p < 0.05 else "." if p < 0.1 else ""


def _table(rows: list[list[str]], align: list[str]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = []
    for r in rows:
        cells = [c.ljust(w) if a == "l" else c.rjust(w) for c, w, a in zip(r, widths, align)]
        out.append(" " + " ".join(cells).rstrip())
    return out


def _decimals_for(values: np.ndarray, digits: int = 4) -> int:
    """Decimals so that the smallest non-zero value shows `digits` significant digits (at most 5)."""
    finite = np.abs(values[np.isfinite(values) & (values != 0)])
    if finite.size == 0:
        return digits
    smallest = finite.min()
    return int(min(5, max(0, digits - 1 - np.floor(np.log10(smallest)))))


def _random_rows(fit: MixedFit) -> list[list[str]]:
    v = fit.variance
    var_rows = v[v["corr"].isna()]
    dec = 4
    rows = [["Groups", "Name", "Variance", "Std.Dev.", "Corr"]]
    corr = v[v["corr"].notna()]
    shown_group = None
    for _, r in var_rows.iterrows():
        group = r["group"] if r["group"] != shown_group else ""
        shown_group = r["group"]
        cells = [group, r["term"], f"{r['variance']:.{dec}f}", f"{r['std_dev']:.{dec}f}"]
        # lme4 prints the correlations of a term with the earlier terms of its group on its row.
        mine = corr[(corr["group"] == r["group"]) & corr["term"].str.endswith(f"~{r['term']}")]
        cells.append(" ".join(f"{c:5.2f}" for c in mine["corr"]))
        rows.append(cells)
    return rows


def summary_text(fit: MixedFit) -> str:
    """lme4's ``summary(lmer(...))`` layout, with lmerTest's df and p columns."""
    lines: list[str] = []
    if fit.kind == "ols":
        lines.append("Linear model fit by least squares (no random effects)")
    else:
        method = "REML" if fit.reml else "maximum likelihood"
        lines.append(f"Linear mixed model fit by {method}. t-tests use Satterthwaite's method")
    lines.append(f"Formula: {fit.formula}")
    name = fit.data.attrs.get("name") if hasattr(fit.data, "attrs") else None
    if name:
        lines.append(f"   Data: {name}")
    lines.append("")
    stats = [["AIC", "BIC", "logLik", "deviance" if fit.deviance is not None else "REML criterion"]]
    crit = fit.deviance if fit.deviance is not None else fit.reml_criterion
    stats.append([f"{fit.aic:.1f}", f"{fit.bic:.1f}", f"{fit.loglik:.1f}", f"{crit:.1f}"])
    if fit.reml:
        lines.append(f"REML criterion at convergence: {fit.reml_criterion:.1f}")
    else:
        lines.extend(_table(stats, ["r"] * 4))
    lines.append("")
    resid = fit.residuals / fit.sigma
    q = np.quantile(resid, [0, 0.25, 0.5, 0.75, 1])
    lines.append("Scaled residuals: ")
    lines.extend(_table([["Min", "1Q", "Median", "3Q", "Max"], [f"{x:.4f}" for x in q]], ["r"] * 5))
    lines.append("")
    if fit.kind == "ols":
        df = int(fit.fixed["df"].iloc[0]) if len(fit.fixed) else fit.nobs
        lines.append(f"Residual standard error: {fit.sigma:.4f} on {df} degrees of freedom")
    else:
        lines.append("Random effects:")
        rows = _random_rows(fit)
        if all(not r[4] for r in rows[1:]):
            rows = [r[:4] for r in rows]
        lines.extend(_table(rows, ["l", "l", "r", "r", "l"][: len(rows[0])]))
    groups = "; ".join(f"{g}, {n}" for g, n in fit.ngroups.items())
    obs = f"Number of obs: {fit.nobs}"
    lines.append(f"{obs}, groups:  {groups}" if groups else obs)
    if fit.n_dropped:
        lines.append(f"({fit.n_dropped} observations deleted due to missingness)")
    lines.append("")
    fe = fit.fixed
    if fe.empty:
        lines.append("No fixed effect coefficients")
        lines.extend(f"Note: {msg}" for msg in fit.messages)
        return "\n".join(lines)
    lines.append("Fixed effects:")
    dec = _decimals_for(np.concatenate([fe["estimate"].to_numpy(), fe["std_error"].to_numpy()]))
    rows = [["", "Estimate", "Std. Error", "df", "t value", "Pr(>|t|)", ""]]
    for term, r in fe.iterrows():
        rows.append([
            str(term), f"{r['estimate']:.{dec}f}", f"{r['std_error']:.{dec}f}", f"{r['df']:.2f}",
            f"{r['t_value']:.3f}", format_p(r["p_value"]), _stars(r["p_value"]),
        ])
    lines.extend(_table(rows, ["l", "r", "r", "r", "r", "r", "l"]))
    lines.append("---")
    lines.append("Signif. codes:  0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 ' ' 1")
    if len(fe) > 1:
        lines.append("")
        lines.append("Correlation of Fixed Effects:")
        cov = fit.vcov.to_numpy()
        sd = np.sqrt(np.diag(cov))
        corr = cov / np.outer(sd, sd)
        names = [str(n) for n in fe.index]
        short = [_abbreviate(n) for n in names]
        rows = [[""] + short[:-1]]
        for i in range(1, len(names)):
            rows.append([short[i]] + [f"{corr[i, j]:.3f}" for j in range(i)] + [""] * (len(names) - 1 - i))
        lines.extend(_table(rows, ["l"] + ["r"] * (len(names) - 1)))
    if fit.messages:
        lines.append("")
        lines.extend(f"Note: {m}" for m in fit.messages)
    return "\n".join(lines)


def _abbreviate(name: str, width: int = 11) -> str:
    """Shorten long term names for the correlation table, as R's abbreviate() roughly does."""
    if name == "(Intercept)":
        return "(Intr)"
    if len(name) <= width:
        return name
    keep = [c for i, c in enumerate(name) if i == 0 or c not in "aeiou"]
    return "".join(keep)[:width]


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
        frows.append(
            f"<tr><td>{esc(str(term))}</td><td>{r['estimate']:.4f}</td><td>{r['std_error']:.4f}</td>"
            f"<td>{r['t_value']:.3f}</td><td>{r['df']:.2f}</td><td>{esc(format_p(r['p_value']))}</td></tr>"
        )
    groups = ", ".join(f"{esc(g)}: {n}" for g, n in fit.ngroups.items())
    method = "OLS" if fit.kind == "ols" else ("REML" if fit.reml else "ML")
    notes = "".join(f"<li>{esc(m)}</li>" for m in fit.messages)
    return (
        f"<div class='mixwidget-summary'><p><b>{esc(fit.formula)}</b> ({method}); "
        f"{fit.nobs} observations{'; groups: ' + groups if groups else ''}"
        f"{f'; {fit.n_dropped} rows dropped (missing values)' if fit.n_dropped else ''}; "
        f"logLik {fit.loglik:.2f}, AIC {fit.aic:.1f}, BIC {fit.bic:.1f}</p>"
        "<table><thead><tr><th>Group</th><th>Term</th><th>Variance</th><th>Std.Dev.</th><th>Corr</th>"
        f"<th>Share</th></tr></thead><tbody>{''.join(vrows)}</tbody></table>"
        "<table><thead><tr><th>Term</th><th>Estimate</th><th>Std. Error</th><th>t value</th><th>df</th>"
        f"<th>Pr(&gt;|t|)</th></tr></thead><tbody>{''.join(frows)}</tbody></table>"
        f"{f'<ul>{notes}</ul>' if notes else ''}</div>"
    )
