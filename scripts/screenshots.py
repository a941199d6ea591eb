"""Screenshots of the science lesson's explorer in JupyterLab, light and dark.

    PYTHONPATH=$PWD .venv/bin/python scripts/screenshots.py [--out screenshots] [--width 1400 --height 900]
        [--lesson 06-binary-outcomes.ipynb]

Starts JupyterLab on a copy of ``notebooks/``, opens ``01-science-attitudes.ipynb`` (or ``--lesson``) in Debian's
Chromium (Playwright, the flags of tests/e2e/conftest.py) at 1400 x 900 with the file browser
open, runs every cell, and saves for each theme (JupyterLab Light, JupyterLab Dark):

* ``<theme>-view.png``: the window with the explorer scrolled to the top, as a room sees it;
* ``<theme>-widget.png``: the whole explorer, every chart drawn;
* ``<theme>-large-view.png`` and ``<theme>-large-widget.png``: the same with "Large text" (projector).

A class is selected first (the sixth in "Selected group"), so the highlight shows in every chart.

Use it to look at the widget after every visible change.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "e2e"))

import conftest as e2e  # noqa: E402  (the browser tests' server and page helpers)

LESSON = "01-science-attitudes.ipynb"
THEMES = {"light": "JupyterLab Light", "dark": "JupyterLab Dark"}
WIDGET = ".mixwidget"

# True once the explorer shows a fit and every chart is drawn or has a note.
CHARTS_DONE_JS = """
() => {
  const w = document.querySelector('.mixwidget');
  if (!w || !w.querySelector('[data-testid="fixed-table"]')) return false;
  const charts = [...w.querySelectorAll('section[data-chart]')];
  // A chart with nothing to show yet (the simulation before a run) says "No chart yet.".
  const settled = (c) => c.dataset.state === 'drawn' || c.dataset.state === 'note'
    || (c.dataset.state === 'pending' && c.textContent.includes('No chart yet'));
  return charts.length > 0 && charts.every(settled);
}
"""


def copy_lessons(target: Path) -> None:
    import nbformat

    for path in sorted((REPO / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
        nbformat.write(nb, target / path.name)


def open_file_browser(page) -> None:
    if not page.locator("#filebrowser").is_visible():
        page.evaluate("() => window.jupyterapp.commands.execute('filebrowser:toggle-main')")
    page.locator("#filebrowser").wait_for(state="visible")


def set_theme(page, theme: str) -> None:
    page.evaluate("(t) => window.jupyterapp.commands.execute('apputils:change-theme', {theme: t})", theme)
    dark = "true" if "Dark" in theme else "false"
    page.wait_for_function(f"() => document.body.dataset.jpThemeLight === '{'false' if dark == 'true' else 'true'}'")
    page.wait_for_timeout(1500)  # charts restyle after the theme's CSS variables change


def select_group(page, index: int = 6) -> None:
    """Select a group with the page's "Selected group" list, as a teacher would."""
    picker = page.locator('[data-testid="selected-group"]')
    picker.locator("option").nth(index).wait_for(state="attached")
    picker.select_option(index=index)
    page.wait_for_timeout(1500)  # the per-group charts are drawn again for it


def shoot(page, out: Path, name: str) -> None:
    widget = page.locator(WIDGET).first
    try:
        page.wait_for_function(CHARTS_DONE_JS, timeout=120_000)
    except Exception:
        states = page.evaluate(
            "() => [...document.querySelectorAll('section[data-chart]')]"
            ".map(c => [c.dataset.chart, c.dataset.state, c.textContent.slice(0, 80)])"
        )
        raise RuntimeError(f"charts did not settle: {states}") from None
    widget.evaluate("(el) => el.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(500)
    page.screenshot(path=str(out / f"{name}-view.png"))
    # The whole widget: a window as tall as the widget, so nothing is cut off by the notebook's scrolling.
    size = page.viewport_size
    height = int(widget.evaluate("(el) => el.getBoundingClientRect().height"))
    page.set_viewport_size({"width": size["width"], "height": min(height + 400, 12000)})
    page.wait_for_timeout(1500)
    page.wait_for_function(CHARTS_DONE_JS, timeout=120_000)
    widget.evaluate("(el) => el.scrollIntoView({block: 'start'})")
    widget.screenshot(path=str(out / f"{name}-widget.png"))
    page.set_viewport_size(size)
    page.wait_for_timeout(500)
    print(f"wrote {out / (name + '-view.png')} and {out / (name + '-widget.png')}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=REPO / "screenshots")
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument("--height", type=int, default=900)
    parser.add_argument("--themes", nargs="+", default=list(THEMES), choices=list(THEMES))
    parser.add_argument("--lesson", default=LESSON, help="the notebook whose (first) explorer is shown")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    os.environ["PYTHONPATH"] = str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")

    from playwright.sync_api import sync_playwright

    home = Path(tempfile.mkdtemp(prefix="mixwidget-shots-"))
    notebooks = home / "notebooks"
    notebooks.mkdir()
    copy_lessons(notebooks)
    lab = e2e._jupyter_server(
        "lab",
        "LabApp",
        notebooks,
        home,
        ["--LabApp.news_url=None", "--LabApp.extension_manager=readonly"],
    )
    base = next(lab)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=e2e.CHROMIUM, args=e2e.CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": args.width, "height": args.height})
            page.set_default_timeout(e2e.WIDGET_TIMEOUT_MS)
            page.route(e2e.EXTERNAL_URL, lambda route: route.fulfill(status=200, body=""))
            e2e.open_lab_notebook(page, base, args.lesson, wait_for=WIDGET)
            open_file_browser(page)
            select_group(page)
            large = page.locator('[data-testid="large-text"]')
            for key in args.themes:
                set_theme(page, THEMES[key])
                large.set_checked(False)
                shoot(page, args.out, key)
                large.set_checked(True)
                shoot(page, args.out, f"{key}-large")
                large.set_checked(False)
            browser.close()
    finally:
        e2e.shutdown_lab_sessions(base, [args.lesson])
        next(lab, None)
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
