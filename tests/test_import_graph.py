"""The shape of the package: imports point one way, the engine reads top to bottom, nothing is lazy without cause.

Every ``import`` of a dpviz module is read from the source (top-level and inside functions
alike; ``importlib.import_module`` of a literal module name counts as a lazy import; blocks
under ``if TYPE_CHECKING:`` never run and are left out).  Then:

* there is no cycle among dpviz modules;
* the engine core imports only modules listed above it in :data:`ENGINE` (its reading order);
* layers point one way: engine ← pictures and analysis ← widgets ← course code, and the
  torch/GNN part (``dpviz.gnn``, ``dpviz.data``) needs nothing of the engine;
* no module imports the ``dpviz`` package itself (the facade that users import), so the
  facade can expose anything without a cycle;
* an import inside a function is allowed only when the module it imports pulls in an
  optional heavy dependency (torch, plotly, ipywidgets, ...): that is the one reason to be
  lazy, and everything else is imported at the top, where a reader looks for it.
"""
from __future__ import annotations

import ast
import fnmatch
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parent.parent / "dpviz"

#: Third-party packages heavy enough that importing them must wait until they are used.
HEAVY = {"torch", "torch_geometric", "plotly", "ipywidgets", "anywidget", "IPython", "jupyterlab", "notebook"}

#: The engine core in reading order: each module imports only modules above it.
ENGINE = ["dpviz.errors", "dpviz.files", "dpviz.extras", "dpviz.settings", "dpviz.context", "dpviz.node", "dpviz.guards", "dpviz.varnames", "dpviz.record", "dpviz.primitives",
          "dpviz.composites", "dpviz.interop", "dpviz.inplace", "dpviz.reverse", "dpviz.tensors", "dpviz.steps", "dpviz.program",
          "dpviz.functional", "dpviz.nn", "dpviz.optim"]

#: Layers, lowest first; a module may import its own layer and the ones below.
LAYERS = {
    "engine": ENGINE,
    "pictures and analysis": ["dpviz.pictures", "dpviz.pictures.*", "dpviz.analysis", "dpviz.gradchecker",
                              "dpviz.plotstyle"],
    "widgets": ["dpviz.widgets", "dpviz.widgets.*"],
    "course": ["dpviz.lessons", "dpviz.lessons.*", "dpviz.apps", "dpviz.apps.*", "dpviz.exercises",
               "dpviz.exercises.*", "dpviz.gnn", "dpviz.gnn.*", "dpviz.data", "dpviz.data.*", "dpviz.figure",
               "dpviz.binder", "dpviz.doctor", "dpviz.site", "dpviz.site.*", "dpviz.__main__"],
}

#: What the torch/GNN part may use of the rest of dpviz.
#: (``dpviz.plotstyle``: the course's plotly look, which imports nothing of dpviz.)
TORCH_PART, TORCH_PART_MAY_USE = ("dpviz.gnn", "dpviz.data"), {"dpviz.errors", "dpviz.extras", "dpviz.settings",
                                                               "dpviz.plotstyle"}


@dataclass(frozen=True)
class Import:
    source: str
    target: str          # a dpviz module, or the top-level name of a third-party package
    lazy: bool           # inside a function (or through importlib)
    line: int


def _modules() -> dict[str, Path]:
    mods = {}
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        mods[name] = path
    return mods


MODULES = _modules()


def _resolve(name: str) -> str:
    while name not in MODULES and "." in name:
        name = name.rpartition(".")[0]
    return name


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(name: str) -> list[Import]:
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    package = name if MODULES[name].name == "__init__.py" else name.rpartition(".")[0]
    found: list[Import] = []
    uses_importlib = False

    def visit(node: ast.AST, lazy: bool) -> None:
        nonlocal uses_importlib
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child, lazy)
            return
        if isinstance(node, ast.Import):
            for alias in node.names:
                uses_importlib |= alias.name == "importlib"
                top = alias.name.split(".")[0]
                target = _resolve(alias.name) if top == "dpviz" else top
                found.append(Import(name, target, lazy, node.lineno))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            if base.split(".")[0] != "dpviz":
                found.append(Import(name, base.split(".")[0], lazy, node.lineno))
            else:
                for alias in node.names:
                    full = f"{base}.{alias.name}"
                    found.append(Import(name, full if full in MODULES else _resolve(base), lazy, node.lineno))
        inner = lazy or isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        for child in ast.iter_child_nodes(node):
            visit(child, inner)

    visit(tree, False)
    if uses_importlib:   # importlib.import_module("dpviz.x") with the name written out
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in MODULES:
                found.append(Import(name, node.value, True, node.lineno))
    return [imp for imp in found if imp.target != name]


