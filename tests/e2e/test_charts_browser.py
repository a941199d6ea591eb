"""The explorer's live charts in Voila (and JupyterLab): drawn after the first fit, updated
in place on a refit, and a group level selected by a click highlighted across charts.
"""

from __future__ import annotations

import json
import re
import time

import pytest
from science_explorer import BOTH, explorer_cells

SCHOOL_ONLY = "like ~ sex + PrivPub + (1 | school)"

# PrivPubpublic t value and the variance-table groups of each model (as in test_explorer).
EXPECTED = {
    BOTH: ("2.217", ["school:class", "school", "Residual"]),
    SCHOOL_ONLY: ("2.250", ["school", "Residual"]),
}

DRAWN = ["effects", "variance", "shrinkage", "caterpillar", "residuals"]
NOTED = ["lines", "slopes2d"]
ALL = ["effects", "variance", "shrinkage", "caterpillar", "lines", "slopes2d", "residuals"]
HIGHLIGHT = "#D55E00"

INPUT = '[data-testid="formula-input"]'
FIXED = '[data-testid="fixed-table"]'
SEEN = ".e2e-selected"  # a Label showing Python's w.selected
PICK = ".e2e-pick input"  # a Text box whose value Python copies into w.selected


def chart(name: str) -> str:
    return f'[data-testid="chart-{name}"]'


NOTEBOOK_CELLS = explorer_cells(
    # Python's view of the selection, and a way to set it from Python, both usable in Voila.
    "import ipywidgets\n"
    'seen = ipywidgets.Label(value="selected: None")\n'
    "seen.add_class('e2e-selected')\n"
    "w.observe(lambda change: setattr(seen, 'value', f\"selected: {change['new']}\"), 'selected')\n"
    "pick = ipywidgets.Text(placeholder='level', continuous_update=False)\n"
    "pick.add_class('e2e-pick')\n"
    "pick.observe(lambda change: setattr(w, 'selected', change['new'] or None), 'value')\n"
    "ipywidgets.VBox([seen, pick])",
)

# The data marks a chart draws, as plain records: from its <svg> (an element per item in a
# `role-mark` group), or for a chart drawn on a <canvas> (many marks) from the Vega view's
# scenegraph, which is what the canvas paints (the view hangs on its element as `vegaView`).
_DRAWN_JS = """
(section) => {
  const svg = section.querySelector('svg.marks');
  if (svg) {
    const ATTRS = ['transform', 'd', 'x', 'y', 'x2', 'y2', 'width', 'height', 'fill', 'stroke',
                   'stroke-width', 'opacity'];
    return {kind: 'svg', node: svg, text: svg.textContent,
            items: [...svg.querySelectorAll('g.role-mark > *')].map(m => ({
              key: m.tagName + ATTRS.map(a => m.getAttribute(a) || '').join('|') + m.textContent,
              datum: m.__data__ && m.__data__.datum, group: m.parentNode.getAttribute('class'),
              fill: m.getAttribute('fill') || '', stroke: m.getAttribute('stroke') || '',
              width: m.getAttribute('stroke-width') || '', d: m.getAttribute('d') || ''}))};
  }
  const canvas = section.querySelector('canvas.marks');
  const view = section.querySelector('.mw-chart-view')?.vegaView;
  if (!canvas || !view) return null;
  const items = [], texts = [];
  const PROPS = ['x', 'y', 'x2', 'y2', 'width', 'height', 'size', 'shape', 'fill', 'stroke',
                 'strokeWidth', 'opacity', 'fillOpacity', 'strokeOpacity', 'text'];
  const visit = (mark) => {
    for (const item of mark.items || []) {
      if (mark.marktype === 'text' && item.text !== undefined) texts.push(String(item.text));
      if (mark.role === 'mark') {
        items.push({key: mark.marktype + PROPS.map(p => item[p] ?? '').join('|'), datum: item.datum,
                    group: `mark-${mark.marktype} role-mark`, fill: item.fill || '', stroke: item.stroke || '',
                    width: item.strokeWidth === undefined ? '' : String(item.strokeWidth),
                    d: `${item.shape || ''}:${item.size ?? ''}`});
      }
      for (const child of item.items || []) visit(child);
    }
  };
  visit(view.scenegraph().root);
  return {kind: 'canvas', node: canvas, text: texts.join(''), items};
}
"""

