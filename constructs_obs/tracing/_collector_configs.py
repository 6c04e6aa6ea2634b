"""The configurations the collector sidecars run with, rendered as JSON.

Every listener the library configures binds 127.0.0.1: in awsvpc mode the containers of a task
share one network namespace, so the application reaches the collector over localhost, and
nothing outside the task (another task, a load balancer, a peered network) can send it data or
reach its sampling proxy. (The CloudWatch agent's Application Signals mode has no bind setting
in AWS's documented configuration: there the agent listens on its own defaults; keep the task's
security group closed to 2000, 4315 and 4316.) The application is given 127.0.0.1 rather than
``localhost``, which some runtimes resolve to ``::1`` first.

Traces only: no metrics or logs pipeline runs, so the task role needs only the X-Ray actions
(and, for the CloudWatch agent, what its StatsD metrics or Application Signals write).
"""

from __future__ import annotations

import json
from enum import Enum
from typing import Any, Final

__all__ = [
    "LOCALHOST",
    "XRayExport",
    "adot_config",
    "cloudwatch_agent_config",
    "go_memory_limit",
    "memory_limiter",
]

LOCALHOST: Final = "127.0.0.1"
OTLP_GRPC_PORT: Final = 4317
OTLP_HTTP_PORT: Final = 4318
XRAY_PORT: Final = 2000
STATSD_PORT: Final = 8125
APPLICATION_SIGNALS_GRPC_PORT: Final = 4315
APPLICATION_SIGNALS_HTTP_PORT: Final = 4316
COLLECTOR_TELEMETRY_PORT: Final = 8888  # the collector's own metrics (localhost by default)
COLLECTOR_HEALTH_PORT: Final = 13133  # the health_check extension, polled by /healthcheck

# The Go runtime's soft memory limit and the memory limiter's hard limit: 80 % of the
# container's hard limit, leaving the rest for what the Go heap does not count; the limiter
# refuses data once the heap is within a quarter of its limit (its soft limit).
_MEMORY_SHARE: Final = 0.8
_SPIKE_SHARE: Final = 0.25


class XRayExport(Enum):
    """How the ADOT collector sends traces to X-Ray."""

    AWSXRAY = "awsxray"
    """The ``awsxray`` exporter (the X-Ray ``PutTraceSegments`` API). Works in every account.
    The default."""
    OTLP_ENDPOINT = "otlp_endpoint"
    """The X-Ray OTLP endpoint (``https://xray.<region>.<suffix>/v1/traces``) through the
    ``otlp_http`` exporter signed by the ``sigv4auth`` extension, as AWS now recommends. It
    needs CloudWatch Transaction Search enabled in the account and region (spans then land in
    the ``aws/spans`` log group, billed as CloudWatch Logs); without it X-Ray refuses them."""


def memory_limiter(memory_mib: int) -> tuple[int, int]:
    """The memory limiter's ``limit_mib`` and ``spike_limit_mib`` for a container limited to
    ``memory_mib``."""
    limit = max(int(memory_mib * _MEMORY_SHARE), 1)
    return limit, max(int(limit * _SPIKE_SHARE), 1)


def go_memory_limit(memory_mib: int) -> str:
    """``GOMEMLIMIT`` for a Go collector limited to ``memory_mib`` (the Go runtime collects
    harder as it nears it, instead of growing into the container's hard limit)."""
    return f"{max(int(memory_mib * _MEMORY_SHARE), 1)}MiB"


_ADOT_RECEIVERS: Final = {
    "otlp": {
        "protocols": {
            "grpc": {"endpoint": f"{LOCALHOST}:{OTLP_GRPC_PORT}"},
            "http": {"endpoint": f"{LOCALHOST}:{OTLP_HTTP_PORT}"},
        }
    },
    "awsxray": {
        "endpoint": f"{LOCALHOST}:{XRAY_PORT}",
        "transport": "udp",
        "proxy_server": {"endpoint": f"{LOCALHOST}:{XRAY_PORT}"},
    },
}


