"""Which columns the builder marks with "this looks like an ID", decided from real data."""

from __future__ import annotations

import numpy as np
import pandas as pd

import mixwidget
from mixwidget.formula.parse import parse_formula
from mixwidget.views.columns import column_info, grouping_columns, with_groups


def _hints(data: pd.DataFrame) -> dict[str, str]:
    return {c["name"]: c["id_hint"] for c in column_info(data)}


def test_science_school_and_class_look_like_ids(science):
    hints = _hints(science)
    assert hints["school"] == "this looks like an ID: 41 integer codes, named like a unit (school)"
    assert hints["class"] == "this looks like an ID: 4 integer codes, named like a unit (class)"
    assert hints["Class"] == "this looks like an ID: 66 levels, named like a unit (class)"
    # The response, the two-level factors and the measurements are not IDs.
    assert [name for name, hint in hints.items() if not hint] == ["State", "PrivPub", "sex", "like"]
    flags = {c["name"]: c["looks_like_id"] for c in column_info(science)}
    assert flags == {name: bool(hint) for name, hint in hints.items()}


def test_sleepstudy_subject_is_an_id_and_days_is_not():
    hints = _hints(mixwidget.load_dataset("sleepstudy"))
    assert hints == {
        "Reaction": "",
        "Days": "",  # integers 0..9 measured on every subject: a covariate, not codes
        "Subject": "this looks like an ID: 18 levels, named like a unit (subject)",
    }


def test_pastes_sample_has_two_rows_per_level():
    hints = _hints(mixwidget.load_dataset("Pastes"))
    assert hints["sample"] == "this looks like an ID: 30 levels with about 2 rows each"
    assert hints["strength"] == ""


def test_row_numbers_and_names_with_id_look_like_ids():
    rng = np.random.default_rng(1)
    data = pd.DataFrame({
        "row": np.arange(1, 51),  # 1..50, one per row
        "SubjectID": np.repeat(np.arange(10), 5),
        "dose": np.repeat([1, 2], 25),  # integer, but a treatment
        "y": rng.normal(size=50),  # floats all differ: a measurement
        "flag": rng.normal(size=50) > 0,
    })
    hints = _hints(data)
    assert hints["row"] == "this looks like an ID: 50 different values in 50 rows"
    assert hints["SubjectID"] == "this looks like an ID: 10 integer codes, named like a unit (subject)"
    assert hints["dose"] == hints["y"] == hints["flag"] == ""


def test_grouping_factors_of_the_model_are_marked(science):
    model = parse_formula("like ~ sex + (1 | State) + (sex || State:PrivPub)")
    groups = grouping_columns(model)
    assert groups == {"State": "(1 | State)", "PrivPub": "(1 | State:PrivPub)"}  # the first term it groups
    columns = {c["name"]: c for c in with_groups(column_info(science), groups)}
    assert columns["State"]["looks_like_id"]
    assert columns["State"]["id_hint"] == "this looks like an ID: it groups the random term (1 | State)"
    assert not columns["sex"]["looks_like_id"] and columns["sex"]["id_hint"] == ""


def test_widget_sends_the_hints_and_follows_the_model(science):
    w = mixwidget.MixWidget(science, formula="like ~ sex + PrivPub + (1 | State)")
    w.wait(60)
    columns = {c["name"]: c for c in w.columns}
    assert columns["school"]["id_hint"].startswith("this looks like an ID: 41 integer codes")
    assert columns["State"]["id_hint"] == "this looks like an ID: it groups the random term (1 | State)"
    w.formula = "like ~ sex + PrivPub"
    w.wait(60)
    columns = {c["name"]: c for c in w.columns}
    assert columns["State"]["id_hint"] == "" and not columns["State"]["looks_like_id"]
    assert columns["school"]["looks_like_id"]