# Per chart: its state, whether a drawing (<svg> or <canvas>) is on show, and a digest of its
# data marks (the geometry and paint of every item, plus the chart's text).
_CHARTS_JS = f"""
() => {{
  const drawn = ({_DRAWN_JS});
  const hash = (s) => {{
    let h = 0x811c9dc5;
    for (let i = 0; i < s.length; i++) {{ h ^= s.charCodeAt(i); h = Math.imul(h, 0x01000193) >>> 0; }}
    return h.toString(16);
  }};
  const out = {{}};
  for (const el of document.querySelectorAll('section[data-testid^="chart-"]')) {{
    const d = drawn(el);
    out[el.dataset.chart] = {{
      state: el.dataset.state || null,
      svg: !!d,
      kind: d ? d.kind : null,
      n: d ? d.items.length : 0,
      marks: hash((d ? d.items : []).map(m => m.key).join('\\n')),
      text: d ? d.text : '',
      note: el.querySelector('[data-testid="chart-note"]')?.textContent || '',
    }};
  }}
  return out;
}}
"""

# Every data-mark item of a chart that carries a group level: its level and paint.
_LEVEL_MARKS_JS = f"""
(sel) => {{
  const section = document.querySelector(sel);
  const d = section && ({_DRAWN_JS})(section);
  if (!d) return [];
  return d.items.flatMap(m => {{
    const datum = m.datum;
    if (!datum || datum.level === undefined || datum.level === null) return [];
    return [{{level: String(datum.level), fill: m.fill, stroke: m.stroke, width: m.width, d: m.d,
             pooling: datum.pooling || '', group: m.group}}];
  }});
}}
"""


def charts_state(page) -> dict:
    return page.evaluate(_CHARTS_JS)


def settled_charts(page, timeout_s: float = 30) -> dict:
    """The charts once every drawn chart shows an svg and nothing changed for ~0.75 s."""
    deadline = time.monotonic() + timeout_s
    last, same = None, 0
    while True:
        state = charts_state(page)
        digest = json.dumps({k: (v["state"], v["svg"], v["marks"]) for k, v in state.items()}, sort_keys=True)
        ready = all(v["svg"] for v in state.values() if v["state"] == "drawn") and not any(
            v["state"] == "pending" for v in state.values()
        )
        same = same + 1 if ready and digest == last else 0
        last = digest
        if same >= 3:
            return state
        if time.monotonic() > deadline:
            raise AssertionError(f"charts did not settle within {timeout_s}s: {digest}")
        page.wait_for_timeout(250)


def wait_for_fit(page, formula: str, timeout_ms: int = 60000) -> None:
    """Wait until the tables show ``formula``'s fit (t value and groups) and the status is done."""
    t, groups = EXPECTED[formula]
    page.wait_for_function(
        """([t, groups]) => {
          const status = document.querySelector('[data-testid="fit-status"]');
          if (!status || !status.textContent.trim().endsWith('done')) return false;
          const vt = document.querySelector('[data-testid="variance-table"]');
          const got = vt ? [...vt.querySelectorAll('tbody tr[data-group]')].map(r => r.dataset.group) : [];
          if (JSON.stringify(got) !== JSON.stringify(groups)) return false;
          const table = document.querySelector('[data-testid="fixed-table"]');
          const heads = [...table.querySelectorAll('thead th')].map(th => th.textContent.trim());
          const row = table.querySelector('tbody tr[data-term="PrivPubpublic"]');
          const col = heads.indexOf('t value');
          if (!row || col < 0) return false;
          const cell = row.children[col];
          const v = cell.querySelector('.value');
          return (v ? v.textContent : cell.textContent).trim() === t;
        }""",
        arg=[t, groups],
        timeout=timeout_ms,
    )


def wait_for_chart_change(page, name: str, before: dict, timeout_ms: int = 30000) -> None:
    """Wait until chart ``name``'s drawing (marks or text) differs from ``before``."""
    page.wait_for_function(
        f"""([name, marks, text]) => {{
          const s = ({_CHARTS_JS})()[name];
          return !!s && s.svg && (s.marks !== marks || s.text !== text);
        }}""",
        arg=[name, before[name]["marks"], before[name]["text"]],
        timeout=timeout_ms,
    )


