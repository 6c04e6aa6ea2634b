"""Acknowledging a finding of a checker, next to the resource, with a written reason.

Three checkers read the synthesized templates: cdk-nag (through CDK's ``Validations`` API),
checkov (``Metadata.checkov.skip``) and cfn-lint (``Metadata.cfn-lint.config.ignore_checks``).
Each helper here refuses an empty reason: an acknowledgement is a decision someone must be able
to read and question. The library acknowledges its own findings with these, and so can an app
that composes its constructs (``from constructs_obs.acknowledge import acknowledge_nag``).
"""

from __future__ import annotations

import json
from typing import Any

from aws_cdk import Acknowledgment, CfnResource, Stack, Validations
from constructs import IConstruct

__all__ = [
    "MIN_REASON_LENGTH",
    "REASONS_METADATA_KEY",
    "acknowledge_nag",
    "ignore_cfn_lint",
    "nag_ref",
    "skip_checkov",
]

MIN_REASON_LENGTH = 20
REASONS_METADATA_KEY = "constructs-obs:acknowledgements"


def _require_reason(rule: str, reason: str) -> None:
    if len(reason.strip()) < MIN_REASON_LENGTH:
        raise ValueError(
            f"acknowledging {rule} needs a written reason of at least "
            f"{MIN_REASON_LENGTH} characters, got {reason!r}"
        )


def acknowledge_nag(scope: IConstruct, rule: str, reason: str) -> None:
    """Acknowledge a cdk-nag finding (e.g. ``AwsSolutions-IAM5[Resource::*]``) on ``scope``."""
    _require_reason(rule, reason)
    Validations.of(scope).acknowledge(Acknowledgment(id=rule, reason=reason))


def _record_reason(resource: CfnResource, checker: str, rule: str, reason: str) -> None:
    reasons: dict[str, dict[str, str]] = resource.get_metadata(REASONS_METADATA_KEY) or {}
    reasons.setdefault(checker, {})[rule] = reason
    resource.add_metadata(REASONS_METADATA_KEY, reasons)


def skip_checkov(resource: CfnResource, check_id: str, reason: str) -> None:
    """Skip a checkov check on one resource; the reason lands in the template as the comment."""
    _require_reason(check_id, reason)
    checkov: dict[str, Any] = resource.get_metadata("checkov") or {}
    skips: list[dict[str, str]] = checkov.setdefault("skip", [])
    if not any(skip["id"] == check_id for skip in skips):
        skips.append({"id": check_id, "comment": reason})
    resource.add_metadata("checkov", checkov)


def ignore_cfn_lint(resource: CfnResource, rule_id: str, reason: str) -> None:
    """Ignore a cfn-lint rule on one resource, recording why next to it."""
    _require_reason(rule_id, reason)
    lint: dict[str, Any] = resource.get_metadata("cfn-lint") or {}
    ignored: list[str] = lint.setdefault("config", {}).setdefault("ignore_checks", [])
    if rule_id not in ignored:
        ignored.append(rule_id)
    resource.add_metadata("cfn-lint", lint)
    _record_reason(resource, "cfn-lint", rule_id, reason)


def nag_ref(scope: IConstruct, value: str) -> str:
    """How cdk-nag writes ``value`` (an ARN, possibly a token) inside a finding id.

    cdk-nag renders ``Fn::GetAtt`` as ``<LogicalId.Attribute>``, ``Ref`` as ``<LogicalId>``
    and joins ``Fn::Join`` parts, e.g. ``AwsSolutions-IAM5[Resource::<Bucket1A2B.Arn>/*]``.
    """
    return _render_for_nag(Stack.of(scope).resolve(value))


def _render_for_nag(resolved: Any) -> str:
    if isinstance(resolved, str):
        return resolved
    if isinstance(resolved, dict) and len(resolved) == 1:
        ((function, argument),) = resolved.items()
        if function == "Fn::GetAtt":
            return f"<{argument[0]}.{argument[1]}>"
        if function == "Ref":
            return f"<{argument}>"
        if function == "Fn::Join":
            separator, parts = argument
            return str(separator).join(_render_for_nag(part) for part in parts)
        if function == "Fn::ImportValue" and isinstance(argument, str):
            # A strong cross-stack reference: cdk-nag writes the export's name.
            return argument
        if function == "Fn::GetStackOutput":
            # A weak reference to another stack's output: cdk-nag writes the intrinsic as JSON.
            return json.dumps(resolved, separators=(",", ":"))
    raise ValueError(f"cannot render {resolved!r} the way cdk-nag does")
