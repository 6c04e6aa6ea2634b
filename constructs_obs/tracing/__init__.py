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
    from constructs_obs.tracing.traced_fargate_service import (
        TracingOptions as TracingOptions,
    )
    from constructs_obs.tracing.tracing_backend import (
        ADOT_COLLECTOR_IMAGE as ADOT_COLLECTOR_IMAGE,
    )
    from constructs_obs.tracing.tracing_backend import (
        CLOUDWATCH_AGENT_IMAGE as CLOUDWATCH_AGENT_IMAGE,
    )
    from constructs_obs.tracing.tracing_backend import (
        PINNED_IMAGES as PINNED_IMAGES,
    )
    from constructs_obs.tracing.tracing_backend import (
        XRAY_DAEMON_IMAGE as XRAY_DAEMON_IMAGE,
    )
    from constructs_obs.tracing.tracing_backend import (
        XRAY_DAEMON_MAINTENANCE_MODE_SINCE as XRAY_DAEMON_MAINTENANCE_MODE_SINCE,
    )
    from constructs_obs.tracing.tracing_backend import (
        OtlpProtocol as OtlpProtocol,
    )
    from constructs_obs.tracing.tracing_backend import (
        PinnedImage as PinnedImage,
    )
    from constructs_obs.tracing.tracing_backend import (
        TracingBackend as TracingBackend,
    )
    from constructs_obs.tracing.tracing_backend import (
        XRayExport as XRayExport,
    )
    from constructs_obs.tracing.xray_encryption import (
        XRayEncryption as XRayEncryption,
    )

_EXPORTS: Final = {
    "constructs_obs.tracing.fargate_tracing": ("FargateTracing",),
    "constructs_obs.tracing.sampling_rule": ("SamplingRule",),
    "constructs_obs.tracing.task_size": ("FARGATE_CPU_MEMORY",),
    "constructs_obs.tracing.trace_group": ("TraceGroup",),
    "constructs_obs.tracing.traced_fargate_service": ("TracedFargateService", "TracingOptions"),
    "constructs_obs.tracing.tracing_backend": (
        "ADOT_COLLECTOR_IMAGE",
        "CLOUDWATCH_AGENT_IMAGE",
        "PINNED_IMAGES",
        "XRAY_DAEMON_IMAGE",
        "XRAY_DAEMON_MAINTENANCE_MODE_SINCE",
        "OtlpProtocol",
        "PinnedImage",
        "TracingBackend",
        "XRayExport",
    ),
    "constructs_obs.tracing.xray_encryption": ("XRayEncryption",),
}

__all__, __getattr__, __dir__ = face(__name__, _EXPORTS, globals())
