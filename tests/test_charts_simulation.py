"""The simulation chart: one term's rates, intervals and SEs per candidate, its title in words."""

from __future__ import annotations

import altair as alt
import pytest
from altair.utils.schemapi import validate_jsonschema
from lme4ref import fit_cached
from simref import SCIENCE_MODEL

import mixwidget
from mixwidget.views import charts
from mixwidget.views.charts.simulation import SIMULATION, simulation_data, simulation_title

CANDIDATES = [SCIENCE_MODEL, "like ~ sex + PrivPub"]


@pytest.fixture(scope="module")
def tables():
    truth = fit_cached(SCIENCE_MODEL, "science")
    run = lambda seed: mixwidget.check_by_simulation(  # noqa: E731
        truth, CANDIDATES, nsim=8, null_terms=["PrivPubpublic"], seed=seed, n_jobs=0
    )
    return run(1), run(2)


def _request(table, term=None):
    return charts.ChartRequest({}, "", options={"simulation": table, "term": term})


def test_chart_data_are_the_tables_rows_of_one_term(tables):
    table, _ = tables
    data = simulation_data(_request(table))
    rates = data.datasets["simulation_rates"]
    assert list(rates["term"]) == ["PrivPubpublic", "PrivPubpublic"]  # the null term by default
    assert list(rates["label"]) == ["school + class", "least squares"]
    expected = table[table["term"] == "PrivPubpublic"]["rejection_rate"].to_numpy()
    assert rates["rejection_rate"].to_numpy() == pytest.approx(expected)
    se = data.datasets["simulation_se"]
    assert set(se["which"]) == {"SE the model reports", "actual SD of estimates"} and len(se) == 4
    assert data.datasets["simulation_nominal"].iloc[0].to_dict() == {"rejection": pytest.approx(0.05),
                                                                      "coverage": pytest.approx(0.95)}
    assert "8 data sets simulated" in data.subtitle[0] and "more simulations narrow them" in data.subtitle[1]
    sexm = simulation_data(_request(table, "sexm")).datasets["simulation_rates"]
    assert set(sexm["term"]) == {"sexm"}


def test_title_says_the_result_in_words(tables):
    table, _ = tables
    rows = table[table["term"] == "PrivPubpublic"].set_index("label")["rejection_rate"]
    title = simulation_title(table)
    worst = (rows - 0.05).abs().idxmax()
    other = [lab for lab in rows.index if lab != worst][0]
    assert title == (f"{worst[:1].upper()}{worst[1:]} rejects a true null {100 * rows[worst]:.0f}% of the time; "
                     f"{other} {100 * rows[other]:.0f}%")


def test_cached_spec_plus_data_is_what_altair_draws(tables):
    first, second = tables
    old, new = simulation_data(_request(first)), simulation_data(_request(second))
    assert old.key == new.key
    spec = charts.chart_spec(SIMULATION, old.key)
    assert charts.chart_spec(SIMULATION, new.key) is spec
    sent = {**spec, "datasets": new.records(), "title": charts.title_spec(new)}
    drawn = charts.simulation(second).to_dict()
    assert sent == drawn
    chart = charts.simulation(second).to_dict(validate=False)
    chart.pop("datasets")
    validate_jsonschema(chart, alt.vegalite.v6.schema.core.load_schema())


def test_no_table_is_not_applicable():
    with pytest.raises(charts.NotApplicable, match="run a check by simulation"):
        charts.simulation(None)
