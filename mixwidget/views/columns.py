"""What the formula builder is told about each column: its kind, its levels, and whether it
looks like an identifier.

An identifier labels the units data were collected on (a school, a class, a subject, a chick)
rather than measuring something about them. As a fixed effect it takes one coefficient per
unit, or, coded as integers, a meaningless slope over the codes; as the grouping factor of a
random term it is what the random effects are for. The builder marks such columns in its
fixed-effect chips with "this looks like an ID" and the reason given here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import pandas as pd

from ..formula.parse import ModelFormula

__all__ = ["ID_WORDS", "column_info", "grouping_columns", "id_reason", "with_groups"]

ID_WORDS = frozenset({
    "id", "ident", "identifier", "subject", "subj", "participant", "person", "patient", "student",
    "pupil", "school", "class", "classroom", "teacher", "chick", "animal", "plot", "block", "site",
    "cluster", "family", "litter", "batch", "cask", "household", "rater", "item", "worker", "plate",
})
"""Words that, as a whole word of a column's name, say it names units (``school``, ``SubjectID``)."""

MIN_ROWS_UNIQUE = 20
"""A column with a different value in (almost) every row is an ID only with at least this many rows."""

UNIQUE_SHARE = 0.9
"""Distinct values over rows above which text or integer codes look like row identifiers."""

FEW_ROWS_PER_LEVEL = 4
"""Text or categories with at least 10 levels and at most this many rows per level look like IDs."""


def _name_words(name: str) -> list[str]:
    """The words of a column name: split at non-letters and at lower-to-upper case changes."""
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1 \2", name))
    return [w.lower() for w in re.split(r"[^A-Za-z]+", spaced) if w]


def _is_code(s: pd.Series) -> bool:
    """Text, categories or integers: values that can name units (not measurements in floats)."""
    if pd.api.types.is_bool_dtype(s):
        return False
    return not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_integer_dtype(s)


def id_reason(name: str, s: pd.Series) -> str:
    """Why the column ``name`` (values ``s``) looks like an identifier, or "" when it does not.

    Parameters
    ----------
    name : str
        The column's name.
    s : pandas.Series
        Its values.

    Returns
    -------
    str
        A sentence for the builder's hint, e.g. "this looks like an ID: 41 integer codes, named
        like a unit (school)"; "" for a measurement or a treatment.
    """
    if not _is_code(s):
        return ""
    values = s.dropna()
    n, levels = len(values), int(values.nunique())
    integer = pd.api.types.is_integer_dtype(s)
    what = f"{levels} integer codes" if integer else f"{levels} levels"
    if n >= MIN_ROWS_UNIQUE and levels >= UNIQUE_SHARE * n:
        consecutive = not integer or int(values.max()) - int(values.min()) + 1 <= 1.1 * n
        if consecutive:
            return f"this looks like an ID: {levels} different values in {n} rows"
    if not integer and levels >= 10 and n <= FEW_ROWS_PER_LEVEL * levels:
        return f"this looks like an ID: {levels} levels with about {n / levels:.0f} rows each"
    words = [w for w in _name_words(name) if w in ID_WORDS]
    if words and levels >= 3:
        return f"this looks like an ID: {what}, named like a unit ({words[0]})"
    return ""


def column_info(data: pd.DataFrame) -> list[dict[str, Any]]:
    """What the formula builder needs to know about each column of ``data``.

    Returns
    -------
    list of dict
        One dict per column: ``name``, ``kind`` ("numeric" or "categorical"), ``levels``
        (distinct values), ``integer_codes`` (integer dtype), ``id_hint`` (why it looks like an
        identifier, or "") and ``looks_like_id``, and ``binary``: two values that are not numbers
        (TRUE/FALSE, two-level text), which a binomial model takes as its response.
    """
    out = []
    for name in data.columns:
        s = data[name]
        numeric = pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)
        hint = id_reason(str(name), s)
        out.append({
            "name": str(name),
            "kind": "numeric" if numeric else "categorical",
            "levels": int(s.nunique()),
            "integer_codes": bool(pd.api.types.is_integer_dtype(s)),
            "looks_like_id": hint != "",
            "id_hint": hint,
            "binary": not numeric and int(s.nunique()) == 2,
        })
    return out


def grouping_columns(model: ModelFormula) -> dict[str, str]:
    """Column name → the first random term it is a grouping factor of (``school`` → ``(1 | school)``)."""
    out: dict[str, str] = {}
    for term in model.random:
        for name in term.group_variables:
            out.setdefault(name, term.text)
    return out


def with_groups(columns: Iterable[dict[str, Any]], groups: dict[str, str]) -> list[dict[str, Any]]:
    """``columns`` (from :func:`column_info`) with the grouping factors of the model marked as IDs.

    A column that groups a random term is an identifier in this model whatever the data say; the
    hint names the term, since as a fixed effect too it would take over that term's variance.
    """
    out = []
    for c in columns:
        term = groups.get(c["name"])
        if term is None:
            out.append(dict(c))
            continue
        hint = f"this looks like an ID: it groups the random term {term}"
        out.append({**c, "looks_like_id": True, "id_hint": hint})
    return out
