"""The documentation site builds with warnings as errors, and the README's links lead somewhere.

scripts/test.sh builds the site too; this test tells whoever runs the suite that a docstring the
numpy parser cannot read, or a page link that leads nowhere, breaks the site.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DOCS_TOOLS = ("mkdocs", "material", "mkdocstrings", "mkdocstrings_handlers.python", "latex2mathml")


def _missing_tools() -> list[str]:
    missing = []
    for name in DOCS_TOOLS:
        try:
            found = importlib.util.find_spec(name) is not None
        except ModuleNotFoundError:
            found = False
        if not found:
            missing.append(name)
    return missing


@pytest.mark.skipif(bool(_missing_tools()), reason="the docs tools are not installed (pip install -e '.[docs]')")
def test_site_builds_strict(tmp_path: Path) -> None:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}  # not --quiet: it hides the warnings --strict counts
    run = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    lessons = sorted(p.stem for p in (REPO / "notebooks").glob("*.ipynb"))
    for name in lessons:
        assert (tmp_path / "site" / "lessons" / name / "index.html").exists(), name
    api = (tmp_path / "site" / "api" / "index.html").read_text(encoding="utf-8")
    assert 'id="mixwidget.model.fit.fit"' in api and 'id="mixwidget.widget.explorer.MixWidget"' in api


def test_readme_links_exist() -> None:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)\s]+)\)", text)
    local = [t.split("#")[0] for t in targets if not re.match(r"[a-z]+:", t) and not t.startswith("#")]
    missing = [t for t in local if t and not (REPO / t).exists()]
    assert not missing, f"README links to files that are not in the repository: {missing}"