def tag_nodes(page, tag: str) -> None:
    """Mark each chart's container, its current <svg> or <canvas> and its Vega view with ``tag``."""
    page.evaluate(
        """(tag) => {
          for (const el of document.querySelectorAll('section[data-testid^="chart-"]')) {
            el.setAttribute('data-e2e-node', tag);
            const svg = el.querySelector('svg.marks, canvas.marks');
            if (svg) svg.setAttribute('data-e2e-node', tag);
            const view = el.querySelector('.mw-chart-view')?.vegaView;
            if (view) view.__e2eTag = tag;
          }
        }""",
        tag,
    )


def tagged(page, tag: str) -> dict:
    """Per chart: are its container, its <svg> or <canvas>, and its Vega view (``view``: the chart was
    updated in place, not embedded again) still the ones tagged ``tag``?"""
    return page.evaluate(
        """(tag) => Object.fromEntries([...document.querySelectorAll('section[data-testid^="chart-"]')].map(el => {
          const svg = el.querySelector('svg.marks, canvas.marks');
          const view = el.querySelector('.mw-chart-view')?.vegaView;
          return [el.dataset.chart, {section: el.getAttribute('data-e2e-node') === tag,
                                     svg: !!svg && svg.getAttribute('data-e2e-node') === tag,
                                     view: !!view && view.__e2eTag === tag}];
        }))""",
        tag,
    )


def check_first_fit(page) -> dict:
    """Test 1: five charts drawn with marks, the two slope charts show their notes."""
    from playwright.sync_api import expect

    for name in ALL:
        expect(page.locator(chart(name))).to_have_attribute("data-state", re.compile("drawn|note"), timeout=60000)
    state = settled_charts(page)
    assert [n for n in ALL if n in state] == ALL, state.keys()
    for name in DRAWN:
        assert state[name]["state"] == "drawn", (name, state[name])
        assert state[name]["svg"] and state[name]["n"] > 0, (name, state[name])
        if state[name]["kind"] == "svg":
            expect(page.locator(f"{chart(name)} svg.marks g.role-mark").first).to_be_attached()
        else:
            # Every observation's two residual points (1,385 pupils) are painted on a canvas.
            assert name == "residuals" and state[name]["n"] >= 2 * 1385, (name, state[name]["n"])
            expect(page.locator(f"{chart(name)} canvas.marks")).to_have_attribute("aria-label", re.compile("^Chart: "))
    for name in NOTED:
        assert state[name]["state"] == "note", (name, state[name])
        assert not state[name]["svg"], name
        assert re.search(r"random (intercept and )?slope", state[name]["note"]), state[name]["note"]
        expect(page.locator(chart(name))).to_contain_text("slope")
    # The shrinkage chart is for the group with the most levels (classes); the variance chart
    # shows both grouping factors next to the least-squares baseline.
    assert "Observations per class" in state["shrinkage"]["text"], state["shrinkage"]["text"][:300]
    # The lesson's title (with this fit's numbers) sits in the card, outside the redrawn view.
    expect(page.locator(f"{chart('shrinkage')} .mw-chart-title")).to_have_text(
        "Classes with fewer observations shrink more toward the overall mean"
    )
    expect(page.locator(f"{chart('shrinkage')} .mw-chart-subtitle")).to_contain_text("Median pull")
    for word in ("school:class", "school", "Residual", "Current", "OLS (no groups)"):
        assert word in state["variance"]["text"], (word, state["variance"]["text"][:300])
    return state


def apply_formula(page, formula: str) -> None:
    box = page.locator(INPUT)
    box.fill(formula)
    box.press("Enter")
    wait_for_fit(page, formula)


