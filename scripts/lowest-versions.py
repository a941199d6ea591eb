"""Print pip constraints that pin every dependency mixwidget declares to its lowest allowed version.

``python scripts/lowest-versions.py > lowest.txt; pip install -c lowest.txt -e ".[test]"`` installs
the oldest numpy, pandas, scipy, Altair, anywidget, ... that pyproject.toml says work, so that the
test suite can show that they do. Reads ``[project] dependencies`` and the extras named on the command
line (default: save, rdata); a requirement without a ``>=`` bound is left to pip.
"""

from __future__ import annotations

import sys
from pathlib import Path

import tomllib
from packaging.requirements import Requirement

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


def lowest(requirements: list[str]) -> dict[str, str]:
    """Package name -> its ``>=`` bound, for each requirement that has one (on this Python)."""
    pins = {}
    for text in requirements:
        req = Requirement(text)
        if req.marker is not None and not req.marker.evaluate():
            continue
        bounds = [s.version for s in req.specifier if s.operator == ">="]
        if req.name != "mixwidget" and bounds:
            pins[req.name] = max(bounds, key=lambda v: tuple(int(p) for p in v.split(".") if p.isdigit()))
    return pins


def main(extras: list[str]) -> None:
    project = tomllib.loads(PYPROJECT.read_text())["project"]
    requirements = list(project["dependencies"])
    for extra in extras:
        requirements += project["optional-dependencies"][extra]
    for name, version in sorted(lowest(requirements).items()):
        print(f"{name}=={version}")


if __name__ == "__main__":
    main(sys.argv[1:] or ["save", "rdata"])
