"""The application containers' environment: X-Ray sampler and propagator, a traces-only OTLP
endpoint per backend, the user's overrides, and a container's own conflicting settings."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ecs as ecs

from constructs_obs import InvalidParameterError
from constructs_obs.private.validate import Check
from constructs_obs.tracing import OtlpProtocol, TracingBackend
from constructs_obs.tracing._app_environment import (
    app_environment,
    apply_overrides,
    plan_environment,
)
from constructs_obs.tracing.tracing_backend import CollectorOptions, collector_spec
from tests.tracing.network import APP_IMAGE

CHECK = Check("FargateTracing", "Tracing")
XRAY_SDK = {"AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000", "AWS_XRAY_TRACING_NAME": "orders"}
SAMPLING_AND_PROPAGATION = {
    "OTEL_TRACES_SAMPLER": "xray",
    "OTEL_TRACES_SAMPLER_ARG": "endpoint=http://127.0.0.1:2000",
    "OTEL_PROPAGATORS": "tracecontext,baggage,xray",
}
TRACES_ONLY = {
    "OTEL_TRACES_EXPORTER": "otlp",
    "OTEL_METRICS_EXPORTER": "none",
    "OTEL_LOGS_EXPORTER": "none",
}


def _environment(backend: TracingBackend, protocol: OtlpProtocol, **options: Any) -> dict[str, str]:
    spec = collector_spec(backend, CollectorOptions(**options))
    return app_environment(spec, service_name="orders", otlp_protocol=protocol)


@pytest.mark.parametrize(
    ("backend", "protocol", "endpoint"),
    [
        (TracingBackend.ADOT, OtlpProtocol.GRPC, "http://127.0.0.1:4317"),
        (TracingBackend.ADOT, OtlpProtocol.HTTP_PROTOBUF, "http://127.0.0.1:4318/v1/traces"),
        (TracingBackend.CLOUDWATCH_AGENT, OtlpProtocol.GRPC, "http://127.0.0.1:4317"),
    ],
    ids=["adot grpc", "adot http", "agent grpc"],
)
def test_otlp_collectors_get_sampler_propagators_and_a_traces_only_endpoint(
    backend: TracingBackend, protocol: OtlpProtocol, endpoint: str
) -> None:
    assert _environment(backend, protocol) == {
        **XRAY_SDK,
        "OTEL_RESOURCE_ATTRIBUTES": "service.name=orders",
        **TRACES_ONLY,
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": endpoint,
        "OTEL_EXPORTER_OTLP_PROTOCOL": protocol.value,
        **SAMPLING_AND_PROPAGATION,
    }


def test_no_all_signal_endpoint_is_set() -> None:
    for backend in (TracingBackend.ADOT, TracingBackend.CLOUDWATCH_AGENT):
        assert "OTEL_EXPORTER_OTLP_ENDPOINT" not in _environment(backend, OtlpProtocol.GRPC)


def test_application_signals_gets_the_environment_aws_gives_for_ecs_sidecars() -> None:
    environment = _environment(
        TracingBackend.CLOUDWATCH_AGENT, OtlpProtocol.HTTP_PROTOBUF, application_signals=True
    )
    assert environment == {
        "OTEL_RESOURCE_ATTRIBUTES": "service.name=orders",
        "OTEL_AWS_APPLICATION_SIGNALS_ENABLED": "true",
        "OTEL_AWS_APPLICATION_SIGNALS_EXPORTER_ENDPOINT": "http://127.0.0.1:4316/v1/metrics",
        **TRACES_ONLY,
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://127.0.0.1:4316/v1/traces",
        "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
        **SAMPLING_AND_PROPAGATION,
    }


def test_the_daemon_gets_only_the_xray_sdk_variables() -> None:
    assert _environment(TracingBackend.XRAY_DAEMON, OtlpProtocol.GRPC) == {
        **XRAY_SDK,
        "OTEL_RESOURCE_ATTRIBUTES": "service.name=orders",
    }


# -- overrides -------------------------------------------------------------------------------


def test_overrides_replace_or_drop_the_librarys_values() -> None:
    environment = _environment(TracingBackend.ADOT, OtlpProtocol.GRPC)
    overridden = apply_overrides(
        CHECK,
        environment,
        {
            "OTEL_TRACES_SAMPLER": "parentbased_traceidratio",
            "OTEL_TRACES_SAMPLER_ARG": "0.05",
            "OTEL_PROPAGATORS": None,
        },
    )
    assert overridden["OTEL_TRACES_SAMPLER"] == "parentbased_traceidratio"
    assert overridden["OTEL_TRACES_SAMPLER_ARG"] == "0.05"
    assert "OTEL_PROPAGATORS" not in overridden
    assert apply_overrides(CHECK, environment, None) == environment


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"OTEL_SERVICE_NAME": "orders"},
            "'OTEL_SERVICE_NAME' is not a variable FargateTracing sets for this collector",
        ),
        ({"OTEL_RESOURCE_ATTRIBUTES": "a=b"}, "OTEL_RESOURCE_ATTRIBUTES carries service.name"),
        ({"OTEL_TRACES_SAMPLER": ""}, "must not be empty"),
        ({"OTEL_TRACES_SAMPLER": 5}, "expected a string, got int"),
        (["OTEL_TRACES_SAMPLER"], "expected a mapping of name to value"),
    ],
    ids=["not the library's", "resource attributes", "empty", "not a string", "not a mapping"],
)
def test_bad_overrides_are_refused(overrides: Any, message: str) -> None:
    environment = _environment(TracingBackend.ADOT, OtlpProtocol.GRPC)
    with pytest.raises(InvalidParameterError) as info:
        apply_overrides(CHECK, environment, overrides)
    assert info.value.parameter == "environment_overrides"
    assert message in str(info.value)


# -- a container's own settings --------------------------------------------------------------


def _container(environment: dict[str, str]) -> ecs.ContainerDefinition:
    stack = cdk.Stack(cdk.App(), "Env")
    task = ecs.FargateTaskDefinition(stack, "Task")
    return task.add_container(
        "app", image=ecs.ContainerImage.from_registry(APP_IMAGE), environment=environment
    )


def _plan(environment: dict[str, str]) -> Any:
    library = _environment(TracingBackend.ADOT, OtlpProtocol.GRPC)
    return plan_environment(CHECK, _container(environment), library, service_name="orders")


def test_the_containers_attributes_are_merged_and_equal_values_kept() -> None:
    plan = _plan({"OTEL_RESOURCE_ATTRIBUTES": "team=a", "OTEL_TRACES_SAMPLER": "xray"})
    assert plan.variables["OTEL_RESOURCE_ATTRIBUTES"] == "service.name=orders,team=a"
    assert plan.variables["OTEL_TRACES_SAMPLER"] == "xray"
    assert plan.warnings == []


@pytest.mark.parametrize(
    ("environment", "parameter", "message"),
    [
        (
            {"OTEL_TRACES_SAMPLER": "always_on"},
            "app_containers",
            "container 'app' already sets OTEL_TRACES_SAMPLER='always_on', but the collector "
            "needs 'xray'; remove the variable from the container, or keep yours with "
            "environment_overrides={'OTEL_TRACES_SAMPLER': 'always_on'}",
        ),
        (
            {"OTEL_SERVICE_NAME": "cart"},
            "service_name",
            "container 'app' sets OTEL_SERVICE_NAME='cart', which takes precedence over "
            "service.name; it must match service_name ('orders')",
        ),
        (
            {"OTEL_RESOURCE_ATTRIBUTES": "service.name=cart"},
            "service_name",
            "declares service.name='cart' in OTEL_RESOURCE_ATTRIBUTES",
        ),
    ],
    ids=["sampler", "service name", "service.name attribute"],
)
def test_a_conflicting_setting_is_refused_naming_it(
    environment: dict[str, str], parameter: str, message: str
) -> None:
    with pytest.raises(InvalidParameterError) as info:
        _plan(environment)
    assert info.value.parameter == parameter
    assert message in str(info.value)


def test_settings_that_change_what_the_sdk_does_are_warned_about() -> None:
    plan = _plan(
        {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://metrics:4317", "OTEL_SDK_DISABLED": "TRUE"}
    )
    assert len(plan.warnings) == 2
    assert plan.warnings[0].startswith(
        "container 'app' sets OTEL_EXPORTER_OTLP_ENDPOINT='http://metrics:4317': traces go to "
        "the collector (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT takes precedence)"
    )
    assert "OTEL_SDK_DISABLED=true" in plan.warnings[1]
