"""Code to copy (mixwidget.views.code): R code that runs for the formula language's functions."""

from __future__ import annotations

import shutil
import subprocess

from mixwidget.views.code import model_code


def test_r_code_attaches_the_packages_of_the_formulas_functions():
    """ns() and bs() are R's splines functions: the code loads splines (or they are written splines::ns)."""
    code = model_code("Reaction ~ ns(Days, df = 3) + (1 | Subject)", "R", dataset="sleepstudy")
    assert code.splitlines()[1].startswith("library(splines)")
    assert "library(splines)" not in model_code("Reaction ~ splines::ns(Days, df = 3) + (1 | Subject)", "R",
                                                dataset="sleepstudy")
    assert "library(splines)" not in model_code("Reaction ~ poly(Days, 2) + (1 | Subject)", "R", dataset="sleepstudy")
    if shutil.which("Rscript"):  # the code runs in R (the tests do not need R; run once where it is)
        done = subprocess.run(["Rscript", "-e", code], capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stderr
        assert "ns(Days, df = 3)3" in done.stdout
