"""Container logs to an encrypted log group, with the execution role's permission in a
customer managed policy.

aws-cdk-lib's ``LogDrivers.aws_logs`` grants the execution role through its inline default
policy (a NIST 800-53 ``IAMNoInlinePolicy`` finding on a role the library does not own). Here the
``awslogs`` driver is configured directly and the grant is a managed policy of our own,
attached to the execution role, that the task definition waits for.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Stack
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from constructs_obs.logs.encrypted_log_group import ALLOWED_RETENTION_DAYS, EncryptedLogGroup
from constructs_obs.private.validate import Check


def check_log_retention(
    check: Check, retention: object, parameter: str = "log_retention"
) -> logs.RetentionDays | int:
    """A ``logs.RetentionDays`` or a number of days CloudWatch Logs accepts, refused under the
    caller's own parameter name (``EncryptedLogGroup`` would name its ``retention``)."""
    if isinstance(retention, logs.RetentionDays):
        return retention
    if isinstance(retention, bool) or not isinstance(retention, int):
        check.fail(parameter, f"expected logs.RetentionDays or a number of days, got {retention!r}")
    if retention not in ALLOWED_RETENTION_DAYS:
        check.fail(
            parameter,
            f"{retention} days is not a retention CloudWatch Logs accepts; allowed days: "
            f"{', '.join(map(str, ALLOWED_RETENTION_DAYS))} "
            "(or logs.RetentionDays.INFINITE to never expire)",
        )
    return retention


def collector_log_group(
    scope: Construct,
    check: Check,
    given: object,
    retention: object,
    encryption_key: kms.IKey | None,
) -> tuple[logs.ILogGroup, kms.IKey | None]:
    """The log group a sidecar logs to: the user's (an ``EncryptedLogGroup`` or a CDK log
    group) or a new ``EncryptedLogGroup`` (``Logs``); and the key of the one created here."""
    if isinstance(given, EncryptedLogGroup):
        given = given.log_group
    if given is not None:
        if not isinstance(given, Construct) or not hasattr(given, "log_group_arn"):
            check.fail(
                "log_group",
                "expected an EncryptedLogGroup or a CDK log group (logs.ILogGroup, e.g. "
                f"logs.LogGroup.from_log_group_name(...)), got {given!r}",
            )
        if encryption_key is not None:
            check.fail(
                "encryption_key",
                "applies to the log group created here; pass either log_group or encryption_key",
            )
        return given, None  # type: ignore[return-value]  # an ILogGroup, checked above
    days = check_log_retention(check, retention)
    created = EncryptedLogGroup(scope, "Logs", retention=days, encryption_key=encryption_key)
    return created.log_group, created.encryption_key


def awslogs_driver(
    scope: Construct, log_group: logs.ILogGroup, stream_prefix: str, *, non_blocking: bool
) -> ecs.LogDriver:
    """The ``awslogs`` driver writing to ``log_group`` (no permission granted here).

    ``non_blocking`` buffers log lines in memory (up to 25 MiB) instead of blocking the
    container's stdout when CloudWatch Logs is slow: right for a sidecar that must never stall.
    """
    options = {
        "awslogs-group": log_group.log_group_name,
        "awslogs-region": Stack.of(scope).region,
        "awslogs-stream-prefix": stream_prefix,
    }
    if non_blocking:
        options |= {"mode": "non-blocking", "max-buffer-size": "25m"}
    return ecs.GenericLogDriver(log_driver="awslogs", options=options)


def log_delivery_policy(
    scope: Construct,
    id: str,
    *,
    task_definition: ecs.TaskDefinition,
    log_groups: Sequence[logs.ILogGroup],
    description: str,
) -> iam.ManagedPolicy:
    """A managed policy on the execution role that lets the ``awslogs`` driver write to
    ``log_groups``; the task definition depends on it, so tasks start with it in place."""
    role = task_definition.obtain_execution_role()
    policy = iam.ManagedPolicy(
        scope,
        id,
        description=description,
        roles=[role],
        statements=[
            iam.PolicyStatement(
                sid="WriteContainerLogs",
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[group.log_group_arn for group in log_groups],
            )
        ],
    )
    cfn_task_definition = task_definition.node.default_child
    if cfn_task_definition is not None:
        cfn_task_definition.node.add_dependency(policy)
    return policy
