"""What the application containers are told about the collector, and how a container's own
settings are reconciled with it.

For a collector that speaks OTLP the variables follow the OpenTelemetry SDK specification:

* ``OTEL_TRACES_SAMPLER=xray`` with ``OTEL_TRACES_SAMPLER_ARG=endpoint=http://127.0.0.1:2000``:
  the account's X-Ray sampling rules (``SamplingRule``) decide, fetched through the collector's
  sampling proxy (the X-Ray sampler ships with the ADOT SDKs; with an SDK that lacks it,
  override the sampler, e.g. ``parentbased_traceidratio``);
* ``OTEL_PROPAGATORS=tracecontext,baggage,xray``: an incoming ``X-Amzn-Trace-Id`` (ALB, API
  Gateway, Lambda) is continued, W3C headers too;
* ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`` (the traces-only endpoint: the collector runs no
  metrics or logs pipeline) and ``OTEL_METRICS_EXPORTER=none``, ``OTEL_LOGS_EXPORTER=none``,
  so the SDK does not export metrics and logs to a collector that refuses them.

With the CloudWatch agent in Application Signals mode, the variables AWS gives for the ADOT SDKs
on an ECS sidecar (``OTEL_AWS_APPLICATION_SIGNALS_ENABLED`` and its exporter endpoint, traces
over OTLP/HTTP on 4316). X-Ray SDKs get ``AWS_XRAY_DAEMON_ADDRESS`` wherever the collector
receives their segments.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from aws_cdk import aws_ecs as ecs

from constructs_obs.private.validate import Check, is_token
from constructs_obs.tracing._collector_configs import (
    APPLICATION_SIGNALS_HTTP_PORT,
    LOCALHOST,
    OTLP_GRPC_PORT,
    OTLP_HTTP_PORT,
    XRAY_PORT,
)
from constructs_obs.tracing._task_environment import container_environment
from constructs_obs.tracing.tracing_backend import CollectorSpec, OtlpProtocol

__all__ = ["PlannedEnvironment", "app_environment", "apply_overrides", "plan_environment"]

RESOURCE_ATTRIBUTES: Final = "OTEL_RESOURCE_ATTRIBUTES"
XRAY_PROPAGATORS: Final = "tracecontext,baggage,xray"
_OVERRIDES = "environment_overrides"
_MAX_VALUE_LENGTH: Final = 4096


def app_environment(
    spec: CollectorSpec, *, service_name: str, otlp_protocol: OtlpProtocol
) -> dict[str, str]:
    """What the application containers need to send traces to the collector of ``spec``."""
    environment: dict[str, str] = {}
    if spec.receives_xray_segments:
        environment["AWS_XRAY_DAEMON_ADDRESS"] = f"{LOCALHOST}:{XRAY_PORT}"
        environment["AWS_XRAY_TRACING_NAME"] = service_name
    environment[RESOURCE_ATTRIBUTES] = f"service.name={service_name}"
    if not spec.speaks_otlp:
        return environment
    if spec.application_signals:
        base = f"http://{LOCALHOST}:{APPLICATION_SIGNALS_HTTP_PORT}"
        traces_endpoint = f"{base}/v1/traces"
        environment["OTEL_AWS_APPLICATION_SIGNALS_ENABLED"] = "true"
        environment["OTEL_AWS_APPLICATION_SIGNALS_EXPORTER_ENDPOINT"] = f"{base}/v1/metrics"
    elif otlp_protocol is OtlpProtocol.GRPC:
        traces_endpoint = f"http://{LOCALHOST}:{OTLP_GRPC_PORT}"
    else:
        # A signal-specific HTTP endpoint is used as given: it carries the path.
        traces_endpoint = f"http://{LOCALHOST}:{OTLP_HTTP_PORT}/v1/traces"
    environment |= {
        "OTEL_TRACES_EXPORTER": "otlp",
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": traces_endpoint,
        "OTEL_EXPORTER_OTLP_PROTOCOL": otlp_protocol.value,
        "OTEL_METRICS_EXPORTER": "none",
        "OTEL_LOGS_EXPORTER": "none",
        "OTEL_TRACES_SAMPLER": "xray",
        "OTEL_TRACES_SAMPLER_ARG": f"endpoint=http://{LOCALHOST}:{XRAY_PORT}",
        "OTEL_PROPAGATORS": XRAY_PROPAGATORS,
    }
    return environment


def apply_overrides(
    check: Check, environment: Mapping[str, str], overrides: Mapping[str, str | None] | None
) -> dict[str, str]:
    """``environment`` with the user's ``overrides``: a value replaces the library's, None
    leaves the variable unset. Only variables the library sets may be overridden."""
    result = dict(environment)
    if overrides is None:
        return result
    if not isinstance(overrides, Mapping):
        check.fail(_OVERRIDES, f"expected a mapping of name to value, got {overrides!r}")
    for name, value in overrides.items():
        if name == RESOURCE_ATTRIBUTES:
            check.fail(
                _OVERRIDES,
                f"{RESOURCE_ATTRIBUTES} carries service.name; set your own attributes on the "
                "container, where they are merged with it",
            )
        if name not in environment:
            check.fail(
                _OVERRIDES,
                f"{name!r} is not a variable FargateTracing sets for this collector (it sets "
                f"{', '.join(sorted(environment))}); set other variables on the container",
            )
        if value is None:
            del result[name]
            continue
        result[name] = check.text(_OVERRIDES, value, max_length=_MAX_VALUE_LENGTH)
    return result


@dataclass
class PlannedEnvironment:
    """The variables to set on one container, and what to warn its owner about."""

    variables: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def plan_environment(
    check: Check,
    container: ecs.ContainerDefinition,
    environment: Mapping[str, str],
    *,
    service_name: str,
) -> PlannedEnvironment:
    """The library's ``environment`` for ``container``, reconciled with the container's own
    variables: a conflicting value is refused (naming the variable) before anything is built,
    ``OTEL_RESOURCE_ATTRIBUTES`` is merged, settings that change what the SDK does with the
    collector's variables are refused or warned about."""
    existing = container_environment(container)
    name = container.container_name
    planned = PlannedEnvironment()
    for variable, value in environment.items():
        current = existing.get(variable)
        if current is None or current == value:
            planned.variables[variable] = value
        elif variable == RESOURCE_ATTRIBUTES:
            planned.variables[variable] = _merged_attributes(check, name, current, service_name)
        else:
            check.fail(
                "app_containers",
                f"container {name!r} already sets {variable}={current!r}, but the collector "
                f"needs {value!r}; remove the variable from the container, or keep yours with "
                f"{_OVERRIDES}={{{variable!r}: {current!r}}}",
            )
    own_name = existing.get("OTEL_SERVICE_NAME")
    if own_name is not None and own_name != service_name:
        check.fail(
            "service_name",
            f"container {name!r} sets OTEL_SERVICE_NAME={own_name!r}, which takes precedence "
            f"over service.name; it must match service_name ({service_name!r})",
        )
    planned.warnings.extend(_warnings(name, existing, environment))
    return planned