IMPORTS = [imp for name in sorted(MODULES) for imp in _imports(name)]
INTERNAL = [imp for imp in IMPORTS if imp.target.split(".")[0] == "dpviz"]


def _layer(name: str) -> int:
    for rank, patterns in enumerate(LAYERS.values()):
        if any(fnmatch.fnmatchcase(name, p) for p in patterns):
            return rank
    raise AssertionError(f"{name} belongs to no layer: add it to LAYERS in {__file__}")


def _heavy() -> set[str]:
    """The dpviz modules whose import (with their packages' __init__) pulls in a heavy dependency."""
    graph = nx.DiGraph()
    for name in MODULES:
        graph.add_node(name)
        parent = name.rpartition(".")[0]
        if parent and parent != "dpviz":   # importing a module runs its package's __init__ first
            graph.add_edge(name, parent)
    heavy_roots = set()
    for imp in IMPORTS:
        if imp.lazy:
            continue
        if imp.target in HEAVY:
            heavy_roots.add(imp.source)
        elif imp.target in MODULES and imp.target != "dpviz":
            graph.add_edge(imp.source, imp.target)
    return {name for name in MODULES if heavy_roots & ({name} | nx.descendants(graph, name))}


def test_every_module_has_a_layer():
    for name in MODULES:
        if name != "dpviz":
            _layer(name)


def test_no_import_cycles():
    graph = nx.DiGraph((imp.source, imp.target) for imp in INTERNAL)
    cycles = [sorted(c) for c in nx.strongly_connected_components(graph) if len(c) > 1]
    assert not cycles, f"import cycles among dpviz modules: {cycles}"


def test_no_module_imports_the_facade():
    offenders = [f"{imp.source}:{imp.line}" for imp in INTERNAL if imp.target == "dpviz"]
    assert not offenders, f"import the module that defines what you need, not `dpviz` itself: {offenders}"


def test_the_engine_reads_top_to_bottom():
    rank = {name: k for k, name in enumerate(ENGINE)}
    wrong = [f"{imp.source}:{imp.line} imports {imp.target}" for imp in INTERNAL
             if imp.source in rank and imp.target != "dpviz" and rank.get(imp.target, len(ENGINE)) >= rank[imp.source]]
    assert not wrong, f"engine modules must import only modules above them in ENGINE: {wrong}"


def test_layers_point_one_way():
    wrong = [f"{imp.source}:{imp.line} imports {imp.target}" for imp in INTERNAL
             if imp.source != "dpviz" and imp.target != "dpviz" and _layer(imp.target) > _layer(imp.source)]
    assert not wrong, f"imports pointing up the layers {list(LAYERS)}: {wrong}"


def test_the_torch_part_does_not_need_the_engine():
    inside = lambda name: any(name == p or name.startswith(p + ".") for p in TORCH_PART)  # noqa: E731
    wrong = [f"{imp.source}:{imp.line} imports {imp.target}" for imp in INTERNAL
             if inside(imp.source) and not inside(imp.target) and imp.target not in TORCH_PART_MAY_USE]
    assert not wrong, wrong


def test_imports_inside_functions_only_defer_heavy_dependencies():
    heavy = _heavy()
    wrong = [f"{imp.source}:{imp.line} imports {imp.target} inside a function" for imp in INTERNAL
             if imp.lazy and imp.source != "dpviz" and imp.target not in heavy]
    assert not wrong, ("these modules are light (no torch, plotly, ipywidgets behind them): import them at the "
                       f"top of the module: {wrong}")


def test_the_facade_loads_only_the_light_part_at_import():
    heavy = _heavy()
    eager = [imp.target for imp in INTERNAL if imp.source == "dpviz" and not imp.lazy]
    assert eager and not (set(eager) & heavy), sorted(set(eager) & heavy)


@pytest.mark.parametrize("name", ["dpviz.tensors", "dpviz.pictures.model", "dpviz.widgets.timeline"])
def test_the_scanner_sees_imports(name):
    # a guard for the tests above: the scanner finds the imports these modules are known to have
    assert any(imp.source == name for imp in INTERNAL)
