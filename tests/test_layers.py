"""The package keeps its one-way layering (docs/architecture.md): no package imports one of
its own layer or above, and no module imports itself back through others.

Every import counts, including those inside functions and under TYPE_CHECKING:
a lazy import is still a dependency a reader has to follow.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import devfiler

ROOT = Path(devfiler.__file__).parent

LAYERS: dict[str, int] = {
    "devfiler": 0,
    "model": 0,
    "identity": 1,
    "distinct": 1,
    "config": 1,
    "log_ring": 1,
    "retry": 1,
    "proto_schema": 1,
    "gc_paused": 1,
    "sizes": 1,
    "resources": 1,
    "storage": 2,
    "symbolize": 2,
    "collector": 3,
    "analysis": 3,
    "loadgen": 4,
    "export": 4,
    "services": 5,
    "ui": 6,
    "commands": 7,
    "cli": 8,
    "__main__": 9,
}
"""Rank of each top-level module or package: imports go only to a lower rank."""

REACH: dict[str, frozenset[str]] = {
    "ui": frozenset(
        {"devfiler", "model", "identity", "distinct", "config", "log_ring", "retry", "sizes"}
        | {"resources"}
        | {"analysis", "export", "services"}
    ),
}
"""The only layers some layers may import: the window reaches the store, symbols and
the collector through the services layer, never directly."""

ROOMS: dict[str, dict[str, int]] = {
    "symbolize": {"formats": 0, "store": 1, "sources": 2},
}
"""Rank of each sub-package inside a package: imports go to the same room or a lower one."""


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, name: str) -> set[str]:
    """devfiler modules `path` imports (relative imports resolved)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "devfiler")
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            if base.split(".")[0] != "devfiler":
                continue
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                found.add(candidate if _exists(candidate) else base)
    return found


def _exists(module: str) -> bool:
    relative = Path(*module.split(".")[1:])
    return (ROOT / relative).with_suffix(".py").is_file() or (ROOT / relative).is_dir()


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for path in sorted(ROOT.rglob("*.py")):
        name = _module_name(path)
        graph[name] |= {m for m in _imports(path, name) if m != name}
    return graph


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "devfiler"


def test_every_top_level_module_has_a_layer() -> None:
    unknown = {_layer(module) for module in _graph()} - LAYERS.keys()
    assert not unknown, f"give these a rank in LAYERS: {sorted(unknown)}"


def test_no_layer_imports_its_own_rank_or_above() -> None:
    wrong = sorted(
        f"{module} imports {target}"
        for module, targets in _graph().items()
        for target in targets
        if _layer(module) != _layer(target)
        and LAYERS.get(_layer(target), 99) >= LAYERS.get(_layer(module), -1)
    )
    assert not wrong, "\n".join(wrong)


def test_the_window_reaches_lower_layers_only_through_services() -> None:
    wrong = sorted(
        f"{module} imports {target}"
        for module, targets in _graph().items()
        for target in targets
        if _layer(module) in REACH
        and _layer(target) != _layer(module)
        and _layer(target) not in REACH[_layer(module)]
    )
    assert not wrong, "\n".join(wrong)


def _room(module: str) -> tuple[str, str] | None:
    parts = module.split(".")
    return (parts[1], parts[2]) if len(parts) > 2 and parts[1] in ROOMS else None


def test_every_room_has_a_rank() -> None:
    unknown = {
        room
        for module in _graph()
        if (room := _room(module)) is not None and room[1] not in ROOMS[room[0]]
    }
    assert not unknown, f"give these a rank in ROOMS: {sorted(unknown)}"


def test_no_room_imports_a_higher_one() -> None:
    wrong = sorted(
        f"{module} imports {target}"
        for module, targets in _graph().items()
        for target in targets
        if (here := _room(module)) is not None
        and (there := _room(target)) is not None
        and here[0] == there[0]
        and ROOMS[here[0]].get(there[1], 99) > ROOMS[here[0]].get(here[1], -1)
    )
    assert not wrong, "\n".join(wrong)


def test_no_module_imports_itself_back() -> None:
    graph = _graph()
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(module: str, trail: list[str]) -> None:
        state[module] = 1
        for target in sorted(graph.get(module, ())):
            if state.get(target) == 1:
                cycles.append([*trail[trail.index(target) :], target])
            elif target not in state:
                visit(target, [*trail, target])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert not cycles, "\n".join(" -> ".join(cycle) for cycle in cycles)
