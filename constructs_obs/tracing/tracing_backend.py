"""The three collector sidecars FargateTracing can run, and what each one needs.

Each backend is described by a :class:`CollectorSpec`: its pinned image, default CPU and memory,
the ports it listens on, the environment and command that configure it, the environment the
application containers need to reach it, and the IAM actions its task role needs.

Pinned images (override them with ``FargateTracing(image=...)``):

* ADOT collector ``v0.49.0`` (2026-07-10): the OpenTelemetry Collector v0.156.0 build that
  AWS released as a CVE-remediation release; AWS's recommended collector for X-Ray.
* CloudWatch agent ``1.300072.0b1766`` (release 1.300072.0, 2026-08-11).
* X-Ray daemon ``3.6.6`` (2026-07-14): the last security release seen. The daemon is in
  maintenance mode since 2026-02-25 and AWS ends its support on 2027-02-25.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from typing import Final

from aws_cdk import aws_ecs as ecs

from constructs_obs.private.validate import Check
from constructs_obs.tracing._images import check_image_reference as check_pinned_reference

__all__ = [
    "ADOT_COLLECTOR_IMAGE",
    "CLOUDWATCH_AGENT_IMAGE",
    "DEFAULT_AGENT_METRICS_NAMESPACE",
    "XRAY_DAEMON_END_OF_SUPPORT",
    "XRAY_DAEMON_IMAGE",
    "OtlpProtocol",
    "TracingBackend",
]

ADOT_COLLECTOR_IMAGE: Final = "public.ecr.aws/aws-observability/aws-otel-collector:v0.49.0"
CLOUDWATCH_AGENT_IMAGE: Final = "public.ecr.aws/cloudwatch-agent/cloudwatch-agent:1.300072.0b1766"
XRAY_DAEMON_IMAGE: Final = "public.ecr.aws/xray/aws-xray-daemon:3.6.6"
XRAY_DAEMON_END_OF_SUPPORT: Final = date(2027, 2, 25)
DEFAULT_AGENT_METRICS_NAMESPACE: Final = "CWAgent"

# The X-Ray actions every backend needs. None of them supports resource-level permissions.
XRAY_WRITE_ACTIONS: Final = (
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
    "xray:GetSamplingStatisticSummaries",
)

OTLP_GRPC_PORT: Final = 4317
OTLP_HTTP_PORT: Final = 4318
XRAY_PORT: Final = 2000
STATSD_PORT: Final = 8125
LOCALHOST: Final = "127.0.0.1"

COLLECTOR_IMAGE_HINT: Final = (
    f"pin a version (e.g. {ADOT_COLLECTOR_IMAGE!r}) or a digest (@sha256:...)"
)


class TracingBackend(Enum):
    """Which collector runs beside the application."""

    ADOT = "adot"
    """AWS Distro for OpenTelemetry collector: OTLP (gRPC 4317, HTTP 4318) and X-Ray (UDP 2000,
    sampling proxy TCP 2000) to X-Ray. The default."""
    CLOUDWATCH_AGENT = "cloudwatch_agent"
    """CloudWatch agent: OTLP and X-Ray traces to X-Ray, StatsD metrics (UDP 8125) to
    CloudWatch."""
    XRAY_DAEMON = "xray_daemon"
    """Legacy X-Ray daemon (X-Ray UDP/TCP 2000 only): AWS ends its support on 2027-02-25."""


class OtlpProtocol(Enum):
    """How the application's OpenTelemetry SDK talks to the collector."""

    GRPC = "grpc"
    """OTLP over gRPC, port 4317."""
    HTTP_PROTOBUF = "http/protobuf"
    """OTLP over HTTP with protobuf payloads, port 4318."""


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
    speaks_otlp: bool = True


def adot_config() -> str:
    """The ADOT collector configuration: traces only (OTLP and X-Ray in, X-Ray out).

    The image's bundled ``/etc/ecs/ecs-default-config.yaml`` also exports metrics to CloudWatch
    Logs through EMF, which would need CloudWatch Logs permissions on the task role; this one
    needs only the X-Ray actions. Written as JSON, which the collector reads as YAML.
    """
    config = {
        "extensions": {"health_check": {}},
        "receivers": {
            "otlp": {
                "protocols": {
                    "grpc": {"endpoint": f"0.0.0.0:{OTLP_GRPC_PORT}"},
                    "http": {"endpoint": f"0.0.0.0:{OTLP_HTTP_PORT}"},
                }
            },
            "awsxray": {
                "endpoint": f"0.0.0.0:{XRAY_PORT}",
                "transport": "udp",
                "proxy_server": {"endpoint": f"0.0.0.0:{XRAY_PORT}"},
            },
        },
        "processors": {
            "resourcedetection": {"detectors": ["env", "ecs"]},
            "batch/traces": {"timeout": "1s", "send_batch_size": 50},
        },
        "exporters": {"awsxray": {}},
        "service": {
            "extensions": ["health_check"],
            "pipelines": {
                "traces": {
                    "receivers": ["otlp", "awsxray"],
                    "processors": ["resourcedetection", "batch/traces"],
                    "exporters": ["awsxray"],
                }
            },
        },
    }
    return json.dumps(config, separators=(",", ":"))


