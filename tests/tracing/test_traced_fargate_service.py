"""TracedFargateService: one statement builds a traced, logged, alarmed Fargate service."""

from __future__ import annotations

import json
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
from constructs_obs.tracing import (
    OtlpProtocol,
    TracedFargateService,
    TracingBackend,
    TracingOptions,
    XRayExport,
)
from constructs_obs.tracing._task_environment import container_environment
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
            {
                "tracing_options": TracingOptions(
                    image="public.ecr.aws/xray/aws-xray-daemon" + FLOATING
                )
            },
            "tracing_options.image",
            "uses the floating 'latest' tag; pin a version",
        ),
        (
            {"tracing_options": TracingOptions(image=42)},  # type: ignore[arg-type]
            "tracing_options.image",
            "expected an ecs.ContainerImage, an image reference or None, got int",
        ),
        (
            {"tracing_options": {"backend": "adot"}},
            "tracing_options",
            "expected TracingOptions or None, got dict",
        ),
        (
            {"tracing_options": TracingOptions(backend="adot")},  # type: ignore[arg-type]
            "tracing_options.backend",
            "expected a TracingBackend, got 'adot'",
        ),
        (
            {"tracing_options": TracingOptions(otlp_protocol="grpc")},  # type: ignore[arg-type]
            "tracing_options.otlp_protocol",
            "expected an OtlpProtocol or None, got 'grpc'",
        ),
        (
            {
                "tracing_options": TracingOptions(
                    backend=TracingBackend.XRAY_DAEMON, xray_export=XRayExport.OTLP_ENDPOINT
                )
            },
            "tracing_options.xray_export",
            "only the ADOT collector chooses its X-Ray exporter",
        ),
        (
            {"tracing_options": TracingOptions(application_signals=True)},
            "tracing_options.application_signals",
            "only the CloudWatch agent runs Application Signals",
        ),
        (
            {"cluster": float("nan")},
            "cluster",
            "expected an ecs.ICluster (an ecs.Cluster, or ecs.Cluster.from_cluster_attributes",
        ),
        (
            {"cluster": "arn:aws:ecs:eu-west-1:123456789012:cluster/shop"},
            "cluster",
            "got 'arn:aws:ecs:eu-west-1:123456789012:cluster/shop'",
        ),
        (
            {"vpc_subnets": "private"},
            "vpc_subnets",
            "expected an ec2.SubnetSelection or None, got 'private'",
        ),
        (
            {"security_groups": "sg-0123456789abcdef0"},
            "security_groups",
            "expected a list of ec2.ISecurityGroup, got 'sg-0123456789abcdef0'",
        ),
        ({"security_groups": [None]}, "security_groups", "expected ec2.ISecurityGroup items"),
        (
            {"secrets": {"DB": "x"}},
            "secrets",
            "the value of DB must be an ecs.Secret, got 'x'",
        ),
        ({"secrets": {"": "x"}}, "secrets", "variable name '' is not allowed"),
        (
            {"health_check": {"command": ["CMD", "true"]}},
            "health_check",
            "expected an ecs.HealthCheck or None, got {'command'",
        ),
        (
            {"log_retention": 4000},
            "log_retention",
            "4000 days is not a retention CloudWatch Logs accepts; allowed days: 1, 3, 5,",
        ),
        (
            {"environment": "   "},
            "environment",
            "expected a mapping of variable name to value, got '   '",
        ),
        (
            {"environment": True},
            "environment",
            "expected a mapping of variable name to value, got True",
        ),
        (
            {"environment": {"": ""}},
            "environment",
            "variable name '' is not allowed: a name is a non-empty string without '=', "
            "whitespace or control characters",
        ),
        ({"environment": {"A=B": "x"}}, "environment", "variable name 'A=B' is not allowed"),
        ({"environment": {"LOG LEVEL": "x"}}, "environment", "variable name 'LOG LEVEL'"),
        ({"environment": {42: "x"}}, "environment", "variable name 42 is not allowed"),
        (
            {"environment": {"LOG_LEVEL": 3}},
            "environment",
            "the value of LOG_LEVEL must be a string, got 3",
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


@pytest.mark.parametrize(
    ("backend", "sidecar"),
    [
        (TracingBackend.ADOT, (128, 256)),
        (TracingBackend.CLOUDWATCH_AGENT, (128, 256)),
        (TracingBackend.XRAY_DAEMON, (32, 256)),
    ],
    ids=["adot", "agent", "daemon"],
)
def test_each_collector_fits_the_smallest_task(
    stack: cdk.Stack, backend: TracingBackend, sidecar: tuple[int, int]
) -> None:
    # GIVEN the smallest Fargate task, as AWS's ECS samples run a collector sidecar in
    kwargs = _arguments(stack) | {"cpu": 256, "memory_limit_mib": 512}
    # WHEN the service is traced by each collector, THEN it fits, leaving the app the rest
    options = TracingOptions(backend=backend)
    service = TracedFargateService(stack, "Checkout", tracing_options=options, **kwargs)
    collector = service.tracing.collector_container
    rendered = collector.render_container_definition()
    assert (rendered.cpu, rendered.memory) == sidecar


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
        "tracing_options.image",
        lambda s: ecs.ContainerImage.from_ecr_repository(
            ecr.Repository.from_repository_name(s, "Repo", "mirror/aws-otel-collector")
        ),
    ),
}


