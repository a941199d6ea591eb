"""The teaching notebooks run top to bottom in a fresh kernel and print lme4's numbers.

Each notebook is executed once per test module (nbclient, kernel ``python3``, working folder
``notebooks/``); the tests then read the executed outputs.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "notebooks"
NAMES = [
    "01-science-attitudes.ipynb",
    "02-random-slopes.ipynb",
    "03-pooling.ipynb",
    "04-your-data.ipynb",
    "05-prediction.ipynb",
    "06-binary-outcomes.ipynb",
]
CELL_TIMEOUT = 120  # seconds per cell

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
CHART_MIMES = ("application/vnd.vegalite.v5+json", "application/vnd.vegalite.v6+json")


def _kernel_env() -> dict[str, str]:
    """The test's environment, with the repository first on the kernel's import path."""
    env = dict(os.environ)
    paths = [str(REPO), *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    return env


def execute(name: str) -> nbformat.NotebookNode:
    from nbclient import NotebookClient

    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    client = NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    client.execute(env=_kernel_env())  # raises CellExecutionError on the first failing cell
    return nb


class Executed:
    """A notebook after execution, with its outputs as text."""

    def __init__(self, nb: nbformat.NotebookNode) -> None:
        self.nb = nb
        self.code_cells = [c for c in nb.cells if c.cell_type == "code"]

    def texts(self, cell) -> list[str]:
        out = []
        for o in cell.get("outputs", []):
            if o.output_type == "stream" and o.name == "stdout":
                out.append(o.text)
            elif o.output_type in ("execute_result", "display_data"):
                out.append(o.data.get("text/plain", ""))
        return out

    @property
    def text(self) -> str:
        return "\n".join(t for c in self.code_cells for t in self.texts(c))

    def stderr(self) -> list[str]:
        """Everything a person would see in red: stderr streams and errors."""
        bad = []
        for i, c in enumerate(self.code_cells):
            for o in c.get("outputs", []):
                if o.output_type == "stream" and o.name == "stderr":
                    bad.append(f"cell {i}: stderr: {o.text}")
                elif o.output_type == "error":
                    bad.append(f"cell {i}: {o.ename}: {o.evalue}")
        return bad

    def mimes(self) -> set[str]:
        return {
            m for c in self.code_cells for o in c.get("outputs", [])
            if o.output_type in ("execute_result", "display_data") for m in o.data
        }

    def cells_with(self, source_part: str) -> list:
        return [c for c in self.code_cells if source_part in c.source]


@pytest.fixture(scope="module")
def executed():
    """``executed(name)`` -> the notebook run once in this module, as :class:`Executed`."""
    cache: dict[str, Executed] = {}

    def _get(name: str) -> Executed:
        if name not in cache:
            cache[name] = Executed(execute(name))
        return cache[name]

    return _get


# --------------------------------------------------------------------------- every notebook


def test_every_notebook_is_listed():
    assert sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_stored_without_outputs(name):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, cell.source


@pytest.mark.parametrize("name", NAMES)
def test_runs_without_errors_or_warnings(executed, name):
    ran = executed(name)
    assert ran.stderr() == []
    assert all(c.execution_count for c in ran.code_cells)


@pytest.mark.parametrize("name", NAMES)
def test_prose_between_code(name):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    kinds = [c.cell_type for c in nb.cells]
    assert kinds[0] == "markdown" and kinds.count("markdown") >= 4


# --------------------------------------------------------------------------- 01 science


def test_science_variance_components_and_share(executed):
    ran = executed("01-science-attitudes.ipynb")
    text = ran.text
    assert re.search(r"school:class \(Intercept\)\s+0\.3206\s+0\.5662", text)
    assert re.search(r"Residual\s+3\.0521\s+1\.7470", text)
    assert "1385 students in 66 classes in 41 schools; 2 students have no value for sex." in text
    assert "class share = 0.321 / (0.321 + 0.000 + 3.05) = 9.5%" in text


def test_science_privpub_t_values(executed):
    ran = executed("01-science-attitudes.ipynb")
    assert "PrivPub t-value: 2.217 with school and class effects, 2.217 with classes only," in ran.text
    assert "2.250 ignoring classes, and 3.759 ignoring both." in ran.text
    # The comparison table, as displayed: estimate, std_error, t_value per model.
    (cell,) = ran.cells_with("mixwidget.compare(")
    table = "".join(ran.texts(cell))
    for model, t in [("school + class", "2.217"), ("class only", "2.217"), ("school only", "2.250"),
                     ("OLS (no groups)", "3.759")]:
        assert re.search(rf"{re.escape(model)}\s+0\.\d{{3}}\s+0\.\d{{3}}\s+{t}", table), (model, table)


def test_science_which_one_is_right(executed):
    """The simulation section: least squares' false positives far above 5%, school + class near it."""
    text = executed("01-science-attitudes.ipynb").text
    pattern = r"{}: false positives (\d+)% \(95% interval (\d+)% to (\d+)%\), coverage (\d+)%"
    ls = re.search(pattern.format("least squares"), text)
    right = re.search(pattern.format(r"school \+ class"), text)
    assert ls and right, text[-2000:]
    assert int(ls.group(2)) > 10 and int(ls.group(4)) < 90  # interval well above 5%, coverage well below 95%
    assert int(right.group(2)) <= 5 <= int(right.group(3)) and int(right.group(4)) >= 88


