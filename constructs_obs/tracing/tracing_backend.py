"""The three collector sidecars FargateTracing can run, and what each one needs.

Each backend is described by a :class:`CollectorSpec`: its pinned image, default CPU and memory,
the ports it listens on (all on 127.0.0.1: in awsvpc mode the containers of a task share one
network namespace, so the application reaches the collector over localhost and nothing outside
the task can), the environment and command that configure it, what the application containers
need to reach it, and the IAM actions its task role needs.

Pinned images (override them with ``FargateTracing(image=...)``), each with the release notes
of its version in :data:`PINNED_IMAGES`:

* ADOT collector ``v0.50.0`` (2026-08-31, OpenTelemetry Collector v0.158.0).
* CloudWatch agent ``1.300072.0b1766`` (release 1.300072.0). 1.300073.0 exists, but its image
  tag (``1.300073.0b1828``) was seen only on Docker Hub, not confirmed on ECR Public, so the
  last tag known to exist there stays pinned.
* X-Ray daemon ``3.7.0``. AWS's notice, as replaced on 2025-11-26: the X-Ray SDKs and daemon
  are in maintenance mode since 2026-02-25 (security fixes only, no new features), with no
  end-of-support date; AWS recommends OpenTelemetry.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from typing import Final

from aws_cdk import Stack
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam

from constructs_obs.private.validate import Check
from constructs_obs.tracing._collector_configs import (
    APPLICATION_SIGNALS_GRPC_PORT,
    APPLICATION_SIGNALS_HTTP_PORT,
    COLLECTOR_HEALTH_PORT,
    COLLECTOR_TELEMETRY_PORT,
    LOCALHOST,
    OTLP_GRPC_PORT,
    OTLP_HTTP_PORT,
    STATSD_PORT,
    XRAY_PORT,
    XRayExport,
    adot_config,
    cloudwatch_agent_config,
    go_memory_limit,
)
from constructs_obs.tracing._images import check_image_reference as check_pinned_reference

__all__ = [
    "ADOT_COLLECTOR_IMAGE",
    "APPLICATION_SIGNALS_LOG_GROUP",
    "CLOUDWATCH_AGENT_IMAGE",
    "DEFAULT_AGENT_METRICS_NAMESPACE",
    "LOCALHOST",
    "PINNED_IMAGES",
    "XRAY_DAEMON_IMAGE",
    "XRAY_DAEMON_MAINTENANCE_MODE_SINCE",
    "XRAY_DAEMON_SUPPORT_NOTICE",
    "CollectorOptions",
    "OtlpProtocol",
    "PinnedImage",
    "TracingBackend",
    "XRayExport",
]


class TracingBackend(Enum):
    """Which collector runs beside the application."""

    ADOT = "adot"
    """AWS Distro for OpenTelemetry collector: OTLP (gRPC 4317, HTTP 4318) and X-Ray SDK
    segments (UDP 2000) to X-Ray, X-Ray sampling proxied on TCP 2000. The default."""
    CLOUDWATCH_AGENT = "cloudwatch_agent"
    """CloudWatch agent, one collector for X-Ray and OTLP traces (and StatsD metrics, UDP 8125),
    or, with ``application_signals=True``, CloudWatch Application Signals."""
    XRAY_DAEMON = "xray_daemon"
    """Legacy X-Ray daemon (X-Ray SDK segments only), in maintenance mode since 2026-02-25."""


class OtlpProtocol(Enum):
    """How the application's OpenTelemetry SDK talks to the collector."""

    GRPC = "grpc"
    """OTLP over gRPC, port 4317."""
    HTTP_PROTOBUF = "http/protobuf"
    """OTLP over HTTP with protobuf payloads, port 4318."""


@dataclass(frozen=True)
class PinnedImage:
    """A collector image pinned to a tag, with the release notes of the version it carries."""

    repository: str
    tag: str
    version: str
    release_notes: str

    @property
    def reference(self) -> str:
        return f"{self.repository}:{self.tag}"


