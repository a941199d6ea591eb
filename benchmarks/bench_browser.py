"""Browser round trip of the explorer: Enter in the formula box until the new fit is on screen.

    python benchmarks/bench_browser.py [--repeats 20]

Starts Voila on a notebook with the science explorer, opens it in Debian's Chromium
(Playwright, the flags of tests/e2e/conftest.py), then alternately types the
school+class formula and the OLS formula. Each round trip is timed in the page, from the
Enter keydown until the status says done and the fixed-effects table shows the new
formula's PrivPubpublic t value. The peer, measured in the same run, is the time the fit
itself takes in Python (the "Fitted in N ms" of the status), so the ratio shows what the
browser, the comm and rendering add on top of the fit.
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
# the widget's own handler runs).
INSTALL_JS = """
() => {
  document.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && ev.target && ev.target.dataset.testid === 'formula-input') {
      window.__mwEnter = performance.now();
    }
  }, true);
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="mixwidget-bench-") as tmp:
        tmp_path = Path(tmp)
        nb_dir, home = tmp_path / "notebooks", tmp_path / "home"
        nb_dir.mkdir()
        home.mkdir()
        e2e.write_notebook_file(nb_dir, "bench", CELLS)
        server, base = start_voila(nb_dir, home)
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=e2e.CHROMIUM, args=e2e.CHROMIUM_ARGS)
                try:
                    context = browser.new_context(viewport={"width": 1280, "height": 900})
                    context.set_default_timeout(e2e.WIDGET_TIMEOUT_MS)
                    # No network: answer anything non-local with an empty response.
                    context.route(e2e.EXTERNAL_URL, lambda route: route.fulfill(status=200, body=""))
                    page = context.new_page()
                    e2e.open_voila_notebook(page, base, "bench", '[data-testid="fixed-table"]')
                    page.evaluate(INSTALL_JS)
                    box = page.locator('[data-testid="formula-input"]')
                    # The notebook starts on BOTH; wait for that fit, the first switch is a warm-up.
                    page.wait_for_function(DONE_JS, arg=[T_VALUE[BOTH], 3])
                    round_trips, fits, labels = [], [], []
                    formulas = [OLS, BOTH] * ((args.repeats + 2) // 2 + 1)
                    for i, formula in enumerate(formulas[: args.repeats + 1]):
                        box.fill(formula)
                        box.press("Enter")
                        ngroups = 3 if formula == BOTH else 1
                        handle = page.wait_for_function(DONE_JS, arg=[T_VALUE[formula], ngroups], polling="raf")
                        result = handle.json_value()
                        m = re.search(r"Fitted in ([\d.]+)\s*ms", result["status"])
                        if not m:
                            raise SystemExit(f"unexpected status text: {result['status']!r}")
                        if i == 0:
                            continue  # warm-up
                        round_trips.append(result["ms"])
                        fits.append(float(m.group(1)))
                        labels.append("school+class" if formula == BOTH else "OLS")
                finally:
                    browser.close()
        finally:
            server.stop()

    rt_med, fit_med = statistics.median(round_trips), statistics.median(fits)
    print(f"{len(round_trips)} formula changes in Voila (alternating school+class and OLS), Chromium headless")
    print(f"browser round trip: median {rt_med:.0f} ms, p90 {p90(round_trips):.0f} ms")
    print(f"fit alone (status):  median {fit_med:.0f} ms, p90 {p90(fits):.0f} ms")
    for label in ("school+class", "OLS"):
        rt = [x for x, lab in zip(round_trips, labels) if lab == label]
        ft = [x for x, lab in zip(fits, labels) if lab == label]
        print(f"  {label:>12}: round trip median {statistics.median(rt):.0f} ms, fit median {statistics.median(ft):.0f} ms")
    print(
        f"browser round trip median {rt_med:.0f} ms vs fit alone {fit_med:.0f} ms "
        f"({rt_med / fit_med:.2f}x; {rt_med - fit_med:.0f} ms outside the fit)"
    )


if __name__ == "__main__":
    main()
