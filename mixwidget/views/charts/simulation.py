"""The result of a check by simulation: per candidate model, how often its test rejects, how
often its interval covers the truth, and the SE it reports against the actual spread.

The chart reads a table from :func:`mixwidget.check_by_simulation` (``request.options
["simulation"]``), not a fit; ``request.options["term"]`` picks the fixed effect shown.
"""

from __future__ import annotations

from collections.abc import Hashable

import altair as alt
import pandas as pd

from ._common import HIGHLIGHT, MUTED, template
from .base import ChartData, ChartRequest, ChartType, Look, NotApplicable, altair_chart

__all__ = ["SIMULATION", "simulation", "simulation_data", "simulation_spec", "simulation_table", "simulation_title"]

# Three panels, the candidates' names and the legend fit a notebook's output area beside the
# file browser (968 px at 1400 x 900).
_PANEL_WIDTH = 190
_SE_NAMES = {"mean_se": "SE the model reports", "sd_estimate": "actual SD of estimates"}


def _term(table: pd.DataFrame, term: str | None) -> str:
    terms = list(dict.fromkeys(table["term"]))
    if term:
        if term not in terms:
            raise NotApplicable(f"'{term}' is not among the simulation's terms: {', '.join(terms)}")
        return term
    nulls = [t for t in table.attrs.get("null_terms", []) if t in terms]
    if nulls:
        return nulls[0]
    others = [t for t in terms if t != "(Intercept)"]
    return others[0] if others else terms[0]


def _percent(v: float) -> str:
    return "–" if pd.isna(v) else f"{100 * v:.0f}%"


def simulation_table(table: pd.DataFrame | None, term: str | None = None) -> pd.DataFrame:
    """The rows of one term, in the candidates' order, with labels for the marks."""
    if table is None or len(table) == 0:
        raise NotApplicable("no simulation yet: run a check by simulation to see this chart")
    term = _term(table, term)
    rows = table[table["term"] == term].reset_index(drop=True).copy()
    rows["rejection_label"] = rows["rejection_rate"].map(_percent)
    rows["coverage_label"] = rows["coverage"].map(_percent)
    return rows


def simulation_title(table: pd.DataFrame, term: str | None = None) -> str:
    """The result in words, e.g. "Least squares rejects a true null 31% of the time; school + class 6%", or
    for a binomial truth "Plain GLM rejects a true null 29% of the time; school 6% (Wald z tests, binomial)"."""
    rows = simulation_table(table, term)
    ok = rows[rows["n_ok"] > 0]
    if ok.empty:
        return "No candidate model could be fitted to the simulated data"
    nominal = 1 - float(table.attrs.get("level", 0.95))
    worst = ok.loc[(ok["rejection_rate"] - nominal).abs().idxmax()]
    what = "rejects a true null" if bool(worst["null"]) else "finds the effect"
    label = str(worst["label"])
    head = f"{label[:1].upper()}{label[1:]} {what} {_percent(worst['rejection_rate'])} of the time"
    rest = "; ".join(f"{r['label']} {_percent(r['rejection_rate'])}" for _, r in ok.iterrows() if r["label"] != label)
    words = f"{head}; {rest}" if rest else head
    family = table.attrs.get("family", "gaussian")
    if family != "gaussian":  # binomial and Poisson: say which test and which family the rates are of
        words += f" ({_test_name(rows)}s, {family})"
    return words


def _test_name(rows: pd.DataFrame) -> str:
    """The candidates' test: "t test", "Wald z test", or "t or z test" when the families differ."""
    stats = set(rows["statistic"]) if "statistic" in rows else {"t"}
    return "Wald z test" if stats == {"z"} else "t test" if stats == {"t"} else "t or z test"


def simulation_data(request: ChartRequest) -> ChartData:
    """Rates, intervals and SEs of one term per candidate, from ``request.options["simulation"]``."""
    table = request.options.get("simulation")
    rows = simulation_table(table, request.options.get("term"))
    level = float(table.attrs.get("level", 0.95))
    se = rows.melt(id_vars=["label", "candidate"], value_vars=list(_SE_NAMES), var_name="which", value_name="value")
    se["which"] = se["which"].map(_SE_NAMES)
    nominal = pd.DataFrame({"rejection": [1 - level], "coverage": [level]})
    done = int(table.attrs.get("nsim_done", rows["n_ok"].max()))
    nulls = table.attrs.get("null_terms") or []
    truth = table.attrs.get("truth", "the truth")
    family = table.attrs.get("family", "gaussian")
    drawn = "" if family == "gaussian" else f" ({family}, {table.attrs.get('link', '')} link)"
    subtitle = [
        f"{rows['term'].iloc[0]}: {done} data sets simulated from {truth}{drawn}"
        + (f" with {', '.join(nulls)} set to 0" if nulls else ""),
        "Bars are 95% intervals for the rates; more simulations narrow them. Dashed lines: the nominal rates.",
    ]
    if family != "gaussian":
        subtitle.insert(1, "Tests and intervals are Wald z, as glmer's and glm's summaries report them.")
    if table.attrs.get("cancelled"):
        subtitle.append(f"Cancelled after {done} of {table.attrs.get('nsim', done)} simulations")
    key = (tuple(rows["label"]), bool(rows["null"].any()), round(level, 6), _test_name(rows))
    datasets = {"simulation_rates": rows, "simulation_se": se, "simulation_nominal": nominal}
    return ChartData(key, datasets, simulation_title(table, request.options.get("term")), subtitle)