def run_refit_checks(page, console, cell_stderr) -> None:
    from playwright.sync_api import expect

    wait_for_fit(page, BOTH)
    first = check_first_fit(page)

    # 2. A model with one grouping factor fewer: every chart that applies to both models
    # draws the new fit, inside the same containers.
    tag_nodes(page, "both")
    apply_formula(page, SCHOOL_ONLY)
    wait_for_chart_change(page, "variance", first)
    after = settled_charts(page)
    for name in DRAWN:
        assert after[name]["state"] == "drawn", (name, after[name])
        assert after[name]["marks"] != first[name]["marks"], f"chart {name} did not change its marks"
    for name in NOTED:
        assert after[name]["state"] == "note", (name, after[name])
    assert "school:class" not in after["variance"]["text"]
    assert "Observations per school" in after["shrinkage"]["text"]
    assert after["caterpillar"]["n"] < first["caterpillar"]["n"]  # 41 schools, no classes
    nodes = tagged(page, "both")
    # No container is rebuilt: the page does not jump or flicker.
    assert all(v["section"] for v in nodes.values()), nodes
    # The svgs themselves are drawn anew here, and rightly so: dropping (1 | school:class)
    # changes every applicable chart's structure (variance: one component fewer; shrinkage:
    # schools instead of classes; caterpillar and residuals: one panel fewer; effects: its
    # title quotes the t value). The in-place update is checked below.

    # 3. Back to the two-factor model: the same picture as the first fit.
    apply_formula(page, BOTH)
    wait_for_chart_change(page, "variance", after)
    back = settled_charts(page)
    for name in DRAWN:
        if name == "shrinkage":
            continue  # per-group chart: depends on the chart group, see below
        if name == "effects":
            continue  # now with the previous fit as a faint row, see below
        assert back[name]["marks"] == first[name]["marks"], f"chart {name} differs from the first fit"
    # Nobody chose a grouping factor, so the per-group charts return to classes (the largest).
    expect(page.locator('[data-testid="chart-group"]')).to_have_value("school:class")
    page.wait_for_function(
        f"""(marks) => ({_CHARTS_JS})().shrinkage.marks === marks""", arg=first["shrinkage"]["marks"], timeout=30000
    )
    back = settled_charts(page)
    for name in DRAWN:
        if name == "effects":
            # The first fit had no previous fit; now the school-only fit is the faint row.
            assert "Previous fit" in back[name]["text"] and "Previous fit" not in first[name]["text"]
            continue
        assert back[name]["marks"] == first[name]["marks"], f"chart {name} differs from the first fit"

    # 4. A refit that keeps every chart's structure (REML -> ML): the data changes in place,
    # in the very same views (titles quoting the fit's numbers live outside them).
    in_place = DRAWN
    tag_nodes(page, "reml")
    page.locator('[data-testid="reml-toggle"]').uncheck()
    expect(page.locator('[data-testid="fit-status"]')).to_contain_text("done")
    wait_for_chart_change(page, "variance", back)
    ml = settled_charts(page)
    nodes = tagged(page, "reml")
    for name in in_place:
        assert ml[name]["marks"] != back[name]["marks"], f"chart {name} did not change with ML"
        assert nodes[name]["view"], f"chart {name} was re-embedded instead of updated in place"
    assert all(v["section"] for v in nodes.values()), nodes

    assert cell_stderr() == []
    console.assert_no_errors()
    console.assert_no_external_requests()


def level_marks(page, name: str) -> list[dict]:
    return page.evaluate(_LEVEL_MARKS_JS, chart(name))


def highlighted(page, name: str) -> set[str]:
    return {m["level"] for m in level_marks(page, name) if HIGHLIGHT.lower() in (m["fill"].lower(), m["stroke"].lower())}


def wait_for_highlight(page, names: list[str], levels: set[str], timeout_s: float = 20) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        got = {n: highlighted(page, n) for n in names}
        if all(g == levels for g in got.values()):
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"expected {levels or 'nothing'} highlighted, got {got}")
        page.wait_for_timeout(200)


# A partial-pooling dot of the shrinkage chart that is the topmost element at its own centre
# (so a real click lands on it); it is tagged for the locator. Returns its level.
_PICK_DOT_JS = """
(avoid) => {
  const svg = document.querySelector('[data-testid="chart-shrinkage"] svg.marks');
  const dots = [...svg.querySelectorAll('g.mark-symbol.role-mark > path')].filter(p => {
    const d = p.__data__ && p.__data__.datum;
    return d && d.pooling === 'partial pooling' && d.level !== avoid;
  });
  for (const p of dots) {
    p.scrollIntoView({block: 'center', inline: 'center'});
    const r = p.getBoundingClientRect();
    if (document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2) === p) {
      p.setAttribute('data-e2e-target', '1');
      return String(p.__data__.datum.level);
    }
  }
  return null;
}
"""


