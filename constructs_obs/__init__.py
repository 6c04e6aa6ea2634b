"""constructs-obs: AWS CDK v2 constructs for observability and audit, secure by construction."""

from __future__ import annotations

from constructs_obs.alarms import (
    AlarmIdentity,
    AlarmOptions,
    AlarmRemediation,
    AlarmRouting,
    AlarmTopic,
    FargateServiceAlarms,
    IncidentMatch,
    IncidentTarget,
    LambdaFunctionAlarms,
    RdsInstanceAlarms,
    RemediationAction,
    Severity,
    add_anomaly_alarm,
    add_composite_alarm,
    add_threshold_alarm,
)
from constructs_obs.errors import ConstructsObsError, InvalidParameterError
from constructs_obs.log_archive import LogArchive, LogArchiveOptions
from constructs_obs.log_group import (
    ALLOWED_RETENTION_DAYS,
    DEFAULT_METRIC_NAMESPACE,
    EncryptedLogGroup,
    PatternAlarm,
    PiiProtection,
)
from constructs_obs.security import (
    ALL_CIS_CONTROLS,
    ALL_DETECTIONS,
    CisBenchmarkAlarms,
    CisControl,
    Detection,
    SecurityEventRules,
)

__all__ = [
    "ALLOWED_RETENTION_DAYS",
    "ALL_CIS_CONTROLS",
    "ALL_DETECTIONS",
    "DEFAULT_METRIC_NAMESPACE",
    "AlarmIdentity",
    "AlarmOptions",
    "AlarmRemediation",
    "AlarmRouting",
    "AlarmTopic",
    "CisBenchmarkAlarms",
    "CisControl",
    "ConstructsObsError",
    "Detection",
    "EncryptedLogGroup",
    "FargateServiceAlarms",
    "IncidentMatch",
    "IncidentTarget",
    "InvalidParameterError",
    "LambdaFunctionAlarms",
    "LogArchive",
    "LogArchiveOptions",
    "PatternAlarm",
    "PiiProtection",
    "RdsInstanceAlarms",
    "RemediationAction",
    "SecurityEventRules",
    "Severity",
    "add_anomaly_alarm",
    "add_composite_alarm",
    "add_threshold_alarm",
]
