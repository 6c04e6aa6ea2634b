"""The collector backends: pinned images with their release notes, the support notice, the specs
(size, ports, command, environment, IAM) and the options each backend takes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import aws_ecs as ecs

from constructs_obs import InvalidParameterError
from constructs_obs.private.validate import Check
from constructs_obs.tracing import (
    ADOT_COLLECTOR_IMAGE,
    CLOUDWATCH_AGENT_IMAGE,
    PINNED_IMAGES,
    XRAY_DAEMON_IMAGE,
    XRAY_DAEMON_MAINTENANCE_MODE_SINCE,
    OtlpProtocol,
    TracingBackend,
    XRayExport,
)
from constructs_obs.tracing._collector_configs import adot_config
from constructs_obs.tracing.tracing_backend import (
    APPLICATION_SIGNALS_LOG_ACTIONS,
    XRAY_DAEMON_SUPPORT_NOTICE,
    XRAY_WRITE_ACTIONS,
    CollectorOptions,
    check_image_reference,
    collector_options,
    collector_spec,
)

ROOT = Path(__file__).resolve().parents[2]
CHECK = Check("FargateTracing", "Tracing")
FLOATING = ":" + "latest"

# What is pinned, and where its release notes are: changing a tag without its release notes
# (or the other way round) fails here.
PINNED = {
    TracingBackend.ADOT: (
        "v0.50.0",
        "https://github.com/aws-observability/aws-otel-collector/releases/tag/v0.50.0",
    ),
    TracingBackend.CLOUDWATCH_AGENT: (
        "1.300072.0b1766",
        "https://github.com/aws/amazon-cloudwatch-agent/releases/tag/v1.300072.0",
    ),
    TracingBackend.XRAY_DAEMON: (
        "3.7.0",
        "https://github.com/aws/aws-xray-daemon/releases/tag/v3.7.0",
    ),
}


@pytest.mark.parametrize("backend", list(TracingBackend), ids=lambda b: b.name)
def test_each_pinned_tag_goes_with_its_release_notes(backend: TracingBackend) -> None:
    image = PINNED_IMAGES[backend]
    assert (image.tag, image.release_notes) == PINNED[backend]
    # The version the tag carries is the one the release notes are for.
    version = image.version.removeprefix("v")
    assert image.tag.removeprefix("v").startswith(version)
    assert image.release_notes.endswith(f"/releases/tag/v{version}")


@pytest.mark.parametrize("image", [ADOT_COLLECTOR_IMAGE, CLOUDWATCH_AGENT_IMAGE, XRAY_DAEMON_IMAGE])
def test_default_images_are_pinned_public_ecr_images(image: str) -> None:
    assert image.startswith("public.ecr.aws/")
    assert not image.endswith(FLOATING)
    assert check_image_reference(CHECK, "image", image) == image


def test_pinned_references() -> None:
    assert ADOT_COLLECTOR_IMAGE == "public.ecr.aws/aws-observability/aws-otel-collector:v0.50.0"
    assert CLOUDWATCH_AGENT_IMAGE == (
        "public.ecr.aws/cloudwatch-agent/cloudwatch-agent:1.300072.0b1766"
    )
    assert XRAY_DAEMON_IMAGE == "public.ecr.aws/xray/aws-xray-daemon:3.7.0"


def test_the_daemon_notice_is_the_one_aws_gives_today() -> None:
    # AWS replaced its end-of-support notice on 2025-11-26: maintenance mode from 2026-02-25,
    # no end-of-support date.
    assert XRAY_DAEMON_MAINTENANCE_MODE_SINCE.isoformat() == "2026-02-25"
    assert "maintenance mode since 2026-02-25" in XRAY_DAEMON_SUPPORT_NOTICE
    assert "no end-of-support date" in XRAY_DAEMON_SUPPORT_NOTICE


def test_nothing_the_library_says_states_a_2027_end_of_support() -> None:
    texts = {
        str(path.relative_to(ROOT)): path.read_text()
        for path in [*(ROOT / "constructs_obs").rglob("*.py"), ROOT / "README.md"]
    }
    assert [name for name, text in texts.items() if "2027-02-25" in text] == []
    readme = texts["README.md"]
    tracing = readme[readme.index("### Tracing on Fargate") :]
    tracing = tracing[: tracing.index("\n### ", 1)]
    assert "2027" not in tracing


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


# -- specs -----------------------------------------------------------------------------------


def test_default_sizes_fit_the_smallest_fargate_task_with_room_for_the_app() -> None:
    for backend, size in (
        (TracingBackend.ADOT, (128, 256)),
        (TracingBackend.CLOUDWATCH_AGENT, (128, 256)),
        (TracingBackend.XRAY_DAEMON, (32, 256)),
    ):
        spec = collector_spec(backend)
        assert (spec.cpu, spec.memory_mib) == size, backend
        assert spec.cpu < 256
        assert spec.memory_mib < 512


def test_adot_spec() -> None:
    spec = collector_spec(TracingBackend.ADOT, memory_mib=512)
    assert spec.command == ("--config=env:AOT_CONFIG_CONTENT",)
    assert json.loads(spec.environment["AOT_CONFIG_CONTENT"]) == json.loads(
        adot_config(memory_mib=512)
    )
    assert spec.environment["GOMEMLIMIT"] == "409MiB"
    assert spec.iam_actions == XRAY_WRITE_ACTIONS
    assert spec.ports == (
        (4317, ecs.Protocol.TCP),
        (4318, ecs.Protocol.TCP),
        (2000, ecs.Protocol.UDP),
        (2000, ecs.Protocol.TCP),
    )
    assert spec.internal_ports == ((8888, ecs.Protocol.TCP), (13133, ecs.Protocol.TCP))
    assert spec.health_check == ("CMD", "/healthcheck")


def test_agent_specs() -> None:
    agent = collector_spec(TracingBackend.CLOUDWATCH_AGENT, CollectorOptions("Shop"))
    assert set(agent.environment) == {"CW_CONFIG_CONTENT", "GOMEMLIMIT"}
    assert agent.iam_actions == (*XRAY_WRITE_ACTIONS, "cloudwatch:PutMetricData")
    assert (8125, ecs.Protocol.UDP) in agent.ports
    assert (agent.receives_xray_segments, agent.application_signals) == (True, False)
    signals = collector_spec(
        TracingBackend.CLOUDWATCH_AGENT, CollectorOptions(application_signals=True)
    )
    assert signals.ports == (
        (4315, ecs.Protocol.TCP),
        (4316, ecs.Protocol.TCP),
        (2000, ecs.Protocol.TCP),
    )
    assert signals.iam_actions == (*XRAY_WRITE_ACTIONS, *APPLICATION_SIGNALS_LOG_ACTIONS)
    assert (signals.receives_xray_segments, signals.application_signals) == (False, True)


def test_daemon_runs_in_local_mode_on_localhost() -> None:
    daemon = collector_spec(TracingBackend.XRAY_DAEMON, CollectorOptions(region="eu-west-1"))
    assert daemon.command == (
        "-o",
        "-n",
        "eu-west-1",
        "-b",
        "127.0.0.1:2000",
        "-t",
        "127.0.0.1:2000",
    )
    assert daemon.environment == {"GOMEMLIMIT": "204MiB"}
    assert daemon.ports == ((2000, ecs.Protocol.UDP), (2000, ecs.Protocol.TCP))
    assert daemon.speaks_otlp is False


# -- options ---------------------------------------------------------------------------------


def _options(**given: Any) -> tuple[CollectorOptions, OtlpProtocol]:
    arguments: dict[str, Any] = {
        "backend": TracingBackend.ADOT,
        "xray_export": XRayExport.AWSXRAY,
        "application_signals": False,
        "otlp_protocol": None,
        "metrics_namespace": None,
        "region": "eu-west-1",
        "url_suffix": "amazonaws.com",
    }
    return collector_options(CHECK, **(arguments | given))


def test_options_default_to_grpc_and_http_for_application_signals() -> None:
    assert _options()[1] is OtlpProtocol.GRPC
    options, protocol = _options(backend=TracingBackend.CLOUDWATCH_AGENT, application_signals=True)
    assert protocol is OtlpProtocol.HTTP_PROTOBUF
    assert options.application_signals is True
    assert _options(backend=TracingBackend.CLOUDWATCH_AGENT, metrics_namespace="Shop")[
        0
    ].metrics_namespace == ("Shop")


OPTION_CASES: dict[str, tuple[dict[str, Any], str, str]] = {
    "otlp endpoint for the agent": (
        {"backend": TracingBackend.CLOUDWATCH_AGENT, "xray_export": XRayExport.OTLP_ENDPOINT},
        "xray_export",
        "only the ADOT collector chooses its X-Ray exporter",
    ),
    "application signals on adot": (
        {"application_signals": True},
        "application_signals",
        "only the CloudWatch agent runs Application Signals",
    ),
    "application signals over grpc": (
        {
            "backend": TracingBackend.CLOUDWATCH_AGENT,
            "application_signals": True,
            "otlp_protocol": OtlpProtocol.GRPC,
        },
        "otlp_protocol",
        "Application Signals takes OTLP over HTTP only",
    ),
    "namespace in application signals mode": (
        {
            "backend": TracingBackend.CLOUDWATCH_AGENT,
            "application_signals": True,
            "metrics_namespace": "Shop",
        },
        "metrics_namespace",
        "only the CloudWatch agent publishes StatsD metrics (not in Application Signals mode)",
    ),
    "xray export as a string": (
        {"xray_export": "awsxray"},
        "xray_export",
        "allowed: XRayExport.AWSXRAY, XRayExport.OTLP_ENDPOINT",
    ),
    "application signals not a bool": (
        {"application_signals": "yes"},
        "application_signals",
        "expected True or False, got 'yes'",
    ),
}


@pytest.mark.parametrize("case", list(OPTION_CASES))
def test_an_option_the_backend_does_not_take_is_refused(case: str) -> None:
    given, parameter, message = OPTION_CASES[case]
    with pytest.raises(InvalidParameterError) as info:
        _options(**given)
    assert info.value.parameter == parameter
    assert message in str(info.value)
