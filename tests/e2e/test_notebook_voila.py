"""The science lesson (notebooks/01-science-attitudes.ipynb) as a student sees it in Voila:
the printed summary, the t-values of the four error structures, the charts and the explorer.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[2]
LESSON = REPO / "notebooks" / "01-science-attitudes.ipynb"
NAME = "lesson-01-science.ipynb"

FIXED = '[data-testid="fixed-table"]'
STATUS = '[data-testid="fit-status"]'
STDOUT = ".jp-OutputArea-output.jp-RenderedText"  # printed text (Voila marks stdout as text/plain)
HTML = '.jp-OutputArea-output[data-mime-type="text/html"]'


@pytest.fixture(scope="module")
def lesson(notebook_dir: Path) -> str:
    """Notebook 01, copied into the served folder with the repository put on the kernel's path."""
    nb = nbformat.read(LESSON, as_version=4)
    # The kernel runs in the served folder; make the package under test importable.
    nb.cells.insert(0, nbformat.v4.new_code_cell(f"import sys; sys.path.insert(0, {str(REPO)!r})"))
    nbformat.write(nb, notebook_dir / NAME)
    return NAME


def test_science_lesson_in_voila(lesson, voila_notebook, console, cell_stderr):
    from playwright.sync_api import expect

    page = voila_notebook(lesson, wait_for=FIXED)

    # The printed lme4-style summary and the class share.
    summary = page.locator(STDOUT, has_text="Random effects:")
    expect(summary).to_have_count(1)
    expect(summary).to_contain_text(re.compile(r"school:class \(Intercept\)\s+0\.3206\s+0\.5662"))
    expect(page.locator(STDOUT, has_text="class share")).to_contain_text("= 9.5%")

    # The comparison table of the PrivPub effect under the four error structures.
    table = page.locator(f"{HTML} table", has_text="OLS (no groups)")
    expect(table).to_have_count(1)
    rows = {
        r.locator("th").first.inner_text().strip(): [c.strip() for c in r.locator("td").all_inner_texts()]
        for r in table.locator("tbody tr").all()
    }
    assert {m: cells[-1] for m, cells in rows.items()} == {
        "school + class": "2.217",
        "class only": "2.217",
        "school only": "2.250",
        "OLS (no groups)": "3.759",
    }, rows
    expect(page.locator(STDOUT, has_text="PrivPub t-value")).to_contain_text("2.250 ignoring classes, and 3.759")

    # The explorer: its fit of the lesson's model, PrivPub t 2.217.
    expect(page.locator(STATUS)).to_contain_text(re.compile(r"done$"))
    privpub = page.locator(f'{FIXED} tbody tr[data-term="PrivPubpublic"]')
    heads = [h.strip() for h in page.locator(f"{FIXED} thead th").all_inner_texts()]
    t_col = heads.index("t value")
    expect(privpub.locator(":scope > *").nth(t_col)).to_have_text("2.217")

    # Charts, where the lesson and the widget have them: every one drawn, none failed.
    notebook_chart_cells = sum("charts." in c.source for c in nbformat.read(LESSON, as_version=4).cells)
    if notebook_chart_cells:
        # The lesson's own charts (Altair, drawn offline), not those inside the explorer.
        page.wait_for_function(
            """(n) => {
              const views = [...document.querySelectorAll('.jp-OutputArea-output .vega-embed')]
                .filter(e => !e.closest('.mixwidget'));
              return views.length === n && views.every(v => v.querySelector('svg, canvas'));
            }""",
            arg=notebook_chart_cells,
            timeout=60000,
        )
    widget_charts = page.locator('[data-testid^="chart-"][data-chart]')
    if widget_charts.count():
        page.wait_for_function(
            """() => [...document.querySelectorAll('[data-testid^="chart-"][data-chart]')]
                  .every(c => c.dataset.state === 'drawn' || c.dataset.state === 'note')""",
            timeout=60000,
        )
        assert page.locator('[data-testid="chart-error"]').count() == 0
        drawn = page.locator('[data-testid^="chart-"][data-chart][data-state="drawn"]')
        assert drawn.count() >= 1

    # A clean page: nothing on stderr, no console errors, nothing fetched from the network.
    assert cell_stderr() == []
    console.assert_no_errors()
    console.assert_no_external_requests()
