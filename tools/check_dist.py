"""Check what ``make dist`` built: the wheel holds every module, handler, SQL file and py.typed.

``python tools/check_dist.py dist`` exits non-zero, naming each missing file, when the wheel
lacks a module of ``constructs_obs/``, a handler of ``lambdas/`` (shipped as
``constructs_obs/_lambdas/``), an audit query (``constructs_obs/audit/queries/*.sql``) or
``py.typed``; or when its metadata pins aws-cdk-lib, constructs or cdk-nag instead of a range.
"""

from __future__ import annotations

import re
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RANGED = ("aws-cdk-lib", "constructs", "cdk-nag")


def expected_files(root: Path = ROOT) -> set[str]:
    """The files a wheel built from ``root`` must hold, as paths inside the wheel."""
    package = root / "constructs_obs"
    wanted = {
        str(path.relative_to(root))
        for path in package.rglob("*")
        if path.suffix in {".py", ".sql"} and "__pycache__" not in path.parts
    }
    wanted.add("constructs_obs/py.typed")
    wanted |= {
        "constructs_obs/_lambdas/" + str(path.relative_to(root / "lambdas"))
        for path in (root / "lambdas").rglob("*.py")
        if "__pycache__" not in path.parts
    }
    return wanted


def wheel_problems(wheel: Path, root: Path = ROOT) -> list[str]:
    """What is wrong with ``wheel``: missing files, and dependencies pinned with ``==``."""
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        metadata_name = next(n for n in names if n.endswith(".dist-info/METADATA"))
        metadata = archive.read(metadata_name).decode()
    problems = [
        f"missing from {wheel.name}: {name}" for name in sorted(expected_files(root) - names)
    ]
    for line in metadata.splitlines():
        match = re.match(r"Requires-Dist: ([A-Za-z0-9_.-]+)\s*(.*)", line)
        if match and match.group(1).lower() in RANGED and "==" in match.group(2):
            problems.append(f"{wheel.name} pins {match.group(1)}{match.group(2)}: use a range")
    return problems


def main(argv: list[str]) -> int:
    dist = Path(argv[1] if len(argv) > 1 else "dist")
    wheels = sorted(dist.glob("constructs_obs-*.whl"))
    if len(wheels) != 1:
        print(f"expected one constructs_obs wheel in {dist}/, found {len(wheels)}")
        return 1
    problems = wheel_problems(wheels[0])
    for problem in problems:
        print(problem)
    if not problems:
        with zipfile.ZipFile(wheels[0]) as archive:
            count = len(archive.namelist())
        size_kib = wheels[0].stat().st_size / 1024
        print(f"{wheels[0].name}: {count} files, {size_kib:.0f} KiB, nothing missing")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
