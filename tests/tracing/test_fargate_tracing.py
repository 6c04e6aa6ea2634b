"""FargateTracing on each backend: container definitions, environment, dependencies, IAM, ports,
logging, and what the checkers say (one synthesis for the module); then bad input, which fails
at construct time with a Python error naming the parameter, before the task is touched."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk.assertions import Annotations, Match

from constructs_obs import EncryptedLogGroup, InvalidParameterError
from constructs_obs.acknowledge import acknowledge_nag
from constructs_obs.tracing import (
    ADOT_COLLECTOR_IMAGE,
    XRAY_DAEMON_IMAGE,
    FargateTracing,
    OtlpProtocol,
    TracingBackend,
    XRayExport,
)
from constructs_obs.tracing.fargate_tracing import (
    APP_ENVIRONMENT_WARNING_ID,
    ENVIRONMENT_REASON,
    XRAY_DAEMON_WARNING_ID,
)
from constructs_obs.tracing.tracing_backend import XRAY_WRITE_ACTIONS
from tests.support.harness import Synthesized, VerificationError, new_stack, synth
from tests.tracing.network import APP_IMAGE, app_task, cluster, service

CUSTOM_AGENT_IMAGE = "public.ecr.aws/cloudwatch-agent/cloudwatch-agent:1.300071.0b1700"
XRAY_ACTIONS = sorted(XRAY_WRITE_ACTIONS)
ECR_PULL_REASON = (
    "Test fixture: aws-cdk-lib's ECR pull grant gives the execution role "
    "ecr:GetAuthorizationToken, which has no resource-level permissions, on '*'."
)
SIDECAR_LOG_OPTIONS = {
    "awslogs-region": "eu-west-1",
    "mode": "non-blocking",
    "max-buffer-size": "25m",
}
APP_CONTAINER_IMAGE = ecs.ContainerImage.from_registry(APP_IMAGE)
USER_ENVIRONMENT_REASON = (
    "Test fixture: the app's OTEL_RESOURCE_ATTRIBUTES holds deployment attributes, no secret."
)
FLOATING = ":" + "latest"
PRIVATE_IMAGE = "registry.example.com/team/collector"
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


def _build(app: cdk.App) -> None:
    stack = new_stack(app, "Tracing")
    ecs_cluster = cluster(stack)

    # ADOT (the default) on a task with a second container that reserves CPU and memory.
    adot_task, _ = app_task(stack, "AdotTask")
    adot_task.add_container(
        "worker",
        image=ecs.ContainerImage.from_registry("public.ecr.aws/docker/library/busybox:1.36"),
        cpu=128,
        memory_reservation_mib=256,
        essential=False,
        logging=ecs.LogDrivers.aws_logs(
            stream_prefix="worker", log_group=EncryptedLogGroup(stack, "WorkerLogs").log_group
        ),
    )
    FargateTracing(stack, "AdotTracing", task_definition=adot_task, service_name="orders")
    service(stack, "AdotService", ecs_cluster, adot_task)

    # CloudWatch agent: own image, namespace, HTTP, a shared log group, one app container wired.
    agent_task, agent_app = app_task(
        stack,
        "AgentTask",
        cpu=1024,
        memory_limit_mib=2048,
        environment={"OTEL_RESOURCE_ATTRIBUTES": "deployment.environment=prod"},
    )
    # The user's own variable: the library does not vouch for it, the user does.
    acknowledge_nag(agent_task, "AwsSolutions-ECS2", USER_ENVIRONMENT_REASON)
    agent_task.add_container(
        "migrations",
        image=ecs.ContainerImage.from_registry("public.ecr.aws/docker/library/busybox:1.36"),
        essential=False,
        logging=ecs.LogDrivers.aws_logs(
            stream_prefix="migrations",
            log_group=EncryptedLogGroup(stack, "MigrationLogs").log_group,
        ),
    )
    FargateTracing(
        stack,
        "AgentTracing",
        task_definition=agent_task,
        service_name="payments",
        backend=TracingBackend.CLOUDWATCH_AGENT,
        app_containers=[agent_app],
        image=CUSTOM_AGENT_IMAGE,
        otlp_protocol=OtlpProtocol.HTTP_PROTOBUF,
        metrics_namespace="Shop/Payments",
        log_group=EncryptedLogGroup(stack, "SharedCollectorLogs"),
    )
    service(stack, "AgentService", ecs_cluster, agent_task)

    # ADOT in the smallest task, exporting to the X-Ray OTLP endpoint, a sampler overridden.
    otlp_task, _ = app_task(stack, "OtlpTask", cpu=256, memory_limit_mib=512)
    FargateTracing(
        stack,
        "OtlpTracing",
        task_definition=otlp_task,
        service_name="search",
        xray_export=XRayExport.OTLP_ENDPOINT,
        environment_overrides={
            "OTEL_TRACES_SAMPLER": "parentbased_traceidratio",
            "OTEL_TRACES_SAMPLER_ARG": "0.05",
            "AWS_XRAY_DAEMON_ADDRESS": None,
        },
    )
    service(stack, "OtlpService", ecs_cluster, otlp_task)

    # The CloudWatch agent in Application Signals mode.
    signals_task, _ = app_task(stack, "SignalsTask", cpu=256, memory_limit_mib=512)
    FargateTracing(
        stack,
        "SignalsTracing",
        task_definition=signals_task,
        service_name="catalog",
        backend=TracingBackend.CLOUDWATCH_AGENT,
        application_signals=True,
    )
    service(stack, "SignalsService", ecs_cluster, signals_task)

    # The legacy X-Ray daemon, essential, with its own size and container name.
    daemon_task, _ = app_task(stack, "DaemonTask", cpu=256, memory_limit_mib=512)
    FargateTracing(
        stack,
        "DaemonTracing",
        task_definition=daemon_task,
        service_name="legacy-billing",
        backend=TracingBackend.XRAY_DAEMON,
        essential=True,
        cpu=64,
        memory_limit_mib=128,
        container_name="xray",
    )
    service(stack, "DaemonService", ecs_cluster, daemon_task)

    # The X-Ray daemon again, not essential (the default), from a private ECR repository.
    mirror_task, _ = app_task(stack, "MirrorTask", cpu=256, memory_limit_mib=512)
    mirror = ecr.Repository.from_repository_name(stack, "Mirror", "mirror/aws-xray-daemon")
    FargateTracing(
        stack,
        "MirrorTracing",
        task_definition=mirror_task,
        service_name="mirror",
        backend=TracingBackend.XRAY_DAEMON,
        image=ecs.ContainerImage.from_ecr_repository(mirror, "3.6.6"),
    )
    acknowledge_nag(
        mirror_task.obtain_execution_role(), "AwsSolutions-IAM5[Resource::*]", ECR_PULL_REASON
    )
    service(stack, "MirrorService", ecs_cluster, mirror_task)


@pytest.fixture(scope="module")
def synthesized() -> Synthesized:
    return synth("tracing_fargate", _build)


def _task(synthesized: Synthesized, prefix: str) -> dict[str, Any]:
    (found,) = [
        resource
        for logical_id, resource in synthesized.resources("AWS::ECS::TaskDefinition").items()
        if logical_id.startswith(prefix)
    ]
    return found


def _container(synthesized: Synthesized, prefix: str, name: str) -> dict[str, Any]:
    (found,) = [
        c
        for c in _task(synthesized, prefix)["Properties"]["ContainerDefinitions"]
        if c["Name"] == name
    ]
    return dict(found)


def _environment(container: dict[str, Any]) -> dict[str, str]:
    return {pair["Name"]: pair["Value"] for pair in container.get("Environment", [])}


def _policy(synthesized: Synthesized, resource_type: str, prefix: str) -> dict[str, Any]:
    (found,) = [
        resource["Properties"]
        for logical_id, resource in synthesized.resources(resource_type).items()
        if logical_id.startswith(prefix)
    ]
    return dict(found)


def _role_ref(synthesized: Synthesized, prefix: str, role: str) -> dict[str, str]:
    arn = _task(synthesized, prefix)["Properties"][role]
    return {"Ref": arn["Fn::GetAtt"][0]}


# -- ADOT ------------------------------------------------------------------------------------


def test_adot_container_definition(synthesized: Synthesized) -> None:
    collector = _container(synthesized, "AdotTask", "aws-otel-collector")
    assert collector["Image"] == ADOT_COLLECTOR_IMAGE
    assert collector["Essential"] is False
    assert collector["Cpu"] == 128
    assert collector["Memory"] == 256
    assert collector["Command"] == ["--config=env:AOT_CONFIG_CONTENT"]
    environment = _environment(collector)
    config = json.loads(environment["AOT_CONFIG_CONTENT"])
    assert config["service"]["pipelines"]["traces"]["exporters"] == ["awsxray"]
    assert config["processors"]["memory_limiter"]["limit_mib"] == 204
    assert environment["GOMEMLIMIT"] == "204MiB"
    assert collector["HealthCheck"] == {
        "Command": ["CMD", "/healthcheck"],
        "Interval": 10,
        "Retries": 3,
        "StartPeriod": 10,
        "Timeout": 5,
    }


def test_adot_ports_are_mapped_host_equals_container(synthesized: Synthesized) -> None:
    collector = _container(synthesized, "AdotTask", "aws-otel-collector")
    assert collector["PortMappings"] == [
        {"ContainerPort": 4317, "HostPort": 4317, "Protocol": "tcp"},
        {"ContainerPort": 4318, "HostPort": 4318, "Protocol": "tcp"},
        {"ContainerPort": 2000, "HostPort": 2000, "Protocol": "udp"},
        {"ContainerPort": 2000, "HostPort": 2000, "Protocol": "tcp"},
    ]
    assert _task(synthesized, "AdotTask")["Properties"]["NetworkMode"] == "awsvpc"


def test_every_app_container_gets_the_environment_and_waits_for_the_collector(
    synthesized: Synthesized,
) -> None:
    expected = {
        "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",
        "AWS_XRAY_TRACING_NAME": "orders",
        "OTEL_RESOURCE_ATTRIBUTES": "service.name=orders",
        **TRACES_ONLY,
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://127.0.0.1:4317",
        "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc",
        **SAMPLING_AND_PROPAGATION,
    }
    for name in ("app", "worker"):
        container = _container(synthesized, "AdotTask", name)
        assert _environment(container) == expected, name
        assert container["DependsOn"] == [
            {"Condition": "START", "ContainerName": "aws-otel-collector"}
        ]


def test_adot_task_role_gets_only_the_xray_actions_inline(synthesized: Synthesized) -> None:
    policy = _policy(synthesized, "AWS::IAM::Policy", "AdotTracingTaskRolePolicy")
    assert policy["Roles"] == [_role_ref(synthesized, "AdotTask", "TaskRoleArn")]
    assert policy["PolicyDocument"]["Statement"] == [
        {"Action": XRAY_ACTIONS, "Effect": "Allow", "Resource": "*", "Sid": "XRayWriteTraces"}
    ]
    task_role = _role_ref(synthesized, "AdotTask", "TaskRoleArn")["Ref"]
    attached = [
        logical_id
        for logical_id, resource in synthesized.resources("AWS::IAM::Policy").items()
        if {"Ref": task_role} in resource["Properties"]["Roles"]
    ]
    assert attached == [next(iter(_ids(synthesized, "AdotTracingTaskRolePolicy")))]
    managed = synthesized.raw()["Resources"][task_role]["Properties"].get("ManagedPolicyArns")
    assert managed is None


def _ids(synthesized: Synthesized, prefix: str) -> list[str]:
    return [key for key in synthesized.raw()["Resources"] if key.startswith(prefix)]


def test_collector_logs_to_an_encrypted_log_group(synthesized: Synthesized) -> None:
    collector = _container(synthesized, "AdotTask", "aws-otel-collector")
    log = collector["LogConfiguration"]
    assert log["LogDriver"] == "awslogs"
    group_id = log["Options"]["awslogs-group"]["Ref"]
    assert group_id.startswith("AdotTracingLogs")
    assert log["Options"]["awslogs-stream-prefix"] == "aws-otel-collector"
    assert log["Options"]["awslogs-region"] == "eu-west-1"
    assert log["Options"]["mode"] == "non-blocking"
    group = synthesized.raw()["Resources"][group_id]
    assert group["Properties"]["RetentionInDays"] == 365
    assert "KmsKeyId" in group["Properties"]
    assert group["DeletionPolicy"] == "Retain"


def test_execution_role_may_write_the_collector_logs_through_a_managed_policy(
    synthesized: Synthesized,
) -> None:
    policy = _policy(synthesized, "AWS::IAM::ManagedPolicy", "AdotTracingExecutionPolicy")
    assert policy["Roles"] == [_role_ref(synthesized, "AdotTask", "ExecutionRoleArn")]
    (statement,) = policy["PolicyDocument"]["Statement"]
    group_id = _container(synthesized, "AdotTask", "aws-otel-collector")["LogConfiguration"][
        "Options"
    ]["awslogs-group"]["Ref"]
    assert statement["Action"] == ["logs:CreateLogStream", "logs:PutLogEvents"]
    assert statement["Resource"] == {"Fn::GetAtt": [group_id, "Arn"]}


def test_task_definition_waits_for_both_policies(synthesized: Synthesized) -> None:
    depends_on = _task(synthesized, "AdotTask")["DependsOn"]
    assert any(d.startswith("AdotTracingExecutionPolicy") for d in depends_on)
    assert any(d.startswith("AdotTracingTaskRolePolicy") for d in depends_on)


# -- CloudWatch agent ------------------------------------------------------------------------


def test_agent_container_definition(synthesized: Synthesized) -> None:
    agent = _container(synthesized, "AgentTask", "cloudwatch-agent")
    assert agent["Image"] == CUSTOM_AGENT_IMAGE
    assert "Command" not in agent
    assert "HealthCheck" not in agent
    config = json.loads(_environment(agent)["CW_CONFIG_CONTENT"])
    assert config["metrics"]["namespace"] == "Shop/Payments"
    assert set(config["traces"]["traces_collected"]) == {"xray", "otlp"}


def test_agent_ports_are_otlp_xray_and_statsd(synthesized: Synthesized) -> None:
    agent = _container(synthesized, "AgentTask", "cloudwatch-agent")
    assert agent["PortMappings"] == [
        {"ContainerPort": 4317, "HostPort": 4317, "Protocol": "tcp"},
        {"ContainerPort": 4318, "HostPort": 4318, "Protocol": "tcp"},
        {"ContainerPort": 2000, "HostPort": 2000, "Protocol": "udp"},
        {"ContainerPort": 2000, "HostPort": 2000, "Protocol": "tcp"},
        {"ContainerPort": 8125, "HostPort": 8125, "Protocol": "udp"},
    ]


def test_agent_task_role_gets_xray_and_metrics_in_its_namespace_only(
    synthesized: Synthesized,
) -> None:
    policy = _policy(synthesized, "AWS::IAM::Policy", "AgentTracingTaskRolePolicy")
    assert policy["PolicyDocument"]["Statement"] == [
        {"Action": XRAY_ACTIONS, "Effect": "Allow", "Resource": "*", "Sid": "XRayWriteTraces"},
        {
            "Action": "cloudwatch:PutMetricData",
            "Condition": {"StringEquals": {"cloudwatch:namespace": "Shop/Payments"}},
            "Effect": "Allow",
            "Resource": "*",
            "Sid": "CloudWatchAgentMetrics",
        },
    ]


def test_only_the_chosen_app_containers_are_wired(synthesized: Synthesized) -> None:
    app = _container(synthesized, "AgentTask", "app")
    migrations = _container(synthesized, "AgentTask", "migrations")
    assert app["DependsOn"] == [{"Condition": "START", "ContainerName": "cloudwatch-agent"}]
    assert "DependsOn" not in migrations
    assert "Environment" not in migrations


def test_http_protocol_and_existing_resource_attributes_are_kept(synthesized: Synthesized) -> None:
    environment = _environment(_container(synthesized, "AgentTask", "app"))
    assert environment["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] == "http://127.0.0.1:4318/v1/traces"
    assert environment["OTEL_EXPORTER_OTLP_PROTOCOL"] == "http/protobuf"
    assert "OTEL_EXPORTER_OTLP_ENDPOINT" not in environment
    assert (
        environment["OTEL_RESOURCE_ATTRIBUTES"]
        == "service.name=payments,deployment.environment=prod"
    )


def test_a_given_log_group_is_used_as_is(synthesized: Synthesized) -> None:
    agent = _container(synthesized, "AgentTask", "cloudwatch-agent")
    assert agent["LogConfiguration"]["Options"]["awslogs-group"]["Ref"].startswith(
        "SharedCollectorLogs"
    )
    assert _ids(synthesized, "AgentTracingLogs") == []


def _encrypted_log_group(synthesized: Synthesized, prefix: str) -> str:
    """The logical id of the EncryptedLogGroup's log group under ``prefix``, checked to be
    encrypted with its key, retained and kept a year."""
    resources = synthesized.raw()["Resources"]
    (group_id,) = [
        logical_id
        for logical_id in synthesized.resources("AWS::Logs::LogGroup")
        if logical_id.startswith(prefix)
    ]
    group = resources[group_id]
    (key_id,) = [
        logical_id
        for logical_id in synthesized.resources("AWS::KMS::Key")
        if logical_id.startswith(f"{prefix}Key")
    ]
    assert group["Properties"]["KmsKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
    assert group["Properties"]["RetentionInDays"] == 365
    assert group["DeletionPolicy"] == "Retain"
    return group_id


# -- ADOT to the X-Ray OTLP endpoint, overridden sampler ---------------------------------------


def test_otlp_endpoint_export_in_the_smallest_task(synthesized: Synthesized) -> None:
    collector = _container(synthesized, "OtlpTask", "aws-otel-collector")
    assert (collector["Cpu"], collector["Memory"]) == (128, 256)
    # The endpoint's domain is the partition's URL suffix, joined in by CloudFormation.
    (rendered,) = [
        e["Value"] for e in collector["Environment"] if e["Name"] == "AOT_CONFIG_CONTENT"
    ]
    separator, parts = rendered["Fn::Join"]
    url_suffix = {"Ref": "AWS::URLSuffix"}
    assert url_suffix in parts
    config = json.loads(
        separator.join("amazonaws.com" if part == url_suffix else part for part in parts)
    )
    assert config["exporters"]["otlp_http"]["traces_endpoint"] == (
        "https://xray.eu-west-1.amazonaws.com/v1/traces"
    )
    assert config["extensions"]["sigv4auth"] == {"region": "eu-west-1", "service": "xray"}
    # The OTLP endpoint is authorized as xray:PutTraceSegments: the same X-Ray actions.
    policy = _policy(synthesized, "AWS::IAM::Policy", "OtlpTracingTaskRolePolicy")
    assert policy["PolicyDocument"]["Statement"] == [
        {"Action": XRAY_ACTIONS, "Effect": "Allow", "Resource": "*", "Sid": "XRayWriteTraces"}
    ]


def test_overrides_replace_and_drop_app_variables(synthesized: Synthesized) -> None:
    environment = _environment(_container(synthesized, "OtlpTask", "app"))
    assert environment["OTEL_TRACES_SAMPLER"] == "parentbased_traceidratio"
    assert environment["OTEL_TRACES_SAMPLER_ARG"] == "0.05"
    assert "AWS_XRAY_DAEMON_ADDRESS" not in environment
    assert environment["OTEL_PROPAGATORS"] == "tracecontext,baggage,xray"


# -- CloudWatch agent, Application Signals ---------------------------------------------------


def test_application_signals_agent_and_app(synthesized: Synthesized) -> None:
    agent = _container(synthesized, "SignalsTask", "cloudwatch-agent")
    assert json.loads(_environment(agent)["CW_CONFIG_CONTENT"]) == {
        "logs": {"metrics_collected": {"application_signals": {}}},
        "traces": {"traces_collected": {"application_signals": {}}},
    }
    assert [m["ContainerPort"] for m in agent["PortMappings"]] == [4315, 4316, 2000]
    environment = _environment(_container(synthesized, "SignalsTask", "app"))
    assert environment["OTEL_AWS_APPLICATION_SIGNALS_ENABLED"] == "true"
    assert environment["OTEL_AWS_APPLICATION_SIGNALS_EXPORTER_ENDPOINT"] == (
        "http://127.0.0.1:4316/v1/metrics"
    )
    assert environment["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] == "http://127.0.0.1:4316/v1/traces"
    assert environment["OTEL_EXPORTER_OTLP_PROTOCOL"] == "http/protobuf"
    assert environment["OTEL_TRACES_SAMPLER_ARG"] == "endpoint=http://127.0.0.1:2000"


def test_application_signals_may_write_only_its_log_group(synthesized: Synthesized) -> None:
    policy = _policy(synthesized, "AWS::IAM::Policy", "SignalsTracingTaskRolePolicy")
    statements = {s["Sid"]: s for s in policy["PolicyDocument"]["Statement"]}
    assert set(statements) == {"XRayWriteTraces", "ApplicationSignalsMetrics"}
    logs_statement = statements["ApplicationSignalsMetrics"]
    assert logs_statement["Action"] == [
        "logs:CreateLogGroup",
        "logs:CreateLogStream",
        "logs:DescribeLogStreams",
        "logs:PutLogEvents",
    ]
    group = "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/application-signals/data"
    assert logs_statement["Resource"] == [group, f"{group}:log-stream:*"]


# -- X-Ray daemon ----------------------------------------------------------------------------


def test_daemon_container_definition(synthesized: Synthesized) -> None:
    daemon = _container(synthesized, "DaemonTask", "xray")
    assert daemon["Image"] == XRAY_DAEMON_IMAGE
    assert daemon["Essential"] is True
    assert (daemon["Cpu"], daemon["Memory"]) == (64, 128)
    assert _environment(daemon) == {"GOMEMLIMIT": "102MiB"}
    # Local mode on Fargate (no EC2 instance metadata), listening on localhost only.
    assert daemon["Command"] == [
        "-o",
        "-n",
        "eu-west-1",
        "-b",
        "127.0.0.1:2000",
        "-t",
        "127.0.0.1:2000",
    ]
    assert daemon["PortMappings"] == [
        {"ContainerPort": 2000, "HostPort": 2000, "Protocol": "udp"},
        {"ContainerPort": 2000, "HostPort": 2000, "Protocol": "tcp"},
    ]


@pytest.mark.parametrize(
    ("task", "container", "log_group"),
    [
        ("AgentTask", "cloudwatch-agent", "SharedCollectorLogs"),  # the group it was given
        ("DaemonTask", "xray", "DaemonTracingLogs"),  # its own group
    ],
)
def test_sidecar_logs_non_blocking_to_an_encrypted_log_group(
    synthesized: Synthesized, task: str, container: str, log_group: str
) -> None:
    sidecar = _container(synthesized, task, container)
    group_id = _encrypted_log_group(synthesized, log_group)
    assert sidecar["LogConfiguration"] == {
        "LogDriver": "awslogs",
        "Options": {
            "awslogs-group": {"Ref": group_id},
            "awslogs-stream-prefix": container,
            **SIDECAR_LOG_OPTIONS,
        },
    }


def test_daemon_app_gets_no_otlp_endpoint(synthesized: Synthesized) -> None:
    app = _container(synthesized, "DaemonTask", "app")
    assert _environment(app) == {
        "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",
        "AWS_XRAY_TRACING_NAME": "legacy-billing",
        "OTEL_RESOURCE_ATTRIBUTES": "service.name=legacy-billing",
    }
    assert app["DependsOn"] == [{"Condition": "START", "ContainerName": "xray"}]


def test_daemon_task_role_gets_only_xray(synthesized: Synthesized) -> None:
    policy = _policy(synthesized, "AWS::IAM::Policy", "DaemonTracingTaskRolePolicy")
    assert [s["Sid"] for s in policy["PolicyDocument"]["Statement"]] == ["XRayWriteTraces"]


def test_daemon_is_flagged_as_legacy(synthesized: Synthesized) -> None:
    warnings = [w for w in synthesized.warnings if XRAY_DAEMON_WARNING_ID in w.rule]
    assert sorted(w.where for w in warnings) == ["Tracing/DaemonTracing", "Tracing/MirrorTracing"]
    for warning in warnings:
        assert "maintenance mode since 2026-02-25" in warning.message
        assert "no end-of-support date" in warning.message


def test_a_pinned_ecr_image_is_used(synthesized: Synthesized) -> None:
    daemon = _container(synthesized, "MirrorTask", "xray-daemon")
    assert daemon["Image"] == {
        "Fn::Join": [
            "",
            [
                "123456789012.dkr.ecr.eu-west-1.",
                {"Ref": "AWS::URLSuffix"},
                "/mirror/aws-xray-daemon:3.6.6",
            ],
        ]
    }


# -- restart policy --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("task", "container"),
    [
        ("AdotTask", "aws-otel-collector"),
        ("AgentTask", "cloudwatch-agent"),
        ("MirrorTask", "xray-daemon"),
    ],
)
def test_a_collector_that_is_not_essential_is_restarted_by_ecs(
    synthesized: Synthesized, task: str, container: str
) -> None:
    collector = _container(synthesized, task, container)
    assert collector["Essential"] is False
    assert collector["RestartPolicy"] == {"Enabled": True}


def test_an_essential_collector_has_no_restart_policy(synthesized: Synthesized) -> None:
    # An essential collector stops the task when it stops, as essential=True asks.
    daemon = _container(synthesized, "DaemonTask", "xray")
    assert daemon["Essential"] is True
    assert "RestartPolicy" not in daemon


def test_app_containers_get_no_restart_policy(synthesized: Synthesized) -> None:
    for task in ("AdotTask", "AgentTask", "DaemonTask", "MirrorTask"):
        assert "RestartPolicy" not in _container(synthesized, task, "app"), task


# -- checkers --------------------------------------------------------------------------------


def test_environment_variables_are_acknowledged_with_the_reason(synthesized: Synthesized) -> None:
    acknowledged = {
        (finding.where, finding.rule): finding.message for finding in synthesized.acknowledged
    }
    for task in ("AdotTask", "DaemonTask", "MirrorTask"):
        assert acknowledged[(f"/Tracing/{task}", "AwsSolutions-ECS2")] == ENVIRONMENT_REASON
    # AgentTask's app container sets OTEL_RESOURCE_ATTRIBUTES itself: only the user's reason.
    assert acknowledged[("/Tracing/AgentTask", "AwsSolutions-ECS2")] == USER_ENVIRONMENT_REASON


def test_a_secret_looking_variable_of_the_user_is_still_reported() -> None:
    # GIVEN an app container that puts a secret in its environment, then FargateTracing
    def build(app: cdk.App) -> None:
        stack = new_stack(app, "Leaky")
        task, _ = app_task(
            stack, "Task", environment={"AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG"}
        )
        FargateTracing(stack, "Tracing", task_definition=task, service_name="leaky")
        service(stack, "Service", cluster(stack), task)

    # WHEN checked, THEN cdk-nag's ECS2 is reported: the library acknowledges only its own
    with pytest.raises(VerificationError, match=r"AwsSolutions-ECS2 at Leaky/Task"):
        synth("tracing_leaky_environment", build)


def test_xray_wildcard_and_inline_policy_are_acknowledged(synthesized: Synthesized) -> None:
    rules = {
        (finding.where, finding.rule)
        for finding in synthesized.acknowledged
        if finding.where.startswith("/Tracing/AdotTracing")
    }
    assert ("/Tracing/AdotTracing/TaskRolePolicy", "AwsSolutions-IAM5[Resource::*]") in rules
    assert ("/Tracing/AdotTracing/TaskRolePolicy", "NIST.800.53.R5-IAMNoInlinePolicy") in rules


# -- bad input -------------------------------------------------------------------------------


def _repository(stack: cdk.Stack) -> ecr.IRepository:
    return ecr.Repository.from_repository_name(stack, "Repo", "team/collector")


def _credentials(stack: cdk.Stack) -> secretsmanager.ISecret:
    return secretsmanager.Secret.from_secret_name_v2(stack, "RegistryCredentials", "registry")


def _new_task(
    stack: cdk.Stack, task_cpu: int = 512, task_memory: int = 1024, **app: Any
) -> ecs.FargateTaskDefinition:
    """A task definition ``Task`` with one application container (``app``), not synthesized."""
    task = ecs.FargateTaskDefinition(stack, "Task", cpu=task_cpu, memory_limit_mib=task_memory)
    task.add_container("app", image=APP_CONTAINER_IMAGE, **app)
    return task


def _tracing(stack: cdk.Stack, task: ecs.TaskDefinition | None = None, **kwargs: Any) -> Any:
    arguments: dict[str, Any] = {
        "task_definition": task if task is not None else _new_task(stack),
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
        lambda s: _tracing(s, _new_task(s, task_cpu=384, task_memory=1024)),
        "task_definition",
        "the task's cpu 384 is not a Fargate task size; allowed CPU units: 256, 512, 1024, 2048",
    ),
    "invalid cpu/memory pair": (
        lambda s: _tracing(s, _new_task(s, task_cpu=256, task_memory=4096)),
        "task_definition",
        "memory 4096 MiB cannot be combined with cpu 256 on Fargate; with cpu 256 the memory "
        "must be 512, 1024, 2048 MiB",
    ),
    "smallest task, app reservation leaves no room": (
        lambda s: _tracing(s, _new_task(s, 256, 512, memory_reservation_mib=384)),
        "task_definition",
        "the task has 512 MiB of memory; the aws-otel-collector sidecar needs 256 MiB and the "
        "other containers reserve 384 MiB, which does not fit. Use a larger task (e.g. "
        "cpu=256, memory_limit_mib=1024) or give the sidecar less memory (memory_limit_mib=...)",
    ),
    "app reservations leave no memory": (
        lambda s: _tracing(s, _new_task(s, memory_reservation_mib=800)),
        "task_definition",
        "the task has 1024 MiB of memory; the aws-otel-collector sidecar needs 256 MiB and the "
        "other containers reserve 800 MiB, which does not fit",
    ),
    "app takes the whole cpu": (
        lambda s: _tracing(s, _new_task(s, 256, 512, cpu=256)),
        "task_definition",
        "the task has 256 CPU units of cpu; the aws-otel-collector sidecar needs 128 CPU units "
        "and the other containers reserve 256 CPU units, which does not fit",
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
        "only the CloudWatch agent publishes StatsD metrics",
    ),
    "otlp endpoint export for the daemon": (
        lambda s: _tracing(
            s, backend=TracingBackend.XRAY_DAEMON, xray_export=XRayExport.OTLP_ENDPOINT
        ),
        "xray_export",
        "only the ADOT collector chooses its X-Ray exporter",
    ),
    "application signals on ADOT": (
        lambda s: _tracing(s, application_signals=True),
        "application_signals",
        "only the CloudWatch agent runs Application Signals",
    ),
    "override of a variable the library does not set": (
        lambda s: _tracing(s, environment_overrides={"OTEL_SERVICE_NAME": "orders"}),
        "environment_overrides",
        "'OTEL_SERVICE_NAME' is not a variable FargateTracing sets for this collector",
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
        lambda s: _tracing(s, _new_task(s, port_mappings=[ecs.PortMapping(container_port=4317)])),
        "task_definition",
        "container 'app' maps port 4317/tcp, which the ADOT collector listens on (it needs "
        "4317/tcp, 4318/tcp, 2000/udp, 2000/tcp, 8888/tcp, 13133/tcp)",
    ),
    "app maps the collector's telemetry port": (
        lambda s: _tracing(s, _new_task(s, port_mappings=[ecs.PortMapping(container_port=8888)])),
        "task_definition",
        "container 'app' maps port 8888/tcp, which the ADOT collector listens on",
    ),
    "app maps the collector's health check port": (
        lambda s: _tracing(s, _new_task(s, port_mappings=[ecs.PortMapping(container_port=13133)])),
        "task_definition",
        "container 'app' maps port 13133/tcp, which the ADOT collector listens on",
    ),
    "app points its SDK elsewhere": (
        lambda s: _tracing(
            s,
            _new_task(
                s, environment={"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4317"}
            ),
        ),
        "app_containers",
        "container 'app' already sets OTEL_EXPORTER_OTLP_TRACES_ENDPOINT="
        "'http://collector:4317', but the collector needs 'http://127.0.0.1:4317'",
    ),
    "app declares another service name": (
        lambda s: _tracing(
            s, _new_task(s, environment={"OTEL_RESOURCE_ATTRIBUTES": "service.name=cart,team=a"})
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
    "retention CloudWatch refuses": (
        lambda s: _tracing(s, log_retention=4000),
        "log_retention",
        "4000 days is not a retention CloudWatch Logs accepts; allowed days: 1, 3, 5, 7,",
    ),
    "retention not a number of days": (
        lambda s: _tracing(s, log_retention="1y"),
        "log_retention",
        "expected logs.RetentionDays or a number of days, got '1y'",
    ),
    "log group name for a log group": (
        lambda s: _tracing(s, log_group="/ecs/collector"),
        "log_group",
        "expected an EncryptedLogGroup or a CDK log group (logs.ILogGroup, e.g. "
        "logs.LogGroup.from_log_group_name(...)), got '/ecs/collector'",
    ),
    "app containers not a list": (
        lambda s: _tracing(s, app_containers=True),
        "app_containers",
        "expected a list of ecs.ContainerDefinition of the task definition, got True",
    ),
    "app containers a string": (
        lambda s: _tracing(s, app_containers="app"),
        "app_containers",
        "expected a list of ecs.ContainerDefinition of the task definition, got 'app'",
    ),
}


def _other_container(stack: cdk.Stack) -> ecs.ContainerDefinition:
    other = ecs.FargateTaskDefinition(stack, "Other", cpu=256, memory_limit_mib=512)
    return other.add_container("other", image=APP_CONTAINER_IMAGE)


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_names_the_parameter(stack: cdk.Stack, case: str) -> None:
    build, parameter, message = CASES[case]
    with pytest.raises(InvalidParameterError) as info:
        build(stack)
    assert info.value.parameter == parameter
    assert str(info.value).startswith("FargateTracing 'Tracing': invalid ")
    assert message in str(info.value)


@pytest.mark.parametrize("backend", list(TracingBackend), ids=lambda b: b.name)
def test_each_collector_fits_the_smallest_task_when_the_app_leaves_room(
    stack: cdk.Stack, backend: TracingBackend
) -> None:
    # GIVEN the smallest Fargate task (256/512) whose app reserves 64 CPU units and 128 MiB
    task = _new_task(stack, 256, 512, cpu=64, memory_reservation_mib=128)
    # WHEN a collector is added with its default size, THEN it fits
    tracing = _tracing(stack, task, backend=backend)
    assert tracing.collector_container.container_name in {
        "aws-otel-collector",
        "cloudwatch-agent",
        "xray-daemon",
    }


LATE_CONTAINERS: dict[str, tuple[dict[str, Any], str]] = {
    "reserving too much memory": (
        {"memory_reservation_mib": 300},
        "the task has 512 MiB of memory; the aws-otel-collector sidecar needs 256 MiB and the "
        "other containers reserve 300 MiB, which does not fit",
    ),
    "mapping the health check port": (
        {"port_mappings": [ecs.PortMapping(container_port=13133)]},
        "container 'late' maps port 13133/tcp, which the ADOT collector listens on",
    ),
}


@pytest.mark.parametrize("case", list(LATE_CONTAINERS))
def test_a_container_added_after_the_sidecar_is_checked_at_synthesis(case: str) -> None:
    # GIVEN a task the sidecar fits in
    app = cdk.App()
    stack = cdk.Stack(app, "Late", env=cdk.Environment(account="123456789012", region="eu-west-1"))
    task = _new_task(stack, 256, 512)
    _tracing(stack, task)
    # WHEN a container is added afterwards that breaks the fit or takes a collector port
    settings, message = LATE_CONTAINERS[case]
    task.add_container("late", image=APP_CONTAINER_IMAGE, **settings)
    # THEN synthesis fails, naming the problem
    with pytest.raises(RuntimeError) as info:
        app.synth()
    assert "FargateTracing 'Tracing': invalid task_definition" in str(info.value)
    assert message in str(info.value)


def test_a_container_added_after_the_sidecar_that_fits_synthesizes() -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "Late", env=cdk.Environment(account="123456789012", region="eu-west-1"))
    task = _new_task(stack, 256, 512)
    _tracing(stack, task)
    task.add_container("late", image=APP_CONTAINER_IMAGE, cpu=64, memory_reservation_mib=128)
    assert app.synth().get_stack_by_name("Late").template["Resources"]


def test_a_refused_app_container_leaves_the_task_untouched(stack: cdk.Stack) -> None:
    # GIVEN an app container that already points its SDK at another collector
    task = _new_task(stack, environment={"AWS_XRAY_DAEMON_ADDRESS": "xray.internal:2000"})
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
    task = _new_task(stack)
    assert task.execution_role is None
    # WHEN FargateTracing refuses the image
    with pytest.raises(InvalidParameterError) as info:
        _tracing(stack, task, image=REFUSED_IMAGES[case](stack))
    assert info.value.parameter == "image"
    # THEN the image was checked before the sidecar was added: no container, no dependency,
    # not even an execution role (nothing granted a pull)
    assert task.find_container("aws-otel-collector") is None
    assert [c.container_name for c in _task_containers(task)] == ["app"]
    app = task.find_container("app")
    assert app is not None
    assert app.container_dependencies == []
    assert task.execution_role is None


def _task_containers(task: ecs.TaskDefinition) -> list[ecs.ContainerDefinition]:
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
        task.add_container("app", image=APP_CONTAINER_IMAGE)
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
    task = _new_task(stack)
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


def test_an_all_signal_endpoint_of_the_app_is_warned_about() -> None:
    # GIVEN an app container that exports every signal to an endpoint of its own
    app = cdk.App()
    stack = cdk.Stack(
        app, "Warned", env=cdk.Environment(account="123456789012", region="eu-west-1")
    )
    task = _new_task(stack, environment={"OTEL_EXPORTER_OTLP_ENDPOINT": "http://metrics:4317"})
    # WHEN the collector is added
    _tracing(stack, task)
    # THEN the construct warns, naming the variable
    warnings = Annotations.from_stack(stack).find_warning(
        "/Warned/Tracing", Match.string_like_regexp("OTEL_EXPORTER_OTLP_ENDPOINT='http://metrics")
    )
    assert len(warnings) == 1
    assert APP_ENVIRONMENT_WARNING_ID in str(warnings[0].entry.data)