def _image_argument(parameter: str, image: ecs.ContainerImage) -> dict[str, Any]:
    if parameter == "tracing_options.image":
        return {"tracing_options": TracingOptions(image=image)}
    return {parameter: image}


@pytest.mark.parametrize("case", list(REFUSED_IMAGES))
def test_an_unpinned_image_is_refused_before_anything_is_built(stack: cdk.Stack, case: str) -> None:
    parameter, image = REFUSED_IMAGES[case]
    kwargs = _arguments(stack) | _image_argument(parameter, image(stack))
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
    kwargs = _arguments(stack) | {
        "image": image,
        "tracing_options": TracingOptions(image=collector),
    }
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


# -- tracing options ---------------------------------------------------------------------------


def test_tracing_options_reach_the_collector_and_the_app_container(stack: cdk.Stack) -> None:
    # GIVEN the CloudWatch agent in Application Signals mode, one library variable overridden
    # and one dropped
    options = TracingOptions(
        backend=TracingBackend.CLOUDWATCH_AGENT,
        application_signals=True,
        environment_overrides={"OTEL_TRACES_SAMPLER": "always_on", "OTEL_TRACES_SAMPLER_ARG": None},
    )
    # WHEN the service is built with them
    service = TracedFargateService(stack, "Checkout", tracing_options=options, **_arguments(stack))
    # THEN FargateTracing got each of them
    environment = container_environment(service.app_container)
    assert environment["OTEL_AWS_APPLICATION_SIGNALS_ENABLED"] == "true"
    assert environment["OTEL_EXPORTER_OTLP_PROTOCOL"] == OtlpProtocol.HTTP_PROTOBUF.value
    assert environment["OTEL_TRACES_SAMPLER"] == "always_on"
    assert "OTEL_TRACES_SAMPLER_ARG" not in environment
    assert service.tracing.backend is TracingBackend.CLOUDWATCH_AGENT


def _collector_config(stack: cdk.Stack, service: TracedFargateService) -> dict[str, Any]:
    """The ADOT collector's configuration, the partition's URL suffix written out."""
    values = container_environment_values(service.tracing.collector_container)
    rendered = stack.resolve(values["AOT_CONFIG_CONTENT"])
    if isinstance(rendered, dict):
        separator, parts = rendered["Fn::Join"]
        suffix = {"Ref": "AWS::URLSuffix"}
        rendered = separator.join("amazonaws.com" if part == suffix else part for part in parts)
    config: dict[str, Any] = json.loads(rendered)
    return config


def test_xray_export_reaches_the_adot_collector(stack: cdk.Stack) -> None:
    # GIVEN ADOT exporting to the X-Ray OTLP endpoint
    options = TracingOptions(xray_export=XRayExport.OTLP_ENDPOINT)
    # WHEN the service is built
    service = TracedFargateService(stack, "Checkout", tracing_options=options, **_arguments(stack))
    # THEN the collector's traces go to X-Ray's OTLP endpoint, signed for X-Ray
    config = _collector_config(stack, service)
    assert config["service"]["pipelines"]["traces"]["exporters"] == ["otlp_http"]
    assert config["extensions"]["sigv4auth"] == {"region": "eu-west-1", "service": "xray"}


def test_default_tracing_options_export_through_awsxray(stack: cdk.Stack) -> None:
    service = TracedFargateService(stack, "Checkout", **_arguments(stack))
    config = _collector_config(stack, service)
    assert config["service"]["pipelines"]["traces"]["exporters"] == ["awsxray"]
    assert "sigv4auth" not in config["extensions"]
    assert container_environment(service.app_container)["OTEL_TRACES_SAMPLER"] == "xray"


def test_a_bad_override_is_refused_naming_environment_overrides(stack: cdk.Stack) -> None:
    options = TracingOptions(environment_overrides={"LOG_LEVEL": "debug"})
    with pytest.raises(InvalidParameterError) as info:
        TracedFargateService(stack, "Checkout", tracing_options=options, **_arguments(stack))
    assert info.value.parameter == "tracing_options.environment_overrides"
    assert "'LOG_LEVEL' is not a variable FargateTracing sets" in str(info.value)


def container_environment_values(container: ecs.ContainerDefinition) -> dict[str, Any]:
    """Every variable of ``container``, token values (a joined config) included."""
    rendered = container.render_container_definition().environment or []
    return {str(pair.name): pair.value for pair in rendered}  # type: ignore[union-attr]
