"""Errors raised for bad input: each says what is wrong and how to fix it."""

from __future__ import annotations

__all__ = ["DataError", "FormulaError", "MixWidgetError", "ModelError"]


class MixWidgetError(ValueError):
    """Base class for problems with the user's formula, data or models."""


class FormulaError(MixWidgetError):
    """The formula text cannot be read.

    Attributes
    ----------
    formula : str
        The formula as given.
    position : int or None
        0-based character offset where the problem was found, if known.
    """

    def __init__(self, message: str, formula: str = "", position: int | None = None) -> None:
        self.formula = formula
        self.position = position
        self._plain = message
        if formula and position is not None:
            pointer = " " * position + "^"
            message = f"{message}\n  {formula}\n  {pointer}"
        super().__init__(message)
        self.short_message = message.split("\n", 1)[0]

    def __reduce__(self) -> tuple[type, tuple[str, str, int | None]]:
        """Pickle with the formula and position (errors travel back from worker processes)."""
        return (type(self), (self._plain, self.formula, self.position))


class DataError(MixWidgetError):
    """The data cannot support the model (unknown column, wrong type, too few rows...)."""


class ModelError(MixWidgetError):
    """Models cannot be combined as asked (e.g. a likelihood-ratio test of non-nested models)."""
