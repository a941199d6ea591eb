"""What the explorer sends the page, described once: the page's TypeScript types are generated from this.

Each payload is a :class:`~typing.TypedDict`; ``scripts/make_contracts.py`` writes them as TypeScript
interfaces to ``js/src/payloads.ts``, and ``tests/test_contracts.py`` fails when that file drifts or when
a real payload does not fit its description. Numbers that can be NaN or infinite in Python are sent as
``null`` (JSON has neither): their type here includes ``None``. A field's note is its ``Annotated`` text; a field
of a ``total=False`` class may be missing (``name?:`` in TypeScript).
"""

from typing import Annotated, Literal, TypedDict

__all__ = [
    "ColumnInfo", "CompareFixed", "CompareStats", "CompareVariance", "Comparison", "FitStatus", "FitSummary",
    "FixedRow", "IntervalRow", "KeyNumbers", "KeyShare", "LrtRow", "PAYLOAD_TYPES", "VarianceIntervals", "VarianceRow",
    "Variant",
]


class _ColumnBasics(TypedDict):
    name: str
    kind: Literal["numeric", "categorical"]
    levels: int
    integer_codes: bool


class ColumnInfo(_ColumnBasics, total=False):
    """One column of the data, as the formula builder shows it."""

    looks_like_id: Annotated[bool, "True when the column looks like an identifier (a school, a subject)."]
    id_hint: Annotated[str, "Why it looks like one (\"this looks like an ID: ...\"), else \"\"."]
    binary: Annotated[bool, "Two values that are not numbers (TRUE/FALSE, two-level text): a binomial response."]


class _StatusBasics(TypedDict):
    state: Literal["idle", "fitting", "error", "stopped"]
    elapsed_ms: float | None
    message: str


class FitStatus(_StatusBasics, total=False):
    """The fit in progress, done, failed or stopped."""

    stopped: Annotated[str, "What a newer request or the Stop button stopped, else \"\"."]
    stoppable: Annotated[bool, "True while a running fit can be stopped (it runs in a worker process)."]


class FixedRow(TypedDict):
    """One fixed effect."""

    term: str
    estimate: float | None
    std_error: float | None
    t_value: float | None
    df: float | None
    p_value: float | None
    p_text: Annotated[str, "The p-value as R's format.pval(p, digits = 3) and fit.summary() print it (\"\" for none)."]


class VarianceRow(TypedDict):
    """One variance component or correlation (`corr` set), or the residual."""

    group: str
    term: str
    variance: float | None
    std_dev: float | None
    corr: float | None
    share: Annotated[float | None, "Share of the total variance (random intercepts only), else null."]


class IntervalRow(TypedDict):
    """The interval of one random-effects table row's SD, correlation or (Residual) sigma."""

    group: str
    term: str
    lower: float | None
    upper: float | None


class VarianceIntervals(TypedDict):
    """Profile intervals of the current fit's variance components, computed when the page asks."""

    fit_id: Annotated[int, "The fit (FitSummary.id) they belong to."]
    state: Literal["idle", "running", "done", "stopped", "error"]
    level: float
    rows: list[IntervalRow]
    message: Annotated[str, "How far the profile is (running), or why it stopped or failed."]
    done: Annotated[int, "Interval ends found so far (two per parameter: lower and upper)."]
    total: Annotated[int, "Interval ends in all; 0 until the profile has counted them."]


class FitSummary(TypedDict):
    """A fit as the summary panel shows it."""

    id: int
    formula: str
    reml: bool
    kind: Literal["mixed", "ols", "glm"]
    family: Annotated[str, "R's family: gaussian (lmer, lm), binomial or poisson (glmer, glm; z tests)."]
    link: Annotated[str, "R's link: identity, logit, probit, cloglog, log, ..."]
    nobs: int
    n_dropped: int
    ngroups: dict[str, int]
    fixed: list[FixedRow]
    variance: list[VarianceRow]
    messages: list[str]
    loglik: float | None
    aic: float | None
    bic: float | None
    deviance: float | None
    reml_criterion: float | None
    sigma: float | None
    singular: bool
    converged: bool


class Variant(TypedDict):
    """A one-click alternative model."""

    label: str
    formula: str


class CompareFixed(TypedDict):
    """One fixed effect of one pinned model."""

    model: str
    term: str
    estimate: float | None
    std_error: float | None
    t_value: float | None


class CompareVariance(TypedDict):
    """One variance component of one pinned model."""

    model: str
    group: str
    term: str
    variance: float | None
    std_dev: float | None


class CompareStats(TypedDict):
    """Fit statistics of one pinned model."""

    model: str
    formula: str
    method: Literal["OLS", "REML", "ML"]
    nobs: int
    npar: int
    loglik: float | None
    aic: float | None
    bic: float | None


class LrtRow(TypedDict):
    """A likelihood-ratio test of a pinned model against a smaller one nested in it."""

    model: str
    vs: str
    loglik: Annotated[float | None, "Maximum-likelihood log-likelihood of the larger model (REML fits are refitted)."]
    loglik_vs: Annotated[float | None, "The same of `vs`."]
    chisq: float | None
    df: float | None
    p_value: float | None
    p_boundary: Annotated[float | None, "P-value against the boundary when one random effect is added, else null."]
    p_text: Annotated[str, "`p_value` as R's format.pval(p, digits = 3) prints it (\"\" for none)."]
    p_boundary_text: Annotated[str, "`p_boundary` the same way (\"\" for none)."]


class _ComparisonBasics(TypedDict):
    models: list[str]
    fixed: list[CompareFixed]
    variance: list[CompareVariance]
    stats: list[CompareStats]
    lrt: list[LrtRow]
    lrt_note: str


class Comparison(_ComparisonBasics, total=False):
    """The pinned models side by side (`lrt_method` only with two models or more)."""

    lrt_method: Annotated[str, "One line on how the tests were made (ML refits) and on the boundary."]


class KeyShare(TypedDict):
    """A variance share now and in the previous fit."""

    group: str
    share: float | None
    previous: float | None


class KeyNumbers(TypedDict):
    """The key numbers strip."""

    term: str | None
    focus: Annotated[bool, "True when `term` is the one chosen (the widget's `focus`)."]
    focus_missing: Annotated[str | None, "The chosen term when this model lacks it, else null."]
    stat: Annotated[Literal["t", "z"], "The current fit's test statistic: z for binomial and Poisson models."]
    stat_previous: Annotated[Literal["t", "z"] | None, "The previous fit's (its family may differ)."]
    t: float | None
    t_previous: float | None
    t_ols: float | None
    se_ratio: float | None
    shares: list[KeyShare]
    shares_note: Annotated[str, "The scale of a binomial or Poisson model's shares (latent), else \"\"."]


PAYLOAD_TYPES: tuple[type, ...] = (
    ColumnInfo, FitStatus, FixedRow, VarianceRow, IntervalRow, VarianceIntervals, FitSummary, Variant, CompareFixed,
    CompareVariance, CompareStats, LrtRow, Comparison, KeyShare, KeyNumbers,
)
"""Every payload type, in the order they are written to TypeScript."""
