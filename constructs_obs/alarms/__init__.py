"""Alarms that reach someone: routing by severity, encrypted topics, alarm kinds, presets,
and remediation."""

from __future__ import annotations

from constructs_obs.alarms.definitions import (
    AlarmIdentity,
    add_anomaly_alarm,
    add_composite_alarm,
    add_threshold_alarm,
)
from constructs_obs.alarms.fargate_alarms import FargateServiceAlarms
from constructs_obs.alarms.lambda_alarms import LambdaFunctionAlarms
from constructs_obs.alarms.naming import Severity
from constructs_obs.alarms.preset import AlarmOptions
from constructs_obs.alarms.rds_alarms import RdsInstanceAlarms
from constructs_obs.alarms.remediation import AlarmRemediation, RemediationAction
from constructs_obs.alarms.routing import (
    AlarmActionSource,
    AlarmRouting,
    IncidentMatch,
    IncidentTarget,
)
from constructs_obs.alarms.topic import AlarmTopic

__all__ = [
    "AlarmActionSource",
    "AlarmIdentity",
    "AlarmOptions",
    "AlarmRemediation",
    "AlarmRouting",
    "AlarmTopic",
    "FargateServiceAlarms",
    "IncidentMatch",
    "IncidentTarget",
    "LambdaFunctionAlarms",
    "RdsInstanceAlarms",
    "RemediationAction",
    "Severity",
    "add_anomaly_alarm",
    "add_composite_alarm",
    "add_threshold_alarm",
]
