"""The layout docs/development.md promises: no import cycles, the shared vocabulary at the
bottom, and the emulator's verdict and the policies' verdict independent of each other."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "gotham_inbox"

VOCABULARY = {"directory", "realms", "source_ids", "unknowns", "suggestions"}
"""The shared vocabulary's modules (docs/development.md, "The shared vocabulary")."""
BELOW_THE_VOCABULARY = {"models", "validation", "schema", "documents", "errors"}
"""``errors`` too: every room's bad input derives from its ``UserError`` (docs/development.md)."""


def _modules() -> dict[str, Path]:
    modules = {}
    # gotham_inbox/providers is a link (to providers/), which rglob does not follow.
    for path in [*PACKAGE.rglob("*.py"), *(PACKAGE / "providers").rglob("*.py")]:
        parts = ["gotham_inbox", *path.relative_to(PACKAGE).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def _imports() -> dict[str, set[str]]:
    """Each module's module-level imports of other gotham_inbox modules.

    ``from package import module`` counts as importing the module; a module importing its own
    package (whose ``__init__`` re-exports it) is how a curated ``__init__`` works, not a cycle.
    """
    modules = _modules()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                submodules = {f"{node.module}.{alias.name}" for alias in node.names}
                targets = (submodules & modules.keys()) or {node.module}
            elif isinstance(node, ast.Import):
                targets = {alias.name for alias in node.names}
            else:
                continue
            graph[name] |= {
                target
                for target in targets
                if target in modules and target != name and not name.startswith(f"{target}.")
            }
    return graph


def _room(module: str) -> str:
    return module.split(".")[1] if "." in module else module


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    done: set[str] = set()

    def visit(name: str, path: list[str]) -> list[str] | None:
        if name in path:
            return [*path[path.index(name) :], name]
        if name in done:
            return None
        for target in sorted(graph[name]):
            found = visit(target, [*path, name])
            if found:
                return found
        done.add(name)
        return None

    for name in sorted(graph):
        found = visit(name, [])
        if found:
            return found
    return None


def test_the_package_has_no_import_cycle() -> None:
    assert _cycle(_imports()) is None, " -> ".join(_cycle(_imports()) or [])


def test_the_emulator_and_the_policies_judge_independently() -> None:
    # The property tests compare the two verdicts; one importing the other would let a shared
    # mistake make both agree.
    crossing = [
        (module, target)
        for module, targets in _imports().items()
        for target in targets
        if {_room(module), _room(target)} == {"emulator", "policy"}
    ]
    assert crossing == []


def test_the_shared_vocabulary_imports_nothing_above_it() -> None:
    allowed = VOCABULARY | BELOW_THE_VOCABULARY
    upward = [
        (module, target)
        for module, targets in _imports().items()
        if _room(module) in VOCABULARY
        for target in targets
        if _room(target) not in allowed
    ]
    assert upward == []
