"""Alarms that reach someone: routing by severity, encrypted topics, alarm kinds, presets,
and remediation (names imported on first use).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from constructs_obs.private.lazy import lazy_exports

if TYPE_CHECKING:
    from constructs_obs.alarms.definitions import (
        AlarmIdentity,
        add_anomaly_alarm,
        add_composite_alarm,
        add_threshold_alarm,
    )
    from constructs_obs.alarms.fargate_alarms import (
        FargateServiceAlarms,
    )
    from constructs_obs.alarms.lambda_alarms import (
        LambdaFunctionAlarms,
    )
    from constructs_obs.alarms.naming import (
        Severity,
    )
    from constructs_obs.alarms.preset import (
        AlarmOptions,
    )
    from constructs_obs.alarms.rds_alarms import (
        RdsInstanceAlarms,
    )
    from constructs_obs.alarms.remediation import (
        AlarmRemediation,
        RemediationAction,
    )
    from constructs_obs.alarms.routing import (
        AlarmActionSource,
        AlarmRouting,
        IncidentMatch,
        IncidentTarget,
    )
    from constructs_obs.alarms.topic import (
        AlarmTopic,
    )

_EXPORTS: dict[str, str] = {
    "AlarmActionSource": "constructs_obs.alarms.routing",
    "AlarmIdentity": "constructs_obs.alarms.definitions",
    "AlarmOptions": "constructs_obs.alarms.preset",
    "AlarmRemediation": "constructs_obs.alarms.remediation",
    "AlarmRouting": "constructs_obs.alarms.routing",
    "AlarmTopic": "constructs_obs.alarms.topic",
    "FargateServiceAlarms": "constructs_obs.alarms.fargate_alarms",
    "IncidentMatch": "constructs_obs.alarms.routing",
    "IncidentTarget": "constructs_obs.alarms.routing",
    "LambdaFunctionAlarms": "constructs_obs.alarms.lambda_alarms",
    "RdsInstanceAlarms": "constructs_obs.alarms.rds_alarms",
    "RemediationAction": "constructs_obs.alarms.remediation",
    "Severity": "constructs_obs.alarms.naming",
    "add_anomaly_alarm": "constructs_obs.alarms.definitions",
    "add_composite_alarm": "constructs_obs.alarms.definitions",
    "add_threshold_alarm": "constructs_obs.alarms.definitions",
}

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

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
