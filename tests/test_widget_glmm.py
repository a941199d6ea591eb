"""The explorer with binomial and Poisson models: the family selector, its suggestion and note, z values,
latent-scale shares, code, undo and pins (numbers against glmer's, in tests/reference/glmm)."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import mixwidget
from mixwidget.errors import DataError
from mixwidget.views.family import family_hint, suggest_family

REFERENCE = Path(__file__).parent / "reference" / "glmm"
sys.path.insert(0, str(REFERENCE))
import data as glmm_data  # noqa: E402  (the reference data sets, as the R script reads them)

CBPP = "cbind(incidence, size - incidence) ~ period + (1 | herd)"
OHIO = "resp ~ age + smoke + (1 | id)"


@pytest.fixture(scope="module")
def cbpp():
    return glmm_data.frame("cbpp")


@pytest.fixture(scope="module")
def ohio():
    return glmm_data.frame("ohio")


def _reference(name: str) -> dict:
    return json.loads((REFERENCE / f"{name}.json").read_text(encoding="utf-8"))


def test_binomial_widget_shows_glmers_z_values_and_latent_shares(cbpp):
    w = mixwidget.explore(cbpp, CBPP, family="binomial", isolate=False)
    w.wait(120)
    ref = _reference("cbpp_cbind")
    cur = w.current
    assert (cur["family"], cur["link"], cur["kind"]) == ("binomial", "logit", "mixed")
    terms = [r["term"] for r in cur["fixed"]]
    assert terms == ref["fixef"]["names"]
    for row, est, z in zip(cur["fixed"], ref["fixef"]["estimate"], ref["fixef"]["z"]):
        assert row["estimate"] == pytest.approx(est, rel=1e-3)
        assert row["t_value"] == pytest.approx(z, rel=0.02)  # SEs within 1.5% on cbpp (see test_glmm)
        assert row["df"] is None  # Wald z: no degrees of freedom
    k = w.key_numbers
    assert k["stat"] == "z" and k["stat_previous"] is None
    # glmer's herd variance over itself plus pi^2/3, the logistic distribution's variance
    var = ref["varcorr"]["vcov"]
    [share] = k["shares"]
    assert share["group"] == "herd"
    assert share["share"] == pytest.approx(var / (var + math.pi**2 / 3), rel=2e-3)
    assert "pi^2/3" in k["shares_note"]
    assert cur["variance"][0]["share"] == pytest.approx(share["share"])
    # The no-groups baseline is a binomial GLM (R's glm), not least squares: its z is the key number's "GLM".
    glm = w.fit.without_groups()
    assert glm.family == "binomial" and not glm.design.random
    assert k["t_ols"] == pytest.approx(float(glm.fixed.loc[k["term"], "z_value"]))
    assert "family = binomial" in w.code_text["R"] and "glmer(" in w.code_text["R"]
    assert "family='binomial'" in w.code_text["python"]
    assert w.family_hint == {"suggested": "binomial", "reason": "cbind(successes, failures)", "note": ""}


def test_family_selector_refits_and_undo_pins_follow_it(ohio):
    w = mixwidget.MixWidget(ohio, formula=OHIO, isolate=False)
    w.wait(120)
    assert w.fit.family == "gaussian" and w.key_numbers["stat"] == "t"
    hint = w.family_hint
    assert hint["suggested"] == "binomial" and hint["reason"] == "two values: 0 and 1"
    assert "linear probability model: predictions can leave [0, 1]" in hint["note"]
    w.pin("linear")
    w.family = "binomial"
    w.wait(120)
    assert w.fit.family == "binomial" and not w.fit.reml
    assert w.family_hint["note"] == ""
    k = w.key_numbers
    assert (k["stat"], k["stat_previous"]) == ("z", "t")
    z = {r["term"]: r["t_value"] for r in w.current["fixed"]}
    assert z["smoke"] == pytest.approx(float(w.fit.fixed.loc["smoke", "z_value"]))
    assert w.reml  # the REML setting is kept for the next linear model
    assert "glmer(resp ~ age + smoke + (1 | id)" in w.code_text["R"]
    assert list(w.fits_shown["family"]) == ["gaussian", "binomial"]
    w.undo()
    w.wait(120)
    assert w.fit.family == "gaussian" and w.family == "gaussian" and w.fit.reml
    w.restore_pin(0)
    w.wait(120)
    assert w.family == "gaussian"
    w.family = "binomial"
    w.wait(120)
    w.pin("logistic")
    w.family = "gaussian"
    w.wait(120)
    w.restore_pin(1)
    w.wait(120)
    assert w.family == "binomial" and w.fit.family == "binomial"


def test_a_family_the_response_cannot_have_is_a_message_and_the_fit_stays(ohio):
    w = mixwidget.MixWidget(ohio, formula="age ~ resp + (1 | id)", isolate=False)
    good = w.wait(120)
    w.family = "binomial"  # age runs from -2 to 1
    assert w.wait(120) is good
    assert "must lie between 0 and 1" in w.error
    with pytest.raises(DataError, match="family must be one of 'gaussian', 'binomial', 'poisson'"):
        w.family = "gamma"
    assert w.family == "binomial"


def test_page_writes_to_family_are_checked(ohio):
    w = mixwidget.MixWidget(ohio, isolate=False)
    w.set_state({"family": "Poisson"})
    assert w.family == "poisson"
    w.set_state({"family": "negative binomial"})
    assert w.family == "poisson"


def test_links_refit_and_code_labels_undo_and_pins_follow_them(cbpp):
    w = mixwidget.MixWidget(cbpp, formula=CBPP, family="binomial", isolate=False)
    w.wait(120)
    assert (w.link, w.fit.link) == ("", "logit")
    w.pin("logit")
    w.link = "probit"
    w.wait(120)
    assert (w.fit.family, w.fit.link, w.current["link"]) == ("binomial", "probit", "probit")
    ref = mixwidget.fit(CBPP, cbpp, family="binomial", link="probit")
    assert w.fit.fixed["estimate"].to_numpy() == pytest.approx(ref.fixed["estimate"].to_numpy(), rel=1e-10)
    assert 'family = binomial(link = "probit"))' in w.code_text["R"]
    assert "family='binomial', link='probit')" in w.code_text["python"]
    # No odds ratios on the probit scale: the effects chart's labels and subtitle say z only.
    caption = w.chart_captions["effects"]
    assert "probit" in caption["subtitle"][0] and "odds" not in " ".join(caption["subtitle"])
    d = _chart("effects", {"Current": w.fit, "GLM (no groups)": w.fit.without_groups()})
    labels = d.datasets["effects_rows"]["t_label"]
    assert all(t.startswith("z = ") and "OR" not in t for t in labels)
    assert "latent probit scale" in w.key_numbers["shares_note"]
    assert "probit-link scale" in " ".join(w.chart_captions["shrinkage"]["subtitle"])
    assert list(w.fits_shown["link"]) == ["logit", "probit"]
    w.undo()
    w.wait(120)
    assert (w.link, w.fit.link) == ("logit", "logit")
    w.link = "cloglog"
    w.wait(120)
    assert w.fit.link == "cloglog" and 'binomial(link = "cloglog")' in w.code_text["R"]
    w.restore_pin(0)
    w.wait(120)
    assert (w.family, w.link, w.fit.link) == ("binomial", "logit", "logit")


def test_a_family_takes_its_default_link_and_family_and_link_refit_once(ohio):
    w = mixwidget.MixWidget(ohio, formula="resp ~ age + (1 | id)", isolate=False)
    w.wait(120)
    with w.hold_trait_notifications():  # as the page's selector sends them: one message, one fit
        w.family = "binomial"
        w.link = "probit"
    w.wait(300)
    assert w.fit.link == "probit" and len(w.fits_shown) == 2
    w.family = "poisson"  # probit is not a Poisson link: the family's default (log) is fitted
    w.wait(300)
    assert (w.link, w.fit.family, w.fit.link) == ("", "poisson", "log")
    with pytest.raises(DataError, match="link must be '' .* or one of"):
        w.link = "logarithm"
    w.set_state({"link": "inverse"})  # refused and logged; the page is sent the kernel's value again
    assert w.link == ""


def test_the_response_suggests_a_family():
    frame = pd.DataFrame({
        "passed": [True, False, True, True], "outcome": ["pass", "fail", "pass", "fail"],
        "ticks": [0, 3, 11, 2], "rating": [1, 5, 12, 3], "yield": [1.5, 2.0, 0.3, 4.0], "y01": [0, 1, 1, 0],
        "three": ["a", "b", "c", "a"],
    })
    assert suggest_family(frame, "passed") == ("binomial", "two values: False and True")
    assert suggest_family(frame, "outcome") == ("binomial", "two values: fail and pass")
    assert suggest_family(frame, "y01") == ("binomial", "two values: 0 and 1")
    assert suggest_family(frame, "cbind(k, n - k)") == ("binomial", "cbind(successes, failures)")
    assert suggest_family(frame, "ticks") == ("poisson", "counts: whole numbers from 0 to 11")
    for measured in ("rating", "yield", "three", "log(yield)"):  # a scale from 1, measurements, text
        assert suggest_family(frame, measured) == ("gaussian", "")
    note = family_hint(frame, "ticks ~ 1", "gaussian")["note"]
    assert "Counts fitted as a linear model" in note and "glmer, family = poisson" in note
    assert family_hint(frame, "ticks ~ (1 |", "gaussian") == {"suggested": "gaussian", "reason": "", "note": ""}


def test_poisson_shares_are_on_the_log_scale():
    grouse = glmm_data.frame("grouseticks")
    f = mixwidget.fit("TICKS ~ YEAR + (1 | BROOD)", grouse, family="poisson")
    from mixwidget.model.latent import latent_shares

    shares = latent_shares(f)
    var = float(f.variance["variance"].iloc[0])
    eta = f.design.X @ f.fixed["estimate"].to_numpy()
    mean = np.mean(np.exp(eta)) * math.exp(var / 2)
    assert shares["BROOD"] == pytest.approx(var / (var + math.log1p(1 / mean)))
    assert shares.sum() == pytest.approx(1.0)


# -- the charts on a binomial model's scales ------------------------------------------------------------
@pytest.fixture(scope="module")
def cbpp_fit(cbpp):
    return mixwidget.fit(CBPP, cbpp, family="binomial")


def _chart(name: str, fits: dict, current: str = "Current", group: str | None = None):
    from mixwidget.views.charts import CHARTS
    from mixwidget.views.charts.base import ChartRequest

    return CHARTS[name].data(ChartRequest(fits, current, group=group))


def test_effects_read_log_odds_with_odds_ratios(cbpp_fit):
    glm = cbpp_fit.without_groups()
    d = _chart("effects", {"Current": cbpp_fit, "GLM (no groups)": glm})
    rows = d.datasets["effects_rows"]
    now = rows[rows["model"] == "Current"].set_index("term")
    est = cbpp_fit.fixed["estimate"]
    assert now.loc["period2", "t_label"] == f"z = {cbpp_fit.fixed.loc['period2', 'z_value']:.2f} · OR " \
                                            f"{np.exp(est['period2']):.3g}"
    se = cbpp_fit.fixed.loc["period2", "std_error"]
    assert now.loc["period2", "upper"] == pytest.approx(est["period2"] + 1.959964 * se, rel=1e-6)  # Wald z
    assert "log-odds" in d.subtitle[0] and "odds ratio" in d.subtitle[1]
    assert d.title.startswith("Ignoring the groups inflates the z value of") and "(GLM)" in d.title


def test_variance_shares_are_on_the_latent_scale(cbpp_fit):
    d = _chart("variance", {"Current": cbpp_fit, "GLM (no groups)": cbpp_fit.without_groups()})
    rows = d.datasets["variance_components"]
    var = float(cbpp_fit.variance["variance"].iloc[0])
    herd = rows[(rows["model"] == "Current") & (rows["group"] == "herd")]
    assert float(herd["share"].iloc[0]) == pytest.approx(var / (var + math.pi**2 / 3))
    assert list(rows[rows["model"] == "GLM (no groups)"]["share"]) == [1.0]
    assert "latent logit scale" in d.subtitle[0]


@pytest.mark.filterwarnings("ignore:.*encountered in scalar divide:RuntimeWarning")  # statsmodels' scale of a one-row group
def test_shrinkage_uses_each_groups_own_log_odds(cbpp_fit):
    import statsmodels.api as sm

    from mixwidget.model.pooling import pooling

    pool = pooling(cbpp_fit, "herd")
    d = cbpp_fit.design
    eta = d.X @ cbpp_fit.fixed["estimate"].to_numpy()
    for code in (0, 7):  # herd 1 (4 periods) and herd 8 (1 period)
        rows = d.random[0].codes == code
        own = sm.GLM(d.y[rows], np.ones((rows.sum(), 1)), family=sm.families.Binomial(), offset=eta[rows],
                     var_weights=d.weights[rows]).fit()
        expected = cbpp_fit.fixed["estimate"].iloc[0] + own.params[0]
        assert pool["no_pooling"].iloc[code] == pytest.approx(expected, abs=1e-6)
    assert "log-odds" in " ".join(_chart("shrinkage", {"Current": cbpp_fit}, group="herd").subtitle)


@pytest.mark.filterwarnings("ignore:.*encountered in scalar divide:RuntimeWarning")  # statsmodels' scale of a one-row group
@pytest.mark.parametrize("link", ["probit", "cloglog"])
def test_shrinkage_on_other_links_uses_each_groups_own_estimate_on_that_scale(cbpp, link):
    import statsmodels.api as sm

    from mixwidget.model.pooling import pooling

    fit = mixwidget.fit(CBPP, cbpp, family="binomial", link=link)
    pool = pooling(fit, "herd")
    d = fit.design
    eta = d.X @ fit.fixed["estimate"].to_numpy()
    sm_link = {"probit": sm.families.links.Probit(), "cloglog": sm.families.links.CLogLog()}[link]
    for code in (0, 7):  # herd 1 (4 periods) and herd 8 (1 period)
        rows = d.random[0].codes == code
        own = sm.GLM(d.y[rows], np.ones((rows.sum(), 1)), family=sm.families.Binomial(link=sm_link),
                     offset=eta[rows], var_weights=d.weights[rows]).fit(tol=1e-12)
        expected = fit.fixed["estimate"].iloc[0] + own.params[0]
        assert pool["no_pooling"].iloc[code] == pytest.approx(expected, abs=1e-6)
    subtitle = " ".join(_chart("shrinkage", {"Current": fit}, group="herd").subtitle)
    assert f"{link}-link scale" in subtitle and "log-odds" not in subtitle


def test_shrinkage_leaves_out_groups_without_an_estimate_of_their_own(ohio):
    from mixwidget.model.pooling import pooling

    f = mixwidget.fit(OHIO, ohio, family="binomial")
    pool = pooling(f, "id")
    wheezes = ohio.groupby("id", observed=True)["resp"].agg(["min", "max"])
    edge = (wheezes["min"] == wheezes["max"]).to_numpy()
    assert pool["no_pooling"].isna().to_numpy().tolist() == edge.tolist()


def test_residuals_of_binary_data_are_binned(ohio):
    f = mixwidget.fit(OHIO, ohio, family="binomial")
    d = _chart("residuals", {"Current": f})
    points = d.datasets["residuals_points"]
    assert len(points) == round(math.sqrt(f.nobs))  # 46 bins of about 47 rows
    assert points["fitted"].is_monotonic_increasing and points["fitted"].between(0, 1).all()
    assert (points["residual"].abs() < 2).mean() > 0.8  # standardized: about 95% within 2 if the model fits
    assert "Binned residuals" in " ".join(d.subtitle)
    assert d.key[0] == "probability of resp (bin means)"


def test_prediction_is_on_the_probability_scale(ohio):
    f = mixwidget.fit(OHIO, ohio, family="binomial")
    d = _chart("prediction", {"Current": f}, group="id")
    rows = d.datasets["prediction_rows"]
    assert rows[["lower", "fit", "upper"]].stack().between(0, 1).all()
    beta = f.fixed["estimate"]
    x = ohio.iloc[0]
    typical = 1 / (1 + np.exp(-(beta["(Intercept)"] + beta["age"] * x["age"] + beta["smoke"] * x["smoke"])))
    new = rows[rows["population"].str.startswith("a new")]
    assert float(new["fit"].iloc[0]) == pytest.approx(typical, rel=1e-6)  # the population's median id
    this = rows[rows["population"].str.startswith("this")]
    conditional = f.predict(ohio.iloc[[0]], type="response")  # lme4's re.form = NULL: with id 0's mode
    assert float(this["fit"].iloc[0]) == pytest.approx(float(np.asarray(conditional)[0]), rel=1e-6)
    assert "sigma^2" not in " ".join(rows["pieces"])
    assert "probability scale" in " ".join(d.subtitle)


# -- random slopes in a binomial model ------------------------------------------------------------------
CONTRA_SLOPE = "use ~ age + urban + (urban | district)"


def test_explorer_draws_shrinkage_and_slopes_of_a_binomial_random_slope(caplog):
    import logging

    d = glmm_data.frame("Contraception")
    with caplog.at_level(logging.WARNING, logger="mixwidget"):
        w = mixwidget.explore(d, CONTRA_SLOPE, family="binomial", isolate=False)
        w.wait(120)
    assert w.current["kind"] == "mixed"
    assert not any("could not be drawn" in note for note in w.chart_notes.values()), w.chart_notes
    assert {"shrinkage", "slopes2d"} <= set(w.chart_specs)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    for name in ("shrinkage", "slopes2d"):
        subtitle = " ".join(w.chart_captions[name]["subtitle"])
        assert "log-odds scale" in subtitle and "no finite estimate of its own" in subtitle
    assert "23 of 60 districts have no estimate of their own" in " ".join(w.chart_captions["slopes2d"]["subtitle"])
    groups = w.chart_data["slopes2d"]["slopes2d_groups"]
    own = [v for v in groups["no_slope"] if v is not None and v == v]
    assert len(own) == 37 and max(abs(v) for v in own) < 10  # no separated district's runaway slope


def test_a_chart_limited_by_the_data_is_a_note_without_a_traceback(cbpp_fit, monkeypatch, caplog):
    import logging

    from mixwidget.views import chartboard
    from mixwidget.views.charts.base import ChartType

    def limited(request):
        raise DataError("these data cannot draw it")

    def broken(request):
        raise RuntimeError("a bug")

    charts = {"limited": ChartType("limited", limited, lambda key, look: None),
              "broken": ChartType("broken", broken, lambda key, look: None)}
    monkeypatch.setattr(chartboard, "CHARTS", charts)
    with caplog.at_level(logging.DEBUG, logger="mixwidget"):
        board = chartboard.ChartBoard().build(cbpp_fit, {}, "herd")
    assert board.notes["limited"] == "This chart could not be drawn: these data cannot draw it"
    assert "RuntimeError: a bug" in board.notes["broken"]
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [r.getMessage() for r in errors] == ["chart 'broken' failed"] and errors[0].exc_info


def test_lines_are_left_to_linear_models_and_numeric_slopes_shrink_on_the_link_scale():
    from mixwidget.views.charts.base import NotApplicable

    fit = mixwidget.fit("use ~ age + urban + (age | district)", glmm_data.frame("Contraception"), family="binomial")
    with pytest.raises(NotApplicable, match="Lines are drawn for linear models"):
        _chart("lines", {"Current": fit})
    # With slopes there are no shares: the standard deviations, and the residual bar said for what it is.
    v = _chart("variance", {"Current": fit})
    rows = v.datasets["variance_components"]
    residual = rows[rows["component"].str.startswith("Residual")]
    assert float(residual["std_dev"].iloc[0]) == pytest.approx(math.pi / math.sqrt(3))
    assert ("The residual bar is the spread of a single observation on the latent logit scale, SD 1.81, "
            "not a fitted variance.") in v.subtitle
    d = _chart("shrinkage", {"Current": fit})
    assert d.key[1] == ("(Intercept)", "age")
    assert "log-odds scale" in " ".join(d.subtitle)
    arrows = d.datasets["shrinkage_arrows"]
    assert arrows["no_pooling"].notna().sum() > 0.8 * len(arrows)  # ages vary within every district
