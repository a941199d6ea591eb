"""A model as code to run elsewhere: an R ``lmer()`` call, or the Python ``mixwidget.fit()`` call."""

from __future__ import annotations

import re
from collections.abc import Sequence

import pandas as pd

from ..data import DATASETS, load_dataset
from ..design.build import predictor_variables
from ..design.contrasts import collation_key
from ..design.response import FAMILIES, Family, family_of

__all__ = ["DEFAULT_CSV", "LANGUAGES", "dataset_of", "model_code", "r_factors"]

LANGUAGES = ("R", "python")
DEFAULT_CSV = "data.csv"
_WRITE = f'w.data.to_csv("{DEFAULT_CSV}", index=False)'

#: A factor column for the code: its name, its levels as written to CSV, and whether it is ordered.
Factor = tuple[str, tuple[str, ...], bool]

_R_NAME = re.compile(r"^[A-Za-z.][A-Za-z0-9._]*$")
_PY_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _variable(name: str, pattern: re.Pattern[str]) -> str:
    """``name`` if it is a plain variable name in the language, else ``data``."""
    return name if pattern.match(name) and name not in ("fit", "library", "import") else "data"


def model_code(
    formula: str,
    language: str = "R",
    reml: bool = True,
    dataset: str | None = None,
    csv: str | None = None,
    *,
    factors: Sequence[Factor] = (),
    family: str = "gaussian",
    link: str | None = None,
    nagq: int = 1,
    weights: str | None = None,
    offset: str | None = None,
) -> str:
    """The code that fits ``formula`` in R (lme4 with lmerTest, or glmer) or in Python (mixwidget).

    Parameters
    ----------
    formula : str
        A formula in lme4's syntax, as mixwidget fits it.
    language : {"R", "python"}
    reml : bool
        REML (True) or maximum likelihood (False); ignored without random terms.
    dataset : str, optional
        The name of a teaching data set (``mixwidget.load_dataset``); the code loads it from
        its R package or with ``load_dataset``.
    csv : str, optional
        Otherwise, the CSV file the code reads the data from. Without one the code reads
        ``"data.csv"``, and a comment says how to write it from the explorer's data.
    factors : sequence of (column, levels, ordered)
        Columns the code makes factors with these levels (see :func:`r_factors`), when it reads
        them from a CSV file; only those the formula uses as predictors appear.
    family, link, nagq
        A binomial or Poisson model: R's ``glmer(..., family = binomial)`` (``glm`` without random
        terms), with ``binomial(link = "probit")`` for a link other than the family's default and
        ``nAGQ`` above 1; in Python the same arguments of ``mixwidget.fit``.
    weights, offset : str, optional
        Columns given as the fit's ``weights=`` and ``offset=`` (R's ``weights = n``).

    Returns
    -------
    str
        Code ending in a printed summary: lme4's ``summary()`` layout in both languages.
    """
    lang = {"r": "R", "python": "python", "py": "python"}.get(str(language).lower())
    if lang is None:
        raise ValueError(f"no code for {language!r}; choose one of {', '.join(LANGUAGES)}")
    from ..formula.parse import parse_formula

    model = parse_formula(formula)
    from_package = dataset in DATASETS and not csv
    # Grouping factors are groups whatever R reads them as; predictors must be the same factors.
    used = set(model.columns()) - (set(model.grouping_variables()) - set(predictor_variables(model)))
    factors = [] if from_package else [f for f in factors if f[0] in used]
    fam = family_of(family, link)
    if lang == "R":
        return _r_code(formula, model.is_mixed, reml, dataset if from_package else None, csv, factors,
                       model.r_packages(), _r_call(formula, model.is_mixed, fam, nagq, _r_arguments(weights, offset)),
                       _r_arguments(weights, offset))
    name = _variable(dataset.lower() if from_package else "data", _PY_NAME)
    lines = ["import mixwidget"]
    if from_package:
        lines += ["", f"{name} = mixwidget.load_dataset({dataset!r})"]
    else:
        lines += ["import pandas as pd", ""]
        if not csv:
            lines.append(f"# First write the explorer's data (w is the explorer) to this file: {_WRITE}")
        text = ", dtype={" + ", ".join(f"{c!r}: str" for c, _, _ in factors) + "}" if factors else ""
        lines.append(f"{name} = pd.read_csv({csv or DEFAULT_CSV!r}{text})")
        for column, levels, ordered in factors:
            lines.append(f"{name}[{column!r}] = pd.Categorical({name}[{column!r}], categories={list(levels)!r}"
                         f"{', ordered=True' if ordered else ''})")
    reml_arg = "" if reml or not model.is_mixed or fam.generalized else ", reml=False"
    if fam.generalized:
        reml_arg += f", family={fam.name!r}"
        reml_arg += "" if fam.link == FAMILIES[fam.name][0] else f", link={fam.link!r}"
        reml_arg += f", nagq={nagq}" if model.is_mixed and nagq != 1 else ""
    given = "".join(f", {k}={v!r}" for k, v in (("weights", weights), ("offset", offset)) if v)
    lines += [f"fit = mixwidget.fit({formula!r}, {name}{given}{reml_arg})", "print(fit.summary())"]
    return "\n".join(lines) + "\n"


