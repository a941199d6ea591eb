"""Browser round trip of the explorer: Enter in the formula box until the new fit is on screen.

    python benchmarks/bench_browser.py [--repeats 20] [--apps voila lab]

Starts Voila (and JupyterLab) on a notebook with the science explorer, opens it in Debian's
Chromium (Playwright, the flags of tests/e2e/conftest.py), then alternately types the
school+class formula and the OLS formula. Two moments are timed in the page from the Enter
keydown:

- table: the status says done and the fixed-effects table shows the new formula's
  PrivPubpublic t value;
- every chart: in addition, every chart card shows the new fit (drawn, or its note where the
  chart does not apply, with the new fit's title) and the charts are no longer busy.

The time to every chart is split in two: until the new chart traits reach the page (the
kernel builds the charts' data after the table's numbers are sent, and the comm carries them),
and the drawing in the page after that.

The peer, measured in the same run, is the time the fit itself takes in Python (the "Fitted
in N ms" of the status), so the ratio shows what the browser, the comm and rendering add.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "e2e"))

import conftest as e2e  # noqa: E402  (the harness's server and browser helpers)

BOTH = "like ~ sex + PrivPub + (1 | school) + (1 | school:class)"
OLS = "like ~ sex + PrivPub"
T_VALUE = {BOTH: "2.217", OLS: "3.759"}

CELLS = [
    f"import sys; sys.path.insert(0, {str(REPO)!r})",
    "import mixwidget",
    'science = mixwidget.load_dataset("science")',
    f'w = mixwidget.explore(science, "{BOTH}")',
    "w",
]

# Records the time of every Enter keydown in the formula box (capture phase, so before
# the widget's own handler runs), and the first moment after it that the charts turn busy:
# the new chart traits have reached the page (what follows is drawing).
INSTALL_JS = """
() => {
  document.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && ev.target && ev.target.dataset.testid === 'formula-input') {
      window.__mwEnter = performance.now();
      window.__mwChartsIn = null;
    }
  }, true);
  const root = document.querySelector('[data-testid="charts"]');
  new MutationObserver(() => {
    if (root.dataset.busy === 'true' && window.__mwChartsIn === null) window.__mwChartsIn = performance.now();
  }).observe(root, {attributes: true, attributeFilter: ['data-busy']});
}
"""

# Resolves (polled every animation frame) with ms since Enter once the fit of the
# formula with PrivPubpublic t value `t` is on screen and the status is done.
DONE_JS = """
([t, ngroups]) => {
  const status = document.querySelector('[data-testid="fit-status"]');
  const table = document.querySelector('[data-testid="fixed-table"]');
  const vt = document.querySelector('[data-testid="variance-table"]');
  if (!status || !table || !vt) return false;
  const text = status.textContent.trim();
  if (!text.endsWith('done')) return false;
  if (vt.querySelectorAll('tbody tr[data-group]').length !== ngroups) return false;
  const heads = [...table.querySelectorAll('thead th')].map(th => th.textContent.trim());
  const row = table.querySelector('tbody tr[data-term="PrivPubpublic"]');
  if (!row) return false;
  const v = row.children[heads.indexOf('t value')].querySelector('.value');
  if (!v || v.textContent.trim() !== t) return false;
  return {ms: performance.now() - window.__mwEnter, status: text};
}
"""


# Resolves once every chart shows the fit of this formula: the effects chart's title says
# whether least squares inflates a t value (only with groups), the per-group charts are drawn
# or replaced by their note, no card waits, and the reconciler is done.
CHARTS_DONE_JS = """
([withGroups]) => {
  const root = document.querySelector('[data-testid="charts"]');
  if (!root || root.dataset.busy !== 'false') return false;
  const cards = [...root.querySelectorAll('[data-chart]')];
  if (!cards.length || cards.some(c => c.dataset.state === 'pending')) return false;
  const state = (name) => root.querySelector(`[data-chart="${name}"]`)?.dataset.state;
  if (state('shrinkage') !== (withGroups ? 'drawn' : 'note')) return false;
  if (state('effects') !== 'drawn' || state('residuals') !== 'drawn') return false;
  // The shrinkage card changes between the two formulas, and every chart's traits arrive in one
  // message: once it has changed and the charts are not busy, every card shows the new fit. (The
  // effects title alone cannot tell: after a mixed fit the OLS chart keeps it as the previous fit.)
  const now = performance.now();
  return {ms: now - window.__mwEnter, arrive: (window.__mwChartsIn ?? now) - window.__mwEnter};
}
"""


def start_voila(notebook_dir: Path, home: Path) -> tuple[e2e.ServerProcess, str]:
    env = e2e._jupyter_env(home)
    (home / "config" / "voila.json").write_text(json.dumps({"Voila": {"tornado_settings": {"disable_check_xsrf": True}}}))
    port = e2e.free_port()
    cmd = [
        e2e._executable("voila"),
        "--no-browser",
        f"--port={port}",
        "--Voila.port_retries=0",
        "--Voila.ip=127.0.0.1",
        str(notebook_dir),
    ]
    server = e2e.ServerProcess("voila", cmd, notebook_dir, env, home / "voila.log")
    base = f"http://127.0.0.1:{port}/"
    server.wait_ready(base, e2e.SERVER_START_TIMEOUT)
    return server, base


def p90(xs: list[float]) -> float:
    return statistics.quantiles(xs, n=10, method="inclusive")[-1]


def start_lab(notebook_dir: Path, home: Path):
    """JupyterLab as the browser tests start it; returns (stop, base URL)."""
    server = e2e._jupyter_server(
        "lab", "LabApp", notebook_dir, home,
        ["--LabApp.news_url=None",
         "--LabApp.check_for_updates_class=jupyterlab.handlers.announcements.NeverCheckForUpdate",
         "--LabApp.extension_manager=readonly"],
    )
    return server.close, next(server)


def measure(page, repeats: int) -> dict[str, list]:
    """Alternate the two formulas ``repeats`` times (after one warm-up); times in ms."""
    page.evaluate(INSTALL_JS)
    box = page.locator('[data-testid="formula-input"]').first
    page.wait_for_function(DONE_JS, arg=[T_VALUE[BOTH], 3])
    page.wait_for_function(CHARTS_DONE_JS, arg=[True], polling="raf")
    out: dict[str, list] = {"table": [], "charts": [], "arrive": [], "draw": [], "fit": [], "label": []}
    formulas = [OLS, BOTH] * ((repeats + 2) // 2 + 1)
    for i, formula in enumerate(formulas[: repeats + 2]):
        box.fill(formula)
        box.press("Enter")
        ngroups = 3 if formula == BOTH else 1
        table = page.wait_for_function(DONE_JS, arg=[T_VALUE[formula], ngroups], polling="raf").json_value()
        charts = page.wait_for_function(CHARTS_DONE_JS, arg=[formula == BOTH], polling="raf").json_value()
        m = re.search(r"Fitted in ([\d.]+)\s*ms", table["status"])
        if not m:
            raise SystemExit(f"unexpected status text: {table['status']!r}")
        if i < 2:
            continue  # warm-up: each formula's charts are drawn once
        out["table"].append(table["ms"])
        out["charts"].append(charts["ms"])
        out["arrive"].append(charts["arrive"])
        out["draw"].append(charts["ms"] - charts["arrive"])
        out["fit"].append(float(m.group(1)))
        out["label"].append("school+class" if formula == BOTH else "OLS")
    return out


def report(app: str, res: dict[str, list]) -> None:
    n = len(res["table"])
    fit_med = statistics.median(res["fit"])
    print(f"{app}: {n} formula changes (alternating school+class and OLS), Chromium headless")
    for key, what in (("table", "Enter -> table updated "), ("charts", "Enter -> every chart redrawn")):
        med = statistics.median(res[key])
        print(f"  {what}: median {med:5.0f} ms, p90 {p90(res[key]):5.0f} ms   ({med / fit_med:.1f}x the fit)")
    print(f"  fit alone (status, peer)    : median {fit_med:5.0f} ms, p90 {p90(res['fit']):5.0f} ms")
    arrive, draw = statistics.median(res["arrive"]), statistics.median(res["draw"])
    print(f"  every chart = chart traits reach the page (median {arrive:5.0f} ms, p90 {p90(res['arrive']):5.0f} ms)")
    print(f"                + drawing them               (median {draw:5.0f} ms, p90 {p90(res['draw']):5.0f} ms)")
    for label in ("school+class", "OLS"):
        pick = [i for i, lab in enumerate(res["label"]) if lab == label]
        med = {k: statistics.median([res[k][i] for i in pick]) for k in ("table", "charts", "fit")}
        print(f"  {label:>12}: table {med['table']:5.0f} ms, every chart {med['charts']:5.0f} ms, fit {med['fit']:5.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--apps", nargs="+", default=["voila", "lab"], choices=["voila", "lab"])
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="mixwidget-bench-") as tmp:
        tmp_path = Path(tmp)
        nb_dir = tmp_path / "notebooks"
        nb_dir.mkdir()
        e2e.write_notebook_file(nb_dir, "bench", CELLS)
        for app in args.apps:
            home = tmp_path / f"home-{app}"
            home.mkdir()
            if app == "voila":
                server, base = start_voila(nb_dir, home)
                stop = server.stop
            else:
                stop, base = start_lab(nb_dir, home)
            try:
                with sync_playwright() as p:
                    browser = p.chromium.launch(executable_path=e2e.CHROMIUM, args=e2e.CHROMIUM_ARGS)
                    try:
                        context = browser.new_context(viewport={"width": 1280, "height": 900})
                        context.set_default_timeout(e2e.WIDGET_TIMEOUT_MS)
                        # No network: answer anything non-local with an empty response.
                        context.route(e2e.EXTERNAL_URL, lambda route: route.fulfill(status=200, body=""))
                        page = context.new_page()
                        if app == "voila":
                            e2e.open_voila_notebook(page, base, "bench", '[data-testid="fixed-table"]')
                        else:
                            e2e.open_lab_notebook(page, base, "bench", '[data-testid="fixed-table"]')
                        res = measure(page, args.repeats)
                    finally:
                        browser.close()
            finally:
                stop()
            report(app, res)


if __name__ == "__main__":
    main()
