"""constructs-obs: AWS CDK v2 constructs for observability and audit, secure by construction.

Names are imported on first use (PEP 562): ``constructs_obs.detections`` and the
``constructs-obs-audit`` command do not pay for importing aws-cdk-lib (and starting jsii).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from constructs_obs.private.lazy import lazy_exports

if TYPE_CHECKING:
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
    from constructs_obs.audit_queries import (
        AuditQueries,
        TrailLogLocation,
    )
    from constructs_obs.audit_trail import (
        AuditLifecycle,
        AuditTrail,
        DataEventSelector,
        ObjectLockMode,
        ObjectLockOptions,
        ReadWrite,
    )
    from constructs_obs.dashboard import (
        ObservabilityDashboard,
    )
    from constructs_obs.errors import (
        ConstructsObsError,
        InvalidParameterError,
    )
    from constructs_obs.log_archive import (
        LogArchive,
        LogArchiveOptions,
    )
    from constructs_obs.log_group import (
        ALLOWED_RETENTION_DAYS,
        DEFAULT_METRIC_NAMESPACE,
        EncryptedLogGroup,
        PatternAlarm,
        PiiProtection,
    )
    from constructs_obs.security import (
        ALL_CIS_CONTROLS,
        ALL_SECURITY_DETECTIONS,
        CisBenchmarkAlarms,
        CisControl,
        SecurityDetection,
        SecurityEventRules,
    )
    from constructs_obs.security.security_detections import (
        GLOBAL_SERVICE_DETECTIONS,
    )
    from constructs_obs.tracing.backends import (
        ADOT_COLLECTOR_IMAGE,
        CLOUDWATCH_AGENT_IMAGE,
        XRAY_DAEMON_END_OF_SUPPORT,
        XRAY_DAEMON_IMAGE,
        OtlpProtocol,
        TracingBackend,
    )
    from constructs_obs.tracing.encryption import (
        XRayEncryption,
    )
    from constructs_obs.tracing.fargate_tracing import (
        FargateTracing,
    )
    from constructs_obs.tracing.sampling_rule import (
        SamplingRule,
    )
    from constructs_obs.tracing.task_size import (
        FARGATE_CPU_MEMORY,
    )
    from constructs_obs.tracing.trace_group import (
        TraceGroup,
    )
    from constructs_obs.tracing.traced_service import (
        TracedFargateService,
    )

_EXPORTS: dict[str, str] = {
    "GLOBAL_SERVICE_DETECTIONS": "constructs_obs.security.security_detections",
    "ObservabilityDashboard": "constructs_obs.dashboard",
    "ADOT_COLLECTOR_IMAGE": "constructs_obs.tracing.backends",
    "ALLOWED_RETENTION_DAYS": "constructs_obs.log_group",
    "ALL_CIS_CONTROLS": "constructs_obs.security",
    "ALL_SECURITY_DETECTIONS": "constructs_obs.security",
    "AlarmIdentity": "constructs_obs.alarms",
    "AlarmOptions": "constructs_obs.alarms",
    "AlarmRemediation": "constructs_obs.alarms",
    "AlarmRouting": "constructs_obs.alarms",
    "AlarmTopic": "constructs_obs.alarms",
    "AuditLifecycle": "constructs_obs.audit_trail",
    "AuditQueries": "constructs_obs.audit_queries",
    "AuditTrail": "constructs_obs.audit_trail",
    "CLOUDWATCH_AGENT_IMAGE": "constructs_obs.tracing.backends",
    "CisBenchmarkAlarms": "constructs_obs.security",
    "CisControl": "constructs_obs.security",
    "ConstructsObsError": "constructs_obs.errors",
    "DEFAULT_METRIC_NAMESPACE": "constructs_obs.log_group",
    "DataEventSelector": "constructs_obs.audit_trail",
    "EncryptedLogGroup": "constructs_obs.log_group",
    "FARGATE_CPU_MEMORY": "constructs_obs.tracing.task_size",
    "FargateServiceAlarms": "constructs_obs.alarms",
    "FargateTracing": "constructs_obs.tracing.fargate_tracing",
    "IncidentMatch": "constructs_obs.alarms",
    "IncidentTarget": "constructs_obs.alarms",
    "InvalidParameterError": "constructs_obs.errors",
    "LambdaFunctionAlarms": "constructs_obs.alarms",
    "LogArchive": "constructs_obs.log_archive",
    "LogArchiveOptions": "constructs_obs.log_archive",
    "ObjectLockMode": "constructs_obs.audit_trail",
    "ObjectLockOptions": "constructs_obs.audit_trail",
    "OtlpProtocol": "constructs_obs.tracing.backends",
    "PatternAlarm": "constructs_obs.log_group",
    "PiiProtection": "constructs_obs.log_group",
    "RdsInstanceAlarms": "constructs_obs.alarms",
    "ReadWrite": "constructs_obs.audit_trail",
    "RemediationAction": "constructs_obs.alarms",
    "SamplingRule": "constructs_obs.tracing.sampling_rule",
    "SecurityDetection": "constructs_obs.security",
    "SecurityEventRules": "constructs_obs.security",
    "Severity": "constructs_obs.alarms",
    "TraceGroup": "constructs_obs.tracing.trace_group",
    "TracedFargateService": "constructs_obs.tracing.traced_service",
    "TracingBackend": "constructs_obs.tracing.backends",
    "TrailLogLocation": "constructs_obs.audit_queries",
    "XRAY_DAEMON_END_OF_SUPPORT": "constructs_obs.tracing.backends",
    "XRAY_DAEMON_IMAGE": "constructs_obs.tracing.backends",
    "XRayEncryption": "constructs_obs.tracing.encryption",
    "add_anomaly_alarm": "constructs_obs.alarms",
    "add_composite_alarm": "constructs_obs.alarms",
    "add_threshold_alarm": "constructs_obs.alarms",
}

__all__ = [
    "ADOT_COLLECTOR_IMAGE",
    "ALLOWED_RETENTION_DAYS",
    "ALL_CIS_CONTROLS",
    "ALL_SECURITY_DETECTIONS",
    "CLOUDWATCH_AGENT_IMAGE",
    "DEFAULT_METRIC_NAMESPACE",
    "FARGATE_CPU_MEMORY",
    "GLOBAL_SERVICE_DETECTIONS",
    "XRAY_DAEMON_END_OF_SUPPORT",
    "XRAY_DAEMON_IMAGE",
    "AlarmIdentity",
    "AlarmOptions",
    "AlarmRemediation",
    "AlarmRouting",
    "AlarmTopic",
    "AuditLifecycle",
    "AuditQueries",
    "AuditTrail",
    "CisBenchmarkAlarms",
    "CisControl",
    "ConstructsObsError",
    "DataEventSelector",
    "EncryptedLogGroup",
    "FargateServiceAlarms",
    "FargateTracing",
    "IncidentMatch",
    "IncidentTarget",
    "InvalidParameterError",
    "LambdaFunctionAlarms",
    "LogArchive",
    "LogArchiveOptions",
    "ObjectLockMode",
    "ObjectLockOptions",
    "ObservabilityDashboard",
    "OtlpProtocol",
    "PatternAlarm",
    "PiiProtection",
    "RdsInstanceAlarms",
    "ReadWrite",
    "RemediationAction",
    "SamplingRule",
    "SecurityDetection",
    "SecurityEventRules",
    "Severity",
    "TraceGroup",
    "TracedFargateService",
    "TracingBackend",
    "TrailLogLocation",
    "XRayEncryption",
    "add_anomaly_alarm",
    "add_composite_alarm",
    "add_threshold_alarm",
]

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
