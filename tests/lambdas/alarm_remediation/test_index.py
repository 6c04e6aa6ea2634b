"""Tests for the entry module Lambda imports (lambdas/alarm_remediation/index.py).

Lambda unpacks the asset, puts its root on ``sys.path`` and imports ``index`` as a top-level
module, so the handler package must be importable by its top-level name from there, with
nothing of this repository (``lambdas``, ``constructs_obs``) on the path.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path

# Run in a fresh interpreter (-I: no current directory or PYTHONPATH on sys.path), as Lambda
# would, with the copied asset first on the path.
_IMPORT_AS_LAMBDA = """
import json, sys
sys.path.insert(0, sys.argv[1])
import index
from remediation_handler import handler
print(json.dumps({
    "is_handler": index.lambda_handler is handler.lambda_handler,
    "index_file": index.__file__,
    "handler_module": handler.__name__,
    "repository_modules": sorted(
        name for name in sys.modules
        if name.partition(".")[0] in {"lambdas", "constructs_obs", "tests"}
    ),
}))
"""


def _asset_copy(destination: Path) -> Path:
    """The folder the construct packages (``library_code``), copied as the asset would be."""
    folder = resources.files("constructs_obs._lambdas") / "alarm_remediation"
    asset = destination / "asset"
    shutil.copytree(str(folder), asset, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return asset


def test_lambda_imports_the_handler_from_the_asset_root(tmp_path: Path) -> None:
    # GIVEN the asset as Lambda unpacks it
    asset = _asset_copy(tmp_path)
    assert (asset / "remediation_handler" / "handler.py").is_file()

    # WHEN Lambda imports index with the asset root on sys.path
    result = subprocess.run(
        [sys.executable, "-I", "-c", _IMPORT_AS_LAMBDA, str(asset)],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )

    # THEN index.lambda_handler is the handler function, and the asset needed nothing else
    imported = json.loads(result.stdout)
    assert imported == {
        "is_handler": True,
        "index_file": str(asset / "index.py"),
        "handler_module": "remediation_handler.handler",
        "repository_modules": [],
    }
