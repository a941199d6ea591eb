"""Pinned fits side by side, as plain JSON for the explorer's comparison table."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..model.compare import compare
from ..model.fit import MixedFit
from .payloads import p_text

if TYPE_CHECKING:
    from .payload_types import Comparison

__all__ = ["comparison_payload", "records"]


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of ``df`` as dicts; NaN and infinities become None (JSON has neither)."""
    out = []
    for rec in df.to_dict(orient="records"):
        out.append({k: (_number(v) if isinstance(v, (float, np.floating)) else v) for k, v in rec.items()})
    return out


def _number(x: Any) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


def comparison_payload(fits: Sequence[MixedFit], names: Sequence[str]) -> Comparison | dict[str, Any]:
    """Fixed effects, variances and fit statistics of the pinned fits, and LRTs of nested ones.

    REML fits are refitted by ML for the tests; each fit keeps its ML refit (``MixedFit.refit``
    remembers it), so pinning one more model does not refit the others again.
    """
    if not fits:
        return {}
    c = compare(list(fits), list(names))
    comparison: dict[str, Any] = {
        "models": list(names),
        "fixed": records(c.fixed),
        "variance": records(c.variance.drop(columns="corr")),
        "stats": records(c.stats.reset_index()),
        "lrt": [],
        "lrt_note": "",
    }
    if len(fits) > 1:
        tests, notes = c.nested_tests()  # the notes say why pairs were not tested
        comparison["lrt"] = [
            {**row, "p_text": p_text(row["p_value"]), "p_boundary_text": p_text(row["p_boundary"])}
            for row in records(tests)
        ]
        comparison["lrt_note"] = " ".join(notes)
        comparison["lrt_method"] = _lrt_method(list(fits), tests)
    else:
        comparison["lrt_note"] = "Pin another model to test one against the other."
    return comparison


def _lrt_method(fits: list[MixedFit], tests: pd.DataFrame) -> str:
    """One line on how the tests were made, and what their p-values mean on the boundary."""
    if tests.empty:
        return ""
    refit = any(f.reml and f.kind == "mixed" for f in fits)
    text = ("The tests refit each model by maximum likelihood (ML), as R's anova() does, so their "
            "log-likelihoods differ from the REML ones above. " if refit else
            "The tests use the models' maximum-likelihood log-likelihoods. ")
    if tests["p_boundary"].notna().any():
        text += ("A variance cannot be below 0, so a test that adds one random effect is on the boundary: "
                 "the chi-squared p-value is too large, and the boundary p-value (half of it for one "
                 "variance) is the one to read.")
    else:
        text += ("Where a test adds variances, the chi-squared p-value is conservative (a variance cannot be "
                 "below 0); no boundary correction is given because more than one random effect, or fixed "
                 "effects as well, differ.")
    return text
