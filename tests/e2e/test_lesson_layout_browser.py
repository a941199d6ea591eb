"""Lessons 01, 02 and 06 as a room sees them: nothing cut off, in either theme or text size.

JupyterLab at 1400 x 900 with the file browser open runs the lesson as a teacher would. Then, in
the light and the dark theme, with normal and with "Large text": for every chart card, the code
panel, the comparison of pinned fits and the key-numbers strip, no element's box extends past its
card or the notebook's output area, and nothing is hidden behind a scrollbar it did not ask for
(only the formula box scrolls, inside its capped height). The cells' own outputs (Altair charts
such as ``charts.simulation(check)``) fit the output area too.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from science_explorer import REPO
from test_classroom_browser import shot
from test_explorer import wait_for_fit

VIEWPORT = {"width": 1400, "height": 900}
FIXED = '[data-testid="fixed-table"]'
SLOPES_ONLY = "sqrt(weight) ~ Time + (Time - 1 | Chick) + Diet:Time"
THEMES = {"light": "JupyterLab Light", "dark": "JupyterLab Dark"}

# Every visible element of each container (a chart card, the code panel, the comparison, the strip,
# and each output of the notebook) must lie inside the container's box; no element may scroll
# unless it is the formula box. Returns what sticks out or scrolls, in words.
_OVERFLOW_JS = """
() => {
  const problems = [];
  const box = (el) => el.getBoundingClientRect();
  const shown = (el) => {
    const r = box(el);
    if (r.width <= 1 || r.height <= 1) return false;
    const closed = el.parentElement && el.parentElement.closest('details:not([open])');
    if (closed && !closed.querySelector(':scope > summary').contains(el)) return false;
    const cs = getComputedStyle(el);
    return cs.visibility !== 'hidden' && cs.display !== 'none';
  };
  const name = (el) => {
    const id = el.dataset && (el.dataset.testid || el.dataset.chart);
    const cls = (el.getAttribute('class') || '').split(' ')[0];
    const text = (el.textContent || '').trim().slice(0, 40);
    return `${el.tagName.toLowerCase()}${id ? '[' + id + ']' : ''}${cls ? '.' + cls : ''} "${text}"`;
  };
  const askedToScroll = (el) => el.matches('textarea, [data-testid="formula-input"]');
  const containers = [
    ...document.querySelectorAll('.mixwidget section.mw-chart[data-state="drawn"]'),
    ...document.querySelectorAll('.mixwidget [data-testid="code-panel"]'),
    ...document.querySelectorAll('.mixwidget [data-testid="compare"]'),
    ...document.querySelectorAll('.mixwidget [data-testid="key-numbers"]'),
    ...document.querySelectorAll('.jp-Notebook .jp-OutputArea-output'),
  ].filter(shown);
  for (const c of containers) {
    const outer = box(c);
    const label = c.matches('.jp-OutputArea-output') ? 'the output area' : name(c);
    const reported = [];  // report the outermost element only
    for (const el of [c, ...c.querySelectorAll('*')]) {
      if (!shown(el) || reported.some((p) => p.contains(el))) continue;
      const r = box(el);
      if (el !== c && (r.left < outer.left - 1 || r.right > outer.right + 1)) {
        reported.push(el);
        problems.push(`${name(el)} [${Math.round(r.left)}-${Math.round(r.right)}] sticks out of `
          + `${label} [${Math.round(outer.left)}-${Math.round(outer.right)}]`);
        continue;
      }
      if (el instanceof SVGElement || askedToScroll(el)) continue;
      const cs = getComputedStyle(el);
      const hiddenX = /(auto|scroll|hidden)/.test(cs.overflowX) ? el.scrollWidth - el.clientWidth : 0;
      const hiddenY = /(auto|scroll|hidden)/.test(cs.overflowY) ? el.scrollHeight - el.clientHeight : 0;
      if (hiddenX > 1 || hiddenY > 1) {
        reported.push(el);
        const across = hiddenX > 1;
        problems.push(`${name(el)} in ${label} hides ${across ? hiddenX : hiddenY} px behind a scrollbar`
          + ` (${across ? 'across' : 'down'})`);
      }
    }
  }
  return [...new Set(problems)];
}
"""

# Words of the code panel drawn on more than one line (a line broken inside a token).
_BROKEN_WORDS_JS = """
() => {
  const pre = document.querySelector('.mixwidget [data-testid="code-text"]');
  const node = pre.firstChild;
  const broken = [];
  for (const m of (node ? node.textContent.matchAll(/\\S+/g) : [])) {
    const range = document.createRange();
    range.setStart(node, m.index);
    range.setEnd(node, m.index + m[0].length);
    const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
    if (lines.size > 1) broken.push(m[0]);
  }
  return broken;
}
"""

# Charts settled: the page's charts are drawn (or show a note) and the board is not busy.
_SETTLED_JS = """
() => { const c = document.querySelector('[data-testid="charts"]');
        const cards = [...document.querySelectorAll('section[data-chart]')];
        const done = (s) => s.dataset.state === 'drawn' || s.dataset.state === 'note'
          || (s.dataset.state === 'pending' && s.textContent.includes('No chart yet'));
        return c && c.dataset.busy === 'false' && cards.length > 0 && cards.every(done); }
