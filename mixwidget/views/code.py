"""A model as code to run elsewhere: an R ``lmer()`` call, or the Python ``mixwidget.fit()`` call."""

from __future__ import annotations

import re

from ..data import DATASETS

__all__ = ["LANGUAGES", "model_code"]

LANGUAGES = ("R", "python")

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
) -> str:
    """The code that fits ``formula`` in R (lme4 with lmerTest) or in Python (mixwidget).

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
        Otherwise, a CSV file the code reads the data from (default ``"data.csv"``).

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
    mixed = model.is_mixed
    known = dataset in DATASETS
    path = csv or "data.csv"
    if lang == "R":
        name = _variable(dataset if known and not csv else "data", _R_NAME)
        lines = ["library(lmerTest)  # lme4's lmer(), with Satterthwaite df and p-values in summary()"]
        lines += [f"library({package})  # the formula's {package} functions" for package in model.r_packages()]
        if known and not csv:
            package, item, _, _ = DATASETS[dataset]
            if package not in ("datasets", "lme4"):
                lines.append(f'data("{item}", package = "{package}")  # install.packages("{package}") first')
            if name != item:
                lines.append(f"{name} <- {item}")
        else:
            lines.append(f'{name} <- read.csv("{_r_string(path)}", stringsAsFactors = TRUE, na.strings = c("", "NA"))')
        if mixed:
            lines.append(f"fit <- lmer({formula}, data = {name}, REML = {'TRUE' if reml else 'FALSE'})")
        else:
            lines.append(f"fit <- lm({formula}, data = {name})")
        lines.append("summary(fit)")
        return "\n".join(lines) + "\n"
    name = _variable(dataset.lower() if known and not csv else "data", _PY_NAME)
    lines = ["import mixwidget"]
    if known and not csv:
        lines += ["", f"{name} = mixwidget.load_dataset({dataset!r})"]
    else:
        lines += ["import pandas as pd", "", f"{name} = pd.read_csv({path!r})"]
    reml_arg = "" if reml or not mixed else ", reml=False"
    lines += [f"fit = mixwidget.fit({formula!r}, {name}{reml_arg})", "print(fit.summary())"]
    return "\n".join(lines) + "\n"


def _r_string(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')