PINNED_IMAGES: Final[Mapping[TracingBackend, PinnedImage]] = {
    TracingBackend.ADOT: PinnedImage(
        repository="public.ecr.aws/aws-observability/aws-otel-collector",
        tag="v0.50.0",
        version="v0.50.0",
        release_notes="https://github.com/aws-observability/aws-otel-collector/releases/tag/v0.50.0",
    ),
    TracingBackend.CLOUDWATCH_AGENT: PinnedImage(
        repository="public.ecr.aws/cloudwatch-agent/cloudwatch-agent",
        tag="1.300072.0b1766",
        version="1.300072.0",
        release_notes="https://github.com/aws/amazon-cloudwatch-agent/releases/tag/v1.300072.0",
    ),
    TracingBackend.XRAY_DAEMON: PinnedImage(
        repository="public.ecr.aws/xray/aws-xray-daemon",
        tag="3.7.0",
        version="3.7.0",
        release_notes="https://github.com/aws/aws-xray-daemon/releases/tag/v3.7.0",
    ),
}

ADOT_COLLECTOR_IMAGE: Final = PINNED_IMAGES[TracingBackend.ADOT].reference
CLOUDWATCH_AGENT_IMAGE: Final = PINNED_IMAGES[TracingBackend.CLOUDWATCH_AGENT].reference
XRAY_DAEMON_IMAGE: Final = PINNED_IMAGES[TracingBackend.XRAY_DAEMON].reference
XRAY_DAEMON_MAINTENANCE_MODE_SINCE: Final = date(2026, 2, 25)
XRAY_DAEMON_SUPPORT_NOTICE: Final = (
    "AWS X-Ray SDKs and the X-Ray daemon are in maintenance mode since 2026-02-25: AWS "
    "releases security fixes only and no new features, and has set no end-of-support date; "
    "AWS recommends migrating to OpenTelemetry"
)
DEFAULT_AGENT_METRICS_NAMESPACE: Final = "CWAgent"
# Where the CloudWatch agent writes Application Signals metrics (as EMF logs).
APPLICATION_SIGNALS_LOG_GROUP: Final = "/aws/application-signals/data"

# The X-Ray actions every backend needs (the X-Ray OTLP endpoint is authorized as
# xray:PutTraceSegments too). None of them supports resource-level permissions.
XRAY_WRITE_ACTIONS: Final = (
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
    "xray:GetSamplingStatisticSummaries",
)
APPLICATION_SIGNALS_LOG_ACTIONS: Final = (
    "logs:CreateLogGroup",
    "logs:CreateLogStream",
    "logs:DescribeLogStreams",
    "logs:PutLogEvents",
)

COLLECTOR_IMAGE_HINT: Final = (
    f"pin a version (e.g. {ADOT_COLLECTOR_IMAGE!r}) or a digest (@sha256:...)"
)

# Default reservations: small enough for the smallest Fargate task (256 CPU units, 512 MiB)
# when the application containers' own reservations leave room, as AWS's ECS samples run.
_DEFAULT_SIZE: Final[Mapping[TracingBackend, tuple[int, int]]] = {
    TracingBackend.ADOT: (128, 256),
    TracingBackend.CLOUDWATCH_AGENT: (128, 256),
    TracingBackend.XRAY_DAEMON: (32, 256),
}
_CONTAINER_NAMES: Final[Mapping[TracingBackend, str]] = {
    TracingBackend.ADOT: "aws-otel-collector",
    TracingBackend.CLOUDWATCH_AGENT: "cloudwatch-agent",
    TracingBackend.XRAY_DAEMON: "xray-daemon",
}

_XRAY_PORTS: Final = ((XRAY_PORT, ecs.Protocol.UDP), (XRAY_PORT, ecs.Protocol.TCP))
_OTLP_AND_XRAY_PORTS: Final = (
    (OTLP_GRPC_PORT, ecs.Protocol.TCP),
    (OTLP_HTTP_PORT, ecs.Protocol.TCP),
    *_XRAY_PORTS,
)
_APPLICATION_SIGNALS_PORTS: Final = (
    (APPLICATION_SIGNALS_GRPC_PORT, ecs.Protocol.TCP),
    (APPLICATION_SIGNALS_HTTP_PORT, ecs.Protocol.TCP),
    (XRAY_PORT, ecs.Protocol.TCP),
)


@dataclass(frozen=True)
class CollectorOptions:
    """The choices that shape a collector's configuration."""

    metrics_namespace: str = DEFAULT_AGENT_METRICS_NAMESPACE
    xray_export: XRayExport = XRayExport.AWSXRAY
    application_signals: bool = False
    # The stack's region and URL suffix (tokens in an environment-agnostic stack).
    region: str = "us-east-1"
    url_suffix: str = "amazonaws.com"


