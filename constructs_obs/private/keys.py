"""Customer managed KMS keys and the key-policy statements AWS services need to use them.

aws-cdk-lib hands a customer key to a log group, a topic or a trail without adding the service
to the key policy; the deployment then fails (or the service silently cannot write). The
helpers here add a statement scoped by the service's own conditions, and, for an imported key
whose policy this app cannot edit, emit a synth-time warning that prints the statement the
user must add themselves.
"""

from __future__ import annotations

import json
import weakref
from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import Annotations, CfnDeletionPolicy, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from constructs_obs.private.scopes import stack_facts
from constructs_obs.private.validate import Check, is_token

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


def check_key_inputs(
    check: Check,
    encryption_key: object,
    encryption_key_props: object,
    *,
    cannot_encrypt: str = "data for AWS services, which use",
) -> None:
    """A key (not a string or an ARN), or props of a symmetric encryption key: every service
    the library encrypts for (Logs, SNS, SQS, S3, CloudTrail, X-Ray) takes only those.
    ``cannot_encrypt`` words the refusal of another key spec ("<it> only symmetric keys")."""
    if encryption_key is not None and not hasattr(encryption_key, "key_arn"):
        check.fail(
            "encryption_key",
            "expected a kms.IKey (kms.Key, or kms.Key.from_key_arn for an ARN), got "
            f"{type(encryption_key).__name__}",
        )
    if encryption_key_props is None:
        return
    if not isinstance(encryption_key_props, kms.KeyProps):
        check.fail(
            "encryption_key_props",
            f"expected a kms.KeyProps, got {type(encryption_key_props).__name__}",
        )
    values = key_props_values(encryption_key_props)
    for name, allowed in (
        ("key_spec", kms.KeySpec.SYMMETRIC_DEFAULT),
        ("key_usage", kms.KeyUsage.ENCRYPT_DECRYPT),
    ):
        given = values.get(name)
        if given is not None and given != allowed:
            check.fail(
                "encryption_key_props",
                f"{name}={given} cannot encrypt {cannot_encrypt} only "
                f"symmetric encryption keys ({name}={allowed}, the default)",
            )


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
    check_key_inputs(check, encryption_key, encryption_key_props)
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


def check_key_outlives(
    check: Check,
    parameter: str,
    key: kms.IKey,
    *,
    data_removal: RemovalPolicy,
    created_with: kms.KeyProps | bool | None,
    data: str,
) -> None:
    """Refuse a key of this app that is deleted with its stack while the ``data`` it encrypts
    stays: the retained data could never be decrypted again. (An imported key's deletion is
    not this app's to see.) ``created_with`` is False for a key the user gave (its removal
    policy is read from its template), else the props ``resolve_key`` created it with (None:
    the defaults), whose removal policy is known in Python."""
    if data_removal == RemovalPolicy.DESTROY or not isinstance(key, kms.Key):
        return
    if created_with is not False:
        props = None if created_with is True else created_with
        chosen = key_props_values(props).get("removal_policy", RemovalPolicy.RETAIN)
        deleted = chosen == RemovalPolicy.DESTROY
    else:
        cfn_key = key.node.default_child
        if not isinstance(cfn_key, kms.CfnKey):
            return
        # CloudFormation deletes a resource without a DeletionPolicy.
        deleted = cfn_key.cfn_options.deletion_policy in (None, CfnDeletionPolicy.DELETE)
    if deleted:
        check.fail(
            parameter,
            f"the key {key.node.path} is deleted with its stack (RemovalPolicy.DESTROY) but "
            f"the {data} is retained: its events could never be decrypted again; give the "
            f"key RemovalPolicy.RETAIN, or the {data} removal_policy=RemovalPolicy.DESTROY too",
        )


def _plain(value: str, placeholder: str) -> str:
    return placeholder if is_token(value) else value


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


# Keys whose policy already holds the CloudWatch Logs statement (added by this module): every
# log group of a key shares the one statement, which covers the log groups of the account and
# region. Weakly keyed, so apps built in tests do not leak.
_LOGS_ALLOWED: weakref.WeakKeyDictionary[kms.IKey, set[tuple[str, str, str]]] = (
    weakref.WeakKeyDictionary()
)
LOGS_SID = "AllowCloudWatchLogsOfThisAccountAndRegion"


def allow_cloudwatch_logs(scope: Construct, key: kms.IKey) -> bool:
    """Let CloudWatch Logs use ``key`` for the log groups of this account and region only.

    One statement per key: a second log group of the same key finds it already there (the
    encryption-context condition covers every log group of the account and region, and only
    them), so nothing is added or read through jsii again.
    """
    facts = stack_facts(scope)
    partition, region, account = facts.partition, facts.region, facts.account
    if (partition, region, account) in _LOGS_ALLOWED.get(key, ()):
        return True
    # The ARN ``Stack.format_arn`` would build, joined here from the stack's own values.
    log_groups_arn = f"arn:{partition}:logs:{region}:{account}:log-group:*"
    condition_key = "kms:EncryptionContext:aws:logs:arn"
    readable = (
        f"arn:{_plain(partition, 'aws')}:logs:{_plain(region, '<region>')}:"
        f"{_plain(account, '<account-id>')}:log-group:*"
    )
    added = add_service_statement(
        scope,
        key,
        service=f"logs.{region}.amazonaws.com",
        readable_service=f"logs.{_plain(region, '<region>')}.amazonaws.com",
        actions=LOGS_KEY_ACTIONS,
        conditions={"ArnLike": {condition_key: log_groups_arn}},
        readable_conditions={"ArnLike": {condition_key: readable}},
        sid=LOGS_SID,
    )
    if added:
        _LOGS_ALLOWED.setdefault(key, set()).add((partition, region, account))
    return added
