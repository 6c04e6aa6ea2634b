"""The package as users install it: every module ships, imports stay light where promised; the
dependencies are ranges whose floors ``make test-min`` installs; the wheel check can fail; every
integration test asserts deployed behaviour and commits its snapshot."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

import constructs_obs
from tools import check_dist, integ_snapshots

ROOT = Path(__file__).resolve().parents[1]


def _declared_packages() -> set[str]:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return set(pyproject["tool"]["setuptools"]["packages"])


def test_every_package_folder_is_declared_in_pyproject() -> None:
    found = {
        ".".join(path.parent.relative_to(ROOT).parts)
        for path in (ROOT / "constructs_obs").rglob("__init__.py")
    }
    found |= {
        "constructs_obs._lambdas"
        + "".join(f".{part}" for part in path.parent.relative_to(ROOT / "lambdas").parts)
        for path in (ROOT / "lambdas").rglob("__init__.py")
    }
    assert found == _declared_packages()


def test_every_exported_name_resolves() -> None:
    for name in constructs_obs.__all__:
        assert getattr(constructs_obs, name) is not None, name


def test_evaluator_and_audit_engine_do_not_start_jsii() -> None:
    code = (
        "import sys, constructs_obs.detections, constructs_obs.audit\n"
        "import constructs_obs.audit.local.cli\n"
        "print(sorted(m for m in ('aws_cdk', 'jsii', 'duckdb') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert result.stdout.strip() == "[]"


# -- the distribution: ranges, floors, wheel contents, integration tests -------------------------


def _dependencies() -> dict[str, str]:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return {
        re.split(r"[<>=!~ ]", spec, maxsplit=1)[0]: spec
        for spec in pyproject["project"]["dependencies"]
    }


def test_cdk_dependencies_are_ranges_below_the_next_major() -> None:
    dependencies = _dependencies()
    assert set(dependencies) == {"aws-cdk-lib", "constructs", "cdk-nag"}
    for name, spec in dependencies.items():
        assert "==" not in spec, spec
        assert re.fullmatch(rf"{re.escape(name)}>=\d+(\.\d+)*,<\d+", spec), spec


def test_requirements_min_pins_the_floors() -> None:
    # GIVEN the floors of pyproject's ranges and the pins of requirements-min.txt
    floors = {
        name: re.search(r">=([\d.]+)", spec).group(1)  # type: ignore[union-attr]
        for name, spec in _dependencies().items()
    }
    pins = dict(
        line.split("==")
        for line in (ROOT / "requirements-min.txt").read_text().splitlines()
        if line and not line.startswith("#")
    )
    # THEN test-min installs exactly the floors, and the integ-tests-alpha of that aws-cdk-lib
    assert {name: pins[name] for name in floors} == floors
    assert pins["aws-cdk.integ-tests-alpha"] == f"{floors['aws-cdk-lib']}a0"


def _fake_wheel(path: Path, names: set[str], requires: list[str]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name in sorted(names):
            archive.writestr(name, "")
        metadata = "".join(f"Requires-Dist: {spec}\n" for spec in requires)
        archive.writestr("constructs_obs-0.1.0.dist-info/METADATA", metadata)
    return path


def test_wheel_check_accepts_a_complete_wheel(tmp_path: Path) -> None:
    wheel = _fake_wheel(
        tmp_path / "constructs_obs-0.1.0-py3-none-any.whl",
        check_dist.expected_files(),
        ["aws-cdk-lib<3,>=2.257.0", "constructs<11,>=10.5.1"],
    )
    assert check_dist.wheel_problems(wheel) == []


def test_wheel_check_names_missing_handlers_sql_typing_and_pins(tmp_path: Path) -> None:
    # GIVEN a wheel without a handler, a query, py.typed, and with a pinned aws-cdk-lib
    expected = check_dist.expected_files()
    handler = "constructs_obs/_lambdas/alarm_remediation/index.py"
    query = "constructs_obs/audit/queries/root_activity.sql"
    assert {handler, query, "constructs_obs/py.typed"} <= expected
    wheel = _fake_wheel(
        tmp_path / "constructs_obs-0.1.0-py3-none-any.whl",
        expected - {handler, query, "constructs_obs/py.typed"},
        ["aws-cdk-lib==2.275.0"],
    )
    # THEN each is named
    assert check_dist.wheel_problems(wheel) == [
        f"missing from {wheel.name}: {handler}",
        f"missing from {wheel.name}: constructs_obs/audit/queries/root_activity.sql",
        f"missing from {wheel.name}: constructs_obs/py.typed",
        f"{wheel.name} pins aws-cdk-lib==2.275.0: use a range",
    ]


INTEG_APPS = sorted((ROOT / "integ").glob("integ_*.py"))


def test_there_is_an_integration_test_per_capability() -> None:
    assert [app.stem for app in INTEG_APPS] == [
        "integ_audit",
        "integ_dashboard",
        "integ_log_group",
        "integ_remediation",
        "integ_routing",
        "integ_security",
        "integ_tracing",
    ]


@pytest.mark.parametrize("app", INTEG_APPS, ids=lambda app: app.stem)
def test_integration_tests_assert_deployed_behaviour_and_commit_a_snapshot(app: Path) -> None:
    source = app.read_text()
    assert "integ.IntegTest(" in source
    assert re.search(r"\.(aws_api_call|invoke_function)\(", source)
    assert ".expect(" in source
    manifest = json.loads((app.parent / f"{app.name}.snapshot" / "integ.json").read_text())
    assert manifest["testCases"], app.name


def _assembly(directory: Path, resources: dict[str, object], cases: list[str]) -> Path:
    directory.mkdir(parents=True)
    template = {"Resources": resources, "Parameters": {"BootstrapVersion": {"Type": "String"}}}
    (directory / "Integ.template.json").write_text(json.dumps(template))
    integ_manifest = {"version": "55.0.0", "testCases": {case: {} for case in cases}}
    (directory / "integ.json").write_text(json.dumps(integ_manifest))
    (directory / "manifest.json").write_text("{}")
    return directory


def test_integ_snapshot_check_ignores_churn_and_names_changed_resources(tmp_path: Path) -> None:
    # GIVEN a snapshot, and synthesized apps: one with only a new asset hash and assertion salt,
    # one changed
    topic = {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "a" * 64}}
    call = {"Type": "Custom::DeployAssert@SdkCallSNSgetTopic", "Properties": {"salt": "1"}}
    snapshot = _assembly(tmp_path / "snap", {"Topic": topic, "Call": call}, ["Case/DefaultTest"])
    rehashed = {**topic, "Properties": {"TopicName": "b" * 64}}
    resalted = {**call, "Properties": {"salt": "2"}}
    churn = _assembly(
        tmp_path / "churn", {"Topic": rehashed, "Call": resalted}, ["Case/DefaultTest"]
    )
    changed = _assembly(
        tmp_path / "changed",
        {"Topic": {**topic, "Properties": {"TopicName": "plain"}}, "Call": call, "Queue": {}},
        ["Other/DefaultTest"],
    )
    # THEN hash and salt are churn; the changed resources and test cases are named
    assert integ_snapshots.differences(snapshot, churn) == []
    assert integ_snapshots.differences(snapshot, changed) == [
        "snap: the test cases of integ.json differ",
        "snap: Integ.template.json Resources differ: Queue, Topic",
    ]
    assert integ_snapshots.differences(tmp_path / "missing", churn) == [
        "no snapshot missing: run make integ-snapshot"
    ]
