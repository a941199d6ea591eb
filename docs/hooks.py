"""MkDocs hook: the lessons in notebooks/ as pages of the site, rendered without running them.

Each notebook becomes ``lessons/<name>.md``: its Markdown cells as they are, its code cells as Python
blocks (the notebooks are stored without outputs; run them in Jupyter to see the explorer). Nothing
is executed, so the site builds in seconds and needs no kernel. TeX between ``$`` or ``$$`` becomes
MathML (latex2mathml), which browsers draw themselves: no MathJax, nothing fetched.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from latex2mathml.converter import convert as mathml
from mkdocs.structure.files import File, Files

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


MATH = re.compile(r"\$\$(.+?)\$\$|\$([^$\n]+?)\$", re.S)
CODE = re.compile(r"(`+)(?:.+?)\1", re.S)  # inline code and fences: no math inside


def with_mathml(text: str) -> str:
    """``text`` with its TeX math (``$...$`` inline, ``$$...$$`` display) as MathML."""

    def math(m: re.Match) -> str:
        if m.group(1) is not None:
            return "\n\n" + mathml(m.group(1).strip(), display="block") + "\n\n"
        return f'<span class="math">{mathml(m.group(2).strip())}</span>'  # a span: stays in its paragraph

    out, last = [], 0
    for code in CODE.finditer(text):
        out += [MATH.sub(math, text[last:code.start()]), code.group(0)]
        last = code.end()
    return "".join(out + [MATH.sub(math, text[last:])])


def notebook_markdown(path: Path) -> str:
    """The notebook at ``path`` as one Markdown page."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    parts = []
    for cell in nb["cells"]:
        text = "".join(cell["source"]).rstrip()
        if not text:
            continue
        if cell["cell_type"] == "markdown":
            parts.append(with_mathml(text))
        elif cell["cell_type"] == "code":
            parts.append(f"```python\n{text}\n```")
    note = (
        f'!!! note "Run this lesson"\n    This page is `notebooks/{path.name}` without its outputs. Open it in '
        f"JupyterLab to run it and use the explorer (`bash scripts/demo.sh` opens the first lesson)."
    )
    head, _, rest = "\n\n".join(parts).partition("\n\n")
    return f"{head}\n\n{note}\n\n{rest}\n"


def on_config(config):
    """The nav's "Lessons" section lists every notebook, so a new lesson needs no edit here."""
    lessons = [f"lessons/{path.stem}.md" for path in sorted(NOTEBOOKS.glob("*.ipynb"))]
    for entry in config.nav or []:
        if isinstance(entry, dict) and "Lessons" in entry:
            entry["Lessons"] = lessons
    return config


def on_files(files: Files, config) -> Files:
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        files.append(File.generated(config, f"lessons/{path.stem}.md", content=notebook_markdown(path)))
    return files
