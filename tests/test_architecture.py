"""The import rule of docs/ARCHITECTURE.md, checked on the source by static analysis.

Layers, lowest first: a module may import its own layer and the layers below it, never one
above; components (the prefixes below) import each other without cycles; no module imports
inside a function or under ``if TYPE_CHECKING`` (no lazy-import workarounds); the model's
import closure holds no drawing code. The checker itself is tested on a synthetic tree, so a
violation is known to fail.
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("mechanisms", "agents", "sim", "experiments", "classroom")

#: Components by layer, lowest first (a component is a module-name prefix).
LAYERS: tuple[tuple[str, ...], ...] = (
    ("mechanisms",),
    ("agents",),
    ("sim.network", "sim.records", "sim.settings"),
    ("sim.state", "sim.community", "sim.results"),
    ("sim.phases",),
    ("sim.config",),
    ("sim.market",),
    ("sim.model", "sim"),
    ("sim.figures",),
    ("sim.cli", "sim.run", "sim.__main__"),
    ("experiments",),
    ("classroom",),
)
DRAWING = ("matplotlib", "sim.figures", "solara", "classroom")


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def source_modules(root: Path, packages: tuple[str, ...] = PACKAGES) -> dict[str, Path]:
    """Every module of the project's packages: name -> file."""
    out = {}
    for pkg in packages:
        for path in sorted((root / pkg).rglob("*.py")) if (root / pkg).is_dir() else []:
            out[module_name(path, root)] = path
    return out


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports_of(path: Path) -> tuple[list[str], list[str]]:
    """``(imported module names, lazy imports)`` of one file.

    A ``from a.b import c`` counts as importing ``a.b.c`` when that is a module, else
    ``a.b`` (resolved by the caller against the known modules). Lazy imports are those
    inside a function or class body or under ``if TYPE_CHECKING``.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[str] = []
    lazy: list[str] = []

    def visit(node: ast.AST, nested: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = nested or isinstance(
                child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
            )
            if isinstance(child, ast.If) and _is_type_checking(child):
                inner = True
            if isinstance(child, ast.Import):
                names = [a.name for a in child.names]
            elif isinstance(child, ast.ImportFrom) and child.module and child.level == 0:
                names = [f"{child.module}.{a.name}" for a in child.names] + [child.module]
            else:
                visit(child, inner)
                continue
            found.extend(names)
            if nested or inner:
                lazy.append(f"{path.name}:{child.lineno}")

    visit(tree, False)
    return found, lazy


def import_graph(root: Path, packages: tuple[str, ...] = PACKAGES) -> tuple[nx.DiGraph, list]:
    """Module import graph of the project (edges only between project modules)."""
    modules = source_modules(root, packages)
    graph = nx.DiGraph()
    graph.add_nodes_from(modules)
    lazy_all = []
    for name, path in modules.items():
        names, lazy = imports_of(path)
        lazy_all += lazy
        for target in names:
            if target in modules and target != name:
                graph.add_edge(name, target)
    # ``from a.b import c`` added both a.b.c and a.b: keep a.b only when c is not a module.
    for name in list(graph):
        targets = set(graph.successors(name))
        for t in targets:
            if any(other.startswith(t + ".") for other in targets):
                graph.remove_edge(name, t)
    return graph, lazy_all


def component(module: str) -> str:
    """The longest layer prefix that ``module`` falls under."""
    best = ""
    for layer in LAYERS:
        for prefix in layer:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > len(best):
                best = prefix
    if not best:
        raise AssertionError(f"{module} is in no layer: add it to LAYERS and ARCHITECTURE.md")
    return best


def layer_of(module: str) -> int:
    comp = component(module)
    return next(i for i, layer in enumerate(LAYERS) if comp in layer)


def violations(graph: nx.DiGraph) -> list[str]:
    """Imports that point to a higher layer."""
    return [f"{a} -> {b}" for a, b in graph.edges if layer_of(b) > layer_of(a)]


def component_cycles(graph: nx.DiGraph) -> list[list[str]]:
    """Cycles between components (module cycles show up here too)."""
    comp = nx.DiGraph()
    for a, b in graph.edges:
        ca, cb = component(a), component(b)
        if ca != cb:
            comp.add_edge(ca, cb)
    return list(nx.simple_cycles(comp))


@pytest.fixture(scope="module")
def project():
    return import_graph(ROOT)


def test_no_import_points_up_a_layer(project):
    graph, _ = project
    assert violations(graph) == []


def test_no_import_cycles_between_modules_or_components(project):
    graph, _ = project
    assert list(nx.simple_cycles(graph)) == []
    assert component_cycles(graph) == []


def test_no_lazy_imports(project):
    _, lazy = project
    assert lazy == []


def test_mechanisms_import_nothing_of_the_project_but_themselves(project):
    graph, _ = project
    out = {b for a, b in graph.edges if a.startswith("mechanisms")}
    assert all(b.startswith("mechanisms") for b in out), out


def test_agents_import_only_agents_and_mechanisms(project):
    graph, _ = project
    out = {b for a, b in graph.edges if a.startswith("agents")}
    assert all(b.split(".")[0] in ("agents", "mechanisms") for b in out), out


def test_the_model_never_reaches_drawing_code():
    modules = source_modules(ROOT)
    closure, todo = set(), ["sim.model"]
    while todo:
        name = todo.pop()
        if name in closure or name not in modules:
            continue
        closure.add(name)
        names, _ = imports_of(modules[name])
        for target in names:
            assert not target.startswith(DRAWING), f"{name} imports {target}"
            todo.append(target)
    assert "sim.phases.trade" in closure  # the closure was really followed


def test_every_package_is_installed():
    """``pip install`` ships every top-level package of the source tree."""
    include = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "packages"
    ]["find"]["include"]
    for pkg in PACKAGES:
        if (ROOT / pkg / "__init__.py").exists():
            assert f"{pkg}*" in include, pkg


def test_mechanism_tests_build_no_model():
    """Mechanisms are tested on plain arrays: their tests import no ``sim`` module."""
    for path in sorted((ROOT / "tests" / "mechanisms").glob("*.py")):
        names, _ = imports_of(path)
        assert not [n for n in names if n == "sim" or n.startswith("sim.")], path.name


def test_the_checker_catches_cycles_upward_and_lazy_imports(tmp_path):
    (tmp_path / "mechanisms").mkdir()
    (tmp_path / "agents").mkdir()
    (tmp_path / "mechanisms" / "__init__.py").write_text("")
    (tmp_path / "agents" / "__init__.py").write_text("")
    (tmp_path / "mechanisms" / "a.py").write_text("import agents.b\n")
    (tmp_path / "agents" / "b.py").write_text(
        "from mechanisms import a\n\ndef f():\n    import mechanisms.a\n"
    )
    graph, lazy = import_graph(tmp_path, ("mechanisms", "agents"))
    assert violations(graph) == ["mechanisms.a -> agents.b"]
    assert component_cycles(graph) != []
    assert lazy == ["b.py:4"]
