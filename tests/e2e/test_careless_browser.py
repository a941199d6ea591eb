"""Nothing swallowed, in a real page: a chart payload the page cannot read makes every card say
why while the charts drawn before stay on show (not blank cards, not silently empty charts), and
readable data again take the note away; p-values read as R prints them.
"""

from __future__ import annotations

from science_explorer import BOTH, explorer_cells
from test_charts_browser import FIXED, chart, settled_charts, tag_nodes, tagged, wait_for_fit

BREAK = ".e2e-break input"  # a Text box: "break" sends chart data that are not JSON, "mend" the real ones

NOTEBOOK_CELLS = explorer_cells(
    "import ipywidgets\n"
    "box = ipywidgets.Text(placeholder='break or mend', continuous_update=False)\n"
    "box.add_class('e2e-break')\n"
    "def _send(change):\n"
    "    if change['new'] == 'break':  # as a truncated message would arrive\n"
    "        w._send({'method': 'update', 'state': {'chart_data': '{\"effects\": {\"effects_rows\": ['},"
    " 'buffer_paths': []})\n"
    "    elif change['new'] == 'mend':\n"
    "        w.send_state('chart_data')\n"
    "box.observe(_send, 'value')\n"
    "box",
)

ISSUE = '[data-testid="chart-issue"]'


def _type(page, text: str) -> None:
    box = page.locator(BREAK)
    box.fill(text)
    box.press("Enter")


def test_unreadable_chart_data_keep_the_charts_and_say_why(write_notebook, voila_notebook, console, cell_stderr):
    from playwright.sync_api import expect

    notebook = write_notebook("chart_issue", NOTEBOOK_CELLS)
    page = voila_notebook(notebook.name, wait_for=FIXED)
    wait_for_fit(page, BOTH)
    # The p column as R's format.pval prints it (lmerTest: 2.37e-41, 0.063554, 0.030415), not "< 2e-16".
    p_cells = page.locator('[data-testid="fixed-table"] tbody tr td:last-child .value')
    expect(p_cells).to_have_text(["<2e-16", "0.0636", "0.0304"])
    before = settled_charts(page)
    drawn = [name for name, s in before.items() if s["state"] == "drawn"]
    assert {"effects", "variance", "shrinkage"} <= set(drawn), before
    for name in drawn:
        expect(page.locator(f"{chart(name)} {ISSUE}")).to_be_hidden()
    tag_nodes(page, "good")

    _type(page, "break")
    for name in drawn:
        issue = page.locator(f"{chart(name)} {ISSUE}")
        expect(issue).to_be_visible(timeout=30000)
        expect(issue).to_contain_text("The chart data from Python could not be read (SyntaxError")
        expect(issue).to_contain_text("the chart shows the last that could.")
    after = settled_charts(page)
    nodes = tagged(page, "good")
    for name in drawn:
        assert after[name]["state"] == "drawn", (name, after[name])
        assert after[name]["marks"] == before[name]["marks"], f"chart {name} changed"
        assert nodes[name]["view"], f"chart {name} was drawn anew"

    _type(page, "mend")
    for name in drawn:
        expect(page.locator(f"{chart(name)} {ISSUE}")).to_be_hidden(timeout=30000)
    assert settled_charts(page)["effects"]["marks"] == before["effects"]["marks"]
    assert cell_stderr() == []
    console.assert_no_errors()
    console.assert_no_external_requests()
