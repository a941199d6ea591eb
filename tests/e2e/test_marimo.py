"""The explorer in a marimo app (``marimo run``), as a viewer of the app sees it: it renders, a formula
typed and entered refits the model (PrivPub t 2.217 -> 2.250), and a bad formula gets its message
while the last good fit stays on screen. The app uses marimo's dark theme, and so does the widget.
When the viewer leaves, the session's fit worker ends.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from science_explorer import BOTH

REPO = Path(__file__).resolve().parents[2]
SCHOOL_ONLY = "like ~ sex + PrivPub + (1 | school)"

INPUT = '[data-testid="formula-input"]'
FIXED = '[data-testid="fixed-table"]'
ERROR = '[data-testid="fit-error"]'
PRIVPUB = f'{FIXED} tbody tr[data-term="PrivPubpublic"]'

APP = '''import marimo

app = marimo.App()


@app.cell
def _():
    import sys

    sys.path.insert(0, {repo!r})
    import marimo as mo

    import mixwidget

    explorer = mixwidget.explore(mixwidget.load_dataset("science"), {formula!r})
    view = mo.ui.anywidget(explorer)
    return (view,)


@app.cell
def _(view):
    view
    return


if __name__ == "__main__":
    app.run()
'''


def _marimo() -> str:
    found = Path(sys.executable).parent / "marimo"
    if not found.exists():
        if os.environ.get("CI"):
            pytest.fail("marimo is not installed (it is in mixwidget[dev])")
        pytest.skip("marimo is not installed")
    return str(found)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _fit_workers(server_pid: int) -> list[int]:
    """The server's fit workers: processes forked by its multiprocessing fork server (Linux /proc)."""
    parents: dict[int, int] = {}
    commands: dict[int, str] = {}
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            commands[int(entry)] = Path(f"/proc/{entry}/cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] != "Z":
            parents[int(entry)] = int(fields[1])

    def descends(pid: int) -> bool:
        while pid in parents:
            pid = parents[pid]
            if pid == server_pid:
                return True
        return False

    servers = {p for p, cmd in commands.items() if "forkserver" in cmd and descends(p)}
    return [p for p, parent in parents.items() if parent in servers]


@pytest.fixture(scope="module")
def marimo_app(tmp_path_factory) -> tuple[str, int]:
    """Base URL of ``marimo run`` serving an app with the science explorer (loopback, no token)."""
    marimo = _marimo()
    folder = tmp_path_factory.mktemp("marimo")
    (folder / "explorer_app.py").write_text(APP.format(repo=str(REPO), formula=BOTH))
    (folder / "pyproject.toml").write_text('[tool.marimo.display]\ntheme = "dark"\n')  # marimo reads its settings here
    port = _free_port()
    log = open(folder / "marimo.log", "wb")
    env = {**os.environ, "MARIMO_SKIP_UPDATE_CHECK": "1", "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [marimo, "run", "explorer_app.py", "--headless", "--host", "127.0.0.1", "--port", str(port), "--no-token",
         "--session-ttl", "1"],  # a session ends a second after its page is gone
        cwd=folder, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"marimo exited with {proc.returncode}: {(folder / 'marimo.log').read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(base, timeout=5) as resp:  # noqa: S310 (a loopback URL built above)
                    if resp.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.25)
        yield base, proc.pid
    finally:
        os.killpg(proc.pid, signal.SIGTERM)  # its own process group: the server and its fit workers
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        log.close()


def test_explorer_in_a_marimo_app(marimo_app, page, console):
    from playwright.sync_api import expect

    base, server = marimo_app
    page.goto(base, wait_until="domcontentloaded")
    t_cell = page.locator(PRIVPUB).locator(":scope > *").nth(3)  # term, estimate, SE, t value
    expect(t_cell).to_have_text("2.217", timeout=120_000)  # the app's fit, rendered by marimo

    root = page.locator(".mixwidget").first
    expect(root).to_have_class(re.compile(r"\bmw-dark\b"))  # marimo's dark page, seen through its shadow DOM
    assert root.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(24, 28, 26)"

    box = page.locator(INPUT)
    box.fill(SCHOOL_ONLY)
    box.press("Enter")
    expect(t_cell.locator(".value")).to_have_text("2.250")  # refitted: school only
    expect(t_cell.locator(".mw-old")).to_have_text("2.217")

    box.fill("like ~ sex + (1 | school")
    box.press("Enter")
    expect(page.locator(ERROR)).to_contain_text(re.compile(r"unbalanced parenthesis|never closed"))
    expect(t_cell.locator(".value")).to_have_text("2.250")  # the last good fit stays
    console.assert_no_external_requests()
    console.assert_no_errors()

    assert len(_fit_workers(server)) == 1, "one fit worker for the one viewer"
    page.close()  # the viewer leaves: marimo ends the session, and its worker must end with it
    deadline = time.monotonic() + 30
    while _fit_workers(server) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert _fit_workers(server) == [], "the fit worker outlived its marimo session"
