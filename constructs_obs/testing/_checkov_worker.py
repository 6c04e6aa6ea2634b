"""A long-lived checkov process: one start (about 3 s of imports) for the whole test session.

Runs inside checkov's own virtual environment (``.venv-checkov``), which pins an old boto3, so
it cannot be imported into the test process. Protocol: one JSON object per line on stdin,
``{"file": "/path/to/template.json"}``, answered by one JSON line on stdout:
``{"failed": [...], "skipped": [...], "passed": N}`` or ``{"error": "..."}``.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
from typing import Any


def _scan(runner_cls: Any, filter_cls: Any, path: str) -> dict[str, Any]:
    report = runner_cls().run(
        root_folder=None,
        files=[path],
        runner_filter=filter_cls(framework=["cloudformation"]),
    )
    return {
        "passed": len(report.passed_checks),
        "failed": [
            {"check_id": c.check_id, "resource": c.resource, "name": c.check_name}
            for c in report.failed_checks
        ],
        "skipped": [
            {
                "check_id": c.check_id,
                "resource": c.resource,
                "comment": (c.check_result or {}).get("suppress_comment", ""),
            }
            for c in report.skipped_checks
        ],
    }


def main() -> None:
    protocol_out = sys.stdout
    # checkov may print; keep the protocol channel clean.
    sys.stdout = sys.stderr
    from checkov.cloudformation.runner import Runner  # noqa: PLC0415 -- only in checkov's venv
    from checkov.runner_filter import RunnerFilter  # noqa: PLC0415

    protocol_out.write(json.dumps({"ready": True}) + "\n")
    protocol_out.flush()
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                answer = _scan(Runner, RunnerFilter, request["file"])
        except Exception as error:
            answer = {"error": f"{type(error).__name__}: {error}"}
        protocol_out.write(json.dumps(answer) + "\n")
        protocol_out.flush()


if __name__ == "__main__":
    main()