@dataclass(frozen=True)
class CollectorSpec:
    """Everything FargateTracing needs to know about one backend."""

    backend: TracingBackend
    container_name: str
    image: str
    cpu: int
    memory_mib: int
    ports: tuple[tuple[int, ecs.Protocol], ...]
    iam_actions: tuple[str, ...]
    environment: Mapping[str, str] = field(default_factory=dict)
    command: tuple[str, ...] = ()
    health_check: tuple[str, ...] = ()
    # Ports the collector listens on (localhost) without a port mapping: its own telemetry
    # and health check. No other container of the task may listen on them either.
    internal_ports: tuple[tuple[int, ecs.Protocol], ...] = ()
    speaks_otlp: bool = True
    receives_xray_segments: bool = True
    application_signals: bool = False


def default_size(backend: TracingBackend) -> tuple[int, int]:
    """The CPU units and MiB the sidecar of ``backend`` reserves unless told otherwise."""
    return _DEFAULT_SIZE[backend]


def default_container_name(backend: TracingBackend) -> str:
    """The sidecar's container name unless told otherwise."""
    return _CONTAINER_NAMES[backend]


def collector_spec(
    backend: TracingBackend,
    options: CollectorOptions | None = None,
    *,
    cpu: int | None = None,
    memory_mib: int | None = None,
) -> CollectorSpec:
    """The spec of ``backend`` with its pinned image, sized ``cpu``/``memory_mib`` (default:
    :func:`default_size`): the Go runtime's soft limit (``GOMEMLIMIT``) and, for ADOT, the
    memory limiter follow the memory."""
    chosen = options or CollectorOptions()
    default_cpu, default_memory = default_size(backend)
    cpu = default_cpu if cpu is None else cpu
    memory = default_memory if memory_mib is None else memory_mib
    common = {
        "backend": backend,
        "container_name": default_container_name(backend),
        "image": PINNED_IMAGES[backend].reference,
        "cpu": cpu,
        "memory_mib": memory,
    }
    go_limit = {"GOMEMLIMIT": go_memory_limit(memory)}
    if backend is TracingBackend.ADOT:
        return _adot_spec(common, chosen, go_limit, memory)
    if backend is TracingBackend.CLOUDWATCH_AGENT:
        return _cloudwatch_agent_spec(common, chosen, go_limit)
    return CollectorSpec(
        **common,  # type: ignore[arg-type]
        ports=_XRAY_PORTS,
        iam_actions=XRAY_WRITE_ACTIONS,
        environment=go_limit,
        # Local mode (-o): no EC2 instance metadata on Fargate; the region is given, and the
        # listeners bind localhost (the image's entrypoint binds 0.0.0.0; the last flag wins).
        command=(
            "-o",
            "-n",
            chosen.region,
            "-b",
            f"{LOCALHOST}:{XRAY_PORT}",
            "-t",
            f"{LOCALHOST}:{XRAY_PORT}",
        ),
        speaks_otlp=False,
    )


def _adot_spec(
    common: Mapping[str, object],
    options: CollectorOptions,
    go_limit: Mapping[str, str],
    memory_mib: int,
) -> CollectorSpec:
    config = adot_config(
        memory_mib=memory_mib,
        xray_export=options.xray_export,
        region=options.region,
        url_suffix=options.url_suffix,
    )
    return CollectorSpec(
        **common,  # type: ignore[arg-type]
        ports=_OTLP_AND_XRAY_PORTS,
        iam_actions=XRAY_WRITE_ACTIONS,
        environment={"AOT_CONFIG_CONTENT": config, **go_limit},
        command=("--config=env:AOT_CONFIG_CONTENT",),
        health_check=("CMD", "/healthcheck"),
        internal_ports=(
            (COLLECTOR_TELEMETRY_PORT, ecs.Protocol.TCP),
            (COLLECTOR_HEALTH_PORT, ecs.Protocol.TCP),
        ),
    )


def _cloudwatch_agent_spec(
    common: Mapping[str, object], options: CollectorOptions, go_limit: Mapping[str, str]
) -> CollectorSpec:
    config = cloudwatch_agent_config(
        options.metrics_namespace, application_signals=options.application_signals
    )
    environment = {"CW_CONFIG_CONTENT": config, **go_limit}
    if options.application_signals:
        return CollectorSpec(
            **common,  # type: ignore[arg-type]
            ports=_APPLICATION_SIGNALS_PORTS,
            iam_actions=(*XRAY_WRITE_ACTIONS, *APPLICATION_SIGNALS_LOG_ACTIONS),
            environment=environment,
            receives_xray_segments=False,
            application_signals=True,
        )
    return CollectorSpec(
        **common,  # type: ignore[arg-type]
        ports=(*_OTLP_AND_XRAY_PORTS, (STATSD_PORT, ecs.Protocol.UDP)),
        iam_actions=(*XRAY_WRITE_ACTIONS, "cloudwatch:PutMetricData"),
        environment=environment,
    )


