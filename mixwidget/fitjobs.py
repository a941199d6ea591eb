"""Fits run as jobs of a :class:`~mixwidget.worker.ProcessWorker` that holds one data set.

The worker process receives the data once (``setup``), warms the engine up, and then fits
formulas sent to it (``fit_job``). A fit travels back without its data (the caller holds the
same data already and re-attaches it), so a refit costs a fit plus a few hundred kilobytes
of pickled results. Parsing and every check of the formula run here too, in the child:
whatever a formula costs, it can be stopped.
"""

from __future__ import annotations

import pandas as pd

from .fit import MixedFit, fit_owned
from .limits import DEFAULT_LIMITS, Limits

__all__ = ["PRELOAD", "attach", "fit_job", "setup"]

PRELOAD = ("mixwidget.fitjobs", "mixwidget.summary", "mixedlm", "statsmodels.api")
"""Modules a fork server imports once for every fit worker (see ``ProcessWorker``)."""


MEMORY_SHARE = 0.5
"""The worker may use at most this share of the machine's memory: a fit asking for more gets a
MemoryError (shown as a message) instead of pushing the whole machine into swap."""


def setup(data: pd.DataFrame) -> pd.DataFrame:
    """Run once in the worker process: cap its memory, warm the engine up and keep the data."""
    from .engine import warm_up

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


def fit_job(data: pd.DataFrame, formula: str, reml: bool, limits: Limits | None = DEFAULT_LIMITS) -> MixedFit:
    """Fit ``formula`` to the worker's data; the result comes back without the data."""
    result = fit_owned(formula, data, reml, limits=limits)
    result.data = None  # type: ignore[assignment] - re-attached by the caller (see attach)
    return result


def attach(result: MixedFit, data: pd.DataFrame) -> MixedFit:
    """Give a fit that came back from the worker the caller's copy of the data."""
    result.data = data
    return result
