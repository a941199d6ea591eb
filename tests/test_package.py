"""What a user meets before fitting anything: version, names, the command line, reprs, what loads when."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import mixwidget

ROOT = Path(__file__).resolve().parent.parent


def _python(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env, timeout=120, check=False)


def test_version_and_typed_marker():
    assert mixwidget.__version__.count(".") == 2
    assert (Path(mixwidget.__file__).parent / "py.typed").is_file()


def test_dir_lists_the_names_loaded_on_first_use():
    names = dir(mixwidget)
    assert {"explore", "MixWidget", "charts", "fit", "__version__"} <= set(names)
    assert set(mixwidget.__all__) <= set(names)


def test_command_line_help_version_and_bad_arguments():
    helped = _python("-m", "mixwidget", "--help")
    assert helped.returncode == 0 and "usage: python -m mixwidget" in helped.stdout
    assert _python("-m", "mixwidget", "--version").stdout.strip() == f"mixwidget {mixwidget.__version__}"
    listed = _python("-m", "mixwidget", "--datasets")
    assert listed.returncode == 0 and all(name in listed.stdout for name in mixwidget.DATASETS)
    bad = _python("-m", "mixwidget", "--nope")
    assert bad.returncode == 2 and "unrecognized arguments: --nope" in bad.stderr


def test_fit_repr_is_one_useful_line(science):
    fit = mixwidget.fit("like ~ sex + PrivPub + (1 | school) + (1 | school:class)", science)
    text = repr(fit)
    assert "\n" not in text and len(text) < 200
    assert text == ("<MixedFit 'like ~ sex + PrivPub + (1 | school) + (1 | school:class)': REML, 1383 obs, "
                    f"66 school:class, 41 school; logLik {fit.loglik:.2f}, singular>")
    assert repr(mixwidget.fit("like ~ sex", science)).startswith("<MixedFit 'like ~ sex': OLS, 1383 obs; logLik ")


def test_widget_shows_its_formula_and_fit_where_widgets_do_not_render(science):
    w = mixwidget.explore(science, "like ~ sex + (1 | school)", isolate=False)
    try:
        fit = w.wait(60)
        text = repr(w)
        assert text.startswith("<MixWidget 'like ~ sex + (1 | school)': <MixedFit ") and repr(fit) in text
        page = w._repr_html_()
        assert "like ~ sex + (1 | school)" in page and "<table>" in page and "0x" not in page
    finally:
        w.close()


def test_fit_workers_start_without_statsmodels():
    """The fork server imports PRELOAD for every fit worker: statsmodels (1.2 s) loads only where used."""
    code = ("import importlib, sys; from mixwidget.widget.fitjobs import PRELOAD; "
            "[importlib.import_module(m) for m in PRELOAD]; print(sorted(m for m in sys.modules if m.startswith('statsmodels')))")
    done = _python("-c", code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
