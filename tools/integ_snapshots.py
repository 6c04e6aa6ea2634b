"""Synthesize the integration tests (``integ/integ_*.py``) and check or update their snapshots.

    python tools/integ_snapshots.py verify   # make integ: each app against its snapshot
    python tools/integ_snapshots.py update   # make integ-snapshot: rewrite the snapshots
    python tools/integ_snapshots.py synth    # make test-min: each app synthesizes, no compare
    python tools/integ_snapshots.py update integ_audit   # only the apps named

Each app runs as a user's app does (``python integ/integ_x.py``, so ``constructs_obs`` comes
from the running interpreter's environment: the wheel in ``.venv-min``), into a temporary cloud
assembly; nothing calls AWS. A snapshot is ``integ/<app>.py.snapshot/``, integ-runner's
layout: the templates, ``integ.json`` (the test cases) and ``manifest.json``. Templates are
compared normalized (``constructs_obs.testing.normalized_template``: asset hashes, version
reporting and path metadata do not count, nor the assertions' synthesis-time ``salt``), so a
snapshot changes only when resources do.

integ-runner itself is not used offline: its last release (2.197.10) reads cloud assemblies up
to schema 53, written by aws-cdk-lib 2.257.0 and older, and the library needs 2.262.0.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from constructs_obs.testing import normalized_template

ROOT = Path(__file__).resolve().parents[1]
INTEG = ROOT / "integ"
KEPT = ("integ.json", "manifest.json")
ASSERTION_TYPE_PREFIX = "Custom::DeployAssert"


def apps(directory: Path = INTEG) -> list[Path]:
    return sorted(directory.glob("integ_*.py"))


def snapshot_dir(app: Path) -> Path:
    return app.parent / f"{app.name}.snapshot"


def synthesize(app: Path, outdir: Path) -> None:
    """Run ``app`` into ``outdir``; raise with its output when it fails."""
    env = {**os.environ, "CDK_OUTDIR": str(outdir)}
    # No credentials, and no account or region from a CDK CLI: the same templates everywhere.
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "CDK_DEFAULT_ACCOUNT",
        "CDK_DEFAULT_REGION",
    ):
        env.pop(name, None)
    result = subprocess.run(
        [sys.executable, app.name],
        check=False,
        cwd=app.parent,
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise RuntimeError(f"{app.name} failed:\n{result.stdout}{result.stderr}")


def _without_salt(template: dict[str, Any]) -> dict[str, Any]:
    """integ-tests-alpha salts each assertion with the synthesis time (so that it runs again on
    every deployment): that property is churn too."""
    for resource in template.get("Resources", {}).values():
        if str(resource.get("Type", "")).startswith(ASSERTION_TYPE_PREFIX):
            resource.get("Properties", {}).pop("salt", None)
    return template


def _templates(directory: Path) -> dict[str, dict[str, Any]]:
    return {
        p.name: _without_salt(normalized_template(p))
        for p in sorted(directory.glob("*.template.json"))
    }


def _test_cases(directory: Path) -> object:
    return json.loads((directory / "integ.json").read_text())["testCases"]


def differences(snapshot: Path, synthesized: Path) -> list[str]:
    """How ``synthesized`` differs from the committed ``snapshot`` (empty: it matches)."""
    if not snapshot.is_dir():
        return [f"no snapshot {snapshot.name}: run make integ-snapshot"]
    found: list[str] = []
    if _test_cases(snapshot) != _test_cases(synthesized):
        found.append(f"{snapshot.name}: the test cases of integ.json differ")
    old, new = _templates(snapshot), _templates(synthesized)
    found += [f"{snapshot.name}: {name} is new" for name in sorted(set(new) - set(old))]
    found += [f"{snapshot.name}: {name} is gone" for name in sorted(set(old) - set(new))]
    for name in sorted(set(old) & set(new)):
        for section in sorted(set(old[name]) | set(new[name])):
            before, after = old[name].get(section, {}), new[name].get(section, {})
            if before == after:
                continue
            if isinstance(before, dict) and isinstance(after, dict):
                changed = sorted(
                    k for k in set(before) | set(after) if before.get(k) != after.get(k)
                )
                found.append(f"{snapshot.name}: {name} {section} differ: {', '.join(changed)}")
            else:
                found.append(f"{snapshot.name}: {name} {section} differ")
    return found


def write_snapshot(synthesized: Path, snapshot: Path) -> None:
    shutil.rmtree(snapshot, ignore_errors=True)
    snapshot.mkdir(parents=True)
    for path in sorted(synthesized.glob("*.template.json")):
        shutil.copyfile(path, snapshot / path.name)
    for name in KEPT:
        shutil.copyfile(synthesized / name, snapshot / name)


def _run_one(mode: str, app: Path) -> list[str]:
    with tempfile.TemporaryDirectory(prefix=f"{app.stem}-") as tmp:
        outdir = Path(tmp)
        try:
            synthesize(app, outdir)
        except RuntimeError as error:
            return [str(error)]
        if mode == "update":
            write_snapshot(outdir, snapshot_dir(app))
            return []
        if mode == "verify":
            return differences(snapshot_dir(app), outdir)
        return []


def main(argv: list[str]) -> int:
    mode = argv[1] if len(argv) > 1 else "verify"
    if mode not in {"verify", "update", "synth"}:
        print(f"usage: {argv[0]} verify|update|synth")
        return 2
    found = [app for app in apps() if len(argv) < 3 or app.stem in argv[2:]]
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda app: _run_one(mode, app), found))
    failed = 0
    for app, problems in zip(found, results, strict=True):
        print(f"  {'FAILED' if problems else 'ok':<7} {app.name}")
        for problem in problems:
            print(f"          {problem}")
        failed += bool(problems)
    print(f"integ {mode}: {len(found) - failed} passed, {failed} failed")
    return 1 if failed or not found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
