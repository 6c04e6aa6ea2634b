"""Properties of the audit family: AuditTrail and AuditQueries (with TrailLogLocation).

Each parameter in turn gets a wrong type, an empty or an oversized value (``tests.support.
properties``): the construct refuses it naming the parameter, or the template passes the harness.
An account trail is one per stack here (its bucket, key and log group are big): each trail
example gets a stack of its own.
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct
from hypothesis import given, settings

from constructs_obs.audit import (
    AuditLifecycle,
    AuditQueries,
    AuditTrail,
    DataEventSelector,
    ObjectLockMode,
    ObjectLockOptions,
    TrailLogLocation,
)
from tests.support.properties import (
    PROPERTY_SETTINGS,
    Examples,
    Value,
    built,
    cases,
    durations,
    literal,
    oversized_text,
    sizes,
)

ORG = "o-a1b2c3d4e5"
KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"

_TRAIL: dict[str, list[Value]] = {
    "trail_name": [literal("audit trail"), oversized_text(129), literal("audit-trail")],
    "organization_id": [literal("o-bad"), literal(ORG)],
    "management_account_id": [literal("123"), literal("210987654321")],
    "cloudwatch_logs_retention": [
        literal(7),
        literal(4000),
        literal(logs.RetentionDays.ONE_DAY, "RetentionDays.ONE_DAY"),
    ],
    "data_events": [
        literal("s3"),
        built("[DataEventSelector.s3()]", lambda _s: [DataEventSelector.s3()]),
    ],
    "insights": [literal("yes"), literal(False)],
    "object_lock": [
        literal(None),
        literal(ObjectLockOptions(ObjectLockMode.GOVERNANCE, cdk.Duration.days(0)), "lock 0 d"),
        literal(
            ObjectLockOptions(ObjectLockMode.COMPLIANCE, cdk.Duration.days(30)), "COMPLIANCE 30 d"
        ),
        literal("GOVERNANCE"),
    ],
    "lifecycle": [
        literal(AuditLifecycle(expire_after=cdk.Duration.days(30)), "expire after 30 d"),
        literal(AuditLifecycle(glacier_after=None, expire_after=None), "keep forever"),
    ],
    "s3_key_prefix": [literal("/abs"), oversized_text(300), literal("cloudtrail")],
    "encryption_key": [
        built("a Key", lambda s: kms.Key(s, "UserKey", enable_key_rotation=True)),
        literal(KEY_ARN),
    ],
    "athena": [literal("no"), literal(True)],
    "athena_regions": [literal("eu-west-1"), literal(["mars-1"]), literal(["eu-west-1"])],
    "athena_accounts": [literal(["111111111111"]), literal("111111111111")],
}

_QUERIES: dict[str, list[Value]] = {
    "trail": [
        literal("trail-logs"),
        built(
            "a TrailLogLocation without key",
            lambda s: TrailLogLocation(bucket=s3.Bucket.from_bucket_name(s, "Other", "other")),
        ),
    ],
    "regions": [literal("eu-west-1"), literal(["mars-1"]), literal(["us-east-1"])],
    "accounts": [literal(["123"]), literal("123456789012"), literal(["210987654321"])],
    "projection_start": [literal("2024-01-01"), literal("1999/01/01"), literal("2025/06/01")],
    "bytes_scanned_cutoff": sizes(),
    "results_expiration": durations(),
    "database_name": [literal("Bad-Name"), oversized_text(256), literal("audit_db")],
    "workgroup_name": [literal("bad name"), oversized_text(129), literal("forensics")],
}


def _build_trail(scope: Construct, kwargs: dict[str, Any]) -> None:
    AuditTrail(scope, "Trail", **{"athena": False, **kwargs})


def _build_queries(scope: Construct, kwargs: dict[str, Any]) -> None:
    location = TrailLogLocation(
        bucket=s3.Bucket.from_bucket_name(scope, "Logs", "trail-logs"),
        encryption_key=kms.Key.from_key_arn(scope, "LogsKey", KEY_ARN),
    )
    arguments: dict[str, Any] = {
        "trail": location,
        "regions": ["eu-west-1"],
        "workgroup_name": f"{scope.node.id.lower()}-audit",
        "database_name": f"{scope.node.id.lower()}_audit",
        **kwargs,
    }
    AuditQueries(scope, "Queries", **arguments)


@settings(PROPERTY_SETTINGS, max_examples=20)  # a stack per accepted trail: fewer examples
@given(case=cases(_TRAIL))
def audit_trail(examples: Examples, case: tuple[str, Value]) -> None:
    examples.attempt(*case, _build_trail, fresh_stack=True)


@PROPERTY_SETTINGS
@given(case=cases(_QUERIES))
def audit_queries(examples: Examples, case: tuple[str, Value]) -> None:
    examples.attempt(*case, _build_queries)


def baselines(examples: Examples) -> None:
    """Valid arguments for every construct of the family: each is built."""
    examples.attempt("baseline", None, _build_trail, fresh_stack=True)
    examples.attempt("baseline", None, _build_queries)


PROPERTIES = (baselines, audit_trail, audit_queries)


@pytest.fixture(scope="module")
def examples() -> Examples:
    return Examples("audit")


@pytest.mark.parametrize("prop", PROPERTIES, ids=lambda prop: prop.__name__)
def test_refuses_by_name_or_builds(examples: Examples, prop: Any) -> None:
    # GIVEN one parameter at a time set to a wrong, empty or oversized value
    # THEN a Python error names it, or the example is kept for the harness
    examples.run(prop)


def test_every_accepted_example_passes_the_harness(examples: Examples) -> None:
    # GIVEN every example the constructs accepted (the properties run here if not yet)
    # THEN the app they make passes cdk-nag, cfn-lint, checkov and the IAM check
    examples.check(*PROPERTIES)