def _adot_exporters(
    xray_export: XRayExport, region: str, url_suffix: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The ADOT collector's extensions and exporters for ``xray_export``."""
    extensions: dict[str, Any] = {
        "health_check": {"endpoint": f"{LOCALHOST}:{COLLECTOR_HEALTH_PORT}"}
    }
    if xray_export is not XRayExport.OTLP_ENDPOINT:
        return extensions, {"awsxray": {}}
    extensions["sigv4auth"] = {"region": region, "service": "xray"}
    exporters = {
        "otlp_http": {
            "traces_endpoint": f"https://xray.{region}.{url_suffix}/v1/traces",
            "compression": "gzip",
            "auth": {"authenticator": "sigv4auth"},
        }
    }
    return extensions, exporters


def adot_config(
    *,
    memory_mib: int,
    xray_export: XRayExport = XRayExport.AWSXRAY,
    region: str = "us-east-1",
    url_suffix: str = "amazonaws.com",
) -> str:
    """The ADOT collector configuration: OTLP and X-Ray SDK segments in, X-Ray out.

    The ``awsxray`` receiver listens for X-Ray SDK segments on UDP 2000 and runs the X-Ray
    sampling proxy on TCP 2000 (its ``proxy_server``, the same proxy as the ``awsproxy``
    extension, which would collide with it on that port): SDKs configured with
    ``OTEL_TRACES_SAMPLER=xray`` and X-Ray SDKs fetch the account's sampling rules through it.
    The image's bundled ``/etc/ecs/ecs-default-config.yaml`` also exports metrics to CloudWatch
    Logs through EMF, which would need CloudWatch Logs permissions on the task role; this one
    needs only the X-Ray actions. Written as JSON, which the collector reads as YAML.
    """
    limit, spike = memory_limiter(memory_mib)
    extensions, exporters = _adot_exporters(xray_export, region, url_suffix)
    config = {
        "extensions": extensions,
        "receivers": _ADOT_RECEIVERS,
        "processors": {
            # First in the pipeline, as the collector's documentation asks.
            "memory_limiter": {
                "check_interval": "1s",
                "limit_mib": limit,
                "spike_limit_mib": spike,
            },
            "resourcedetection": {"detectors": ["env", "ecs"]},
            "batch/traces": {"timeout": "1s", "send_batch_size": 50},
        },
        "exporters": exporters,
        "service": {
            "extensions": list(extensions),
            "pipelines": {
                "traces": {
                    "receivers": ["otlp", "awsxray"],
                    "processors": ["memory_limiter", "resourcedetection", "batch/traces"],
                    "exporters": list(exporters),
                }
            },
        },
    }
    return json.dumps(config, separators=(",", ":"))


def cloudwatch_agent_config(metrics_namespace: str, *, application_signals: bool = False) -> str:
    """The CloudWatch agent configuration (``CW_CONFIG_CONTENT``).

    By default one collector for X-Ray SDK segments (UDP 2000, sampling proxy on TCP 2000) and
    OTLP traces (4317/4318) to X-Ray, and StatsD metrics (UDP 8125) to CloudWatch in
    ``metrics_namespace``. With ``application_signals``, the configuration AWS gives for an ECS
    sidecar: the agent receives the ADOT SDK's spans and Application Signals metrics over OTLP
    (4315/4316), serves X-Ray sampling on TCP 2000, sends the spans to X-Ray and the metrics,
    as EMF logs, to the ``/aws/application-signals/data`` log group.
    """
    if application_signals:
        config: dict[str, Any] = {
            "traces": {"traces_collected": {"application_signals": {}}},
            "logs": {"metrics_collected": {"application_signals": {}}},
        }
        return json.dumps(config, sort_keys=True, separators=(",", ":"))
    config = {
        "traces": {
            "traces_collected": {
                "xray": {
                    "bind_address": f"{LOCALHOST}:{XRAY_PORT}",
                    "tcp_proxy": {"bind_address": f"{LOCALHOST}:{XRAY_PORT}"},
                },
                "otlp": {
                    "grpc_endpoint": f"{LOCALHOST}:{OTLP_GRPC_PORT}",
                    "http_endpoint": f"{LOCALHOST}:{OTLP_HTTP_PORT}",
                },
            }
        },
        "metrics": {
            "namespace": metrics_namespace,
            "metrics_collected": {
                "statsd": {
                    "service_address": f"{LOCALHOST}:{STATSD_PORT}",
                    "metrics_collection_interval": 60,
                    "metrics_aggregation_interval": 60,
                }
            },
        },
    }
    return json.dumps(config, sort_keys=True, separators=(",", ":"))
