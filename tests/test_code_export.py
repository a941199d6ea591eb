"""The model's code, exported from the explorer: it reads the data from where they came from, and
runs. Every form of the R code is run in R when R is there (skipped otherwise), and R's fit must
be ours; the Python code is run here.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

import mixwidget
from mixwidget.views.code import model_code, r_factors

RSCRIPT = shutil.which("Rscript")

# Each form: how the explorer gets its data, and the model. Built in the test's folder.
CHICKS = "weight ~ Time * Diet + (Time | Chick)"


def _chicks_to_day_12(tmp: Path) -> tuple[pd.DataFrame, dict]:
    """A subset of ChickWeight (no longer the data set), Diet with integer codes as categories, from a named file."""
    chicks = mixwidget.load_dataset("ChickWeight")
    sub = chicks[chicks["Time"] <= 12].reset_index(drop=True)
    path = tmp / "chicks to day 12.csv"
    sub.to_csv(path, index=False)
    return sub, {"source": str(path)}


def _science_in_a_file(tmp: Path) -> tuple[str, dict]:
    """A CSV file that mixwidget reads itself: a column name with spaces."""
    d = mixwidget.load_dataset("science").dropna()
    d = d.rename(columns={"like": "liking of science"})
    path = tmp / "science.csv"
    d.to_csv(path, index=False)
    return str(path), {}


def _science_reordered(tmp: Path) -> tuple[pd.DataFrame, dict]:
    """Data built in Python, written to data.csv as the code's comment says: factors in orders of their own."""
    d = mixwidget.load_dataset("science").dropna().reset_index(drop=True)
    d["PrivPub"] = d["PrivPub"].cat.reorder_categories(["public", "private"])  # public is the reference level
    d["band"] = pd.Categorical(pd.cut(d["like"], [0, 3, 6, 9]).astype(str), ordered=True,
                               categories=["(0, 3]", "(3, 6]", "(6, 9]"])
    d["room"] = [f"{i % 9:03d}" for i in range(len(d))]  # text "000".."008": a factor, not numbers
    d.attrs.clear()
    return d, {}


FORMS = {
    "a data set from its R package, REML": (lambda tmp: (mixwidget.load_dataset("sleepstudy"), {}),
                                            "Reaction ~ Days + (Days | Subject)", True),
    "a data set from its R package, ML": (lambda tmp: (mixwidget.load_dataset("ChickWeight"), {}), CHICKS, False),
    "least squares": (lambda tmp: (mixwidget.load_dataset("Penicillin"), {}), "diameter ~ sample", True),
    "a named source file": (_chicks_to_day_12, CHICKS, True),
    "a file mixwidget read": (_science_in_a_file, "`liking of science` ~ sex + (1 | school:class)", True),
    "data.csv written as the comment says": (_science_reordered, "like ~ PrivPub + band + room + (1 | school)", False),
}


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """Each form's explorer fit, its R and Python code, and the folder the code runs in."""
    out = {}
    for k, (name, (make, formula, reml)) in enumerate(FORMS.items()):
        tmp = tmp_path_factory.mktemp(f"form{k}")
        data, kwargs = make(tmp)
        w = mixwidget.explore(data, formula, reml=reml, isolate=False, **kwargs)
        fit = w.wait(120)
        assert fit is not None and w.error == "", (name, w.error)
        code_r, code_py = w.code("R"), w.code("python")
        assert w.code_text == {"R": code_r, "python": code_py}  # what the page's Copy button copies
        if "data.csv" in code_r:
            assert '# First write the explorer\'s data to this file, in Python (w is the explorer): ' \
                   'w.data.to_csv("data.csv", index=False)' in code_r
            w.data.to_csv(tmp / "data.csv", index=False)  # what the comment says to do
        (tmp / "code.R").write_text(code_r)
        out[name] = {"fit": fit, "R": code_r, "python": code_py, "dir": tmp}
        w.close()
    return out


def test_each_form_reads_the_data_from_where_they_came_from(exported):
    codes = {name: e["R"] for name, e in exported.items()}
    assert "data = sleepstudy" in codes["a data set from its R package, REML"]
    assert "read.csv" not in codes["least squares"]
    assert "fit <- lm(diameter ~ sample, data = Penicillin)" in codes["least squares"]
    named = codes["a named source file"]
    assert 'read.csv("' + str(exported["a named source file"]["dir"] / "chicks to day 12.csv") in named
    assert 'colClasses = c("Diet" = "character"))' in named  # Chick only groups: its codes need no levels
    assert 'data[["Diet"]] <- factor(data[["Diet"]], levels = c("1", "2", "3", "4"))' in named
    read = codes["a file mixwidget read"]
    assert 'science.csv", stringsAsFactors = TRUE, na.strings = c("", "NA"), check.names = FALSE' in read
    assert "factor(" not in read  # read by mixwidget as R reads it
    default = codes["data.csv written as the comment says"]
    assert 'data[["PrivPub"]] <- factor(data[["PrivPub"]], levels = c("public", "private"))' in default
    assert 'levels = c("(0, 3]", "(3, 6]", "(6, 9]"), ordered = TRUE)' in default
    assert 'data[["room"]] <- factor(data[["room"]], levels = c("000", "001"' in default
    assert "REML = FALSE" in default


