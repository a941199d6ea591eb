"""Progress reports and cancels of long work done in this process (simulations, profiles).

Long computations take two optional arguments: ``progress``, called as ``progress(done, total)``
as units of the work complete, and ``cancel``, anything with ``is_set()`` (e.g. a
:class:`threading.Event`) that the work checks as it goes. Work that cannot keep what it did so
far (a profile's intervals are all or nothing) raises :class:`Cancelled` when ``cancel`` is set.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

__all__ = ["Cancel", "Cancelled", "Progress", "check_cancel"]


class Cancel(Protocol):
    """Anything with ``is_set()``, e.g. a :class:`threading.Event`."""

    def is_set(self) -> bool: ...


Progress = Callable[[int, int], Any]
"""Called as ``progress(done, total)`` as the work's units complete."""


class Cancelled(Exception):  # noqa: N818 - reads as what happened: the work was cancelled
    """The work was cancelled (its ``cancel`` was set) before it finished; nothing partial is returned."""


def check_cancel(cancel: Cancel | None) -> None:
    """Raise :class:`Cancelled` if ``cancel`` is set."""
    if cancel is not None and cancel.is_set():
        raise Cancelled("cancelled")