"""


def lesson_copy(notebook_dir: Path, name: str, extra: list[str]) -> Path:
    """The lesson with the package under test importable, and ``extra`` cells at its end."""
    import nbformat

    nb = nbformat.read(REPO / "notebooks" / name, as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell(f"import sys; sys.path.insert(0, {str(REPO)!r})"))
    nb.cells.extend(nbformat.v4.new_code_cell(code) for code in extra)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    path = notebook_dir / name
    nbformat.write(nb, path)
    return path


def set_theme(page, theme: str) -> None:
    page.evaluate("(t) => window.jupyterapp.commands.execute('apputils:change-theme', {theme: t})", theme)
    light = "false" if "Dark" in theme else "true"
    page.wait_for_function(f"() => document.body.dataset.jpThemeLight === '{light}'", timeout=30000)


def settle(page) -> None:
    page.wait_for_function(_SETTLED_JS, timeout=120000)
    page.wait_for_timeout(1500)  # views are fitted to their cards, and wrapped where needed, once drawn
    page.wait_for_function(_SETTLED_JS, timeout=60000)


def check_every_look(page, shot_name: str) -> list[str]:
    """Run the overflow check in both themes and text sizes, with the code panel open."""
    problems: list[str] = []
    large = page.locator('[data-testid="large-text"]')
    for key, theme in THEMES.items():
        set_theme(page, theme)
        for size in ("normal", "large"):
            large.set_checked(size == "large")
            settle(page)
            page.locator('[data-testid="code-button"]').click()
            page.locator('[data-testid="code-panel"]').wait_for(state="visible")
            problems += [f"{key}, {size}: {p}" for p in page.evaluate(_OVERFLOW_JS)]
            problems += [f"{key}, {size}: code broken inside {w!r}" for w in page.evaluate(_BROKEN_WORDS_JS)]
            assert page.locator('[data-testid="copy-code"]').is_visible()
            page.locator(".mixwidget").first.evaluate("(el) => el.scrollIntoView({block: 'start'})")
            shot(page, f"{shot_name}-{key}-{size}")
            page.locator('[data-testid="code-button"]').click()
    large.set_checked(False)
    set_theme(page, THEMES["light"])
    return problems


def open_lesson(page, lab_notebook, notebook: Path) -> None:
    page.set_viewport_size(VIEWPORT)
    lab_notebook(notebook.name, wait_for=FIXED)
    if not page.locator("#filebrowser").is_visible():
        page.evaluate("() => window.jupyterapp.commands.execute('filebrowser:toggle-main')")
    page.locator("#filebrowser").wait_for(state="visible")
    page.locator('[data-testid="fit-status"]').filter(has_text="done").wait_for(timeout=120000)


@pytest.fixture(scope="module")
def lesson01(notebook_dir):
    # The explorer's own simulation runs in the kernel's process (no worker start on a small machine).
    return lesson_copy(notebook_dir, "01-science-attitudes.ipynb", ["w._sim.n_jobs = 0"])


@pytest.fixture(scope="module")
def lesson02(notebook_dir):
    return lesson_copy(notebook_dir, "02-random-slopes.ipynb", [])


def test_lesson01_nothing_cut_off(lesson01, lab_notebook, page, console, cell_stderr):
    from playwright.sync_api import expect

    open_lesson(page, lab_notebook, lesson01)
    # The explorer's check by simulation, run to the end: its chart is the widest.
    panel = page.locator('[data-testid="simulation"]')
    panel.locator("summary").click()
    page.fill('[data-testid="sim-nsim"]', "20")
    page.click('[data-testid="sim-run"]')
    expect(page.locator('[data-testid="chart-simulation"]')).to_have_attribute("data-state", "drawn", timeout=180000)
    # Two pins: the comparison table and its likelihood-ratio test.
    page.locator('[data-testid="pin-button"]').click()
    page.locator('[data-testid="variant-button"]', has_text="Drop (1 | school:class)").click()
    wait_for_fit(page, "like ~ sex + PrivPub + (1 | school)")
    page.locator('[data-testid="pin-button"]').click()
    expect(page.locator('[data-testid="lrt-row"]')).to_have_count(1, timeout=60000)
    problems = check_every_look(page, "lesson01")
    assert problems == [], "\n".join(problems)
    assert cell_stderr() == []
    console.assert_no_errors()


def test_lesson02_nothing_cut_off(lesson02, lab_notebook, page, console, cell_stderr):
    from playwright.sync_api import expect

    open_lesson(page, lab_notebook, lesson02)
    # The strip follows the lesson's term (explore(..., focus="Time:Diet3")); a click on a row of
    # the fixed-effects table follows another, a second click lets go.
    strip = page.locator('[data-testid="key-t"]')
    expect(strip).to_contain_text("Time:Diet3 t 3.638")
    time_row = page.locator('[data-testid="fixed-table"] tbody tr[data-term="Time"]')
    time_row.click()
    expect(strip).to_contain_text("Time t 13.662")
    expect(time_row).to_have_class(re.compile("mw-focus"))
    time_row.click()
    expect(time_row).not_to_have_class(re.compile("mw-focus"))
    expect(strip).to_have_attribute("title", re.compile("moved most"))
    page.locator('[data-testid="fixed-table"] tbody tr[data-term="Time:Diet3"]').press("Enter")
    expect(strip).to_contain_text("Time:Diet3 t 3.638")
    # Two pins with long names: the correlated model and the slopes-only one.
    page.locator('[data-testid="pin-button"]').click()
    box = page.locator('[data-testid="formula-input"]')
    box.fill(SLOPES_ONLY)
    box.press("Enter")
    page.wait_for_function(
        "() => document.querySelector('[data-testid=\"fit-status\"]').textContent.endsWith('done')"
        " && document.querySelectorAll('[data-testid=\"variance-table\"] tr[data-term=\"(Intercept)\"]').length === 0",
        timeout=60000,
    )
    expect(strip).to_contain_text("Time:Diet3 t 4.011 (was 3.638")  # lme4: 4.011 and 3.638
    page.locator('[data-testid="pin-button"]').click()
    expect(page.locator('[data-testid="lrt-row"]')).to_have_count(1, timeout=60000)
    problems = check_every_look(page, "lesson02")
    page.locator('[data-testid="compare"]').scroll_into_view_if_needed()
    shot(page, "lesson02-compare")
    assert problems == [], "\n".join(problems)
    assert cell_stderr() == []
    console.assert_no_errors()


@pytest.fixture(scope="module")
def lesson06(notebook_dir):
    return lesson_copy(notebook_dir, "06-binary-outcomes.ipynb", [])


def test_lesson06_nothing_cut_off(lesson06, lab_notebook, page, console, cell_stderr):
    """The binary-outcomes lesson: its printouts, tables, two charts and the binomial explorer fit the output area."""
    page.set_viewport_size(VIEWPORT)
    lab_notebook(lesson06.name, wait_for=".jp-OutputArea-output .vega-embed")
    if not page.locator("#filebrowser").is_visible():
        page.evaluate("() => window.jupyterapp.commands.execute('filebrowser:toggle-main')")
    page.locator("#filebrowser").wait_for(state="visible")
    page.locator(".jp-OutputArea-output pre", has_text="children of smoking mothers at age 9, on average").wait_for(
        timeout=180000)
    page.wait_for_function("() => document.querySelectorAll('.jp-OutputArea-output .vega-embed').length >= 2",
                           timeout=120000)
    page.locator('[data-testid="fit-status"]').filter(has_text="done").wait_for(timeout=120000)
    settle(page)
    page.wait_for_timeout(1500)
    problems: list[str] = []
    for key, theme in THEMES.items():
        set_theme(page, theme)
        page.wait_for_timeout(1000)
        problems += [f"{key}: {p}" for p in page.evaluate(_OVERFLOW_JS)]
        for part in ("Fixed effects:", "smoke z-value", "charts.effects", "caterpillar", "child 482", "mixwidget.explore"):
            target = page.locator(".jp-Cell", has_text=part).first
            target.evaluate("(el) => el.scrollIntoView({block: 'start'})")
            page.wait_for_timeout(300)
            shot(page, f"lesson06-{key}-{part.split()[0].strip(':').lower()}")
    set_theme(page, THEMES["light"])
    assert problems == [], "\n".join(problems)
    assert cell_stderr() == []
    console.assert_no_errors()
