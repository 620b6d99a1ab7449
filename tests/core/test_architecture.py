"""The package's import structure: no private names across modules, no import circles.

Both scan the source with :mod:`ast` (no import runs), so they see every module, also those no
test imports. A name is private when it starts with one underscore (dunders are not); a module
of its own package (``eventstudy._io``) may be imported, but not a ``_name`` from inside another
module.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "eventstudy"


def modules() -> dict[str, Path]:
    """Dotted module name -> file, for every module of the package."""
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def resolve(module: str, is_package: bool, level: int, target: str | None) -> str:
    """Absolute module name of ``from <level dots><target> import ...`` inside ``module``."""
    if level == 0:
        return target or ""
    base = module.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join(base + ([target] if target else []))


def private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def imports(module: str, path: Path, top_level_only: bool) -> list[tuple[str, list[str], int]]:
    """``(imported module, names, line)`` of each ``import`` / ``from ... import`` statement.

    Imports under ``if TYPE_CHECKING:`` never run and are skipped; with ``top_level_only``,
    so are imports inside functions and classes (run when called, not at import time).
    """
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_package = path.name == "__init__.py"
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(n) for stmt in node.body for n in ast.walk(stmt))
        if top_level_only and isinstance(
            node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
        ):
            skipped.update(id(n) for n in ast.walk(node))
    found = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.ImportFrom):
            target = resolve(module, is_package, node.level, node.module)
            found.append((target, [a.name for a in node.names], node.lineno))
        elif isinstance(node, ast.Import):
            found.extend((a.name, [], node.lineno) for a in node.names)
    return sorted(found, key=lambda f: f[2])


def private_imports() -> list[str]:
    """Every ``from .x import _y`` and ``x._y`` across modules of the package."""
    mods = modules()
    offences = []
    for module, path in mods.items():
        for target, names, line in imports(module, path, top_level_only=False):
            if not target.startswith("eventstudy") or target == module:
                continue
            for name in names:
                if private(name) and f"{target}.{name}" not in mods:
                    offences.append(f"{path.name}:{line} imports {name} from {target}")
        # attribute access: ``kernels._x`` / ``engine._y`` on an imported module
        tree = ast.parse(path.read_text(encoding="utf-8"))
        aliases = {
            a.asname or a.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom)
            and resolve(module, path.name == "__init__.py", node.level, node.module).startswith(
                "eventstudy"
            )
            for a in node.names
            if f"{resolve(module, path.name == '__init__.py', node.level, node.module)}.{a.name}"
            in mods
        }
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in aliases
                and private(node.attr)
            ):
                offences.append(f"{path.name}:{node.lineno} reads {node.value.id}.{node.attr}")
    return offences


def test_no_module_imports_a_private_name_of_another_module() -> None:
    assert private_imports() == []


def graph(top_level_only: bool) -> dict[str, set[str]]:
    """Module -> the package modules it imports (type-checking imports left out)."""
    mods = modules()
    edges: dict[str, set[str]] = {m: set() for m in mods}
    for module, path in mods.items():
        for target, names, _ in imports(module, path, top_level_only=top_level_only):
            # ``from . import x`` imports the submodule x; ``from .a import b`` imports a
            for c in [f"{target}.{n}" for n in names] + [target]:
                if c in mods and c != module:
                    edges[module].add(c)
                    break
    # a submodule importing its own package (``from . import kernels`` in ``stats``) or a
    # package importing its submodules is part of loading the package, not a circle
    for module in edges:
        edges[module] = {
            t
            for t in edges[module]
            if not module.startswith(t + ".") and not t.startswith(module + ".")
        }
    return edges


def cycles(edges: dict[str, set[str]]) -> list[str]:
    """Every back edge of a depth-first walk, as the circle it closes."""
    found: list[str] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def walk(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges[node]):
            if state.get(nxt) == 1:
                found.append(" -> ".join(stack[stack.index(nxt) :] + [nxt]))
            elif nxt not in state:
                walk(nxt)
        stack.pop()
        state[node] = 2

    for m in sorted(edges):
        if m not in state:
            walk(m)
    return found


@pytest.mark.parametrize("top_level_only", [True, False], ids=["import time", "with lazy imports"])
def test_the_package_has_no_import_circle(top_level_only: bool) -> None:
    assert cycles(graph(top_level_only)) == []


def test_dependencies_point_one_way() -> None:
    """STYLE.md: ``cli -> study -> {...}``, the engine beside stats and models.

    Stats and models never reach the engine or the study; nothing imports the CLI; stats, models
    and the engine never reach the report, and the result does not import it at import time.
    """
    edges = graph(top_level_only=False)

    def reach(start: str) -> set[str]:
        seen, todo = set(), [start]
        while todo:
            for nxt in edges[todo.pop()]:
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    for module in edges:
        deps = reach(module)
        if module != "eventstudy.__main__":  # ``python -m eventstudy`` runs the CLI
            assert "eventstudy.cli" not in deps, module
        if module.startswith(("eventstudy.stats", "eventstudy.models")):
            bad = {d for d in deps if d.startswith(("eventstudy.engine", "eventstudy.study"))}
            assert bad == set(), module
        if module.startswith(("eventstudy.stats", "eventstudy.models", "eventstudy.engine")):
            assert not any(d.startswith("eventstudy.report") for d in deps), module
    # the result's convenience methods (to_csv, plot_*) import the report when called
    at_import = graph(top_level_only=True)["eventstudy.result"]
    assert not any(d.startswith("eventstudy.report") for d in at_import)


def test_the_scan_finds_a_private_import_and_a_circle(tmp_path: Path) -> None:
    """The two scans above would fail on a planted offence (they can fail)."""
    pkg = tmp_path / "eventstudy"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from .b import _hidden\n")
    (pkg / "b.py").write_text("from . import a\n_hidden = 1\n")
    got = imports("eventstudy.a", pkg / "a.py", top_level_only=True)
    assert got == [("eventstudy.b", ["_hidden"], 1)]
    assert private("_hidden") and not private("__all__")
    got = imports("eventstudy.b", pkg / "b.py", top_level_only=True)
    assert got == [("eventstudy", ["a"], 1)]
    assert cycles({"a": {"b"}, "b": {"a"}}) == ["a -> b -> a"]
    assert cycles({"a": {"b"}, "b": set()}) == []


@pytest.mark.parametrize("module", ["eventstudy.result", "eventstudy.study"])
def test_results_do_not_import_the_report_package(module: str) -> None:
    code = (
        f"import sys, {module}; "
        "print(sorted(m for m in sys.modules if m.startswith('eventstudy.report')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
