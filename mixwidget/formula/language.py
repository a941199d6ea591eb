"""The formula language's fixed words and limits, shared by the reader, the registry and the page.

A leaf module (it imports nothing of the package), so the expression reader
(:mod:`~mixwidget.formula.expression`), the term reader (:mod:`~mixwidget.formula.parse`) and
the function registry (:mod:`~mixwidget.formula.transforms`) take them from one place, and the
registry JSON the browser reads says the same.
"""

from __future__ import annotations

import math

__all__ = ["MAX_LENGTH", "MAX_DEPTH", "MAX_TERMS", "RESERVED", "CONSTANTS"]

MAX_LENGTH = 20_000  # characters in a formula
MAX_DEPTH = 40  # levels of nested parentheses, calls and unary signs
MAX_TERMS = 1000  # fixed-effect terms after expanding * / ^

RESERVED = frozenset({"if", "else", "repeat", "while", "function", "for", "in", "next", "break",
                      "NULL", "NA", "NaN", "Inf", "NA_integer_", "NA_real_", "NA_character_"})
CONSTANTS = {"TRUE": 1.0, "FALSE": 0.0, "pi": math.pi}
