"""The refitter of a design, by its family: lmer's, glmer's, or glm's (simulation, bootstrap)."""

from __future__ import annotations

from ..design.build import Design
from .adapter import Refitter
from .glm import GlmRefitter
from .glmm import GlmmRefitter

__all__ = ["refitter_for"]


def refitter_for(design: Design, reml: bool, nagq: int = 1) -> Refitter | GlmmRefitter | GlmRefitter:
    """A refitter of ``design``: the linear model's, or for binomial and Poisson models glmer's (with
    random terms; ``nagq`` quadrature points, 1 for Laplace) or glm's (without)."""
    if not design.family.generalized:
        return Refitter(design, reml)
    return GlmmRefitter(design, nagq=nagq) if design.random else GlmRefitter(design)
