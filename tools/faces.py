"""Write or check the TYPE_CHECKING block of every public face from its ``_EXPORTS`` map.

Each face (``constructs_obs/__init__.py`` and each area's ``__init__.py``) declares its exports
once, as ``_EXPORTS = {module: (name, ...)}``; type checkers need the same names as imports.
``python tools/faces.py`` rewrites the ``if TYPE_CHECKING:`` blocks from the maps (then
``ruff check --fix`` orders them);
``python tools/faces.py --check`` (run by ``tests/test_exports.py``) fails when one differs.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FACES = (
    "constructs_obs/__init__.py",
    "constructs_obs/acknowledge.py",
    "constructs_obs/alarms/__init__.py",
    "constructs_obs/audit/__init__.py",
    "constructs_obs/dashboard/__init__.py",
    "constructs_obs/detections/__init__.py",
    "constructs_obs/logs/__init__.py",
    "constructs_obs/remediation/__init__.py",
    "constructs_obs/security/__init__.py",
    "constructs_obs/testing/__init__.py",
    "constructs_obs/tracing/__init__.py",
)
_BEGIN = "if TYPE_CHECKING:\n"
_END = "\n_EXPORTS"


def exports_of(source: str) -> dict[str, tuple[str, ...]]:
    """The ``_EXPORTS`` map of a face, read without importing it."""
    for node in ast.parse(source).body:
        if isinstance(node, ast.AnnAssign):
            target: ast.expr = node.target
            value = node.value
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        else:
            continue
        if isinstance(target, ast.Name) and target.id == "_EXPORTS" and value is not None:
            exports = ast.literal_eval(value)
            return {module: tuple(names) for module, names in exports.items()}
    return {}


def type_checking_block(exports: dict[str, tuple[str, ...]]) -> str:
    lines = [_BEGIN.rstrip("\n")]
    for module in sorted(exports):
        lines.append(f"    from {module} import (")
        lines.extend(f"        {name} as {name}," for name in sorted(exports[module]))
        lines.append("    )")
    return "\n".join(lines) + "\n"


def rendered(source: str) -> str | None:
    """``source`` with its TYPE_CHECKING block written from its map (None: not a lazy face)."""
    exports = exports_of(source)
    if not exports or _BEGIN not in source:
        return None
    start = source.index(_BEGIN)
    end = source.index(_END, start)
    return source[:start] + type_checking_block(exports) + source[end:]


def imported(source: str) -> set[tuple[str, str]]:
    """(module, name) of each import in the face's TYPE_CHECKING block."""
    found: set[tuple[str, str]] = set()
    for node in ast.parse(source).body:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            for statement in node.body:
                if isinstance(statement, ast.ImportFrom) and statement.module:
                    found |= {(statement.module, alias.name) for alias in statement.names}
    return found


def up_to_date(source: str) -> bool:
    """The TYPE_CHECKING block imports exactly the map's names (in any order or layout)."""
    exports = exports_of(source)
    wanted = {(module, name) for module, names in exports.items() for name in names}
    return not exports or imported(source) == wanted


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for face in FACES:
        path = ROOT / face
        source = path.read_text()
        new = rendered(source)
        if new is None or up_to_date(source):
            continue
        stale.append(face)
        if not check:
            path.write_text(new)
    if check and stale:
        print("TYPE_CHECKING blocks out of date (run python tools/faces.py):", *stale)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
