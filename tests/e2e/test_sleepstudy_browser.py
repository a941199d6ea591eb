"""Charts on sleepstudy (18 subjects, 10 days each) at 1400 x 900 in Voila: the shrinkage chart
spreads the subjects across the page, and the lines chart's day labels do not overlap.
"""

from __future__ import annotations

import os
from pathlib import Path

from science_explorer import REPO

SLEEP = "Reaction ~ Days + (Days | Subject)"
FIXED = '[data-testid="fixed-table"]'

NOTEBOOK_CELLS = [
    f"import sys; sys.path.insert(0, {str(REPO)!r})",
    "import mixwidget",
    'sleep = mixwidget.load_dataset("sleepstudy")',
    f'w = mixwidget.explore(sleep, "{SLEEP}")',
    "w",
]


def chart(name: str) -> str:
    return f'[data-testid="chart-{name}"]'


# Centres (page x) of the shrinkage chart's dots, by panel (the svg group of each panel's cell).
_DOTS_JS = """
() => {
  const svg = document.querySelector('[data-testid="chart-shrinkage"] svg.marks');
  const dots = [...svg.querySelectorAll('g.mark-symbol.role-mark > path')];
  return dots.filter(p => p.__data__ && p.__data__.datum && p.__data__.datum.level !== undefined).map(p => {
    const r = p.getBoundingClientRect();
    return {x: r.left + r.width / 2, level: String(p.__data__.datum.level), term: p.__data__.datum.term,
            pooling: p.__data__.datum.pooling};
  });
}
"""

# Bounding boxes and texts of the x-axis labels of the lines chart.
_X_LABELS_JS = """
() => {
  const svg = document.querySelector('[data-testid="chart-lines"] svg.marks');
  const axes = [...svg.querySelectorAll('g.role-axis')].filter(
    a => (a.getAttribute('aria-label') || '').startsWith('X-axis'));
  return axes.map(a => [...a.querySelectorAll('g.role-axis-label text')].map(t => {
    const r = t.getBoundingClientRect();
    return {text: t.textContent, left: r.left, right: r.right, top: r.top, bottom: r.bottom};
  }).filter(b => b.text !== ''));
}
"""


def shot(page, name: str) -> None:
    """Keep a screenshot of a chart when E2E_ARTIFACTS_DIR is set (to look at the layout)."""
    folder = os.environ.get("E2E_ARTIFACTS_DIR")
    if folder:
        page.locator(chart(name)).screenshot(path=str(Path(folder) / f"sleepstudy-{name}.png"))


def test_sleepstudy_charts_are_readable(write_notebook, page, voila_notebook, console, cell_stderr):
    from playwright.sync_api import expect

    notebook = write_notebook("sleepstudy", NOTEBOOK_CELLS)
    page.set_viewport_size({"width": 1400, "height": 900})
    voila_notebook(notebook.name, wait_for=FIXED)
    for name in ("shrinkage", "lines"):
        expect(page.locator(chart(name))).to_have_attribute("data-state", "drawn", timeout=60000)
        expect(page.locator(f"{chart(name)} svg.marks g.role-mark").first).to_be_attached()
    page.wait_for_timeout(800)  # the views are scaled to their cards' width shortly after drawing

    # Shrinkage: every subject has 10 days, so subjects are ordered by their own estimate and
    # spread across each panel, instead of stacked on one vertical line at n = 10.
    expect(page.locator(f"{chart('shrinkage')} .mw-chart-subtitle")).to_contain_text(
        "Subjects ordered by their own estimate, as every Subject has 10 observations"
    )
    dots = page.evaluate(_DOTS_JS)
    for term in ("(Intercept)", "Days"):
        partial = [d for d in dots if d["term"] == term and d["pooling"] == "partial pooling"]
        assert len(partial) == 18, partial
        xs = sorted(round(d["x"]) for d in partial)
        assert len(set(xs)) == 18, xs  # 18 distinct places across the panel
        assert xs[-1] - xs[0] > 400, xs  # spread over the panel's width, not a stripe
    page.locator(chart("shrinkage")).scroll_into_view_if_needed()
    shot(page, "shrinkage")

    # Lines: days 0 to 9 as whole numbers whose labels do not overlap.
    axes = page.evaluate(_X_LABELS_JS)
    assert len(axes) == 1, axes
    labels = sorted(axes[0], key=lambda b: b["left"])
    assert [b["text"] for b in labels] == [str(d) for d in range(10)], labels
    for a, b in zip(labels, labels[1:]):
        assert a["right"] <= b["left"], (a, b)
    # Both the subjects' own lines and the mixed model's are shown at first.
    expect(page.locator(f"{chart('lines')} .mw-chart-subtitle")).to_contain_text("Each Subject (18)")
    page.locator(chart("lines")).scroll_into_view_if_needed()
    shot(page, "lines")

    assert cell_stderr() == []
    console.assert_no_errors()
