"""The explorer's pins: pinning fits, naming them, and comparing them off the comm thread.

:class:`PinActions` is mixed into :class:`mixwidget.MixWidget`, which provides ``pinned``,
``comparison``, the locks, the chores thread (``_chore``) and ``_refresh_charts``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import traitlets

from ..model.fit import MixedFit
from ..model.naming import structure_name, unique_name
from ..views.comparison_view import comparison_payload
from ..views.payloads import fit_summary

__all__ = ["PinActions"]


class PinActions(traitlets.HasTraits):
    """Pin, rename, restore, unpin and clear fits; the comparison follows each change."""

    def pin(self, name: str | None = None) -> None:
        """Pin the current fit for comparison, named by its random part ("school + class") or ``name``."""
        if self._change_pins("pin", name=name):
            self._compare_pins(self._pins_version)

    def rename_pin(self, index: int, name: str) -> None:
        """Give the pinned fit at ``index`` a new name (shown in tables, tests and charts)."""
        if not 0 <= index < len(self.pinned_fits):
            raise IndexError(f"there is no pinned fit {index}; {len(self.pinned_fits)} are pinned")
        label = self._check_pin_name(name, index)
        old = self._pin_names[index]
        if label == old:
            return
        with self._pins_lock:
            self._pin_names[index] = label
        with self._lock, self.hold_sync():  # the same tests under the new name: nothing is refitted
            self.comparison = _renamed(self.comparison, old, label)
        self._refresh_charts()

    def restore_pin(self, index: int) -> None:
        """Make the pinned fit at ``index`` the current model again (its formula, family, link and REML setting;
        a binomial or Poisson fit leaves REML as it is: those are fitted by maximum likelihood)."""
        if 0 <= index < len(self.pinned_fits):
            f = self.pinned_fits[index]
            with self.hold_trait_notifications():
                if not f.generalized:
                    self.reml = f.reml
                self.family = f.family
                self.link = f.link
                self.formula = f.formula

    def _check_pin_name(self, name: Any, index: int | None = None) -> str:
        label = " ".join(str(name).split())[:60] if isinstance(name, str) else ""
        if not label:
            raise ValueError("a pinned fit needs a name with some text in it")
        if label in ("Current", "OLS (no groups)", "GLM (no groups)", "Previous fit"):
            raise ValueError(f"{label!r} is what the charts call another model; choose another name")
        if any(n == label for i, n in enumerate(self._pin_names) if i != index):
            raise ValueError(f"another pinned fit is called {label!r}; choose another name")
        return label

    def unpin(self, index: int) -> None:
        """Remove the pinned fit at ``index`` (an int, not a bool)."""
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
            raise TypeError(f"index must be an integer position, not {index!r}")
        if self._change_pins("unpin", int(index)):
            self._compare_pins(self._pins_version)

    def clear_pins(self) -> None:
        """Remove every pinned fit."""
        if self._change_pins("clear"):
            self._compare_pins(self._pins_version)
    def _summary(self, f: MixedFit) -> dict[str, Any]:
        """The fit's display summary, made once per fit."""
        summary = self._summaries.get(f)
        if summary is None:
            summary = self._summaries[f] = fit_summary(f, self._fit_ids.get(f, 0))
        return summary

    def _change_pins(self, action: str, index: int | None = None, name: str | None = None) -> bool:
        """Change the pin list and show it (summaries are made once per fit); False if nothing changed."""
        with self._pins_lock:
            if action == "pin":
                if self._fit is None or any(f is self._fit for f in self.pinned_fits):
                    return False
                label = self._check_pin_name(name) if name is not None else structure_name(self._fit)
                self.pinned_fits.append(self._fit)
                self._pin_names.append(unique_name(label, self._pin_names))
            elif action == "unpin":
                if index is None or not 0 <= index < len(self.pinned_fits):
                    return False
                del self.pinned_fits[index]
                del self._pin_names[index]
            else:
                self.pinned_fits.clear()
                self._pin_names.clear()
            self._pins_version += 1
            summaries = [self._summary(f) for f in self.pinned_fits]
            with self._lock, self.hold_sync():
                self.pinned = summaries
        return True

    def _compare_pins(self, version: int) -> None:
        """The pins' comparison (LRT refits are remembered per fit), then the charts.

        Skipped when the pins have changed again meanwhile: the newer change's turn does it.
        """
        with self._pins_lock:
            if version != self._pins_version:
                return
            fits, names = list(self.pinned_fits), list(self._pin_names)
        comparison = comparison_payload(fits, names)
        with self._pins_lock:
            if version != self._pins_version:
                return
            for old, new in zip(names, self._pin_names):  # renamed meanwhile: same fits, new names
                if old != new:
                    comparison = _renamed(comparison, old, new)
            with self._lock, self.hold_sync():
                self.comparison = comparison
        self._refresh_charts(stale=lambda: version != self._pins_version)  # a newer pin change redraws


def _renamed(comparison: dict[str, Any], old: str, new: str) -> dict[str, Any]:
    """``comparison`` with the model ``old`` called ``new`` everywhere."""
    def swap(value: Any) -> Any:
        return new if value == old else value

    out = dict(comparison)
    out["models"] = [swap(m) for m in comparison.get("models", [])]
    for key in ("fixed", "variance", "stats", "lrt"):
        out[key] = [{k: swap(v) if k in ("model", "vs") else v for k, v in rec.items()}
                    for rec in comparison.get(key, [])]
    notes = comparison.get("lrt_note", "")
    out["lrt_note"] = notes.replace(f"{old} is not nested", f"{new} is not nested") if notes else notes
    return out

