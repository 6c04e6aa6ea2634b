"""Tracing: collector sidecars on Fargate, X-Ray sampling rules, groups with alarms, and X-Ray
encryption with a customer managed key."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from constructs_obs.private.exports import face

if TYPE_CHECKING:
    from constructs_obs.tracing.fargate_tracing import (
        FargateTracing as FargateTracing,
    )
    from constructs_obs.tracing.sampling_rule import (
        SamplingRule as SamplingRule,
    )
    from constructs_obs.tracing.task_size import (
        FARGATE_CPU_MEMORY as FARGATE_CPU_MEMORY,
    )
    from constructs_obs.tracing.trace_group import (
        TraceGroup as TraceGroup,
    )
    from constructs_obs.tracing.traced_fargate_service import (
        TracedFargateService as TracedFargateService,
    )
    from constructs_obs.tracing.tracing_backend import (
        ADOT_COLLECTOR_IMAGE as ADOT_COLLECTOR_IMAGE,
    )
    from constructs_obs.tracing.tracing_backend import (
        CLOUDWATCH_AGENT_IMAGE as CLOUDWATCH_AGENT_IMAGE,
    )
    from constructs_obs.tracing.tracing_backend import (
        XRAY_DAEMON_END_OF_SUPPORT as XRAY_DAEMON_END_OF_SUPPORT,
    )
    from constructs_obs.tracing.tracing_backend import (
        XRAY_DAEMON_IMAGE as XRAY_DAEMON_IMAGE,
    )
    from constructs_obs.tracing.tracing_backend import (
        OtlpProtocol as OtlpProtocol,
    )
    from constructs_obs.tracing.tracing_backend import (
        TracingBackend as TracingBackend,
    )
    from constructs_obs.tracing.xray_encryption import (
        XRayEncryption as XRayEncryption,
    )

_EXPORTS: Final = {
    "constructs_obs.tracing.fargate_tracing": ("FargateTracing",),
    "constructs_obs.tracing.sampling_rule": ("SamplingRule",),
    "constructs_obs.tracing.task_size": ("FARGATE_CPU_MEMORY",),
    "constructs_obs.tracing.trace_group": ("TraceGroup",),
    "constructs_obs.tracing.traced_fargate_service": ("TracedFargateService",),
    "constructs_obs.tracing.tracing_backend": (
        "ADOT_COLLECTOR_IMAGE",
        "CLOUDWATCH_AGENT_IMAGE",
        "XRAY_DAEMON_END_OF_SUPPORT",
        "XRAY_DAEMON_IMAGE",
        "OtlpProtocol",
        "TracingBackend",
    ),
    "constructs_obs.tracing.xray_encryption": ("XRayEncryption",),
}

__all__, __getattr__, __dir__ = face(__name__, _EXPORTS, globals())
