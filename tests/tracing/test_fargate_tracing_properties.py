"""Properties of the tracing family: FargateTracing, TracedFargateService, SamplingRule and
TraceGroup.

Each parameter in turn gets a wrong type, an empty or an oversized value (``tests.support.
properties``): the construct refuses it naming the parameter, or the template passes the harness.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_kms as kms
from constructs import Construct
from hypothesis import example, given

from constructs_obs import AlarmOptions, AlarmRouting, AlarmTopic, EncryptedLogGroup
from constructs_obs.acknowledge import acknowledge_nag
from constructs_obs.tracing import (
    FargateTracing,
    OtlpProtocol,
    SamplingRule,
    TracedFargateService,
    TraceGroup,
    TracingBackend,
    TracingOptions,
    XRayExport,
)
from tests.support.properties import (
    ANY_TYPE,
    PROPERTY_SETTINGS,
    Examples,
    Value,
    built,
    cases,
    durations,
    literal,
    oversized_text,
)
from tests.tracing.network import APP_IMAGE, app_task, cluster

_COLLECTOR_IMAGE = "public.ecr.aws/aws-observability/aws-otel-collector:v0.43.3"


def _routing(scope: Construct) -> AlarmRouting:
    topic = AlarmTopic(scope, "Oncall", email_addresses=["oncall@example.com"])
    return AlarmRouting(
        scope, "Routing", name_prefix=f"{scope.node.id.lower()}z", critical=[topic], warning=[topic]
    )


def _key(scope: Construct) -> kms.Key:
    return kms.Key(scope, "UserKey", enable_key_rotation=True)


_COMMON: dict[str, list[Value]] = {
    "log_retention": [literal(7), literal(4000)],
    "encryption_key": [built("a Key", _key), literal("alias/aws/logs")],
}

_TRACING: dict[str, list[Value]] = {
    **_COMMON,
    "backend": [literal("adot"), literal(TracingBackend.XRAY_DAEMON, "XRAY_DAEMON")],
    "otlp_protocol": [literal("grpc"), literal(OtlpProtocol.HTTP_PROTOBUF, "HTTP_PROTOBUF")],
    "xray_export": [literal("otlp"), literal(XRayExport.OTLP_ENDPOINT, "OTLP_ENDPOINT")],
    "application_signals": [literal("yes"), literal(True)],
    "environment_overrides": [
        literal({"LOG_LEVEL": "debug"}),
        literal({"OTEL_TRACES_SAMPLER": 5}),
        literal({"OTEL_TRACES_SAMPLER": "always_on", "OTEL_TRACES_SAMPLER_ARG": None}),
    ],
    "service_name": [oversized_text(300), literal("orders service"), literal("orders")],
    "app_containers": [literal("app"), literal([])],
    "essential": [literal("yes"), literal(True)],
    "image": [
        literal("nginx:latest"),
        literal(_COLLECTOR_IMAGE),
        literal(ecs.ContainerImage.from_registry("busybox"), "from_registry('busybox')"),
    ],
    "cpu": [literal(128), literal(100_000)],
    "memory_limit_mib": [literal(64), literal(100_000)],
    "container_name": [literal("app"), literal("bad name"), oversized_text(256)],
    "log_group": [
        built("an EncryptedLogGroup", lambda s: EncryptedLogGroup(s, "CollectorLogs")),
        literal("/ecs/collector"),
    ],
    "metrics_namespace": [literal("AWS/ECS"), oversized_text(256), literal("Shop")],
}

_SERVICE: dict[str, list[Value]] = {
    **_COMMON,
    "cluster": [literal("arn:aws:ecs:eu-west-1:123456789012:cluster/shop")],
    "image": [literal(APP_IMAGE)],
    "service_name": [oversized_text(300), literal("checkout")],
    "routing": [built("an AlarmTopic", lambda s: AlarmTopic(s, "Other"))],
    "cpu": [literal(300), literal(1024)],
    "memory_limit_mib": [literal(100), literal(2048)],
    "desired_count": [literal(0), literal(1)],
    "container_port": [literal(70_000), literal(8080)],
    # A variable of the user's leaves cdk-nag's ECS2 standing (the library vouches only for
    # its own): _build_service acknowledges the harmless ones, as the user would.
    "environment": [
        literal({"LOG_LEVEL": "info"}),
        literal({"A=B": "x"}),
        literal({"LOG_LEVEL": 3}),
    ],
    "secrets": [literal({"DB": "x"})],
    "health_check": [literal({"command": ["CMD", "true"]})],
    "tracing_options": [
        literal(TracingOptions(image="nginx:latest"), "TracingOptions(image='nginx:latest')"),
        literal(TracingOptions(image=_COLLECTOR_IMAGE), "TracingOptions(image=<pinned>)"),
        literal(TracingOptions(backend="adot"), "TracingOptions(backend='adot')"),  # type: ignore[arg-type]
        literal(
            TracingOptions(xray_export=XRayExport.OTLP_ENDPOINT),
            "TracingOptions(xray_export=OTLP_ENDPOINT)",
        ),
        literal(
            TracingOptions(backend=TracingBackend.CLOUDWATCH_AGENT, application_signals=True),
            "TracingOptions(CLOUDWATCH_AGENT, application_signals=True)",
        ),
        literal(
            TracingOptions(application_signals="yes"),  # type: ignore[arg-type]
            "TracingOptions(application_signals='yes')",
        ),
        literal(
            TracingOptions(environment_overrides={"": ""}),
            "TracingOptions(environment_overrides={'': ''})",
        ),
    ],
    "vpc_subnets": [literal(ec2.SubnetSelection(subnet_type=ec2.SubnetType.PUBLIC), "PUBLIC")],
    "security_groups": [literal("sg-0123456789abcdef0")],
    "assign_public_ip": [literal("no"), literal(True)],
    "runbook_url": [literal("https://"), literal("https://example.com/rb")],
    "cpu_utilization": [literal(AlarmOptions(threshold=180), "AlarmOptions(threshold=180)")],
    "running_tasks": [literal(AlarmOptions(evaluation_periods=0), "evaluation_periods=0")],
}

_SAMPLING: dict[str, list[Value]] = {
    "service_name": [oversized_text(65), literal("orders")],
    "fixed_rate": [literal(1.01), literal(0.5)],
    "reservoir_size": [literal(10**10), literal(5)],
    "priority": [literal(10_000), literal(9999)],
    "url_path": [oversized_text(129), literal("/checkout/*")],
    "host": [oversized_text(65), literal("shop.example.com")],
    "http_method": [literal("FETCH"), oversized_text(11), literal("GET")],
    "service_type": [literal("AWS::ECS::Container")],
    "resource_arn": [oversized_text(501)],
    "attributes": [literal({"tenant": "gold"}), literal({"": "x"}), literal({"k": 42})],
    "rule_name": [oversized_text(33), literal("bad name")],
}

_GROUP: dict[str, list[Value]] = {
    "filter_expression": [literal('service("orders"'), literal('service("orders")')],
    "insights": [literal("yes"), literal(False)],
    "insights_notifications": [literal("yes"), literal(True)],
    "group_name": [oversized_text(33), literal("bad name"), literal("orders")],
    "routing": [built("an AlarmTopic", lambda s: AlarmTopic(s, "Other"))],
    "slow_response": [*durations(), literal(cdk.Duration.seconds(2), "Duration.seconds(2)")],
    "faults": [literal(AlarmOptions(threshold=-1), "AlarmOptions(threshold=-1)")],
    "latency": [literal(AlarmOptions(statistic="Median"), "AlarmOptions(statistic='Median')")],
    "runbook_url": [literal("https://")],
}


def _build_tracing(scope: Construct, kwargs: dict[str, Any]) -> None:
    stack = cast("cdk.Stack", scope)  # app_task only names its children in the scope given
    task, app = app_task(stack, "Task")
    arguments: dict[str, Any] = {
        "task_definition": task,
        "service_name": "orders",
        "app_containers": [app],
        **kwargs,
    }
    FargateTracing(scope, "Tracing", **arguments)


def _build_service(scope: Construct, kwargs: dict[str, Any]) -> None:
    arguments: dict[str, Any] = {
        "cluster": cluster(cast("cdk.Stack", scope)),
        "image": ecs.ContainerImage.from_registry(APP_IMAGE),
        "service_name": "checkout",
        "routing": _routing(scope),
        **kwargs,
    }
    service = TracedFargateService(scope, "Checkout", **arguments)
    environment = kwargs.get("environment") or {}
    if environment and set(environment) <= set(_HARMLESS):
        # The user's own decision, which the library does not make for them (see the
        # ``environment`` docstring): these variables are no secrets.
        reasons = "; ".join(f"{name} {_HARMLESS[name]}" for name in sorted(environment))
        acknowledge_nag(service.task_definition, "AwsSolutions-ECS2", f"Test app: {reasons}.")


#: The user's variables this module's app acknowledges for ECS2, each with its reason.
_HARMLESS = {"LOG_LEVEL": "sets the log verbosity, not a secret"}


def _build_sampling(scope: Construct, kwargs: dict[str, Any]) -> None:
    arguments: dict[str, Any] = {
        "service_name": "orders",
        "fixed_rate": 0.05,
        "reservoir_size": 1,
        "priority": 100,
        **kwargs,
    }
    SamplingRule(scope, f"Rule{scope.node.id}", **arguments)


def _build_group(scope: Construct, kwargs: dict[str, Any]) -> None:
    arguments: dict[str, Any] = {
        "filter_expression": 'service("orders")',
        "routing": _routing(scope),
        **kwargs,
    }
    TraceGroup(scope, f"Group{scope.node.id}", **arguments)


def _named(table: dict[str, list[Value]], parameter: str, label: str) -> tuple[str, Value]:
    """The case ``parameter=<the value labelled label>`` of ``table`` or of the common values."""
    (value,) = [v for v in (*table[parameter], *ANY_TYPE) if v.label == label]
    return parameter, value


#: Cases always run besides hypothesis's draws: the defects these properties found (each is
#: also a plain test in test_fargate_tracing.py / test_traced_fargate_service.py).
_TRACING_ALWAYS = [
    _named(_TRACING, "log_retention", "4000"),
    _named(_TRACING, "log_group", "'/ecs/collector'"),
    _named(_TRACING, "app_containers", "True"),
    _named(_TRACING, "xray_export", "OTLP_ENDPOINT"),
]
_SERVICE_ALWAYS = [
    _named(_SERVICE, "environment", "'   '"),
    _named(_SERVICE, "environment", "True"),
    _named(_SERVICE, "environment", "{'': ''}"),
    _named(_SERVICE, "environment", "{'LOG_LEVEL': 'info'}"),
    _named(_SERVICE, "cluster", "nan"),
    _named(_SERVICE, "tracing_options", "TracingOptions(xray_export=OTLP_ENDPOINT)"),
    _named(
        _SERVICE, "tracing_options", "TracingOptions(CLOUDWATCH_AGENT, application_signals=True)"
    ),
]


def _always(
    cases_: list[tuple[str, Value]],
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    def decorate(test: Callable[..., None]) -> Callable[..., None]:
        for case in reversed(cases_):
            test = example(case=case)(test)
        return test

    return decorate


@PROPERTY_SETTINGS
@given(case=cases(_TRACING))
@_always(_TRACING_ALWAYS)
def fargate_tracing(examples: Examples, case: tuple[str, Value]) -> None:
    examples.attempt(*case, _build_tracing)


@PROPERTY_SETTINGS
@given(case=cases(_SERVICE))
@_always(_SERVICE_ALWAYS)
def traced_fargate_service(examples: Examples, case: tuple[str, Value]) -> None:
    examples.attempt(*case, _build_service)


@PROPERTY_SETTINGS
@given(case=cases(_SAMPLING))
def sampling_rule(examples: Examples, case: tuple[str, Value]) -> None:
    examples.attempt(*case, _build_sampling)


@PROPERTY_SETTINGS
@given(case=cases(_GROUP))
def trace_group(examples: Examples, case: tuple[str, Value]) -> None:
    examples.attempt(*case, _build_group)


def baselines(examples: Examples) -> None:
    """Valid arguments for every construct of the family: each is built."""
    for build in (_build_tracing, _build_service, _build_sampling, _build_group):
        examples.attempt("baseline", None, build)


PROPERTIES = (baselines, fargate_tracing, traced_fargate_service, sampling_rule, trace_group)


@pytest.fixture(scope="module")
def examples() -> Examples:
    return Examples("tracing")


#: Defects these properties found and that are not fixed yet, by property (none open now).
#: Strict: once one is fixed the test passes, fails as XPASS, and its entry goes.
_OPEN: dict[str, str] = {}


@pytest.mark.parametrize(
    "prop",
    [
        pytest.param(
            prop,
            id=prop.__name__,
            marks=[pytest.mark.xfail(strict=True, reason=_OPEN[prop.__name__])]
            if prop.__name__ in _OPEN
            else [],
        )
        for prop in PROPERTIES
    ],
)
def test_refuses_by_name_or_builds(examples: Examples, prop: Any) -> None:
    # GIVEN one parameter at a time set to a wrong, empty or oversized value
    # THEN a Python error names it, or the example is kept for the harness
    examples.run(prop)


def test_every_accepted_example_passes_the_harness(examples: Examples) -> None:
    # GIVEN every example the constructs accepted (the properties run here if not yet; those
    # with open defects only if they ran here)
    # THEN the app they make passes cdk-nag, cfn-lint, checkov and the IAM check
    examples.check(*(prop for prop in PROPERTIES if prop.__name__ not in _OPEN))
