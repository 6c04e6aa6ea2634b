"""The collectors' configurations: valid under each collector's own schema, listening on
localhost only, traces only, the ADOT memory limiter sized to the sidecar."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from constructs_obs.tracing._collector_configs import (
    XRayExport,
    adot_config,
    cloudwatch_agent_config,
    go_memory_limit,
    memory_limiter,
)
from tests.tracing.collector_schemas import (
    CLOUDWATCH_AGENT_SCHEMA,
    adot_config_errors,
    schema_errors,
)

ADOT_CONFIGS: dict[str, Callable[[], str]] = {
    "awsxray, 256 MiB": lambda: adot_config(memory_mib=256),
    "awsxray, 512 MiB": lambda: adot_config(memory_mib=512, xray_export=XRayExport.AWSXRAY),
    "otlp endpoint": lambda: adot_config(
        memory_mib=256,
        xray_export=XRayExport.OTLP_ENDPOINT,
        region="eu-west-1",
        url_suffix="amazonaws.com",
    ),
}
AGENT_CONFIGS: dict[str, Callable[[], str]] = {
    "xray and otlp": lambda: cloudwatch_agent_config("Shop/Orders"),
    "application signals": lambda: cloudwatch_agent_config("CWAgent", application_signals=True),
}


def _addresses(node: Any) -> Iterator[tuple[str, str]]:
    """Every (key, value) of the configuration naming an address to listen on."""
    if isinstance(node, dict):
        for key, value in node.items():
            if (
                key in {"endpoint", "bind_address", "grpc_endpoint", "http_endpoint"}
                and (isinstance(value, str))
            ) or key == "service_address":
                yield key, value
            else:
                yield from _addresses(value)
    elif isinstance(node, list):
        for item in node:
            yield from _addresses(item)


# -- ADOT ------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", list(ADOT_CONFIGS))
def test_adot_config_is_one_the_adot_collector_accepts(case: str) -> None:
    assert adot_config_errors(json.loads(ADOT_CONFIGS[case]())) == []


@pytest.mark.parametrize(
    ("mutation", "expected"),
    [
        (lambda c: c["exporters"].update({"awsxrayy": {}}), "'awsxrayy' is not a component"),
        (
            lambda c: c["processors"]["memory_limiter"].update({"limit_mb": 1}),
            "'limit_mb' is not a setting of this component",
        ),
        (
            lambda c: c["service"]["pipelines"]["traces"]["exporters"].append("otlp_http"),
            "exporter 'otlp_http' is not declared",
        ),
        (lambda c: c["service"]["extensions"].append("awsproxy"), "'awsproxy' is not declared"),
    ],
    ids=["unknown exporter", "unknown setting", "undeclared exporter", "undeclared extension"],
)
def test_the_adot_check_finds_what_the_collector_refuses(mutation: Any, expected: str) -> None:
    # GIVEN a valid configuration, WHEN broken as the collector would refuse it
    config = json.loads(adot_config(memory_mib=256))
    mutation(config)
    # THEN the check names the problem
    assert any(expected in error for error in adot_config_errors(config))


def test_adot_receives_otlp_and_xray_and_exports_only_traces_to_xray() -> None:
    config = json.loads(adot_config(memory_mib=256))
    pipelines = config["service"]["pipelines"]
    assert list(pipelines) == ["traces"]  # no metrics or logs pipeline: only X-Ray permissions
    assert pipelines["traces"]["receivers"] == ["otlp", "awsxray"]
    assert pipelines["traces"]["exporters"] == ["awsxray"]
    assert config["exporters"] == {"awsxray": {}}
    # The awsxray receiver's proxy serves X-Ray sampling on TCP 2000 (an awsproxy extension
    # would collide with it on that port).
    assert config["receivers"]["awsxray"]["proxy_server"] == {"endpoint": "127.0.0.1:2000"}
    assert "awsproxy" not in config["extensions"]
    assert config["service"]["extensions"] == ["health_check"]


def test_adot_to_the_xray_otlp_endpoint_signs_with_sigv4() -> None:
    config = json.loads(ADOT_CONFIGS["otlp endpoint"]())
    assert config["exporters"] == {
        "otlp_http": {
            "traces_endpoint": "https://xray.eu-west-1.amazonaws.com/v1/traces",
            "compression": "gzip",
            "auth": {"authenticator": "sigv4auth"},
        }
    }
    assert config["extensions"]["sigv4auth"] == {"region": "eu-west-1", "service": "xray"}
    assert config["service"]["extensions"] == ["health_check", "sigv4auth"]
    assert config["service"]["pipelines"]["traces"]["exporters"] == ["otlp_http"]


@pytest.mark.parametrize(
    ("memory", "limit", "spike", "go_limit"),
    [(256, 204, 51, "204MiB"), (512, 409, 102, "409MiB"), (2048, 1638, 409, "1638MiB")],
)
def test_memory_limiter_and_gomemlimit_follow_the_sidecar_memory(
    memory: int, limit: int, spike: int, go_limit: str
) -> None:
    assert memory_limiter(memory) == (limit, spike)
    assert go_memory_limit(memory) == go_limit
    processors = json.loads(adot_config(memory_mib=memory))["processors"]
    assert processors["memory_limiter"] == {
        "check_interval": "1s",
        "limit_mib": limit,
        "spike_limit_mib": spike,
    }


def test_the_memory_limiter_comes_first() -> None:
    config = json.loads(adot_config(memory_mib=256))
    assert config["service"]["pipelines"]["traces"]["processors"][0] == "memory_limiter"


# -- CloudWatch agent ------------------------------------------------------------------------


@pytest.mark.parametrize("case", list(AGENT_CONFIGS))
def test_agent_config_is_valid_under_the_agents_schema(case: str) -> None:
    assert schema_errors(json.loads(AGENT_CONFIGS[case]()), CLOUDWATCH_AGENT_SCHEMA) == []


@pytest.mark.parametrize(
    ("mutation", "expected"),
    [
        (
            lambda c: c["traces"]["traces_collected"]["xray"].update({"tcp_bind": "x"}),
            "unknown property 'tcp_bind'",
        ),
        (lambda c: c["metrics"].update({"namespace": ""}), "shorter than 1"),
        (lambda c: c["traces"].update({"traces_collected": {}}), "fewer than 1 properties"),
        (
            lambda c: c["metrics"]["metrics_collected"]["statsd"].update(
                {"metrics_collection_interval": 0}
            ),
            "below 1",
        ),
    ],
    ids=["unknown key", "empty namespace", "nothing collected", "zero interval"],
)
def test_the_schema_check_finds_what_the_agent_refuses(mutation: Any, expected: str) -> None:
    config = copy.deepcopy(json.loads(cloudwatch_agent_config("Shop")))
    mutation(config)
    assert any(expected in error for error in schema_errors(config, CLOUDWATCH_AGENT_SCHEMA))


def test_agent_collects_xray_and_otlp_traces_and_statsd() -> None:
    config = json.loads(cloudwatch_agent_config("Shop/Orders"))
    traces = config["traces"]["traces_collected"]
    assert traces["xray"] == {
        "bind_address": "127.0.0.1:2000",
        "tcp_proxy": {"bind_address": "127.0.0.1:2000"},
    }
    assert traces["otlp"] == {"grpc_endpoint": "127.0.0.1:4317", "http_endpoint": "127.0.0.1:4318"}
    assert config["metrics"]["namespace"] == "Shop/Orders"
    assert config["metrics"]["metrics_collected"]["statsd"]["service_address"] == "127.0.0.1:8125"


def test_agent_in_application_signals_mode_runs_what_aws_gives_for_ecs() -> None:
    assert json.loads(AGENT_CONFIGS["application signals"]()) == {
        "traces": {"traces_collected": {"application_signals": {}}},
        "logs": {"metrics_collected": {"application_signals": {}}},
    }


# -- both ------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", [*ADOT_CONFIGS, *AGENT_CONFIGS])
def test_every_listener_binds_localhost(case: str) -> None:
    render = {**ADOT_CONFIGS, **AGENT_CONFIGS}[case]
    config = json.loads(render())
    listeners = [
        (key, value)
        for key, value in _addresses(config)
        if not value.startswith("https://")  # where the exporter sends, not a listener
    ]
    assert all(value.startswith("127.0.0.1:") for _, value in listeners), listeners
    if case != "application signals":  # its listeners are the agent's own, not configurable
        assert listeners
