"""Print what a synthesis built and what the checkers said (``make run`` calls this).

Stacks and the account/region each deploys to, resource counts by type, and the validation
result: cdk-nag (it ran during synthesis, which fails on any unacknowledged finding; its
acknowledgements are listed with their count),
cfn-lint and checkov over every template. Exits non-zero when any finding is unacknowledged.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from constructs_obs.testing.verify import (
    acknowledged_rules,
    validation_report_findings,
    verify_assembly,
)


def stack_environments(outdir: Path) -> dict[str, str]:
    """Each stack of the cloud assembly and where it deploys (``aws://account/region``)."""
    manifest = json.loads((outdir / "manifest.json").read_text())
    return {
        artifact.get("displayName", artifact_id): artifact["environment"]
        for artifact_id, artifact in manifest.get("artifacts", {}).items()
        if artifact.get("type") == "aws:cloudformation:stack"
    }


def main(argv: list[str]) -> int:
    outdir = Path(argv[1] if len(argv) > 1 else "cdk.out")
    report = verify_assembly(outdir)
    environments = stack_environments(outdir)
    print(f"Synthesized {len(report.stacks)} stack(s) into {outdir}/")
    for stack_name, environment in sorted(environments.items()):
        print(f"  {stack_name:<28} {environment}")
    for stack_name, template_path in report.stacks.items():
        template = json.loads(template_path.read_text())
        counts = Counter(r["Type"] for r in template.get("Resources", {}).values())
        size_kib = template_path.stat().st_size / 1024
        print(f"\n  {stack_name}: {sum(counts.values())} resources, template {size_kib:.0f} KiB")
        for resource_type, count in sorted(counts.items()):
            print(f"    {count:4d}  {resource_type}")

    nag_acks = acknowledged_rules(outdir)
    warnings = validation_report_findings(outdir, severities={"warning"})
    tools = Counter(f.tool for f in report.acknowledged)
    print("\nValidation")
    print(
        "  cdk-nag AwsSolutions + NIST 800-53 R5: passed during synthesis "
        f"({len(nag_acks)} finding(s) acknowledged with a written reason)"
    )
    for warning in warnings:
        print(f"  warning: {warning}")
    lint_errors = [f for f in report.findings if f.tool == "cfn-lint"]
    checkov_failures = [f for f in report.findings if f.tool == "checkov"]
    print(
        f"  cfn-lint: {len(lint_errors)} unacknowledged error(s)/warning(s), "
        f"{tools['cfn-lint']} ignored with a reason"
    )
    print(
        f"  checkov: {len(checkov_failures)} failed check(s), "
        f"{tools['checkov']} skipped with a reason"
    )
    for finding in report.findings:
        print(f"  FINDING {finding}")
    print("\nResult:", "FAILED" if report.findings else "passed")
    return 1 if report.findings else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