def test_science_widget_is_displayed(executed):
    ran = executed("01-science-attitudes.ipynb")
    last = ran.cells_with("mixwidget.explore(")[-1]
    assert last.source.rstrip().endswith("\nw")
    assert any(WIDGET_MIME in o.get("data", {}) for o in last.outputs)


@pytest.mark.parametrize("name", NAMES)
def test_charts_are_drawn(executed, name):
    """Every chart cell (``charts.name(...)``) shows a chart, not just its text."""
    ran = executed(name)
    for c in ran.cells_with("charts."):
        assert any(m in o.get("data", {}) for o in c.outputs for m in (*CHART_MIMES, WIDGET_MIME)), c.source


# --------------------------------------------------------------------------- 02 random slopes


def test_chick_diet3_slope_and_lrt(executed):
    text = executed("02-random-slopes.ipynb").text
    assert "Diet 3 adds 0.16085 per day (t = 4.01), a slope of 0.47240: 52% faster." in text
    assert re.search(r"Time:Diet3\s+0\.16085\s+0\.04010", text)  # the lme4-style summary
    assert "The correlation between a chick's intercept and its slope is -0.82." in text
    assert re.search(r"Chi-squared = 83\.1 on 2 degrees of freedom, p = 9e-19", text)


def test_chick_strip_follows_the_lessons_term(executed):
    """The text says which term to watch in the strip; the explorer is opened on that term."""
    ran = executed("02-random-slopes.ipynb")
    assert 'focus="Time:Diet3"' in ran.cells_with("mixwidget.explore(")[-1].source
    words = " ".join(" ".join(c.source.split()) for c in ran.nb.cells if c.cell_type == "markdown")
    assert "watch `Time:Diet3` in the strip" in words


def test_chick_scale_check(executed):
    text = executed("02-random-slopes.ipynb").text
    m = re.search(r"grams: the standard deviation on day 21 is ([\d.]+) times", text)
    s = re.search(r"square root of grams: the standard deviation on day 21 is ([\d.]+) times", text)
    assert m and s and float(s.group(1)) < float(m.group(1)) / 2


# --------------------------------------------------------------------------- 03 pooling


def test_pooling_shrinkage_by_size(executed):
    text = executed("03-pooling.ipynb").text
    assert "The smallest class (37:1, 3 students) keeps 24% of its own deviation; " \
           "the largest (17:1, 50 students) keeps 84%." in text
    gap = re.search(r"Largest difference between the formula and the fitted estimates: (\S+)", text)
    assert gap and float(gap.group(1)) < 1e-8
    assert "tau^2 = 0.3206, sigma^2 = 3.0521" in text


