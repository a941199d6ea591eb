"""Fixtures for end-to-end browser tests (Voila and JupyterLab driven by Chromium).

The browser is Debian's Chromium (``scripts/install-browser.sh``) driven through
Python Playwright; Playwright's own browser downloads are never used.

Servers are session-scoped: one Voila and one JupyterLab process serve a shared
temporary notebook directory for every test of the run.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Seconds allowed for a server to answer its first HTTP request.
SERVER_START_TIMEOUT = float(os.environ.get("E2E_SERVER_TIMEOUT", "90"))
# Milliseconds allowed for a page to show a widget (covers kernel start-up).
WIDGET_TIMEOUT_MS = int(os.environ.get("E2E_WIDGET_TIMEOUT_MS", "60000"))


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


_HERE = Path(__file__).parent


def pytest_configure(config):
    config.addinivalue_line("markers", "e2e: browser test against Voila/JupyterLab (tests/e2e)")


def pytest_collection_modifyitems(config, items):
    # Mark everything in this folder, so `-m "not e2e"` skips the browser tests.
    for item in items:
        if _HERE in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.e2e)


# --------------------------------------------------------------------------- #
# Failure screenshots: make each phase's report reachable from fixtures.
# --------------------------------------------------------------------------- #


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


@pytest.fixture(scope="session")
def artifacts_dir(tmp_path_factory) -> Path:
    """Where screenshots and console logs of failing tests go.

    ``E2E_ARTIFACTS_DIR`` overrides the default (a pytest temp dir).
    """
    override = os.environ.get("E2E_ARTIFACTS_DIR")
    if override:
        path = Path(override)
        path.mkdir(parents=True, exist_ok=True)
        return path
    return tmp_path_factory.mktemp("e2e-artifacts")


# --------------------------------------------------------------------------- #
# Browser
# --------------------------------------------------------------------------- #


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        msg = f"{CHROMIUM} not found; run scripts/install-browser.sh"
        if _in_ci():
            pytest.fail(msg + " (CI is set: a missing browser is an error)")
        pytest.skip(msg)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if _in_ci():
            pytest.fail("python package 'playwright' is not installed")
        pytest.skip("python package 'playwright' is not installed")

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


# Console errors that are known to be harmless. Keep each pattern narrow and
# put a comment above it saying why it is safe. None are needed with
# JupyterLab 4.6 / Voila 0.5.13 so far.
IGNORED_CONSOLE_PATTERNS: list[re.Pattern[str]] = []


# Requests to anything but the local servers. The machine has no network, and a
# widget must not need one; such requests are answered with an empty 200 (so
# they never show up as console errors) and recorded in ``console.external``.
EXTERNAL_URL = re.compile(r"^(https?|wss?)://(?!(127\.0\.0\.1|localhost)(:\d+)?/)")

# External URLs that are expected and harmless. Voila's "lab" template
# hard-codes Font Awesome stylesheets from a CDN (voila/templates/lab/
# index.html.j2); the same icons are also bundled locally.
KNOWN_EXTERNAL_URLS: list[re.Pattern[str]] = [
    re.compile(r"^https://cdn\.jsdelivr\.net/npm/@fortawesome/fontawesome-free@"),
]


class ConsoleLog:
    """Collects browser console errors, uncaught page errors and external requests."""

    def __init__(self) -> None:
        self.entries: list[str] = []
        self.errors: list[str] = []
        self.external: list[str] = []

    def on_external_request(self, route) -> None:
        url = route.request.url
        self.external.append(url)
        self.entries.append(f"[external request stubbed] {url}")
        route.fulfill(status=200, body="", headers={"access-control-allow-origin": "*"})

    def unexpected_external(self) -> list[str]:
        return [u for u in self.external if not any(p.search(u) for p in KNOWN_EXTERNAL_URLS)]

    def assert_no_external_requests(self) -> None:
        bad = self.unexpected_external()
        assert not bad, "page requested non-local URLs:\n" + "\n".join(bad)

    def on_console(self, msg) -> None:
        text = msg.text
        loc = msg.location or {}
        where = loc.get("url", "")
        line = f"[{msg.type}] {text}" + (f" ({where})" if where else "")
        self.entries.append(line)
        if msg.type == "error" and not self._ignored(f"{text} {where}"):
            self.errors.append(line)

    def on_pageerror(self, exc) -> None:
        line = f"[pageerror] {exc}"
        self.entries.append(line)
        self.errors.append(line)

    @staticmethod
    def _ignored(text: str) -> bool:
        return any(p.search(text) for p in IGNORED_CONSOLE_PATTERNS)

    def assert_no_errors(self) -> None:
        assert not self.errors, "browser console errors:\n" + "\n".join(self.errors)


@pytest.fixture
def console() -> ConsoleLog:
    return ConsoleLog()


@pytest.fixture
def page(browser, console: ConsoleLog, request, artifacts_dir: Path):
    """A fresh page (own context) that records console errors into ``console``.

    On test failure a full-page screenshot and the console log are written to
    ``artifacts_dir``.
    """
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(WIDGET_TIMEOUT_MS)
    context.route(EXTERNAL_URL, console.on_external_request)
    pg = context.new_page()
    pg.on("console", console.on_console)
    pg.on("pageerror", console.on_pageerror)
    try:
        yield pg
    finally:
        rep = getattr(request.node, "rep_call", None)
        if rep is not None and rep.failed:
            stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)[-150:]
            shot = artifacts_dir / f"{stem}.png"
            try:
                pg.screenshot(path=str(shot), full_page=True)
                (artifacts_dir / f"{stem}.console.txt").write_text("\n".join(console.entries) + "\n")
                sys.stderr.write(f"\n[e2e] failure screenshot: {shot}\n")
            except Exception as exc:  # the page may be gone already
                sys.stderr.write(f"\n[e2e] could not take screenshot: {exc}\n")
        context.close()


# --------------------------------------------------------------------------- #
# Notebooks
# --------------------------------------------------------------------------- #


@pytest.fixture(scope="session")
def notebook_dir(tmp_path_factory) -> Path:
    """Temporary directory served by both Voila and JupyterLab."""
    return tmp_path_factory.mktemp("notebooks")


def write_notebook_file(directory: Path, name: str, cells: Iterable[str]) -> Path:
    import nbformat

    if not name.endswith(".ipynb"):
        name += ".ipynb"
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src) for src in cells]
    # An explicit kernelspec avoids JupyterLab's "Select Kernel" dialog.
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    nb.metadata["language_info"] = {"name": "python"}
    path = directory / name
    nbformat.write(nb, path)
    return path


@pytest.fixture(scope="session")
def write_notebook(notebook_dir: Path) -> Callable[[str, Iterable[str]], Path]:
    """``write_notebook("name", ["code", ...])`` -> path inside ``notebook_dir``."""

    def _write(name: str, cells: Iterable[str]) -> Path:
        return write_notebook_file(notebook_dir, name, cells)

    return _write


# --------------------------------------------------------------------------- #
# Servers
# --------------------------------------------------------------------------- #


def _http(url: str, method: str = "GET", timeout: float = 10):
    """Open a request to one of the local test servers (always http://127.0.0.1)."""
    if not url.startswith("http://127.0.0.1:"):
        raise ValueError(f"not a local test server URL: {url}")
    req = urllib.request.Request(url, method=method)  # noqa: S310 (scheme checked above)
    return urllib.request.urlopen(req, timeout=timeout)  # noqa: S310


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _descendants(pid: int) -> list[int]:
    """All descendant pids of ``pid`` (Linux /proc walk, no extra deps)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        # Field 4 (ppid) follows the parenthesised command name.
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    out, stack = [], [pid]
    while stack:
        for c in children.get(stack.pop(), []):
            out.append(c)
            stack.append(c)
    return out


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


class ServerProcess:
    def __init__(self, name: str, cmd: list[str], cwd: Path, env: dict, log: Path):
        self.name = name
        self.log_path = log
        self._log = open(log, "wb")
        self.proc = subprocess.Popen(
            cmd,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # own process group, killed as a whole
        )

    def log_tail(self, n: int = 60) -> str:
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return ""
        return "\n".join(lines[-n:])

    def wait_ready(self, url: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        last_exc: Exception | None = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                with _http(url, timeout=5) as resp:
                    if resp.status < 500:
                        return
            except urllib.error.HTTPError as exc:
                if exc.code < 500:
                    return
                last_exc = exc
            except (urllib.error.URLError, OSError) as exc:
                last_exc = exc
            time.sleep(0.25)
        self.stop()
        raise RuntimeError(f"{self.name} did not answer {url} within {timeout}s ({last_exc}):\n{self.log_tail()}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            # Kernels run in their own process groups; remember them first.
            kids = _descendants(self.proc.pid)
            try:
                # Jupyter servers shut their kernels down on SIGTERM.
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(timeout=10)
            for pid in kids:
                if _alive(pid):
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
        self._log.close()


def _jupyter_env(root: Path) -> dict:
    """Environment isolating a server's runtime/config/settings from the user's."""
    env = dict(os.environ)
    for sub in ("runtime", "config", "ipython"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    env["JUPYTER_RUNTIME_DIR"] = str(root / "runtime")
    env["JUPYTER_CONFIG_DIR"] = str(root / "config")
    env["IPYTHONDIR"] = str(root / "ipython")
    env["JUPYTER_PLATFORM_DIRS"] = "1"
    # Kernels and helpers come from this interpreter's environment (a venv
    # need not be activated).
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env.pop("JUPYTER_TOKEN", None)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _executable(name: str) -> str:
    # Prefer the one next to the running interpreter (same environment).
    candidate = Path(sys.executable).parent / name
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if not found:
        pytest.fail(f"'{name}' is not installed in this environment")
    return found


@pytest.fixture(scope="session")
def voila_server(notebook_dir: Path, tmp_path_factory) -> Iterator[str]:
    """Base URL (ending in '/') of a Voila server serving ``notebook_dir``.

    Notebooks are rendered at ``<base>voila/render/<name>.ipynb``.
    """
    root = tmp_path_factory.mktemp("voila-home")
    env = _jupyter_env(root)
    # Voila shuts a page's kernel down with a beacon POST on "beforeunload",
    # which carries no _xsrf token and is refused with 403 (a console error);
    # see voila-dashboards/voila#1458. Loopback-only test server: no XSRF check.
    # Notebook 7's JupyterLab extension (its "open in Notebook" buttons) needs shared
    # modules Voila's bundled JupyterLab does not provide, and fails to load there with a
    # console error; Voila's pages do not use it, so Voila leaves it out.
    (root / "config" / "voila.json").write_text(
        json.dumps(
            {
                "Voila": {"tornado_settings": {"disable_check_xsrf": True}},
                "VoilaConfiguration": {"extension_denylist": ["@jupyter-notebook/lab-extension"]},
            }
        )
    )
    port = free_port()
    cmd = [
        _executable("voila"),
        "--no-browser",
        f"--port={port}",
        "--Voila.port_retries=0",
        "--Voila.ip=127.0.0.1",
        "--show_tracebacks=True",
        str(notebook_dir),
    ]
    server = ServerProcess("voila", cmd, notebook_dir, env, root / "voila.log")
    base = f"http://127.0.0.1:{port}/"
    try:
        server.wait_ready(base, SERVER_START_TIMEOUT)
        yield base
    finally:
        server.stop()


LAB_USER_SETTINGS = {
    # No news / update toast (it would also try to reach the network).
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
    # Render every cell, even when off-screen, so outputs are always in the DOM.
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {
        "windowingMode": "none",
    },
}


def _jupyter_server(app: str, app_class: str, notebook_dir: Path, root: Path, extra: list[str]) -> Iterator[str]:
    """Start ``jupyter <app>`` (lab or notebook) rooted at ``notebook_dir``; yield its base URL."""
    settings = root / "user-settings"
    for rel, data in LAB_USER_SETTINGS.items():
        path = settings / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data))
    (root / "workspaces").mkdir()
    port = free_port()
    cmd = [
        _executable("jupyter"),
        app,
        "--no-browser",
        "--allow-root",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        "--ServerApp.token=",
        "--ServerApp.password=",
        "--ServerApp.disable_check_xsrf=True",
        f"--ServerApp.root_dir={notebook_dir}",
        *extra,
        f"--{app_class}.expose_app_in_browser=True",
        f"--{app_class}.user_settings_dir={settings}",
        f"--{app_class}.workspaces_dir={root / 'workspaces'}",
    ]
    server = ServerProcess(f"jupyter-{app}", cmd, notebook_dir, _jupyter_env(root), root / f"{app}.log")
    base = f"http://127.0.0.1:{port}/"
    try:
        server.wait_ready(base + "api/status", SERVER_START_TIMEOUT)
        yield base
    finally:
        server.stop()


@pytest.fixture(scope="session")
def lab_server(notebook_dir: Path, tmp_path_factory) -> Iterator[str]:
    """Base URL (ending in '/') of a JupyterLab server rooted at ``notebook_dir``."""
    yield from _jupyter_server(
        "lab",
        "LabApp",
        notebook_dir,
        tmp_path_factory.mktemp("lab-home"),
        [
            "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.handlers.announcements.NeverCheckForUpdate",
            "--LabApp.extension_manager=readonly",
        ],
    )


@pytest.fixture(scope="session")
def notebook_server(notebook_dir: Path, tmp_path_factory) -> Iterator[str]:
    """Base URL (ending in '/') of a Jupyter Notebook 7 server rooted at ``notebook_dir``.

    Notebooks open at ``<base>notebooks/<name>.ipynb``, the file browser at ``<base>tree``.
    Skips when the ``notebook`` package (7.x) is not installed.
    """
    try:
        import notebook
    except ImportError:
        pytest.skip("python package 'notebook' (Notebook 7) is not installed")
    if int(notebook.__version__.split(".")[0]) < 7:
        pytest.skip(f"Notebook {notebook.__version__} is installed, not Notebook 7")
    yield from _jupyter_server(
        "notebook", "JupyterNotebookApp", notebook_dir, tmp_path_factory.mktemp("notebook-home"), []
    )


# --------------------------------------------------------------------------- #
# Page helpers
# --------------------------------------------------------------------------- #


def open_voila_notebook(page, base_url: str, name: str, wait_for: str | None = None):
    """Open ``name`` in Voila and optionally wait for ``wait_for`` (a selector)."""
    if not name.endswith(".ipynb"):
        name += ".ipynb"
    page.goto(f"{base_url}voila/render/{name}", wait_until="domcontentloaded")
    if wait_for:
        page.locator(wait_for).first.wait_for(state="visible", timeout=WIDGET_TIMEOUT_MS)


# Ready = the notebook ``path`` is the current widget, its document is loaded
# and its kernel reports "idle".
_LAB_READY_JS = """
(path) => {
  const app = window.jupyterapp;
  const w = app && app.shell && app.shell.currentWidget;
  if (!w || !w.context || !w.sessionContext) return false;
  if (w.context.path !== path || !w.context.isReady) return false;
  const s = w.sessionContext.session;
  return !!(s && s.kernel && s.kernel.status === 'idle');
}
"""


def dismiss_lab_dialogs(page) -> None:
    """Handle modal dialogs that block a headless run.

    "Select Kernel" is accepted (keeps the proposed kernel); anything else
    (e.g. "Build Recommended") is dismissed.
    """
    dialogs = page.locator(".jp-Dialog")
    for _ in range(5):
        if dialogs.count() == 0:
            return
        dlg = dialogs.first
        title = (dlg.locator(".jp-Dialog-header").text_content() or "").lower()
        if "kernel" in title:
            button = dlg.locator("button.jp-mod-accept")
        else:
            button = dlg.locator("button.jp-mod-reject")
        if button.count() == 0:
            button = dlg.locator("button").last
        button.first.click()
        page.wait_for_timeout(200)


def _poll(page, check: Callable[[], bool], timeout_ms: int, what: str) -> None:
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        dismiss_lab_dialogs(page)
        if check():
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"JupyterLab: timed out waiting for {what}")
        page.wait_for_timeout(250)


def _lab_status_idle(page) -> bool:
    # Status bar item "Python 3 (ipykernel) | Idle" (used without jupyterapp).
    text = page.locator("#jp-main-statusbar .jp-StatusBar-TextItem", has_text="|").all_text_contents()
    return any(t.strip().endswith("Idle") for t in text)


def open_lab_notebook(
    page,
    base_url: str,
    name: str,
    wait_for: str | None = None,
    run_all: bool = True,
    use_menu: bool = False,
    url: str | None = None,
):
    """Open ``name`` in JupyterLab (or, with ``url``, another JupyterLab-based page such as
    Notebook 7's ``notebooks/<name>``), wait for an idle kernel, run all cells.

    With ``--LabApp.expose_app_in_browser=True`` (set by ``lab_server``) the
    app object ``window.jupyterapp`` is used to check readiness and to run the
    ``notebook:run-all-cells`` command; otherwise (or with ``use_menu``) the
    status bar and the Run menu are used. ``?reset`` starts from an empty
    workspace so tabs of earlier tests are not restored.
    ``wait_for`` is a selector waited for after running (e.g. the widget).
    """
    if not name.endswith(".ipynb"):
        name += ".ipynb"
    page.goto(url or f"{base_url}lab/tree/{name}?reset", wait_until="domcontentloaded")
    page.locator(".jp-Notebook").first.wait_for(state="attached", timeout=WIDGET_TIMEOUT_MS)
    has_app = not use_menu and page.evaluate("() => !!window.jupyterapp")
    if has_app:
        _poll(
            page, lambda: page.evaluate(_LAB_READY_JS, name), WIDGET_TIMEOUT_MS, f"{name} to open with an idle kernel"
        )
    else:
        _poll(page, lambda: _lab_status_idle(page), WIDGET_TIMEOUT_MS, "an idle kernel (status bar)")
    if run_all:
        if has_app:
            page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
        else:
            page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
            page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
        dismiss_lab_dialogs(page)
    if wait_for:
        page.locator(wait_for).first.wait_for(state="visible", timeout=WIDGET_TIMEOUT_MS)


def shutdown_lab_sessions(base_url: str, paths: Iterable[str]) -> None:
    """Delete the server sessions (and so the kernels) of notebooks ``paths``."""
    wanted = set(paths)
    try:
        with _http(base_url + "api/sessions") as resp:
            sessions = json.load(resp)
        for s in sessions:
            if s.get("path") in wanted:
                _http(f"{base_url}api/sessions/{s['id']}", method="DELETE").close()
    except (urllib.error.URLError, OSError, ValueError):
        pass  # the server is going away anyway; teardown kills what remains


@pytest.fixture
def voila_notebook(page, voila_server):
    """``voila_notebook("name", wait_for=selector)`` opens a notebook in Voila."""

    def _open(name: str, wait_for: str | None = None):
        open_voila_notebook(page, voila_server, name, wait_for)
        return page

    return _open


@pytest.fixture
def lab_notebook(page, lab_server):
    """``lab_notebook("name", wait_for=selector)`` opens and runs a notebook in Lab.

    Kernels started this way are shut down when the test ends.
    """
    opened: list[str] = []

    def _open(name: str, wait_for: str | None = None, run_all: bool = True, use_menu: bool = False):
        if not name.endswith(".ipynb"):
            name += ".ipynb"
        opened.append(name)
        open_lab_notebook(page, lab_server, name, wait_for, run_all, use_menu)
        return page

    yield _open
    shutdown_lab_sessions(lab_server, opened)


@pytest.fixture
def notebook7_notebook(page, notebook_server):
    """``notebook7_notebook("name", wait_for=selector)`` opens and runs a notebook in Notebook 7.

    Kernels started this way are shut down when the test ends.
    """
    opened: list[str] = []

    def _open(name: str, wait_for: str | None = None):
        if not name.endswith(".ipynb"):
            name += ".ipynb"
        opened.append(name)
        open_lab_notebook(page, notebook_server, name, wait_for, url=f"{notebook_server}notebooks/{name}")
        return page

    yield _open
    shutdown_lab_sessions(notebook_server, opened)


def stderr_outputs(page) -> list[str]:
    """Texts of stderr outputs (warnings, tracebacks) rendered in the page.

    Voila's lab template and JupyterLab both render stderr and error outputs
    as ``application/vnd.jupyter.stderr``.
    """
    return page.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]').all_text_contents()


@pytest.fixture
def cell_stderr(page):
    """``cell_stderr()`` -> texts of stderr/traceback outputs in the current page."""
    return lambda: stderr_outputs(page)
