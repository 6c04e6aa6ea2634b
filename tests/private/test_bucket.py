"""HardenedBucket: its acknowledgements say only what is true of the bucket they excuse.

The trail bucket has object lock by default (GOVERNANCE, one year) and the user may opt out; the
replication acknowledgement cites object lock only when the bucket has it (FINDINGS, "IAM and
acknowledgements": the reason cited object lock while it was off).
"""

from __future__ import annotations

import aws_cdk as cdk
import pytest

from constructs_obs import AuditTrail
from constructs_obs.private.bucket import replication_reason
from tests.support.harness import Synthesized, new_stack, synth

RULE = "NIST.800.53.R5-S3BucketReplicationEnabled"


def _build(app: cdk.App) -> None:
    AuditTrail(new_stack(app, "Locked"), "Trail", athena=False)  # object lock: the default
    AuditTrail(new_stack(app, "Unlocked"), "Trail", athena=False, object_lock=None)


@pytest.fixture(scope="module")
def synthesized() -> Synthesized:
    return synth("private_bucket", _build)


def _replication_reasons(synthesized: Synthesized, stack: str) -> dict[str, str]:
    """Construct path of each bucket (below the trail) -> its replication acknowledgement."""
    prefix = f"/{stack}/Trail/Bucket/"
    return {
        finding.where.removeprefix(prefix): finding.message
        for finding in synthesized.acknowledged
        if finding.rule == RULE and finding.where.startswith(prefix)
    }


def _log_bucket_locked(synthesized: Synthesized, stack: str) -> bool:
    buckets = synthesized.resources("AWS::S3::Bucket", stack)
    (log_bucket,) = (b for i, b in buckets.items() if not i.startswith("TrailBucketAccessLogs"))
    return bool(log_bucket["Properties"].get("ObjectLockEnabled"))


@pytest.mark.parametrize(("stack", "locked"), [("Locked", True), ("Unlocked", False)])
def test_replication_reason_cites_object_lock_only_where_the_bucket_has_it(
    synthesized: Synthesized, stack: str, locked: bool
) -> None:
    # GIVEN a trail with the default object lock and one that opted out (object_lock=None)
    reasons = _replication_reasons(synthesized, stack)
    assert _log_bucket_locked(synthesized, stack) is locked
    # THEN the log bucket's reason cites object lock exactly when the bucket has it
    assert reasons["Resource"] == replication_reason(object_lock=locked)
    assert ("object lock" in reasons["Resource"]) is locked
    # AND the access-log bucket (never locked) never cites it
    assert reasons["AccessLogs"] == replication_reason(object_lock=False)


def test_the_two_reasons_differ_in_the_lock_only() -> None:
    assert "object lock" in replication_reason(object_lock=True)
    assert "object lock" not in replication_reason(object_lock=False)
    assert "versioning" in replication_reason(object_lock=False)