def test_pooling_simulation_mse(executed):
    """Across simulations partial pooling's class intercepts land closer to the truth than no pooling's."""
    text = executed("03-pooling.ipynb").text
    share = re.search(r"Partial pooling's MSE is (\d+)% of no pooling's\.", text)
    assert share and int(share.group(1)) < 80, text[-1500:]
    mse = dict(re.findall(r"^(no pooling|partial pooling|complete pooling)\s+([\d.]+)$", text, flags=re.M))
    assert float(mse["partial pooling"]) < min(float(mse["no pooling"]), float(mse["complete pooling"]))


# --------------------------------------------------------------------------- 04 your data


def test_your_data_checks(executed):
    ran = executed("04-your-data.ipynb")
    text = ran.text
    assert "['(Intercept)', 'Days', 'Subject']" in text  # integer codes as a number
    assert "19 fixed effects: the intercept, Days and 17 subject differences" in text
    assert "Rows used: 176; dropped: 4 {'Reaction': 3, 'Days': 1}" in text
    assert "4 of 180 rows were dropped because of missing values in 'Reaction' (3), 'Days' (1)." in text
    assert "18 subjects with 10 to 10 observations each" in text
    assert "Singular: True" in text and "variance of the cask random intercept is estimated as zero" in text
    assert "Singular: False; groups: {'cask:batch': 30, 'batch': 10}" in text


def test_your_data_errors_are_printed(executed):
    ran = executed("04-your-data.ipynb")
    outputs = ["".join(ran.texts(c)) for c in ran.cells_with("except mixwidget.")]
    assert len(outputs) == 3
    assert outputs[0].startswith("unbalanced parenthesis: '(' at character 19 is never closed")
    assert "^" in outputs[0]
    assert "column 'Day' not in data; did you mean 'Days'?" in outputs[1]
    assert "each group has one observation" in outputs[2]


# --------------------------------------------------------------------------- 05 prediction


def _prediction_reference(case: str) -> dict:
    import json

    return json.loads((REPO / "tests" / "reference" / "prediction" / f"{case}.json").read_text())


def test_prediction_three_populations_match_lme4(executed):
    """The girl in class 16:3 is the first new row of the science prediction reference."""
    text = executed("05-prediction.ipynb").text
    ref = _prediction_reference("science_school_class")
    assert ref["newdata"]["school"][0] == 16 and ref["newdata"]["class"][0] == 3 and ref["newdata"]["sex"][0] == "f"
    z = 1.959963984540054
    school, klass = ref["pieces"]
    s2 = ref["sigma"] ** 2
    lines = [
        ("this class (school:class 16:3)", ref["predict"]["all"][0], ref["se"]["all"]["prediction"][0]),
        ("a new class in school 16", ref["predict"]["partial"][0],
         (ref["xVx"][0] + school["zCz"][0] + klass["zSz"][0] + s2) ** 0.5),
        ("a new school", ref["predict"]["none"][0], ref["se"]["none"]["prediction"][0]),
    ]
    for population, fit, se in lines:
        assert f"{population}: {fit:.3f} ± {z * se:.3f} (se {se:.4f})" in text, population
    by_hand = ref["xVx"][0] + school["zSz"][0] + klass["zSz"][0] + s2
    assert re.search(rf"= {ref['xVx'][0]:.4f} \+ 0\.0000 \+ {klass['zSz'][0]:.4f} \+ {s2:.4f} = {by_hand:.4f}\n", text)
    assert f"se^2 of 'a new school' in the table: {by_hand:.4f}" in text
    conf = ref["se"]["all"]["confidence"][0]
    assert f"mean of this class (school:class 16:3): {ref['predict']['all'][0]:.3f} ± {z * conf:.3f} (se {conf:.4f})" in text
    # The mean of a new class in school 16 adds the class variance; the mean of a new school averages
    # over its classes, so only the school variance is added.
    conf = (ref["xVx"][0] + school["zCz"][0] + klass["zSz"][0]) ** 0.5
    assert f"mean of a new class in school 16: {ref['predict']['partial'][0]:.3f} ± {z * conf:.3f} (se {conf:.4f})" in text
    conf = (ref["xVx"][0] + school["zSz"][0]) ** 0.5
    assert f"mean of a new school: {ref['predict']['none'][0]:.3f} ± {z * conf:.3f} (se {conf:.4f})" in text