def cloudwatch_agent_config(metrics_namespace: str) -> str:
    """The CloudWatch agent configuration (``CW_CONFIG_CONTENT``): X-Ray and OTLP traces to
    X-Ray, StatsD metrics to CloudWatch in ``metrics_namespace``."""
    config = {
        "traces": {
            "traces_collected": {
                "xray": {
                    "bind_address": f"0.0.0.0:{XRAY_PORT}",
                    "tcp_proxy": {"bind_address": f"0.0.0.0:{XRAY_PORT}"},
                },
                "otlp": {
                    "grpc_endpoint": f"0.0.0.0:{OTLP_GRPC_PORT}",
                    "http_endpoint": f"0.0.0.0:{OTLP_HTTP_PORT}",
                },
            }
        },
        "metrics": {
            "namespace": metrics_namespace,
            "metrics_collected": {
                "statsd": {
                    "service_address": f":{STATSD_PORT}",
                    "metrics_collection_interval": 60,
                    "metrics_aggregation_interval": 60,
                }
            },
        },
    }
    return json.dumps(config, sort_keys=True, separators=(",", ":"))


_OTLP_AND_XRAY_PORTS: Final = (
    (OTLP_GRPC_PORT, ecs.Protocol.TCP),
    (OTLP_HTTP_PORT, ecs.Protocol.TCP),
    (XRAY_PORT, ecs.Protocol.UDP),
    (XRAY_PORT, ecs.Protocol.TCP),
)


def collector_spec(backend: TracingBackend, *, metrics_namespace: str) -> CollectorSpec:
    """The spec of ``backend`` with its pinned image and default size."""
    if backend is TracingBackend.ADOT:
        return CollectorSpec(
            backend=backend,
            container_name="aws-otel-collector",
            image=ADOT_COLLECTOR_IMAGE,
            cpu=256,
            memory_mib=512,
            ports=_OTLP_AND_XRAY_PORTS,
            iam_actions=XRAY_WRITE_ACTIONS,
            environment={"AOT_CONFIG_CONTENT": adot_config()},
            command=("--config=env:AOT_CONFIG_CONTENT",),
            health_check=("CMD", "/healthcheck"),
        )
    if backend is TracingBackend.CLOUDWATCH_AGENT:
        return CollectorSpec(
            backend=backend,
            container_name="cloudwatch-agent",
            image=CLOUDWATCH_AGENT_IMAGE,
            cpu=256,
            memory_mib=512,
            ports=(*_OTLP_AND_XRAY_PORTS, (STATSD_PORT, ecs.Protocol.UDP)),
            iam_actions=(*XRAY_WRITE_ACTIONS, "cloudwatch:PutMetricData"),
            environment={"CW_CONFIG_CONTENT": cloudwatch_agent_config(metrics_namespace)},
        )
    return CollectorSpec(
        backend=backend,
        container_name="xray-daemon",
        image=XRAY_DAEMON_IMAGE,
        cpu=32,
        memory_mib=256,
        ports=((XRAY_PORT, ecs.Protocol.UDP), (XRAY_PORT, ecs.Protocol.TCP)),
        iam_actions=XRAY_WRITE_ACTIONS,
        speaks_otlp=False,
    )


def app_environment(
    spec: CollectorSpec, *, service_name: str, otlp_protocol: OtlpProtocol
) -> dict[str, str]:
    """What the application containers need to send traces to the collector of ``spec``."""
    environment = {
        "AWS_XRAY_DAEMON_ADDRESS": f"{LOCALHOST}:{XRAY_PORT}",
        "AWS_XRAY_TRACING_NAME": service_name,
        "OTEL_RESOURCE_ATTRIBUTES": f"service.name={service_name}",
    }
    if spec.speaks_otlp:
        port = OTLP_GRPC_PORT if otlp_protocol is OtlpProtocol.GRPC else OTLP_HTTP_PORT
        environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = f"http://{LOCALHOST}:{port}"
        environment["OTEL_EXPORTER_OTLP_PROTOCOL"] = otlp_protocol.value
    return environment


def check_image_reference(check: Check, parameter: str, image: str) -> str:
    """A collector image reference pinned to a tag (not ``latest``) or a digest; see
    ``constructs_obs.tracing._images`` for tokens."""
    return check_pinned_reference(check, parameter, image, hint=COLLECTOR_IMAGE_HINT)
