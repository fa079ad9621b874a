"""The package's folders show the flow: no import cycle between its parts, scanners that know no rule kind."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "nolegacyruns"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _imports(name: str, path: Path) -> set[str]:
    """Every module of the package that this module imports, at any depth (lazy and TYPE_CHECKING imports too)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # `from pkg import sub` imports the module pkg.sub when there is one.
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names]
        else:
            continue
        found.update(target for target in targets if target in MODULES)
    return found


def _part(module: str) -> str:
    """The part a module belongs to: a top-level module, or a sub-package with everything below it."""
    return ".".join(module.split(".")[:2])


def _part_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for name, path in MODULES.items():
        edges = graph.setdefault(_part(name), set())
        edges.update(_part(target) for target in _imports(name, path) if _part(target) != _part(name))
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph, as the path that closes it, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state and (found := visit(target)) is not None:
                return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)) is not None:
            return found
    return None


def test_the_import_graph_is_read() -> None:
    graph = _part_graph()
    assert {"nolegacyruns.config", "nolegacyruns.rules", "nolegacyruns.scan", "nolegacyruns.scope"} <= set(graph)
    assert "nolegacyruns.rules" in graph["nolegacyruns.scan"]
    assert "nolegacyruns.report" in graph["nolegacyruns.api"]


def test_no_import_cycle_between_the_parts_of_the_package() -> None:
    assert _cycle(_part_graph()) is None, " -> ".join(_cycle(_part_graph()) or [])


@pytest.mark.parametrize(
    ("graph", "cycle"),
    [
        pytest.param({"a": {"b"}, "b": {"c"}, "c": set()}, None, id="chain"),
        pytest.param({"a": {"b"}, "b": {"c"}, "c": {"a"}}, ["a", "b", "c", "a"], id="three"),
        pytest.param({"a": {"b"}, "b": {"b2"}, "b2": {"b"}}, ["b", "b2", "b"], id="below-the-start"),
    ],
)
def test_the_cycle_finder_finds_cycles(graph: dict[str, set[str]], cycle: list[str] | None) -> None:
    assert _cycle(graph) == cycle


def test_scanners_know_no_rule_kind() -> None:
    """Scanners read text; what a structural rule looks for lives in rules/ and the analyzers."""
    for name, path in MODULES.items():
        if name.startswith("nolegacyruns.scan.scanners"):
            imported = _imports(name, path)
            assert not {m for m in imported if m.startswith("nolegacyruns.scan.analyzers")}, name
            assert not {
                m for m in imported if m.startswith("nolegacyruns.rules.") and m != "nolegacyruns.rules.roles"
            }, name


def test_every_scanner_is_a_typed_function_of_path_and_text() -> None:
    import inspect

    from nolegacyruns.filekinds import FILE_KINDS
    from nolegacyruns.scan.scanners import FOCUSED, SCANNERS, focused_scanner_for, scanner_for

    assert set(SCANNERS) < FILE_KINDS
    assert set(FOCUSED) <= set(SCANNERS)
    for file_kind in sorted(FILE_KINDS):
        scanner = scanner_for(file_kind)
        assert list(inspect.signature(scanner).parameters) == ["path", "text"], file_kind
        text = 'x = "inventory_sync_runs"\n'
        assert scanner("a", text) == scanner("a", text), file_kind
    for file_kind in sorted(FOCUSED):
        focused = focused_scanner_for(file_kind)
        assert focused is not None
        assert list(inspect.signature(focused).parameters) == ["path", "text", "focus"], file_kind