def test_prediction_random_slope_grows_with_days(executed):
    text = executed("05-prediction.ipynb").text
    ref = _prediction_reference("sleep_corr")
    nd = ref["newdata"]
    at = {(s, d): i for i, (s, d) in enumerate(zip(nd["Subject"], nd["Days"]))}
    for day in (0, 9, 12):
        k, n = at[(308, day)], at[(999, day)]
        fit_k, se_k = ref["predict"]["all"][k], ref["se"]["all"]["prediction"][k]
        fit_n, se_n = ref["predict"]["all"][n], ref["se"]["all"]["prediction"][n]
        assert (f"day {day:>2}: subject 308 {fit_k:.1f} (se {se_k:.2f}); "
                f"a new subject {fit_n:.1f} (se {se_n:.2f})") in text


def test_prediction_notebook_shows_the_chart_and_the_explorer(executed):
    ran = executed("05-prediction.ipynb")
    assert len(ran.cells_with("charts.prediction(")) == 2
    last = ran.cells_with("mixwidget.explore(")[-1]
    assert any(WIDGET_MIME in o.get("data", {}) for o in last.outputs)


# --------------------------------------------------------------------------- 06 binary outcomes


def _ohio_reference() -> dict:
    import json

    return json.loads((REPO / "tests" / "reference" / "lessons" / "ohio_lesson.json").read_text())


def test_binary_smoke_z_values_and_odds_ratio_match_r(executed):
    """glmer's and glm's numbers as the lesson prints them (tests/reference/lessons/ohio_lesson.json)."""
    ran = executed("06-binary-outcomes.ipynb")
    text, ref = ran.text, _ohio_reference()
    smoke = ref["glmer"]["names"].index("smoke")
    z, p = ref["glmer"]["stat"][smoke], ref["glmer"]["p"][smoke]
    odds = {k: ref["odds_ratios"][k][smoke] for k in ("ratio", "lower", "upper")}
    assert (f"Smoking mother: odds ratio {odds['ratio']:.2f} (95% interval {odds['lower']:.2f} to "
            f"{odds['upper']:.2f}), z = {z:.3f}, p = {p:.3f}") in text
    age = ref["glmer"]["names"].index("age")
    assert (f"Each year older: odds ratio {ref['odds_ratios']['ratio'][age]:.2f} (95% interval "
            f"{ref['odds_ratios']['lower'][age]:.2f} to {ref['odds_ratios']['upper'][age]:.2f})") in text
    z_glm, p_glm = ref["glm"]["stat"][smoke], ref["glm"]["p"][smoke]
    assert (f"smoke z-value: {z:.3f} with the children, {z_glm:.3f} ignoring them "
            f"(p = {p:.3f} and {p_glm:.3f}).") in text
    # The table of the three models, as displayed (3 decimals): estimate, SE, z or t, p.
    (cell,) = ran.cells_with("rows.append(")
    table = "".join(ran.texts(cell))
    for model, key in [("logistic mixed", "glmer"), ("logistic, no children", "glm"), ("linear probability", "lpm")]:
        r = ref[key]
        numbers = [f"{r[k][smoke]:.3f}" for k in ("estimate", "se", "stat", "p")]
        assert re.search(rf"{re.escape(model)}\s+" + r"\s+".join(map(re.escape, numbers)), table), (model, table)


