"""Charts on real data as a room sees them: JupyterLab at 1400 x 900 with the file browser open.

The caterpillar plot of 66 classes names its levels without overlap (also in large text), the
zero school variance is said in words instead of a panel of zeros, and with a random slope no
chart needs its own horizontal scrollbar.
"""

from __future__ import annotations

import pytest
from test_classroom_browser import NOTEBOOK_CELLS, open_classroom, shot

CATERPILLAR = 'section[data-chart="caterpillar"]'
SLOPE = "like ~ sex + PrivPub + (1 + sex | school) + (1 | school:class)"

# The caterpillar's level-axis labels (the non-empty texts of each axis's label group, with their
# boxes in viewport coordinates) and the texts of its marks with their boxes.
_CATERPILLAR_JS = """
(sel) => {
  const svg = document.querySelector(sel + ' svg.marks');
  if (!svg) return null;
  const box = (el) => { const r = el.getBoundingClientRect();
                        return {left: r.left, right: r.right, top: r.top, bottom: r.bottom}; };
  const axes = [...svg.querySelectorAll('g.role-axis')].map(axis =>
    [...axis.querySelectorAll('g.role-axis-label text')]
      .filter(t => t.textContent.trim() !== '' && getComputedStyle(t).opacity !== '0'
                   && t.getAttribute('opacity') !== '0')
      .map(t => ({text: t.textContent, ...box(t)})));
  const marks = [...svg.querySelectorAll('g.role-mark text')]
    .filter(t => t.textContent.trim() !== '')
    .map(t => ({text: t.textContent, fill: t.getAttribute('fill') || '', ...box(t)}));
  return {axes, marks, viewport: {right: window.innerWidth, bottom: window.innerHeight}};
}
"""


def _overlap(a: dict, b: dict) -> bool:
    return a["left"] < b["right"] and b["left"] < a["right"] and a["top"] < b["bottom"] and b["top"] < a["bottom"]


def check_caterpillar(page) -> dict:
    """Labels of each axis pairwise apart; the 66 classes' axis names every one of them."""
    got = page.evaluate(_CATERPILLAR_JS, CATERPILLAR)
    assert got is not None, "no caterpillar chart drawn"
    for labels in got["axes"]:
        for i, a in enumerate(labels):
            for b in labels[i + 1:]:
                assert not _overlap(a, b), f"axis labels {a} and {b} overlap"
    level_axis = max(got["axes"], key=len)
    assert len(level_axis) == 66, [t["text"] for t in level_axis]  # every class named, none touching
    assert all(":" in t["text"] for t in level_axis)  # classes of schools, e.g. "23:1"
    return got


@pytest.fixture(scope="module")
def layout_notebook(write_notebook):
    return write_notebook("chart_layout", NOTEBOOK_CELLS)


def test_caterpillar_of_66_classes_and_a_zero_school_variance(layout_notebook, lab_notebook, page, console,
                                                             cell_stderr):
    from playwright.sync_api import expect

    open_classroom(page, lab_notebook, layout_notebook)
    card = page.locator(CATERPILLAR)
    expect(card).to_have_attribute("data-state", "drawn", timeout=60000)
    card.scroll_into_view_if_needed()
    page.wait_for_timeout(800)  # the view is fitted to the card's width once drawn
    got = check_caterpillar(page)
    # In place of a panel of 41 zeros: what a zero school variance means, in words, in view.
    note = [t for t in got["marks"] if "school variance is 0" in t["text"]]
    assert note, [t["text"] for t in got["marks"]]
    words = " ".join(t["text"] for t in got["marks"])
    assert "the model puts no weight on schools" in words
    expect(card.locator("text", has_text="school variance is 0")).to_be_visible()
    shot(page, "caterpillar")

    # A class picked from the group list is named beside its interval, in the highlight colour.
    picker = page.locator('[data-testid="selected-group"]')
    level = picker.locator("option").nth(5).get_attribute("value")
    picker.select_option(level)
    page.wait_for_function(
        "([sel, level]) => [...document.querySelectorAll(sel + ' svg.marks g.role-mark text')]"
        ".some(t => t.textContent === level)",
        arg=[CATERPILLAR, level],
        timeout=20000,
    )
    named = [t for t in page.evaluate(_CATERPILLAR_JS, CATERPILLAR)["marks"] if t["text"] == level]
    assert named and named[0]["fill"].upper() == "#D55E00", named

    # Large text (projector): everything larger, the labels still apart.
    page.locator('[data-testid="large-text"]').check()
    page.wait_for_timeout(1000)
    card.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    check_caterpillar(page)
    shot(page, "caterpillar-large")
    assert cell_stderr() == []
    console.assert_no_errors()


# Each drawn chart's body: the width of what it holds against the width it shows.
_SCROLL_JS = """
() => [...document.querySelectorAll('section[data-chart]')]
  .filter(s => s.dataset.state === 'drawn')
  .map(s => { const b = s.querySelector('.mw-chart-body');
              return {chart: s.dataset.chart, scroll: b.scrollWidth, client: b.clientWidth}; })
"""

_SETTLED_JS = """
() => { const c = document.querySelector('[data-testid="charts"]');
        const cards = [...document.querySelectorAll('section[data-chart]')].filter(s => s.dataset.chart !== 'simulation');
        return c && c.dataset.busy === 'false' && cards.length > 0
          && cards.every(s => s.dataset.state === 'drawn' || s.dataset.state === 'note'); }
"""


def assert_no_chart_scrolls(page) -> list[dict]:
    page.wait_for_function(_SETTLED_JS, timeout=60000)
    page.wait_for_timeout(1500)  # views are fitted, and wrapped where needed, once drawn
    cards = page.evaluate(_SCROLL_JS)
    assert len(cards) >= 5, cards
    for card in cards:
        assert card["scroll"] <= card["client"] + 1, f"chart {card['chart']} needs its own scrollbar: {card}"
    return cards


def test_charts_with_a_random_slope_need_no_scrollbar(layout_notebook, lab_notebook, page, console, cell_stderr):
    from playwright.sync_api import expect

    open_classroom(page, lab_notebook, layout_notebook)
    box = page.locator('[data-testid="formula-input"]')
    box.fill(SLOPE)
    box.press("Enter")
    expect(page.locator('[data-testid="variance-table"] tr[data-term="sexm"]').first).to_be_visible(timeout=60000)
    expect(page.locator('[data-testid="fit-status"]')).to_contain_text("done")
    cards = assert_no_chart_scrolls(page)
    assert {"caterpillar", "shrinkage", "residuals"} <= {c["chart"] for c in cards}
    page.locator(CATERPILLAR).scroll_into_view_if_needed()
    shot(page, "slope-caterpillar")
    # Large text (projector): less room for the same panels; still no chart scrolls.
    page.locator('[data-testid="large-text"]').check()
    assert_no_chart_scrolls(page)
    page.locator('section[data-chart="shrinkage"]').scroll_into_view_if_needed()
    shot(page, "slope-shrinkage-large")
    assert cell_stderr() == []
    console.assert_no_errors()
