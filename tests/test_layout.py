"""The house rules of the code base, checked on the source tree (no import, no synthesis).

- no import circle, function-level imports included;
- areas depend on each other in one direction (``LAYERS``), and ``private/`` on no area;
- no file over 600 lines, no function over 60 lines, in the library and its handlers;
- the demo app and the README import no private module;
- tests mirror modules: each test module is named for the module it tests (a property-based
  module adds ``_properties`` to that name).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "constructs_obs"
MAX_FILE_LINES = 600
MAX_FUNCTION_LINES = 60

# What each area may import, besides itself. ``errors`` and ``acknowledge`` are leaf modules
# every area may use; ``private`` is plumbing that imports no area.
_LEAVES = {"errors", "acknowledge", "private"}
LAYERS: dict[str, set[str]] = {
    "errors": set(),
    "acknowledge": set(),
    "private": {"errors", "acknowledge"},
    "detections": {"errors", "private"},  # private.exports only: it stays pure Python
    "alarms": _LEAVES | {"detections"},  # compile_event_pattern checks the incident rules
    "logs": _LEAVES | {"alarms", "detections"},  # its filter patterns compiled to validate them
    "remediation": _LEAVES | {"alarms", "logs"},
    "security": _LEAVES | {"alarms", "logs", "detections"},
    "tracing": _LEAVES | {"alarms", "logs"},
    "audit": _LEAVES | {"logs"},
    "dashboard": _LEAVES | {"detections"},
    "testing": _LEAVES,
}


def _modules() -> dict[str, Path]:
    """Every module of the library (dotted name -> file); handlers as ``lambdas.<...>``."""
    found: dict[str, Path] = {}
    for top in (PACKAGE, "lambdas"):
        for path in sorted((ROOT / top).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


MODULES = _modules()


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_nodes(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import that runs: module level and inside functions, not under TYPE_CHECKING."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def _resolve(module: str, node: ast.Import | ast.ImportFrom) -> set[str]:
    """The library modules an import statement in ``module`` loads."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        base = node.module or ""
        if node.level:
            is_package = MODULES[module].name == "__init__.py"
            anchor = module.split(".")
            anchor = anchor if is_package else anchor[:-1]
            anchor = anchor[: len(anchor) - node.level + 1]
            base = ".".join([*anchor, base] if base else anchor)
        names = [f"{base}.{alias.name}" for alias in node.names] + [base]
    targets = set()
    for name in names:
        found = name
        while found and found not in MODULES:
            found = found.rpartition(".")[0]
        if found:
            targets.add(found)
    return targets


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for module, path in MODULES.items():
        edges: set[str] = set()
        for node in _import_nodes(ast.parse(path.read_text(), filename=str(path))):
            edges |= _resolve(module, node)
        edges.discard(module)
        graph[module] = edges
    return graph


GRAPH = _graph()


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _area(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != PACKAGE or len(parts) < 2:
        return None
    return parts[1]


def test_no_import_circle() -> None:
    assert _cycles(GRAPH) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    # GIVEN a graph with a circle through a function-level import
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    # THEN it is reported, and nothing else
    assert _cycles(graph) == [["a", "b", "c"]]


def test_function_level_imports_are_edges() -> None:
    tree = ast.parse(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from constructs_obs.alarms.severity import Severity\n"
        "def f():\n    from constructs_obs.logs.log_archive import LogArchive\n"
    )
    targets: set[str] = set()
    for node in _import_nodes(tree):
        targets |= _resolve("constructs_obs.errors", node)
    assert targets == {"constructs_obs.logs.log_archive"}


def test_every_area_has_a_layer() -> None:
    areas = {_area(module) for module in MODULES} - {None}
    assert areas == set(LAYERS)


@pytest.mark.parametrize("area", sorted(LAYERS))
def test_areas_depend_downwards(area: str) -> None:
    wrong = sorted(
        f"{module} imports {target}"
        for module, targets in GRAPH.items()
        if _area(module) == area
        for target in targets
        if _area(target) not in (None, area, *LAYERS[area])
    )
    assert wrong == []


def test_handlers_import_no_library_module() -> None:
    # The handlers are deployed on their own: only the standard library, boto3, Powertools.
    wrong = sorted(
        f"{module} imports {target}"
        for module, targets in GRAPH.items()
        if module.startswith("lambdas")
        for target in targets
        if target.startswith(PACKAGE)
    )
    assert wrong == []


def test_no_file_over_the_limit() -> None:
    long = {
        str(path.relative_to(ROOT)): lines
        for path in MODULES.values()
        if (lines := len(path.read_text().splitlines())) > MAX_FILE_LINES
    }
    assert long == {}


def test_no_function_over_the_limit() -> None:
    long = {}
    for path in MODULES.values():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                assert node.end_lineno is not None
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    long[f"{path.relative_to(ROOT)}:{node.lineno} {node.name}"] = lines
    assert long == {}


_PRIVATE_IMPORT = re.compile(r"^\s*(from|import)\s+constructs_obs\.(private|_\w+)\b", re.MULTILINE)


@pytest.mark.parametrize("name", ["app.py", "README.md"])
def test_users_import_no_private_module(name: str) -> None:
    assert _PRIVATE_IMPORT.findall((ROOT / name).read_text()) == []


# Test modules that test the whole rather than one module.
_WHOLE_SYSTEM_TESTS = {
    "tests/test_app.py",  # app.py, the demo
    "tests/test_readme.py",  # README.md's examples
    "tests/test_snapshots.py",  # whole stacks, normalized
    "tests/test_package.py",  # the installed package (constructs_obs/__init__.py)
    "tests/test_benchmarks.py",  # benchmarks/
    "tests/test_layout.py",  # this file
    "tests/audit/test_queries.py",  # constructs_obs/audit/queries/*.sql
    "tests/audit/test_fixtures.py",  # the fixture logs the audit tests read
}


#: A property-based module of a construct family is named for the module it exercises first,
#: plus this suffix (``tests/logs/test_encrypted_log_group_properties.py``): it runs through the
#: harness once, apart from the example-based tests of the same module.
PROPERTIES_SUFFIX = "_properties"


def _tested_module(test: Path) -> str:
    parts = list(test.relative_to(ROOT / "tests").with_suffix("").parts)
    parts[-1] = parts[-1].removeprefix("test_").removesuffix(PROPERTIES_SUFFIX)
    if parts[0] == "lambdas":
        return ".".join(parts)
    return ".".join([PACKAGE, *parts])


def test_tests_mirror_modules() -> None:
    orphans = sorted(
        str(test.relative_to(ROOT))
        for test in (ROOT / "tests").rglob("test_*.py")
        if str(test.relative_to(ROOT)) not in _WHOLE_SYSTEM_TESTS
        and _tested_module(test) not in MODULES
    )
    assert orphans == []


def test_the_mirror_check_catches_an_orphan() -> None:
    assert _tested_module(ROOT / "tests/logs/test_log_archive.py") in MODULES
    assert _tested_module(ROOT / "tests/logs/test_log_grup.py") not in MODULES
    # A property module mirrors a module too; only the suffix is dropped, nothing else.
    assert _tested_module(ROOT / "tests/logs/test_log_archive_properties.py") in MODULES
    assert _tested_module(ROOT / "tests/logs/test_log_grup_properties.py") not in MODULES
    assert _tested_module(ROOT / "tests/logs/test_log_archive_props.py") not in MODULES
