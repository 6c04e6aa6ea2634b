"""The audit app the construct tests synthesize once, and lookups into its templates.

Five stacks: ``Audit`` (an account trail with data events, object lock and auditors),
``Auditing`` (auditors whose role lives in a stack of its own), ``OrgAudit`` (an organization
trail created from a delegated administrator account), ``KeepForever`` (log files kept
forever, no Athena) and ``Forensics`` (the queries over that trail, given as a
``TrailLogLocation``).
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_

from constructs_obs.audit import (
    AuditLifecycle,
    AuditQueries,
    AuditTrail,
    DataEventSelector,
    ObjectLockMode,
    ObjectLockOptions,
    ReadWrite,
    TrailLogLocation,
)
from tests.support.harness import Synthesized, new_stack

__all__ = [
    "FUNCTIONS",
    "MANAGEMENT",
    "MEMBERS",
    "ORG",
    "bucket_policy",
    "build_audit_app",
    "key_statements",
    "log_bucket",
    "one",
    "table_of",
    "trail_of",
]

#: The organization's management account, which owns the organization trail.
MANAGEMENT = "210987654321"
ORG = "o-a1b2c3d4e5"
#: The member accounts the organization trail's table projects.
MEMBERS = ["111111111111", "222222222222"]
#: Functions of the management account whose invocations the organization trail records.
FUNCTIONS = [
    f"arn:aws:lambda:eu-west-1:{MANAGEMENT}:function:payments",
    f"arn:aws:lambda:eu-west-1:{MANAGEMENT}:function:refunds",
]


def add_auditors(stack: cdk.Stack, trail: AuditTrail) -> None:
    """A role in ``stack`` that reads the trail's log files and runs its queries."""
    role = iam.Role(stack, "Auditors", assumed_by=iam.AccountRootPrincipal())
    trail.grant_read(role)
    assert trail.queries is not None
    trail.queries.grant_query(role)


def build_audit_app(app: cdk.App) -> None:
    """The stacks of the module docstring."""
    account = new_stack(app, "Audit")
    trail = AuditTrail(
        account,
        "Trail",
        trail_name="org-audit-trail",
        data_events=[
            DataEventSelector.s3(),
            DataEventSelector.lambda_(read_write=ReadWrite.WRITE_ONLY),
        ],
        # object lock: the default, GOVERNANCE for one year
        athena_regions=["eu-west-1", "us-east-1"],
    )
    add_auditors(account, trail)
    # Auditors whose role lives in a stack of its own.
    add_auditors(new_stack(app, "Auditing"), trail)

    organization = new_stack(app, "OrgAudit")
    functions = [
        lambda_.Function.from_function_arn(organization, f"Function{index}", arn)
        for index, arn in enumerate(FUNCTIONS)
    ]
    AuditTrail(
        organization,
        "Trail",
        organization_id=ORG,
        management_account_id=MANAGEMENT,  # created from a delegated administrator account
        s3_key_prefix="cloudtrail",
        data_events=[DataEventSelector.lambda_(functions)],
        insights=False,
        object_lock=ObjectLockOptions(ObjectLockMode.COMPLIANCE, cdk.Duration.days(2557)),
        lifecycle=AuditLifecycle(glacier_after=None, expire_after=cdk.Duration.days(3653)),
        athena_accounts=MEMBERS,
    )

    # Log files kept forever, no Athena here; the queries live in a forensics stack of their
    # own, over the trail's bucket as a TrailLogLocation.
    forever = new_stack(app, "KeepForever")
    kept = AuditTrail(
        forever,
        "Trail",
        lifecycle=AuditLifecycle(glacier_after=None, expire_after=None),
        object_lock=None,  # opted out
        athena=False,
    )
    forensics = new_stack(app, "Forensics")
    AuditQueries(
        forensics,
        "Queries",
        trail=TrailLogLocation(
            bucket=kept.bucket,
            encryption_key=kept.encryption_key,
            access_logs_bucket=kept.access_logs_bucket,
        ),
        regions=["eu-west-1"],
        projection_start="2025/06/01",
        bytes_scanned_cutoff=cdk.Size.gibibytes(2),
        results_expiration=cdk.Duration.days(7),
        workgroup_name="forensics",
    )


def one(
    synthesized: Synthesized, type_: str, stack: str = "Audit", prefix: str = ""
) -> dict[str, Any]:
    """The one resource of ``type_`` in ``stack`` whose logical id starts with ``prefix``."""
    found = [r for k, r in synthesized.resources(type_, stack).items() if k.startswith(prefix)]
    assert len(found) == 1, [type_, prefix, len(found)]
    return found[0]


def trail_of(synthesized: Synthesized, stack: str = "Audit") -> dict[str, Any]:
    """The properties of the trail of ``stack``."""
    return dict(one(synthesized, "AWS::CloudTrail::Trail", stack)["Properties"])


def log_bucket(synthesized: Synthesized, stack: str = "Audit") -> dict[str, Any]:
    """The trail's log bucket (not its access-log bucket)."""
    buckets = synthesized.resources("AWS::S3::Bucket", stack)
    (bucket,) = [
        b for k, b in buckets.items() if k.startswith("TrailBucket") and "AccessLogs" not in k
    ]
    return bucket


def key_statements(synthesized: Synthesized, stack: str = "Audit") -> list[dict[str, Any]]:
    """The statements of the trail key's policy."""
    key = one(synthesized, "AWS::KMS::Key", stack, "TrailKey")
    statements: list[dict[str, Any]] = key["Properties"]["KeyPolicy"]["Statement"]
    return statements


def bucket_policy(synthesized: Synthesized, stack: str) -> list[dict[str, Any]]:
    """The statements of the log bucket's policy."""
    policies = [
        p
        for k, p in synthesized.resources("AWS::S3::BucketPolicy", stack).items()
        if k.startswith("TrailBucketPolicy")
    ]
    (policy,) = policies
    statements: list[dict[str, Any]] = policy["Properties"]["PolicyDocument"]["Statement"]
    return statements


def table_of(synthesized: Synthesized, stack: str = "Audit") -> dict[str, Any]:
    """The ``TableInput`` of the Glue table of ``stack``."""
    table: dict[str, Any] = one(synthesized, "AWS::Glue::Table", stack)["Properties"]["TableInput"]
    return table
