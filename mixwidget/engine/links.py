"""Links handed to the engine: R's probit by scipy's special functions.

The engine's ``ProbitLink`` evaluates ``scipy.stats.norm.cdf``, ``ppf`` and ``pdf``; each call goes
through the distribution machinery's argument checks (about 0.1 ms, several times per inner
iteration), which cost a probit fit a fifth of its time. :class:`Probit` computes the same
functions (``norm.cdf`` is ``ndtr``, ``norm.ppf`` is ``ndtri``, ``norm.pdf`` is
``exp(-x**2/2) / sqrt(2 pi)``) directly, with the same values to the last bit. Imported on first use:
it loads the engine.
"""

from __future__ import annotations

import numpy as np
from mixedlm.families.base import ProbitLink
from numpy.typing import NDArray
from scipy import special

__all__ = ["Probit"]

_SQRT_2PI = np.sqrt(2 * np.pi)  # scipy.stats' _norm_pdf_C


class Probit(ProbitLink):
    """R's probit link (the engine's :class:`ProbitLink`), without ``scipy.stats``' per-call overhead."""

    def link(self, mu: NDArray[np.floating]) -> NDArray[np.floating]:
        return special.ndtri(mu)

    def inverse(self, eta: NDArray[np.floating]) -> NDArray[np.floating]:
        return special.ndtr(eta)

    def deriv(self, mu: NDArray[np.floating]) -> NDArray[np.floating]:
        x = special.ndtri(mu)
        return 1.0 / (np.exp(-x**2 / 2.0) / _SQRT_2PI)
