"""Formulas typed to freeze the kernel: the message thread stays free, the next formula wins.

Each scenario runs in a subprocess with a time limit, so a regression fails the test
instead of hanging the test run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

NORMAL = "like ~ sex + PrivPub + (1 | school:class)"

# name -> formula text, built in the child (some are very long).
HOSTILE = {
    "power tower": "'like ~ I(9^9^9^9) + (1 | school)'",
    "22 crossed factors": "'like ~ ' + '*'.join(['sex'] * 22)",
    "16,000 terms": "'like ~ ' + ' + '.join(['sex'] * 16000)",
    "8,000 names in I()": "'like ~ I(' + '+'.join(['like'] * 8000) + ')'",
    "100,000 minus signs": "'like ~ ' + '-' * 100000 + 'sex'",
}

SCRIPT = """
import json, sys, time
import mixwidget
science = mixwidget.load_dataset("science")
w = mixwidget.MixWidget(science, formula="like ~ sex")
w.wait(120)
out = {{}}
hostile = {formula}
t0 = time.perf_counter()
w.formula = hostile  # what the comm thread does with a formula from the page
out["set_s"] = time.perf_counter() - t0
time.sleep(1.0)
t0 = time.perf_counter()
w.formula = {normal!r}
w.wait(60)
out["next_s"] = time.perf_counter() - t0
out["shown"] = w.fit.formula
out["status"] = w.status
w.formula = hostile  # and alone: it ends as a message or is still running, never a frozen kernel
try:
    w.wait(3)
    out["alone"] = "error" if w.error else "fitted"
    out["error"] = w.error
except TimeoutError:
    w.stop()
    w.wait(10)
    out["alone"] = "stopped"
    out["error"] = w.status["message"]
print("RESULT" + json.dumps(out))
"""


@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_hostile_formula_neither_freezes_the_kernel_nor_blocks_the_next_one(name):
    script = SCRIPT.format(formula=HOSTILE[name], normal=NORMAL)
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    try:
        proc = subprocess.run([sys.executable, "-c", textwrap.dedent(script)], capture_output=True, text=True,
                              timeout=240, env=env, cwd=ROOT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{name}: the kernel did not answer within 240 s")
    line = next((x for x in proc.stdout.splitlines() if x.startswith("RESULT")), None)
    assert line is not None, proc.stderr[-3000:]
    out = json.loads(line[len("RESULT"):])
    assert out["set_s"] < 0.5, out  # the message thread only queues the request
    assert out["shown"] == NORMAL and out["next_s"] < 20, out  # seconds on an idle machine: one restart
    assert out["status"]["state"] == "idle", out
    assert out["alone"] in ("error", "stopped", "fitted"), out
    assert out["alone"] == "fitted" or out["error"], out  # an error or a stop is said on the page
    print(name, out)