def check_image_reference(check: Check, parameter: str, image: str) -> str:
    """A collector image reference pinned to a tag (not ``latest``) or a digest; see
    ``constructs_obs.tracing._images`` for tokens."""
    return check_pinned_reference(check, parameter, image, hint=COLLECTOR_IMAGE_HINT)


_NAMESPACE: Final = r"[^:*$]{1,255}"


def collector_options(
    check: Check,
    *,
    backend: TracingBackend,
    xray_export: XRayExport,
    application_signals: bool,
    otlp_protocol: OtlpProtocol | None,
    metrics_namespace: str | None,
    region: str,
    url_suffix: str,
) -> tuple[CollectorOptions, OtlpProtocol]:
    """The collector's options and the app's OTLP protocol, each checked against the backend
    that uses it (a choice another backend would ignore is refused, not ignored)."""
    check.choice("backend", backend, tuple(TracingBackend), _names(TracingBackend))
    check.choice("xray_export", xray_export, tuple(XRayExport), _names(XRayExport))
    if otlp_protocol is not None:
        check.choice("otlp_protocol", otlp_protocol, tuple(OtlpProtocol), _names(OtlpProtocol))
    if not isinstance(application_signals, bool):
        check.fail("application_signals", f"expected True or False, got {application_signals!r}")
    if xray_export is not XRayExport.AWSXRAY and backend is not TracingBackend.ADOT:
        check.fail(
            "xray_export", f"only the ADOT collector chooses its X-Ray exporter; {backend} does not"
        )
    if application_signals and backend is not TracingBackend.CLOUDWATCH_AGENT:
        check.fail(
            "application_signals",
            f"only the CloudWatch agent runs Application Signals; {backend} does not",
        )
    protocol = otlp_protocol or (
        OtlpProtocol.HTTP_PROTOBUF if application_signals else OtlpProtocol.GRPC
    )
    if application_signals and protocol is not OtlpProtocol.HTTP_PROTOBUF:
        check.fail(
            "otlp_protocol",
            "Application Signals takes OTLP over HTTP only (OtlpProtocol.HTTP_PROTOBUF)",
        )
    options = CollectorOptions(
        metrics_namespace=_metrics_namespace(
            check, backend, application_signals, metrics_namespace
        ),
        xray_export=xray_export,
        application_signals=application_signals,
        region=region,
        url_suffix=url_suffix,
    )
    return options, protocol


def _metrics_namespace(
    check: Check, backend: TracingBackend, application_signals: bool, namespace: str | None
) -> str:
    if namespace is None:
        return DEFAULT_AGENT_METRICS_NAMESPACE
    if backend is not TracingBackend.CLOUDWATCH_AGENT or application_signals:
        check.fail(
            "metrics_namespace",
            "only the CloudWatch agent publishes StatsD metrics (not in Application Signals "
            f"mode); {backend} does not use it",
        )
    check.text(
        "metrics_namespace",
        namespace,
        max_length=255,
        pattern=_NAMESPACE,
        pattern_doc="must not contain ':', '*' or '$'",
    )
    if namespace.startswith("AWS/"):
        check.fail("metrics_namespace", "namespaces starting with 'AWS/' are reserved by AWS")
    return namespace


def _names(enum: type[TracingBackend] | type[OtlpProtocol] | type[XRayExport]) -> str:
    return ", ".join(f"{enum.__name__}.{member.name}" for member in enum)


def application_signals_log_streams(stack: Stack) -> str:
    """The ARN of every log stream of the Application Signals log group."""
    return (
        f"arn:{stack.partition}:logs:{stack.region}:{stack.account}:log-group:"
        f"{APPLICATION_SIGNALS_LOG_GROUP}:log-stream:*"
    )


def application_signals_statement(stack: Stack) -> iam.PolicyStatement:
    """Writing Application Signals metrics (EMF logs) to their log group, and only there."""
    streams = application_signals_log_streams(stack)
    return iam.PolicyStatement(
        sid="ApplicationSignalsMetrics",
        actions=list(APPLICATION_SIGNALS_LOG_ACTIONS),
        resources=[streams.removesuffix(":log-stream:*"), streams],
    )
