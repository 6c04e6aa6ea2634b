"""TracedFargateService: one statement builds a traced, logged, alarmed Fargate service."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk.assertions import Match

from constructs_obs import AlarmOptions, AlarmRouting, AlarmTopic, InvalidParameterError
from constructs_obs.acknowledge import acknowledge_nag
from constructs_obs.tracing import TracedFargateService, TracingBackend
from tests.support.harness import Synthesized, new_stack, synth
from tests.tracing.network import APP_IMAGE, cluster

FLOATING = ":" + "latest"


def _build(app: cdk.App) -> None:
    stack = new_stack(app, "Traced")
    topic = AlarmTopic(stack, "Oncall", email_addresses=["oncall@example.com"])
    routing = AlarmRouting(stack, "Routing", name_prefix="shop", critical=[topic], warning=[topic])
    checkout = TracedFargateService(
        stack,
        "Checkout",
        cluster=cluster(stack),
        image=ecs.ContainerImage.from_registry(APP_IMAGE),
        service_name="checkout",
        routing=routing,
        container_port=8080,
        environment={"LOG_LEVEL": "info"},
        cpu_utilization=AlarmOptions(threshold=70),
    )
    # LOG_LEVEL is the user's own variable: the library does not vouch for it, the user does.
    acknowledge_nag(
        checkout.task_definition,
        "AwsSolutions-ECS2",
        "Test fixture: LOG_LEVEL sets the log verbosity, not a secret.",
    )


@pytest.fixture(scope="module")
def synthesized() -> Synthesized:
    return synth("tracing_service", _build)


def _task(synthesized: Synthesized) -> dict[str, Any]:
    (task,) = synthesized.resources("AWS::ECS::TaskDefinition").values()
    return dict(task)


def _containers(synthesized: Synthesized) -> dict[str, dict[str, Any]]:
    return {c["Name"]: c for c in _task(synthesized)["Properties"]["ContainerDefinitions"]}


def test_task_size_and_containers(synthesized: Synthesized) -> None:
    properties = _task(synthesized)["Properties"]
    assert (properties["Cpu"], properties["Memory"]) == ("512", "1024")
    containers = _containers(synthesized)
    assert set(containers) == {"app", "aws-otel-collector"}
    app = containers["app"]
    assert app["Essential"] is True
    assert app["PortMappings"] == [{"ContainerPort": 8080, "Protocol": "tcp"}]
    assert app["DependsOn"] == [{"Condition": "START", "ContainerName": "aws-otel-collector"}]
    environment = {pair["Name"]: pair["Value"] for pair in app["Environment"]}
    assert environment["LOG_LEVEL"] == "info"
    assert environment["OTEL_RESOURCE_ATTRIBUTES"] == "service.name=checkout"


def test_app_and_collector_log_to_encrypted_groups_sharing_one_key(
    synthesized: Synthesized,
) -> None:
    resources = synthesized.raw()["Resources"]
    keys = set()
    for name in ("app", "aws-otel-collector"):
        options = _containers(synthesized)[name]["LogConfiguration"]["Options"]
        group = resources[options["awslogs-group"]["Ref"]]["Properties"]
        keys.add(group["KmsKeyId"]["Fn::GetAtt"][0])
        assert group["RetentionInDays"] == 365
    assert len(keys) == 1
    assert next(iter(keys)).startswith("CheckoutKey")


def test_execution_role_has_no_inline_policy(synthesized: Synthesized) -> None:
    execution_role = _task(synthesized)["Properties"]["ExecutionRoleArn"]["Fn::GetAtt"][0]
    inline = [
        p
        for p in synthesized.resources("AWS::IAM::Policy").values()
        if {"Ref": execution_role} in p["Properties"]["Roles"]
    ]
    assert inline == []
    managed = [
        p["Properties"]["PolicyDocument"]["Statement"][0]["Resource"]["Fn::GetAtt"][0]
        for p in synthesized.resources("AWS::IAM::ManagedPolicy").values()
        if {"Ref": execution_role} in p["Properties"]["Roles"]
    ]
    assert len(managed) == 2
    assert any(group.startswith("CheckoutAppLogs") for group in managed)
    assert any(group.startswith("CheckoutTracingLogs") for group in managed)


def test_service_deploys_safely_in_private_subnets(synthesized: Synthesized) -> None:
    (service,) = synthesized.resources("AWS::ECS::Service").values()
    properties = service["Properties"]
    assert properties["DesiredCount"] == 2
    assert properties["DeploymentConfiguration"]["MinimumHealthyPercent"] == 100
    assert properties["DeploymentConfiguration"]["DeploymentCircuitBreaker"] == {
        "Enable": True,
        "Rollback": True,
    }
    network = properties["NetworkConfiguration"]["AwsvpcConfiguration"]
    assert network["AssignPublicIp"] == "DISABLED"
    assert network["Subnets"] == ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]


def test_service_alarms(synthesized: Synthesized) -> None:
    alarms = {
        r["Properties"]["AlarmName"]: r["Properties"]
        for r in synthesized.resources("AWS::CloudWatch::Alarm").values()
        if r["Properties"].get("AlarmName", "").startswith("shop-checkout-")
    }
    assert set(alarms) == {
        "shop-checkout-cpu-utilization-warning",
        "shop-checkout-memory-utilization-warning",
        "shop-checkout-running-tasks-critical",
    }
    assert alarms["shop-checkout-cpu-utilization-warning"]["Threshold"] == 70


def test_library_needs_no_acknowledgement_from_the_user(synthesized: Synthesized) -> None:
    # Everything acknowledged in this stack was acknowledged by the library itself, but for
    # the user's own environment variable (ECS2), which the library does not vouch for.
    assert not [
        f
        for f in synthesized.acknowledged
        if "fixture" in f.message.lower() and f.rule != "AwsSolutions-ECS2"
    ]


# -- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "parameter", "message"),
    [
        (
            {"cpu": 256, "memory_limit_mib": 4096},
            "cpu",
            "memory 4096 MiB cannot be combined with cpu 256 on Fargate",
        ),
        (
            {"cpu": 256, "memory_limit_mib": 512},
            "cpu",
            "the aws-otel-collector sidecar needs 256 CPU units, which does not fit",
        ),
        ({"service_name": "check out"}, "service_name", "must start with a letter or digit"),
        ({"desired_count": -1}, "desired_count", "must be >= 0, got -1"),
        ({"container_port": 70000}, "container_port", "must be >= 1 and <= 65535, got 70000"),
        ({"image": APP_IMAGE}, "image", "expected an ecs.ContainerImage, got str"),
        (
            {"image": ecs.ContainerImage.from_registry("nginx" + FLOATING)},
            "image",
            "'nginx:latest' uses the floating 'latest' tag; pin a version (e.g. "
            "'public.ecr.aws/nginx/nginx:1.27.0') or a digest (@sha256:...)",
        ),
        (
            {"image": ecs.ContainerImage.from_registry("nginx")},
            "image",
            "'nginx' has no tag; pin a version",
        ),
        (
            {"collector_image": "public.ecr.aws/xray/aws-xray-daemon" + FLOATING},
            "collector_image",
            "uses the floating 'latest' tag; pin a version",
        ),
        (
            {"collector_image": 42},
            "collector_image",
            "expected an ecs.ContainerImage, an image reference or None, got int",
        ),
    ],
)
def test_bad_input_names_the_parameter(
    stack: cdk.Stack, overrides: dict[str, Any], parameter: str, message: str
) -> None:
    kwargs = _arguments(stack)
    kwargs.update(overrides)
    with pytest.raises(InvalidParameterError) as info:
        TracedFargateService(stack, "Checkout", **kwargs)
    assert info.value.parameter == parameter
    assert str(info.value).startswith("TracedFargateService 'Checkout': invalid ")
    assert message in str(info.value)


def _arguments(stack: cdk.Stack) -> dict[str, Any]:
    return {
        "cluster": cluster(stack),
        "image": ecs.ContainerImage.from_registry(APP_IMAGE),
        "service_name": "checkout",
        "routing": None,
    }


def test_the_xray_daemon_fits_the_smallest_task(stack: cdk.Stack) -> None:
    kwargs = _arguments(stack) | {"cpu": 256, "memory_limit_mib": 512}
    service = TracedFargateService(stack, "Checkout", backend=TracingBackend.XRAY_DAEMON, **kwargs)
    assert service.tracing.collector_container.container_name == "xray-daemon"


def test_routing_is_checked_before_anything_is_built(stack: cdk.Stack) -> None:
    kwargs = _arguments(stack) | {"routing": "oncall"}
    with pytest.raises(InvalidParameterError) as info:
        TracedFargateService(stack, "Checkout", **kwargs)
    assert info.value.parameter == "routing"
    assert "expected an AlarmRouting or None, got str" in str(info.value)
    assert stack.node.try_find_child("Checkout").node.children == []  # type: ignore[union-attr]


def test_routing_without_targets_is_refused(stack: cdk.Stack) -> None:
    kwargs = _arguments(stack) | {"routing": AlarmRouting(stack, "Routing", name_prefix="shop")}
    with pytest.raises(InvalidParameterError, match="no warning targets"):
        TracedFargateService(stack, "Checkout", **kwargs)


REFUSED_IMAGES: dict[str, tuple[str, Callable[[cdk.Stack], ecs.ContainerImage]]] = {
    "floating tag": (
        "image",
        lambda _: ecs.ContainerImage.from_registry("public.ecr.aws/nginx/nginx" + FLOATING),
    ),
    "no tag": ("image", lambda _: ecs.ContainerImage.from_registry("nginx")),
    "ECR default tag": (
        "image",
        lambda s: ecs.ContainerImage.from_ecr_repository(
            ecr.Repository.from_repository_name(s, "Repo", "shop/checkout")
        ),
    ),
    "ECR collector default tag": (
        "collector_image",
        lambda s: ecs.ContainerImage.from_ecr_repository(
            ecr.Repository.from_repository_name(s, "Repo", "mirror/aws-otel-collector")
        ),
    ),
}


@pytest.mark.parametrize("case", list(REFUSED_IMAGES))
def test_an_unpinned_image_is_refused_before_anything_is_built(stack: cdk.Stack, case: str) -> None:
    parameter, image = REFUSED_IMAGES[case]
    kwargs = _arguments(stack) | {parameter: image(stack)}
    with pytest.raises(InvalidParameterError) as info:
        TracedFargateService(stack, "Checkout", **kwargs)
    assert info.value.parameter == parameter
    assert "pin a version" in str(info.value)
    assert stack.node.try_find_child("Checkout").node.children == []  # type: ignore[union-attr]


def _credentials(stack: cdk.Stack) -> secretsmanager.ISecret:
    return secretsmanager.Secret.from_secret_name_v2(stack, "RegistryCredentials", "registry")


def test_an_image_behind_credentials_is_checked_before_the_app_container_is_added(
    stack: cdk.Stack,
) -> None:
    # Its check needs the execution role, so it runs once the task definition exists.
    image = ecs.ContainerImage.from_registry(
        "registry.example.com/shop/checkout" + FLOATING, credentials=_credentials(stack)
    )
    kwargs = _arguments(stack) | {"image": image}
    with pytest.raises(InvalidParameterError) as info:
        TracedFargateService(stack, "Checkout", **kwargs)
    assert info.value.parameter == "image"
    assert "uses the floating 'latest' tag" in str(info.value)
    task = stack.node.find_child("Checkout").node.find_child("TaskDefinition")
    assert isinstance(task, ecs.FargateTaskDefinition)
    assert task.find_container("app") is None


def test_pinned_images_are_accepted(stack: cdk.Stack) -> None:
    image = ecs.ContainerImage.from_registry(
        "registry.example.com/shop/checkout:2.4.1", credentials=_credentials(stack)
    )
    collector = ecs.ContainerImage.from_ecr_repository(
        ecr.Repository.from_repository_name(stack, "Mirror", "mirror/aws-otel-collector"),
        "v0.49.0",
    )
    kwargs = _arguments(stack) | {"image": image, "collector_image": collector}
    service = TracedFargateService(stack, "Checkout", **kwargs)
    assert service.app_container.image_name == "registry.example.com/shop/checkout:2.4.1"
    assert stack.resolve(service.tracing.collector_container.image_name) == {
        "Fn::Join": [
            "",
            [
                "123456789012.dkr.ecr.eu-west-1.",
                {"Ref": "AWS::URLSuffix"},
                "/mirror/aws-otel-collector:v0.49.0",
            ],
        ]
    }


# -- the roles and the network ----------------------------------------------------------------


@pytest.mark.parametrize("role", ["CheckoutTaskRole", "CheckoutExecutionRole"])
def test_task_and_execution_roles_trust_only_this_accounts_ecs_tasks(
    synthesized: Synthesized, role: str
) -> None:
    (trust,) = [
        resource["Properties"]["AssumeRolePolicyDocument"]["Statement"]
        for logical_id, resource in synthesized.resources("AWS::IAM::Role").items()
        if logical_id.startswith(role)
    ]
    assert trust == [
        {
            "Action": "sts:AssumeRole",
            "Effect": "Allow",
            "Principal": {"Service": "ecs-tasks.amazonaws.com"},
            "Condition": {
                "ArnLike": {"aws:SourceArn": "arn:aws:ecs:eu-west-1:123456789012:*"},
                "StringEquals": {"aws:SourceAccount": "123456789012"},
            },
        }
    ]


def test_the_task_definition_uses_those_roles(synthesized: Synthesized) -> None:
    synthesized.template().has_resource_properties(
        "AWS::ECS::TaskDefinition",
        {
            "TaskRoleArn": {"Fn::GetAtt": [Match.string_like_regexp("^CheckoutTaskRole"), "Arn"]},
            "ExecutionRoleArn": {
                "Fn::GetAtt": [Match.string_like_regexp("^CheckoutExecutionRole"), "Arn"]
            },
        },
    )


def test_a_public_ip_needs_public_subnets() -> None:
    stack = new_stack(cdk.App(), "NoPublic")
    with pytest.raises(
        InvalidParameterError,
        match=r"invalid assign_public_ip: the cluster's VPC has no public subnets, where a task "
        r"with a public IP runs",
    ):
        TracedFargateService(
            stack,
            "Checkout",
            cluster=cluster(stack),
            image=ecs.ContainerImage.from_registry(APP_IMAGE),
            service_name="checkout",
            routing=None,
            assign_public_ip=True,
        )


def test_a_public_ip_in_private_subnets_is_refused() -> None:
    stack = new_stack(cdk.App(), "PrivateChosen")
    vpc = ec2.Vpc.from_vpc_attributes(
        stack,
        "Vpc",
        vpc_id="vpc-0123456789abcdef0",
        availability_zones=["eu-west-1a"],
        private_subnet_ids=["subnet-0123456789abcdef0"],
        public_subnet_ids=["subnet-0123456789abcdef9"],
    )
    with pytest.raises(
        InvalidParameterError, match=r"invalid assign_public_ip: vpc_subnets selects subnets that"
    ):
        TracedFargateService(
            stack,
            "Checkout",
            cluster=ecs.Cluster(stack, "Cluster", vpc=vpc),
            image=ecs.ContainerImage.from_registry(APP_IMAGE),
            service_name="checkout",
            routing=None,
            assign_public_ip=True,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
        )
