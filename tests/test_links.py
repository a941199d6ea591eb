"""The probit link handed to the engine (mixwidget/engine/links.py) is the engine's own, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("mixedlm")

from mixedlm.families.base import ProbitLink  # noqa: E402

from mixwidget.design.response import Family  # noqa: E402
from mixwidget.engine.glmm import engine_family  # noqa: E402
from mixwidget.engine.links import Probit  # noqa: E402


def test_probit_equals_the_engines_probit_to_the_last_bit():
    rng = np.random.default_rng(20)
    mu = np.r_[rng.uniform(size=20000), 0.0, 1.0, 1e-300, 1 - 1e-16, 5e-324, np.nan, -0.1, 1.1]
    eta = np.r_[rng.normal(scale=10, size=20000), 0.0, 40.0, -40.0, np.inf, -np.inf, np.nan]
    ours, engine = Probit(), ProbitLink()
    with np.errstate(all="ignore"):
        for name, x in (("link", mu), ("deriv", mu), ("inverse", eta)):
            assert np.array_equal(getattr(ours, name)(x), getattr(engine, name)(x), equal_nan=True), name
    assert ours.name == "probit" and isinstance(ours, ProbitLink)


def test_the_engine_gets_the_fast_probit_and_its_own_other_links():
    assert isinstance(engine_family(Family("binomial", "probit")).link, Probit)
    assert type(engine_family(Family("binomial", "cloglog")).link).__name__ == "CloglogLink"
    assert engine_family(Family("binomial", "logit")).link.name == "logit"