def simulation_spec(key: Hashable, look: Look) -> alt.TopLevelMixin:
    """Three panels sharing the candidates' axis: rejection rate, coverage, reported SE vs actual SD."""
    labels, null, level, test = key
    height = 50 * max(len(labels), 1)
    rates = alt.Chart(alt.NamedData(name="simulation_rates"))
    nominal = alt.Chart(alt.NamedData(name="simulation_nominal"))
    y = alt.Y("label:N", sort=list(labels), title=None, axis=alt.Axis(labelLimit=220))
    counts = [alt.Tooltip("candidate:N", title="Model"), alt.Tooltip("n_ok:Q", title="Fits"),
              alt.Tooltip("n_failed:Q", title="Failed fits"), alt.Tooltip("n_singular:Q", title="Singular fits")]

    def panel(value: str, low: str, high: str, label: str, line: str, title: str, zero: bool) -> alt.LayerChart:
        scale = alt.Scale(zero=True) if zero else alt.Scale(zero=False, domainMax=1)
        x = alt.X(f"{low}:Q", title=title, axis=alt.Axis(format="%"), scale=scale)
        return alt.layer(
            rates.mark_rule(strokeWidth=4, color=MUTED).encode(x=x, x2=f"{high}:Q", y=y),
            rates.mark_point(filled=True, size=110, color=HIGHLIGHT, opacity=1).encode(
                x=f"{value}:Q", y=y,
                tooltip=[alt.Tooltip(f"{value}:Q", format=".1%"), alt.Tooltip(f"{low}:Q", format=".1%"),
                         alt.Tooltip(f"{high}:Q", format=".1%"), *counts],
            ),
            rates.mark_text(dy=-14, fontSize=14, fontWeight="bold").encode(x=f"{value}:Q", y=y, text=f"{label}:N"),
            nominal.mark_rule(strokeDash=[6, 4], color="black", strokeWidth=1.5).encode(x=f"{line}:Q"),
        ).properties(width=_PANEL_WIDTH, height=height)

    what = "False positives" if null else "Rejections"
    reject = panel("rejection_rate", "rejection_low", "rejection_high", "rejection_label", "rejection",
                   f"{what} ({test} at {100 * (1 - level):.0f}%)", True)
    interval = "intervals" if test == "t test" else f"{test.removesuffix(' test')} intervals"
    cover = panel("coverage", "coverage_low", "coverage_high", "coverage_label", "coverage",
                  f"{100 * level:.0f}% {interval} covering the truth", False)
    se = alt.Chart(alt.NamedData(name="simulation_se"))
    legend = alt.Legend(orient="bottom", title=None)
    ses = alt.layer(
        se.mark_line(color=MUTED, strokeWidth=2).encode(x="value:Q", y=y, detail="label:N"),
        se.mark_point(filled=True, size=110, opacity=1).encode(
            x=alt.X("value:Q", title="Standard error of the estimate", scale=alt.Scale(zero=False)),
            y=y,
            color=alt.Color("which:N", scale=alt.Scale(domain=list(_SE_NAMES.values()), range=[HIGHLIGHT, "#0072B2"]),
                            legend=legend),
            shape=alt.Shape("which:N", scale=alt.Scale(domain=list(_SE_NAMES.values())), legend=legend),
            tooltip=["label:N", "which:N", alt.Tooltip("value:Q", format=".4f")],
        ),
    ).properties(width=_PANEL_WIDTH, height=height)
    chart = alt.hconcat(reject, cover, ses, spacing=28)
    return template(chart, look)


SIMULATION = ChartType("simulation", simulation_data, simulation_spec)


def simulation(table: pd.DataFrame, term: str | None = None, look: Look | None = None) -> alt.TopLevelMixin:
    """The chart of a check by simulation, as an Altair chart.

    Parameters
    ----------
    table : DataFrame
        From :func:`mixwidget.check_by_simulation`.
    term : str, optional
        The fixed effect to show; default the first null term (else the first non-intercept).
    """
    request = ChartRequest({}, "", look=look or Look(), options={"simulation": table, "term": term})
    return altair_chart(SIMULATION, request)
