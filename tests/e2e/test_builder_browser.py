"""The formula box and the model builder in JupyterLab at 1400 x 900 with the file browser open:
long formulas stay readable, columns that look like IDs say so, a random term is drafted first.
"""

from __future__ import annotations

import re

import pytest
from science_explorer import explorer_cells
from test_classroom_browser import open_classroom, shot

BUILDER = '[data-testid="builder"]'


@pytest.fixture(scope="module")
def builder_notebook(write_notebook):
    return write_notebook("builder", explorer_cells())


def open_builder(page) -> None:
    if page.locator(BUILDER).get_attribute("open") is None:
        page.locator(f"{BUILDER} > summary").click()
    page.locator(f'{BUILDER} [data-testid="fixed-chip"]').first.wait_for(state="visible")


def _chip(page, name: str):
    return page.locator(f'{BUILDER} [data-testid="fixed-chip"][data-term="{name}"]')


def test_id_columns_are_marked_in_the_builder(builder_notebook, lab_notebook, page, console, cell_stderr):
    from playwright.sync_api import expect

    open_classroom(page, lab_notebook, builder_notebook)
    open_builder(page)
    # Grouping factors of the model, and columns named like units, carry a visible "ID" mark and say why.
    expect(_chip(page, "school")).to_have_attribute(
        "title", re.compile(r"this looks like an ID: it groups the random term \(1 \| school\)")
    )
    expect(_chip(page, "Class")).to_have_attribute(
        "title", re.compile(r"this looks like an ID: 66 levels, named like a unit \(class\)")
    )
    for name in ("school", "class", "Class"):
        mark = _chip(page, name).locator(".mw-chip-id-mark")
        expect(mark).to_be_visible()
        expect(mark).to_have_text("ID")
    for name in ("sex", "PrivPub", "State"):
        expect(_chip(page, name).locator(".mw-chip-id-mark")).to_have_count(0)
    _chip(page, "school").scroll_into_view_if_needed()
    shot(page, "builder-id-chips")
    assert cell_stderr() == []
    console.assert_no_errors()