def test_binary_child_variance_shrinkage_and_predictions_match_r(executed):
    ran, ref = executed("06-binary-outcomes.ipynb"), _ohio_reference()
    text, g = ran.text, ref["glmer"]
    assert f"child variance tau^2 = {g['variance']:.2f} (SD {g['sd']:.2f} on the log-odds scale)" in text
    share = g["variance"] / (g["variance"] + 3.289868133696453)
    assert f"share on the latent scale {g['variance']:.2f} / ({g['variance']:.2f} + 3.29) = {share:.0%}" in text
    # Children of non-smokers with k years of wheezing: fixed intercept + conditional mode, as R's ranef.
    import numpy as np

    b0 = g["estimate"][0]
    modes = dict(zip(ref["ranef"]["levels"], ref["ranef"]["mode"]))
    (cell,) = ran.cells_with("shrunk = ")
    table = "".join(ran.texts(cell))
    rows = re.findall(r"^([0-4])\s+(\d+)\s+(-?[\d.]+)\s+\S+\s+(-?[\d.]+)\s+([\d.]+)$", table, flags=re.M)
    assert [r[0] for r in rows] == ["0", "1", "2", "3", "4"], table
    ohio = __import__("mixwidget").load_dataset("ohio")
    kids = ohio.groupby("id").agg(years=("resp", "sum"), smoke=("smoke", "first"))
    for k, n, mode, logodds, prob in rows:
        ids = kids.index[(kids["years"] == int(k)) & (kids["smoke"] == 0)]
        assert int(n) == len(ids)
        r_mode = modes[str(ids[0])]
        assert mode == f"{r_mode:.3f}" and logodds == f"{b0 + r_mode:.3f}"
        assert prob == f"{1 / (1 + np.exp(-(b0 + r_mode))):.3f}"
    pr = ref["predict"]
    assert f"child {pr['known_id']} at age 9: P(wheeze) = {pr['known_response']:.3f}" in text
    assert f"a new (typical) child of a smoking mother at age 9: P(wheeze) = {pr['new_typical'][1]:.3f}" in text
    assert (f"children of smoking mothers at age 9, on average: {pr['new_averaged'][1]:.3f} (mixed model), "
            f"{pr['glm_response'][1]:.3f} (plain regression)") in text


def test_binary_lesson_shows_its_charts_and_the_explorer(executed):
    ran = executed("06-binary-outcomes.ipynb")
    assert len(ran.cells_with("charts.effects(")) == 1 and len(ran.cells_with("charts.caterpillar(")) == 1
    last = ran.cells_with("mixwidget.explore(")[-1]
    assert 'family="binomial"' in last.source and any(WIDGET_MIME in o.get("data", {}) for o in last.outputs)


def test_binary_check_by_simulation_matches_r(executed):
    """The lesson's false-alarm rates for smoking (100 simulations of the mixed model with no smoking
    effect) agree with R's: glmer's and glm's rates on 400 of R's own simulations lie inside the
    intervals the lesson prints, and ignoring the children gives more false alarms than the mixed model."""
    ran, sim = executed("06-binary-outcomes.ipynb"), _ohio_reference()["simulation"]
    (cell,) = ran.cells_with("check_by_simulation(")
    text = "".join(ran.texts(cell))
    pattern = (r"^{}: smoking called significant in (\d+)% of the data sets \(95% interval (\d+)% to (\d+)%\); "
               r"reported SE ([\d.]+), actual spread of the estimates ([\d.]+)$")
    rates = {}
    for model, key in [("logistic mixed", "false_positive_mixed"), ("logistic, no children", "false_positive_plain")]:
        m = re.search(pattern.format(re.escape(model)), text, flags=re.M)
        assert m, (model, text)
        rate, low, high = (int(m.group(i)) / 100 for i in (1, 2, 3))
        assert low - 0.005 <= sim[key] <= high + 0.005, (model, sim[key], low, high)
        rates[model] = rate
    assert rates["logistic, no children"] > rates["logistic mixed"] + 0.05, rates
    assert sim["false_positive_plain"] > 0.1 > sim["false_positive_mixed"]
    # The text quotes R's rates.
    words = " ".join("".join(c.source) for c in ran.nb.cells if c.cell_type == "markdown").split()
    assert (f"`glmer` calls smoking significant in {sim['false_positive_mixed']:.0%} of them and `glm` in "
            f"{sim['false_positive_plain']:.0%}.)") in " ".join(words)