def _r_arguments(weights: str | None, offset: str | None) -> str:
    """R's ``, weights = n, offset = log(days)`` for columns given as weights= and offset=."""
    return "".join(f", {k} = {_r_column(v)}" for k, v in (("weights", weights), ("offset", offset)) if v)


def _r_column(name: str) -> str:
    return name if _R_NAME.match(name) else f"`{name}`"


def _r_call(formula: str, mixed: bool, family: Family, nagq: int, given: str = "") -> str | None:
    """A generalized model's R call with ``{data}`` for the data's name: ``glmer(..., family = binomial)``,
    or ``glm`` without random terms; None for a linear model."""
    if not family.generalized:
        return None
    r_family = family.name if family.link == FAMILIES[family.name][0] else f'{family.name}(link = "{family.link}")'
    agq = f", nAGQ = {nagq}" if mixed and nagq != 1 else ""
    return f"fit <- {'glmer' if mixed else 'glm'}({formula}, data = {{data}}{given}, family = {r_family}{agq})"


def _r_code(formula: str, mixed: bool, reml: bool, dataset: str | None, csv: str | None,
            factors: Sequence[Factor], packages: Sequence[str] = (), call: str | None = None,
            given: str = "") -> str:
    """The R side of :func:`model_code`; ``packages`` are attached for the formula's functions (splines);
    ``call`` is a generalized model's fitting call (see :func:`_r_call`)."""
    name = _variable(dataset if dataset else "data", _R_NAME)
    if call is None:
        lines = ["library(lmerTest)  # lme4's lmer(), with Satterthwaite df and p-values in summary()"]
    else:
        lines = ["library(lme4)  # glmer(): generalized linear mixed models"] if mixed else []
    lines += [f"library({package})  # the formula's {package} functions" for package in packages]
    if dataset:
        package, item, _, _ = DATASETS[dataset]
        if package not in ("datasets", "lme4"):
            lines.append(f'data("{item}", package = "{package}")  # install.packages("{package}") first')
        if name != item:
            lines.append(f"{name} <- {item}")
    else:
        if not csv:
            lines.append(f"# First write the explorer's data to this file, in Python (w is the explorer): {_WRITE}")
        classes = ""
        if factors:
            classes = ", colClasses = c(" + ", ".join(f'"{_r_string(c)}" = "character"' for c, _, _ in factors) + ")"
        lines.append(f'{name} <- read.csv("{_r_string(csv or DEFAULT_CSV)}", stringsAsFactors = TRUE, '
                     f'na.strings = c("", "NA"), check.names = FALSE{classes})')
        for column, levels, ordered in factors:
            col = f'{name}[["{_r_string(column)}"]]'
            values = ", ".join(f'"{_r_string(v)}"' for v in levels)
            lines.append(f"{col} <- factor({col}, levels = c({values}){', ordered = TRUE' if ordered else ''})")
    if call is not None:
        lines.append(call.format(data=name))
    elif mixed:
        lines.append(f"fit <- lmer({formula}, data = {name}{given}, REML = {'TRUE' if reml else 'FALSE'})")
    else:
        lines.append(f"fit <- lm({formula}, data = {name}{given})")
    lines.append("summary(fit)")
    return "\n".join(lines) + "\n"


def dataset_of(data: pd.DataFrame) -> str | None:
    """The teaching data set ``data`` is, unchanged (``load_dataset`` names it), else None.

    A subset or a changed copy keeps pandas' ``attrs`` and so the name; code that loaded the
    whole data set would then fit other data, so only the data set itself counts.
    """
    name = data.attrs.get("name")
    if not isinstance(name, str) or name not in DATASETS:
        return None
    return name if data.equals(load_dataset(name)) else None


def r_factors(data: pd.DataFrame) -> tuple[Factor, ...]:
    """Factor columns that a CSV file would not bring back as the same factors.

    A column with integer codes as categories (ChickWeight's ``Diet``), text that reads as
    numbers or TRUE/FALSE ("001", "yes"/"no" are fine, "1" is not), an ordered categorical, or
    categories in an order of their own would come back from ``read.csv`` (and
    ``pandas.read_csv``) as numbers, or with R's alphabetical levels. Each is returned as
    ``(column, levels as written to CSV, ordered)`` for the code to make it a factor again.
    """
    out = []
    for column in data.columns:
        s = data[column]
        if isinstance(s.dtype, pd.CategoricalDtype):
            levels = [str(v) for v in s.cat.categories]
            plain = (all(isinstance(v, str) for v in s.cat.categories) and not s.cat.ordered
                     and levels == sorted(levels, key=collation_key))
            if not plain or any(_reads_as_other(v) for v in levels):
                out.append((column, tuple(levels), bool(s.cat.ordered)))
        elif s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
            uniques = pd.unique(s.dropna())
            if len(uniques) and all(isinstance(v, str) for v in uniques) and any(map(_reads_as_other, uniques)):
                out.append((column, tuple(sorted(uniques, key=collation_key)), False))
    return tuple(out)


def _reads_as_other(text: str) -> bool:
    """Whether a CSV reader would read ``text`` as a number or a logical, not as text."""
    if text.strip() in {"T", "F", "TRUE", "FALSE", "true", "false", "True", "False"}:
        return True
    try:
        float(text)
    except ValueError:
        return False
    return True


def _r_string(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')
