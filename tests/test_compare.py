"""compare(): side-by-side tables and lme4-style likelihood-ratio tests."""

from __future__ import annotations

import dataclasses

import pytest
from lme4ref import LME4, fit_cached, load_reference

import mixwidget

BOTH = "like ~ sex + PrivPub + (1 | school) + (1 | school:class)"
CLASS = "like ~ sex + PrivPub + (1 | school:class)"
SCHOOL = "like ~ sex + PrivPub + (1 | school)"
OLS = "like ~ sex + PrivPub"


def test_privpub_t_values_across_error_structures():
    fits = [fit_cached(f, "science") for f in (BOTH, SCHOOL, OLS)]
    c = mixwidget.compare(fits, ["both", "school", "ols"])
    t = c.fixed.query("term == 'PrivPubpublic'").set_index("model")["t_value"].round(3)
    assert t.to_dict() == {"both": 2.217, "school": 2.250, "ols": 3.759}
    assert list(c.variance.query("model == 'both'")["group"]) == ["school:class", "school", "Residual"]


def test_lrt_refits_with_ml_like_lme4_anova():
    fits = [fit_cached(f, "science") for f in (BOTH, CLASS, OLS)]
    table = mixwidget.compare(fits, ["both", "class", "ols"]).lrt()
    assert list(table.index) == ["ols", "class", "both"]  # ordered by number of parameters
    ml = load_reference(LME4 / "science_school_class_ml.json")
    assert table.loc["both", "loglik"] == pytest.approx(ml["logLik"], abs=1e-3)
    assert table.loc["both", "aic"] == pytest.approx(ml["AIC"], abs=2e-3)
    # School adds nothing once classes are in: chi-square 0 on 1 df.
    assert table.loc["both", "chisq"] == pytest.approx(0, abs=1e-4)
    assert table.loc["both", "df"] == 1
    assert table.loc["class", "chisq"] > 50 and table.loc["class", "p_value"] < 1e-10


def test_lrt_refuses_models_that_are_not_nested():
    c = mixwidget.compare([fit_cached(CLASS, "science"), fit_cached(SCHOOL, "science")], ["class", "school"])
    with pytest.raises(mixwidget.ModelError, match="not nested"):
        c.lrt()


def test_lrt_refuses_models_on_different_rows(science):
    a = mixwidget.fit("like ~ PrivPub + (1 | school)", science)  # uses all 1385 rows
    b = fit_cached(SCHOOL, "science")  # 1383 rows: sex is missing in 2
    with pytest.raises(mixwidget.ModelError, match="1385 rows .* 1383 rows|1383 rows .* 1385 rows"):
        mixwidget.compare([a, b]).lrt()


def test_a_correlated_term_does_not_nest_in_independent_ones():
    sleep = mixwidget.load_dataset("sleepstudy")
    sleep["h"] = range(len(sleep))
    sleep["h"] = sleep["h"] % 5
    corr = mixwidget.fit("Reaction ~ Days + (Days | Subject)", sleep)
    split = mixwidget.fit("Reaction ~ Days + (1 | Subject) + (0 + Days | Subject) + (1 | h)", sleep)
    with pytest.raises(mixwidget.ModelError, match="not nested"):
        mixwidget.compare([corr, split]).lrt()


def test_nested_tests_pair_each_model_with_a_larger_one_that_contains_it():
    fits = [fit_cached(f, "science") for f in (BOTH, CLASS, SCHOOL, OLS)]
    tests, notes = mixwidget.compare(fits, ["both", "class", "school", "ols"]).nested_tests()
    pairs = {(r.model, r.vs) for r in tests.itertuples()}
    assert pairs == {("class", "ols"), ("both", "class"), ("both", "school")}
    assert notes == []
    school = tests.set_index("vs").loc["school"]
    assert school["df"] == 1 and school["chisq"] > 30  # classes matter beyond schools


def test_nested_tests_say_when_models_were_fitted_to_different_rows(science):
    fewer = mixwidget.fit("like ~ PrivPub + (1 | school)", science)  # all 1385 rows
    more = fit_cached(SCHOOL, "science")  # 1383 rows: sex is missing in 2; contains `fewer` otherwise
    tests, notes = mixwidget.compare([fewer, more], ["privpub", "sex+privpub"]).nested_tests()
    assert tests.empty
    assert len(notes) == 1
    assert "No test of 'privpub' against 'sex+privpub'" in notes[0]
    assert "1385 rows" in notes[0] and "1383 rows" in notes[0]
    assert "not nested" not in notes[0]


def test_nested_tests_say_when_a_maximum_likelihood_refit_failed(science, monkeypatch):
    both = mixwidget.fit(BOTH, science)  # fresh fits: their ML refits are not cached yet
    school = mixwidget.fit(SCHOOL, science)
    ols = fit_cached(OLS, "science")
    real = type(both).refit

    def refit(self, reml):
        if self is both and not reml:
            raise RuntimeError("optimizer gave up")
        return real(self, reml)

    monkeypatch.setattr(type(both), "refit", refit)
    tests, notes = mixwidget.compare([both, school, ols], ["both", "school", "ols"]).nested_tests()
    assert {(r.model, r.vs) for r in tests.itertuples()} == {("school", "ols")}
    assert notes == ["'both' could not be refitted by maximum likelihood for the tests "
                     "(RuntimeError: optimizer gave up), so it is in no test."]


def test_nested_tests_say_when_the_larger_model_fits_worse(science, monkeypatch):
    school = mixwidget.fit(SCHOOL, science)
    ols = fit_cached(OLS, "science")
    worse = dataclasses.replace(school.refit(reml=False), loglik=ols.loglik - 5)  # as an optimizer that stopped early
    monkeypatch.setattr(type(school), "refit", lambda self, reml: worse if self is school else self)
    tests, notes = mixwidget.compare([school, ols], ["school", "ols"]).nested_tests()
    assert tests.empty
    assert len(notes) == 1 and notes[0].startswith("No test of 'ols' against 'school': 'school' fits worse")
    assert "stopped short of its optimum" in notes[0]


def test_nested_tests_name_models_that_nest_in_none_and_say_when_none_nest():
    c = mixwidget.compare([fit_cached(CLASS, "science"), fit_cached(SCHOOL, "science")], ["class", "school"])
    tests, notes = c.nested_tests()
    assert tests.empty and notes == ["No model here is nested in another, so there is no likelihood-ratio test; "
                                     "compare AIC and BIC instead."]
    c = mixwidget.compare([fit_cached(f, "science") for f in (CLASS, SCHOOL, OLS)], ["class", "school", "ols"])
    tests, notes = c.nested_tests()
    assert len(tests) == 1  # ols in one of them
    assert notes == [f"{tests.loc[0, 'model']} is not nested in any larger model here."]


def test_the_page_gets_the_test_p_values_as_r_prints_them():
    from mixwidget.views.comparison_view import comparison_payload

    fits = [fit_cached(f, "science") for f in (BOTH, CLASS)]
    lrt = comparison_payload(fits, ["both", "class"])["lrt"]
    assert len(lrt) == 1
    row = lrt[0]
    assert row["p_text"] == mixwidget.model.summary.format_p(row["p_value"])
    assert row["p_boundary_text"] == mixwidget.model.summary.format_p(row["p_boundary"])
