"""AuditLifecycle and ObjectLockOptions: the tiers, expiry and object lock of the log bucket,
and what S3 refuses."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest

from constructs_obs import InvalidParameterError
from constructs_obs.audit import AuditLifecycle, AuditTrail, ObjectLockMode, ObjectLockOptions
from constructs_obs.audit.audit_lifecycle import DEFAULT_OBJECT_LOCK
from tests.audit.audit_stacks import log_bucket
from tests.support.harness import Synthesized


def test_defaults_keep_log_files_seven_years() -> None:
    lifecycle = AuditLifecycle()
    assert lifecycle.infrequent_access_after is not None
    assert lifecycle.glacier_after is not None
    assert lifecycle.expire_after is not None
    assert lifecycle.infrequent_access_after.to_days() == 90
    assert lifecycle.glacier_after.to_days() == 365
    assert lifecycle.expire_after.to_days() == 2557


def test_lifecycle_and_object_lock(synthesized: Synthesized) -> None:
    # The "Audit" trail passes no object_lock: the default locks log files for a year.
    properties = log_bucket(synthesized)["Properties"]
    rules = {r["Id"]: r for r in properties["LifecycleConfiguration"]["Rules"]}
    tiers = rules["AuditLogTiers"]
    assert tiers["ExpirationInDays"] == 2557
    assert [t["StorageClass"] for t in tiers["Transitions"]] == ["STANDARD_IA", "GLACIER"]
    assert properties["ObjectLockEnabled"] is True
    assert properties["ObjectLockConfiguration"]["Rule"]["DefaultRetention"] == {
        "Mode": "GOVERNANCE",
        "Days": 365,
    }
    # A deleted log file stays recoverable (as a noncurrent version) as long as the others.
    assert rules["ExpireNoncurrentVersions"]["NoncurrentVersionExpiration"] == {
        "NoncurrentDays": 2557
    }
    org = log_bucket(synthesized, "OrgAudit")["Properties"]
    assert org["ObjectLockEnabled"] is True
    assert org["ObjectLockConfiguration"] == {
        "ObjectLockEnabled": "Enabled",
        "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": 2557}},
    }
    org_rules = {r["Id"]: r for r in org["LifecycleConfiguration"]["Rules"]}
    assert org_rules["AuditLogTiers"]["ExpirationInDays"] == 3653
    assert [t["StorageClass"] for t in org_rules["AuditLogTiers"]["Transitions"]] == ["STANDARD_IA"]
    assert org_rules["ExpireNoncurrentVersions"]["NoncurrentVersionExpiration"] == {
        "NoncurrentDays": 3653
    }


def test_object_lock_can_be_turned_off(synthesized: Synthesized) -> None:
    properties = log_bucket(synthesized, "KeepForever")["Properties"]
    assert "ObjectLockEnabled" not in properties
    assert "ObjectLockConfiguration" not in properties


def test_the_default_object_lock_is_governance_for_a_year() -> None:
    assert DEFAULT_OBJECT_LOCK.mode is ObjectLockMode.GOVERNANCE
    assert DEFAULT_OBJECT_LOCK.retention.to_days() == 365


def test_files_kept_forever_keep_their_noncurrent_versions_too(synthesized: Synthesized) -> None:
    bucket = log_bucket(synthesized, "KeepForever")
    by_id = {rule["Id"]: rule for rule in bucket["Properties"]["LifecycleConfiguration"]["Rules"]}
    assert "ExpirationInDays" not in by_id["AuditLogTiers"]
    assert "ExpireNoncurrentVersions" not in by_id
    assert "NoncurrentVersionExpiration" not in by_id["AbortIncompleteUploads"]
    assert by_id["AbortIncompleteUploads"]["AbortIncompleteMultipartUpload"] == {
        "DaysAfterInitiation": 7
    }


#: Keyword arguments of AuditTrail with a lifecycle or object lock S3 refuses, and the error.
LIFECYCLE_CASES: list[tuple[dict[str, Any], str]] = [
    (
        {"lifecycle": AuditLifecycle(infrequent_access_after=cdk.Duration.days(10))},
        "lifecycle: S3 moves objects to infrequent access after 30 days",
    ),
    (
        {"lifecycle": AuditLifecycle(glacier_after=cdk.Duration.days(30))},
        "lifecycle: transitions must come in order",
    ),
    (
        {
            "lifecycle": AuditLifecycle(
                infrequent_access_after=cdk.Duration.days(60), glacier_after=cdk.Duration.days(80)
            )
        },
        "lifecycle: S3 keeps objects in infrequent access 30 days at least before Glacier",
    ),
    (
        {"lifecycle": AuditLifecycle(expire_after=cdk.Duration.hours(36))},
        "lifecycle.expire_after: must be a whole number of days",
    ),
    (
        {"object_lock": ObjectLockOptions(ObjectLockMode.COMPLIANCE, cdk.Duration.hours(12))},
        "object_lock: must be a whole number of days",
    ),
    (
        {"object_lock": ObjectLockOptions(ObjectLockMode.COMPLIANCE, cdk.Duration.days(4000))},
        "object_lock: retention of 4000 days outlives the expiry after 2557 days",
    ),
    ({"lifecycle": cdk.Duration.days(90)}, "lifecycle: expected an AuditLifecycle"),
    (
        {"lifecycle": AuditLifecycle(None, None, None)},
        r"lifecycle: sets no transition and no expiry, and S3 refuses a lifecycle rule without "
        r"an action; to keep the log files forever, keep a transition",
    ),
    (
        {
            "lifecycle": AuditLifecycle(
                infrequent_access_after=None,
                glacier_after=None,
                expire_after=cdk.Duration.days(180),
            )
        },
        r"object_lock: retention of 365 days \(the default object lock\) outlives the expiry "
        r"after 180 days; pass a shorter object_lock, or object_lock=None for none",
    ),
    ({"object_lock": cdk.Duration.days(90)}, "object_lock: expected ObjectLockOptions"),
    (
        {"object_lock": ObjectLockOptions("COMPLIANCE", cdk.Duration.days(30))},  # type: ignore[arg-type]
        "object_lock.mode: 'COMPLIANCE' is not allowed; allowed: ObjectLockMode.GOVERNANCE",
    ),
]


@pytest.mark.parametrize(("kwargs", "message"), LIFECYCLE_CASES)
def test_bad_lifecycle(stack: cdk.Stack, kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidParameterError, match=message):
        AuditTrail(stack, "Trail", **kwargs)


def test_a_short_expiry_needs_no_lock_or_a_shorter_one(stack: cdk.Stack) -> None:
    short = AuditLifecycle(
        infrequent_access_after=None, glacier_after=None, expire_after=cdk.Duration.days(180)
    )
    AuditTrail(stack, "NoLock", lifecycle=short, object_lock=None, athena=False)
    shorter = ObjectLockOptions(ObjectLockMode.GOVERNANCE, cdk.Duration.days(90))
    AuditTrail(stack, "ShortLock", lifecycle=short, object_lock=shorter, athena=False)
