"""The documentation's pictures of the explorer, made as scripts/screenshots.py makes its screenshots.

    PYTHONPATH=$PWD .venv/bin/python scripts/docs_images.py

Opens the science lesson (``notebooks/01-science-attitudes.ipynb``) in JupyterLab in Debian's
Chromium at 1400 x 900 with the file browser open, runs it, and writes for each theme (JupyterLab
Light, JupyterLab Dark) into ``docs/images/``:

* ``explorer-<theme>.png``: the window with the explorer scrolled to the top (README and docs);
* ``charts-<theme>.png``: the first three chart cards (effects, variance, shrinkage).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "docs" / "images"
sys.path.insert(0, str(REPO / "scripts"))

import screenshots as shots  # noqa: E402  (JupyterLab, the lesson and the themes, as for the screenshots)

e2e = shots.e2e
CHART_CARDS = 3


def shoot(page, theme: str) -> None:
    """The view and the first chart cards of the explorer in ``theme`` ("light" or "dark")."""
    page.wait_for_function(shots.CHARTS_DONE_JS, timeout=120_000)
    widget = page.locator(shots.WIDGET).first
    widget.evaluate("(el) => el.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(500)
    page.screenshot(path=str(OUT / f"explorer-{theme}.png"))
    # A window as tall as the widget, as scripts/screenshots.py takes the whole widget: nothing scrolls,
    # so the key-number strip (sticky while the notebook scrolls) stays above the charts.
    size = page.viewport_size
    height = int(widget.evaluate("(el) => el.getBoundingClientRect().height"))
    page.set_viewport_size({"width": size["width"], "height": min(height + 400, 12000)})
    page.wait_for_timeout(1500)  # the charts refit their cards' width
    page.wait_for_function(shots.CHARTS_DONE_JS, timeout=120_000)
    widget.evaluate("(el) => el.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(500)
    cards = page.locator(f"{shots.WIDGET} section[data-chart]")
    top, bottom = cards.nth(0).bounding_box(), cards.nth(CHART_CARDS - 1).bounding_box()
    clip = {"x": top["x"], "y": top["y"], "width": top["width"], "height": bottom["y"] + bottom["height"] - top["y"]}
    page.screenshot(path=str(OUT / f"charts-{theme}.png"), clip=clip)
    page.set_viewport_size(size)
    page.wait_for_timeout(500)
    print(f"wrote {OUT / f'explorer-{theme}.png'} and {OUT / f'charts-{theme}.png'}")


def main() -> None:
    os.environ["PYTHONPATH"] = str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")
    OUT.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    home = Path(tempfile.mkdtemp(prefix="mixwidget-docs-images-"))
    notebooks = home / "notebooks"
    notebooks.mkdir()
    shots.copy_lessons(notebooks)
    lab = e2e._jupyter_server("lab", "LabApp", notebooks, home,
                              ["--LabApp.news_url=None", "--LabApp.extension_manager=readonly"])
    base = next(lab)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=e2e.CHROMIUM, args=e2e.CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.set_default_timeout(e2e.WIDGET_TIMEOUT_MS)
            page.route(e2e.EXTERNAL_URL, lambda route: route.fulfill(status=200, body=""))
            e2e.open_lab_notebook(page, base, shots.LESSON, wait_for=shots.WIDGET)
            shots.open_file_browser(page)
            for key, theme in shots.THEMES.items():
                shots.set_theme(page, theme)
                shoot(page, key)
            browser.close()
    finally:
        e2e.shutdown_lab_sessions(base, [shots.LESSON])
        next(lab, None)
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
