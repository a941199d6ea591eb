"""The notebooks the browser tests open: the science data in the explorer, or a glmer reference data set."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

BOTH = "like ~ sex + PrivPub + (1 | school) + (1 | school:class)"


def explorer_cells(*extra: str) -> list[str]:
    """Cells that open the explorer on the school + class model, then ``extra`` cells."""
    return [
        # The kernel runs in the notebook folder; make the package under test importable.
        f"import sys; sys.path.insert(0, {str(REPO)!r})",
        "import mixwidget",
        'science = mixwidget.load_dataset("science")',
        f'w = mixwidget.explore(science, "{BOTH}")',
        "w",
        *extra,
    ]


CBPP = "cbind(incidence, size - incidence) ~ period + (1 | herd)"


def reference_explorer_cells(name: str, formula: str, *arguments: str) -> list[str]:
    """Cells that open the explorer on the glmer reference data set ``name`` (tests/reference/glmm/data.py,
    as the R script reads it) with ``formula`` and the keyword ``arguments`` (e.g. ``'family="binomial"'``)."""
    call = ", ".join([name, f'"{formula}"', *arguments])
    return [
        f"import sys; sys.path.insert(0, {str(REPO)!r}); sys.path.insert(0, {str(REPO / 'tests/reference/glmm')!r})",
        "import mixwidget, data",
        f'{name} = data.frame("{name}")',
        f"w = mixwidget.explore({call})",
        "w",
    ]
