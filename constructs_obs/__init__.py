"""constructs-obs: AWS CDK v2 constructs for observability and audit, secure by construction.

The top face re-exports the constructs of every area (``constructs_obs.logs``, ``.alarms``,
``.remediation``, ``.security``, ``.tracing``, ``.audit``, ``.dashboard``); each name is imported
from its area on first use (PEP 562), so ``constructs_obs.detections`` and the
``constructs-obs-audit`` command do not pay for importing aws-cdk-lib (and starting jsii).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from constructs_obs.private.exports import face

if TYPE_CHECKING:
    from constructs_obs.alarms import (
        AlarmIdentity as AlarmIdentity,
    )
    from constructs_obs.alarms import (
        AlarmOptions as AlarmOptions,
    )
    from constructs_obs.alarms import (
        AlarmRouting as AlarmRouting,
    )
    from constructs_obs.alarms import (
        AlarmTopic as AlarmTopic,
    )
    from constructs_obs.alarms import (
        FargateServiceAlarms as FargateServiceAlarms,
    )
    from constructs_obs.alarms import (
        IncidentMatch as IncidentMatch,
    )
    from constructs_obs.alarms import (
        IncidentTarget as IncidentTarget,
    )
    from constructs_obs.alarms import (
        LambdaFunctionAlarms as LambdaFunctionAlarms,
    )
    from constructs_obs.alarms import (
        RdsInstanceAlarms as RdsInstanceAlarms,
    )
    from constructs_obs.alarms import (
        Severity as Severity,
    )
    from constructs_obs.alarms import (
        add_anomaly_alarm as add_anomaly_alarm,
    )
    from constructs_obs.alarms import (
        add_composite_alarm as add_composite_alarm,
    )
    from constructs_obs.alarms import (
        add_threshold_alarm as add_threshold_alarm,
    )
    from constructs_obs.audit import (
        AuditLifecycle as AuditLifecycle,
    )
    from constructs_obs.audit import (
        AuditQueries as AuditQueries,
    )
    from constructs_obs.audit import (
        AuditTrail as AuditTrail,
    )
    from constructs_obs.audit import (
        DataEventSelector as DataEventSelector,
    )
    from constructs_obs.audit import (
        ObjectLockMode as ObjectLockMode,
    )
    from constructs_obs.audit import (
        ObjectLockOptions as ObjectLockOptions,
    )
    from constructs_obs.audit import (
        ReadWrite as ReadWrite,
    )
    from constructs_obs.audit import (
        TrailLogLocation as TrailLogLocation,
    )
    from constructs_obs.dashboard import (
        ObservabilityDashboard as ObservabilityDashboard,
    )
    from constructs_obs.errors import (
        ConstructsObsError as ConstructsObsError,
    )
    from constructs_obs.errors import (
        InvalidParameterError as InvalidParameterError,
    )
    from constructs_obs.logs import (
        ALLOWED_RETENTION_DAYS as ALLOWED_RETENTION_DAYS,
    )
    from constructs_obs.logs import (
        DEFAULT_METRIC_NAMESPACE as DEFAULT_METRIC_NAMESPACE,
    )
    from constructs_obs.logs import (
        EncryptedLogGroup as EncryptedLogGroup,
    )
    from constructs_obs.logs import (
        LogArchive as LogArchive,
    )
    from constructs_obs.logs import (
        LogArchiveOptions as LogArchiveOptions,
    )
    from constructs_obs.logs import (
        PatternAlarm as PatternAlarm,
    )
    from constructs_obs.logs import (
        PiiProtection as PiiProtection,
    )
    from constructs_obs.remediation import (
        AlarmRemediation as AlarmRemediation,
    )
    from constructs_obs.remediation import (
        RemediationAction as RemediationAction,
    )
    from constructs_obs.security import (
        ALL_CIS_CONTROLS as ALL_CIS_CONTROLS,
    )
    from constructs_obs.security import (
        ALL_SECURITY_DETECTIONS as ALL_SECURITY_DETECTIONS,
    )
    from constructs_obs.security import (
        EVERY_REGION_DETECTIONS as EVERY_REGION_DETECTIONS,
    )
    from constructs_obs.security import (
        GLOBAL_SERVICE_DETECTIONS as GLOBAL_SERVICE_DETECTIONS,
    )
    from constructs_obs.security import (
        VOLUME_DETECTIONS as VOLUME_DETECTIONS,
    )
    from constructs_obs.security import (
        AttackTactic as AttackTactic,
    )
    from constructs_obs.security import (
        CisBenchmarkAlarms as CisBenchmarkAlarms,
    )
    from constructs_obs.security import (
        CisControl as CisControl,
    )
    from constructs_obs.security import (
        DetectionSettings as DetectionSettings,
    )
    from constructs_obs.security import (
        DetectionSource as DetectionSource,
    )
    from constructs_obs.security import (
        SecurityDetection as SecurityDetection,
    )
    from constructs_obs.security import (
        SecurityEventRules as SecurityEventRules,
    )
    from constructs_obs.security import (
        SecurityVolumeAlarms as SecurityVolumeAlarms,
    )
    from constructs_obs.security import (
        select_detections as select_detections,
    )
    from constructs_obs.tracing import (
        ADOT_COLLECTOR_IMAGE as ADOT_COLLECTOR_IMAGE,
    )
    from constructs_obs.tracing import (
        CLOUDWATCH_AGENT_IMAGE as CLOUDWATCH_AGENT_IMAGE,
    )
    from constructs_obs.tracing import (
        FARGATE_CPU_MEMORY as FARGATE_CPU_MEMORY,
    )
    from constructs_obs.tracing import (
        XRAY_DAEMON_IMAGE as XRAY_DAEMON_IMAGE,
    )
    from constructs_obs.tracing import (
        XRAY_DAEMON_MAINTENANCE_MODE_SINCE as XRAY_DAEMON_MAINTENANCE_MODE_SINCE,
    )
    from constructs_obs.tracing import (
        FargateTracing as FargateTracing,
    )
    from constructs_obs.tracing import (
        OtlpProtocol as OtlpProtocol,
    )
    from constructs_obs.tracing import (
        SamplingRule as SamplingRule,
    )
    from constructs_obs.tracing import (
        TracedFargateService as TracedFargateService,
    )
    from constructs_obs.tracing import (
        TraceGroup as TraceGroup,
    )
    from constructs_obs.tracing import (
        TracingBackend as TracingBackend,
    )
    from constructs_obs.tracing import (
        TracingOptions as TracingOptions,
    )
    from constructs_obs.tracing import (
        XRayEncryption as XRayEncryption,
    )
    from constructs_obs.tracing import (
        XRayExport as XRayExport,
    )

_EXPORTS: Final = {
    "constructs_obs.alarms": (
        "AlarmIdentity",
        "AlarmOptions",
        "AlarmRouting",
        "AlarmTopic",
        "FargateServiceAlarms",
        "IncidentMatch",
        "IncidentTarget",
        "LambdaFunctionAlarms",
        "RdsInstanceAlarms",
        "Severity",
        "add_anomaly_alarm",
        "add_composite_alarm",
        "add_threshold_alarm",
    ),
    "constructs_obs.audit": (
        "AuditLifecycle",
        "AuditQueries",
        "AuditTrail",
        "DataEventSelector",
        "ObjectLockMode",
        "ObjectLockOptions",
        "ReadWrite",
        "TrailLogLocation",
    ),
    "constructs_obs.dashboard": ("ObservabilityDashboard",),
    "constructs_obs.errors": (
        "ConstructsObsError",
        "InvalidParameterError",
    ),
    "constructs_obs.logs": (
        "ALLOWED_RETENTION_DAYS",
        "DEFAULT_METRIC_NAMESPACE",
        "EncryptedLogGroup",
        "LogArchive",
        "LogArchiveOptions",
        "PatternAlarm",
        "PiiProtection",
    ),
    "constructs_obs.remediation": (
        "AlarmRemediation",
        "RemediationAction",
    ),
    "constructs_obs.security": (
        "ALL_CIS_CONTROLS",
        "ALL_SECURITY_DETECTIONS",
        "EVERY_REGION_DETECTIONS",
        "GLOBAL_SERVICE_DETECTIONS",
        "VOLUME_DETECTIONS",
        "AttackTactic",
        "CisBenchmarkAlarms",
        "CisControl",
        "DetectionSettings",
        "DetectionSource",
        "SecurityDetection",
        "SecurityEventRules",
        "SecurityVolumeAlarms",
        "select_detections",
    ),
    "constructs_obs.tracing": (
        "ADOT_COLLECTOR_IMAGE",
        "CLOUDWATCH_AGENT_IMAGE",
        "FARGATE_CPU_MEMORY",
        "XRAY_DAEMON_IMAGE",
        "XRAY_DAEMON_MAINTENANCE_MODE_SINCE",
        "FargateTracing",
        "OtlpProtocol",
        "SamplingRule",
        "TraceGroup",
        "TracedFargateService",
        "TracingBackend",
        "TracingOptions",
        "XRayEncryption",
        "XRayExport",
    ),
}

__all__, __getattr__, __dir__ = face(__name__, _EXPORTS, globals())
