"""Engine adapter: BLAS threads are limited around small fits and left alone for large ones."""

from __future__ import annotations

from types import SimpleNamespace

import mixedlm
import numpy as np
from threadpoolctl import threadpool_info

import mixwidget
from mixwidget import engine


def blas_thread_counts() -> set[int]:
    return {lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"}


def test_small_fits_use_one_blas_thread_and_restore_the_setting(science, monkeypatch):
    seen = []
    real = mixedlm.lmer

    def spy(*args, **kwargs):
        seen.append(blas_thread_counts())
        return real(*args, **kwargs)

    monkeypatch.setattr(mixedlm, "lmer", spy)
    before = blas_thread_counts()
    fit = mixwidget.fit("like ~ sex + PrivPub + (1 | school) + (1 | school:class)", science)
    assert seen == [{1}]
    assert blas_thread_counts() == before
    assert engine.blas_threads(fit.design) == 1


def test_large_dense_problems_keep_the_library_threads():
    def design(rows: int, fixed: int, random: tuple[int, ...]) -> SimpleNamespace:
        return SimpleNamespace(
            y=np.empty(rows), X=np.empty((1, fixed)), random=[SimpleNamespace(Z=np.empty((1, q))) for q in random]
        )

    assert engine.blas_threads(design(1_385, 3, (1, 1))) == 1  # the science model
    assert engine.blas_threads(design(5_000, 4, (2,))) == 1
    assert engine.blas_threads(design(73_421, 2, (1, 1))) is None  # InstEval
    assert engine.blas_threads(design(1_000_000, 2, (2,))) is None  # many rows
    assert engine.blas_threads(design(2_000, 60, (1,))) is None  # a big dense cross-product
