"""Bad input to FargateTracing fails at construct time with a Python error naming the parameter."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_kms as kms

from constructs_obs import EncryptedLogGroup, InvalidParameterError
from constructs_obs.tracing import FargateTracing, TracingBackend

APP_IMAGE = ecs.ContainerImage.from_registry("public.ecr.aws/nginx/nginx:1.27.0")
FLOATING = ":" + "latest"


def _task(
    stack: cdk.Stack, cpu: int = 512, memory: int = 1024, **app: Any
) -> ecs.FargateTaskDefinition:
    task = ecs.FargateTaskDefinition(stack, "Task", cpu=cpu, memory_limit_mib=memory)
    task.add_container("app", image=APP_IMAGE, **app)
    return task


def _tracing(stack: cdk.Stack, task: ecs.TaskDefinition | None = None, **kwargs: Any) -> Any:
    arguments: dict[str, Any] = {
        "task_definition": task if task is not None else _task(stack),
        "service_name": "orders",
    }
    arguments.update(kwargs)
    return FargateTracing(stack, "Tracing", **arguments)


CASES: dict[str, tuple[Callable[[cdk.Stack], object], str, str]] = {
    "ec2 task definition": (
        lambda s: _tracing(s, ecs.Ec2TaskDefinition(s, "Ec2Task")),
        "task_definition",
        "expected an ecs.FargateTaskDefinition defined in this app, got Ec2TaskDefinition",
    ),
    "cpu that is no fargate size": (
        lambda s: _tracing(s, _task(s, cpu=384, memory=1024)),
        "task_definition",
        "the task's cpu 384 is not a Fargate task size; allowed CPU units: 256, 512, 1024, 2048",
    ),
    "invalid cpu/memory pair": (
        lambda s: _tracing(s, _task(s, cpu=256, memory=4096)),
        "task_definition",
        "memory 4096 MiB cannot be combined with cpu 256 on Fargate; with cpu 256 the memory "
        "must be 512, 1024, 2048 MiB",
    ),
    "task too small for the sidecar": (
        lambda s: _tracing(s, _task(s, cpu=256, memory=512)),
        "task_definition",
        "the task has 256 CPU units of cpu; the aws-otel-collector sidecar needs 256 CPU units, "
        "which does not fit with room left for the containers that reserve none. Use a larger "
        "task (e.g. cpu=512, memory_limit_mib=1024) or give the sidecar less cpu (cpu=...)",
    ),
    "app reservations leave no memory": (
        lambda s: _tracing(s, _task(s, memory_reservation_mib=768)),
        "task_definition",
        "the task has 1024 MiB of memory; the aws-otel-collector sidecar needs 512 MiB and the "
        "other containers reserve 768 MiB, which does not fit",
    ),
    "sidecar larger than the task": (
        lambda s: _tracing(s, cpu=1024),
        "task_definition",
        "the aws-otel-collector sidecar needs 1024 CPU units",
    ),
    "task without containers": (
        lambda s: _tracing(
            s, ecs.FargateTaskDefinition(s, "Empty", cpu=512, memory_limit_mib=1024)
        ),
        "app_containers",
        "the task definition Errors/Empty has no containers yet; add the application containers "
        "first, then FargateTracing",
    ),
    "empty app_containers": (
        lambda s: _tracing(s, app_containers=[]),
        "app_containers",
        "is empty; name at least one container",
    ),
    "container of another task": (
        lambda s: _tracing(s, app_containers=[_other_container(s)]),
        "app_containers",
        "is not a container of Errors/Task",
    ),
    "service name with a space": (
        lambda s: _tracing(s, service_name="orders api"),
        "service_name",
        "'orders api' must start with a letter or digit and contain only letters, digits, '.', "
        "'_' and '-'",
    ),
    "service name too long": (
        lambda s: _tracing(s, service_name="s" * 65),
        "service_name",
        "must be at most 64 characters, got 65",
    ),
    "floating image tag": (
        lambda s: _tracing(
            s, image="public.ecr.aws/aws-observability/aws-otel-collector" + FLOATING
        ),
        "image",
        "uses the floating 'latest' tag; pin a version",
    ),
    "untagged image": (
        lambda s: _tracing(s, image="public.ecr.aws/xray/aws-xray-daemon"),
        "image",
        "has no tag; pin a version",
    ),
    "floating tag in a ContainerImage": (
        lambda s: _tracing(
            s, image=ecs.ContainerImage.from_registry("amazon/aws-xray-daemon" + FLOATING)
        ),
        "image",
        "uses the floating 'latest' tag",
    ),
    "image of the wrong type": (
        lambda s: _tracing(s, image=42),
        "image",
        "expected an ecs.ContainerImage or an image reference, got int",
    ),
    "backend as a string": (
        lambda s: _tracing(s, backend="adot"),
        "backend",
        "'adot' is not allowed; allowed: TracingBackend.ADOT, TracingBackend.CLOUDWATCH_AGENT, "
        "TracingBackend.XRAY_DAEMON",
    ),
    "namespace for a backend without metrics": (
        lambda s: _tracing(s, metrics_namespace="Shop"),
        "metrics_namespace",
        "only the CloudWatch agent publishes metrics",
    ),
    "reserved namespace": (
        lambda s: _tracing(
            s, backend=TracingBackend.CLOUDWATCH_AGENT, metrics_namespace="AWS/Shop"
        ),
        "metrics_namespace",
        "namespaces starting with 'AWS/' are reserved by AWS",
    ),
    "container name taken": (
        lambda s: _tracing(s, container_name="app"),
        "container_name",
        "the task definition already has a container named 'app'",
    ),
    "container name with a dot": (
        lambda s: _tracing(s, container_name="otel.collector"),
        "container_name",
        "must start with a letter or digit and contain only letters, digits, '-' and '_'",
    ),
    "app maps a collector port": (
        lambda s: _tracing(s, _task(s, port_mappings=[ecs.PortMapping(container_port=4317)])),
        "task_definition",
        "container 'app' maps port 4317/tcp, which the ADOT collector listens on (it needs "
        "4317/tcp, 4318/tcp, 2000/udp, 2000/tcp)",
    ),
    "app points its SDK elsewhere": (
        lambda s: _tracing(
            s, _task(s, environment={"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4317"})
        ),
        "app_containers",
        "container 'app' already sets OTEL_EXPORTER_OTLP_ENDPOINT='http://collector:4317', but "
        "the collector needs 'http://127.0.0.1:4317'",
    ),
    "app declares another service name": (
        lambda s: _tracing(
            s, _task(s, environment={"OTEL_RESOURCE_ATTRIBUTES": "service.name=cart,team=a"})
        ),
        "service_name",
        "container 'app' declares service.name='cart' in OTEL_RESOURCE_ATTRIBUTES; it must match "
        "service_name ('orders')",
    ),
    "log group and key": (
        lambda s: _tracing(
            s,
            log_group=EncryptedLogGroup(s, "Logs").log_group,
            encryption_key=kms.Key(s, "Key", enable_key_rotation=True),
        ),
        "encryption_key",
        "applies to the log group created here; pass either log_group or encryption_key",
    ),
    "essential not a bool": (
        lambda s: _tracing(s, essential="yes"),
        "essential",
        "expected True or False, got 'yes'",
    ),
    "memory below what ECS accepts": (
        lambda s: _tracing(s, memory_limit_mib=4),
        "memory_limit_mib",
        "must be >= 6, got 4",
    ),
    "negative cpu": (
        lambda s: _tracing(s, cpu=-1),
        "cpu",
        "must be >= 0, got -1",
    ),
}


def _other_container(stack: cdk.Stack) -> ecs.ContainerDefinition:
    other = ecs.FargateTaskDefinition(stack, "Other", cpu=256, memory_limit_mib=512)
    return other.add_container("other", image=APP_IMAGE)


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_names_the_parameter(stack: cdk.Stack, case: str) -> None:
    build, parameter, message = CASES[case]
    with pytest.raises(InvalidParameterError) as info:
        build(stack)
    assert info.value.parameter == parameter
    assert str(info.value).startswith("FargateTracing 'Tracing': invalid ")
    assert message in str(info.value)


def test_the_daemon_fits_where_adot_does_not(stack: cdk.Stack) -> None:
    # GIVEN the smallest Fargate task, WHEN the small X-Ray daemon is chosen, THEN it fits
    tracing = _tracing(stack, _task(stack, cpu=256, memory=512), backend=TracingBackend.XRAY_DAEMON)
    assert tracing.collector_container.container_name == "xray-daemon"


def test_a_refused_app_container_leaves_the_task_untouched(stack: cdk.Stack) -> None:
    # GIVEN an app container that already points its SDK at another collector
    task = _task(stack, environment={"AWS_XRAY_DAEMON_ADDRESS": "xray.internal:2000"})
    # WHEN FargateTracing refuses it
    with pytest.raises(InvalidParameterError, match="already sets AWS_XRAY_DAEMON_ADDRESS"):
        _tracing(stack, task)
    # THEN no sidecar was added and the app container was not changed
    assert task.find_container("aws-otel-collector") is None
    app = task.find_container("app")
    assert app is not None
    assert app.container_dependencies == []
