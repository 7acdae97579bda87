"""The package's layers: every module imports only from its own layer or below, with no import cycles.

Layers, lowest first: errors → io → core → render → cli; the package itself (``speculation/__init__.py``, the
public API) and ``__main__`` sit on top. Imports are read with ``ast``, nothing is imported.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "speculation"
LAYERS = {"speculation.errors": 0, "speculation.io": 1, "speculation.core": 2, "speculation.render": 3,
          "speculation.cli": 4, "speculation.__main__": 5, "speculation": 5}
LAYER_NAMES = {0: "errors", 1: "io", 2: "core", 3: "render", 4: "cli", 5: "the package's public API"}
# Heavy imports allowed inside functions (for import speed; render draws with matplotlib only on demand).
LAZY_OK = {"matplotlib"}


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def _layer(module: str) -> int:
    for prefix in sorted(LAYERS, key=len, reverse=True):
        if module == prefix or module.startswith(prefix + "."):
            return LAYERS[prefix]
    raise AssertionError(f"{module} is in no layer; put it under io/, core/, render/ or cli/")


def _is_package(module: str) -> bool:
    return MODULES[module].name == "__init__.py"


def _imports(module: str) -> list[tuple[str, int, bool]]:
    """(imported module, line, outside any function) for every import of ``module``, relative ones made absolute."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    in_functions = {id(inner) for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
                    for inner in ast.walk(node)}
    base = module if _is_package(module) else module.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parent = base.split(".")
                parent = parent[:len(parent) - node.level + 1]
                origin = ".".join(parent + ([node.module] if node.module else []))
            else:
                origin = node.module or ""
            # `from . import charts` imports the module speculation.render.charts, not a name of the package
            names = [f"{origin}.{a.name}" if f"{origin}.{a.name}" in MODULES else origin for a in node.names]
        else:
            continue
        found += [(name, node.lineno, id(node) not in in_functions) for name in names]
    return found


def test_every_module_is_in_a_layer_and_says_its_job():
    for module, path in MODULES.items():
        _layer(module)
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
        assert doc and doc.strip(), f"{path}: opens with no docstring saying its job"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_go_only_downward(module):
    here = _layer(module)
    for name, line, _ in _imports(module):
        if name.split(".")[0] != "speculation":
            continue
        target = name if name in MODULES else name.rpartition(".")[0]
        assert target in MODULES, f"{MODULES[module]}:{line}: imports unknown module {name}"
        there = _layer(target)
        assert there <= here, (f"{MODULES[module]}:{line}: {module} ({LAYER_NAMES[here]}) imports {target} "
                               f"({LAYER_NAMES[there]}), a higher layer")


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_imports_hidden_in_functions(module):
    hidden = [(name, line) for name, line, top in _imports(module) if not top and name.split(".")[0] not in LAZY_OK]
    assert not hidden, f"{MODULES[module]}: imports inside functions (only {sorted(LAZY_OK)} may be): {hidden}"


def test_no_import_cycles():
    graph = {}
    for module in MODULES:
        edges = set()
        for name, _, _ in _imports(module):
            target = name if name in MODULES else name.rpartition(".")[0]
            if target in MODULES and target != module:
                edges.add(target)
        graph[module] = edges
    state: dict[str, int] = {}   # 1 = on the current path, 2 = done
    path: list[str] = []

    def visit(node):
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycle = path[path.index(nxt):] + [nxt]
                pytest.fail("import cycle: " + " → ".join(cycle))
            if nxt not in state:
                visit(nxt)
        path.pop()
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module)


def test_no_function_longer_than_sixty_lines():
    """Short functions: a longer one must be split (the house style; docs/architecture.md)."""
    long = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                if length > 60:
                    long.append(f"{path.relative_to(PACKAGE)}:{node.name} ({length} lines)")
    assert long == []