def run_selection_checks(page, console, cell_stderr) -> None:
    from playwright.sync_api import expect

    wait_for_fit(page, BOTH)
    check_first_fit(page)
    seen = page.locator(SEEN)
    expect(seen).to_have_text("selected: None")
    linked = ["shrinkage", "caterpillar", "residuals"]
    wait_for_highlight(page, linked, set())

    # Click a class's dot in the shrinkage chart.
    level = page.evaluate(_PICK_DOT_JS, None)
    assert level and re.fullmatch(r"\d+:\d+", level), level  # a class of a school, e.g. "12:1"
    page.locator('[data-testid="chart-shrinkage"] [data-e2e-target]').click()
    # Python's w.selected (mirrored into a Label by the kernel) is the clicked class ...
    expect(seen).to_have_text(f"selected: {level}")
    # ... and that class alone is highlighted in the shrinkage, caterpillar and residuals charts.
    wait_for_highlight(page, linked, {level})
    cat = level_marks(page, "caterpillar")
    dots = [m for m in cat if "mark-symbol" in m["group"]]
    # Interval rules (the dashed zero line is a rule too, drawn from the same rows, in #333).
    bars = [m for m in cat if "mark-rule" in m["group"] and m["stroke"] != "#333"]
    # A panel of classes; none of schools, whose variance is 0 (a note says so instead).
    assert len(dots) == 66, len(dots)
    chosen = [m for m in dots if m["level"] == level]
    others = [m for m in dots if m["level"] != level]
    assert chosen and others
    # The chosen dot is drawn bigger (size 120 against 45) and its interval thicker.
    assert len({m["d"] for m in chosen}) == 1 and chosen[0]["d"] not in {m["d"] for m in others}
    assert {m["width"] for m in bars if m["level"] == level} == {"3"}
    assert {m["width"] for m in bars if m["level"] != level} == {"1.5"}
    shrink = [m for m in level_marks(page, "shrinkage") if "mark-symbol" in m["group"] and m["level"] == level]
    assert {m["pooling"] for m in shrink} == {"no pooling", "partial pooling"}
    assert all(m["stroke"].upper() == HIGHLIGHT for m in shrink), shrink

    # A second click on the same dot clears the selection everywhere.
    page.locator('[data-testid="chart-shrinkage"] [data-e2e-target]').click()
    expect(seen).to_have_text("selected: None")
    wait_for_highlight(page, linked, set())

    # Set the selection from Python (w.selected = other level): the charts follow.
    other = page.evaluate(_PICK_DOT_JS, level)
    assert other and other != level
    box = page.locator(PICK)
    box.fill(other)
    box.press("Enter")
    expect(seen).to_have_text(f"selected: {other}")
    wait_for_highlight(page, linked, {other})

    # A refit to a model without classes drops a class selection (its level no longer exists).
    apply_formula(page, SCHOOL_ONLY)
    # (after a whole refit, which a busy machine may take seconds over)
    expect(seen).to_have_text("selected: None", timeout=30000)
    settled_charts(page)
    wait_for_highlight(page, ["shrinkage", "caterpillar"], set())

    assert cell_stderr() == []
    console.assert_no_errors()
    console.assert_no_external_requests()


@pytest.fixture(scope="module")
def charts_notebook(write_notebook):
    return write_notebook("charts", NOTEBOOK_CELLS)


def test_charts_refit_voila(charts_notebook, voila_notebook, console, cell_stderr):
    page = voila_notebook(charts_notebook.name, wait_for=FIXED)
    run_refit_checks(page, console, cell_stderr)


def test_charts_selection_voila(charts_notebook, voila_notebook, console, cell_stderr):
    page = voila_notebook(charts_notebook.name, wait_for=FIXED)
    run_selection_checks(page, console, cell_stderr)


def test_charts_first_fit_lab(charts_notebook, lab_notebook, console, cell_stderr):
    page = lab_notebook(charts_notebook.name, wait_for=FIXED)
    wait_for_fit(page, BOTH)
    check_first_fit(page)
    assert cell_stderr() == []
    console.assert_no_errors()
    console.assert_no_external_requests()
