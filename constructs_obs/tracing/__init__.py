"""Tracing: collector sidecars on Fargate, X-Ray sampling rules, groups with alarms, and X-Ray
encryption with a customer managed key (names imported on first use).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from constructs_obs.private.lazy import lazy_exports

if TYPE_CHECKING:
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
    "ADOT_COLLECTOR_IMAGE": "constructs_obs.tracing.backends",
    "CLOUDWATCH_AGENT_IMAGE": "constructs_obs.tracing.backends",
    "FARGATE_CPU_MEMORY": "constructs_obs.tracing.task_size",
    "FargateTracing": "constructs_obs.tracing.fargate_tracing",
    "OtlpProtocol": "constructs_obs.tracing.backends",
    "SamplingRule": "constructs_obs.tracing.sampling_rule",
    "TraceGroup": "constructs_obs.tracing.trace_group",
    "TracedFargateService": "constructs_obs.tracing.traced_service",
    "TracingBackend": "constructs_obs.tracing.backends",
    "XRAY_DAEMON_END_OF_SUPPORT": "constructs_obs.tracing.backends",
    "XRAY_DAEMON_IMAGE": "constructs_obs.tracing.backends",
    "XRayEncryption": "constructs_obs.tracing.encryption",
}

__all__ = [
    "ADOT_COLLECTOR_IMAGE",
    "CLOUDWATCH_AGENT_IMAGE",
    "FARGATE_CPU_MEMORY",
    "XRAY_DAEMON_END_OF_SUPPORT",
    "XRAY_DAEMON_IMAGE",
    "FargateTracing",
    "OtlpProtocol",
    "SamplingRule",
    "TraceGroup",
    "TracedFargateService",
    "TracingBackend",
    "XRayEncryption",
]

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
