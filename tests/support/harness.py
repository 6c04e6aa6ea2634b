"""The verification harness every synthesis in the suite goes through.

``synth(name, build)`` builds an App with the same context as ``cdk.json``, attaches cdk-nag's
AwsSolutions and NIST 800-53 R5 packs, synthesizes, then runs cfn-lint, checkov (one
long-lived worker for the session) and the IAM check (``constructs_obs.testing.iam_check``:
every policy's actions against the Service Authorization Reference) over every template. Any
finding not acknowledged next to its resource with a written reason fails with the whole list;
IAM findings cannot be acknowledged.

Use it from module- or session-scoped fixtures: a synth costs seconds, an assertion
milliseconds.

What cfn-lint and checkov answered is kept in ``.test-out/verify-cache`` (``AnswerCache``: by
template content, region and checker versions), so a template no change touched is not linted
again in the next run. ``CONSTRUCTS_OBS_VERIFY_CACHE=<folder>`` keeps them elsewhere;
``CONSTRUCTS_OBS_VERIFY_CACHE= make test`` (empty) checks every template afresh.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk import assertions
from cdk_nag import AwsSolutionsChecks, NIST80053R5Checks

from constructs_obs.acknowledge import MIN_REASON_LENGTH
from constructs_obs.testing.answer_cache import from_environment
from constructs_obs.testing.verify import (
    CheckovWorker,
    Finding,
    VerificationError,
    acknowledged_rules,
    format_findings,
    validation_report_findings,
    verify_assembly,
    verify_template,
)

__all__ = [
    "ANSWERS",
    "CDK_CONTEXT",
    "CHECKOV",
    "DEFAULT_ENV",
    "Finding",
    "Synthesized",
    "VerificationError",
    "check_app",
    "new_app",
    "new_stack",
    "synth",
    "synth_warnings",
    "verify_template",
]

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / ".test-out"
CDK_CONTEXT: dict[str, Any] = json.loads((ROOT / "cdk.json").read_text())["context"]
DEFAULT_ENV = cdk.Environment(account="123456789012", region="eu-west-1")
CHECKOV = CheckovWorker(ROOT / ".venv-checkov" / "bin" / "python")
#: What cfn-lint and checkov answered: in CONSTRUCTS_OBS_VERIFY_CACHE's folder (empty: none).
ANSWERS = from_environment(default=OUT / "verify-cache")


@dataclass
class Synthesized:
    """What a checked synthesis produced."""

    assembly: cdk.cx_api.CloudAssembly
    templates: dict[str, dict[str, Any]]
    app: cdk.App
    warnings: list[Finding] = field(default_factory=list)
    acknowledged: list[Finding] = field(default_factory=list)

    def template(self, stack_name: str | None = None) -> assertions.Template:
        return assertions.Template.from_json(self.raw(stack_name))

    def raw(self, stack_name: str | None = None) -> dict[str, Any]:
        if stack_name is None:
            if len(self.templates) != 1:
                raise KeyError(f"several stacks, name one of {sorted(self.templates)}")
            return next(iter(self.templates.values()))
        return self.templates[stack_name]

    def resources(
        self, resource_type: str, stack_name: str | None = None
    ) -> dict[str, dict[str, Any]]:
        return {
            logical_id: resource
            for logical_id, resource in self.raw(stack_name)["Resources"].items()
            if resource["Type"] == resource_type
        }


def new_app(name: str, context: dict[str, Any] | None = None, *, nag: bool = True) -> cdk.App:
    """An App with cdk.json's context (plus ``context``) and (unless ``nag`` is False) the nag
    packs attached; output under .test-out."""
    app = cdk.App(context={**CDK_CONTEXT, **(context or {})}, outdir=str(OUT / "cdk" / name))
    if nag:
        cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app), NIST80053R5Checks(app))
    return app


def new_stack(app: cdk.App, name: str = "Test", *, env: cdk.Environment | None = None) -> cdk.Stack:
    return cdk.Stack(app, name, env=env or DEFAULT_ENV)


def synth(
    name: str, build: Callable[[cdk.App], object], context: dict[str, Any] | None = None
) -> Synthesized:
    """Build with ``build(app)``, synthesize with nag, then cfn-lint, checkov and the IAM check
    over every stack."""
    app = new_app(name, context)
    build(app)
    return check_app(app)


def synth_warnings(app: cdk.App, rule: str) -> list[Finding]:
    """Synthesize ``app`` (its validations and validation plugins run, the harness's linters
    do not) and return the warnings of validation rule ``rule``.

    For tests about what a validation itself reports on large apps (hundreds of resources),
    where cdk-nag, cfn-lint and checkov would cost a minute and check nothing the modules of
    the constructs involved do not check already. Synthesis errors raise as from ``app.synth()``.
    """
    outdir = Path(app.outdir)
    (outdir / "validation-report.json").unlink(missing_ok=True)  # no report of an earlier run
    app.synth()
    return [f for f in validation_report_findings(outdir, severities={"warning"}) if f.rule == rule]


def check_app(app: cdk.App) -> Synthesized:
    outdir = Path(app.outdir)
    try:
        assembly = app.synth()
    except RuntimeError:
        errors = validation_report_findings(outdir, severities={"error"})
        if not errors:
            raise
        raise VerificationError(format_findings("synthesis failed validation", errors)) from None
    report = verify_assembly(outdir, checkov=CHECKOV, cache=ANSWERS)
    acknowledged = acknowledged_rules(outdir)
    # An acknowledgement made around the library's helper still needs its written reason.
    report.findings += [
        Finding(f.tool, f.rule, f.where, "acknowledged without a written reason")
        for f in acknowledged
        if len(f.message.strip()) < MIN_REASON_LENGTH
    ]
    report.raise_for_findings()
    return Synthesized(
        assembly,
        {stack.stack_name: stack.template for stack in assembly.stacks},
        app,
        warnings=validation_report_findings(outdir, severities={"warning"}),
        acknowledged=report.acknowledged + acknowledged,
    )
