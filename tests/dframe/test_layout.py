"""The package layout shows the architecture: imports run one way.

namespace (``dframe/__init__``, ``tools``) → façade (``core``) → operation families (``groupby``,
``merge``, ``sort``, ``reshape``, ``window``, ``numpy``) → engine (``plan``, ``optimize``, ``execution``,
``algebra``, ``io``, ``fallback``, ``config``) → ``runtime``'s public API.

The graph is read from the source with ``ast`` — every import statement, including those inside
functions (only ``if TYPE_CHECKING:`` blocks are skipped) — so an import hidden in a function
cannot close a circle unnoticed.
"""

from __future__ import annotations

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2] / "dframe"
FAMILIES = ("groupby", "merge", "sort", "reshape", "window", "numpy")
ENGINE = ("config", "plan", "optimize", "execution", "algebra", "io", "fallback")


def _modules() -> dict[str, pathlib.Path]:
    mods = {}
    for path in ROOT.rglob("*.py"):
        parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        mods[".".join(parts)] = path
    return mods


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    found = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def import_graph() -> dict[str, set[str]]:
    """module -> the dframe modules its import statements load (packages' ``__init__`` too,
    except the root namespace's, which every module loads implicitly)."""
    mods = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in mods.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets: set[str] = set()
        for node in _imports(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                targets.update(a.name for a in node.names)
                continue
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                targets.add(sub if sub in mods else base)
        edges = set()
        for target in targets:
            if target not in mods:
                continue
            edges.add(target)
            parts = target.split(".")
            edges.update(".".join(parts[:i]) for i in range(2, len(parts)))  # parent packages
        edges.discard(name)
        graph[name] = {e for e in edges if not name.startswith(e + ".")}
    return graph


def layer(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1 or parts[1] == "tools":
        return "namespace"
    if parts[1] == "core":
        return "facade"
    if parts[1] in FAMILIES:
        return "family"
    if parts[1] in ENGINE:
        return "engine"
    raise AssertionError(f"{module} is in no layer: add its package to test_layout.py")


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle as a list ``[a, b, ..., a]``, or None.

    >>> find_cycle({"a": {"b"}, "b": {"a"}})
    ['a', 'b', 'a']
    """
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_find_cycle_names_the_circle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_module_graph_is_acyclic():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


# What each layer may import (besides itself and the layers below it in this table).
ALLOWED = {
    "engine": {"engine"},
    "family": {"engine", "family"},
    "facade": {"engine", "family", "facade"},
    "namespace": {"engine", "family", "facade", "namespace"},
}


@pytest.mark.parametrize("kind", sorted(ALLOWED))
def test_imports_run_one_way(kind):
    wrong = [
        f"{module} -> {target}"
        for module, targets in sorted(import_graph().items())
        if layer(module) == kind
        for target in sorted(targets)
        if layer(target) not in ALLOWED[kind]
    ]
    assert not wrong, f"{kind} modules import from above their layer:\n" + "\n".join(wrong)


def test_facade_does_not_import_families():
    """Family methods (``DataFrame.groupby``, ``merge``, ``sort_values`` ...) are attached by the
    family (``plan.wrap.attach``), so the façade needs no family import."""
    wrong = [
        f"{m} -> {t}"
        for m, ts in sorted(import_graph().items())
        if layer(m) == "facade"
        for t in sorted(ts)
        if layer(t) == "family"
    ]
    assert not wrong, "\n".join(wrong)


def test_top_level_holds_only_the_namespace_config_and_packages():
    files = sorted(p.name for p in ROOT.glob("*.py"))
    assert files == ["__init__.py", "config.py"]


def test_modules_stay_small():
    big = {
        str(p.relative_to(ROOT)): n
        for p in ROOT.rglob("*.py")
        if (n := len(p.read_text().splitlines())) > 600
    }
    assert not big, f"modules over ~600 lines, split them by concern: {big}"
