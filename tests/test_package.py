"""The package as users install it: every module ships, imports stay light where promised."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import constructs_obs

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
