"""The notebook the browser tests open: the science data in the explorer."""

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
