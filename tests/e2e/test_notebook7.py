"""The mixwidget explorer in Jupyter Notebook 7: rendered, refitted from a typed formula,
its charts drawn, on a clean page.

A ``jupyter notebook`` server (``notebook_server``) serves the pages; Notebook 7 is built from
JupyterLab components, so its app object (``window.jupyterapp``) is used, as in JupyterLab, to
wait for an idle kernel and to run all cells.
"""

from __future__ import annotations

import re

from science_explorer import explorer_cells

OLS = "like ~ sex + PrivPub"

INPUT = '[data-testid="formula-input"]'
STATUS = '[data-testid="fit-status"]'
FIXED = '[data-testid="fixed-table"]'
SHRINKAGE = '[data-testid="chart-shrinkage"]'
T_CELL = f'{FIXED} tr[data-term="PrivPubpublic"] td:nth-child(4) .value'  # the "t value" column

NOTEBOOK_CELLS = explorer_cells()

# Notebook 7.6.5 (JupyterLab 4.6.6) logs these on every page, its file browser included,
# before any notebook or widget is loaded: the settings of the log console and metadata form
# plugins fail to load ("... has no transformers yet"), and the shortcuts plugin then reads
# the schema of a plugin whose settings did not load. Only these exact messages, raised or
# logged from Notebook 7's own core bundle, are set aside; any other console error fails.
NB7_CORE = re.compile(r"/static/notebook/notebook_core\.[0-9a-f]+\.js")
NB7_CORE_ERRORS = [re.compile(r"^\[error\] Cannot convert undefined or null to object \((?P<url>\S+)\)$")]
NB7_CORE_PAGEERRORS = [re.compile(r"^Cannot read properties of undefined \(reading 'schema'\)$")]


class PageErrorStacks:
    """Message and top stack frame of each uncaught page error (``console`` keeps only the message)."""

    def __init__(self, page) -> None:
        self.errors: list[tuple[str, str]] = []
        self.stacks: list[str] = []
        page.on("pageerror", self._record)

    def _record(self, exc) -> None:
        frames = [line.strip() for line in (exc.stack or "").splitlines() if line.strip().startswith("at ")]
        self.errors.append((exc.message, frames[0] if frames else ""))
        self.stacks.append(exc.stack or exc.message)


def unexpected_console_errors(console, stacks: PageErrorStacks) -> list[str]:
    """``console.errors`` less Notebook 7's own start-up errors (see ``NB7_CORE_ERRORS``)."""
    known_pageerrors = [
        f"[pageerror] {msg}"
        for msg, top in stacks.errors
        if any(p.search(msg) for p in NB7_CORE_PAGEERRORS) and NB7_CORE.search(top)
    ]
    out = []
    for line in console.errors:
        if line in known_pageerrors:
            known_pageerrors.remove(line)
            continue
        m = next((m for p in NB7_CORE_ERRORS if (m := p.match(line))), None)
        if m and NB7_CORE.search(m.group("url")):
            continue
        out.append(line)
    return out


def test_explorer_notebook7(notebook_server, notebook7_notebook, write_notebook, page, console, cell_stderr):
    from playwright.sync_api import expect

    stacks = PageErrorStacks(page)
    name = write_notebook("explorer_nb7", NOTEBOOK_CELLS).name
    # Notebook 7's file browser lists the notebook.
    page.goto(f"{notebook_server}tree", wait_until="domcontentloaded")
    expect(page.locator(".jp-DirListing-item", has_text=name)).to_be_visible()

    notebook7_notebook(name, wait_for=FIXED)
    # Notebook 7's own page, not JupyterLab's.
    assert f"/notebooks/{name}" in page.url and "/lab" not in page.url, page.url

    # Initial fit from the notebook: lme4's t for PrivPubpublic.
    expect(page.locator(STATUS)).to_have_text(re.compile(r"done$"), timeout=60000)
    expect(page.locator(T_CELL)).to_have_text("2.217", timeout=60000)
    expect(page.locator(SHRINKAGE)).to_have_attribute("data-state", "drawn", timeout=60000)
    expect(page.locator(f"{SHRINKAGE} svg.marks").first).to_be_attached()

    # A typed formula refits: OLS.
    box = page.locator(INPUT)
    box.fill(OLS)
    box.press("Enter")
    expect(page.locator(T_CELL)).to_have_text("3.759", timeout=30000)
    expect(page.locator(STATUS)).to_have_text(re.compile(r"done$"))

    assert cell_stderr() == []
    errors = unexpected_console_errors(console, stacks)
    assert not errors, "browser console errors:\n" + "\n".join(errors) + "\npage errors:\n" + "\n".join(stacks.stacks)
    console.assert_no_external_requests()