def test_the_python_code_gives_the_explorers_fit(exported, monkeypatch):
    for name, e in exported.items():
        monkeypatch.chdir(e["dir"])
        scope: dict = {}
        exec(e["python"].replace("print(fit.summary())", ""), scope)  # noqa: S102 - the code the page hands out
        ours, theirs = e["fit"], scope["fit"]
        assert list(theirs.fixed.index) == list(ours.fixed.index), name
        assert theirs.loglik == pytest.approx(ours.loglik, abs=1e-8), name


R_DRIVER = r"""
suppressMessages(library(jsonlite))
for (dir in commandArgs(trailingOnly = TRUE)) {
  setwd(dir)
  env <- new.env()
  res <- tryCatch({
    suppressMessages(sys.source("code.R", envir = env))
    fit <- get("fit", envir = env)
    b <- if (inherits(fit, "merMod")) lme4::fixef(fit) else coef(fit)
    list(ok = TRUE, loglik = as.numeric(logLik(fit)), names = names(b), estimate = unname(b))
  }, error = function(e) list(ok = FALSE, error = conditionMessage(e)))
  cat("RESULT", toJSON(res, auto_unbox = TRUE, digits = NA), "\n")
}
"""


@pytest.mark.skipif(RSCRIPT is None, reason="R (Rscript) is not installed")
def test_the_r_code_runs_in_r_and_gives_our_fit(exported, tmp_path):
    driver = tmp_path / "driver.R"
    driver.write_text(R_DRIVER)
    names = list(exported)
    done = subprocess.run([RSCRIPT, str(driver), *[str(exported[n]["dir"]) for n in names]],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    results = [json.loads(line.split("RESULT", 1)[1]) for line in done.stdout.splitlines() if line.startswith("RESULT")]
    assert len(results) == len(names), done.stdout[-3000:]
    for name, r in zip(names, results):
        assert r["ok"], f"{name}: {r.get('error')}\n{exported[name]['R']}"
        ours = exported[name]["fit"]
        assert r["names"] == list(ours.fixed.index), name
        assert r["estimate"] == pytest.approx(list(ours.fixed["estimate"]), rel=1e-4, abs=1e-6), name
        assert r["loglik"] == pytest.approx(ours.loglik, abs=1e-3), name


def test_code_for_a_changed_copy_of_a_data_set_does_not_load_the_whole_set(science):
    girls = science[science["sex"] == "f"]  # pandas keeps attrs["name"] on the subset
    assert girls.attrs.get("name") == "science"
    w = mixwidget.explore(girls, "like ~ PrivPub + (1 | school)", isolate=False)
    w.wait(60)
    assert 'data("science"' not in w.code("R") and 'read.csv("data.csv"' in w.code("R")
    assert "load_dataset" not in w.code("python")
    w.close()


def test_csv_argument_overrides_the_source_and_the_page_gets_the_source(science, tmp_path):
    d = science.copy()
    d.attrs.clear()
    w = mixwidget.explore(d, "like ~ sex + (1 | school)", isolate=False, source=tmp_path / "scores.csv")
    w.wait(60)
    assert f'read.csv("{tmp_path / "scores.csv"}"' in w.code_text["R"]
    assert f"pd.read_csv({str(tmp_path / 'scores.csv')!r})" in w.code_text["python"]
    assert 'read.csv("other.csv"' in w.code("R", csv="other.csv")
    assert "# First write" not in w.code_text["R"]
    w.close()


def test_factors_the_csv_would_not_bring_back():
    d = pd.DataFrame({
        "plain": pd.Categorical(["b", "a", "c"]),                       # alphabetical text: R reads it so
        "codes": pd.Categorical([2, 1, 3]),                            # numbers: R would read numbers
        "mine": pd.Categorical(["b", "a", "c"], categories=["c", "a", "b"]),  # an order of its own
        "grade": pd.Categorical(["lo", "hi", "lo"], categories=["lo", "hi"], ordered=True),
        "text": ["x", "y", "z"],                                       # text: a factor either way
        "zips": ["01234", "02345", "01234"],                           # text that reads as numbers
        "flags": ["TRUE", "FALSE", "TRUE"],                            # text that reads as TRUE/FALSE
        "y": [1.0, 2.0, 3.0],
    })
    assert r_factors(d) == (
        ("codes", ("1", "2", "3"), False),
        ("mine", ("c", "a", "b"), False),
        ("grade", ("lo", "hi"), True),
        ("zips", ("01234", "02345"), False),
        ("flags", ("FALSE", "TRUE"), False),
    )
    code = model_code("y ~ codes + text", "python", factors=r_factors(d))
    assert "data = pd.read_csv('data.csv', dtype={'codes': str})" in code
    assert "data['codes'] = pd.Categorical(data['codes'], categories=['1', '2', '3'])" in code
    assert "mine" not in code  # the formula does not use it
