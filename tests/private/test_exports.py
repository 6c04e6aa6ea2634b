"""The public faces: one declarative map each, and nothing drifts.

Each face (the top package and each area) declares ``_EXPORTS = {module: (names...)}``;
``private.exports.face`` builds ``__all__``/``__getattr__``/``__dir__`` from it and the
``TYPE_CHECKING`` imports type checkers read are generated from it by ``tools/faces.py``.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import constructs_obs
from constructs_obs.alarms import AlarmIdentity, AlarmRouting, Severity, add_threshold_alarm
from constructs_obs.private.exports import face
from tools import faces

ROOT = Path(__file__).resolve().parents[2]
LAZY_FACES = [
    name.removesuffix("/__init__.py").replace("/", ".")
    for name in faces.FACES
    if name.endswith("__init__.py")
]
AREAS = [name for name in LAZY_FACES if name != "constructs_obs"]


def _face(name: str) -> ModuleType:
    return importlib.import_module(name)


def _exports(name: str) -> dict[str, tuple[str, ...]]:
    return faces.exports_of((ROOT / name.replace(".", "/") / "__init__.py").read_text())


def test_type_checking_blocks_match_the_maps() -> None:
    assert faces.main(["--check"]) == 0


def test_a_stale_type_checking_block_is_found() -> None:
    # GIVEN a face whose map gained a name its TYPE_CHECKING block lacks
    source = (ROOT / "constructs_obs/dashboard/__init__.py").read_text()
    stale = source.replace('("ObservabilityDashboard",)', '("ObservabilityDashboard", "Other")')
    # THEN it is stale, and rendering it adds the name
    assert not faces.up_to_date(stale)
    rendered = faces.rendered(stale)
    assert rendered is not None
    assert "Other as Other" in rendered
    assert faces.up_to_date(rendered)


@pytest.mark.parametrize("name", LAZY_FACES)
def test_all_is_the_map(name: str) -> None:
    exports = _exports(name)
    module = _face(name)
    assert module.__all__ == sorted(n for names in exports.values() for n in names)
    assert set(module.__all__) <= set(dir(module))


@pytest.mark.parametrize("name", LAZY_FACES)
def test_every_name_resolves_from_its_module(name: str) -> None:
    module = _face(name)
    for source, names in _exports(name).items():
        defining = importlib.import_module(source)
        for exported in names:
            assert getattr(module, exported) is getattr(defining, exported), exported


def test_the_top_face_takes_every_name_from_an_area_face() -> None:
    for source in _exports("constructs_obs"):
        assert source in AREAS or source == "constructs_obs.errors", source


def test_area_faces_name_their_own_modules() -> None:
    for area in AREAS:
        for source in _exports(area):
            assert source.startswith(f"{area}."), (area, source)


def test_a_name_exported_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="'A' is exported from m1 and m2"):
        face("pkg", {"m1": ("A",), "m2": ("A",)}, {})


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="has no attribute 'Nope'"):
        _ = constructs_obs.Nope


def _public_names() -> dict[int, str]:
    """id(object) -> face.name for everything an area face exports."""
    found: dict[int, str] = {}
    for area in AREAS:
        module = _face(area)
        for name in module.__all__:
            found.setdefault(id(getattr(module, name)), f"{area}.{name}")
    return found


# Library types a public signature names that users never build themselves, with the reason.
_INTERNAL_TYPES = {
    "IncidentKind": "IncidentTarget is built by its class methods, which set the kind",
}
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _namespace(module: ModuleType | None) -> dict[str, Any]:
    """The module's globals plus the names it imports only for type checkers."""
    assert module is not None
    namespace = dict(vars(module))
    source = inspect.getsource(module)
    for node in ast.parse(source).body:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            for statement in node.body:
                if isinstance(statement, ast.ImportFrom) and statement.module:
                    imported = importlib.import_module(statement.module)
                    for alias in statement.names:
                        namespace[alias.asname or alias.name] = getattr(imported, alias.name)
    return namespace


def _signature_types(value: Any) -> list[tuple[str, Any]]:
    """(where, object) for each library class a public callable's parameters name."""
    targets: list[Any] = []
    if inspect.isclass(value):
        targets = [
            member
            for attr, member in vars(value).items()
            if inspect.isfunction(member) and (attr == "__init__" or not attr.startswith("_"))
        ]
        targets += [
            member.__func__
            for attr, member in vars(value).items()
            if isinstance(member, classmethod | staticmethod) and not attr.startswith("_")
        ]
    elif inspect.isfunction(value):
        targets = [value]
    found = []
    for function in targets:
        namespace = _namespace(inspect.getmodule(function))
        for parameter, annotation in function.__annotations__.items():
            if parameter == "return":
                continue
            for word in _IDENTIFIER.findall(str(annotation)):
                candidate = namespace.get(word)
                module = getattr(candidate, "__module__", "") or ""
                if inspect.isclass(candidate) and module.startswith("constructs_obs."):
                    found.append((f"{function.__qualname__}({parameter})", candidate))
    return found


def test_types_that_public_signatures_take_are_exported() -> None:
    public = _public_names()
    missing = sorted(
        f"{where}: {candidate.__module__}.{candidate.__qualname__}"
        for area in AREAS
        for name in _face(area).__all__
        for where, candidate in _signature_types(getattr(_face(area), name))
        if id(candidate) not in public
        and not candidate.__name__.startswith("_")
        and not candidate.__module__.rpartition(".")[2].startswith("_")
        and candidate.__name__ not in _INTERNAL_TYPES
    )
    assert missing == []


def test_faces_list_is_complete() -> None:
    init_files = {
        str(path.relative_to(ROOT))
        for path in (ROOT / "constructs_obs").glob("*/__init__.py")
        if ast.get_docstring(ast.parse(path.read_text())) is not None
        and "_EXPORTS" in path.read_text()
    }
    assert init_files <= set(faces.FACES)


def test_signature_types_are_found() -> None:
    # a name imported only under TYPE_CHECKING counts too
    assert AlarmRouting in {candidate for _, candidate in _signature_types(add_threshold_alarm)}
    assert Severity in {candidate for _, candidate in _signature_types(AlarmIdentity)}
