"""Fits run as jobs of a :class:`~mixwidget.jobs.worker.ProcessWorker` that holds one data set.

The worker process receives the data once (``setup``), warms the engine up, and then fits
formulas sent to it (``fit_job``). A fit travels back without its data (the caller holds the
same data already and re-attaches it), so a refit costs a fit plus a few hundred kilobytes
of pickled results. Parsing and every check of the formula run here too, in the child:
whatever a formula costs, it can be stopped.

The worker keeps the designs of the last few formulas (:data:`DESIGNS_KEPT`): a model seen
before (a term removed and added again, undo, REML and ML) is refitted without building its
matrices again.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict

import numpy as np
import pandas as pd

from ..design.build import Design, build_design
from ..design.limits import DEFAULT_LIMITS, Limits
from ..design.response import family_of
from ..formula.parse import parse_formula
from ..model.fit import MixedFit, fit_design

__all__ = ["PRELOAD", "attach", "fit_job", "setup"]

PRELOAD = ("mixwidget.widget.fitjobs", "mixwidget.model.summary", "mixedlm")  # statsmodels: imported where used
"""Modules a fork server imports once for every fit worker (see ``ProcessWorker``)."""


MEMORY_SHARE = 0.5
"""The worker may use at most this share of the machine's memory: a fit asking for more gets a
MemoryError (shown as a message) instead of pushing the whole machine into swap."""


def setup(data: pd.DataFrame) -> pd.DataFrame:
    """Run once in the worker process: cap its memory, warm the engine up and keep the data."""
    from ..engine.adapter import warm_up

    _cap_memory(MEMORY_SHARE)
    warm_up()
    return data


def _cap_memory(share: float) -> None:
    """Limit this process's address space to ``share`` of physical memory, where the OS allows it."""
    try:
        import os
        import resource

        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        cap = int(total * share)
        if hard != resource.RLIM_INFINITY:
            cap = min(cap, hard)
        if soft == resource.RLIM_INFINITY or soft > cap:
            resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    except (ImportError, ValueError, OSError, AttributeError):
        pass  # no resource module (Windows) or no permission: the worker runs uncapped


DESIGNS_KEPT = 4
"""Designs kept per process, the most recently used first."""

DESIGN_BYTES_KEPT = 128 * 2**20
"""At most this many bytes of kept designs (InstEval's are about 15 MB each)."""

Arguments = tuple[tuple[str, object], ...]
"""The explorer's fitting arguments beyond formula and family, as items: weights= and offset= (column
names) and nagq= (see :class:`mixwidget.MixWidget`)."""

_designs: OrderedDict[tuple[str, Limits | None, str, str | None, Arguments], tuple[weakref.ref, Design, int]] = \
    OrderedDict()
_designs_lock = threading.Lock()


def fit_job(data: pd.DataFrame, formula: str, reml: bool, limits: Limits | None = DEFAULT_LIMITS,
            family: str = "gaussian", link: str | None = None, arguments: Arguments = ()) -> MixedFit:
    """Fit ``formula`` to the worker's data as a model of ``family`` with ``link`` (R's names; None:
    the family's default link) and ``arguments`` (``(("weights", "n"), ("offset", ...), ("nagq", 1))``,
    as :func:`mixwidget.fit` takes them); the result comes back without the data."""
    given = dict(arguments)
    columns = {k: str(v) for k, v in given.items() if k in ("weights", "offset")}
    design = design_of(data, formula, limits, family, link, arguments)
    result = fit_design(formula, design, reml, data, nagq=int(given.get("nagq", 1)), arguments=columns)
    result.data = None  # type: ignore[assignment] - re-attached by the caller (see attach)
    return result


def design_of(data: pd.DataFrame, formula: str, limits: Limits | None = DEFAULT_LIMITS,
              family: str = "gaussian", link: str | None = None, arguments: Arguments = ()) -> Design:
    """The design of ``formula`` on ``data`` read as ``family`` with ``link`` and the weights= and offset=
    columns of ``arguments``: built, or kept from an earlier fit of the same formula, limits, family, link,
    arguments and data object (the caller never changes ``data``)."""
    key = (formula, limits, family, link, tuple(arguments))
    with _designs_lock:
        kept = _designs.get(key)
        if kept is not None and kept[0]() is data:
            _designs.move_to_end(key)
            return kept[1]
    given = dict(arguments)
    design = build_design(parse_formula(formula), data, weights=given.get("weights"), offset=given.get("offset"),
                          limits=limits, family=family_of(family, link))
    size = design_bytes(design)
    with _designs_lock:
        _designs.pop(key, None)
        if size <= DESIGN_BYTES_KEPT:
            _designs[key] = (weakref.ref(data), design, size)
        while len(_designs) > DESIGNS_KEPT or sum(k[2] for k in _designs.values()) > DESIGN_BYTES_KEPT:
            _designs.popitem(last=False)
    return design


def design_bytes(design: Design) -> int:
    """Memory held by a design's arrays and model frame (about)."""
    arrays = [design.y, design.X, design.offset, design.weights]
    arrays += [a for b in design.random for a in (b.Z, b.codes)]
    size = sum(a.nbytes for a in arrays if isinstance(a, np.ndarray))
    return size + int(design.frame.memory_usage(index=True, deep=False).sum())


def attach(result: MixedFit, data: pd.DataFrame) -> MixedFit:
    """Give a fit that came back from the worker the caller's copy of the data."""
    result.data = data
    return result
