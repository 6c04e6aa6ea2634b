"""Customer managed KMS keys and the key-policy statements AWS services need to use them.

aws-cdk-lib hands a customer key to a log group, a topic or a trail without adding the service
to the key policy; the deployment then fails (or the service silently cannot write). The
helpers here add a statement scoped by the service's own conditions, and, for an imported key
whose policy this app cannot edit, emit a synth-time warning that prints the statement the
user must add themselves.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import Annotations, ArnFormat, RemovalPolicy, Stack, Token
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from constructs_obs.private.validate import Check

KEY_POLICY_WARNING_ID = "constructs-obs:key-policy-not-editable"

# The actions CloudWatch Logs needs on a customer key (AWS's documented statement uses the
# wildcards Encrypt*, Decrypt*, ReEncrypt*, GenerateDataKey*, Describe*; these are the
# symmetric-key actions they cover, spelled out).
LOGS_KEY_ACTIONS = (
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
    "kms:GenerateDataKey",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:DescribeKey",
)


def key_props_values(props: kms.KeyProps | None) -> dict[str, Any]:
    """The keyword arguments set on a jsii ``KeyProps`` struct (unset ones are absent)."""
    if props is None:
        return {}
    values: dict[str, Any] = dict(props._values)  # jsii structs keep their fields here
    return values


def resolve_key(
    scope: Construct,
    construct_id: str,
    *,
    check: Check,
    encryption_key: kms.IKey | None,
    encryption_key_props: kms.KeyProps | None,
    description: str,
) -> kms.IKey:
    """The user's key, or a new customer managed key with rotation on and RETAIN.

    ``encryption_key_props`` overrides the defaults of the new key; passing it together with
    ``encryption_key`` is an error (the props would be silently ignored).
    """
    if encryption_key is not None and encryption_key_props is not None:
        check.fail(
            "encryption_key and encryption_key_props",
            "pass either encryption_key (a key you manage) or encryption_key_props (options "
            "for the key this construct creates), not both",
        )
    if encryption_key is not None:
        return encryption_key
    values: dict[str, Any] = {
        "description": description,
        "enable_key_rotation": True,
        "removal_policy": RemovalPolicy.RETAIN,
    }
    values.update(key_props_values(encryption_key_props))
    return kms.Key(scope, construct_id, **values)


def _plain(value: str, placeholder: str) -> str:
    return placeholder if Token.is_unresolved(value) else value


def add_service_statement(
    scope: Construct,
    key: kms.IKey,
    *,
    service: str,
    actions: Sequence[str],
    conditions: Mapping[str, Mapping[str, Any]],
    sid: str,
    readable_conditions: Mapping[str, Mapping[str, Any]] | None = None,
    readable_service: str | None = None,
) -> bool:
    """Let an AWS service principal use ``key`` under ``conditions``.

    Returns True when the statement was added. For a key this app cannot edit (imported), adds
    a synth-time warning on ``scope`` that prints the statement to add to the key policy.
    """
    # Resource "*" in a key policy means "this key": a key policy cannot name another resource.
    statement = iam.PolicyStatement(
        sid=sid,
        principals=[iam.ServicePrincipal(service)],
        actions=list(actions),
        resources=["*"],
        conditions={op: dict(body) for op, body in conditions.items()},
    )
    result = key.add_to_resource_policy(statement, allow_no_op=True)
    if result.statement_added:
        return True
    shown = {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": {"Service": readable_service or service},
        "Action": list(actions),
        "Resource": "*",
        "Condition": dict(readable_conditions or conditions),
    }
    Annotations.of(scope).add_warning_v2(
        KEY_POLICY_WARNING_ID,
        f"The KMS key {_plain(key.key_arn, '(imported key)')} was imported, so this app cannot "
        f"edit its key policy. Add this statement to the key policy yourself, or "
        f"{readable_service or service} "
        f"cannot use the key: {json.dumps(shown, sort_keys=True)}",
    )
    return False


def allow_cloudwatch_logs(scope: Construct, key: kms.IKey) -> bool:
    """Let CloudWatch Logs use ``key`` for the log groups of this account and region only."""
    stack = Stack.of(scope)
    service = f"logs.{stack.region}.amazonaws.com"
    log_groups_arn = stack.format_arn(
        service="logs",
        resource="log-group",
        resource_name="*",
        arn_format=ArnFormat.COLON_RESOURCE_NAME,
    )
    condition_key = "kms:EncryptionContext:aws:logs:arn"
    readable = (
        f"arn:{_plain(stack.partition, 'aws')}:logs:{_plain(stack.region, '<region>')}:"
        f"{_plain(stack.account, '<account-id>')}:log-group:*"
    )
    return add_service_statement(
        scope,
        key,
        service=service,
        readable_service=f"logs.{_plain(stack.region, '<region>')}.amazonaws.com",
        actions=LOGS_KEY_ACTIONS,
        conditions={"ArnLike": {condition_key: log_groups_arn}},
        readable_conditions={"ArnLike": {condition_key: readable}},
        sid="AllowCloudWatchLogsOfThisAccountAndRegion",
    )
