"""Alarms that reach someone: severities, alarm kinds, encrypted topics, routing by severity,
incident targets and presets per service."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from constructs_obs.private.exports import face

if TYPE_CHECKING:
    from constructs_obs.alarms.alarm_kinds import (
        AlarmIdentity as AlarmIdentity,
    )
    from constructs_obs.alarms.alarm_kinds import (
        add_anomaly_alarm as add_anomaly_alarm,
    )
    from constructs_obs.alarms.alarm_kinds import (
        add_composite_alarm as add_composite_alarm,
    )
    from constructs_obs.alarms.alarm_kinds import (
        add_threshold_alarm as add_threshold_alarm,
    )
    from constructs_obs.alarms.alarm_routing import (
        AlarmActionSource as AlarmActionSource,
    )
    from constructs_obs.alarms.alarm_routing import (
        AlarmRouting as AlarmRouting,
    )
    from constructs_obs.alarms.alarm_topic import (
        AlarmTopic as AlarmTopic,
    )
    from constructs_obs.alarms.incident_target import (
        IncidentMatch as IncidentMatch,
    )
    from constructs_obs.alarms.incident_target import (
        IncidentTarget as IncidentTarget,
    )
    from constructs_obs.alarms.presets.fargate_service import (
        FargateServiceAlarms as FargateServiceAlarms,
    )
    from constructs_obs.alarms.presets.lambda_function import (
        LambdaFunctionAlarms as LambdaFunctionAlarms,
    )
    from constructs_obs.alarms.presets.preset_alarms import (
        AlarmOptions as AlarmOptions,
    )
    from constructs_obs.alarms.presets.rds_instance import (
        RdsInstanceAlarms as RdsInstanceAlarms,
    )
    from constructs_obs.alarms.severity import (
        Severity as Severity,
    )

_EXPORTS: Final = {
    "constructs_obs.alarms.alarm_kinds": (
        "AlarmIdentity",
        "add_anomaly_alarm",
        "add_composite_alarm",
        "add_threshold_alarm",
    ),
    "constructs_obs.alarms.alarm_routing": (
        "AlarmActionSource",
        "AlarmRouting",
    ),
    "constructs_obs.alarms.alarm_topic": ("AlarmTopic",),
    "constructs_obs.alarms.incident_target": (
        "IncidentMatch",
        "IncidentTarget",
    ),
    "constructs_obs.alarms.presets.fargate_service": ("FargateServiceAlarms",),
    "constructs_obs.alarms.presets.lambda_function": ("LambdaFunctionAlarms",),
    "constructs_obs.alarms.presets.preset_alarms": ("AlarmOptions",),
    "constructs_obs.alarms.presets.rds_instance": ("RdsInstanceAlarms",),
    "constructs_obs.alarms.severity": ("Severity",),
}

__all__, __getattr__, __dir__ = face(__name__, _EXPORTS, globals())
