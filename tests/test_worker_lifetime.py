"""Fit workers end with their kernel: a Jupyter kernel restart (or a Voila page closed, which shuts its
kernel down) leaves no fit worker behind."""

from __future__ import annotations

import os
import time

import pytest

jupyter_client = pytest.importorskip("jupyter_client")

CODE = """
import mixwidget
w = mixwidget.explore(mixwidget.load_dataset("sleepstudy"), "Reaction ~ Days + (Days | Subject)")
w.wait()
print("PID", w._process.pid)
"""


def _run(client, code: str, timeout: float = 120) -> str:
    out = []
    msg_id = client.execute(code)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        msg = client.get_iopub_msg(timeout=timeout)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        kind, content = msg["msg_type"], msg["content"]
        if kind == "stream":
            out.append(content["text"])
        elif kind == "error":
            raise AssertionError("\n".join(content["traceback"]))
        elif kind == "status" and content["execution_state"] == "idle":
            return "".join(out)
    raise TimeoutError(code)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie has ended: it only waits to be reaped
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ")[-1][0] != "Z"
    except FileNotFoundError:
        return False


def _worker_pid(km) -> int:
    client = km.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=120)
        text = _run(client, CODE)
    finally:
        client.stop_channels()
    pid = int(text.split("PID")[-1].split()[0])
    assert _alive(pid)
    return pid


def _gone(pid: int, within: float = 30) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.2)
    return False


@pytest.mark.parametrize("how", ["restart", "shutdown"])
def test_the_fit_worker_ends_with_its_kernel(how):
    km = jupyter_client.KernelManager(kernel_name="python3")
    km.start_kernel()
    try:
        pid = _worker_pid(km)
        if how == "restart":  # JupyterLab's "Restart kernel"
            km.restart_kernel(now=True)
        else:  # a Voila page closed, or the notebook's kernel shut down
            km.shutdown_kernel(now=False)
        assert _gone(pid), f"fit worker {pid} outlived its kernel ({how})"
    finally:
        if km.is_alive():
            km.shutdown_kernel(now=True)
