"""MixedFit.summary() reads like lme4's summary, with the textbook's numbers."""

from __future__ import annotations

from lme4ref import fit_cached


def test_science_summary_prints_textbook_numbers():
    text = fit_cached("like ~ sex + PrivPub + (1 | school) + (1 | school:class)", "science").summary()
    for printed in ["0.3206", "0.0000", "3.0521", "29.07", "1.857", "2.217", "Number of obs: 1383"]:
        assert printed in text, printed
    assert "groups:  school:class, 66; school, 41" in text
    lines = text.splitlines()
    assert lines.index("Random effects:") < lines.index("Fixed effects:") < lines.index("Correlation of Fixed Effects:")


def test_correlation_printed_on_slope_row():
    text = fit_cached("sqrt(weight) ~ Time + (Time | Chick) + Diet:Time", "ChickWeight").summary()
    row = next(line for line in text.splitlines() if line.strip().startswith("Time ") and "0.1253" in line)
    assert row.rstrip().endswith("-0.82")


def test_html_repr_has_both_tables():
    html = fit_cached("like ~ sex + PrivPub + (1 | school:class)", "science")._repr_html_()
    assert "PrivPubpublic" in html and "2.217" in html and "9.5%" in html
