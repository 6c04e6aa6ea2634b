"""The collector backends: pinned images, rendered configurations, the app's environment."""

from __future__ import annotations

import json

import pytest
from aws_cdk import aws_ecs as ecs

from constructs_obs import InvalidParameterError
from constructs_obs.private.validate import Check
from constructs_obs.tracing import (
    ADOT_COLLECTOR_IMAGE,
    CLOUDWATCH_AGENT_IMAGE,
    XRAY_DAEMON_END_OF_SUPPORT,
    XRAY_DAEMON_IMAGE,
    OtlpProtocol,
    TracingBackend,
)
from constructs_obs.tracing.tracing_backend import (
    XRAY_WRITE_ACTIONS,
    adot_config,
    app_environment,
    check_image_reference,
    cloudwatch_agent_config,
    collector_spec,
)

CHECK = Check("FargateTracing", "Tracing")
FLOATING = ":" + "latest"


@pytest.mark.parametrize("image", [ADOT_COLLECTOR_IMAGE, CLOUDWATCH_AGENT_IMAGE, XRAY_DAEMON_IMAGE])
def test_default_images_are_pinned_public_ecr_images(image: str) -> None:
    assert image.startswith("public.ecr.aws/")
    assert not image.endswith(FLOATING)
    assert check_image_reference(CHECK, "image", image) == image


def test_pinned_versions() -> None:
    assert ADOT_COLLECTOR_IMAGE.endswith("/aws-observability/aws-otel-collector:v0.49.0")
    assert CLOUDWATCH_AGENT_IMAGE.endswith("/cloudwatch-agent/cloudwatch-agent:1.300072.0b1766")
    assert XRAY_DAEMON_IMAGE.endswith("/xray/aws-xray-daemon:3.6.6")
    assert XRAY_DAEMON_END_OF_SUPPORT.isoformat() == "2027-02-25"


@pytest.mark.parametrize(
    "image",
    [
        "registry.example.com:5000/team/collector:1.2.3",
        "collector@sha256:" + "a" * 64,
        "public.ecr.aws/aws-observability/aws-otel-collector:v0.48.0",
    ],
)
def test_pinned_references_are_accepted(image: str) -> None:
    assert check_image_reference(CHECK, "image", image) == image


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        ("public.ecr.aws/aws-observability/aws-otel-collector" + FLOATING, "floating 'latest' tag"),
        ("amazon/aws-xray-daemon" + FLOATING, "floating 'latest' tag"),
        ("public.ecr.aws/aws-observability/aws-otel-collector", "has no tag"),
        ("registry.example.com:5000/team/collector", "has no tag"),
        ("collector@sha256:abc", "has no tag"),
    ],
)
def test_floating_and_untagged_references_are_refused(image: str, expected: str) -> None:
    with pytest.raises(InvalidParameterError) as info:
        check_image_reference(CHECK, "image", image)
    assert info.value.parameter == "image"
    assert expected in str(info.value)
    assert "pin a version" in str(info.value)


def test_adot_config_receives_otlp_and_xray_and_exports_only_to_xray() -> None:
    config = json.loads(adot_config())
    receivers = config["receivers"]
    assert receivers["otlp"]["protocols"]["grpc"]["endpoint"] == "0.0.0.0:4317"
    assert receivers["otlp"]["protocols"]["http"]["endpoint"] == "0.0.0.0:4318"
    assert receivers["awsxray"] == {
        "endpoint": "0.0.0.0:2000",
        "transport": "udp",
        "proxy_server": {"endpoint": "0.0.0.0:2000"},
    }
    pipelines = config["service"]["pipelines"]
    assert list(pipelines) == ["traces"]  # no metrics pipeline: no CloudWatch permissions needed
    assert pipelines["traces"]["receivers"] == ["otlp", "awsxray"]
    assert pipelines["traces"]["exporters"] == ["awsxray"]
    assert set(config["exporters"]) == {"awsxray"}
    assert config["service"]["extensions"] == ["health_check"]


def test_cloudwatch_agent_config() -> None:
    config = json.loads(cloudwatch_agent_config("Shop/Orders"))
    traces = config["traces"]["traces_collected"]
    assert traces["xray"] == {
        "bind_address": "0.0.0.0:2000",
        "tcp_proxy": {"bind_address": "0.0.0.0:2000"},
    }
    assert traces["otlp"] == {"grpc_endpoint": "0.0.0.0:4317", "http_endpoint": "0.0.0.0:4318"}
    assert config["metrics"]["namespace"] == "Shop/Orders"
    assert config["metrics"]["metrics_collected"]["statsd"]["service_address"] == ":8125"


def test_specs() -> None:
    adot = collector_spec(TracingBackend.ADOT, metrics_namespace="CWAgent")
    agent = collector_spec(TracingBackend.CLOUDWATCH_AGENT, metrics_namespace="CWAgent")
    daemon = collector_spec(TracingBackend.XRAY_DAEMON, metrics_namespace="CWAgent")
    assert (adot.cpu, adot.memory_mib) == (256, 512)
    assert (agent.cpu, agent.memory_mib) == (256, 512)
    assert (daemon.cpu, daemon.memory_mib) == (32, 256)
    assert adot.command == ("--config=env:AOT_CONFIG_CONTENT",)
    assert json.loads(adot.environment["AOT_CONFIG_CONTENT"]) == json.loads(adot_config())
    assert set(agent.environment) == {"CW_CONFIG_CONTENT"}
    assert daemon.environment == {}
    assert adot.iam_actions == XRAY_WRITE_ACTIONS
    assert agent.iam_actions == (*XRAY_WRITE_ACTIONS, "cloudwatch:PutMetricData")
    assert (8125, ecs.Protocol.UDP) in agent.ports
    assert daemon.ports == ((2000, ecs.Protocol.UDP), (2000, ecs.Protocol.TCP))


@pytest.mark.parametrize(
    ("protocol", "endpoint"),
    [
        (OtlpProtocol.GRPC, "http://127.0.0.1:4317"),
        (OtlpProtocol.HTTP_PROTOBUF, "http://127.0.0.1:4318"),
    ],
)
def test_app_environment_for_otlp_collectors(protocol: OtlpProtocol, endpoint: str) -> None:
    spec = collector_spec(TracingBackend.ADOT, metrics_namespace="CWAgent")
    environment = app_environment(spec, service_name="orders", otlp_protocol=protocol)
    assert environment == {
        "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",
        "AWS_XRAY_TRACING_NAME": "orders",
        "OTEL_RESOURCE_ATTRIBUTES": "service.name=orders",
        "OTEL_EXPORTER_OTLP_ENDPOINT": endpoint,
        "OTEL_EXPORTER_OTLP_PROTOCOL": protocol.value,
    }


def test_app_environment_for_the_daemon_has_no_otlp_endpoint() -> None:
    spec = collector_spec(TracingBackend.XRAY_DAEMON, metrics_namespace="CWAgent")
    environment = app_environment(spec, service_name="orders", otlp_protocol=OtlpProtocol.GRPC)
    assert "OTEL_EXPORTER_OTLP_ENDPOINT" not in environment
    assert environment["AWS_XRAY_DAEMON_ADDRESS"] == "127.0.0.1:2000"
