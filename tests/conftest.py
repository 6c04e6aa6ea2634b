"""Suite-wide set-up. Synthesis is shared through module/session fixtures in each test file."""

from __future__ import annotations

import os
from typing import Any, Final

import pytest
from hypothesis import settings

# jsii prints an end-of-life banner for Node 20 at every kernel start.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

# Property tests explore the same examples on every run (CI must not flake on a new seed), and
# take as long as a loaded 2-core CI machine needs.
settings.register_profile("constructs-obs", derandomize=True, deadline=None)
settings.load_profile("constructs-obs")

pytest_plugins = ["tests.support.fixtures"]


#: Modules that share a session- or package-scoped fixture (a synthesis): under
#: ``pytest -n 2 --dist loadfile`` each group, like each other module, runs in one worker, so
#: the fixture is built once, not once per worker. Collection checks that the list is complete.
SHARED_FIXTURE_MODULES: Final = (
    ("tests/test_app.py", "tests/test_readme.py", "tests/test_snapshots.py"),  # demo_app
    (
        "tests/audit/test_audit_lifecycle.py",
        "tests/audit/test_audit_queries.py",
        "tests/audit/test_audit_trail.py",
    ),
    (
        "tests/alarms/presets/test_fargate_service.py",
        "tests/alarms/presets/test_lambda_function.py",
        "tests/alarms/presets/test_preset_alarms.py",
        "tests/alarms/presets/test_rds_instance.py",
    ),
    (
        "tests/security/test_catalogue_attacks.py",
        "tests/security/test_catalogue_volume.py",
        "tests/security/test_security_detections.py",
        "tests/security/test_security_volume_alarms.py",
    ),
    ("tests/detections/test_detection_set.py", "tests/detections/test_evaluation_report.py"),
)
_GROUP_OF: Final = {module: group[0] for group in SHARED_FIXTURE_MODULES for module in group}


@pytest.hookimpl(tryfirst=True, optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``--dist loadfile``, with the modules of each ``SHARED_FIXTURE_MODULES`` group as one
    file. (pytest-xdist's own ``loadgroup`` cannot be used: with pytest 9 its ``xdist_group``
    marks no longer reach the scheduler.)"""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling  # type: ignore[import-untyped]  # noqa: PLC0415

    class SharedFixtureScheduling(LoadFileScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            module = str(super()._split_scope(nodeid))
            return _GROUP_OF.get(module, module)

    return SharedFixtureScheduling(config, log)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Fail collection when modules share a session- or package-scoped fixture of the suite
    but are missing from one group of ``SHARED_FIXTURE_MODULES``."""
    modules = _ModuleGroups()
    for item in items:
        module = item.nodeid.partition("::")[0]
        modules.add(module)
        for fixture in _shared_fixtures(item):
            modules.join(module, fixture)
    for group in modules.groups():
        if len(group) > 1 and len({_GROUP_OF.get(module, module) for module in group}) > 1:
            raise pytest.UsageError(
                f"modules {sorted(group)} share a session- or package-scoped fixture: list "
                "them as one group of SHARED_FIXTURE_MODULES in tests/conftest.py"
            )


def _shared_fixtures(item: pytest.Item) -> list[str]:
    """The suite's session- and package-scoped fixtures ``item`` uses, autouse ones aside
    (those are set-up every test of their directory needs, not results to share)."""
    info = getattr(item, "_fixtureinfo", None)
    if info is None:  # not a test function (a doctest, say)
        return []
    requested = set(info.argnames) | {
        name for mark in item.iter_markers("usefixtures") for name in mark.args
    }
    autouse = set(info.initialnames) - requested
    return [
        f"{definitions[-1].baseid}::{name}"
        for name, definitions in info.name2fixturedefs.items()
        if definitions
        and definitions[-1].scope in {"session", "package"}
        and definitions[-1].func.__module__.startswith("tests.")  # not tmp_path_factory
        and name not in autouse
    ]


class _ModuleGroups:
    """Modules joined through the fixtures they share."""

    def __init__(self) -> None:
        self._parent: dict[str, str] = {}

    def add(self, name: str) -> None:
        self._parent.setdefault(name, name)

    def _root(self, name: str) -> str:
        while self._parent[name] != name:
            name = self._parent[name]
        return name

    def join(self, module: str, fixture: str) -> None:
        self.add(fixture)
        first, second = sorted((self._root(module), self._root(fixture)))
        self._parent[second] = first

    def groups(self) -> list[set[str]]:
        """The modules (not the fixtures) of each group."""
        found: dict[str, set[str]] = {}
        for name in self._parent:
            if "::" not in name:  # a module, not a fixture
                found.setdefault(self._root(name), set()).add(name)
        return list(found.values())
