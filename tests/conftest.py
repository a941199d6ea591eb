"""Fixtures shared by the Python tests."""

from __future__ import annotations

import pytest

import mixwidget


@pytest.fixture(scope="session")
def science():
    return mixwidget.load_dataset("science")
