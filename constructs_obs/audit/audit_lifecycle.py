"""How long an ``AuditTrail`` keeps its log files: storage tiers, expiry and object lock.

Log files move to S3 Standard-IA, then Glacier Flexible Retrieval, then expire, under S3's
rules: a transition to infrequent access comes after 30 days at least, an object stays 30
days in infrequent access before Glacier, expiry comes after the last transition, and a
lifecycle rule needs at least one action (S3 refuses an empty one). Object lock (GOVERNANCE
or COMPLIANCE) keeps every version from deletion for its retention, which therefore may not
outlive the expiry. S3 lifecycle rules and object lock count whole days.

Object lock is on by default for the trail's bucket (``DEFAULT_OBJECT_LOCK``: GOVERNANCE,
one year), opt-out with ``object_lock=None``. Audit logs are evidence: a log file deleted or
overwritten within its first year is still recoverable, even by someone with ``s3:Delete*``
on the bucket, unless they also hold ``s3:BypassGovernanceRetention``. The bucket keeps no
cross-region replica (a destination in another region only the user can choose), so this lock,
versioning and RETAIN are what protect the log files in place. Object lock can never be turned
off again on a bucket once on; GOVERNANCE (not COMPLIANCE) keeps an escape hatch for
administrators.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from aws_cdk import Duration
from aws_cdk import aws_s3 as s3

from constructs_obs.private.validate import Check

__all__ = [
    "DEFAULT_OBJECT_LOCK",
    "AuditLifecycle",
    "ObjectLockMode",
    "ObjectLockOptions",
    "check_lifecycle",
    "lifecycle_rule",
    "object_lock_retention",
]

_TIERS = ("infrequent_access_after", "glacier_after", "expire_after")


class ObjectLockMode(Enum):
    GOVERNANCE = "GOVERNANCE"
    """Users with ``s3:BypassGovernanceRetention`` can still delete: a safety net."""
    COMPLIANCE = "COMPLIANCE"
    """Nobody, root included, can delete before the retention ends: irreversible."""


@dataclass(frozen=True)
class ObjectLockOptions:
    mode: ObjectLockMode
    retention: Duration


DEFAULT_OBJECT_LOCK: ObjectLockOptions = ObjectLockOptions(
    ObjectLockMode.GOVERNANCE, Duration.days(365)
)
"""The trail bucket's object lock unless the user opts out (``object_lock=None``)."""


@dataclass(frozen=True)
class AuditLifecycle:
    """Lifecycle of the log files. Default: infrequent access after 90 days, Glacier Flexible
    Retrieval after 365 days, deleted after 7 years (2557 days).

    Whole days only. S3's own rules apply: infrequent access after 30 days at least, then 30
    days more in it before Glacier, and expiry after the last transition. A log file deleted
    or overwritten early stays as a noncurrent version for ``expire_after`` too (forever when
    ``expire_after`` is None)."""

    infrequent_access_after: Duration | None = field(default_factory=lambda: Duration.days(90))
    glacier_after: Duration | None = field(default_factory=lambda: Duration.days(365))
    expire_after: Duration | None = field(default_factory=lambda: Duration.days(2557))


def check_lifecycle(
    check: Check, lifecycle: AuditLifecycle, lock: ObjectLockOptions | None
) -> None:
    """Check ``lifecycle`` and ``lock`` against S3's rules, under the trail's parameter names."""
    if not isinstance(lifecycle, AuditLifecycle):
        check.fail("lifecycle", f"expected an AuditLifecycle, got {lifecycle!r}")
    if all(getattr(lifecycle, name) is None for name in _TIERS):
        check.fail(
            "lifecycle",
            "sets no transition and no expiry, and S3 refuses a lifecycle rule without an "
            "action; to keep the log files forever, keep a transition, e.g. "
            "AuditLifecycle(glacier_after=None, expire_after=None) (infrequent access after "
            "90 days, never deleted)",
        )
    if lock is not None:
        if not isinstance(lock, ObjectLockOptions):
            check.fail("object_lock", f"expected ObjectLockOptions, got {lock!r}")
        check.choice(
            "object_lock.mode",
            lock.mode,
            tuple(ObjectLockMode),
            "ObjectLockMode.GOVERNANCE, ObjectLockMode.COMPLIANCE",
        )
    days = _check_tiers(check, lifecycle)
    if lock is not None:
        retention = check.whole_days("object_lock", lock.retention, minimum=1)
        if "expire_after" in days and retention > days["expire_after"]:
            default = " (the default object lock)" if lock is DEFAULT_OBJECT_LOCK else ""
            check.fail(
                "object_lock",
                f"retention of {retention} days{default} outlives the expiry after "
                f"{days['expire_after']} days; pass a shorter object_lock, or "
                "object_lock=None for none",
            )


def _check_tiers(check: Check, lifecycle: AuditLifecycle) -> dict[str, int]:
    """The days of each tier that is set, checked: whole, in order, S3's minimum stays."""
    days = {
        name: check.whole_days(f"lifecycle.{name}", value, minimum=1)
        for name, value in (
            ("infrequent_access_after", lifecycle.infrequent_access_after),
            ("glacier_after", lifecycle.glacier_after),
            ("expire_after", lifecycle.expire_after),
        )
        if value is not None
    }
    if days.get("infrequent_access_after", 30) < 30:
        check.fail("lifecycle", "S3 moves objects to infrequent access after 30 days at least")
    ordered = [days[k] for k in _TIERS if k in days]
    if ordered != sorted(ordered) or len(set(ordered)) != len(ordered):
        check.fail(
            "lifecycle",
            f"transitions must come in order (infrequent access < Glacier < expiry), got {days}",
        )
    if "infrequent_access_after" in days and "glacier_after" in days:
        in_ia = days["glacier_after"] - days["infrequent_access_after"]
        if in_ia < 30:
            check.fail(
                "lifecycle",
                "S3 keeps objects in infrequent access 30 days at least before Glacier: "
                f"glacier_after must be >= infrequent_access_after + 30 days, got {in_ia} "
                "days in between",
            )
    return days


def lifecycle_rule(lifecycle: AuditLifecycle) -> s3.LifecycleRule:
    """The bucket's ``AuditLogTiers`` rule: the transitions and the expiry of ``lifecycle``."""
    transitions = []
    if lifecycle.infrequent_access_after is not None:
        transitions.append(
            s3.Transition(
                storage_class=s3.StorageClass.INFREQUENT_ACCESS,
                transition_after=lifecycle.infrequent_access_after,
            )
        )
    if lifecycle.glacier_after is not None:
        transitions.append(
            s3.Transition(
                storage_class=s3.StorageClass.GLACIER, transition_after=lifecycle.glacier_after
            )
        )
    return s3.LifecycleRule(
        id="AuditLogTiers", transitions=transitions or None, expiration=lifecycle.expire_after
    )


def object_lock_retention(options: ObjectLockOptions | None) -> s3.ObjectLockRetention | None:
    """The bucket's default retention for ``options`` (``None``: no object lock)."""
    if options is None:
        return None
    if options.mode is ObjectLockMode.COMPLIANCE:
        return s3.ObjectLockRetention.compliance(options.retention)
    return s3.ObjectLockRetention.governance(options.retention)
