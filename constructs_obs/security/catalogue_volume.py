"""The volume detections of the catalogue: metric filters whose count raises an alarm.

A single secret read, decrypted parameter or deletion is routine; hundreds in five minutes are
an attacker harvesting credentials or destroying data. CloudWatch Logs counts the matching
records of the trail's log group (``SecurityVolumeAlarms``) and an alarm fires at the
threshold, which the user sets per detection. The count covers every principal of the
account; the forensic queries of ``AuditQueries`` say who.
"""

from __future__ import annotations

from typing import Final

from constructs_obs.alarms.severity import Severity
from constructs_obs.security.detection_spec import (
    AttackTactic,
    DetectionSource,
    SecurityDetection,
    SecurityDetectionSpec,
)

__all__ = ["VOLUME"]

_FILTER = DetectionSource.METRIC_FILTER

VOLUME: Final[tuple[SecurityDetectionSpec, ...]] = (
    SecurityDetectionSpec(
        SecurityDetection.BULK_SECRET_READS,
        "Many Secrets Manager secret values were read",
        '{ ($.eventSource = "secretsmanager.amazonaws.com") && '
        '(($.eventName = "GetSecretValue") || ($.eventName = "BatchGetSecretValue")) }',
        Severity.WARNING,
        AttackTactic.CREDENTIAL_ACCESS,
        ("T1555.006",),
        "Find the principal with the most reads in the trail (AuditQueries) and confirm it "
        "needs them.",
        source=_FILTER,
        threshold=50,
    ),
    SecurityDetectionSpec(
        SecurityDetection.BULK_PARAMETER_DECRYPTION,
        "Many SSM parameters were read with decryption",
        '{ ($.eventSource = "ssm.amazonaws.com") && (($.eventName = "GetParameter") || '
        '($.eventName = "GetParameters") || ($.eventName = "GetParametersByPath")) && '
        "($.requestParameters.withDecryption IS TRUE) }",
        Severity.WARNING,
        AttackTactic.CREDENTIAL_ACCESS,
        ("T1555.006",),
        "Find the principal with the most decrypting reads and confirm it needs them.",
        source=_FILTER,
        threshold=50,
    ),
    SecurityDetectionSpec(
        SecurityDetection.MASS_DELETION,
        "Many resources were deleted or terminated",
        '{ (($.eventName = "Delete*") || ($.eventName = "TerminateInstances")) && '
        '($.errorCode NOT EXISTS) && ($.eventType = "AwsApiCall") }',
        Severity.CRITICAL,
        AttackTactic.IMPACT,
        ("T1485",),
        "Unless a planned teardown runs, stop the principal's sessions and check backups.",
        source=_FILTER,
        threshold=100,
    ),
)
