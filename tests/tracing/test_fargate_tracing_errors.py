"""Bad input to FargateTracing fails at construct time with a Python error naming the parameter."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_secretsmanager as secretsmanager

from constructs_obs import EncryptedLogGroup, InvalidParameterError
from constructs_obs.tracing import FargateTracing, TracingBackend

APP_IMAGE = ecs.ContainerImage.from_registry("public.ecr.aws/nginx/nginx:1.27.0")
FLOATING = ":" + "latest"
PRIVATE_IMAGE = "registry.example.com/team/collector"


def _repository(stack: cdk.Stack) -> ecr.IRepository:
    return ecr.Repository.from_repository_name(stack, "Repo", "team/collector")


def _credentials(stack: cdk.Stack) -> secretsmanager.ISecret:
    return secretsmanager.Secret.from_secret_name_v2(stack, "RegistryCredentials", "registry")


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
    "ECR image with the default tag": (
        lambda s: _tracing(s, image=ecs.ContainerImage.from_ecr_repository(_repository(s))),
        "image",
        "'123456789012.dkr.ecr.eu-west-1.${...}/team/collector" + FLOATING + "' uses the "
        "floating 'latest' tag; pin a version: "
        "ecs.ContainerImage.from_ecr_repository(repository, 'v1.2.3')",
    ),
    "ECR image with the latest tag": (
        lambda s: _tracing(
            s, image=ecs.ContainerImage.from_ecr_repository(_repository(s), "latest")
        ),
        "image",
        "uses the floating 'latest' tag",
    ),
    "ECR image with a malformed digest": (
        lambda s: _tracing(
            s, image=ecs.ContainerImage.from_ecr_repository(_repository(s), "sha256:abc")
        ),
        "image",
        "has no tag and no valid sha256 digest",
    ),
    "floating tag behind registry credentials": (
        lambda s: _tracing(
            s,
            image=ecs.ContainerImage.from_registry(
                PRIVATE_IMAGE + FLOATING, credentials=_credentials(s)
            ),
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


REFUSED_IMAGES: dict[str, Callable[[cdk.Stack], object]] = {
    "reference": lambda _: PRIVATE_IMAGE + FLOATING,
    "registry image": lambda _: ecs.ContainerImage.from_registry(PRIVATE_IMAGE + FLOATING),
    "untagged registry image": lambda _: ecs.ContainerImage.from_registry(PRIVATE_IMAGE),
    "ECR image": lambda s: ecs.ContainerImage.from_ecr_repository(_repository(s)),
}


@pytest.mark.parametrize("case", list(REFUSED_IMAGES))
def test_a_refused_image_leaves_the_task_untouched(stack: cdk.Stack, case: str) -> None:
    # GIVEN a task with an app container and no execution role yet
    task = _task(stack)
    assert task.execution_role is None
    # WHEN FargateTracing refuses the image
    with pytest.raises(InvalidParameterError) as info:
        _tracing(stack, task, image=REFUSED_IMAGES[case](stack))
    assert info.value.parameter == "image"
    # THEN the image was checked before the sidecar was added: no container, no dependency,
    # not even an execution role (nothing granted a pull)
    assert task.find_container("aws-otel-collector") is None
    assert [c.container_name for c in _containers(task)] == ["app"]
    app = task.find_container("app")
    assert app is not None
    assert app.container_dependencies == []
    assert task.execution_role is None


def _containers(task: ecs.TaskDefinition) -> list[ecs.ContainerDefinition]:
    return [c for c in task.node.children if isinstance(c, ecs.ContainerDefinition)]


@pytest.mark.parametrize(
    ("tag_or_digest", "rendered"),
    [
        ("v1.2.3", ":v1.2.3"),
        ("sha256:" + "a" * 64, "@sha256:" + "a" * 64),
    ],
)
def test_a_pinned_ecr_image_is_accepted(
    stack: cdk.Stack, tag_or_digest: str, rendered: str
) -> None:
    image = ecs.ContainerImage.from_ecr_repository(_repository(stack), tag_or_digest)
    tracing = _tracing(stack, image=image)
    assert stack.resolve(tracing.collector_container.image_name) == {
        "Fn::Join": [
            "",
            [
                "123456789012.dkr.ecr.eu-west-1.",
                {"Ref": "AWS::URLSuffix"},
                "/team/collector" + rendered,
            ],
        ]
    }


def test_an_ecr_tag_chosen_at_deploy_time_cannot_be_checked_and_is_accepted(
    stack: cdk.Stack,
) -> None:
    # The tag is a CloudFormation parameter: only known at deploy time, like a
    # TagParameterContainerImage's, so there is nothing to check at synthesis.
    tag = cdk.CfnParameter(stack, "CollectorTag").value_as_string
    repository = _repository(stack)
    for id_, image in (
        ("FromParameter", ecs.ContainerImage.from_ecr_repository(repository, tag)),
        ("TagParameter", ecs.TagParameterContainerImage(repository)),
    ):
        task = ecs.FargateTaskDefinition(stack, f"{id_}Task", cpu=512, memory_limit_mib=1024)
        task.add_container("app", image=APP_IMAGE)
        tracing = FargateTracing(
            stack, f"{id_}Tracing", task_definition=task, service_name="orders", image=image
        )
        assert tracing.collector_container.container_name == "aws-otel-collector"


def test_a_pinned_image_behind_credentials_is_accepted_with_one_grant(stack: cdk.Stack) -> None:
    # GIVEN an image whose check needs the execution role (it is granted the credentials)
    image = ecs.ContainerImage.from_registry(
        PRIVATE_IMAGE + ":1.2.3", credentials=_credentials(stack)
    )
    # WHEN FargateTracing checks and adds it
    task = _task(stack)
    tracing = _tracing(stack, task, image=image)
    # THEN the container uses it, and the execution role is granted the secret once
    assert tracing.collector_container.image_name == PRIVATE_IMAGE + ":1.2.3"
    role = task.execution_role
    assert role is not None
    policy = role.node.find_child("DefaultPolicy")
    assert isinstance(policy, iam.Policy)
    statements = stack.resolve(policy.document)["Statement"]
    assert [s["Action"] for s in statements] == [
        ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
    ]