def _warnings(name: str, existing: Mapping[str, str], environment: Mapping[str, str]) -> list[str]:
    """The container's settings that change what the SDK does with the collector's."""
    found = []
    all_signals = existing.get("OTEL_EXPORTER_OTLP_ENDPOINT")
    if all_signals is not None and "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT" in environment:
        found.append(
            f"container {name!r} sets OTEL_EXPORTER_OTLP_ENDPOINT={all_signals!r}: traces go to "
            "the collector (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT takes precedence), and metrics "
            "and logs go nowhere while OTEL_METRICS_EXPORTER/OTEL_LOGS_EXPORTER are 'none' "
            f"(override them with {_OVERRIDES} to export them there)"
        )
    if existing.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        found.append(
            f"container {name!r} sets OTEL_SDK_DISABLED=true: its OpenTelemetry SDK sends "
            "nothing to the collector"
        )
    return found


def _merged_attributes(check: Check, container: str, current: str, service_name: str) -> str:
    """``service.name=<service>`` added to the container's own resource attributes."""
    if is_token(current):
        check.fail(
            "app_containers",
            f"container {container!r} sets {RESOURCE_ATTRIBUTES} to a value known only at "
            "deploy time; set it to a literal or remove it",
        )
    pairs = [pair.strip() for pair in current.split(",") if pair.strip()]
    for pair in pairs:
        key, _, value = pair.partition("=")
        if key.strip() != "service.name":
            continue
        if value.strip() != service_name:
            check.fail(
                "service_name",
                f"container {container!r} declares service.name={value.strip()!r} in "
                f"{RESOURCE_ATTRIBUTES}; it must match service_name ({service_name!r})",
            )
        return current
    return ",".join([f"service.name={service_name}", *pairs])
