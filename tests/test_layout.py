"""The package's layout: no import cycles (imports inside functions count) and fitting code apart from the widget.

The graph is read from the source with ``ast``, so an import hidden inside a function is an edge like any
other; only imports under ``if TYPE_CHECKING:`` (types, never run) are left out.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "mixwidget"

# The fit result's methods (fit.predict, fit.confint, fit.summary, ...) delegate to the modules that compute them:
# the one deliberate back-edge, allowed only from inside a MixedFit method.
RESULT_MODULE, RESULT_CLASS = "mixwidget.model.fit", "MixedFit"

# Subpackages that fit models: they never import the widget, the views, or the widget libraries.
FITTING = ("formula", "design", "engine", "model", "simulation", "jobs")
FORBIDDEN_FOR_FITTING = ("mixwidget.widget", "mixwidget.views", "traitlets", "anywidget", "ipywidgets", "altair")


def _module_name(path: Path) -> str:
    parts = ["mixwidget", *path.relative_to(PACKAGE).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST, scope: tuple[str, ...] = ()) -> Iterator[tuple[ast.AST, tuple[str, ...]]]:
    """Every import statement with the names of the classes and functions around it (TYPE_CHECKING left out)."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _is_type_checking(node):
            for other in node.orelse:
                yield from _imports(ast.Module(body=[other], type_ignores=[]), scope)
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node, scope
        inner = (*scope, node.name) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) else scope
        yield from _imports(node, inner)


def _targets(module: str, node: ast.AST, is_package: bool) -> list[str]:
    """The modules an import statement loads (the imported module itself when a name is a submodule)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    assert isinstance(node, ast.ImportFrom)
    if node.level:
        base = module.split(".") if is_package else module.split(".")[:-1]
        base = base[: len(base) - (node.level - 1)]
        source = ".".join(base + ([node.module] if node.module else []))
    else:
        source = node.module or ""
    found = [f"{source}.{alias.name}" for alias in node.names if f"{source}.{alias.name}" in MODULES]
    return found if len(found) == len(node.names) else [source, *found]


def import_edges() -> list[tuple[str, str, tuple[str, ...]]]:
    """(importer, imported, enclosing scope) for every import in the package, external ones included."""
    edges = []
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(), filename=str(path))
        for node, scope in _imports(tree):
            for target in _targets(module, node, path.name == "__init__.py"):
                edges.append((module, target, scope))
    return edges


def _allowed(module: str, target: str, scope: tuple[str, ...]) -> bool:
    return module == RESULT_MODULE and scope[:1] == (RESULT_CLASS,) and len(scope) == 2


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1 or v in graph.get(v, ()):
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def internal_graph(allow_result_methods: bool = True) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for module, target, scope in import_edges():
        if target in MODULES and target != module and not (allow_result_methods and _allowed(module, target, scope)):
            graph[module].add(target)
    return graph


def test_the_graph_sees_imports_inside_functions():
    # fit.summary() imports the summary module inside the method: a real edge, allowed by name only
    edges = {(m, t) for m, t, _ in import_edges()}
    assert ("mixwidget.model.fit", "mixwidget.model.summary") in edges
    assert "mixwidget.model.summary" not in internal_graph()["mixwidget.model.fit"]
    assert "mixwidget.model.summary" in internal_graph(allow_result_methods=False)["mixwidget.model.fit"]


def test_no_import_cycles():
    assert _cycles(internal_graph()) == []


def test_the_only_back_edges_are_the_result_methods():
    back = sorted({t for m, t, s in import_edges() if _allowed(m, t, s) and t in MODULES})
    assert back, "MixedFit's delegating methods were not found"
    # the model stage's modules, and the simulation stage's bootstrap (fit.confint(method="boot"))
    assert all(t.startswith("mixwidget.model.") or t == "mixwidget.simulation.bootstrap" for t in back), back


@pytest.mark.parametrize("subpackage", FITTING)
def test_fitting_code_never_imports_the_widget(subpackage):
    bad = sorted(
        {
            (m, t)
            for m, t, _ in import_edges()
            if m.startswith(f"mixwidget.{subpackage}.") or m == f"mixwidget.{subpackage}"
            if any(t == f or t.startswith(f + ".") for f in FORBIDDEN_FOR_FITTING)
        }
    )
    assert bad == []


# The pipeline's order; jobs/ (the process machinery) sits below it all and imports none of it.
LAYERS = ["jobs", "formula", "design", "engine", "model", "simulation", "views", "widget"]
def _layer(module: str) -> int | None:
    parts = module.split(".")
    return LAYERS.index(parts[1]) if len(parts) > 1 and parts[1] in LAYERS else None


def test_imports_point_down_the_pipeline():
    upward = sorted(
        {
            (m, t)
            for m, t, s in import_edges()
            if t in MODULES and not _allowed(m, t, s)
            if _layer(m) is not None and _layer(t) is not None and _layer(t) > _layer(m)
        }
    )
    assert upward == []


def test_jobs_knows_nothing_of_models():
    """The process machinery is generic: it runs functions by name and imports nothing of the pipeline."""
    bad = sorted(
        {(m, t) for m, t, _ in import_edges()
         if m.startswith("mixwidget.jobs") and t.startswith("mixwidget.") and not t.startswith("mixwidget.jobs")}
    )
    assert bad == []
